//! The options page: the Salesforce connection (org, edition, user, capabilities, API usage,
//! lookup rules, a test lookup), the Task field mapping, call logs and page diagnostics.
//! Values from servers and pages are set as text only, never as markup.

mod assignee;
mod calllogs;
mod connection;
mod diagnostics;
mod managed;
mod oauth;
mod permissions;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlInputElement, HtmlSelectElement};

use super::chrome;
use super::js::{ask_worker, JsResultExt};
use crate::protocol::{OptionsStatus, Refusal, Request, Status};
use calllogs::{fill_mapping, render_call_logs, run_test_log, save_mapping};
use connection::{
    fill_dial_rules, fill_log_policy, fill_org_choice, fill_priority, render_orgs, render_pages,
    run_lookup, save_dial_rules, save_log_policy, save_logging_org, save_priority,
};

#[wasm_bindgen]
pub async fn options_main() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    translate(&document);
    super::options_phone::start(&document);
    match send(&OptionsStatus {}).await {
        Ok(status) => {
            oauth::render(&document, &status);
            ready(&document, status).await;
        }
        Err(e) => show_error(&document, "error", &e),
    }
    wire_lookup(&document);
    wire_button(&document, "oauth-key-save", || {
        wasm_bindgen_futures::spawn_local(oauth::save_key())
    });

    wire_button(&document, "testlog-run", || {
        wasm_bindgen_futures::spawn_local(run_test_log())
    });
    wire_button(&document, "dial-rules-save", || {
        wasm_bindgen_futures::spawn_local(save_dial_rules())
    });
    wire_button(&document, "log-policy-save", || {
        wasm_bindgen_futures::spawn_local(save_log_policy())
    });
    wire_button(&document, "logging-save", || {
        wasm_bindgen_futures::spawn_local(save_logging_org())
    });
    wire_button(&document, "priority-save", || {
        wasm_bindgen_futures::spawn_local(save_priority())
    });
    wire_button(&document, "assignee-search", || {
        wasm_bindgen_futures::spawn_local(assignee::search())
    });
    wire_button(&document, "mapping-save", || {
        wasm_bindgen_futures::spawn_local(save_mapping())
    });
    wire_button(&document, "diag-retry", || {
        wasm_bindgen_futures::spawn_local(diagnostics::retry_all())
    });
    wire_button(&document, "diag-reset", || {
        wasm_bindgen_futures::spawn_local(diagnostics::reset())
    });
    wire_button(&document, "diag-copy", || {
        wasm_bindgen_futures::spawn_local(diagnostics::copy())
    });
    render_call_logs(&document).await;
    diagnostics::render(&document).await;
    if let Some(body) = document.body() {
        body.set_attribute("data-ready", "true")
            .log_and_continue("marking ready");
    }
}

/// Every section filled from the worker's status.
async fn ready(document: &Document, status: Status) {
    let Status {
        orgs,
        pages,
        lookup_priority,
        logging_org,
        dial_rules,
        log_policy,
        managed,
        ..
    } = status;
    fill_dial_rules(document, dial_rules);
    fill_log_policy(document, log_policy);
    fill_priority(document, &lookup_priority);
    render_orgs(document, &orgs);
    render_pages(document, &pages);
    fill_org_choice(document, &orgs, logging_org.as_deref());
    fill_mapping(document, &orgs).await;
    managed::lock(document, &managed);
    permissions::render(document, &orgs).await;
    wire_mapping_org(document, orgs);
}

pub(super) async fn send<Q: Request>(request: &Q) -> Result<Q::Reply, Refusal> {
    ask_worker(request).await
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

pub(super) fn cell(document: &Document, row: &Element, text: &str, name: &str) -> Option<()> {
    let td = document.create_element("td").ok()?;
    td.set_attribute("data-field", name).ok()?;
    td.set_text_content(Some(text));
    row.append_child(&td).ok()?;
    Some(())
}

/// A cell with a record's name: isolated (`<bdi>`), on one line with an ellipsis when long,
/// whole on hover; a name with nothing visible shows a placeholder.
pub(super) fn name_cell(document: &Document, row: &Element, name: &str, field: &str) -> Option<()> {
    let td = document.create_element("td").ok()?;
    td.set_attribute("data-field", field).ok()?;
    if !name.is_empty() {
        let shown = crate::shown::shown_name(name).unwrap_or_else(|| chrome::text("nameMissing"));
        let bdi = document.create_element("bdi").ok()?;
        bdi.set_class_name("name");
        bdi.set_attribute("title", &shown).ok()?;
        bdi.set_text_content(Some(&shown));
        td.append_child(&bdi).ok()?;
    }
    row.append_child(&td).ok()?;
    Some(())
}

/// Shows a refusal in the user's words; the worker's detail (English, for support) is the
/// element's tooltip, never appended to the user's language.
pub(super) fn show_error(document: &Document, id: &str, refusal: &Refusal) {
    if let Some(el) = document.get_element_by_id(id) {
        el.set_attribute("data-code", &refusal.code)
            .log_and_continue("showing error");
        el.set_attribute("title", &refusal.message)
            .log_and_continue("showing error");
        el.set_text_content(Some(&chrome::explain(&refusal.code)));
        el.remove_attribute("hidden")
            .log_and_continue("showing error");
    }
}

/// Another org chosen above the mapping: its own mapping, against its own describe.
fn wire_mapping_org(document: &Document, orgs: Vec<crate::protocol::OrgReport>) {
    let Some(select) = document.get_element_by_id("mapping-org") else {
        return;
    };
    let handler = Closure::<dyn Fn()>::new(move || {
        let orgs = orgs.clone();
        wasm_bindgen_futures::spawn_local(async move {
            if let Some(document) = web_sys::window().and_then(|w| w.document()) {
                fill_mapping(&document, &orgs).await;
            }
        })
    });
    select
        .add_event_listener_with_callback("change", handler.as_ref().unchecked_ref())
        .log_and_continue("wiring the org choice");
    handler.forget();
}

fn wire_lookup(document: &Document) {
    wire_button(document, "lookup-run", || {
        wasm_bindgen_futures::spawn_local(run_lookup())
    });
}

fn wire_button(document: &Document, id: &str, action: impl Fn() + 'static) {
    let Some(button) = document.get_element_by_id(id) else {
        return;
    };
    let handler = Closure::<dyn Fn()>::new(action);
    button
        .add_event_listener_with_callback("click", handler.as_ref().unchecked_ref())
        .log_and_continue("wiring a button");
    // The button lives as long as the page; so must its listener.
    handler.forget();
}

pub(super) fn field_value(document: &Document, id: &str) -> String {
    document
        .get_element_by_id(id)
        .and_then(|el| {
            el.dyn_ref::<HtmlInputElement>()
                .map(|i| i.value())
                .or_else(|| el.dyn_ref::<HtmlSelectElement>().map(|s| s.value()))
        })
        .unwrap_or_default()
}
