//! The content script on Lightning pages: turns phone links into dial buttons and reports what
//! the user asks for. It never sees the session and never calls Salesforce.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element};

use super::chrome;
use super::js::{to_js, JsResultExt};
use crate::phone::dial_string;
use crate::protocol::{ContentMode, RecordContext, ToWorker, PROTOCOL_VERSION};
use crate::salesforce::lightning::record_in_view;

/// Set on every phone link we decorated, with the number to dial: decorating is done once.
pub const DIAL_ATTRIBUTE: &str = "data-sfphone-dial";
/// Marks our button, so a click can be recognised by delegation.
pub const BUTTON_ATTRIBUTE: &str = "data-sfphone-button";

/// Starts the content script: scan, listen for clicks, tell the worker we run.
#[wasm_bindgen]
pub fn content_main() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(root) = document.document_element() else {
        return;
    };
    let found = scan(&document, &root);
    listen_for_dial_clicks(&document);
    super::panel::start(&document);
    send(&ToWorker::ContentStarted {
        mode: ContentMode::Wasm,
        phone_fields: found,
    });
}

/// Decorates every undecorated `tel:` link under `root`; returns how many are dialable now.
pub fn scan(document: &Document, root: &Element) -> u32 {
    let Some(links) = root
        .query_selector_all("a[href^=\"tel:\"]")
        .log_and_continue("finding phone links")
    else {
        return 0;
    };
    let mut dialable = 0;
    for index in 0..links.length() {
        let Some(link) = links.item(index).and_then(|n| n.dyn_into::<Element>().ok()) else {
            continue;
        };
        if link.has_attribute(DIAL_ATTRIBUTE) {
            dialable += 1;
            continue;
        }
        let href = link.get_attribute("href").unwrap_or_default();
        let Some(number) = dial_string(&href) else {
            continue;
        };
        if decorate(document, &link, &number).is_some() {
            dialable += 1;
        }
    }
    dialable
}

fn decorate(document: &Document, link: &Element, number: &str) -> Option<()> {
    link.set_attribute(DIAL_ATTRIBUTE, number)
        .log_and_continue("marking a phone link")?;
    let button = document
        .create_element("button")
        .log_and_continue("creating a dial button")?;
    button.set_attribute("type", "button").ok()?;
    button.set_attribute(BUTTON_ATTRIBUTE, number).ok()?;
    button.set_attribute("class", "sfphone-dial").ok()?;
    let label = chrome::text_with("dialButtonLabel", &[number]);
    button.set_attribute("aria-label", &label).ok()?;
    button.set_attribute("title", &label).ok()?;
    button.set_text_content(Some("\u{260E}"));
    link.after_with_node_1(&button)
        .log_and_continue("placing a dial button")
}

fn listen_for_dial_clicks(document: &Document) {
    let handler = Closure::<dyn Fn(web_sys::Event)>::new(|event: web_sys::Event| {
        let Some(target) = event.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
            return;
        };
        let Ok(Some(button)) = target.closest(&format!("[{BUTTON_ATTRIBUTE}]")) else {
            return;
        };
        event.prevent_default();
        event.stop_propagation();
        let number = button.get_attribute(BUTTON_ATTRIBUTE).unwrap_or_default();
        send(&ToWorker::ContentDial {
            number,
            record: record_context(),
        });
    });
    document
        .add_event_listener_with_callback_and_bool("click", handler.as_ref().unchecked_ref(), true)
        .log_and_continue("listening for dial clicks");
    // One delegated listener for the page's whole life: it must outlive this function.
    handler.forget();
}

/// The record in view, from the URL and the page header.
fn record_context() -> Option<RecordContext> {
    let window = web_sys::window()?;
    let path = window.location().pathname().ok()?;
    let (object_api_name, record_id) = record_in_view(&path)?;
    let display_name = window
        .document()?
        .query_selector(".slds-page-header__title, h1")
        .ok()
        .flatten()
        .and_then(|h| h.text_content())
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty());
    Some(RecordContext {
        object_api_name,
        record_id,
        display_name,
    })
}

fn send(message: &ToWorker) {
    let Ok(value) = to_js(message) else { return };
    // The envelope's version travels beside the tagged message.
    let _ = js_sys::Reflect::set(&value, &"v".into(), &JsValue::from(PROTOCOL_VERSION));
    if let Some(promise) =
        chrome::runtime_send_message(&value).log_and_continue("sending to the worker")
    {
        wasm_bindgen_futures::spawn_local(async move {
            wasm_bindgen_futures::JsFuture::from(promise)
                .await
                .log_and_continue("the worker did not answer");
        });
    }
}
