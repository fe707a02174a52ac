//! The panel's recent calls: the logging org's last few, each with what became of its Task.
//! One brought back shows as the panel's call again, with its wrap-up (memo tags, notes,
//! subject, record, Retry) for the user to finish; a new call takes the panel back to it.

use web_sys::Element;

use super::{chrome, find, refused, set_hidden, set_text, Panel};
use crate::calllog::{NoteStatus, RecentCall};
use crate::glue::js::{ask_worker, JsResultExt};
use crate::number::PhoneNumber;
use crate::protocol::PanelShowCall;
use crate::shown::shown_name;

pub(super) const MARKUP: &str = r#"
<div class="recent" hidden>
  <p class="recent-title"></p>
  <ol class="recent-list"></ol>
</div>
"#;

pub(super) fn label(root: &web_sys::ShadowRoot) {
    set_text(root, ".recent-title", &chrome::text("recentTitle"));
}

/// A click in the list (`true`: it was the list's). Only the user's own click brings a call back.
pub(super) fn on_click(button: &Element, action: &str, trusted: bool) -> bool {
    if action != "show-call" {
        return false;
    }
    let Some(call_id) = button.get_attribute("data-call") else {
        return true;
    };
    if trusted {
        wasm_bindgen_futures::spawn_local(async move {
            let request = PanelShowCall {
                call_id: Some(call_id),
            };
            if let Err(refusal) = ask_worker(&request).await {
                refused(&refusal.code);
            }
        });
    }
    true
}

pub(super) fn render(panel: &Panel) {
    let root = &panel.root;
    let recent = &panel.notes.recent;
    let live = panel.state.live_call().is_some();
    set_hidden(root, ".recent", live || recent.is_empty());
    let Some(list) = find(root, ".recent-list") else {
        return;
    };
    // Built again only when it changes (the panel renders every second for the clock).
    let key: String = recent
        .iter()
        .map(|c| format!("{}|{:?}|{}|{:?};", c.call_id, c.status, c.shown, c.name))
        .collect();
    if list.get_attribute("data-key").as_deref() == Some(key.as_str()) {
        return;
    }
    list.set_attribute("data-key", &key)
        .log_and_continue("panel");
    list.set_text_content(None);
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    for call in recent {
        if let Some(item) = item(&document, call) {
            list.append_child(&item).log_and_continue("panel");
        }
    }
}

fn item(document: &web_sys::Document, call: &RecentCall) -> Option<Element> {
    let li = document.create_element("li").ok()?;
    let button = document.create_element("button").ok()?;
    button.set_attribute("type", "button").ok()?;
    button.set_attribute("class", "recent-call").ok()?;
    button.set_attribute("data-action", "show-call").ok()?;
    button.set_attribute("data-call", &call.call_id).ok()?;
    button
        .set_attribute("aria-current", if call.shown { "true" } else { "false" })
        .ok()?;
    let number = PhoneNumber::parse(&call.number, super::home_region())
        .map(|n| n.display())
        .unwrap_or_else(|_| call.number.clone());
    let who = call
        .name
        .as_deref()
        .and_then(shown_name)
        .map(|name| format!("{name} ({number})"))
        .unwrap_or(number);
    let direction = match (call.outgoing, call.answered) {
        (true, _) => "recentOutgoing",
        (false, true) => "recentIncoming",
        (false, false) => "recentMissed",
    };
    let status = match &call.status {
        NoteStatus::Logged => ("LOGGED", chrome::text("recentLogged")),
        NoteStatus::Waiting => ("WAITING", chrome::text("recentWaiting")),
        NoteStatus::NotLogged(_) => ("NOT_LOGGED", chrome::text("recentNotLogged")),
    };
    for (class, text) in [
        ("recent-direction", chrome::text(direction)),
        ("recent-who", who),
        (
            "recent-when",
            crate::glue::chrome::local_time(call.started_ms as f64),
        ),
        ("recent-status", status.1),
    ] {
        let span = document.create_element("span").ok()?;
        span.set_attribute("class", class).ok()?;
        // Names come from the org: text, never markup.
        span.set_text_content(Some(&text));
        if class == "recent-status" {
            span.set_attribute("data-status", status.0).ok()?;
        }
        button.append_child(&span).ok()?;
    }
    li.append_child(&button).ok()?;
    Some(li)
}
