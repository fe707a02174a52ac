//! The service worker: validates every message, is the only Salesforce client, and keeps its
//! state in `chrome.storage` (the worker may be stopped whenever it is idle).
//!
//! Everything about a call's life goes to the call desk through its one runner (`runner`);
//! the other modules do not import each other except through it: `phone` runs the engine's
//! document, `connection` learns an org, `logging` makes the desk's requests, `client` is the
//! REST client, `store` the storage.

mod client;
mod connection;
mod diagnostics;
mod dial;
mod history;
mod logging;
mod notify;
mod oauth;
mod phone;
mod policy;
mod runner;
mod serial;
mod store;
mod wrapup;

use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::call::PhoneCommand;
use crate::calllog::{
    check_mapping, AssigneeRule, CallRecord, Direction, KnownRecord, MappingProblem, TaskDescribe,
};
use crate::desk::{Input, Log, Reply};
use crate::glue::chrome;
use crate::glue::js::{from_js, string_prop, to_js, GlueError};
use crate::protocol::{
    parse_to_worker, sender_context, Ack, CallLogList, CallLogReport, CallLogged, CallLogs,
    ConfirmDial, ConnectSalesforce, ContentCandidates, ContentDial, ContentHello, ContentSetup,
    ContentStarted, Diagnostics, DialReport, DisconnectSalesforce, FieldMappingIs,
    FieldMappingSaved, FromContent, FromOptions, FromPhone, FromWorker, GetFieldMapping, LogCall,
    LogTestCall, Lookup, OptionsPhoneSettings, OptionsSavePhoneSettings, OptionsStatus, PageReport,
    PanelConnectSalesforce, PanelNewRecord, PanelNotes, PanelRetryLog, PanelSearch, PanelShowCall,
    PanelWrapUp, Phone, PhoneHello, PhoneReady, PhoneReport, PhoneReportAck, PhoneStatus,
    PhoneTranscript, PickCaller, RecordCalls, Refusal, Request, ResetOrgData, RetryAllLogs,
    RetryCallLog, SaveConsumerKey, SaveDialRules, SaveFieldMapping, SaveLogPolicy, SaveLoggingOrg,
    SaveLookupPriority, SearchUsers, SenderContext, Status, ToTab, ToWorker, UpdateMemo,
    UpdateTranscript, UsersFound,
};
use crate::salesforce::host;
use crate::salesforce::lookup::encode_query_value;
use crate::salesforce::users::{assignee_problem, parse_users, user_query, users_query};

/// Entry point for `chrome.runtime.onMessage`: always answers, never throws.
#[wasm_bindgen]
pub async fn worker_handle_message(message: JsValue, sender: JsValue) -> JsValue {
    let reply = handle(message, &sender).await.unwrap_or_else(|e| {
        web_sys::console::warn_1(&format!("worker: {}: {}", e.code, e.message).into());
        FromWorker::Error(e)
    });
    // Serialising our own reply type cannot fail; fall back to null rather than throw.
    to_js(&reply).unwrap_or(JsValue::NULL)
}

/// What a handler of requests answers: the request's own reply, or why not.
type Answered = Result<FromWorker, Refusal>;

/// Answers request `Q` with its own reply type: the compiler holds each arm of the dispatch
/// below to the request it handles.
fn answer<Q: Request>(reply: Result<Q::Reply, impl Into<Refusal>>) -> Answered {
    reply.map(Into::into).map_err(Into::into)
}

async fn handle(message: JsValue, sender: &JsValue) -> Answered {
    let sender_url = string_prop(sender, "url").unwrap_or_default();
    let context = sender_context(&sender_url, &chrome::extension_origin()).ok_or_else(|| {
        Refusal::new(
            "BAD_SENDER",
            "messages are taken from Salesforce pages and our own pages only",
        )
    })?;
    let json: Value = from_js(message)?;
    let message = parse_to_worker(context, json).map_err(|e| Refusal::new("BAD_MESSAGE", e.0))?;
    // The framed panel speaks for the Lightning page of its tab: that page's URL (Chromium's
    // word, readable by our host permission) is what names the org, as a content script's own
    // URL does.
    let page_url = match context {
        SenderContext::PanelFrame => framing_page(sender)?,
        _ => sender_url,
    };
    match message {
        ToWorker::Content(message) => from_content(message, &page_url, sender).await,
        ToWorker::Options(message) => from_options(message).await,
        ToWorker::Phone(message) => from_phone(message).await,
    }
}

/// The Lightning page a framed panel is docked in; refused in any other tab.
fn framing_page(sender: &JsValue) -> Result<String, Refusal> {
    let tab = js_sys::Reflect::get(sender, &"tab".into()).unwrap_or(JsValue::UNDEFINED);
    let url = string_prop(&tab, "url").unwrap_or_default();
    match sender_context(&url, &chrome::extension_origin()) {
        Some(SenderContext::SalesforcePage) => Ok(url),
        _ => Err(Refusal::new(
            "BAD_SENDER",
            "the docked phone's frame is taken only in a Salesforce page",
        )),
    }
}

/// A content script's message (the scanner's, or the docked panel's).
async fn from_content(message: FromContent, sender_url: &str, sender: &JsValue) -> Answered {
    match message {
        FromContent::ContentHello(_) => answer::<ContentHello>(
            runner::read(|d| ContentSetup {
                region: d.region().to_string(),
            })
            .await,
        ),
        FromContent::ContentStarted(started) => {
            answer::<ContentStarted>(content_started(started, sender_url).await)
        }
        FromContent::ContentDial(dial) => {
            let tab = tab_id(sender);
            let dialled = content_dial(dial, sender_url, tab).await;
            if let (Err(refusal), Some(tab)) = (&dialled, tab) {
                phone::tell_tab(
                    tab,
                    &ToTab::DialRefused {
                        code: refusal.code.clone(),
                    },
                )
                .await;
            }
            answer::<ContentDial>(dialled)
        }
        FromContent::ConfirmDial(ConfirmDial { dial_id, dial }) => answer::<ConfirmDial>(
            match runner::submit(Input::ConfirmDial { dial_id, dial }).await? {
                Reply::Error(code) => Err(Refusal::new(code, "the dial is not waiting")),
                _ => Ok(Ack {}),
            },
        ),
        FromContent::ContentCandidates(ContentCandidates { page, fields }) => {
            let region = runner::read(|d| d.region()).await?;
            answer::<ContentCandidates>(Ok::<_, Refusal>(dial::candidates(&page, &fields, region)))
        }
        FromContent::PhoneHello(_) => answer::<PhoneHello>(phone_hello(sender, sender_url).await),
        FromContent::PickCaller(PickCaller { call_id, record_id }) => answer::<PickCaller>(
            match runner::submit(Input::Pick {
                call_id,
                record_id,
                tab: tab_id(sender),
            })
            .await?
            {
                Reply::Error(code) => Err(Refusal::new(code, "the caller was not picked")),
                _ => Ok(Ack {}),
            },
        ),
        FromContent::PanelNotes(PanelNotes { call_id, text }) => {
            // As a retry: only the logging org's panel, for a call it shows.
            let tab = tab_id(sender);
            let allowed = runner::read(|d| d.panel_shows(tab, &call_id)).await?;
            if !allowed {
                return answer::<PanelNotes>(Err(Refusal::new(
                    "NO_CARD",
                    "this panel does not show that call",
                )));
            }
            answer::<PanelNotes>(
                match runner::submit(Input::Notes { call_id, text }).await? {
                    Reply::Error(code) => Err(Refusal::new(code, "the notes were not kept")),
                    _ => Ok(Ack {}),
                },
            )
        }
        FromContent::PanelConnectSalesforce(PanelConnectSalesforce {}) => {
            answer::<PanelConnectSalesforce>(oauth::open_options().await.map(|_| Ack {}))
        }
        FromContent::PanelRetryLog(PanelRetryLog { call_id }) => {
            // Only a panel that was shown the call's Task (the logging org's tab) retries it,
            // and only the call it shows: a page cannot make the worker resend other logs.
            let tab = tab_id(sender);
            let allowed = runner::read(|d| d.panel_shows(tab, &call_id)).await?;
            if !allowed {
                return answer::<PanelRetryLog>(Err(Refusal::new(
                    "NO_CARD",
                    "this panel does not show that call",
                )));
            }
            answer::<PanelRetryLog>(log_reply(Input::Retry { call_id }).await.map(|_| Ack {}))
        }
        FromContent::PanelShowCall(PanelShowCall { call_id }) => {
            let Some(tab) = tab_id(sender) else {
                return answer::<PanelShowCall>(Err(Refusal::new("NO_CARD", "no tab")));
            };
            answer::<PanelShowCall>(
                match runner::submit(Input::ShowCall { tab, call_id }).await? {
                    Reply::Error(code) => Err(Refusal::new(code, "that call cannot be shown here")),
                    _ => Ok(Ack {}),
                },
            )
        }
        FromContent::RecordCalls(request) => {
            answer::<RecordCalls>(history::calls(tab_id(sender), sender_url, request).await)
        }
        FromContent::PanelWrapUp(request) => {
            answer::<PanelWrapUp>(wrapup::edit(tab_id(sender), request).await)
        }
        FromContent::PanelSearch(request) => {
            answer::<PanelSearch>(wrapup::search(tab_id(sender), request).await)
        }
        FromContent::PanelNewRecord(request) => {
            answer::<PanelNewRecord>(wrapup::new_record(tab_id(sender), request).await)
        }
        FromContent::Phone(Phone { mut action }) => {
            // Only the desk gives dials their id (a click-to-call's): none from a page.
            if let PhoneCommand::Dial { dial_id, .. } = &mut action {
                *dial_id = None;
            }
            answer::<Phone>(phone::command(action).await)
        }
    }
}

async fn content_started(started: ContentStarted, sender_url: &str) -> Result<Ack, Refusal> {
    let page_host = page_host(sender_url);
    store::remember_page(PageReport {
        host: page_host.clone(),
        mode: started.mode,
        phone_fields: started.phone_fields,
        at_ms: client::now_ms(),
    })
    .await?;
    if host::classify(&page_host).is_some() {
        if let Some(org_id) = connection::on_page(sender_url, &page_host).await {
            // A page with a session: calls are logged in its org, and what waited for one
            // goes now.
            let user_id = store::org(&org_id)
                .await?
                .and_then(|o| o.capabilities.and_then(|c| c.user_id));
            runner::submit(Input::PageSession { org_id, user_id }).await?;
        }
    }
    Ok(Ack {})
}

async fn content_dial(
    dial: ContentDial,
    sender_url: &str,
    tab: Option<i32>,
) -> Result<Ack, Refusal> {
    let ContentDial {
        number,
        extension,
        record,
    } = dial;
    // Kept for diagnostics; the phone dials it.
    store::store(
        "lastDial",
        &DialReport {
            number: number.clone(),
            extension: extension.clone(),
            record: record.clone(),
        },
    )
    .await?;
    if !phone::settings().await?.is_configured() {
        return Err(phone::not_configured());
    }
    // The extension goes after a pause (`0312345678,123`): the phone dials it once answered.
    let region = runner::read(|d| d.region()).await?;
    let number = crate::number::dial_form_with(&number, extension.as_deref(), region);
    // Without the record's name the Task's subject would have a hole: the logging request
    // then finds the record (and its name) by number instead.
    let record = record.and_then(|r| {
        Some(KnownRecord {
            object: r.object_api_name,
            id: r.record_id,
            name: r.display_name?,
            account_id: None,
            // Not on the page: the "record owner" assignee then falls back to the user.
            owner_id: None,
        })
    });
    let org_id = org_of_page(sender_url).await.ok();
    match runner::submit(Input::Dial {
        dial_id: dial_id(),
        number,
        record,
        org_id,
        tab,
    })
    .await?
    {
        Reply::Error(code) => Err(Refusal::new(code, "the dial was refused")),
        _ => Ok(Ack {}),
    }
}

async fn phone_hello(sender: &JsValue, sender_url: &str) -> Result<PhoneStatus, Refusal> {
    let tab = tab_id(sender);
    if let Some(tab) = tab {
        let org_id = connection::org_of(sender_url, &page_host(sender_url)).await;
        runner::submit(Input::PanelHello { tab, org_id }).await?;
    }
    let (parts, region) = runner::read(|d| (runner::view_parts(d, tab), d.region())).await?;
    let (state, notes) = runner::panel_view(parts).await;
    Ok(PhoneStatus {
        state: phone::panel_started(state).await?,
        notes,
        region: region.to_string(),
    })
}

/// A message of the options page.
async fn from_options(message: FromOptions) -> Answered {
    match message {
        FromOptions::OptionsStatus(_) => answer::<OptionsStatus>(status().await),
        FromOptions::SaveDialRules(SaveDialRules { rules }) => answer::<SaveDialRules>(
            runner::submit(Input::SetDialRules { rules })
                .await
                .map(|_| Ack {}),
        ),
        FromOptions::SearchUsers(SearchUsers { org_id, query }) => {
            answer::<SearchUsers>(search_users(&org_id, &query).await)
        }
        FromOptions::SaveLogPolicy(SaveLogPolicy { policy }) => answer::<SaveLogPolicy>(
            runner::submit(Input::SetLogPolicy { policy })
                .await
                .map(|_| Ack {}),
        ),
        FromOptions::ConnectSalesforce(ConnectSalesforce { org_id }) => {
            let connected = oauth::connect(&org_id).await;
            if let Err(e) = &connected {
                diagnostics::oauth_failed(&org_id, &e.code).await;
            }
            answer::<ConnectSalesforce>(connected.map(|_| Ack {}))
        }
        FromOptions::Diagnostics(Diagnostics {}) => {
            answer::<Diagnostics>(diagnostics::report().await)
        }
        FromOptions::ResetOrgData(ResetOrgData {}) => {
            answer::<ResetOrgData>(diagnostics::reset_orgs().await.map(|_| Ack {}))
        }
        FromOptions::RetryAllLogs(RetryAllLogs {}) => {
            answer::<RetryAllLogs>(diagnostics::retry_failed().await.map(|_| Ack {}))
        }
        FromOptions::DisconnectSalesforce(DisconnectSalesforce { org_id }) => {
            answer::<DisconnectSalesforce>(oauth::disconnect(&org_id).await.map(|_| Ack {}))
        }
        FromOptions::SaveConsumerKey(SaveConsumerKey { consumer_key }) => {
            answer::<SaveConsumerKey>(
                oauth::save_consumer_key(&consumer_key)
                    .await
                    .map(|_| Ack {}),
            )
        }
        FromOptions::SaveLoggingOrg(SaveLoggingOrg { org_id }) => answer::<SaveLoggingOrg>(
            runner::submit(Input::ChooseLoggingOrg { org_id })
                .await
                .map(|_| Ack {}),
        ),
        FromOptions::SaveLookupPriority(SaveLookupPriority { priority }) => {
            if policy::current().await.lookup_priority.is_some() {
                return Err(Refusal::new(
                    "SET_BY_ADMIN",
                    "the lookup order is set by policy",
                ));
            }
            answer::<SaveLookupPriority>(
                store::store("lookupPriority", &priority)
                    .await
                    .map(|()| Ack {}),
            )
        }
        FromOptions::Lookup(Lookup { number, org_id }) => {
            answer::<Lookup>(connection::lookup(&org_id, &number).await)
        }
        FromOptions::LogCall(LogCall { org_id, call }) => answer::<LogCall>(
            log_reply(Input::LogCall {
                org_id,
                call: *call,
            })
            .await,
        ),
        FromOptions::LogTestCall(LogTestCall { org_id, number }) => answer::<LogTestCall>(
            log_reply(Input::LogCall {
                org_id,
                call: test_call(&number),
            })
            .await,
        ),
        FromOptions::UpdateMemo(UpdateMemo { call_id, tags }) => {
            answer::<UpdateMemo>(log_reply(Input::Memo { call_id, tags }).await)
        }
        FromOptions::UpdateTranscript(UpdateTranscript { call_id, text }) => {
            answer::<UpdateTranscript>(log_reply(Input::Transcript { call_id, text }).await)
        }
        FromOptions::RetryCallLog(RetryCallLog { call_id }) => {
            answer::<RetryCallLog>(log_reply(Input::Retry { call_id }).await)
        }
        FromOptions::GetFieldMapping(GetFieldMapping { org_id }) => {
            answer::<GetFieldMapping>(field_mapping(org_id).await)
        }
        FromOptions::SaveFieldMapping(save) => {
            answer::<SaveFieldMapping>(save_field_mapping(save).await)
        }
        FromOptions::CallLogs(_) => answer::<CallLogs>(call_logs().await),
        FromOptions::OptionsPhoneSettings(_) => {
            answer::<OptionsPhoneSettings>(phone::settings_view().await)
        }
        FromOptions::OptionsSavePhoneSettings(OptionsSavePhoneSettings { settings }) => {
            answer::<OptionsSavePhoneSettings>(phone::save_settings(settings).await)
        }
        FromOptions::Phone(Phone { action }) => answer::<Phone>(phone::command(action).await),
    }
}

async fn status() -> Result<Status, GlueError> {
    let (logging_org, dial_rules, log_policy, managed) = runner::read(|d| {
        (
            d.logging_org.clone(),
            d.dial_rules(),
            d.log_policy(),
            d.policy.locked(),
        )
    })
    .await?;
    let orgs = store::orgs().await?;
    Ok(Status {
        oauth_orgs: oauth::connected(&orgs).await,
        consumer_key: oauth::consumer_key().await,
        oauth_callback: oauth::redirect_uri(),
        orgs,
        pages: store::pages().await?,
        last_dial: store::load("lastDial").await?,
        lookup_priority: connection::lookup_priority().await,
        logging_org,
        dial_rules,
        log_policy,
        managed,
        policy_problems: policy::problems(),
    })
}

async fn save_field_mapping(save: SaveFieldMapping) -> Result<FieldMappingSaved, Refusal> {
    let SaveFieldMapping { org_id, mapping } = save;
    if policy::current().await.field_mapping.is_some() {
        return Err(Refusal::new(
            "SET_BY_ADMIN",
            "the field mapping is set by policy",
        ));
    }
    let org = store::org(&org_id).await?;
    let task = org
        .and_then(|o| o.capabilities)
        .and_then(|c| c.task)
        .ok_or_else(|| {
            GlueError::new("TASK_NOT_CREATEABLE", "the org's Task fields are not known")
        })?;
    let describe = TaskDescribe {
        types: &task.types,
        createable: &task.createable,
    };
    let mut problems = check_mapping(&mapping, &describe);
    // The one user every Task goes to: active and able to own Tasks (checked here, once).
    if let AssigneeRule::User { id, name } = &mapping.assignee {
        let path = format!("/query?q={}", encode_query_value(&user_query(id)));
        let body = client::call(&org_id, "GET", &path, None).await?;
        if let Some(code) = assignee_problem(&body, id) {
            problems.push(MappingProblem {
                setting: "assignee".into(),
                code: code.into(),
                detail: name.clone(),
            });
        }
    }
    if problems.is_empty() {
        store::store(&logging::mapping_key(&org_id), &mapping).await?;
    }
    Ok(FieldMappingSaved { problems })
}

/// The mapping an org's Task gets (the first org's when none is named).
async fn field_mapping(org_id: Option<String>) -> Result<FieldMappingIs, Refusal> {
    let org_id = match org_id {
        Some(id) => id,
        None => store::orgs()
            .await?
            .first()
            .map(|o| o.org_id.clone())
            .unwrap_or_default(),
    };
    Ok(FieldMappingIs {
        mapping: logging::mapping(&org_id).await?,
    })
}

async fn search_users(org_id: &str, query: &str) -> Result<UsersFound, Refusal> {
    let path = format!("/query?q={}", encode_query_value(&users_query(query)));
    let body = client::call(org_id, "GET", &path, None).await?;
    let users = parse_users(&body)
        .ok_or_else(|| Refusal::new("BAD_RESPONSE", "the user query's answer could not be read"))?;
    Ok(UsersFound { users })
}

async fn call_logs() -> Result<CallLogList, GlueError> {
    let (logs, unreadable) = runner::read(|d| {
        let mut logs: Vec<&Log> = d.logs.values().collect();
        logs.sort_by_key(|l| l.entry.stored_at_ms);
        (logs.into_iter().map(report).collect(), d.unreadable.clone())
    })
    .await?;
    Ok(CallLogList { logs, unreadable })
}

/// A message of the phone engine's document.
async fn from_phone(message: FromPhone) -> Answered {
    match message {
        FromPhone::PhoneReady(_) => {
            runner::submit(Input::EngineStarted).await?;
            answer::<PhoneReady>(phone::ready().await)
        }
        FromPhone::PhoneReport(PhoneReport { state, seq, ended }) => {
            // A line that turns to a failure is kept for the diagnostics.
            let before = runner::read(|d| d.phone.line).await.ok();
            if before != Some(state.line) && state.line.is_failure() {
                let code = serde_json::to_value(state.line).unwrap_or_default();
                diagnostics::line_failed(code.as_str().unwrap_or_default()).await;
            }
            let stored = match runner::submit(Input::PhoneReport { state, seq, ended }).await? {
                Reply::Stored(stored) => stored,
                _ => vec![],
            };
            answer::<PhoneReport>(Ok::<_, Refusal>(PhoneReportAck { stored }))
        }
        FromPhone::PhoneTranscript(PhoneTranscript { call_id, text }) => {
            answer::<PhoneTranscript>(log_reply(Input::Transcript { call_id, text }).await)
        }
    }
}

/// A fresh id for a click-to-call (128 random bits).
fn dial_id() -> String {
    format!("dial-{}", random_hex(16))
}

/// `bytes` random bytes from the worker's `crypto.getRandomValues`, in hex.
fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    let _ = random_bytes(&mut buffer);
    hex(&buffer)
}

/// Fills `buffer` from the worker's `crypto.getRandomValues`.
fn random_bytes(buffer: &mut [u8]) -> Result<(), JsValue> {
    let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    scope.crypto()?.get_random_values_with_u8_array(buffer)?;
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// How long a reply about a log waits for its request in flight: the user sees what became
/// of it (the options page's test log, a retry, a memo) rather than "sent".
const SETTLE_WAIT_MS: u64 = crate::outbox::REQUEST_TIMEOUT_MS + 5_000;

/// Hands the desk a log input, then answers with the log once its request has an answer (or
/// after `SETTLE_WAIT_MS`: it goes on without the reply).
async fn log_reply(input: Input) -> Result<CallLogged, Refusal> {
    let id = match runner::submit(input).await? {
        Reply::Log(id) => id,
        Reply::Error(code) => return Err(Refusal::new(code, "no logged call has this id")),
        _ => {
            return Err(Refusal::new(
                "UNKNOWN_CALL",
                "the desk kept no log for this",
            ))
        }
    };
    let until = client::now_ms() + SETTLE_WAIT_MS;
    loop {
        let log = runner::read(|d| d.logs.get(&id).cloned()).await?;
        let busy = log
            .as_ref()
            .is_some_and(|l| l.awaiting_answer(client::now_ms()));
        let Some(log) = log else {
            return Err(Refusal::new("UNKNOWN_CALL", "no logged call has this id"));
        };
        if !busy || client::now_ms() >= until {
            return Ok(CallLogged { log: report(&log) });
        }
        client::sleep(100).await;
    }
}

fn tab_id(sender: &JsValue) -> Option<i32> {
    let tab = js_sys::Reflect::get(sender, &"tab".into()).ok()?;
    let id = js_sys::Reflect::get(&tab, &"id".into()).ok()?.as_f64()?;
    Some(id as i32)
}

fn page_host(url: &str) -> String {
    url.split("://")
        .nth(1)
        .and_then(|rest| rest.split(['/', '?', '#', ':']).next())
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// The org a Salesforce page belongs to (its `sid` names it).
async fn org_of_page(url: &str) -> Result<String, GlueError> {
    connection::on_page(url, &page_host(url))
        .await
        .ok_or_else(|| GlueError::new("NOT_LOGGED_IN", "this page has no Salesforce session"))
}

fn report(log: &Log) -> CallLogReport {
    CallLogReport {
        call_id: log.entry.call_id.clone(),
        org_id: log.entry.org_id.clone(),
        delivery: log.entry.delivery.clone(),
        attempts: log.entry.attempts,
        remote_number: log.call.remote_number.clone(),
        linked: log.linked.clone(),
        dropped: log.dropped.clone(),
        warnings: log.warnings.clone(),
        changes_waiting: log.task_id().is_some() && !log.settled(),
    }
}

/// The options page's test: a three-minute outbound call to `number`, logged like a real one
/// (looked up and logged in one request).
fn test_call(number: &str) -> CallRecord {
    let now = js_sys::Date::now() as i64;
    CallRecord {
        call_id: format!("test-{now}"),
        direction: Direction::Outbound,
        remote_number: number.to_string(),
        dial_started_ms: now - 190_000,
        answered_ms: Some(now - 180_000),
        ended_ms: Some(now),
        record: None,
        lookup_done: false,
        local_extension: None,
        memo_tags: vec![],
        comments: chrome::text("testCallComment"),
        transcript: None,
        transferred_to: None,
        subject: None,
    }
}

/// Called when the worker starts and on its alarm: whatever the desk has due goes (once: the
/// desk's lane serialises the two, and a log in flight holds its lease).
#[wasm_bindgen]
pub async fn worker_resume() {
    if let Err(e) = runner::submit(Input::Wake).await {
        web_sys::console::warn_1(&format!("worker: resuming the call desk: {}", e.code).into());
    }
}
