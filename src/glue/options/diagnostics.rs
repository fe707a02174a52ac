//! The diagnostics section: where each org and the phone line stand, the outbox, the last
//! errors with what to do (in the user's language), Retry all, Reset cached org data, and
//! Copy diagnostics (the worker's redacted text, for a support ticket).

use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlTextAreaElement};

use super::{cell, send, show_error};
use crate::diagnostics::{ErrorEntry, Report, Source};
use crate::glue::chrome;
use crate::glue::js::JsResultExt;
use crate::protocol::{Diagnostics, ResetOrgData, RetryAllLogs};

pub(super) async fn render(document: &Document) {
    match send(&Diagnostics {}).await {
        Ok(found) => {
            facts(document, &found.report);
            errors(document, &found.report.errors);
            if let Some(el) = document.get_element_by_id("diagnostics") {
                el.set_attribute("data-done", "true")
                    .log_and_continue("rendering");
            }
        }
        Err(e) => show_error(document, "diag-result", &e),
    }
}

fn facts(document: &Document, report: &Report) {
    let Some(list) = document.get_element_by_id("diag-facts") else {
        return;
    };
    list.set_text_content(None);
    let add = |label: &str, value: &str, name: &str| {
        let (Ok(dt), Ok(dd)) = (document.create_element("dt"), document.create_element("dd"))
        else {
            return;
        };
        dt.set_text_content(Some(label));
        dd.set_text_content(Some(value));
        dd.set_attribute("data-fact", name)
            .log_and_continue("rendering");
        list.append_child(&dt).log_and_continue("rendering");
        list.append_child(&dd).log_and_continue("rendering");
    };
    let unknown = || "—".to_string();
    for org in &report.orgs {
        add(&chrome::text("colOrgId"), &org.org_id, "org");
        add(
            &chrome::text("colEdition"),
            &org.edition.clone().unwrap_or_else(unknown),
            "edition",
        );
        add(&chrome::text("colApiHost"), &org.api_host, "apiHost");
        let user = match (&org.user_name, &org.user_id) {
            (Some(name), Some(id)) => format!("{name} ({id})"),
            (None, Some(id)) => id.clone(),
            _ => unknown(),
        };
        add(&chrome::text("colUser"), &user, "user");
        add(
            &chrome::text("colState"),
            &chrome::explain(&org.state),
            "state",
        );
        let source = if org.session_source == "oauth" {
            "oauthConnected"
        } else {
            "oauthBrowserSession"
        };
        add(
            &chrome::text("diagSession"),
            &chrome::text(source),
            "session",
        );
        let usage = match (org.api_used, org.api_max) {
            (Some(used), Some(max)) => {
                chrome::text_with("usageFormat", &[&used.to_string(), &max.to_string()])
            }
            _ => unknown(),
        };
        add(&chrome::text("colApiUsage"), &usage, "apiUsage");
    }
    add(
        &chrome::text("diagSip"),
        &chrome::text(&format!("line_{}", report.sip.state)),
        "sip",
    );
    add(
        &chrome::text("diagServer"),
        if report.sip.server.is_empty() {
            "—"
        } else {
            &report.sip.server
        },
        "server",
    );
    add(
        &chrome::text("diagWebsocket"),
        &chrome::text(&format!("diagWs_{}", report.sip.websocket)),
        "websocket",
    );
    add(
        &chrome::text("diagOutbox"),
        &chrome::text_with(
            "diagOutboxFormat",
            &[
                &report.outbox_waiting.to_string(),
                &report.outbox_failed.to_string(),
            ],
        ),
        "outbox",
    );
}

fn errors(document: &Document, entries: &[ErrorEntry]) {
    let Some(body) = document.get_element_by_id("diag-errors") else {
        return;
    };
    body.set_text_content(None);
    if entries.is_empty() {
        if let Ok(row) = document.create_element("tr") {
            cell(document, &row, &chrome::text("diagNoErrors"), "empty");
            body.append_child(&row).log_and_continue("rendering");
        }
        return;
    }
    for entry in entries {
        if let Some(row) = error_row(document, entry) {
            body.append_child(&row).log_and_continue("rendering");
        }
    }
}

fn error_row(document: &Document, entry: &ErrorEntry) -> Option<Element> {
    let row = document.create_element("tr").ok()?;
    row.set_attribute("data-code", &entry.code).ok()?;
    row.set_attribute("data-source", entry.source.as_str())
        .ok()?;
    let mut time = chrome::local_time(entry.at_ms as f64);
    if entry.count > 1 {
        time = chrome::text_with("diagTimes", &[&time, &entry.count.to_string()]);
    }
    cell(document, &row, &time, "time")?;
    cell(
        document,
        &row,
        &chrome::text(&format!("source_{}", entry.source.as_str())),
        "source",
    )?;
    let what = match &entry.org_id {
        Some(org) => format!("{} · {} · {org}", entry.code, entry.detail),
        None => format!("{} · {}", entry.code, entry.detail),
    };
    cell(document, &row, &what, "what")?;
    let todo = match entry.source {
        Source::Phone => chrome::text(&format!("line_{}", entry.code)),
        _ => chrome::explain(&entry.code),
    };
    cell(document, &row, &todo, "todo")?;
    Some(row)
}

pub(super) async fn retry_all() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let result = send(&RetryAllLogs {}).await;
    done(&document, result.map(|_| "diagRetried")).await;
}

pub(super) async fn reset() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let result = send(&ResetOrgData {}).await;
    done(&document, result.map(|_| "diagResetDone")).await;
}

async fn done(document: &Document, result: Result<&str, crate::protocol::Refusal>) {
    match result {
        Ok(key) => {
            if let Some(el) = document.get_element_by_id("diag-result") {
                el.set_text_content(Some(&chrome::text(key)));
                el.set_attribute("data-done", key)
                    .log_and_continue("rendering");
            }
        }
        Err(e) => show_error(document, "diag-result", &e),
    }
    render(document).await;
}

/// The worker's redacted text, shown (so it can be read before it is sent) and copied.
pub(super) async fn copy() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Some(document) = window.document() else {
        return;
    };
    let found = match send(&Diagnostics {}).await {
        Ok(found) => found,
        Err(e) => return show_error(&document, "diag-result", &e),
    };
    if let Some(area) = document
        .get_element_by_id("diag-text")
        .and_then(|e| e.dyn_into::<HtmlTextAreaElement>().ok())
    {
        area.set_value(&found.text);
        area.remove_attribute("hidden")
            .log_and_continue("rendering");
        area.select();
    }
    // `navigator.clipboard.writeText`, through Reflect (one call does not earn a web-sys feature).
    let write = || -> Option<js_sys::Promise> {
        let clipboard = js_sys::Reflect::get(&window.navigator(), &"clipboard".into()).ok()?;
        let write_text: js_sys::Function = js_sys::Reflect::get(&clipboard, &"writeText".into())
            .ok()?
            .dyn_into()
            .ok()?;
        write_text
            .call1(&clipboard, &found.text.as_str().into())
            .ok()?
            .dyn_into()
            .ok()
    };
    let copied = match write() {
        Some(promise) => wasm_bindgen_futures::JsFuture::from(promise).await.is_ok(),
        None => false,
    };
    if let Some(el) = document.get_element_by_id("diag-result") {
        let key = if copied {
            "diagCopied"
        } else {
            "diagCopyShown"
        };
        el.set_text_content(Some(&chrome::text(key)));
        el.set_attribute("data-done", key)
            .log_and_continue("rendering");
    }
}
