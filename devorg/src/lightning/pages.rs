//! The page kinds click-to-call must handle: record pages (highlights panel, details, related
//! lists), list views of up to 5,000 rows, global search results, console sub-tabs and Kanban.

use serde_json::Value;

use super::markup::{click_to_dial, component, formatted_phone, layout_item};
use super::PageOptions;
use crate::org::{to_18, Org};
use crate::page::escape_html;

pub const MAX_ROWS: usize = 5_000;

pub fn text(record: &Value, field: &str) -> String {
    record[field].as_str().unwrap_or_default().to_string()
}

fn record_link(o: &PageOptions, record: &Value) -> String {
    let object = record["attributes"]["type"].as_str().unwrap_or_default();
    let id = record["Id"].as_str().unwrap_or_default();
    format!(
        r#"<a data-spa href="{}">{}</a>"#,
        escape_html(&o.link(&format!("/lightning/r/{object}/{id}/view"))),
        escape_html(&text(record, "Name"))
    )
}

/// Phone fields of each object, with their Japanese labels.
fn phone_fields(object: &str) -> &'static [(&'static str, &'static str)] {
    match object {
        "Contact" | "Lead" => &[("Phone", "電話"), ("MobilePhone", "携帯")],
        "Account" => &[("Phone", "電話"), ("Fax", "FAX")],
        "Case" => &[("SuppliedPhone", "Web 電話")],
        _ => &[],
    }
}

pub fn home(org: &Org, o: &PageOptions) -> String {
    let state = org.lock();
    let recent: String = state
        .records
        .iter()
        .filter(|r| r["attributes"]["type"] == "Contact")
        .take(5)
        .map(|r| {
            format!(
                "<li>{} {}</li>",
                record_link(o, r),
                formatted_phone(o.shadow, &text(r, "Phone"))
            )
        })
        .collect();
    format!(
        r#"<h1 class="slds-page-header__title">ホーム</h1><section class="slds-card"><h2>最近使ったデータ</h2><ul>{recent}</ul></section>"#
    )
}

fn find_record(org: &Org, object: &str, id: &str) -> Option<Value> {
    org.record(object, id)
}

/// The record's detail: highlights panel, phone fields, and for an Account its contacts.
fn record_detail(org: &Org, o: &PageOptions, record: &Value) -> String {
    let object = record["attributes"]["type"].as_str().unwrap_or_default();
    let name = text(record, "Name");
    let primary = text(record, "Phone");
    let highlights_inner = format!(
        r#"<div class="slds-page-header"><h1 class="slds-page-header__title"><lightning-formatted-name>{}</lightning-formatted-name></h1><div class="slds-page-header__detail-row">{}</div></div>"#,
        escape_html(&name),
        if primary.is_empty() {
            String::new()
        } else {
            formatted_phone(o.shadow, &primary)
        }
    );
    let highlights = component(
        "records-lwc-highlights-panel",
        o.shadow,
        "",
        &highlights_inner,
    );
    let mut fields = String::new();
    for (api_name, label) in phone_fields(object) {
        let value = text(record, api_name);
        if !value.is_empty() {
            fields.push_str(&layout_item(
                o.shadow,
                label,
                &formatted_phone(o.shadow, &value),
            ));
        }
    }
    if object != "Account" {
        // The Account's phone, shown through click-to-dial as console layouts do.
        let account = record["AccountId"]
            .as_str()
            .and_then(|id| find_record(org, "Account", id));
        if let Some(account) = account {
            let phone = text(&account, "Phone");
            fields.push_str(&layout_item(
                o.shadow,
                "取引先 電話",
                &click_to_dial(o.shadow, &phone),
            ));
        }
    }
    let section = component("records-record-layout-section", o.shadow, "", &fields);
    let related = if object == "Account" {
        related_contacts(org, o, record["Id"].as_str().unwrap_or_default())
    } else {
        String::new()
    };
    format!(
        r#"<div class="record-page" data-record-id="{}" data-object="{object}">{highlights}{section}{related}</div>"#,
        escape_html(&text(record, "Id"))
    )
}

fn related_contacts(org: &Org, o: &PageOptions, account_id: &str) -> String {
    let state = org.lock();
    let rows: String = state
        .records
        .iter()
        .filter(|r| r["attributes"]["type"] == "Contact" && r["AccountId"] == account_id)
        .map(|r| {
            format!(
                r#"<tr data-row-key-value="{}"><th>{}</th><td>{}</td><td>{}</td></tr>"#,
                escape_html(&text(r, "Id")),
                record_link(o, r),
                formatted_phone(o.shadow, &text(r, "Phone")),
                formatted_phone(o.shadow, &text(r, "MobilePhone")),
            )
        })
        .collect();
    let table = format!(
        r#"<h2>取引先責任者</h2><table class="slds-table"><thead><tr><th>名前</th><th>電話</th><th>携帯</th></tr></thead><tbody>{rows}</tbody></table>"#
    );
    component("lst-related-list-single-container", o.shadow, "", &table)
}

pub fn record(org: &Org, o: &PageOptions, object: &str, id: &str) -> Option<(String, String)> {
    let record = find_record(org, object, id)?;
    Some((text(&record, "Name"), record_detail(org, o, &record)))
}

/// Rows of a list view: the org's records first, then generated customers, so a list of any
/// length up to 5,000 can be asked for. Each row has three phone cells.
/// Row `index` of a long list beyond the seeded records: its id, name and three phones.
pub fn generated_row(object: &str, index: usize) -> (String, String, [String; 3]) {
    let n = index + 1;
    let prefix = match object {
        "Lead" => "00Q",
        "Account" => "001",
        _ => "003",
    };
    let id = to_18(&format!("{prefix}5g0001{:06}", n % 1_000_000));
    let phones = [
        format!("03-{:04}-{:04}", 1000 + n / 10_000, n % 10_000),
        format!("090-{:04}-{:04}", 2000 + n / 10_000, n % 10_000),
        format!("+81 6-{:04}-{:04}", 3000 + n / 10_000, n % 10_000),
    ];
    (id, format!("顧客 {n}"), phones)
}

fn list_row(o: &PageOptions, object: &str, index: usize, seeded: &[Value]) -> String {
    let (id, name, phones) = match seeded.get(index) {
        Some(r) => (
            text(r, "Id"),
            record_link(o, r),
            [text(r, "Phone"), text(r, "MobilePhone"), text(r, "Fax")],
        ),
        None => {
            let (id, name, phones) = generated_row(object, index);
            let link = format!(
                r#"<a data-spa href="{}">{name}</a>"#,
                escape_html(&o.link(&format!("/lightning/r/{object}/{id}/view")))
            );
            (id, link, phones)
        }
    };
    let cells: String = phones
        .iter()
        .map(|p| {
            let inner = if p.is_empty() {
                String::new()
            } else {
                formatted_phone(o.shadow, p)
            };
            format!(
                "<td>{}</td>",
                component("lightning-primitive-cell-factory", o.shadow, "", &inner)
            )
        })
        .collect();
    format!(
        r#"<tr data-row-key-value="{}"><th scope="row">{name}</th>{cells}</tr>"#,
        escape_html(&id)
    )
}

pub fn seeded_of(org: &Org, object: &str) -> Vec<Value> {
    org.lock()
        .records
        .iter()
        .filter(|r| r["attributes"]["type"] == object)
        .cloned()
        .collect()
}

pub fn list_rows(
    org: &Org,
    o: &PageOptions,
    object: &str,
    offset: usize,
    count: usize,
) -> Option<String> {
    if !matches!(object, "Contact" | "Lead" | "Account") {
        return None;
    }
    let seeded = seeded_of(org, object);
    let end = (offset + count).min(MAX_ROWS);
    Some(
        (offset..end)
            .map(|i| list_row(o, object, i, &seeded))
            .collect(),
    )
}

pub fn list(org: &Org, o: &PageOptions, object: &str) -> Option<(String, String)> {
    let count = o.rows.unwrap_or(25).min(MAX_ROWS);
    let rows = list_rows(org, o, object, 0, count)?;
    let label = match object {
        "Lead" => "リード",
        "Account" => "取引先",
        _ => "取引先責任者",
    };
    let table = format!(
        r#"<table class="slds-table slds-table_bordered" role="grid"><thead><tr><th>名前</th><th>電話</th><th>携帯</th><th>その他の電話</th></tr></thead><tbody>{rows}</tbody></table>"#
    );
    let datatable = component("lightning-datatable", o.shadow, "", &table);
    let main = format!(
        r#"<div class="list-view" data-object="{object}" data-rows="{count}"><h1 class="slds-page-header__title">{label}</h1>{datatable}<button type="button" id="load-more" class="slds-button">さらに表示</button></div>"#
    );
    Some((label.to_string(), main))
}

pub fn kanban(org: &Org, o: &PageOptions, object: &str) -> Option<String> {
    if object != "Lead" {
        return None;
    }
    let leads = seeded_of(org, "Lead");
    let columns: String = ["Open - Not Contacted", "Working - Contacted"]
        .iter()
        .map(|status| {
            let cards: String = leads
                .iter()
                .filter(|l| l["Status"] == *status)
                .map(|l| {
                    let inner = format!(
                        r#"<article class="slds-card kanban-card">{}<p>{}</p>{}</article>"#,
                        record_link(o, l),
                        escape_html(&text(l, "Company")),
                        formatted_phone(o.shadow, &text(l, "Phone"))
                    );
                    component("force-kanban-card", o.shadow, "", &inner)
                })
                .collect();
            format!(
                r#"<section class="kanban-column" data-status="{}"><h2>{}</h2>{cards}</section>"#,
                escape_html(status),
                escape_html(status)
            )
        })
        .collect();
    Some(format!(r#"<div class="kanban">{columns}</div>"#))
}

fn digits(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '0'..='9' => Some(c),
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
            _ => None,
        })
        .collect()
}

pub fn search(org: &Org, o: &PageOptions) -> String {
    let term = o.term.clone().unwrap_or_default();
    let term_digits = digits(&term);
    let state = org.lock();
    let hits: Vec<&Value> = state
        .records
        .iter()
        .filter(|r| {
            matches!(
                r["attributes"]["type"].as_str(),
                Some("Contact" | "Lead" | "Account")
            )
        })
        .filter(|r| {
            let name_hit = !term.is_empty() && text(r, "Name").contains(term.as_str());
            let phone_hit = term_digits.len() >= 2
                && ["Phone", "MobilePhone"]
                    .iter()
                    .any(|f| digits(&text(r, f)).contains(&term_digits));
            name_hit || phone_hit
        })
        .collect();
    let rows: String = hits
        .iter()
        .map(|r| {
            format!(
                r#"<tr data-row-key-value="{}"><td>{}</td><th>{}</th><td>{}</td></tr>"#,
                escape_html(&text(r, "Id")),
                escape_html(r["attributes"]["type"].as_str().unwrap_or_default()),
                record_link(o, r),
                formatted_phone(o.shadow, &text(r, "Phone"))
            )
        })
        .collect();
    let table = format!(r#"<table class="slds-table"><tbody>{rows}</tbody></table>"#);
    format!(
        r#"<div class="search-results" data-term="{}"><h1 class="slds-page-header__title">「{}」の検索結果 ({} 件)</h1>{}</div>"#,
        escape_html(&term),
        escape_html(&term),
        hits.len(),
        component("search_results-search-results-list", o.shadow, "", &table)
    )
}

/// A console app: each record opens in a sub-tab; only the active one is shown.
pub fn console(org: &Org, o: &PageOptions) -> String {
    let default_ids = "0035g00000Yam4dAAB,0015g00000AcMeAAAV,00Q5g00000KoBaYEAV";
    let ids = o.ids.clone().unwrap_or_else(|| default_ids.to_string());
    let records: Vec<Value> = ids
        .split(',')
        .filter_map(|id| {
            let state = org.lock();
            state
                .records
                .iter()
                .find(|r| r["Id"].as_str() == Some(id))
                .cloned()
        })
        .collect();
    let tabs: String = records
        .iter()
        .enumerate()
        .map(|(i, r)| {
            format!(
                r##"<li role="presentation"><a role="tab" class="console-tab" data-tab="{i}" aria-selected="{}" href="#">{}</a></li>"##,
                i == 0,
                escape_html(&text(r, "Name"))
            )
        })
        .collect();
    let panels: String = records
        .iter()
        .enumerate()
        .map(|(i, r)| {
            format!(
                r#"<section role="tabpanel" class="console-panel" data-tab="{i}"{}>{}</section>"#,
                if i == 0 { "" } else { " hidden" },
                record_detail(org, o, r)
            )
        })
        .collect();
    format!(
        r#"<div class="console"><ul role="tablist" class="slds-tabs_default__nav">{tabs}</ul>{panels}</div>"#
    )
}
