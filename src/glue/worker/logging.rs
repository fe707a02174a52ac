//! Call logging in the worker: every call record goes through the durable outbox (written to
//! storage before any request), becomes one Task in one API call, and later memo / transcript
//! changes cost one call each. The decisions are the core's (`calllog`, `outbox`); this file
//! only stores, sends and records.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::client::{call, now_ms, CallError};
use super::store;
use crate::calllog::{
    interpret_composite, memo_update, plan_logging, transcript_update, ApiRequest, CallRecord,
    DroppedField, FieldMapping, KnownRecord, Locale, LoggingPlan, LookupAccess, TaskFieldAccess,
    UserContext,
};
use crate::outbox::{verify_query, Delivery, OutboxEntry, Outcome, Step};
use crate::protocol::OrgReport;
use crate::salesforce::id::RecordId;
use crate::salesforce::lookup::encode_query_value;

/// One logged (or to-be-logged) call, as kept in storage under `outbox`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoggedCall {
    pub entry: OutboxEntry,
    pub call: CallRecord,
    #[serde(default)]
    pub linked: Option<KnownRecord>,
    #[serde(default)]
    pub dropped: Vec<DroppedField>,
    /// Problems that did not stop the Task from being written (a link refused, …).
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Changes kept in `call` that the Task does not have yet (their request failed): sent
    /// again by `resume`, so a memo or transcript is never lost.
    #[serde(default)]
    pub unsynced: Vec<Change>,
}

/// A change to a written Task: each costs one API call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Change {
    Memo,
    Transcript,
}

/// How soon a failed change is tried again (the outbox alarm also wakes a stopped worker).
const CHANGE_RETRY_MS: u64 = 5_000;

async fn all() -> Result<Vec<LoggedCall>, CallError> {
    Ok(store::load("outbox").await?.unwrap_or_default())
}

async fn save(logged: &LoggedCall) -> Result<(), CallError> {
    let mut calls = all().await?;
    match calls
        .iter_mut()
        .find(|c| c.entry.call_id == logged.entry.call_id)
    {
        Some(slot) => *slot = logged.clone(),
        None => calls.push(logged.clone()),
    }
    // Keep the recent history small: finished logs beyond the last 200 are dropped.
    let finished = calls
        .iter()
        .filter(|c| matches!(c.entry.delivery, Delivery::Done { .. }))
        .count();
    if finished > 200 {
        if let Some(pos) = calls
            .iter()
            .position(|c| matches!(c.entry.delivery, Delivery::Done { .. }))
        {
            calls.remove(pos);
        }
    }
    store::store("outbox", &calls).await?;
    Ok(())
}

pub async fn logged_calls() -> Result<Vec<LoggedCall>, CallError> {
    all().await
}

fn locale() -> Locale {
    let language = js_sys::Reflect::get(&js_sys::global(), &"navigator".into())
        .ok()
        .and_then(|n| js_sys::Reflect::get(&n, &"language".into()).ok())
        .and_then(|l| l.as_string())
        .unwrap_or_default();
    if language.starts_with("ja") {
        Locale::Ja
    } else {
        Locale::En
    }
}

fn utc_offset_minutes() -> i32 {
    -(js_sys::Date::new_0().get_timezone_offset() as i32)
}

/// What this org lets the user write, in the core's terms.
fn access_of(
    org: &OrgReport,
    mapping: &FieldMapping,
) -> Result<(TaskFieldAccess, LookupAccess, UserContext), CallError> {
    let capabilities = org
        .capabilities
        .as_ref()
        .ok_or_else(|| CallError::new(&org.state, "the org's capabilities are not known yet"))?;
    if let Some(code) = capabilities.logging_blocked() {
        return Err(CallError::new(code, "call logging is not available"));
    }
    let task = capabilities.task.clone().unwrap_or_default();
    let memo_values = mapping
        .memo_field
        .as_ref()
        .and_then(|field| task.picklists.get(field).cloned());
    let access = TaskFieldAccess {
        createable: task.createable,
        updateable: task.updateable,
        closed_status: task.closed_status,
        call_type_values: task.picklists.get("CallType").cloned(),
        memo_values,
    };
    let readable = |o: &str| capabilities.readable.iter().any(|r| r == o);
    let lookup = LookupAccess {
        contact: readable("Contact"),
        account: readable("Account"),
        lead: readable("Lead"),
    };
    let user_id = capabilities
        .user_id
        .as_deref()
        .and_then(|id| RecordId::parse(id).ok())
        .ok_or_else(|| CallError::new("NO_USER", "the Salesforce user is not known yet"))?;
    Ok((
        access,
        lookup,
        UserContext {
            user_id,
            locale: locale(),
            utc_offset_minutes: utc_offset_minutes(),
        },
    ))
}

async fn mapping() -> Result<FieldMapping, CallError> {
    Ok(store::load("fieldMapping").await?.unwrap_or_default())
}

async fn send(org_id: &str, request: &ApiRequest) -> Result<Value, CallError> {
    let method = serde_json::to_value(request.method)
        .ok()
        .and_then(|m| m.as_str().map(str::to_string))
        .unwrap_or_else(|| "POST".into());
    call(org_id, &method, &request.path, request.body.as_ref()).await
}

/// A failure's meaning for the outbox: could Salesforce have written the Task?
fn outcome_of_error(e: &CallError) -> Outcome {
    match e.code.as_str() {
        // No answer, or a server error after our bytes left: it may have been written.
        "NO_ANSWER" | "NETWORK" | "BAD_RESPONSE" | "SERVER_UNAVAILABLE" => Outcome::Unknown,
        code @ ("REQUEST_LIMIT_EXCEEDED" | "INVALID_SESSION_ID" | "NO_API_SESSION") => {
            Outcome::NotWritten {
                code: code.into(),
                retryable: true,
            }
        }
        code => Outcome::NotWritten {
            code: code.into(),
            retryable: false,
        },
    }
}

/// Accepts a finished call: stored first, then delivered. A call id seen before is not
/// logged again (the phone may repeat its message after a worker restart).
pub async fn log_call(org_id: &str, call_record: CallRecord) -> Result<LoggedCall, CallError> {
    let existing = all()
        .await?
        .into_iter()
        .find(|c| c.entry.call_id == call_record.call_id);
    let logged = match existing {
        Some(logged) => logged,
        None => {
            let logged = LoggedCall {
                entry: OutboxEntry::new(&call_record.call_id, org_id, now_ms()),
                call: call_record,
                linked: None,
                dropped: vec![],
                warnings: vec![],
                unsynced: vec![],
            };
            save(&logged).await?;
            logged
        }
    };
    deliver(logged).await
}

/// Runs the outbox steps for one call until it is done, failed or waiting.
async fn deliver(mut logged: LoggedCall) -> Result<LoggedCall, CallError> {
    let org_id = logged.entry.org_id.clone();
    // Send, or verify then send: at most a few steps, each one request.
    for _ in 0..3 {
        match logged.entry.step(now_ms()) {
            Step::Wait => break,
            Step::Verify => {
                let path = format!(
                    "/query?q={}",
                    encode_query_value(&verify_query(&logged.entry.call_id))
                );
                let outcome = match call(&org_id, "GET", &path, None).await {
                    Ok(body) => match body["records"][0]["Id"].as_str() {
                        Some(id) => Outcome::Written { task_id: id.into() },
                        None => Outcome::Absent,
                    },
                    Err(e) => match outcome_of_error(&e) {
                        Outcome::NotWritten { code, .. } => Outcome::NotWritten {
                            code,
                            retryable: true,
                        },
                        other => other,
                    },
                };
                // A failed verification leaves the outcome unknown: keep it `Sent`.
                let outcome = match outcome {
                    Outcome::NotWritten { .. } => Outcome::Unknown,
                    other => other,
                };
                logged.entry.record(outcome, now_ms());
                save(&logged).await?;
            }
            Step::Send => {
                let org = store::org(&org_id).await?.ok_or_else(|| {
                    CallError::new("UNKNOWN_ORG", "open a Salesforce page of this org first")
                })?;
                let mapping = mapping().await?;
                let (access, lookup, user) = match access_of(&org, &mapping) {
                    Ok(parts) => parts,
                    Err(e) => {
                        logged.entry.record(
                            Outcome::NotWritten {
                                code: e.code.clone(),
                                retryable: false,
                            },
                            now_ms(),
                        );
                        save(&logged).await?;
                        break;
                    }
                };
                let plan = plan_logging(&logged.call, &mapping, &access, &user, lookup);
                logged.dropped = match &plan {
                    LoggingPlan::Direct { draft, .. } | LoggingPlan::LookupAndLog { draft, .. } => {
                        draft.dropped.clone()
                    }
                };
                logged.entry.mark_sent();
                save(&logged).await?;
                let outcome = match send(&org_id, plan.request()).await {
                    Err(e) => outcome_of_error(&e),
                    Ok(body) => match &plan {
                        LoggingPlan::Direct { .. } => match body["id"].as_str() {
                            Some(id) => {
                                logged.linked = logged.call.record.clone();
                                Outcome::Written { task_id: id.into() }
                            }
                            None => Outcome::Unknown,
                        },
                        LoggingPlan::LookupAndLog { plan, .. } => {
                            match interpret_composite(plan, &body.to_string()) {
                                Ok(result) => {
                                    logged.warnings = result
                                        .errors
                                        .iter()
                                        .map(|e| {
                                            format!(
                                                "{} {}: {}",
                                                e.reference_id, e.error_code, e.message
                                            )
                                        })
                                        .collect();
                                    logged.linked = result.linked.clone();
                                    match result.task_id {
                                        Some(id) => Outcome::Written {
                                            task_id: id.to_string(),
                                        },
                                        None => Outcome::NotWritten {
                                            code: result
                                                .errors
                                                .first()
                                                .map(|e| e.error_code.clone())
                                                .unwrap_or_else(|| "TASK_NOT_CREATED".into()),
                                            retryable: false,
                                        },
                                    }
                                }
                                Err(_) => Outcome::Unknown,
                            }
                        }
                    },
                };
                logged.entry.record(outcome, now_ms());
                save(&logged).await?;
            }
        }
    }
    schedule_retry(&logged);
    Ok(logged)
}

/// A log still waiting is retried by an alarm, which also wakes a stopped worker.
fn schedule_retry(logged: &LoggedCall) {
    if matches!(logged.entry.delivery, Delivery::Pending | Delivery::Sent) {
        let when = logged.entry.next_at_ms.max(now_ms() + 1000) as f64;
        crate::glue::chrome::alarm_at("outbox", when);
    }
}

/// The alarm, or a worker start: deliver whatever is still waiting.
pub async fn resume() -> Result<(), CallError> {
    for mut logged in all().await? {
        if matches!(logged.entry.delivery, Delivery::Pending | Delivery::Sent) {
            let _ = deliver(logged).await;
        } else if !logged.unsynced.is_empty() {
            for change in logged.unsynced.clone() {
                let _ = push_change(&mut logged, change).await;
            }
        }
    }
    Ok(())
}

fn task_id_of(logged: &LoggedCall) -> Option<RecordId> {
    match &logged.entry.delivery {
        Delivery::Done { task_id } => RecordId::parse(task_id).ok(),
        _ => None,
    }
}

/// The memo tags changed (1 call), or the transcript arrived (1 call). Before the Task exists
/// the change just goes into the stored call record, which the creation then carries.
pub async fn update(
    call_id: &str,
    tags: Option<Vec<String>>,
    transcript: Option<String>,
) -> Result<LoggedCall, CallError> {
    let mut logged = all()
        .await?
        .into_iter()
        .find(|c| c.entry.call_id == call_id)
        .ok_or_else(|| CallError::new("UNKNOWN_CALL", "no logged call has this id"))?;
    let change = match (tags, transcript) {
        (Some(tags), _) => {
            logged.call.memo_tags = tags;
            Change::Memo
        }
        (None, Some(text)) => {
            logged.call.transcript = Some(text);
            Change::Transcript
        }
        (None, None) => return Ok(logged),
    };
    if task_id_of(&logged).is_some() && !logged.unsynced.contains(&change) {
        logged.unsynced.push(change);
    }
    // Stored before any request: a failure (or the worker stopping) loses nothing.
    save(&logged).await?;
    push_change(&mut logged, change).await?;
    Ok(logged)
}

/// Writes one kept change to the Task; on failure it stays in `unsynced`, retried by alarm.
async fn push_change(logged: &mut LoggedCall, change: Change) -> Result<(), CallError> {
    let Some(task_id) = task_id_of(logged) else {
        return Ok(());
    };
    let result = async {
        let org = store::org(&logged.entry.org_id).await?.ok_or_else(|| {
            CallError::new("UNKNOWN_ORG", "open a Salesforce page of this org first")
        })?;
        let mapping = mapping().await?;
        let (access, _, user) = access_of(&org, &mapping)?;
        let update = match change {
            Change::Memo => memo_update(&task_id, &logged.call.memo_tags, &mapping, &access),
            Change::Transcript => transcript_update(&task_id, &logged.call, &access, user.locale),
        };
        if let Some(request) = &update.request {
            send(&logged.entry.org_id, request).await?;
        }
        Ok::<_, CallError>(update.dropped)
    }
    .await;
    match result {
        Ok(dropped) => {
            logged.dropped.extend(dropped);
            logged.unsynced.retain(|c| *c != change);
            save(logged).await?;
            Ok(())
        }
        Err(e) => {
            let transient = match outcome_of_error(&e) {
                Outcome::Unknown => true,
                Outcome::NotWritten { retryable, .. } => retryable,
                _ => false,
            };
            if transient {
                crate::glue::chrome::alarm_at("outbox", (now_ms() + CHANGE_RETRY_MS) as f64);
            } else {
                // Refused for good (a field the profile may not write, …): said, not retried.
                logged.unsynced.retain(|c| *c != change);
                logged
                    .warnings
                    .push(format!("{change:?} not written: {}", e.code));
                save(logged).await?;
            }
            Err(e)
        }
    }
}

/// A failed log, tried again at the user's request.
pub async fn retry(call_id: &str) -> Result<LoggedCall, CallError> {
    let mut logged = all()
        .await?
        .into_iter()
        .find(|c| c.entry.call_id == call_id)
        .ok_or_else(|| CallError::new("UNKNOWN_CALL", "no logged call has this id"))?;
    logged.entry.retry(now_ms());
    save(&logged).await?;
    deliver(logged).await
}
