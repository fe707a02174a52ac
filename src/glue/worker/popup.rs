//! The incoming-call popup in the worker: when a call rings, one lookup of the caller's number
//! in the org of the Salesforce page last opened; the card goes to every panel with the phone's
//! state, and the call's Task is later written on the record it found (no second lookup).

use std::cell::RefCell;
use std::collections::HashSet;

use super::phone::{cached_load, cached_store, latest_state, session_load, Cached};
use super::phone_calls::{rebroadcast, ORG};
use super::{connection, store};
use crate::call::{CallPhase, PhoneState};
use crate::calllog::CallerCard;
use crate::glue::js::GlueError;
use crate::protocol::FromWorker;
use crate::salesforce::id::RecordId;

/// The card of the last call that rang (`chrome.storage.session`: gone with the browser).
const CALLER: &str = "phoneCaller";

thread_local! {
    static CARD: Cached<CallerCard> = const { RefCell::new(None) };
    /// Calls this worker instance looked up: every report while the call rings would otherwise
    /// spend another API call. After a worker restart the stored card says the same.
    static LOOKED_UP: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
}

/// The card for the state's call, when one was made for it.
pub async fn card_for(state: &PhoneState) -> Option<CallerCard> {
    let call_id = &state.call.as_ref()?.call_id;
    let card = cached_load(&CARD, CALLER).await.ok().flatten()?;
    (!call_id.is_empty() && card.call_id == *call_id).then_some(card)
}

/// A call rings that nobody looked up yet: show "looking", look up, show the answer.
pub async fn look_up_if_ringing(state: &PhoneState) {
    let Some(call) = state
        .live_call()
        .filter(|c| c.phase == CallPhase::Incoming && !c.call_id.is_empty())
    else {
        return;
    };
    if !LOOKED_UP.with(|l| l.borrow_mut().insert(call.call_id.clone())) {
        return;
    }
    if card_for(state).await.is_some() {
        return;
    }
    show(CallerCard::looking(&call.call_id)).await;
    show(look_up(&call.call_id, &call.peer).await).await;
}

async fn show(card: CallerCard) {
    if let Err(e) = cached_store(&CARD, CALLER, card.clone()).await {
        web_sys::console::warn_1(&format!("popup: {}", e.code).into());
    }
    let current = latest_state()
        .and_then(|s| s.call)
        .is_some_and(|c| c.call_id == card.call_id);
    if current {
        rebroadcast().await;
    }
}

async fn look_up(call_id: &str, number: &str) -> CallerCard {
    let Some(org_id) = session_load::<String>(ORG).await.ok().flatten() else {
        return CallerCard::unavailable(call_id, "NOT_LOGGED_IN");
    };
    let ui_host = match store::org(&org_id).await {
        Ok(Some(org)) => org.ui_host,
        _ => return CallerCard::unavailable(call_id, "NOT_LOGGED_IN"),
    };
    match connection::lookup(&org_id, number).await {
        Ok(FromWorker::LookupResult { candidates, .. }) => {
            CallerCard::from_candidates(call_id, &candidates, &ui_host)
        }
        Ok(_) => CallerCard::unavailable(call_id, "LOOKUP_FAILED"),
        Err(e) => CallerCard::unavailable(call_id, &e.code),
    }
}

/// The user picked the caller's record on the card: the Task of this call goes on it. Only
/// while the call lasts (it is logged when it ends).
pub async fn pick(call_id: &str, record_id: &RecordId) -> Result<FromWorker, GlueError> {
    let live = latest_state()
        .and_then(|s| s.live_call().map(|c| c.call_id.clone()))
        .is_some_and(|id| id == call_id);
    if !live {
        return Ok(FromWorker::error(
            "CALL_OVER",
            "the call has ended: its Task is written",
        ));
    }
    let card = cached_load(&CARD, CALLER).await?;
    let Some(mut card) = card.filter(|c| c.call_id == call_id) else {
        return Ok(FromWorker::error("NO_CARD", "no caller card for this call"));
    };
    if !card.pick(record_id) {
        return Ok(FromWorker::error(
            "NOT_ON_CARD",
            "this record is not on the caller's card",
        ));
    }
    show(card).await;
    Ok(FromWorker::Ack)
}
