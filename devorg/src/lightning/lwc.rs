//! `?ui=lwc`: record pages and list views rendered in the browser by the real LWC engine with
//! Salesforce's base components (`lightning-card`, `lightning-formatted-phone`,
//! `lightning-tabset`, `lightning-datatable`, …), compiled at build time in `devorg/lwc`
//! (`npm run build`, which `./build.sh build` runs) into two bundles: synthetic shadow (the
//! default, as Lightning Experience runs) and native shadow (`&shadow=native`). The page embeds
//! its records as JSON; the bundle is read from `devorg/lwc/dist` at request time, so devorg
//! builds and runs without node (a missing bundle is a 404 that says how to build it).

use std::path::PathBuf;

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::markup::ShadowMode;
use super::pages::{self, seeded_of, text};
use super::PageOptions;
use crate::org::Org;

/// A phone value edited while the page is open: shown first, then replaced in place.
const EDITED_FROM: &str = "03-5555-0100";
const EDITED_TO: &str = "03-5555-0199";
const EDITED_AFTER_MS: u64 = 3_000;
/// Fields of the details tab render this late (a layout loading after the page).
const LATE_AFTER_MS: u64 = 800;

/// The built bundles: `devorg/lwc/dist`, or `DEVORG_LWC_DIST` when set.
fn dist_dir() -> PathBuf {
    std::env::var_os("DEVORG_LWC_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/lwc/dist")))
}

/// The bundle for the page's shadow kind.
pub fn bundle_path(o: &PageOptions) -> &'static str {
    if o.shadow == ShadowMode::Native {
        "/lightning/static/lwc/native.js"
    } else {
        "/lightning/static/lwc/synthetic.js"
    }
}

/// `GET /lightning/static/lwc/{file}`: one of the two bundles, from disk.
pub async fn bundle(Path(file): Path<String>) -> Response {
    serve_bundle(dist_dir(), &file).await
}

async fn serve_bundle(dir: PathBuf, file: &str) -> Response {
    if !matches!(file, "synthetic.js" | "native.js") {
        return (StatusCode::NOT_FOUND, "no such LWC bundle").into_response();
    }
    let path = dir.join(file);
    let read = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || std::fs::read(path)).await
    };
    match read {
        Ok(Ok(body)) => (
            [
                (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            body,
        )
            .into_response(),
        _ => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!(
                "devorg's LWC bundle {} is not built: run ./build.sh build \
                 (or: cd devorg/lwc && npm ci && npm run build)\n",
                path.display()
            ),
        )
            .into_response(),
    }
}

/// Where the app mounts, with its data as JSON (`<` escaped, so no text can close the script).
fn mount(data: &Value) -> String {
    let json = data.to_string().replace('<', "\\u003c");
    format!(
        r#"<div class="lwc-app" data-lwc-mount><script type="application/json">{json}</script></div>"#
    )
}

/// An Account or Contact record page; other objects keep their hand-written page.
pub fn record(org: &Org, object: &str, id: &str) -> Option<(String, String)> {
    if !matches!(object, "Account" | "Contact") {
        return None;
    }
    let record = org.record(object, id)?;
    let id = text(&record, "Id");
    let late: Vec<Value> = [("MobilePhone", "携帯"), ("Fax", "FAX")]
        .iter()
        .filter(|(field, _)| !text(&record, field).is_empty())
        .map(|(field, label)| {
            json!({"key": field, "label": label, "value": text(&record, field), "afterMs": LATE_AFTER_MS})
        })
        .collect();
    let (slotted_title, slotted) = if object == "Contact" {
        let account = record["AccountId"]
            .as_str()
            .and_then(|a| org.record("Account", a));
        let fields = account
            .iter()
            .map(|a| json!({"key": text(a, "Id"), "label": text(a, "Name"), "value": text(a, "Phone")}))
            .collect::<Vec<_>>();
        ("取引先", fields)
    } else {
        let state = org.lock();
        let fields = state
            .records
            .iter()
            .filter(|r| r["attributes"]["type"] == "Contact" && r["AccountId"] == id.as_str())
            .filter(|r| !text(r, "Phone").is_empty())
            .map(|r| json!({"key": text(r, "Id"), "label": text(r, "Name"), "value": text(r, "Phone")}))
            .collect::<Vec<_>>();
        ("取引先責任者", fields)
    };
    let data = json!({
        "kind": "record",
        "object": object,
        "id": id,
        "name": text(&record, "Name"),
        "phone": text(&record, "Phone"),
        "late": late,
        "updated": {"label": "その他の電話", "from": EDITED_FROM, "to": EDITED_TO, "afterMs": EDITED_AFTER_MS},
        "slottedTitle": slotted_title,
        "slotted": slotted,
    });
    Some((text(&record, "Name"), mount(&data)))
}

/// An Account or Contact list view in a `lightning-datatable`: the seeded records, then (with
/// `?rows=N`) generated ones up to N rows, as the hand-written list makes them (the
/// benchmark's long lists).
pub fn list(org: &Org, object: &str, wanted: Option<usize>) -> Option<(String, String)> {
    let (label, columns) = match object {
        "Contact" => (
            "取引先責任者",
            json!([
                {"label": "名前", "fieldName": "Name", "type": "text"},
                {"label": "電話", "fieldName": "Phone", "type": "phone"},
                {"label": "携帯", "fieldName": "MobilePhone", "type": "phone"},
            ]),
        ),
        "Account" => (
            "取引先",
            json!([
                {"label": "名前", "fieldName": "Name", "type": "text"},
                {"label": "電話", "fieldName": "Phone", "type": "phone"},
            ]),
        ),
        _ => return None,
    };
    let mut rows: Vec<Value> = seeded_of(org, object)
        .iter()
        .map(|r| {
            json!({"Id": text(r, "Id"), "Name": text(r, "Name"), "Phone": text(r, "Phone"),
                   "MobilePhone": text(r, "MobilePhone")})
        })
        .collect();
    let wanted = wanted.unwrap_or(rows.len()).min(pages::MAX_ROWS);
    for index in rows.len()..wanted {
        let (id, name, [phone, mobile, _]) = pages::generated_row(object, index);
        rows.push(json!({"Id": id, "Name": name, "Phone": phone, "MobilePhone": mobile}));
    }
    rows.truncate(wanted);
    let data =
        json!({"kind": "list", "object": object, "label": label, "columns": columns, "rows": rows});
    Some((label.to_string(), mount(&data)))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body(response: Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await;
        String::from_utf8(bytes.expect("a body").to_vec()).expect("UTF-8")
    }

    #[tokio::test]
    async fn bundles_are_read_from_disk_and_a_missing_one_says_how_to_build_it() {
        let dir = std::env::temp_dir().join(format!("devorg-lwc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("native.js"), "export {};").unwrap();
        let served = serve_bundle(dir.clone(), "native.js").await;
        assert_eq!(served.status(), StatusCode::OK);
        assert_eq!(
            served.headers()[header::CONTENT_TYPE],
            "text/javascript; charset=utf-8"
        );
        assert_eq!(body(served).await, "export {};");
        let missing = serve_bundle(dir.clone(), "synthetic.js").await;
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        assert!(body(missing).await.contains("run ./build.sh build"));
        let other = serve_bundle(dir.clone(), "../Cargo.toml").await;
        assert_eq!(other.status(), StatusCode::NOT_FOUND);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn embedded_json_cannot_close_its_script() {
        let html = mount(&json!({"name": "</script><img src=x>"}));
        assert!(!html.contains("</script><img"));
        assert!(html.contains(r#"\u003c/script>\u003cimg src=x>"#));
    }
}
