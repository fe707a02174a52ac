//! The call desk's requests to Salesforce: creating a log's Task (1 API call, the lookup
//! included when none ran), verifying one whose outcome is unknown (1 query, by `CallObject`
//! and creator), and writing a memo or transcript change to it (1 call each). The decisions,
//! and what is stored when, are the desk's (`crate::desk`); this file builds each request
//! with the core (`calllog`), sends it, and reads the answer into the desk's terms.

use serde_json::Value;

use super::client::{call, CallError};
use super::store;
use crate::calllog::{
    interpret_composite, link_update, memo_update, plan_logging, subject_update, transcript_update,
    ApiRequest, AssigneeRule, FieldMapping, Locale, LoggingPlan, LookupAccess, TaskFieldAccess,
    UserContext,
};
use crate::desk::{Answer, Change, Log};
use crate::outbox::{outcome_of_failure, verify_query, Outcome};
use crate::protocol::OrgReport;
use crate::salesforce::id::RecordId;
use crate::salesforce::lookup::encode_query_value;

pub fn locale() -> Locale {
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
    let capabilities = org.capabilities.as_ref().ok_or_else(|| {
        CallError::new(
            org.state.as_str(),
            "the org's capabilities are not known yet",
        )
    })?;
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

/// The Task field mapping of `org_id`: the administrator's (one for every org) when a policy
/// sets it, else the org's own, checked against its describe when saved. A mapping saved
/// before mappings were per org applies to every org that has none of its own.
pub async fn mapping(org_id: &str) -> Result<FieldMapping, CallError> {
    if let Some(managed) = super::policy::current().await.field_mapping {
        return Ok(managed);
    }
    if let Some(own) = store::load(&mapping_key(org_id)).await? {
        return Ok(own);
    }
    Ok(store::load(LEGACY_MAPPING).await?.unwrap_or_default())
}

/// Where an org's mapping is kept.
pub fn mapping_key(org_id: &str) -> String {
    format!("fieldMapping:{org_id}")
}

const LEGACY_MAPPING: &str = "fieldMapping";

pub async fn send(org_id: &str, request: &ApiRequest) -> Result<Value, CallError> {
    let method = serde_json::to_value(request.method)
        .ok()
        .and_then(|m| m.as_str().map(str::to_string))
        .unwrap_or_else(|| "POST".into());
    call(org_id, &method, &request.path, request.body.as_ref()).await
}

/// Creates the log's Task: one `POST /sobjects/Task`, or one `/composite` that looks the
/// number up and links the Task.
pub async fn create(log: &Log) -> Answer {
    let org_id = &log.entry.org_id;
    let prepared = async {
        let org = store::org(org_id).await?.ok_or_else(|| {
            CallError::new("UNKNOWN_ORG", "open a Salesforce page of this org first")
        })?;
        let mapping = mapping(org_id).await?;
        let parts = access_of(&org, &mapping)?;
        Ok::<_, CallError>((mapping, parts))
    }
    .await;
    let (mapping, (access, lookup, user)) = match prepared {
        Ok(p) => p,
        // Not sent: the org said no (no API, logging blocked), or is not known.
        Err(e) => return Answer::of(outcome_of_failure(&e.code)),
    };
    let mut plan = plan_logging(&log.call, &mapping, &access, &user, lookup);
    let mut answer = Answer::of(Outcome::Unknown);
    let mut sent = send(org_id, plan.request()).await;
    // The record's owner could not take the Task (inactive, since the record was read): it is
    // the user's instead. Refused before anything was written, so sending again is safe.
    let owner_refused = matches!(&sent, Err(e) if e.code == "INACTIVE_OWNER_OR_USER");
    if owner_refused && mapping.assignee == AssigneeRule::RecordOwner {
        let mut call = log.call.clone();
        if let Some(record) = call.record.as_mut() {
            record.owner_id = None;
        }
        plan = plan_logging(&call, &mapping, &access, &user, lookup);
        answer
            .warnings
            .push("INACTIVE_OWNER_OR_USER: the Task is the user's".into());
        sent = send(org_id, plan.request()).await;
    }
    answer.dropped = match &plan {
        LoggingPlan::Direct { draft, .. } | LoggingPlan::LookupAndLog { draft, .. } => {
            draft.dropped.clone()
        }
    };
    let body = match sent {
        Err(e) => {
            answer.outcome = outcome_of_failure(&e.code);
            return answer;
        }
        Ok(body) => body,
    };
    answer.outcome = match &plan {
        LoggingPlan::Direct { .. } => match body["id"].as_str() {
            Some(id) => {
                answer.linked = log.call.record.clone();
                Outcome::Written { task_id: id.into() }
            }
            None => Outcome::Unknown,
        },
        LoggingPlan::LookupAndLog { plan, .. } => {
            match interpret_composite(plan, &body.to_string()) {
                Ok(result) => {
                    answer.warnings = result
                        .errors
                        .iter()
                        .map(|e| format!("{} {}: {}", e.reference_id, e.error_code, e.message))
                        .collect();
                    // Handed to its record's owner: the Task is on the record it was sent with.
                    answer.linked = result.linked.clone().or_else(|| {
                        plan.to_record_owner
                            .then(|| log.call.record.clone())
                            .flatten()
                    });
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
    };
    answer
}

/// Looks for the Task a send may have written: by `CallObject`, created by the user it was
/// sent as.
pub async fn verify(log: &Log, created_by: Option<&str>) -> Answer {
    let path = format!(
        "/query?q={}",
        encode_query_value(&verify_query(&log.entry.call_id, created_by))
    );
    Answer::of(match call(&log.entry.org_id, "GET", &path, None).await {
        Ok(body) => match body["records"][0]["Id"].as_str() {
            Some(id) => Outcome::Written { task_id: id.into() },
            None if body["records"].is_array() => Outcome::Absent,
            None => Outcome::Unknown,
        },
        Err(e) => outcome_of_failure(&e.code),
    })
}

/// Writes one change of the log's record to its Task. `Err((retryable, code))`.
pub async fn update(log: &Log, change: Change) -> Result<(), (bool, String)> {
    let Some(task_id) = log.task_id().and_then(|id| RecordId::parse(id).ok()) else {
        return Err((false, "NO_TASK".into()));
    };
    let org_id = &log.entry.org_id;
    let result = async {
        let org = store::org(org_id).await?.ok_or_else(|| {
            CallError::new("UNKNOWN_ORG", "open a Salesforce page of this org first")
        })?;
        let mapping = mapping(org_id).await?;
        let (access, _, user) = access_of(&org, &mapping)?;
        let update = match change {
            Change::Memo => memo_update(&task_id, &log.call.memo_tags, &mapping, &access),
            Change::Transcript => transcript_update(&task_id, &log.call, &access, user.locale),
            Change::Subject => {
                let name = log.record().map(|r| r.name.as_str());
                subject_update(&task_id, &log.call, &mapping, &access, user.locale, name)
            }
            Change::Record => link_update(&task_id, &log.call, &mapping, &access, user.locale),
        };
        if let Some(request) = &update.request {
            send(org_id, request).await?;
        }
        Ok::<_, CallError>(())
    }
    .await;
    result.map_err(|e| {
        let retryable = match outcome_of_failure(&e.code) {
            Outcome::Unknown | Outcome::TimedOut => true,
            Outcome::NotWritten { retryable, .. } => retryable,
            _ => false,
        };
        (retryable, e.code)
    })
}
