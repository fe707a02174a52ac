//! "Connect with Salesforce" on the options page: the Connected App's consumer key, the
//! callback URL the administrator enters in it, and per org which session the phone uses,
//! with Connect / Disconnect. The flow itself runs in the worker (it keeps the tokens).

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlInputElement};

use super::{field_value, render_orgs, send, show_error};
use crate::glue::chrome;
use crate::glue::js::JsResultExt;
use crate::protocol::{
    ConnectSalesforce, DisconnectSalesforce, OptionsStatus, SaveConsumerKey, Status,
};

/// The key, the callback URL and each org's line, from the worker's status.
pub(super) fn render(document: &Document, status: &Status) {
    if let Some(input) = input(document, "oauth-consumer-key") {
        input.set_value(status.consumer_key.as_deref().unwrap_or_default());
    }
    if let Some(input) = input(document, "oauth-callback") {
        input.set_value(&status.oauth_callback);
    }
    let Some(list) = document.get_element_by_id("oauth-orgs") else {
        return;
    };
    list.set_text_content(None);
    if status.orgs.is_empty() {
        if let Ok(li) = document.create_element("li") {
            li.set_text_content(Some(&chrome::text("oauthNoOrgs")));
            list.append_child(&li).log_and_continue("rendering");
        }
    }
    for org in &status.orgs {
        let connected = status.oauth_orgs.contains(&org.org_id);
        if let Some(li) = org_line(document, &org.org_id, &org.ui_host, connected) {
            list.append_child(&li).log_and_continue("rendering");
        }
    }
}

fn org_line(document: &Document, org_id: &str, host: &str, connected: bool) -> Option<Element> {
    let li = document.create_element("li").ok()?;
    li.set_attribute("data-org", org_id).ok()?;
    let name = document.create_element("span").ok()?;
    name.set_class_name("org-name");
    let short = host.split('.').next().unwrap_or(host);
    name.set_text_content(Some(&format!("{short} ({org_id})")));
    let state = document.create_element("span").ok()?;
    state.set_class_name("oauth-state");
    let (source, text) = if connected {
        ("oauth", "oauthConnected")
    } else {
        ("browser", "oauthBrowserSession")
    };
    state.set_attribute("data-source", source).ok()?;
    state.set_text_content(Some(&chrome::text(text)));
    let button = document.create_element("button").ok()?;
    button.set_attribute("type", "button").ok()?;
    let (action, label, class) = if connected {
        ("disconnect", "oauthDisconnect", "button button--neutral")
    } else {
        ("connect", "oauthConnect", "button button--brand")
    };
    button.set_attribute("data-action", action).ok()?;
    button.set_class_name(class);
    button.set_text_content(Some(&chrome::text(label)));
    let org = org_id.to_string();
    let handler = Closure::<dyn Fn()>::new(move || {
        wasm_bindgen_futures::spawn_local(act(org.clone(), connected));
    });
    button
        .add_event_listener_with_callback("click", handler.as_ref().unchecked_ref())
        .ok()?;
    // The button goes with its line; the listener is as small as its org id.
    handler.forget();
    li.append_child(&name).ok()?;
    li.append_child(&state).ok()?;
    li.append_child(&button).ok()?;
    Some(li)
}

/// Connect (the worker opens Salesforce's sign-in window) or disconnect; then the page shows
/// what the worker now knows.
async fn act(org_id: String, connected: bool) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    hide(&document, "oauth-error");
    let result = if connected {
        send(&DisconnectSalesforce { org_id }).await
    } else {
        send(&ConnectSalesforce { org_id }).await
    };
    if let Err(e) = result {
        show_error(&document, "oauth-error", &e);
    }
    refresh(&document).await;
}

pub(super) async fn save_key() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    hide(&document, "oauth-consumer-key-error");
    let consumer_key = field_value(&document, "oauth-consumer-key");
    let result = send(&SaveConsumerKey { consumer_key }).await;
    if let Some(el) = document.get_element_by_id("oauth-key-result") {
        el.set_attribute("data-saved", &result.is_ok().to_string())
            .log_and_continue("rendering");
        el.set_text_content(Some(&match &result {
            Ok(_) => chrome::text("oauthKeySaved"),
            Err(_) => String::new(),
        }));
    }
    if let Err(e) = result {
        show_error(&document, "oauth-consumer-key-error", &e);
        if let Some(input) = document.get_element_by_id("oauth-consumer-key") {
            input
                .set_attribute("aria-invalid", "true")
                .log_and_continue("rendering");
        }
    }
}

async fn refresh(document: &Document) {
    if let Ok(status) = send(&OptionsStatus {}).await {
        render_orgs(document, &status.orgs);
        render(document, &status);
    }
}

fn hide(document: &Document, id: &str) {
    if let Some(el) = document.get_element_by_id(id) {
        el.set_attribute("hidden", "").log_and_continue("rendering");
    }
}

fn input(document: &Document, id: &str) -> Option<HtmlInputElement> {
    document.get_element_by_id(id)?.dyn_into().ok()
}
