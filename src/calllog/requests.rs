//! The REST requests that log a call, each described as data for the worker to send, and the
//! API-call budget they keep: every plan here is exactly one request.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::composite::{link_drops, lookup_and_log, CompositePlan, LookupAccess};
use super::draft::{
    description_text, subject, subject_names_record, DroppedField, FieldWriter, TaskDraft,
    UserContext,
};
use super::record::CallRecord;
use super::settings::{FieldMapping, Locale, TaskFieldAccess};
use crate::salesforce::id::RecordId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    Get,
    Post,
    Patch,
}

/// One REST request. `path` is relative to `/services/data/v51.0` (`/sobjects/Task`);
/// `body` is the JSON to send, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiRequest {
    pub method: HttpMethod,
    pub path: String,
    #[serde(default)]
    pub body: Option<Value>,
}

impl ApiRequest {
    /// Salesforce API calls this request costs: always 1, a `/composite` request included
    /// ("the entire series of requests counts as a single call").
    pub fn api_calls(&self) -> u32 {
        1
    }
}

/// The seed's promise, per call record. Tests hold every plan to these numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiBudget;

impl ApiBudget {
    /// Looking the caller up (the popup): one query or search.
    pub const LOOKUP_ONLY: u32 = 1;
    /// Logging a call whose record is known: one `POST /sobjects/Task`.
    pub const LOG_ONLY: u32 = 1;
    /// Looking up and logging together: one `/composite`.
    pub const LOOKUP_AND_LOG: u32 = 1;
    /// Writing the transcript later: one `PATCH`.
    pub const TRANSCRIPT: u32 = 1;
    /// Each memo tag added or removed: one `PATCH`.
    pub const MEMO_CHANGE: u32 = 1;
    /// The user's subject saved after logging: one `PATCH`.
    pub const SUBJECT_CHANGE: u32 = 1;
    /// The Task moved to another record after logging: one `PATCH`.
    pub const RELINK: u32 = 1;

    /// What a list of requests costs.
    pub fn spent(requests: &[ApiRequest]) -> u32 {
        requests.iter().map(ApiRequest::api_calls).sum()
    }
}

/// How a call gets logged: always one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LoggingPlan {
    /// The record is known (dialled from a page, chosen in the popup), or a lookup already
    /// ran and found nothing, or the number cannot be looked up: `POST /sobjects/Task`.
    Direct {
        request: ApiRequest,
        draft: TaskDraft,
    },
    /// No lookup yet: `/composite` creates the Task and links it to what the queries find.
    /// Keep the plan to read the answer with [`super::interpret_composite`].
    LookupAndLog {
        request: ApiRequest,
        plan: CompositePlan,
        draft: TaskDraft,
    },
}

impl LoggingPlan {
    pub fn request(&self) -> &ApiRequest {
        match self {
            LoggingPlan::Direct { request, .. } | LoggingPlan::LookupAndLog { request, .. } => {
                request
            }
        }
    }
}

/// Logging with a known record (or none at all). Costs [`ApiBudget::LOG_ONLY`] = 1 call.
pub fn log_known(draft: &TaskDraft) -> ApiRequest {
    ApiRequest {
        method: HttpMethod::Post,
        path: "/sobjects/Task".to_string(),
        body: Some(Value::Object(draft.body.clone())),
    }
}

/// Chooses the path for a finished call; 1 API call whichever it is.
///
/// The lookup runs inside the logging request only when nothing is known yet: a record from
/// the page or popup is reused, and a popup lookup that found nothing is not repeated.
pub fn plan_logging(
    call: &CallRecord,
    mapping: &FieldMapping,
    access: &TaskFieldAccess,
    user: &UserContext,
    readable: LookupAccess,
) -> LoggingPlan {
    let mut draft = TaskDraft::from_call(call, mapping, access, user);
    if call.record.is_none() && !call.lookup_done {
        draft.dropped.extend(link_drops(call, access, readable));
        if let Some((mut request, plan)) =
            lookup_and_log(call, &draft, access, readable, &user.user_id)
        {
            name_in_subject(&mut request, &plan.queries, call, mapping, access, user);
            return LoggingPlan::LookupAndLog {
                request,
                plan,
                draft,
            };
        }
    }
    // The record is known but not its owner, whom the Task goes to: read in the same request.
    if mapping.assignee == super::settings::AssigneeRule::RecordOwner {
        if let Some((request, plan)) = super::composite::log_to_record_owner(call, &draft, access) {
            return LoggingPlan::LookupAndLog {
                request,
                plan,
                draft,
            };
        }
    }
    LoggingPlan::Direct {
        request: log_known(&draft),
        draft,
    }
}

/// The subject was written before the lookup ran, with the number for `{name}`. One PATCH per
/// query, in the links' priority order, rewrites it with the matched record's name by
/// reference; a query without a match only halts its own PATCH, and a name too long for the
/// subject only fails its own PATCH, never a link. Placed before any hand-over to the assignee.
fn name_in_subject(
    request: &mut ApiRequest,
    queries: &[String],
    call: &CallRecord,
    mapping: &FieldMapping,
    access: &TaskFieldAccess,
    user: &UserContext,
) {
    if !access.can_update("Subject") || !subject_names_record(call, mapping, user.locale) {
        return;
    }
    let Some(list) = request
        .body
        .as_mut()
        .and_then(|b| b.get_mut("compositeRequest"))
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    let at = list
        .iter()
        .position(|s| s["referenceId"] == super::composite::HANDOVER_REF)
        .unwrap_or(list.len());
    let url = list
        .iter()
        .find(|s| s["method"] == "PATCH")
        .map(|s| s["url"].clone())
        .unwrap_or(Value::Null);
    let patches: Vec<Value> = queries
        .iter()
        .map(|query| {
            let name = format!("@{{{query}.records[0].Name}}");
            serde_json::json!({
                "method": "PATCH",
                "url": url,
                "referenceId": format!("name_{query}"),
                "body": {"Subject": subject(call, mapping, user.locale, &name)},
            })
        })
        .collect();
    list.splice(at..at, patches);
}

/// A change to a logged Task: `request` is `None` when nothing could be written (then it
/// costs nothing, and `dropped` says why).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskUpdate {
    pub request: Option<ApiRequest>,
    pub dropped: Vec<DroppedField>,
}

fn patch(task_id: &RecordId, writer: FieldWriter<'_>) -> TaskUpdate {
    let FieldWriter { body, dropped, .. } = writer;
    let request = (!body.is_empty()).then(|| ApiRequest {
        method: HttpMethod::Patch,
        path: format!("/sobjects/Task/{task_id}"),
        body: Some(Value::Object(body)),
    });
    TaskUpdate { request, dropped }
}

/// The transcript arrived after logging: rewrite `Description` as comments plus transcript.
/// Costs [`ApiBudget::TRANSCRIPT`] = 1 call.
pub fn transcript_update(
    task_id: &RecordId,
    call: &CallRecord,
    access: &TaskFieldAccess,
    locale: Locale,
) -> TaskUpdate {
    let mut w = FieldWriter::for_update(access);
    let description = description_text(call, locale).map_or(Value::Null, Value::String);
    w.put("Description", description);
    patch(task_id, w)
}

/// A memo tag was added or removed: write the whole new set (a multi-select picklist has no
/// "add one value" operation). Costs [`ApiBudget::MEMO_CHANGE`] = 1 call.
pub fn memo_update(
    task_id: &RecordId,
    tags: &[String],
    mapping: &FieldMapping,
    access: &TaskFieldAccess,
) -> TaskUpdate {
    let mut w = FieldWriter::for_update(access);
    if let Some(field) = FieldMapping::mapped(&mapping.memo_field) {
        w.put_memo(field, tags, access.memo_values.as_deref());
    }
    patch(task_id, w)
}

/// The subject changed after logging (the user's own, or the template again): one `PATCH`
/// ([`ApiBudget::SUBJECT_CHANGE`]).
pub fn subject_update(
    task_id: &RecordId,
    call: &CallRecord,
    mapping: &FieldMapping,
    access: &TaskFieldAccess,
    locale: Locale,
    linked_name: Option<&str>,
) -> TaskUpdate {
    let mut w = FieldWriter::for_update(access);
    w.put(
        "Subject",
        Value::String(subject_for(call, mapping, locale, linked_name)),
    );
    patch(task_id, w)
}

/// The subject a Task on `call` has: the user's own, or the template with the record's name
/// (the number when it has none).
pub fn subject_for(
    call: &CallRecord,
    mapping: &FieldMapping,
    locale: Locale,
    record_name: Option<&str>,
) -> String {
    let name = record_name
        .map(super::text::single_line)
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| super::draft::display_number(&call.remote_number, locale));
    subject(call, mapping, locale, &name)
}

/// The Task goes on the call's record after logging: `WhoId` and `WhatId` both written, the
/// one the record does not take cleared (a Lead's Task has no `WhatId`, an Account's no
/// `WhoId`), and a template subject that names the record follows it, in one `PATCH`
/// ([`ApiBudget::RELINK`]).
pub fn link_update(
    task_id: &RecordId,
    call: &CallRecord,
    mapping: &FieldMapping,
    access: &TaskFieldAccess,
    locale: Locale,
) -> TaskUpdate {
    let mut w = FieldWriter::for_update(access);
    let record = call.record.as_ref();
    let (who, what) = record.map(super::draft::link_ids).unwrap_or_default();
    let id_or_null =
        |id: Option<RecordId>| id.map_or(Value::Null, |i| Value::String(i.to_string()));
    w.put("WhoId", id_or_null(who));
    w.put("WhatId", id_or_null(what));
    if subject_names_record(call, mapping, locale) {
        let name = record.map(|r| r.name.as_str());
        w.put(
            "Subject",
            Value::String(subject_for(call, mapping, locale, name)),
        );
    }
    patch(task_id, w)
}

/// The body the composite's Task POST uses: the draft without any link, which the PATCHes add.
pub(crate) fn unlinked_body(draft: &TaskDraft) -> Map<String, Value> {
    let mut body = draft.body.clone();
    body.remove("WhoId");
    body.remove("WhatId");
    body
}
