//! The wrap-up under a call, in the logging org's tab: the record the Task goes on (with a
//! search to change it, "always use this record for this number", and New Lead / New Contact
//! for a caller the org does not know), the memo tags as chips, and the subject.
//!
//! Like the rest of the panel it only shows what the worker sends (`WrapUpView`) and reports
//! what the user did; each change is one message, and the desk decides what it costs.

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement, ShadowRoot};

use super::{append_name, chrome, find, set_attr, set_hidden, set_text, show_reason, Panel, PANEL};
use crate::calllog::{CallerMatch, WrapUpView};
use crate::glue::js::{ask_worker, JsResultExt};
use crate::glue::listener::Timer;
use crate::protocol::{NewRecordKind, PanelEdit, PanelNewRecord, PanelSearch, PanelWrapUp};
use crate::salesforce::id::RecordId;
use crate::shown::shown_name;

pub(super) const MARKUP: &str = r#"
<div class="wrapup" hidden>
  <div class="record-line">
    <span class="record-label"></span>
    <a class="record-link" target="_top" hidden></a>
    <span class="record-none" hidden></span>
    <button type="button" class="record-change" data-action="record-change" aria-expanded="false"></button>
  </div>
  <label class="pin-field" hidden><input type="checkbox" class="pin"> <span class="pin-label"></span></label>
  <div class="record-finder" hidden>
    <div class="row">
      <input class="record-query" type="search" autocomplete="off" maxlength="100">
      <button type="button" data-action="record-search"></button>
    </div>
    <p class="record-status" role="status"></p>
    <ul class="record-results"></ul>
  </div>
  <div class="new-record" hidden>
    <p class="new-record-title"></p>
    <input class="new-last" autocomplete="off" maxlength="80">
    <input class="new-first" autocomplete="off" maxlength="40">
    <input class="new-company" autocomplete="off" maxlength="255">
    <div class="row">
      <button type="button" class="new-lead" data-action="new-lead" hidden></button>
      <button type="button" class="new-contact" data-action="new-contact" hidden></button>
    </div>
  </div>
  <div class="memo-field" hidden>
    <p class="memo-label"></p>
    <div class="memo" role="group"></div>
  </div>
  <label class="subject-field" hidden><span class="subject-label"></span>
    <input class="subject" maxlength="255" autocomplete="off"></label>
</div>
"#;

const SUBJECT_PAUSE_MS: u64 = 1_500;

/// The panel's own wrap-up state (what the worker does not keep).
#[derive(Default)]
pub(super) struct Local {
    /// The call the fields are for; the subject last sent and its pause timer.
    pub call_id: String,
    pub subject_sent: Option<String>,
    pub subject_timer: Option<Timer>,
    /// The search is open, and what it found (or why not).
    pub finder: bool,
    pub found: Vec<CallerMatch>,
    pub search_status: String,
    /// The chips last built (the options and the chosen set): rebuilt only on a change.
    pub chips_key: std::cell::RefCell<String>,
    /// The tags last sent, until the worker's view has them: a second click before its answer
    /// toggles from what the user sees, not from the older view (no tag lost).
    pub memo_sent: Option<Vec<String>>,
    /// A Lead or Contact is being made: a second click makes no second record.
    pub creating: bool,
}

pub(super) fn label(root: &ShadowRoot) {
    set_text(root, ".record-label", &chrome::text("wrapupRecord"));
    set_text(root, ".record-none", &chrome::text("wrapupNoRecord"));
    set_text(root, ".record-change", &chrome::text("wrapupChangeRecord"));
    set_text(root, ".pin-label", &chrome::text("wrapupPin"));
    set_text(
        root,
        "[data-action=record-search]",
        &chrome::text("wrapupSearch"),
    );
    set_attr(
        root,
        ".record-query",
        "aria-label",
        &chrome::text("wrapupSearchLabel"),
    );
    set_attr(
        root,
        ".record-query",
        "placeholder",
        &chrome::text("wrapupSearchLabel"),
    );
    set_text(root, ".new-record-title", &chrome::text("wrapupNewTitle"));
    for (selector, key) in [
        (".new-last", "wrapupLastName"),
        (".new-first", "wrapupFirstName"),
        (".new-company", "wrapupCompany"),
    ] {
        set_attr(root, selector, "aria-label", &chrome::text(key));
        set_attr(root, selector, "placeholder", &chrome::text(key));
    }
    set_text(root, ".new-lead", &chrome::text("wrapupNewLead"));
    set_text(root, ".new-contact", &chrome::text("wrapupNewContact"));
    set_text(root, ".memo-label", &chrome::text("wrapupMemo"));
    set_text(root, ".subject-label", &chrome::text("wrapupSubject"));
}

fn input(root: &ShadowRoot, selector: &str) -> Option<HtmlInputElement> {
    find(root, selector).and_then(|e| e.dyn_into().ok())
}

fn value(root: &ShadowRoot, selector: &str) -> String {
    input(root, selector).map(|i| i.value()).unwrap_or_default()
}

fn spawn_send<F>(future: F)
where
    F: std::future::Future<Output = Result<(), crate::protocol::Refusal>> + 'static,
{
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(refusal) = future.await {
            show_reason(&chrome::explain(&refusal.code));
        }
    });
}

fn send_edit(call_id: String, edit: PanelEdit) {
    spawn_send(async move { ask_worker(&PanelWrapUp { call_id, edit }).await.map(|_| ()) });
}

/// The wrap-up the worker sent for the call the panel shows.
fn view(panel: &Panel) -> Option<&WrapUpView> {
    let call_id = panel.state.call.as_ref().map(|c| c.call_id.as_str())?;
    panel
        .notes
        .wrapup
        .as_ref()
        .filter(|w| !call_id.is_empty() && w.call_id == call_id)
}

/// A click in the wrap-up (`true`: it was one of its buttons). Only the user's own clicks
/// act: each one writes to the org.
pub(super) fn on_click(button: &Element, action: &str, trusted: bool) -> bool {
    if let Some(id) = button.get_attribute("data-use") {
        if trusted {
            use_record(&id);
        }
        return true;
    }
    if let Some(tag) = button.get_attribute("data-memo") {
        if trusted {
            toggle_memo(&tag);
        }
        return true;
    }
    match action {
        "record-change" => {
            PANEL.with(|p| {
                if let Some(panel) = p.borrow_mut().as_mut() {
                    panel.wrapup.finder = !panel.wrapup.finder;
                }
            });
            super::render();
            if let Some(field) = PANEL.with(|p| {
                p.borrow()
                    .as_ref()
                    .and_then(|panel| input(&panel.root, ".record-query"))
            }) {
                field.focus().log_and_continue("focusing the search");
            }
            true
        }
        "record-search" => {
            search();
            true
        }
        "new-lead" | "new-contact" => {
            if trusted {
                let kind = if action == "new-lead" {
                    NewRecordKind::Lead
                } else {
                    NewRecordKind::Contact
                };
                new_record(kind);
            }
            true
        }
        _ => false,
    }
}

/// Enter in the search box searches.
pub(super) fn on_enter(target: &Element) -> bool {
    if target.class_list().contains("record-query") {
        search();
        return true;
    }
    target.class_list().contains("subject")
        || target.class_list().contains("new-last")
        || target.class_list().contains("new-first")
        || target.class_list().contains("new-company")
}

/// The pin's checkbox changed (by the user's hand only).
pub(super) fn on_change(event: &web_sys::Event) {
    let Some(target) = event
        .target()
        .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
    else {
        return;
    };
    if !target.class_list().contains("pin") || !event.is_trusted() {
        return;
    }
    let on = target.checked();
    if let Some(call_id) = current_call() {
        send_edit(call_id, PanelEdit::Pin { on });
    }
}

/// Typing in the subject (`now`: the field was left): sent after a pause, or on leaving it.
pub(super) fn on_subject(target: &Element, now: bool) -> bool {
    if !target.class_list().contains("subject") {
        return false;
    }
    if now {
        send_subject();
    } else {
        let timer = Timer::once(SUBJECT_PAUSE_MS, send_subject);
        PANEL.with(|p| {
            if let Some(panel) = p.borrow_mut().as_mut() {
                panel.wrapup.subject_timer = Some(timer);
            }
        });
    }
    true
}

fn current_call() -> Option<String> {
    PANEL.with(|p| {
        p.borrow()
            .as_ref()
            .and_then(|panel| view(panel).map(|w| w.call_id.clone()))
    })
}

fn send_subject() {
    let request = PANEL.with(|p| {
        let mut p = p.borrow_mut();
        let panel = p.as_mut()?;
        panel.wrapup.subject_timer = None;
        let call_id = view(panel)?.call_id.clone();
        let text = value(&panel.root, ".subject");
        if panel.wrapup.subject_sent.as_deref() == Some(text.as_str()) {
            return None;
        }
        panel.wrapup.subject_sent = Some(text.clone());
        Some((call_id, text))
    });
    if let Some((call_id, text)) = request {
        send_edit(call_id, PanelEdit::Subject { text });
    }
}

fn toggle_memo(tag: &str) {
    let request = PANEL.with(|p| {
        let mut p = p.borrow_mut();
        let panel = p.as_mut()?;
        let w = view(panel)?.clone();
        let mut tags = panel.wrapup.memo_sent.clone().unwrap_or(w.memo.clone());
        match tags.iter().position(|t| t == tag) {
            Some(at) => {
                tags.remove(at);
            }
            None => {
                // In the picklist's own order, as Salesforce shows the field.
                tags.push(tag.to_string());
                tags.sort_by_key(|t| w.memo_options.iter().position(|o| o == t));
            }
        }
        panel.wrapup.memo_sent = Some(tags.clone());
        Some((w.call_id.clone(), tags))
    });
    super::render();
    if let Some((call_id, tags)) = request {
        send_edit(call_id, PanelEdit::Memo { tags });
    }
}

fn use_record(id: &str) {
    let Ok(record_id) = RecordId::parse(id) else {
        return;
    };
    let Some(call_id) = current_call() else {
        return;
    };
    PANEL.with(|p| {
        if let Some(panel) = p.borrow_mut().as_mut() {
            panel.wrapup.finder = false;
            panel.wrapup.found.clear();
        }
    });
    send_edit(call_id, PanelEdit::Record { record_id });
    super::render();
}

fn set_status(text: String) {
    PANEL.with(|p| {
        if let Some(panel) = p.borrow_mut().as_mut() {
            panel.wrapup.search_status = text;
        }
    });
    super::render();
}

fn search() {
    let request = PANEL.with(|p| {
        let p = p.borrow();
        let panel = p.as_ref()?;
        let call_id = view(panel)?.call_id.clone();
        let query = value(&panel.root, ".record-query").trim().to_string();
        (!query.is_empty()).then_some(PanelSearch { call_id, query })
    });
    let Some(request) = request else {
        return;
    };
    set_status(chrome::text("wrapupSearching"));
    wasm_bindgen_futures::spawn_local(async move {
        let (found, status) = match ask_worker(&request).await {
            Ok(found) if found.records.is_empty() => (vec![], chrome::text("wrapupNothingFound")),
            Ok(found) => (found.records, String::new()),
            Err(refusal) => (vec![], chrome::explain(&refusal.code)),
        };
        PANEL.with(|p| {
            if let Some(panel) = p.borrow_mut().as_mut() {
                panel.wrapup.found = found;
                panel.wrapup.search_status = status;
            }
        });
        super::render();
    });
}

fn new_record(object: NewRecordKind) {
    let request = PANEL.with(|p| {
        let p = p.borrow();
        let panel = p.as_ref()?;
        let call_id = view(panel)?.call_id.clone();
        Some(PanelNewRecord {
            call_id,
            object,
            last_name: value(&panel.root, ".new-last").trim().to_string(),
            first_name: value(&panel.root, ".new-first").trim().to_string(),
            company: value(&panel.root, ".new-company").trim().to_string(),
        })
    });
    let Some(request) = request else {
        return;
    };
    if request.last_name.is_empty() {
        show_reason(&chrome::explain("LAST_NAME_REQUIRED"));
        return;
    }
    if object == NewRecordKind::Lead && request.company.is_empty() {
        show_reason(&chrome::explain("COMPANY_REQUIRED"));
        return;
    }
    let busy = PANEL.with(|p| {
        let mut p = p.borrow_mut();
        let panel = p.as_mut()?;
        Some(std::mem::replace(&mut panel.wrapup.creating, true))
    });
    if busy != Some(false) {
        return;
    }
    spawn_send(async move {
        let sent = ask_worker(&request).await.map(|_| ());
        PANEL.with(|p| {
            if let Some(panel) = p.borrow_mut().as_mut() {
                panel.wrapup.creating = false;
            }
        });
        sent
    });
}

/// Draws the wrap-up of the call in front, when the worker sent one (the logging org's tab).
pub(super) fn render(panel: &Panel) {
    let root = &panel.root;
    let w = view(panel);
    set_hidden(root, ".wrapup", w.is_none());
    let Some(w) = w else {
        return;
    };
    // The record line: a link to it, or that the call is on none yet.
    let record = w.record.as_ref();
    set_hidden(root, ".record-link", record.is_none());
    set_hidden(root, ".record-none", record.is_some());
    if let Some(m) = record {
        let name = shown_name(&m.name).unwrap_or_else(|| chrome::text("nameMissing"));
        let shown = format!("{} {name}", chrome::text(&format!("object_{}", m.object)));
        if let Some(link) = find(root, ".record-link") {
            if link.get_attribute("data-record-id").as_deref() != Some(m.id.as_str())
                || link.get_attribute("title").as_deref() != Some(shown.as_str())
            {
                link.set_text_content(None);
                link.set_attribute("data-record-id", m.id.as_str())
                    .log_and_continue("panel");
                link.set_attribute("title", &shown)
                    .log_and_continue("panel");
                if m.url.starts_with("https://") {
                    link.set_attribute("href", &m.url).log_and_continue("panel");
                }
                append_name(&link, &shown);
            }
        }
    }
    set_hidden(root, ".pin-field", record.is_none());
    if let Some(pin) = input(root, ".pin") {
        if pin.checked() != w.pinned {
            pin.set_checked(w.pinned);
        }
    }
    set_hidden(root, ".record-change", !w.can_search);
    set_attr(
        root,
        ".record-change",
        "aria-expanded",
        if panel.wrapup.finder { "true" } else { "false" },
    );
    set_hidden(
        root,
        ".record-finder",
        !(panel.wrapup.finder && w.can_search),
    );
    set_text(root, ".record-status", &panel.wrapup.search_status);
    render_found(root, &panel.wrapup.found);
    // An unknown caller: made a Lead or a Contact, when the user may create one.
    let creates = |o: &str| w.can_create.iter().any(|c| c == o);
    let unknown = record.is_none() && (creates("Lead") || creates("Contact"));
    set_hidden(root, ".new-record", !unknown);
    set_hidden(root, ".new-lead", !creates("Lead"));
    set_hidden(root, ".new-contact", !creates("Contact"));
    set_hidden(root, ".new-company", !creates("Lead"));
    set_hidden(root, ".memo-field", w.memo_options.is_empty());
    render_chips(panel, w);
    set_hidden(root, ".subject-field", !w.subject_editable);
    if let Some(field) = input(root, ".subject") {
        set_attr(root, ".subject", "placeholder", &w.subject_auto);
        set_attr(
            root,
            ".subject",
            "aria-label",
            &chrome::text("wrapupSubject"),
        );
        // The desk's subject, unless the user is typing in the field.
        let focused = root
            .active_element()
            .is_some_and(|a| a.class_list().contains("subject"));
        if !focused && field.value() != w.subject {
            field.set_value(&w.subject);
        }
    }
}

fn render_chips(panel: &Panel, w: &WrapUpView) {
    let chosen = panel.wrapup.memo_sent.as_ref().unwrap_or(&w.memo);
    let key = format!("{:?}|{:?}", w.memo_options, chosen);
    if *panel.wrapup.chips_key.borrow() == key {
        return;
    }
    let (Some(group), Some(document)) = (
        find(&panel.root, ".memo"),
        web_sys::window().and_then(|w| w.document()),
    ) else {
        return;
    };
    group.set_text_content(None);
    for option in &w.memo_options {
        let Ok(chip) = document.create_element("button") else {
            continue;
        };
        chip.set_attribute("type", "button")
            .log_and_continue("panel");
        chip.set_class_name("chip");
        chip.set_attribute("data-memo", option)
            .log_and_continue("panel");
        let on = chosen.contains(option);
        chip.set_attribute("aria-pressed", if on { "true" } else { "false" })
            .log_and_continue("panel");
        chip.set_text_content(Some(option));
        group.append_child(&chip).log_and_continue("panel");
    }
    *panel.wrapup.chips_key.borrow_mut() = key;
}

fn render_found(root: &ShadowRoot, found: &[CallerMatch]) {
    let (Some(list), Some(document)) = (
        find(root, ".record-results"),
        web_sys::window().and_then(|w| w.document()),
    ) else {
        return;
    };
    let key: String = found
        .iter()
        .map(|m| m.id.as_str())
        .collect::<Vec<_>>()
        .join(",");
    if list.get_attribute("data-key").as_deref() == Some(key.as_str()) {
        return;
    }
    list.set_attribute("data-key", &key)
        .log_and_continue("panel");
    list.set_text_content(None);
    for m in found {
        let item = (|| {
            let li = document.create_element("li").ok()?;
            let kind = document.create_element("span").ok()?;
            kind.set_class_name("kind");
            kind.set_text_content(Some(&chrome::text(&format!("object_{}", m.object))));
            li.append_child(&kind).ok()?;
            append_name(
                &li,
                &shown_name(&m.name).unwrap_or_else(|| chrome::text("nameMissing")),
            );
            if let Some(detail) = m.detail.as_deref().and_then(shown_name) {
                let span = document.create_element("span").ok()?;
                span.set_class_name("detail");
                span.set_attribute("title", &detail).ok()?;
                span.set_text_content(Some(&detail));
                li.append_child(&span).ok()?;
            }
            let button = document.create_element("button").ok()?;
            button.set_attribute("type", "button").ok()?;
            button.set_class_name("use");
            button.set_attribute("data-use", m.id.as_str()).ok()?;
            button.set_text_content(Some(&chrome::text("wrapupUse")));
            li.append_child(&button).ok()?;
            Some(li)
        })();
        if let Some(li) = item {
            list.append_child(&li).log_and_continue("panel");
        }
    }
}

/// Another call in front: its fields start from what the desk has for it.
pub(super) fn new_call(panel: &mut Panel, call_id: &str) {
    if panel.wrapup.call_id == call_id {
        // The worker's view caught up with the tags sent.
        let seen = panel.notes.wrapup.as_ref().map(|w| &w.memo);
        if seen.is_some() && seen == panel.wrapup.memo_sent.as_ref() {
            panel.wrapup.memo_sent = None;
        }
        return;
    }
    panel.wrapup = Local {
        call_id: call_id.to_string(),
        ..Local::default()
    };
    for selector in [
        ".subject",
        ".record-query",
        ".new-last",
        ".new-first",
        ".new-company",
    ] {
        if let Some(field) = input(&panel.root, selector) {
            field.set_value("");
        }
    }
}
