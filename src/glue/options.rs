//! The options page: the Salesforce connection (org, edition, user, capabilities, API usage),
//! a test lookup, and page diagnostics. Values from servers and pages are set as text only.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlInputElement, HtmlSelectElement};

use super::chrome;
use super::js::{call, from_js, to_js, GlueError, JsResultExt};
use crate::protocol::{ContentMode, FromWorker, OrgReport, PageReport, ToWorker, PROTOCOL_VERSION};
use crate::salesforce::capabilities::Capabilities;
use crate::salesforce::lookup::Candidate;

#[wasm_bindgen]
pub async fn options_main() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    translate(&document);
    super::options_phone::start(&document);
    match send(&ToWorker::OptionsStatus).await {
        Ok(FromWorker::Status { orgs, pages, .. }) => {
            render_orgs(&document, &orgs);
            render_pages(&document, &pages);
            fill_org_choice(&document, &orgs);
        }
        Ok(FromWorker::Error { code, message }) => show_error(&document, "error", &code, &message),
        Ok(_) => {}
        Err(e) => show_error(&document, "error", e.code, &e.detail),
    }
    wire_lookup(&document);
    if let Some(body) = document.body() {
        body.set_attribute("data-ready", "true")
            .log_and_continue("marking ready");
    }
}

async fn send(message: &ToWorker) -> Result<FromWorker, GlueError> {
    let value = to_js(message)?;
    js_sys::Reflect::set(&value, &"v".into(), &JsValue::from(PROTOCOL_VERSION))
        .or_glue("SERIALISE")?;
    let reply = call(chrome::runtime_send_message(&value), "WORKER_UNAVAILABLE").await?;
    from_js(reply)
}

/// Static text: every element with `data-i18n` gets its message.
fn translate(document: &Document) {
    let Some(nodes) = document
        .query_selector_all("[data-i18n]")
        .log_and_continue("i18n")
    else {
        return;
    };
    for i in 0..nodes.length() {
        if let Some(el) = nodes.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
            let key = el.get_attribute("data-i18n").unwrap_or_default();
            el.set_text_content(Some(&chrome::text(&key)));
        }
    }
}

fn cell(document: &Document, row: &Element, text: &str, name: &str) -> Option<()> {
    let td = document.create_element("td").ok()?;
    td.set_attribute("data-field", name).ok()?;
    td.set_text_content(Some(text));
    row.append_child(&td).ok()?;
    Some(())
}

/// A code's message in the user's language, or a generic one naming the code.
fn explain(code: &str) -> String {
    let key = format!("state_{code}");
    let text = chrome::text(&key);
    if text == key {
        chrome::text_with("state_OTHER", &[code])
    } else {
        text
    }
}

fn feature(
    capabilities: Option<&Capabilities>,
    blocked: impl Fn(&Capabilities) -> Option<&str>,
) -> (String, String) {
    match capabilities {
        None => ("UNKNOWN".into(), chrome::text("capUnknown")),
        Some(c) => match blocked(c) {
            None => ("AVAILABLE".into(), chrome::text("capAvailable")),
            Some(code) => (code.to_string(), explain(code)),
        },
    }
}

fn render_orgs(document: &Document, orgs: &[OrgReport]) {
    let Some(body) = document.get_element_by_id("orgs") else {
        return;
    };
    body.set_text_content(None);
    if orgs.is_empty() {
        if let Ok(row) = document.create_element("tr") {
            cell(document, &row, &chrome::text("noOrgYet"), "empty");
            body.append_child(&row).log_and_continue("rendering");
        }
        return;
    }
    for org in orgs {
        let Ok(row) = document.create_element("tr") else {
            continue;
        };
        row.set_attribute("data-org", &org.org_id)
            .log_and_continue("rendering");
        row.set_attribute("data-state", &org.state)
            .log_and_continue("rendering");
        let capabilities = org.capabilities.as_ref();
        let (lookup_code, lookup_text) = feature(capabilities, |c| c.lookup_blocked());
        let (logging_code, logging_text) = feature(capabilities, |c| c.logging_blocked());
        row.set_attribute("data-lookup", &lookup_code)
            .log_and_continue("rendering");
        row.set_attribute("data-logging", &logging_code)
            .log_and_continue("rendering");
        let readable = capabilities
            .map(|c| {
                c.readable
                    .iter()
                    .map(|o| chrome::text(&format!("object_{o}")))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        let usage = org
            .api_usage
            .map(|u| chrome::text_with("usageFormat", &[&u.used.to_string(), &u.max.to_string()]))
            .unwrap_or_else(|| "—".into());
        cell(document, &row, &org.org_id, "orgId");
        cell(
            document,
            &row,
            org.edition.as_deref().unwrap_or("—"),
            "edition",
        );
        cell(document, &row, &org.api_host, "apiHost");
        cell(
            document,
            &row,
            org.user_id.as_deref().unwrap_or("—"),
            "userId",
        );
        let state = if org.state == "CONNECTED" {
            chrome::text("state_CONNECTED")
        } else {
            explain(&org.state)
        };
        cell(document, &row, &state, "state");
        cell(document, &row, &lookup_text, "lookup");
        cell(document, &row, &logging_text, "logging");
        cell(document, &row, &readable, "readable");
        cell(document, &row, &usage, "apiUsage");
        body.append_child(&row).log_and_continue("rendering");
    }
}

fn render_pages(document: &Document, pages: &[PageReport]) {
    let Some(body) = document.get_element_by_id("pages") else {
        return;
    };
    body.set_text_content(None);
    for page in pages {
        let Ok(row) = document.create_element("tr") else {
            continue;
        };
        let mode = match page.mode {
            ContentMode::Wasm => "WASM",
            ContentMode::DegradedCsp => "DEGRADED_CSP",
            ContentMode::DegradedFailed => "DEGRADED_FAILED",
        };
        row.set_attribute("data-mode", mode)
            .log_and_continue("rendering");
        cell(document, &row, &page.host, "host");
        cell(
            document,
            &row,
            &chrome::text(&format!("mode_{mode}")),
            "mode",
        );
        cell(
            document,
            &row,
            &page.phone_fields.to_string(),
            "phoneFields",
        );
        body.append_child(&row).log_and_continue("rendering");
    }
}

fn fill_org_choice(document: &Document, orgs: &[OrgReport]) {
    let Some(select) = document.get_element_by_id("lookup-org") else {
        return;
    };
    for org in orgs {
        let Ok(option) = document.create_element("option") else {
            continue;
        };
        option
            .set_attribute("value", &org.org_id)
            .log_and_continue("rendering");
        option.set_text_content(Some(&format!("{} ({})", org.ui_host, org.org_id)));
        select.append_child(&option).log_and_continue("rendering");
    }
}

fn show_error(document: &Document, id: &str, code: &str, detail: &str) {
    if let Some(el) = document.get_element_by_id(id) {
        el.set_attribute("data-code", code)
            .log_and_continue("showing error");
        let text = explain(code);
        el.set_text_content(Some(&if detail.is_empty() {
            text
        } else {
            format!("{text} ({detail})")
        }));
        el.remove_attribute("hidden")
            .log_and_continue("showing error");
    }
}

fn wire_lookup(document: &Document) {
    let Some(button) = document.get_element_by_id("lookup-run") else {
        return;
    };
    let handler = Closure::<dyn Fn()>::new(|| {
        wasm_bindgen_futures::spawn_local(run_lookup());
    });
    button
        .add_event_listener_with_callback("click", handler.as_ref().unchecked_ref())
        .log_and_continue("wiring the lookup");
    // The button lives as long as the page; so must its listener.
    handler.forget();
}

async fn run_lookup() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let value = |id: &str| -> String {
        document
            .get_element_by_id(id)
            .and_then(|el| {
                el.dyn_ref::<HtmlInputElement>()
                    .map(|i| i.value())
                    .or_else(|| el.dyn_ref::<HtmlSelectElement>().map(|s| s.value()))
            })
            .unwrap_or_default()
    };
    let number = value("lookup-number");
    let org_id = value("lookup-org");
    if let Some(el) = document.get_element_by_id("lookup-error") {
        el.set_attribute("hidden", "").log_and_continue("resetting");
    }
    let results = document.get_element_by_id("lookup-results");
    if let Some(results) = &results {
        results.set_text_content(None);
        results
            .remove_attribute("data-done")
            .log_and_continue("resetting");
    }
    let reply = send(&ToWorker::Lookup {
        number,
        org_id: Some(org_id),
    })
    .await;
    match reply {
        Ok(FromWorker::LookupResult { candidates, .. }) => {
            render_candidates(&document, &candidates)
        }
        Ok(FromWorker::Error { code, message }) => {
            show_error(&document, "lookup-error", &code, &message)
        }
        Ok(_) => {}
        Err(e) => show_error(&document, "lookup-error", e.code, &e.detail),
    }
    if let Some(results) = &results {
        results
            .set_attribute("data-done", "true")
            .log_and_continue("marking done");
    }
}

fn render_candidates(document: &Document, candidates: &[Candidate]) {
    let Some(body) = document.get_element_by_id("lookup-results") else {
        return;
    };
    if candidates.is_empty() {
        if let Ok(row) = document.create_element("tr") {
            cell(document, &row, &chrome::text("lookupNone"), "empty");
            body.append_child(&row).log_and_continue("rendering");
        }
        return;
    }
    for candidate in candidates {
        let Ok(row) = document.create_element("tr") else {
            continue;
        };
        row.set_attribute("data-id", candidate.id.as_str())
            .log_and_continue("rendering");
        row.set_attribute("data-exact", &candidate.exact.to_string())
            .log_and_continue("rendering");
        cell(
            document,
            &row,
            &chrome::text(&format!("object_{}", candidate.object)),
            "object",
        );
        cell(document, &row, &candidate.name, "name");
        cell(document, &row, &candidate.phones.join(" / "), "phones");
        let related = candidate
            .account_name
            .clone()
            .or_else(|| candidate.company.clone())
            .unwrap_or_default();
        cell(document, &row, &related, "related");
        body.append_child(&row).log_and_continue("rendering");
    }
}
