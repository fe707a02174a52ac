//! The content script on Lightning pages: makes phone fields dialable and reports what the user
//! asks for. It never sees the session and never calls Salesforce. The decisions (what a phone
//! field is, what it dials, which record it belongs to, how work is batched) are the core's
//! `clicktocall`; this glue only finds nodes and places buttons.

mod affordance;
mod dom;
mod scanner;

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

use super::js::ask_worker;
use crate::protocol::{Ack, ContentHello, ContentMode, ContentStarted, Request};

pub use crate::clicktocall::field::{FIELD_ATTRIBUTE, NOT_DIALABLE};
pub use affordance::{field_facts, page_facts, AFFORDANCE_ATTRIBUTE, AFFORDANCE_TAG};
pub use scanner::{Scanner, SharedScanner};

/// On `<html>`: how click-to-call runs on this page (`wasm`, or `degraded` from the loader).
pub const MODE_ATTRIBUTE: &str = "data-sfphone-mode";

thread_local! {
    // The page's one scanner. It lives as long as the page: the content script has no end.
    static SCANNER: RefCell<Option<SharedScanner>> = const { RefCell::new(None) };
}

/// Starts the content script: scan and watch the page, then tell the worker we run.
#[wasm_bindgen]
pub fn content_main() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let Some(html) = document.document_element() {
        let _ = html.set_attribute(MODE_ATTRIBUTE, "wasm");
    }
    let report = Box::new(|found: u32| {
        send(ContentStarted {
            mode: ContentMode::Wasm,
            phone_fields: found,
        })
    });
    super::panel::start(&document, super::panel::Placement::Docked);
    wasm_bindgen_futures::spawn_local(async move {
        // How the user's numbers read comes first: a national number means another number
        // in another country. A worker that cannot answer leaves the default.
        let region = ask_worker(&ContentHello {})
            .await
            .ok()
            .and_then(|setup| crate::number::plan::canonical_region(&setup.region))
            .unwrap_or(crate::number::DEFAULT_REGION);
        let scanner = Scanner::start(&document, region, Some(report));
        SCANNER.with(|s| *s.borrow_mut() = Some(scanner));
    });
}

/// Starts the panel alone, in `panel.html`: the frame the degraded content script docks in a
/// page whose CSP forbids our wasm there. It talks to the worker as the docked panel does; the
/// worker knows it by its URL and takes from it the panel's messages only.
#[wasm_bindgen]
pub fn panel_frame_main() {
    if let Some(document) = web_sys::window().and_then(|w| w.document()) {
        super::panel::start(&document, super::panel::Placement::Framed);
    }
}

/// Tells the worker; a refusal is said in the docked panel (a click that could not dial must
/// not look as if nothing happened). A dial the worker refused is also pushed to the tab's
/// panels by the worker (for degraded mode's frame); saying it here as well covers a worker
/// that could not be reached, and setting the same reason twice shows it once.
pub(crate) fn send<Q: Request<Reply = Ack> + 'static>(request: Q) {
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(e) = ask_worker(&request).await {
            web_sys::console::warn_1(&format!("the worker refused: {}", e.code).into());
            super::panel::refused(&e.code);
        }
    });
}
