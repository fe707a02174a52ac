//! The options page: shows what the worker knows (connection and page diagnostics).

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element};

use super::chrome;
use super::js::{call, from_js, to_js, GlueError, JsResultExt};
use crate::protocol::{ContentMode, FromWorker, OrgReport, PageReport, ToWorker, PROTOCOL_VERSION};

#[wasm_bindgen]
pub async fn options_main() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    translate(&document);
    match request_status().await {
        Ok(FromWorker::Status { orgs, pages, .. }) => {
            render_orgs(&document, &orgs);
            render_pages(&document, &pages);
        }
        Ok(FromWorker::Error { code, message }) => {
            show_error(&document, &format!("{code}: {message}"))
        }
        Ok(FromWorker::Ack) => {}
        Err(e) => show_error(&document, &format!("{}: {}", e.code, e.detail)),
    }
    if let Some(body) = document.body() {
        body.set_attribute("data-ready", "true")
            .log_and_continue("marking ready");
    }
}

async fn request_status() -> Result<FromWorker, GlueError> {
    let message = to_js(&ToWorker::OptionsStatus)?;
    js_sys::Reflect::set(&message, &"v".into(), &JsValue::from(PROTOCOL_VERSION))
        .or_glue("SERIALISE")?;
    let reply = call(chrome::runtime_send_message(&message), "WORKER_UNAVAILABLE").await?;
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
    // Text only, never markup: values come from servers and pages.
    td.set_text_content(Some(text));
    row.append_child(&td).ok()?;
    Some(())
}

fn state_text(state: &str) -> String {
    let key = format!("state_{state}");
    let text = chrome::text(&key);
    if text == key {
        chrome::text_with("state_OTHER", &[state])
    } else {
        text
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
        cell(document, &row, &org.org_id, "orgId");
        cell(document, &row, &org.api_host, "apiHost");
        cell(document, &row, &org.api_version, "apiVersion");
        cell(
            document,
            &row,
            org.user_id.as_deref().unwrap_or("—"),
            "userId",
        );
        cell(document, &row, &state_text(&org.state), "state");
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

fn show_error(document: &Document, text: &str) {
    if let Some(el) = document.get_element_by_id("error") {
        el.set_text_content(Some(text));
        el.remove_attribute("hidden")
            .log_and_continue("showing error");
    }
}
