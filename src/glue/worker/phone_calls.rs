//! The phone's calls in Salesforce: where a click-to-call came from, the one Task of each ended
//! call (through the outbox), and what the panel is told about it (the caller's card, the Task's
//! fate). Kept in `chrome.storage.session`, so a stopped worker loses none of it.

use std::cell::RefCell;
use std::collections::HashSet;

use super::phone::{
    broadcast, cached_load, cached_store, latest_state, session_load, session_store, Cached,
};
use super::{logging, popup, store};
use crate::call::{CallPhase, PhoneState};
use crate::calllog::{record_of, CallLogNote, CallNotes, DialContext, KnownRecord};
use crate::glue::js::GlueError;
use crate::phone::DEFAULT_REGION;
use crate::protocol::RecordContext;

/// The last click-to-call: its record and org, for the call's Task.
const DIAL_CONTEXT: &str = "phoneDialContext";
/// The org of the Salesforce page the user was last on: where calls without a click are logged.
pub(super) const ORG: &str = "phoneOrg";
/// What became of the last finished call's Task, for the panel.
const LOG_NOTE: &str = "phoneLogNote";

/// A click-to-call is about to be dialled: remember where it came from, for its Task.
pub async fn remember_dial(
    dialled: &str,
    record: Option<RecordContext>,
    org_id: Option<String>,
    at_ms: u64,
) -> Result<(), GlueError> {
    // Without the record's name the Task's subject would have a hole: the logging request
    // then finds the record (and its name) by number instead.
    let record = record.and_then(|r| {
        Some(KnownRecord {
            object: r.object_api_name,
            id: r.record_id,
            name: r.display_name?,
            account_id: None,
        })
    });
    let context = DialContext {
        dialled: dialled.to_string(),
        record,
        org_id,
        at_ms,
    };
    session_store(DIAL_CONTEXT, &context).await
}

/// A Salesforce page of this org is open: calls that come in are logged there.
pub async fn remember_org(org_id: &str) -> Result<(), GlueError> {
    session_store(ORG, &org_id).await
}

thread_local! {
    static NOTE: Cached<CallLogNote> = const { RefCell::new(None) };
    /// Calls this worker instance has started logging: the engine may report an ended call
    /// more than once (every later change of the line repeats it). Across worker restarts
    /// the outbox refuses a call id it holds.
    static LOGGING: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
}

/// An ended call becomes one Task (through the outbox), in the org it belongs to.
pub(super) async fn log_if_finished(state: &PhoneState) {
    let Some(call) = state
        .call
        .as_ref()
        .filter(|c| c.phase == CallPhase::Ended && !c.call_id.is_empty())
    else {
        return;
    };
    if !LOGGING.with(|l| l.borrow_mut().insert(call.call_id.clone())) {
        return;
    }
    let context: Option<DialContext> = session_load(DIAL_CONTEXT).await.ok().flatten();
    let caller = popup::card_for(state).await;
    let Some(record) = record_of(call, context.as_ref(), caller.as_ref(), DEFAULT_REGION) else {
        return;
    };
    let dial_org = context.filter(|c| c.matches(call)).and_then(|c| c.org_id);
    let org = match dial_org {
        Some(org) => Some(org),
        None => session_load::<String>(ORG).await.ok().flatten(),
    };
    let Some(org) = org else {
        show_log_note(CallLogNote::not_logged(&call.call_id, "NOT_LOGGED_IN")).await;
        return;
    };
    // A failure is kept in the outbox with its reason (options page, call logs); the panel
    // says what became of it.
    let note = match logging::log_call(&org, record).await {
        Ok(logged) => note_of(&call.call_id, &logged).await,
        Err(e) => CallLogNote::not_logged(&call.call_id, &e.code),
    };
    show_log_note(note).await;
}

async fn note_of(sip_call_id: &str, logged: &logging::LoggedCall) -> CallLogNote {
    let org = store::org(&logged.entry.org_id).await.ok().flatten();
    let (ui_host, state) = org.map(|o| (o.ui_host, o.state)).unwrap_or_default();
    CallLogNote::of(sip_call_id, &logged.entry.delivery, &ui_host, &state)
}

/// The outbox delivered what waited (the user logged in again, or the alarm): the panel's note
/// about the last call follows.
pub async fn refresh_log_note() {
    let Ok(Some(note)) = cached_load(&NOTE, LOG_NOTE).await else {
        return;
    };
    if note.status == "LOGGED" {
        return;
    }
    let Ok(calls) = logging::logged_calls().await else {
        return;
    };
    let Some(logged) = calls
        .iter()
        .find(|c| crate::calllog::logs_call(&c.call, &note.call_id))
    else {
        return;
    };
    let fresh = note_of(&note.call_id, logged).await;
    if fresh != note {
        show_log_note(fresh).await;
    }
}

async fn show_log_note(note: CallLogNote) {
    if cached_store(&NOTE, LOG_NOTE, note.clone()).await.is_err() {
        return;
    }
    rebroadcast().await;
}

/// A note changed (the caller's card, the Task's fate): every tab gets the latest state again,
/// with its notes.
pub(super) async fn rebroadcast() {
    if let Some(latest) = latest_state() {
        let notes = notes_for(&latest).await;
        broadcast(&latest, notes).await.ok();
    }
}

/// The caller's card and the Task's fate, when they are about the state's call.
pub(super) async fn notes_for(state: &PhoneState) -> CallNotes {
    let call_id = state
        .call
        .as_ref()
        .map(|c| c.call_id.as_str())
        .unwrap_or("");
    let log = cached_load(&NOTE, LOG_NOTE).await.ok().flatten();
    CallNotes {
        caller: popup::card_for(state).await,
        log: log.filter(|n| !call_id.is_empty() && n.call_id == call_id),
    }
}
