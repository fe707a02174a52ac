//! The docked phone in every Lightning tab: a closed shadow root (the page's styles and scripts
//! cannot reach it) with the line state, a dial pad and number entry, the call with its timer,
//! mute, hold, a DTMF keypad, hang-up, and answer/decline for an incoming call.
//!
//! It only renders the `PhoneState` the worker sends and reports what the user pressed; the
//! phone itself runs in the offscreen document, so a reload of this tab never drops a call.

mod history;
mod recent;
mod recording;
mod wrapup;

use std::cell::RefCell;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlInputElement, ShadowRoot, ShadowRootInit, ShadowRootMode};

use super::chrome;
use super::js::{ask_worker, from_js, JsResultExt};
use super::listener::{Listener, Timer};
use crate::call::settings::DeviceRole;
use crate::call::{
    CallEnd, CallPhase, CallView, LineState, PhoneCommand, PhoneState, TransferState,
};
use crate::calllog::{CallNotes, CallerCard, CardStatus, NoteStatus};
use crate::codes::ErrorCode;
use crate::number::{PhoneNumber, DEFAULT_REGION};
use crate::protocol::{
    ConfirmDial, PanelConnectSalesforce, PanelNotes, PanelRetryLog, Phone, PhoneHello, PhoneStatus,
    PickCaller, Request, ToTab,
};
use crate::salesforce::id::RecordId;
use crate::shown::shown_name;

/// The host element's id: what tests look for (the shadow root itself is closed).
pub const HOST_ID: &str = "sfphone-panel-host";

const STYLE: &str = include_str!("panel.css");

const MARKUP: &str = r#"
<section class="panel" data-expanded="false">
  <button class="toggle" type="button" data-action="toggle">
    <span class="dot"></span><span class="title"></span><span class="summary"></span>
  </button>
  <div class="body">
    <p class="line"></p>
    <p class="logging"></p>
    <p class="reason" role="alert"></p>
    <p class="devices-note" role="status" hidden></p>
    <!--tabs-->
    <!--history-->
    <div class="confirm" role="alertdialog" hidden>
      <p class="confirm-why"></p>
      <p class="confirm-number"></p>
      <div class="row">
        <button type="button" class="confirm-yes" data-action="confirm-yes"></button>
        <button type="button" class="confirm-no" data-action="confirm-no"></button>
      </div>
    </div>
    <div class="call" hidden>
      <p class="peer"></p>
      <div class="caller" hidden>
        <p class="caller-status" role="status"></p>
        <ul class="matches"></ul>
      </div>
      <p class="phase"></p>
      <p class="clock" aria-live="off"></p>
      <!--recording-->
      <p class="logged" role="status" hidden><span class="logged-text"></span> <a class="task" target="_top" hidden></a> <button type="button" class="retry" data-action="retry-log" hidden></button></p>
      <p class="connect" hidden><button type="button" class="connect-salesforce" data-action="connect-salesforce"></button></p>
      <div class="row incoming">
        <button type="button" class="answer" data-action="answer"></button>
        <button type="button" class="decline" data-action="decline"></button>
      </div>
      <div class="row controls">
        <button type="button" data-action="mute" aria-pressed="false"></button>
        <button type="button" data-action="hold" aria-pressed="false"></button>
        <button type="button" data-action="keypad" aria-pressed="false"></button>
        <button type="button" data-action="transfer" aria-pressed="false"></button>
      </div>
      <div class="transfer" hidden>
        <input class="transfer-target" type="tel" autocomplete="off">
        <div class="row">
          <button type="button" data-action="transfer-blind"></button>
          <button type="button" data-action="transfer-consult"></button>
        </div>
      </div>
      <p class="transfer-status" role="status" hidden></p>
      <!--wrapup-->
      <label class="notes-field" hidden><span class="notes-label"></span>
        <textarea class="notes" rows="3" maxlength="32000"></textarea></label>
      <button type="button" class="hangup" data-action="hangup"></button>
    </div>
    <div class="other" hidden>
      <p class="other-peer"></p>
      <p class="other-phase"></p>
      <div class="row">
        <button type="button" class="answer-waiting" data-action="answer"></button>
        <button type="button" class="decline-waiting" data-action="decline"></button>
        <button type="button" class="switch" data-action="switch"></button>
        <button type="button" class="complete-transfer" data-action="complete-transfer"></button>
      </div>
    </div>
    <!--recent-->
    <div class="dialer">
      <input class="number" type="tel" autocomplete="off">
      <div class="pad"></div>
      <button type="button" class="dial" data-action="dial"></button>
    </div>
  </div>
</section>
"#;

const DIGITS: [&str; 12] = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"];

struct Panel {
    root: ShadowRoot,
    state: PhoneState,
    /// Who is calling, as the org knows them (the incoming-call popup), and the call's Task.
    notes: CallNotes,
    /// The card the list was last built from: the clock re-renders every second.
    shown_caller: RefCell<Option<CallerCard>>,
    expanded: bool,
    keypad: bool,
    /// The transfer form is open.
    transfer: bool,
    /// The call whose notes the field holds, what was last sent of them, and the pause timer.
    notes_for: String,
    notes_sent: String,
    notes_timer: Option<Timer>,
    /// The wrap-up's own state (search, subject typing).
    wrapup: wrapup::Local,
    /// The "This record" tab.
    history: history::Local,
    clock: Option<Timer>,
    _listeners: Vec<Listener>,
}

thread_local! {
    static PANEL: RefCell<Option<Panel>> = const { RefCell::new(None) };
    /// The region national numbers read in, as the worker said at hello.
    static REGION: std::cell::Cell<&'static str> = const { std::cell::Cell::new(DEFAULT_REGION) };
}

fn find(root: &ShadowRoot, selector: &str) -> Option<Element> {
    root.query_selector(selector).ok().flatten()
}

// Each setter writes only what changed: the panel re-renders on every report of the phone's
// state, and a write of the same value still makes the page recompute style, on the CPU the
// call's set-up needs at that moment.
fn set_text(root: &ShadowRoot, selector: &str, text: &str) {
    if let Some(el) = find(root, selector) {
        if el.text_content().as_deref() != Some(text) {
            el.set_text_content(Some(text));
        }
    }
}

fn set_attr(root: &ShadowRoot, selector: &str, name: &str, value: &str) {
    if let Some(el) = find(root, selector) {
        if el.get_attribute(name).as_deref() != Some(value) {
            el.set_attribute(name, value).log_and_continue("panel");
        }
    }
}

fn set_hidden(root: &ShadowRoot, selector: &str, hidden: bool) {
    if let Some(el) = find(root, selector) {
        if el.has_attribute("hidden") == hidden {
            return;
        }
        if hidden {
            el.set_attribute("hidden", "").log_and_continue("panel");
        } else {
            el.remove_attribute("hidden").log_and_continue("panel");
        }
    }
}

/// How the panel is placed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Docked in the Lightning page itself, in a closed shadow root (wasm runs in the page).
    Docked,
    /// Alone in `panel.html`, an extension frame the degraded content script docks in a page
    /// whose CSP forbids our wasm there: the frame fills with the panel, and the page's
    /// script sizes the frame to it.
    Framed,
}

/// Builds the panel and asks the worker for the phone's state. Started once by `content_main`
/// (docked) or `panel_frame_main` (framed).
pub fn start(document: &Document, placement: Placement) {
    if PANEL.with(|p| p.borrow().is_some()) {
        return;
    }
    // An element the page made with our id (to have us stand down, or to be styled as us)
    // is not ours: it goes, and ours takes its place.
    while let Some(impostor) = document.get_element_by_id(HOST_ID) {
        impostor.remove();
    }
    let Some((host, root)) = build(document) else {
        return;
    };
    if placement == Placement::Framed {
        host.set_attribute("data-framed", "")
            .log_and_continue("panel host");
    }
    guard_host(document, &host);
    let mut listeners = Vec::new();
    listeners.extend(Listener::new(&root, "click", on_click));
    listeners.extend(Listener::new(&root, "keydown", on_key));
    // The notes: kept after a short pause in typing, and when the field is left.
    listeners.extend(Listener::new(&root, "input", |e| on_notes(e, false)));
    listeners.extend(Listener::new(&root, "focusout", |e| on_notes(e, true)));
    listeners.extend(Listener::new(&root, "change", |e| wrapup::on_change(&e)));
    listeners.extend(recording::listen());
    PANEL.with(|p| {
        *p.borrow_mut() = Some(Panel {
            root,
            state: PhoneState::default(),
            notes: CallNotes::default(),
            shown_caller: RefCell::new(None),
            expanded: false,
            keypad: false,
            transfer: false,
            notes_for: String::new(),
            notes_sent: String::new(),
            notes_timer: None,
            wrapup: wrapup::Local::default(),
            history: history::Local::default(),
            clock: None,
            _listeners: listeners,
        })
    });
    listen_to_worker();
    render();
    wasm_bindgen_futures::spawn_local(async {
        if let Some(PhoneStatus {
            state,
            notes,
            region,
        }) = send(&PhoneHello {}).await
        {
            if let Some(region) = crate::number::plan::canonical_region(&region) {
                REGION.with(|r| r.set(region));
            }
            update(state, notes);
        }
    });
}

/// The region this panel reads national numbers in.
pub(crate) fn home_region() -> &'static str {
    REGION.with(|r| r.get())
}

/// The host's own style: every property the page could use to hide the panel or make it
/// transparent over a decoy is reset, with `!important` in the style attribute (which no page
/// stylesheet outranks).
const HOST_STYLE: &str = "all: initial !important; display: block !important;";

/// Keeps the page from restyling or removing the panel's host: a changed style attribute is
/// put back, and a host taken out of the document is put back in.
fn guard_host(document: &Document, host: &Element) {
    let (Some(html), host) = (document.document_element(), host.clone()) else {
        return;
    };
    let watched = host.clone();
    let parent = html.clone();
    let callback = Closure::<dyn FnMut()>::new(move || {
        if watched.get_attribute("style").as_deref() != Some(HOST_STYLE) {
            watched
                .set_attribute("style", HOST_STYLE)
                .log_and_continue("panel host");
        }
        for attribute in ["hidden", "inert", "class"] {
            if watched.has_attribute(attribute) {
                watched
                    .remove_attribute(attribute)
                    .log_and_continue("panel host");
            }
        }
        if !watched.is_connected() {
            parent.append_child(&watched).log_and_continue("panel host");
        }
    });
    let Ok(observer) = web_sys::MutationObserver::new(callback.as_ref().unchecked_ref()) else {
        return;
    };
    let on_host = web_sys::MutationObserverInit::new();
    on_host.set_attributes(true);
    observer
        .observe_with_options(&host, &on_host)
        .log_and_continue("panel host");
    let on_html = web_sys::MutationObserverInit::new();
    on_html.set_child_list(true);
    observer
        .observe_with_options(&html, &on_html)
        .log_and_continue("panel host");
    // The guard lives as long as the page.
    callback.forget();
    std::mem::forget(observer);
}

fn build(document: &Document) -> Option<(Element, ShadowRoot)> {
    let host = document.create_element("div").ok()?;
    host.set_id(HOST_ID);
    host.set_attribute("style", HOST_STYLE).ok()?;
    let init = ShadowRootInit::new(ShadowRootMode::Closed);
    let root = host
        .attach_shadow(&init)
        .log_and_continue("panel shadow root")?;
    let markup = MARKUP
        .replace("<!--wrapup-->", wrapup::MARKUP)
        .replace("<!--tabs-->", history::TABS)
        .replace("<!--history-->", history::MARKUP)
        .replace("<!--recording-->", recording::MARKUP)
        .replace("<!--recent-->", recent::MARKUP);
    root.set_inner_html(&format!("<style>{STYLE}</style>{markup}"));
    if let Some(pad) = root.query_selector(".pad").ok().flatten() {
        for digit in DIGITS {
            let button = document.create_element("button").ok()?;
            button.set_attribute("type", "button").ok()?;
            button.set_attribute("data-digit", digit).ok()?;
            button.set_text_content(Some(digit));
            pad.append_child(&button).ok()?;
        }
    }
    set_text(&root, ".title", &chrome::text("panelTitle"));
    set_text(&root, ".answer", &chrome::text("panelAnswer"));
    set_text(&root, ".decline", &chrome::text("panelDecline"));
    set_text(&root, "[data-action=keypad]", &chrome::text("panelKeypad"));
    set_text(&root, ".notes-label", &chrome::text("panelNotes"));
    wrapup::label(&root);
    history::label(&root);
    recording::label(&root);
    recent::label(&root);
    set_text(
        &root,
        "[data-action=transfer]",
        &chrome::text("panelTransfer"),
    );
    set_text(
        &root,
        "[data-action=transfer-blind]",
        &chrome::text("panelTransferBlind"),
    );
    set_text(
        &root,
        "[data-action=transfer-consult]",
        &chrome::text("panelTransferConsult"),
    );
    set_text(&root, ".answer-waiting", &chrome::text("panelHoldAnswer"));
    set_text(&root, ".decline-waiting", &chrome::text("panelDecline"));
    set_text(&root, ".switch", &chrome::text("panelSwitch"));
    set_text(
        &root,
        ".complete-transfer",
        &chrome::text("panelCompleteTransfer"),
    );
    set_text(&root, ".hangup", &chrome::text("panelHangup"));
    set_text(&root, ".dial", &chrome::text("panelDial"));
    set_text(&root, ".confirm-yes", &chrome::text("confirmDialYes"));
    set_text(&root, ".confirm-no", &chrome::text("confirmDialNo"));
    set_attr(
        &root,
        ".number",
        "aria-label",
        &chrome::text("panelNumberLabel"),
    );
    set_attr(
        &root,
        ".number",
        "placeholder",
        &chrome::text("panelNumberLabel"),
    );
    document
        .document_element()?
        .append_child(&host)
        .log_and_continue("placing the panel")?;
    Some((host, root))
}

fn listen_to_worker() {
    let listener = Closure::<dyn Fn(JsValue) -> bool>::new(|message: JsValue| {
        match from_js::<ToTab>(message) {
            Ok(ToTab::PhoneState { state, notes }) => update(state, notes),
            Ok(ToTab::OpenDialer) => open_dialer(),
            Ok(ToTab::DialRefused { code }) => refused(&code),
            Err(_) => {}
        }
        false
    });
    chrome::on_message_add_listener(listener.as_ref().unchecked_ref());
    // The panel lives as long as the page; so does its line to the worker.
    listener.forget();
}

async fn send<Q: Request>(request: &Q) -> Option<Q::Reply> {
    ask_worker(request)
        .await
        .map_err(|e| web_sys::console::warn_1(&format!("panel: {}", e.code).into()))
        .ok()
}

fn command(action: PhoneCommand) {
    // What the worker would refuse is said here, in the user's words (a dialer entry that is
    // not a number), not sent to come back as a bare code.
    if action.validate().is_err() {
        show_reason(&chrome::explain(ErrorCode::NotANumber.as_str()));
        return;
    }
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(refusal) = ask_worker(&Phone { action }).await {
            show_reason(&chrome::explain(&refusal.code));
        }
    });
}

/// The user's answer to the costly number's question.
fn confirm_dial(dial: bool) {
    let dial_id = PANEL.with(|p| {
        p.borrow()
            .as_ref()
            .and_then(|panel| panel.notes.confirm.as_ref().map(|c| c.dial_id.clone()))
    });
    let Some(dial_id) = dial_id else {
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(refusal) = ask_worker(&ConfirmDial { dial_id, dial }).await {
            show_reason(&chrome::explain(&refusal.code));
        }
    });
}

/// The worker refused what a click asked (no phone account, too many dials): the panel opens
/// and says why, in the user's words.
pub(crate) fn refused(code: &str) {
    PANEL.with(|p| {
        if let Some(panel) = p.borrow_mut().as_mut() {
            panel.expanded = true;
        }
    });
    show_reason(&chrome::explain(code));
    render();
}

fn show_reason(text: &str) {
    PANEL.with(|p| {
        if let Some(panel) = p.borrow().as_ref() {
            set_text(&panel.root, ".reason", text);
        }
    });
}

/// The user says which record of the card the caller is.
fn pick_caller(record: &str) {
    let Ok(record_id) = RecordId::parse(record) else {
        return;
    };
    let call_id = PANEL.with(|p| {
        p.borrow()
            .as_ref()
            .and_then(|panel| panel.state.live_call().map(|c| c.call_id.clone()))
    });
    let Some(call_id) = call_id else {
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        send(&PickCaller { call_id, record_id }).await;
    });
}

/// The user asks to send the ended call's Task again (it failed, or waits).
fn retry_log() {
    let call_id = PANEL.with(|p| {
        p.borrow()
            .as_ref()
            .and_then(|panel| panel.state.call.as_ref().map(|c| c.call_id.clone()))
    });
    let Some(call_id) = call_id.filter(|c| !c.is_empty()) else {
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        send(&PanelRetryLog { call_id }).await;
    });
}

fn notes_field(root: &ShadowRoot) -> Option<web_sys::HtmlTextAreaElement> {
    find(root, ".notes").and_then(|e| e.dyn_into().ok())
}

const NOTES_PAUSE_MS: u64 = 1_500;

/// Typing in the notes (`now`: the field was left): sent after a pause of 1.5 s, or at once
/// on leaving it; one request per change, none when nothing changed.
fn on_notes(event: web_sys::Event, now: bool) {
    let Some(target) = event.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
        return;
    };
    if wrapup::on_subject(&target, now) || !target.class_list().contains("notes") {
        return;
    }
    if now {
        send_notes();
        return;
    }
    let timer = Timer::once(NOTES_PAUSE_MS, send_notes);
    PANEL.with(|p| {
        if let Some(panel) = p.borrow_mut().as_mut() {
            panel.notes_timer = Some(timer);
        }
    });
}

fn send_notes() {
    let request = PANEL.with(|p| {
        let mut p = p.borrow_mut();
        let panel = p.as_mut()?;
        panel.notes_timer = None;
        let text = notes_field(&panel.root)?.value();
        if panel.notes_for.is_empty() || text == panel.notes_sent {
            return None;
        }
        panel.notes_sent = text.clone();
        Some(PanelNotes {
            call_id: panel.notes_for.clone(),
            text,
        })
    });
    if let Some(request) = request {
        wasm_bindgen_futures::spawn_local(async move {
            send(&request).await;
        });
    }
}

fn update(state: PhoneState, notes: CallNotes) {
    let mut reload_history = false;
    let ringing_in = state
        .live_call()
        .is_some_and(|c| c.phase == CallPhase::Incoming);
    PANEL.with(|p| {
        if let Some(panel) = p.borrow_mut().as_mut() {
            // A call coming in opens the panel so it can be answered, and so does a costly
            // number's question.
            if ringing_in || notes.confirm.is_some() {
                panel.expanded = true;
            }
            if state.live_call().is_none() {
                panel.keypad = false;
            }
            // Another call: the notes field starts empty for it.
            let call_id = state
                .call
                .as_ref()
                .map(|c| c.call_id.clone())
                .unwrap_or_default();
            if call_id != panel.notes_for {
                if let Some(field) = notes_field(&panel.root) {
                    field.set_value("");
                }
                panel.notes_for = call_id.clone();
                panel.notes_sent.clear();
                panel.notes_timer = None;
            }
            wrapup::new_call(panel, &call_id);
            // The notes the desk has (a reloaded tab), unless the user is typing in them.
            if let Some(w) = notes.wrapup.as_ref().filter(|w| w.call_id == call_id) {
                if let Some(field) = notes_field(&panel.root) {
                    let typing = panel
                        .root
                        .active_element()
                        .is_some_and(|a| a.class_list().contains("notes"));
                    if !typing && field.value().is_empty() && !w.notes.is_empty() {
                        field.set_value(&w.notes);
                        panel.notes_sent = w.notes.clone();
                    }
                }
            }
            panel.state = state;
            panel.notes = notes;
            reload_history = history::on_update(panel);
        }
    });
    if reload_history {
        history::reload();
    }
    render();
}

fn open_dialer() {
    PANEL.with(|p| {
        if let Some(panel) = p.borrow_mut().as_mut() {
            panel.expanded = true;
        }
    });
    render();
    PANEL.with(|p| {
        if let Some(panel) = p.borrow().as_ref() {
            if let Some(input) =
                find(&panel.root, ".number").and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            {
                input.focus().log_and_continue("focusing the number");
            }
        }
    });
}

fn number_input(root: &ShadowRoot) -> Option<HtmlInputElement> {
    find(root, ".number").and_then(|e| e.dyn_into().ok())
}

fn on_click(event: web_sys::Event) {
    let Some(target) = event.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
        return;
    };
    let Some(button) = target.closest("button").ok().flatten() else {
        return;
    };
    if let Some(record) = button.get_attribute("data-pick") {
        pick_caller(&record);
        return;
    }
    let digit = button.get_attribute("data-digit");
    let action = button.get_attribute("data-action").unwrap_or_default();
    if let Some(dial) = match action.as_str() {
        "confirm-yes" => Some(true),
        "confirm-no" => Some(false),
        _ => None,
    } {
        // Only the user's own click says yes to a costly number.
        if event.is_trusted() {
            confirm_dial(dial);
        }
        return;
    }
    if action == "retry-log" {
        if event.is_trusted() {
            retry_log();
        }
        return;
    }
    if action == "connect-salesforce" {
        if event.is_trusted() {
            wasm_bindgen_futures::spawn_local(async {
                send(&PanelConnectSalesforce {}).await;
            });
        }
        return;
    }
    if wrapup::on_click(&button, &action, event.is_trusted())
        || history::on_click(&action, event.is_trusted())
        || recent::on_click(&button, &action, event.is_trusted())
    {
        return;
    }
    let mut to_send = None;
    PANEL.with(|p| {
        let mut p = p.borrow_mut();
        let Some(panel) = p.as_mut() else { return };
        let call = panel.state.live_call().cloned();
        if let Some(digit) = digit {
            match call {
                Some(c) if c.phase == CallPhase::Connected => {
                    to_send = Some(PhoneCommand::Dtmf { digits: digit })
                }
                _ => {
                    if let Some(input) = number_input(&panel.root) {
                        input.set_value(&format!("{}{digit}", input.value()));
                    }
                }
            }
            return;
        }
        to_send = match action.as_str() {
            "toggle" => {
                panel.expanded = !panel.expanded;
                None
            }
            "keypad" => {
                panel.keypad = !panel.keypad;
                None
            }
            "transfer" => {
                panel.transfer = !panel.transfer;
                None
            }
            "transfer-blind" | "transfer-consult" => {
                let target = find(&panel.root, ".transfer-target")
                    .and_then(|i| i.dyn_into::<HtmlInputElement>().ok())
                    .map(|i| i.value().trim().to_string())
                    .filter(|t| !t.is_empty());
                panel.transfer = false;
                target.map(|target| {
                    if action == "transfer-blind" {
                        PhoneCommand::Transfer { target }
                    } else {
                        PhoneCommand::Consult { target }
                    }
                })
            }
            "switch" => Some(PhoneCommand::Switch),
            "complete-transfer" => Some(PhoneCommand::CompleteTransfer),
            "dial" => number_input(&panel.root)
                .map(|i| i.value())
                .filter(|n| !n.trim().is_empty())
                .map(|number| PhoneCommand::Dial {
                    number,
                    dial_id: None,
                }),
            "answer" => Some(PhoneCommand::Answer),
            "decline" => Some(PhoneCommand::Decline),
            "hangup" => Some(PhoneCommand::Hangup),
            "mute" => call.map(|c| PhoneCommand::Mute { on: !c.muted }),
            "hold" => call.map(|c| PhoneCommand::Hold { on: !c.held }),
            _ => None,
        };
    });
    if let Some(action) = to_send {
        command(action);
    }
    render();
}

fn on_key(event: web_sys::Event) {
    let Some(key) = event.dyn_ref::<web_sys::KeyboardEvent>().map(|k| k.key()) else {
        return;
    };
    // Keys typed in the panel are the panel's, not Lightning's shortcuts.
    event.stop_propagation();
    if key != "Enter" {
        return;
    }
    // Enter dials from the number field only (the wrap-up's fields have their own Enter).
    let target = event.target().and_then(|t| t.dyn_into::<Element>().ok());
    if let Some(target) = &target {
        if wrapup::on_enter(target) || !target.class_list().contains("number") {
            return;
        }
    }
    let number = PANEL.with(|p| {
        p.borrow()
            .as_ref()
            .and_then(|panel| number_input(&panel.root))
            .map(|i| i.value())
    });
    if let Some(number) = number.filter(|n| !n.trim().is_empty()) {
        command(PhoneCommand::Dial {
            number,
            dial_id: None,
        });
    }
}

fn line_key(line: LineState, microphone_denied: bool) -> &'static str {
    if microphone_denied {
        return "line_MICROPHONE_DENIED";
    }
    match line {
        LineState::Unconfigured => "line_UNCONFIGURED",
        LineState::Connecting => "line_CONNECTING",
        LineState::Registered => "line_REGISTERED",
        LineState::WrongPassword => "line_WRONG_PASSWORD",
        LineState::ServerUnreachable => "line_SERVER_UNREACHABLE",
        LineState::ServerError => "line_SERVER_ERROR",
        LineState::Refused => "line_REFUSED",
    }
}

fn phase_key(phase: CallPhase, end: Option<CallEnd>) -> String {
    match (phase, end) {
        (CallPhase::Ended, Some(end)) => format!("end_{}", end.code()),
        (phase, _) => format!("phase_{}", phase.code()),
    }
}

/// `m:ss` (or `h:mm:ss`) since `since_ms`.
fn clock_text(since_ms: u64) -> String {
    let secs = (js_sys::Date::now() as u64).saturating_sub(since_ms) / 1000;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

fn render() {
    let needs_clock = PANEL.with(|p| {
        let p = p.borrow();
        let Some(panel) = p.as_ref() else {
            return false;
        };
        render_panel(panel);
        // The call's clock, or the wrap-up's countdown.
        let now = js_sys::Date::now() as u64;
        let counting = panel
            .notes
            .log
            .as_ref()
            .and_then(|l| l.hold_until_ms)
            .is_some_and(|at| at + 1_000 > now);
        counting
            || panel
                .state
                .live_call()
                .is_some_and(|c| c.answered_at_ms.is_some())
    });
    PANEL.with(|p| {
        if let Some(panel) = p.borrow_mut().as_mut() {
            match (needs_clock, panel.clock.is_some()) {
                (true, false) => panel.clock = Some(Timer::every(1000, render)),
                (false, true) => panel.clock = None,
                _ => {}
            }
        }
    });
}

fn render_panel(panel: &Panel) {
    let root = &panel.root;
    let state = &panel.state;
    let flag = |b: bool| if b { "true" } else { "false" };
    set_attr(root, ".panel", "data-expanded", flag(panel.expanded));
    let line_code = line_key(state.line, state.microphone_denied);
    set_attr(root, ".panel", "data-line", &line_code[5..]);
    set_text(root, ".line", &chrome::text(line_code));
    let confirm = panel.notes.confirm.as_ref();
    set_hidden(root, ".confirm", confirm.is_none());
    if let Some(c) = confirm {
        let why = format!(
            "{} {}",
            chrome::explain(c.costly.code()),
            chrome::text("confirmDial")
        );
        set_text(root, ".confirm-why", &why);
        set_text(root, ".confirm-number", &c.number);
    }
    // Where calls are logged: this org, or (on another org's page) elsewhere, and so no card.
    let logging = match &panel.notes.logging {
        Some(l) if l.this_org => chrome::text_with("loggingTo", &[&l.name, &l.org_id]),
        Some(l) => chrome::text_with("loggingElsewhere", &[&l.name]),
        None => String::new(),
    };
    set_text(root, ".logging", &logging);
    set_attr(
        root,
        ".logging",
        "data-this-org",
        &panel
            .notes
            .logging
            .as_ref()
            .is_some_and(|l| l.this_org)
            .to_string(),
    );
    let call = state.call.as_ref();
    let live = state.live_call();
    set_attr(
        root,
        ".panel",
        "data-phase",
        &call
            .map(|c| phase_key(c.phase, c.end))
            .unwrap_or_else(|| "idle".into()),
    );
    set_hidden(root, ".call", call.is_none());
    if let Some(c) = call {
        // A number as people write it (`03-1234-5678`); a SIP address or extension as it came.
        let number = PhoneNumber::parse(&c.peer, home_region())
            .map(|n| n.display())
            .unwrap_or_else(|_| c.peer.clone());
        // The extension dialled after the answer: `03-1234-5678 内線 123`.
        let number = match c.extension.as_deref() {
            Some(extension) => crate::number::display_with_extension(
                &number,
                Some(extension),
                &chrome::text("extensionWord"),
            ),
            None => number,
        };
        let name = c.peer_name.as_deref().and_then(shown_name);
        let who = match &name {
            Some(name) => format!("{name} ({number})"),
            None => number.clone(),
        };
        // Re-built only when it changes (the clock re-renders every second).
        if let Some(peer) = find(root, ".peer").filter(|p| p.text_content() != Some(who.clone())) {
            peer.set_text_content(None);
            peer.set_attribute("title", &who).log_and_continue("panel");
            if let Some(name) = &name {
                append_name(&peer, name);
                append_text(&peer, &format!(" ({number})"));
            } else {
                append_text(&peer, &number);
            }
        }
        set_text(root, ".phase", &chrome::text(&phase_key(c.phase, c.end)));
        let clock = match (c.phase, c.answered_at_ms) {
            (CallPhase::Connected, Some(at)) => clock_text(at),
            _ => String::new(),
        };
        set_text(root, ".clock", &clock);
        set_text(root, ".summary", &who);
        set_text(
            root,
            "[data-action=mute]",
            &chrome::text(if c.muted { "panelUnmute" } else { "panelMute" }),
        );
        set_attr(root, "[data-action=mute]", "aria-pressed", flag(c.muted));
        set_text(
            root,
            "[data-action=hold]",
            &chrome::text(if c.held { "panelResume" } else { "panelHold" }),
        );
        set_attr(root, "[data-action=hold]", "aria-pressed", flag(c.held));
    } else {
        set_text(root, ".summary", "");
    }
    render_caller(panel);
    render_log_note(panel);
    render_connect(panel);
    wrapup::render(panel);
    history::render(panel);
    recording::render(panel);
    recent::render(panel);
    render_other(panel);
    render_transfer(panel);
    // Notes on the call, in the logging org's tab (they go to its Task).
    let this_org = panel.notes.logging.as_ref().is_some_and(|l| l.this_org);
    let has_call = state.call.as_ref().is_some_and(|c| !c.call_id.is_empty());
    set_hidden(root, ".notes-field", !(this_org && has_call));
    // A chosen device that is not connected: said, with what plays instead.
    let note: Vec<String> = state
        .missing_devices
        .iter()
        .map(|(role, label)| {
            let key = match role {
                DeviceRole::Microphone => "deviceMissingMicrophone",
                DeviceRole::Speaker => "deviceMissingSpeaker",
                DeviceRole::Ringer => "deviceMissingRinger",
            };
            chrome::text_with(key, &[label])
        })
        .collect();
    set_hidden(root, ".devices-note", note.is_empty());
    set_text(root, ".devices-note", &note.join(" "));
    let phase = live.map(|c| c.phase);
    set_hidden(root, ".incoming", phase != Some(CallPhase::Incoming));
    set_hidden(root, ".controls", phase != Some(CallPhase::Connected));
    set_hidden(
        root,
        ".hangup",
        live.is_none() || phase == Some(CallPhase::Incoming),
    );
    set_attr(
        root,
        "[data-action=keypad]",
        "aria-pressed",
        flag(panel.keypad),
    );
    set_attr(
        root,
        "[data-action=transfer]",
        "aria-pressed",
        flag(panel.transfer),
    );
    set_hidden(
        root,
        ".transfer",
        !panel.transfer || phase != Some(CallPhase::Connected),
    );
    // The dialer shows when idle; during a call the pad is the DTMF keypad, on request.
    let dialer_visible = live.is_none() || panel.keypad;
    set_hidden(root, ".dialer", !dialer_visible);
    set_hidden(root, ".number", live.is_some());
    set_hidden(root, ".dial", live.is_some());
}

/// The number of a call as people write it, or the name its card found.
fn who_is(call: &CallView, card: Option<&CallerCard>) -> String {
    let number = PhoneNumber::parse(&call.peer, home_region())
        .map(|n| n.display())
        .unwrap_or_else(|_| call.peer.clone());
    match card.and_then(|c| c.matches.first()) {
        Some(best) => format!("{} ({number})", best.name),
        None => number,
    }
}

/// The second line: a call that rings while we talk (answer it, holding this one, or
/// decline it), or one on hold beside the one in front (switch to it, or hand it over).
fn render_other(panel: &Panel) {
    let root = &panel.root;
    let other = panel.state.live_other();
    set_hidden(root, ".other", other.is_none());
    let Some(o) = other else { return };
    set_text(
        root,
        ".other-peer",
        &who_is(o, panel.notes.other_caller.as_ref()),
    );
    let phase = match (o.phase, o.held) {
        (CallPhase::Incoming, _) => chrome::text("otherWaiting"),
        (CallPhase::Connected, true) => chrome::text("otherHeld"),
        (phase, _) => chrome::text(&phase_key(phase, o.end)),
    };
    set_text(root, ".other-phase", &phase);
    let front_up = panel
        .state
        .live_call()
        .is_some_and(|c| c.phase == CallPhase::Connected);
    let ringing = o.phase == CallPhase::Incoming;
    set_hidden(root, ".answer-waiting", !ringing);
    set_hidden(root, ".decline-waiting", !ringing);
    let both_up = front_up && o.phase == CallPhase::Connected;
    set_hidden(root, ".switch", !both_up);
    set_hidden(root, ".complete-transfer", !both_up);
}

/// How a transfer goes: trying, the target rings, done, or failed (the call is back).
fn render_transfer(panel: &Panel) {
    let root = &panel.root;
    let transfer = [panel.state.call.as_ref(), panel.state.other.as_ref()]
        .into_iter()
        .flatten()
        .find_map(|c| c.transfer.as_ref());
    set_hidden(root, ".transfer-status", transfer.is_none());
    let Some(t) = transfer else { return };
    let target = PhoneNumber::parse(&t.target, home_region())
        .map(|n| n.display())
        .unwrap_or_else(|_| t.target.clone());
    let text = match t.state {
        TransferState::Trying => chrome::text_with("transferTrying", &[&target]),
        TransferState::Ringing => chrome::text_with("transferRinging", &[&target]),
        TransferState::Done => chrome::text_with("transferDone", &[&target]),
        TransferState::Failed(status) => {
            chrome::text_with("transferFailed", &[&target, &status.to_string()])
        }
    };
    set_text(root, ".transfer-status", &text);
    let state = match t.state {
        TransferState::Trying => "TRYING",
        TransferState::Ringing => "RINGING",
        TransferState::Done => "DONE",
        TransferState::Failed(_) => "FAILED",
    };
    set_attr(root, ".transfer-status", "data-state", state);
}

/// "Connect with Salesforce" when the card or the call's log says the org wants it (API
/// Access Control refused the browser session, or the OAuth connection ended).
fn render_connect(panel: &Panel) {
    let wants = |code: &str| {
        matches!(
            code,
            "API_SESSION_REFUSED" | "OAUTH_EXPIRED" | "OAUTH_WRONG_USER"
        )
    };
    let card = panel
        .notes
        .caller
        .as_ref()
        .is_some_and(|c| matches!(&c.status, CardStatus::Unavailable(code) if wants(code)));
    let log = panel.notes.log.as_ref().is_some_and(|n| match &n.status {
        NoteStatus::NotLogged(code) => wants(code),
        NoteStatus::Waiting => n.reason.as_deref().is_some_and(wants),
        NoteStatus::Logged => false,
    });
    set_hidden(&panel.root, ".connect", !(card || log));
    set_text(
        &panel.root,
        ".connect-salesforce",
        &chrome::text("oauthConnect"),
    );
}

/// The incoming-call card: the records whose phone is the caller's number, each a link to open
/// it, or why there are none. Names are page text (`textContent`), never markup.
fn render_caller(panel: &Panel) {
    let root = &panel.root;
    let call_id = panel.state.call.as_ref().map(|c| c.call_id.as_str());
    let card = panel
        .notes
        .caller
        .as_ref()
        .filter(|c| Some(c.call_id.as_str()) == call_id && !c.call_id.is_empty());
    set_hidden(root, ".caller", card.is_none());
    if panel.shown_caller.borrow().as_ref() == card {
        return;
    }
    *panel.shown_caller.borrow_mut() = card.cloned();
    let Some(card) = card else {
        return;
    };
    let status = match &card.status {
        CardStatus::Found => String::new(),
        CardStatus::Looking => chrome::text("callerLooking"),
        CardStatus::NotFound => chrome::text("callerNotFound"),
        // Why no lookup could run.
        CardStatus::Unavailable(code) => chrome::explain(code),
    };
    set_text(root, ".caller-status", &status);
    let (Some(list), Some(document)) = (
        find(root, ".matches"),
        web_sys::window().and_then(|w| w.document()),
    ) else {
        return;
    };
    list.set_text_content(None);
    for m in &card.matches {
        let item = (|| {
            let li = document.create_element("li").ok()?;
            let link = document.create_element("a").ok()?;
            if m.url.starts_with("https://") {
                link.set_attribute("href", &m.url).ok()?;
            }
            link.set_attribute("target", "_top").ok()?;
            link.set_attribute("data-record-id", m.id.as_str()).ok()?;
            let kind = document.create_element("span").ok()?;
            kind.set_class_name("kind");
            kind.set_text_content(Some(&chrome::text(&format!("object_{}", m.object))));
            link.append_child(&kind).ok()?;
            append_name(
                &link,
                &shown_name(&m.name).unwrap_or_else(|| chrome::text("nameMissing")),
            );
            li.append_child(&link).ok()?;
            if let Some(detail) = &m.detail {
                let span = document.create_element("span").ok()?;
                span.set_class_name("detail");
                let detail = shown_name(detail).unwrap_or_default();
                span.set_attribute("title", &detail).ok()?;
                span.set_text_content(Some(&detail));
                li.append_child(&span).ok()?;
            }
            // More than one record has the number: the user says which one the call is with
            // (the first until then); the Task goes on it.
            if card.matches.len() > 1 {
                let pick = document.create_element("button").ok()?;
                pick.set_attribute("type", "button").ok()?;
                pick.set_class_name("pick");
                pick.set_attribute("data-pick", m.id.as_str()).ok()?;
                let first = card.matches.first().is_some_and(|f| f.id == m.id);
                pick.set_attribute("aria-pressed", if first { "true" } else { "false" })
                    .ok()?;
                pick.set_text_content(Some(&chrome::text("callerPick")));
                li.append_child(&pick).ok()?;
            }
            Some(li)
        })();
        if let Some(li) = item {
            list.append_child(&li).log_and_continue("panel");
        }
    }
}

/// A name, isolated from the text around it (`<bdi>`), on one line with an ellipsis when
/// it is long, and whole on hover and for screen readers (`title`).
fn append_name(parent: &Element, name: &str) {
    let Some(document) = parent.owner_document() else {
        return;
    };
    if let Ok(bdi) = document.create_element("bdi") {
        bdi.set_class_name("name");
        bdi.set_attribute("title", name).log_and_continue("panel");
        bdi.set_text_content(Some(name));
        parent.append_child(&bdi).log_and_continue("panel");
    }
}

fn append_text(parent: &Element, text: &str) {
    if let Some(document) = parent.owner_document() {
        parent
            .append_child(&document.create_text_node(text))
            .log_and_continue("panel");
    }
}

/// After a call: whether its Task is written (with a link to it), waiting, or why not.
fn render_log_note(panel: &Panel) {
    let root = &panel.root;
    let ended = panel
        .state
        .call
        .as_ref()
        .filter(|c| c.phase == CallPhase::Ended);
    let note = panel
        .notes
        .log
        .as_ref()
        .filter(|n| ended.is_some_and(|c| c.call_id == n.call_id));
    set_hidden(root, ".logged", note.is_none());
    let Some(note) = note else {
        return;
    };
    // In the wrap-up time: when it will be logged, and "Log now".
    let now = js_sys::Date::now() as u64;
    let held = note.hold_until_ms.filter(|at| *at > now);
    let text = match &note.status {
        NoteStatus::Waiting if held.is_some() => {
            let secs = (held.unwrap_or(now) - now).div_ceil(1000);
            chrome::text_with("callLogIn", &[&secs.to_string()])
        }
        NoteStatus::Logged => chrome::text("callLogged"),
        NoteStatus::Waiting => match &note.reason {
            Some(code) => chrome::text_with("callLogWaitingBecause", &[&chrome::explain(code)]),
            None => chrome::text("callLogWaiting"),
        },
        NoteStatus::NotLogged(code) => {
            chrome::text_with("callLogFailed", &[&chrome::explain(code)])
        }
    };
    set_text(root, ".logged-text", &text);
    // Waiting or failed: the user may send it again now (once: the desk's log is one Task).
    let retry = !matches!(note.status, NoteStatus::Logged);
    set_hidden(root, ".retry", !retry);
    set_text(
        root,
        ".retry",
        &chrome::text(if held.is_some() {
            "callLogNow"
        } else {
            "callLogRetry"
        }),
    );
    set_attr(
        root,
        ".logged",
        "data-held",
        if held.is_some() { "true" } else { "false" },
    );
    let url = note
        .task_url
        .as_deref()
        .filter(|u| u.starts_with("https://"));
    set_hidden(root, ".task", url.is_none());
    if let Some(url) = url {
        set_attr(root, ".task", "href", url);
        set_text(root, ".task", &chrome::text("callLogOpenTask"));
    }
}
