//! The panel's "This record" tab, on a Contact, Lead, Account, Opportunity or Case page of
//! the logging org: the record's calls (date, direction, duration, memo tags, notes, who),
//! newest first, and "Call again". The worker reads them (one API call per record view).

use web_sys::{Element, ShadowRoot};

use super::{append_name, chrome, find, set_attr, set_hidden, set_text, show_reason, Panel, PANEL};
use crate::calllog::{RecordHistory, HISTORY_OBJECTS};
use crate::glue::js::{ask_worker, JsResultExt};
use crate::number::PhoneNumber;
use crate::protocol::{ContentDial, RecordCalls, RecordContext};
use crate::salesforce::id::RecordId;
use crate::salesforce::lightning::record_in_view;
use crate::shown::shown_name;

pub(super) const TABS: &str = r#"
<div class="tabs" role="tablist" hidden>
  <button type="button" role="tab" class="tab tab-phone" data-action="tab-phone" aria-selected="true"></button>
  <button type="button" role="tab" class="tab tab-record" data-action="tab-record" aria-selected="false"></button>
</div>
"#;

pub(super) const MARKUP: &str = r#"
<div class="history" role="tabpanel" hidden>
  <p class="history-status" role="status"></p>
  <button type="button" class="history-call" data-action="history-call" hidden></button>
  <ol class="history-list"></ol>
</div>
"#;

/// The tab's own state.
#[derive(Default)]
pub(super) struct Local {
    /// The record tab is the one shown.
    pub open: bool,
    /// The record the list is for, and the list (or why there is none).
    pub record: Option<(String, RecordId)>,
    pub loaded: Option<RecordHistory>,
    pub status: String,
    /// The last logged Task seen: a new one may be on this record (the list is read again).
    pub last_task: Option<String>,
}

pub(super) fn label(root: &ShadowRoot) {
    set_text(root, ".tab-phone", &chrome::text("tabPhone"));
    set_text(root, ".tab-record", &chrome::text("tabRecord"));
}

/// The record this page shows, when it is one with calls.
fn in_view() -> Option<(String, RecordId)> {
    let path = web_sys::window()?.location().pathname().ok()?;
    record_in_view(&path).filter(|(object, _)| HISTORY_OBJECTS.contains(&object.as_str()))
}

/// A click on the tabs or in the tab (`true`: it was theirs).
pub(super) fn on_click(action: &str, trusted: bool) -> bool {
    match action {
        "tab-phone" | "tab-record" => {
            let open = action == "tab-record";
            PANEL.with(|p| {
                if let Some(panel) = p.borrow_mut().as_mut() {
                    panel.history.open = open;
                }
            });
            if open {
                load();
            }
            super::render();
            true
        }
        "history-call" => {
            if trusted {
                call_again();
            }
            true
        }
        _ => false,
    }
}

/// Reads the record's calls (the worker keeps them briefly).
fn load() {
    let Some((object, record_id)) = in_view() else {
        return;
    };
    PANEL.with(|p| {
        if let Some(panel) = p.borrow_mut().as_mut() {
            if panel.history.record.as_ref().map(|r| &r.1) != Some(&record_id) {
                panel.history.loaded = None;
            }
            panel.history.record = Some((object.clone(), record_id.clone()));
            panel.history.status = chrome::text("historyLoading");
        }
    });
    wasm_bindgen_futures::spawn_local(async move {
        let reply = ask_worker(&RecordCalls {
            object,
            record_id: record_id.clone(),
        })
        .await;
        PANEL.with(|p| {
            let mut p = p.borrow_mut();
            let Some(panel) = p.as_mut() else { return };
            if panel.history.record.as_ref().map(|r| &r.1) != Some(&record_id) {
                return;
            }
            match reply {
                Ok(history) => {
                    panel.history.status = if history.calls.is_empty() {
                        chrome::text("historyEmpty")
                    } else {
                        String::new()
                    };
                    panel.history.loaded = Some(history);
                }
                Err(refusal) => {
                    panel.history.loaded = None;
                    panel.history.status = chrome::explain(&refusal.code);
                }
            }
        });
        super::render();
    });
}

/// A new report: a call rings (the phone tab comes back), or a Task was just logged (the open
/// list is read again: it may be this record's).
pub(super) fn on_update(panel: &mut Panel) -> bool {
    let ringing = panel
        .state
        .live_call()
        .is_some_and(|c| c.phase == crate::call::CallPhase::Incoming);
    if ringing {
        panel.history.open = false;
    }
    let task = panel.notes.log.as_ref().and_then(|l| l.task_url.clone());
    let fresh = task.is_some() && task != panel.history.last_task;
    panel.history.last_task = task;
    fresh && panel.history.open
}

pub(super) fn reload() {
    load();
}

fn call_again() {
    let dial = PANEL.with(|p| {
        let p = p.borrow();
        let panel = p.as_ref()?;
        let (object, record_id) = panel.history.record.clone()?;
        let history = panel.history.loaded.as_ref()?;
        let number = PhoneNumber::parse(history.phone.as_deref()?, super::home_region()).ok()?;
        Some(ContentDial {
            number: number.e164(),
            extension: number.extension.clone(),
            record: Some(RecordContext {
                object_api_name: object,
                record_id,
                display_name: history.name.clone(),
            }),
        })
    });
    let Some(dial) = dial else {
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(refusal) = ask_worker(&dial).await {
            show_reason(&chrome::explain(&refusal.code));
        }
    });
}

/// `2026/12/03 10:05` in Japanese, `Dec 3, 2026, 10:05 AM` in English: the browser's own
/// formatting for its language.
fn when(created: &str) -> String {
    let iso = created
        .strip_suffix("+0000")
        .map(|t| format!("{t}Z"))
        .unwrap_or_else(|| created.to_string());
    let date = js_sys::Date::new(&iso.into());
    if date.get_time().is_nan() {
        return created.to_string();
    }
    chrome::local_time(date.get_time())
}

fn duration(seconds: u32) -> String {
    chrome::text_with(
        "historyDuration",
        &[&(seconds / 60).to_string(), &(seconds % 60).to_string()],
    )
}

/// Draws the tabs (on a record page of the logging org) and the list.
pub(super) fn render(panel: &Panel) {
    let root = &panel.root;
    let this_org = panel.notes.logging.as_ref().is_some_and(|l| l.this_org);
    let view = in_view().filter(|_| this_org);
    set_hidden(root, ".tabs", view.is_none());
    let open = panel.history.open && view.is_some();
    set_attr(
        root,
        ".panel",
        "data-tab",
        if open { "record" } else { "phone" },
    );
    set_attr(
        root,
        ".tab-phone",
        "aria-selected",
        if open { "false" } else { "true" },
    );
    set_attr(
        root,
        ".tab-record",
        "aria-selected",
        if open { "true" } else { "false" },
    );
    set_hidden(root, ".history", !open);
    if !open {
        return;
    }
    set_text(root, ".history-status", &panel.history.status);
    let history = panel.history.loaded.as_ref();
    let phone = history
        .and_then(|h| h.phone.as_deref())
        .and_then(|p| PhoneNumber::parse(p, super::home_region()).ok());
    set_hidden(root, ".history-call", phone.is_none());
    if let Some(number) = &phone {
        set_text(
            root,
            ".history-call",
            &chrome::text_with("historyCallAgain", &[&number.display()]),
        );
    }
    render_list(root, history);
}

fn render_list(root: &ShadowRoot, history: Option<&RecordHistory>) {
    let (Some(list), Some(document)) = (
        find(root, ".history-list"),
        web_sys::window().and_then(|w| w.document()),
    ) else {
        return;
    };
    let key: String = history
        .map(|h| {
            h.calls
                .iter()
                .map(|c| format!("{}{:?}", c.task_id.as_str(), c.memo))
                .collect()
        })
        .unwrap_or_default();
    if list.get_attribute("data-key").as_deref() == Some(key.as_str()) {
        return;
    }
    list.set_attribute("data-key", &key)
        .log_and_continue("panel");
    list.set_text_content(None);
    for call in history.map(|h| h.calls.as_slice()).unwrap_or_default() {
        let item = (|| -> Option<Element> {
            let li = document.create_element("li").ok()?;
            li.set_attribute("data-task", call.task_id.as_str()).ok()?;
            let head = document.create_element("p").ok()?;
            head.set_class_name("history-head");
            let direction = match call.direction.as_deref() {
                Some("Inbound") => chrome::text("historyInbound"),
                Some("Outbound") => chrome::text("historyOutbound"),
                Some("Internal") => chrome::text("historyInternal"),
                _ => String::new(),
            };
            let mut parts = vec![when(&call.created), direction];
            if call.duration_seconds > 0 {
                parts.push(duration(call.duration_seconds));
            }
            head.set_text_content(Some(&parts.join(" · ")));
            li.append_child(&head).ok()?;
            let subject = document.create_element("p").ok()?;
            subject.set_class_name("history-subject");
            append_name(&subject, &shown_name(&call.subject).unwrap_or_default());
            li.append_child(&subject).ok()?;
            if !call.memo.is_empty() {
                let tags = document.create_element("p").ok()?;
                tags.set_class_name("history-memo");
                for tag in &call.memo {
                    let span = document.create_element("span").ok()?;
                    span.set_class_name("tag");
                    span.set_text_content(Some(tag));
                    tags.append_child(&span).ok()?;
                }
                li.append_child(&tags).ok()?;
            }
            if !call.notes.is_empty() {
                let notes = document.create_element("p").ok()?;
                notes.set_class_name("history-notes");
                notes.set_text_content(Some(&call.notes));
                li.append_child(&notes).ok()?;
            }
            if !call.who.is_empty() {
                let who = document.create_element("p").ok()?;
                who.set_class_name("history-who");
                who.set_text_content(Some(&call.who));
                li.append_child(&who).ok()?;
            }
            Some(li)
        })();
        if let Some(li) = item {
            list.append_child(&li).log_and_continue("panel");
        }
    }
}
