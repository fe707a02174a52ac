//! Settings the administrator locked by Chrome policy: their fields are disabled, marked and
//! say "Set by your administrator" (the worker refuses to change them all the same).

use wasm_bindgen::JsCast;
use web_sys::{Document, Element};

use crate::glue::chrome;
use crate::glue::js::JsResultExt;

/// The fields (CSS selectors) of each policy key (`crate::policy::KEYS`).
fn fields_of(key: &str) -> &'static [&'static str] {
    match key {
        "sipServer" => &["[name=websocketUrl]"],
        "outsideLinePrefix" => &["[name=outsidePrefix]"],
        "ringing.ringtone" => &["[name=ringtone]"],
        "ringing.volume" => &["[name=ringVolume]"],
        "ringing.notify" => &["[name=notify]"],
        "ringing.screenPop" => &["[name=screenPop]"],
        "ringing.callWaiting" => &["[name=callWaiting]"],
        "loggingOrgs" => &["#logging-org"],
        "lookupPriority" => &["#lookup-priority", "#priority-save"],
        "fieldMapping" => &[
            "#map-dialStartField",
            "#map-callStartField",
            "#map-callEndField",
            "#map-memoField",
            "#map-subjectTemplate",
            "[name=assignee]",
            "#assignee-query",
            "#assignee-search",
            "#assignee-user",
            "#mapping-save",
        ],
        "defaultRegion" => &["#dial-region"],
        "autoLog" => &["#log-when", "#log-wrapup-secs", "#log-policy-save"],
        "confirmCostly" => &["#confirm-costly"],
        "confirmAbroad" => &["#confirm-abroad"],
        "connectedAppConsumerKey" => &["#oauth-consumer-key", "#oauth-key-save"],
        _ => &[],
    }
}

/// Disables and marks every field of the locked `keys`.
pub(super) fn lock(document: &Document, keys: &[String]) {
    for key in keys {
        for selector in fields_of(key) {
            let Ok(found) = document.query_selector_all(selector) else {
                continue;
            };
            for i in 0..found.length() {
                if let Some(field) = found.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                    lock_field(document, &field, key);
                }
            }
        }
    }
}

fn lock_field(document: &Document, field: &Element, key: &str) {
    field
        .set_attribute("disabled", "")
        .log_and_continue("locking");
    field
        .set_attribute("data-managed", key)
        .log_and_continue("locking");
    // Buttons only go quiet; a field's box says why it cannot change, once.
    if field.tag_name() == "BUTTON" {
        return;
    }
    let Some(holder) = field
        .closest(".form-element, label, fieldset")
        .ok()
        .flatten()
    else {
        return;
    };
    holder
        .set_attribute("data-managed", "true")
        .log_and_continue("locking");
    if holder
        .query_selector(".managed-note")
        .ok()
        .flatten()
        .is_some()
    {
        return;
    }
    if let Ok(note) = document.create_element("p") {
        note.set_class_name("managed-note");
        note.set_attribute("data-key", key)
            .log_and_continue("locking");
        note.set_text_content(Some(&chrome::text("managedNote")));
        holder.append_child(&note).log_and_continue("locking");
    }
}
