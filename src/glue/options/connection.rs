//! The connection section: each org's state and capabilities, lookup rules, the test lookup,
//! and the pages seen.

use wasm_bindgen::JsCast;
use web_sys::Document;

use super::{cell, field_value, name_cell, send, show_error};
use crate::codes::ErrorCode;
use crate::desk::{DialRules, LogPolicy, WRAP_UP_SECS};
use crate::glue::chrome;
use crate::glue::chrome::explain;
use crate::glue::js::JsResultExt;
use crate::protocol::{
    Ack, ContentMode, Lookup, LookupResult, OrgReport, PageReport, Refusal, SaveDialRules,
    SaveLogPolicy, SaveLoggingOrg, SaveLookupPriority,
};
use crate::salesforce::capabilities::Capabilities;
use crate::salesforce::lookup::Candidate;

pub(super) fn render_orgs(document: &Document, orgs: &[OrgReport]) {
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
        row.set_attribute("data-state", org.state.as_str())
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
        let state = if org.state == ErrorCode::Connected {
            chrome::text("state_CONNECTED")
        } else {
            explain(org.state.as_str())
        };
        cell(document, &row, &state, "state");
        cell(document, &row, &lookup_text, "lookup");
        cell(document, &row, &logging_text, "logging");
        cell(document, &row, &readable, "readable");
        cell(document, &row, &usage, "apiUsage");
        body.append_child(&row).log_and_continue("rendering");
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

/// The orgs to choose from: for a lookup, and the logging org (`logging` selected).
pub(super) fn fill_org_choice(document: &Document, orgs: &[OrgReport], logging: Option<&str>) {
    for id in ["lookup-org", "logging-org", "mapping-org"] {
        let Some(select) = document.get_element_by_id(id) else {
            continue;
        };
        // The logging org first: the lookup tries where calls are looked up.
        let mut orgs: Vec<&OrgReport> = orgs.iter().collect();
        orgs.sort_by_key(|o| Some(o.org_id.as_str()) != logging);
        for org in orgs {
            let Ok(option) = document.create_element("option") else {
                continue;
            };
            option
                .set_attribute("value", &org.org_id)
                .log_and_continue("rendering");
            if Some(org.org_id.as_str()) == logging {
                option
                    .set_attribute("selected", "")
                    .log_and_continue("rendering");
            }
            option.set_text_content(Some(&format!("{} ({})", org.ui_host, org.org_id)));
            select.append_child(&option).log_and_continue("rendering");
        }
    }
}

/// Which dials ask first, and the region numbers are read in, as stored.
pub(super) fn fill_dial_rules(document: &Document, rules: DialRules) {
    if let Some(select) = document
        .get_element_by_id("dial-region")
        .and_then(|e| e.dyn_into::<web_sys::HtmlSelectElement>().ok())
    {
        select.set_text_content(None);
        for code in crate::number::plan::regions() {
            if let Ok(option) = document.create_element("option") {
                option
                    .set_attribute("value", code)
                    .log_and_continue("rendering");
                option.set_text_content(Some(&chrome::text(&format!("region_{code}"))));
                select.append_child(&option).log_and_continue("rendering");
            }
        }
        select.set_value(rules.region());
    }
    for (id, on) in [
        ("confirm-costly", rules.confirm_costly),
        ("confirm-abroad", rules.confirm_abroad),
    ] {
        if let Some(input) = document
            .get_element_by_id(id)
            .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
        {
            input.set_checked(on);
        }
    }
}

/// When calls are logged, as stored.
pub(super) fn fill_log_policy(document: &Document, policy: LogPolicy) {
    if let Some(select) = document
        .get_element_by_id("log-when")
        .and_then(|e| e.dyn_into::<web_sys::HtmlSelectElement>().ok())
    {
        select.set_value(if policy.after_wrap_up {
            "wrapup"
        } else {
            "end"
        });
    }
    if let Some(input) = document
        .get_element_by_id("log-wrapup-secs")
        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
    {
        input.set_value(&policy.wrap_up_secs.to_string());
    }
}

pub(super) async fn save_log_policy() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let after_wrap_up = document
        .get_element_by_id("log-when")
        .and_then(|e| e.dyn_into::<web_sys::HtmlSelectElement>().ok())
        .is_some_and(|s| s.value() == "wrapup");
    let secs = document
        .get_element_by_id("log-wrapup-secs")
        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
        .and_then(|i| i.value().trim().parse::<u32>().ok());
    let result = match secs.filter(|s| WRAP_UP_SECS.contains(s)) {
        Some(wrap_up_secs) => {
            let policy = LogPolicy {
                after_wrap_up,
                wrap_up_secs,
            };
            send(&SaveLogPolicy { policy }).await
        }
        // Said next to the field, nothing sent.
        None => Err(Refusal::new("WRAP_UP_SECS", "10 to 600 seconds")),
    };
    show_saved(&document, "log-policy-result", result, "logPolicySaved");
}

pub(super) async fn save_dial_rules() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let checked = |id: &str| {
        document
            .get_element_by_id(id)
            .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
            .is_some_and(|i| i.checked())
    };
    let region = field_value(&document, "dial-region");
    let rules = DialRules {
        confirm_costly: checked("confirm-costly"),
        confirm_abroad: checked("confirm-abroad"),
        region: (!region.is_empty()).then_some(region),
    };
    let result = send(&SaveDialRules { rules }).await;
    show_saved(&document, "dial-rules-result", result, "dialRulesSaved");
}

/// Whether a setting was saved, in the status element `id`: `saved` said, or why not.
fn show_saved(document: &Document, id: &str, result: Result<Ack, Refusal>, saved: &str) {
    if let Some(el) = document.get_element_by_id(id) {
        el.set_attribute("data-saved", &result.is_ok().to_string())
            .log_and_continue("rendering");
        el.set_text_content(Some(&match result {
            Ok(_) => chrome::text(saved),
            Err(e) => chrome::explain(&e.code),
        }));
    }
}

/// The user chose where calls are looked up and logged.
pub(super) async fn save_logging_org() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let org_id = field_value(&document, "logging-org");
    let result = send(&SaveLoggingOrg { org_id }).await;
    show_saved(&document, "logging-result", result, "loggingOrgSaved");
}

pub(super) async fn run_lookup() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let number = field_value(&document, "lookup-number");
    let org_id = field_value(&document, "lookup-org");
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
    match send(&Lookup { number, org_id }).await {
        Ok(LookupResult { candidates, .. }) => render_candidates(&document, &candidates),
        Err(e) => show_error(&document, "lookup-error", &e),
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
        name_cell(document, &row, &candidate.name, "name");
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

/// The six orders of Contact / Account / Lead, the current one selected.
pub(super) fn fill_priority(document: &Document, current: &[String]) {
    let Some(select) = document.get_element_by_id("lookup-priority") else {
        return;
    };
    const ORDERS: [[&str; 3]; 6] = [
        ["Contact", "Account", "Lead"],
        ["Contact", "Lead", "Account"],
        ["Account", "Contact", "Lead"],
        ["Account", "Lead", "Contact"],
        ["Lead", "Contact", "Account"],
        ["Lead", "Account", "Contact"],
    ];
    for order in ORDERS {
        let Ok(option) = document.create_element("option") else {
            continue;
        };
        let value = order.join(",");
        option
            .set_attribute("value", &value)
            .log_and_continue("rendering");
        if current.join(",") == value {
            option
                .set_attribute("selected", "")
                .log_and_continue("rendering");
        }
        let label: Vec<String> = order
            .iter()
            .map(|o| chrome::text(&format!("object_{o}")))
            .collect();
        option.set_text_content(Some(&label.join(" → ")));
        select.append_child(&option).log_and_continue("rendering");
    }
}

pub(super) async fn save_priority() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let priority: Vec<String> = field_value(&document, "lookup-priority")
        .split(',')
        .map(str::to_string)
        .collect();
    let saved = send(&SaveLookupPriority { priority }).await.is_ok();
    if let Some(el) = document.get_element_by_id("priority-result") {
        el.set_attribute("data-saved", &saved.to_string())
            .log_and_continue("rendering");
        el.set_text_content(Some(&chrome::text(if saved {
            "prioritySaved"
        } else {
            "state_BAD_MESSAGE"
        })));
    }
}

pub(super) fn render_pages(document: &Document, pages: &[PageReport]) {
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
