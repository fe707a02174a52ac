//! The dial affordance beside a phone field: an SLDS-looking icon button in a closed shadow
//! root (page styles and scripts cannot reach it), and what a click on it, or on the `tel:` link
//! itself, sends to the worker.

use wasm_bindgen::JsCast;
use web_sys::{Document, Element, Event, ShadowRootInit, ShadowRootMode};

use super::dom::{self, adopt_sheet, closest_across_shadow};
use super::send;
use crate::clicktocall::field::split_dial_key;
use crate::clicktocall::record::{resolve_record, FieldFacts, PageFacts};
use crate::clicktocall::Dialable;
use crate::glue::chrome;
use crate::glue::js::JsResultExt;
use crate::protocol::ContentDial;

/// Our host element's tag: a custom element name, so it may carry a shadow root.
pub const AFFORDANCE_TAG: &str = "sfphone-dial";
/// On the host, the E.164 number its button dials (what the tests and diagnostics look for).
pub const AFFORDANCE_ATTRIBUTE: &str = "data-sfphone-number";
/// On the button inside the closed root, the number to send.
const NUMBER_ATTRIBUTE: &str = "data-number";

/// The look, shared by every affordance through one constructable style sheet. The same file
/// styles degraded mode's buttons.
pub const STYLE: &str = include_str!("../../../extension/dial.css");

/// A handset icon (drawn for this extension); `currentColor` follows the SLDS brand colour.
const BUTTON_HTML: &str = r#"<button type="button" class="sfphone-dial"><svg viewBox="0 0 24 24" width="14" height="14" aria-hidden="true" focusable="false"><path fill="currentColor" d="M6.6 10.8a15.1 15.1 0 0 0 6.6 6.6l2.2-2.2a1 1 0 0 1 1-.25 11.4 11.4 0 0 0 3.6.57 1 1 0 0 1 1 1V20a1 1 0 0 1-1 1A17 17 0 0 1 3 4a1 1 0 0 1 1-1h3.5a1 1 0 0 1 1 1c0 1.25.2 2.45.57 3.57a1 1 0 0 1-.25 1z"/></svg></button>"#;

/// Builds the affordance for a dialable field. `listener` is the one shared click handler.
pub fn create(
    document: &Document,
    sheet: Option<&web_sys::CssStyleSheet>,
    target: &Dialable,
    listener: &js_sys::Function,
) -> Option<Element> {
    let host = document
        .create_element(AFFORDANCE_TAG)
        .log_and_continue("creating a dial button")?;
    host.set_attribute(AFFORDANCE_ATTRIBUTE, &target.e164)
        .ok()?;
    let init = ShadowRootInit::new(ShadowRootMode::Closed);
    // Focusing the host (a screen reader's virtual cursor, `element.focus()`) lands on the button.
    // (web-sys lacks the setter.)
    let _ = js_sys::Reflect::set(&init, &"delegatesFocus".into(), &true.into());
    let root = host
        .attach_shadow(&init)
        .log_and_continue("attaching the dial button's shadow root")?;
    if let Some(sheet) = sheet {
        adopt_sheet(&root, sheet);
    }
    root.set_inner_html(BUTTON_HTML);
    let button = root.first_element_child()?;
    let shown = match target.extension {
        Some(_) => target.shown(&chrome::text("extensionWord")),
        None => target.display.clone(),
    };
    let label = chrome::text_with("dialButtonLabel", &[&shown]);
    button.set_attribute("aria-label", &label).ok()?;
    button.set_attribute("title", &label).ok()?;
    button
        .set_attribute(NUMBER_ATTRIBUTE, &target.dial_key())
        .ok()?;
    button
        .add_event_listener_with_callback("click", listener)
        .log_and_continue("listening for dial clicks")?;
    Some(host)
}

thread_local! {
    /// The number the engine decided for each decorated link, kept in the content script's
    /// isolated world: the page can rewrite the link's attributes, not this.
    static NUMBERS: js_sys::WeakMap = js_sys::WeakMap::new();
}

/// Remembers the number a decorated link dials (see [`NUMBERS`]): a
/// [`Dialable::dial_key`], the extension after a pause.
pub fn remember_number(field: &Element, dial_key: &str) {
    NUMBERS.with(|m| m.set(field.unchecked_ref(), &dial_key.into()));
}

pub fn forget_number(field: &Element) {
    NUMBERS.with(|m| m.delete(field.unchecked_ref()));
}

/// The click handler shared by every button and every decorated `tel:` link: dial, with the
/// record the field belongs to, instead of following `tel:`. Only the user's own click dials
/// (`isTrusted`): a page script's `click()` or dispatched event never places a call.
pub fn on_dial_click(event: Event) {
    if !event.is_trusted() {
        return;
    }
    let Some(target) = event
        .current_target()
        .and_then(|t| t.dyn_into::<Element>().ok())
    else {
        return;
    };
    // Our button carries its number (in a closed root); a decorated link's is the one we
    // decided, never what its attributes say now.
    let (number, start) = match target.get_attribute(NUMBER_ATTRIBUTE) {
        Some(number) => {
            let host = target
                .get_root_node()
                .dyn_into::<web_sys::ShadowRoot>()
                .map(|root| root.host());
            (number, host.unwrap_or(target))
        }
        None => match NUMBERS.with(|m| m.get(target.unchecked_ref()).as_string()) {
            Some(number) => (number, target),
            // Not (or no longer) dialable: let the link do what it does.
            None => return,
        },
    };
    event.prevent_default();
    event.stop_immediate_propagation();
    let record = resolve_record(&page_facts(), &field_facts(&start));
    let (number, extension) = split_dial_key(&number);
    send(ContentDial {
        number,
        extension,
        record,
    });
}

fn text_of(element: Option<Element>) -> Option<String> {
    element.and_then(|e| e.text_content())
}

/// What the page says about the record in view.
pub fn page_facts() -> PageFacts {
    let Some(window) = web_sys::window() else {
        return PageFacts::default();
    };
    let document = window.document();
    let active_tab = document
        .as_ref()
        .and_then(|d| {
            d.query_selector("[role=\"tab\"][aria-selected=\"true\"]")
                .ok()
        })
        .flatten();
    PageFacts {
        path: window.location().pathname().unwrap_or_default(),
        title: document.as_ref().map(|d| d.title()).unwrap_or_default(),
        active_tab: text_of(active_tab),
    }
}

/// What the markup around a field says: its row, or the record panel around it.
pub fn field_facts(start: &Element) -> FieldFacts {
    let Some(found) = closest_across_shadow(start, "[data-row-key-value],[data-record-id]") else {
        return FieldFacts::default();
    };
    match found.get_attribute("data-row-key-value") {
        Some(row_key) => FieldFacts {
            row_key: Some(row_key),
            row_name: found
                .query_selector("th")
                .ok()
                .flatten()
                .map(|th| dom::rendered_text(&th)),
            ..FieldFacts::default()
        },
        None => FieldFacts {
            record_key: found.get_attribute("data-record-id"),
            record_object: found.get_attribute("data-object"),
            ..FieldFacts::default()
        },
    }
}
