//! The panel's "This record" tab: a record's logged calls, in one API call per record view,
//! kept for a short while (a tab switched back and forth asks once) and forgotten when a call
//! on the record is logged.

use std::cell::RefCell;
use std::collections::BTreeMap;

use super::client::{now_ms, CallError};
use super::{logging, runner, store};
use crate::calllog::{history_request, parse_history, FieldMapping, RecordHistory};
use crate::protocol::{RecordCalls, Refusal};
use crate::salesforce::id::RecordId;
use crate::salesforce::lightning::record_in_view;

/// How long a record's calls are reused.
const FRESH_MS: u64 = 30_000;
const RECORDS_KEPT: usize = 20;

thread_local! {
    /// By org and record: a sandbox shares its production org's ids, and the logging org may
    /// change between two views.
    static SEEN: RefCell<BTreeMap<(String, RecordId), (u64, RecordHistory)>> = const { RefCell::new(BTreeMap::new()) };
}

/// A call on `record` was logged (or moved to it): its list is read again next time.
pub fn forget(record: &RecordId) {
    SEEN.with(|s| s.borrow_mut().retain(|(_, id), _| id != record));
}

/// The calls of the record the sender's page shows, for the logging org's panel only.
pub async fn calls(
    tab: Option<i32>,
    page_url: &str,
    request: RecordCalls,
) -> Result<RecordHistory, Refusal> {
    let RecordCalls { object, record_id } = request;
    // The record in view, and nothing else: a page cannot read another record's calls.
    let path = page_url
        .split("://")
        .nth(1)
        .and_then(|rest| rest.find('/').map(|at| &rest[at..]))
        .unwrap_or_default();
    let in_view = record_in_view(path.split(['?', '#']).next().unwrap_or_default());
    if in_view.as_ref() != Some(&(object.clone(), record_id.clone())) {
        return Err(Refusal::new(
            "NO_CARD",
            "that record is not the one in view",
        ));
    }
    let (shows, org_id) =
        runner::read(|d| (tab.is_some_and(|t| d.shows_notes(t)), d.logging_org.clone()))
            .await
            .map_err(Refusal::from)?;
    let (true, Some(org_id)) = (shows, org_id) else {
        return Err(Refusal::new(
            "NO_CARD",
            "calls are shown in the logging org's tabs",
        ));
    };
    let key = (org_id.clone(), record_id.clone());
    if let Some(fresh) = SEEN.with(|s| {
        s.borrow()
            .get(&key)
            .filter(|(at, _)| now_ms() < at + FRESH_MS)
            .map(|(_, h)| h.clone())
    }) {
        return Ok(fresh);
    }
    let org = store::org(&org_id)
        .await?
        .ok_or_else(|| CallError::new("NOT_LOGGED_IN", "open a Salesforce page of this org"))?;
    if let Some(code) = org.capabilities.as_ref().and_then(|c| c.lookup_blocked()) {
        // An edition without the API: said, in the user's words.
        return Err(CallError::new(code, "the org's API is not available"));
    }
    let mapping = logging::mapping(&org_id).await?;
    let memo = FieldMapping::mapped(&mapping.memo_field);
    let request = history_request(&object, &record_id, memo)
        .ok_or_else(|| CallError::new("NO_CARD", "this record has no call list"))?;
    let body = logging::send(&org_id, &request).await?;
    let history = parse_history(&body, &object, memo)
        .map_err(|code| CallError::new(&code, "the calls could not be read"))?;
    SEEN.with(|s| {
        let mut s = s.borrow_mut();
        s.insert(key, (now_ms(), history.clone()));
        while s.len() > RECORDS_KEPT {
            let oldest = s
                .iter()
                .min_by_key(|(_, (at, _))| *at)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                s.remove(&k);
            }
        }
    });
    Ok(history)
}
