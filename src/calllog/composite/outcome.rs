//! Reading a `/composite` answer: the Task's id, what it ended up linked to, real errors.

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{CompositePlan, LinkEffect, HANDOVER_REF, TASK_REF};
use crate::calllog::record::KnownRecord;
use crate::salesforce::id::RecordId;

/// A subrequest that failed for a reason other than "no match".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubrequestError {
    pub reference_id: String,
    pub status: u16,
    pub error_code: String,
    pub message: String,
}

/// What one lookup-and-log request achieved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompositeOutcome {
    /// The logged Task; `None` when its creation failed (see `errors`).
    pub task_id: Option<RecordId>,
    /// The Task's `WhoId` after the last successful PATCH that set or cleared it.
    pub who_id: Option<RecordId>,
    /// The Task's `WhatId` likewise.
    pub what_id: Option<RecordId>,
    /// The record the Task is about (its Who, else its What), for the UI and for later
    /// changes to the same call; `None` when nothing matched.
    pub linked: Option<KnownRecord>,
    /// Real failures: the Task POST, a query (e.g. no read access), a PATCH refused for a
    /// reason other than a missing reference, the hand-over to the assignee. Empty when
    /// everything went as planned.
    pub errors: Vec<SubrequestError>,
}

impl CompositeOutcome {
    /// True when the call is logged (linked or not).
    pub fn logged(&self) -> bool {
        self.task_id.is_some()
    }
}

/// The answer was not a composite response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InterpretError {
    /// Not JSON, or no `compositeResponse` array.
    NotAComposite,
    /// The Task subrequest is missing from the answer.
    NoTaskResult,
}

impl InterpretError {
    pub fn code(&self) -> &'static str {
        match self {
            InterpretError::NotAComposite => "BAD_RESPONSE",
            InterpretError::NoTaskResult => "NO_TASK_RESULT",
        }
    }
}

impl fmt::Display for InterpretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl std::error::Error for InterpretError {}

#[derive(Deserialize)]
struct CompositeResponse {
    #[serde(rename = "compositeResponse")]
    composite_response: Vec<SubResponse>,
}

#[derive(Deserialize)]
struct SubResponse {
    #[serde(default)]
    body: Value,
    #[serde(rename = "httpStatusCode")]
    status: u16,
    #[serde(rename = "referenceId")]
    reference_id: String,
}

impl SubResponse {
    fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The error array's items as (code, message); a body of another shape is one item.
    fn errors(&self) -> Vec<(String, String)> {
        let field = |item: &Value, key: &str| {
            item.get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        match self.body.as_array() {
            Some(items) if !items.is_empty() => items
                .iter()
                .map(|item| (field(item, "errorCode"), field(item, "message")))
                .collect(),
            _ => vec![(
                "BAD_RESPONSE".to_string(),
                format!("HTTP {} without a Salesforce error array", self.status),
            )],
        }
    }

    /// A v51 unresolved reference: the record a link needed was not found.
    fn is_halted(&self) -> bool {
        let errors = self.errors();
        !errors.is_empty() && errors.iter().all(|(code, _)| code == "PROCESSING_HALTED")
    }

    fn report(&self, into: &mut Vec<SubrequestError>) {
        into.extend(
            self.errors()
                .into_iter()
                .map(|(error_code, message)| SubrequestError {
                    reference_id: self.reference_id.clone(),
                    status: self.status,
                    error_code,
                    message,
                }),
        );
    }
}

/// Where a link value came from: the id, and the query row it was read from.
type Link<'a> = Option<(RecordId, &'a Value)>;

/// Reads the body of a `200` answer to the request [`super::lookup_and_log`] built, given the
/// plan it returned with it. A failed Task POST is a real error; a link PATCH halted by an
/// unresolved reference means its query found nothing, which is not an error.
pub fn interpret_composite(
    plan: &CompositePlan,
    body: &str,
) -> Result<CompositeOutcome, InterpretError> {
    let response: CompositeResponse =
        serde_json::from_str(body).map_err(|_| InterpretError::NotAComposite)?;
    let by_ref: HashMap<&str, &SubResponse> = response
        .composite_response
        .iter()
        .map(|sub| (sub.reference_id.as_str(), sub))
        .collect();
    let task = by_ref.get(TASK_REF).ok_or(InterpretError::NoTaskResult)?;
    let mut errors = Vec::new();

    let task_id = if task.ok() {
        let id = task
            .body
            .get("id")
            .and_then(Value::as_str)
            .and_then(|id| RecordId::parse(id).ok());
        if id.is_none() {
            errors.push(SubrequestError {
                reference_id: TASK_REF.to_string(),
                status: task.status,
                error_code: "BAD_RESPONSE".to_string(),
                message: "the Task was created but its id is missing".to_string(),
            });
        }
        id
    } else {
        task.report(&mut errors);
        None
    };

    let mut rows: HashMap<&str, &Value> = HashMap::new();
    for query in &plan.queries {
        match by_ref.get(query.as_str()) {
            Some(sub) if sub.ok() => {
                if let Some(row) = sub.body.pointer("/records/0") {
                    rows.insert(query.as_str(), row);
                }
            }
            Some(sub) => sub.report(&mut errors),
            None => {}
        }
    }

    let (mut who, mut what): (Link<'_>, Link<'_>) = (None, None);
    if task_id.is_some() {
        for step in &plan.links {
            let Some(sub) = by_ref.get(step.reference_id.as_str()) else {
                continue;
            };
            if !sub.ok() {
                if !sub.is_halted() {
                    sub.report(&mut errors);
                }
                continue;
            }
            apply(&mut who, &step.who, &rows);
            apply(&mut what, &step.what, &rows);
        }
    }

    if task_id.is_some() && (plan.handover.is_some() || plan.to_record_owner) {
        // Its only reference is the Task's id, which resolved: any failure is real (the Task
        // stays with the current user).
        match by_ref.get(HANDOVER_REF) {
            Some(sub) if !sub.ok() => sub.report(&mut errors),
            _ => {}
        }
    }

    let linked = match (&who, &what) {
        (Some((id, row)), _) => Some(known(id, row, what.as_ref().map(|(w, _)| w))),
        (None, Some((id, row))) => Some(known(id, row, None)),
        (None, None) => None,
    };
    Ok(CompositeOutcome {
        task_id,
        who_id: who.map(|(id, _)| id),
        what_id: what.map(|(id, _)| id),
        linked,
        errors,
    })
}

fn apply<'a>(link: &mut Link<'a>, effect: &LinkEffect, rows: &HashMap<&str, &'a Value>) {
    match effect {
        LinkEffect::Unchanged => {}
        LinkEffect::Clear => *link = None,
        LinkEffect::FromQuery { query, field } => {
            // Salesforce resolved the reference, so the row and field exist; should the
            // answer disagree with itself, the link is left as it was rather than guessed.
            if let Some(row) = rows.get(query.as_str()) {
                if let Some(id) = row
                    .get(field.as_str())
                    .and_then(Value::as_str)
                    .and_then(|id| RecordId::parse(id).ok())
                {
                    *link = Some((id, row));
                }
            }
        }
    }
}

fn known(id: &RecordId, row: &Value, account: Option<&RecordId>) -> KnownRecord {
    // The row is the one the id came from, except for a Contact's Account, whose id is in
    // the Contact row under AccountId: then the row's own Id is not this id.
    let own_row = row
        .get("Id")
        .and_then(Value::as_str)
        .and_then(|own| RecordId::parse(own).ok())
        .as_ref()
        == Some(id);
    let object = id
        .object_name()
        .or_else(|| row.pointer("/attributes/type").and_then(Value::as_str))
        .unwrap_or_default()
        .to_string();
    let name = if own_row {
        row.get("Name").and_then(Value::as_str).unwrap_or_default()
    } else {
        ""
    };
    KnownRecord {
        object,
        id: id.clone(),
        name: name.to_string(),
        account_id: account
            .filter(|_| id.object_name() == Some("Contact"))
            .cloned(),
        owner_id: None,
    }
}
