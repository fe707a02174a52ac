//! The docked panel's wrap-up of a call: memo tags, subject, the record (from the card, a
//! search, or a Lead or Contact made for an unknown caller) and its pin. The decisions are the
//! desk's (`crate::desk::wrapup`); this file checks who asks, runs the search and the create
//! (one API call each), and hands the desk what it acts on.

use std::cell::RefCell;
use std::collections::BTreeMap;

use super::client::{call, CallError};
use super::logging::locale;
use super::{runner, store};
use crate::calllog::CallerMatch;
use crate::desk::{Input, Reply};
use crate::protocol::{
    Ack, NewRecordKind, PanelEdit, PanelNewRecord, PanelSearch, PanelWrapUp, Refusal, SearchFound,
};
use crate::salesforce::id::RecordId;
use crate::salesforce::lightning::record_url;
use crate::salesforce::lookup::encode_query_value;
use crate::salesforce::new_caller::{full_name, new_record_body};
use crate::salesforce::search::{parse_found, search_sosl};

/// Tabs whose last search results are remembered (one list each).
const SEARCHES_KEPT: usize = 20;

thread_local! {
    /// What each tab's last search found: the records a panel may put a Task on besides its
    /// card. A stopped worker forgets them (the panel then asks for a new search).
    /// By tab, with the org searched: a record of another org (the logging org changed since)
    /// is not taken.
    static FOUND: RefCell<BTreeMap<i32, (String, Vec<CallerMatch>)>> = const { RefCell::new(BTreeMap::new()) };
    /// Calls a Lead or Contact is being made for.
    static CREATING: RefCell<std::collections::BTreeSet<String>> = const { RefCell::new(std::collections::BTreeSet::new()) };
}

/// Only the logging org's panel, for a call it shows, changes that call's wrap-up.
async fn check_panel(tab: Option<i32>, call_id: &str) -> Result<String, Refusal> {
    let (shows, org) = runner::read(|d| (d.panel_shows(tab, call_id), d.logging_org.clone()))
        .await
        .map_err(Refusal::from)?;
    match (shows, org) {
        (true, Some(org)) => Ok(org),
        _ => Err(Refusal::new(
            "NO_CARD",
            "this panel does not show that call",
        )),
    }
}

fn refused(reply: Reply, what: &str) -> Result<Ack, Refusal> {
    match reply {
        Reply::Error(code) => Err(Refusal::new(code, what)),
        _ => Ok(Ack {}),
    }
}

/// One edit of the wrap-up of the call the panel of `tab` shows.
pub async fn edit(tab: Option<i32>, request: PanelWrapUp) -> Result<Ack, Refusal> {
    let PanelWrapUp { call_id, edit } = request;
    let org_id = check_panel(tab, &call_id).await?;
    let input = match edit {
        PanelEdit::Memo { tags } => Input::Memo { call_id, tags },
        PanelEdit::Subject { text } => Input::Subject { call_id, text },
        PanelEdit::Pin { on } => Input::Pin { call_id, on },
        PanelEdit::Record { record_id } => {
            // A record this panel was shown: its card's, or its last search's; never an id
            // the page made up.
            let on_card = runner::read(|d| {
                d.card_of(&call_id)
                    .and_then(|c| c.matches.iter().find(|m| m.id == record_id).cloned())
            })
            .await
            .map_err(Refusal::from)?;
            let found = on_card.or_else(|| {
                FOUND.with(|f| {
                    tab.and_then(|t| f.borrow().get(&t).cloned())
                        .filter(|(org, _)| *org == org_id)
                        .and_then(|(_, list)| list.into_iter().find(|m| m.id == record_id))
                })
            });
            let Some(record) = found else {
                return Err(Refusal::new(
                    "SEARCH_AGAIN",
                    "that record was not among the results: search again",
                ));
            };
            Input::Relink { call_id, record }
        }
    };
    let reply = runner::submit(input).await.map_err(Refusal::from)?;
    refused(reply, "the wrap-up was not kept")
}

/// One SOSL request for what the user typed, in the logging org.
pub async fn search(tab: Option<i32>, request: PanelSearch) -> Result<SearchFound, Refusal> {
    let org_id = check_panel(tab, &request.call_id).await?;
    let org = store::org(&org_id)
        .await?
        .ok_or_else(|| CallError::new("NOT_LOGGED_IN", "open a Salesforce page of this org"))?;
    let capabilities = org
        .capabilities
        .as_ref()
        .ok_or_else(|| CallError::new(org.state.as_str(), "the org is not known yet"))?;
    if let Some(code) = capabilities.lookup_blocked() {
        return Err(CallError::new(code, "records cannot be searched"));
    }
    let region = runner::read(|d| d.region()).await?;
    let sosl = search_sosl(&request.query, &capabilities.searchable, region)
        .map_err(|e| CallError::new(e.code(), "nothing to search for"))?;
    let path = format!("/search/?q={}", encode_query_value(&sosl));
    let body = call(&org_id, "GET", &path, None).await?;
    let records = parse_found(&body, &org.ui_host)
        .map_err(|_| CallError::new("BAD_RESPONSE", "the search answer could not be read"))?;
    if let Some(tab) = tab {
        FOUND.with(|f| {
            let mut f = f.borrow_mut();
            f.insert(tab, (org_id.clone(), records.clone()));
            while f.len() > SEARCHES_KEPT {
                let first = *f.keys().next().expect("not empty");
                f.remove(&first);
            }
        });
    }
    Ok(SearchFound { records })
}

/// The caller is not in the org: one `POST /sobjects/Lead` (or Contact) with the call's
/// number, and the call's Task goes on it. One at a time per call: a second request while the
/// first is out makes no second record.
pub async fn new_record(tab: Option<i32>, request: PanelNewRecord) -> Result<Ack, Refusal> {
    let org_id = check_panel(tab, &request.call_id).await?;
    if !CREATING.with(|c| c.borrow_mut().insert(request.call_id.clone())) {
        return Err(Refusal::new("ALREADY_CREATING", "the record is being made"));
    }
    let call_id = request.call_id.clone();
    let made = make_record(org_id, request).await;
    CREATING.with(|c| c.borrow_mut().remove(&call_id));
    made
}

async fn make_record(org_id: String, request: PanelNewRecord) -> Result<Ack, Refusal> {
    if request.object == NewRecordKind::Lead && request.company.trim().is_empty() {
        return Err(Refusal::new("COMPANY_REQUIRED", "a Lead needs a company"));
    }
    let number = runner::read(|d| {
        d.draft_record(&request.call_id, super::client::now_ms())
            .map(|r| r.remote_number)
    })
    .await
    .map_err(Refusal::from)?
    .ok_or_else(|| Refusal::new("UNKNOWN_CALL", "the call is not known"))?;
    let org = store::org(&org_id)
        .await?
        .ok_or_else(|| CallError::new("NOT_LOGGED_IN", "open a Salesforce page of this org"))?;
    let object = request.object.object();
    let body = new_record_body(&request, &number);
    let created = call(&org_id, "POST", &format!("/sobjects/{object}"), Some(&body)).await?;
    let id = created["id"]
        .as_str()
        .and_then(|id| RecordId::parse(id).ok())
        .ok_or_else(|| CallError::new("BAD_RESPONSE", "Salesforce gave no id for the record"))?;
    let record = CallerMatch {
        object: object.to_string(),
        url: record_url(&org.ui_host, object, &id),
        id,
        name: full_name(&request.first_name, &request.last_name, locale()),
        account_id: None,
        detail: Some(request.company.trim().to_string()).filter(|c| !c.is_empty()),
        // Its creator owns it: the user, as the fallback says.
        owner_id: None,
    };
    let reply = runner::submit(Input::Relink {
        call_id: request.call_id,
        record,
    })
    .await
    .map_err(Refusal::from)?;
    refused(
        reply,
        "the record was made, but the call's Task could not be put on it",
    )
}
