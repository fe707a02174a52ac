//! Lookup and logging in one `/composite` request (1 API call), and reading its answer.
//!
//! The Task is created first and unconditionally, with no Who/What; SOQL queries find the
//! caller among Leads, Accounts and Contacts; PATCHes then link the Task by reference to what
//! they found. In v51 a reference to a missing value (`@{contact.records[0].Id}` on an empty
//! result) fails only the subrequest that uses it, with `PROCESSING_HALTED`, so "no match" is
//! a harmless failed PATCH and never costs the Task. Search (SOSL) is not allowed inside
//! `/composite`; query is, hence SOQL over the spellings a record may hold.
//!
//! PATCHes run in order (`collateSubrequests: false`) and later ones override earlier ones:
//! Lead, then Account, then Contact, so the final link follows Contact → Account → Lead.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::draft::{DropReason, DroppedField, TaskDraft};
use super::record::{CallRecord, Direction};
use super::requests::{unlinked_body, ApiRequest, HttpMethod};
use super::settings::TaskFieldAccess;
use super::text;
use crate::number::{PhoneNumber, DEFAULT_REGION};
use crate::salesforce::id::RecordId;
use crate::salesforce::API_VERSION;

/// Salesforce's limits for one `/composite` request.
pub(crate) const MAX_SUBREQUESTS: usize = 25;
pub(crate) const MAX_QUERIES: usize = 5;

const TASK_REF: &str = "task";
pub(crate) const HANDOVER_REF: &str = "assignOwner";

/// Which objects the user may read, as capability detection found them (Lead is absent in
/// Lightning Platform editions; a query on an unreadable object fails with `INVALID_TYPE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupAccess {
    pub contact: bool,
    pub account: bool,
    pub lead: bool,
}

/// What a successful link PATCH does to one of the Task's link fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LinkEffect {
    Unchanged,
    /// Set to null (a Lead's `WhoId` must go before an Account can be the `WhatId`).
    Clear,
    /// Set to `records[0].<field>` of the query with this reference id.
    FromQuery {
        query: String,
        field: String,
    },
}

/// One link PATCH in the composite, by reference id, and its effect on `WhoId` / `WhatId`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkStep {
    pub reference_id: String,
    pub who: LinkEffect,
    pub what: LinkEffect,
}

/// What the composite contains, kept by the glue alongside the request so that
/// [`interpret_composite`] can read the answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompositePlan {
    pub queries: Vec<String>,
    pub links: Vec<LinkStep>,
    /// The assignee the Task is handed to by the last subrequest, if not the current user.
    #[serde(default)]
    pub handover: Option<RecordId>,
    /// The last subrequest hands the Task to its record's owner, read in the same request.
    #[serde(default)]
    pub to_record_owner: bool,
}

/// One `/composite` of these subrequests, each on its own (`allOrNone: false`: a lookup that
/// finds nothing fails only its own link), in order (never collated).
fn composite_request(subrequests: Vec<Value>) -> ApiRequest {
    ApiRequest {
        method: HttpMethod::Post,
        path: "/composite".to_string(),
        body: Some(json!({
            "allOrNone": false,
            "collateSubrequests": false,
            "compositeRequest": subrequests,
        })),
    }
}

/// Reference of the subrequest that reads the record's owner.
const OWNER_REF: &str = "owner";

/// The "record owner" assignee for a record whose owner is not known (a page's record): one
/// `/composite` (1 API call) reads the record's `OwnerId`, creates the Task on the record as
/// the user's, and hands it to that owner by reference. Should the owner not take it (a queue,
/// an inactive user), only the hand-over fails: the Task stays the user's, and it is said.
pub fn log_to_record_owner(
    call: &CallRecord,
    draft: &TaskDraft,
    access: &TaskFieldAccess,
) -> Option<(ApiRequest, CompositePlan)> {
    let record = call.record.as_ref()?;
    if record.owner_id.is_some() || !access.can_update("OwnerId") {
        return None;
    }
    let object = record.object_name();
    if !["Contact", "Lead", "Account", "Opportunity", "Case"].contains(&object) {
        return None;
    }
    let mut task_body = draft.body.clone();
    task_body.remove("OwnerId");
    let subrequests = vec![
        json!({
            "method": "GET",
            "url": sub_url(&format!("/sobjects/{object}/{}?fields=OwnerId", record.id.as_str())),
            "referenceId": OWNER_REF,
        }),
        json!({
            "method": "POST",
            "url": sub_url("/sobjects/Task"),
            "referenceId": TASK_REF,
            "body": Value::Object(task_body),
        }),
        json!({
            "method": "PATCH",
            "url": sub_url(&format!("/sobjects/Task/@{{{TASK_REF}.id}}")),
            "referenceId": HANDOVER_REF,
            "body": {"OwnerId": format!("@{{{OWNER_REF}.OwnerId}}")},
        }),
    ];
    let request = composite_request(subrequests);
    let plan = CompositePlan {
        queries: vec![],
        links: vec![],
        handover: None,
        to_record_owner: true,
    };
    Some((request, plan))
}

/// Escapes text for a SOQL string literal: `\` and `'` are backslash-escaped, and line
/// breaks and the other escapable controls use their escapes, so no input can end the
/// literal early and change the query.
pub fn soql_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            // No other control character has an escape; none belongs in a phone field.
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The spellings a Phone field may hold for this number: digits only (national and with
/// country code), the Japanese display grouping `03-1234-5678`, `(03)1234-5678`,
/// `03(1234)5678`, `+81 3-1234-5678`, E.164, and the number as received.
pub(crate) fn stored_spellings(number: &PhoneNumber, raw: &str) -> Vec<String> {
    let display = number.display();
    let mut candidates = vec![
        number.national_digits(),
        display.clone(),
        number.international(),
        number.e164(),
    ];
    let groups: Vec<&str> = display.split('-').collect();
    if !display.starts_with('+') && groups.len() == 3 {
        candidates.push(format!("({}){}-{}", groups[0], groups[1], groups[2]));
        candidates.push(format!("{}({}){}", groups[0], groups[1], groups[2]));
    }
    // Salesforce's UI formats a 10-digit number typed by an English (US/Canada) locale user
    // as `(031) 234-5678`, whatever its country: such records exist in Japanese orgs too.
    let national = number.national_digits();
    for ten in [national.as_str(), number.national.as_str()] {
        if ten.len() == 10 && ten.bytes().all(|b| b.is_ascii_digit()) {
            candidates.push(format!("({}) {}-{}", &ten[..3], &ten[3..6], &ten[6..]));
        }
    }
    candidates.extend(number.lookup_variants());
    candidates.push(text::single_line(raw));
    let mut out: Vec<String> = Vec::with_capacity(candidates.len());
    for candidate in candidates {
        if !candidate.is_empty() && !out.contains(&candidate) {
            out.push(candidate);
        }
    }
    out
}

fn in_list(values: &[String]) -> String {
    let literals: Vec<String> = values
        .iter()
        .map(|v| format!("'{}'", soql_escape(v)))
        .collect();
    format!("({})", literals.join(", "))
}

fn sub_url(rest: &str) -> String {
    format!("/services/data/v{API_VERSION}{rest}")
}

pub(crate) fn query_subrequest(reference_id: &str, soql: &str) -> Value {
    json!({
        "method": "GET",
        "url": sub_url(&format!("/query/?q={}", crate::salesforce::lookup::encode_query_value(soql))),
        "referenceId": reference_id,
    })
}

fn from_query(query: &str, field: &str) -> LinkEffect {
    LinkEffect::FromQuery {
        query: query.to_string(),
        field: field.to_string(),
    }
}

fn link_body(step: &LinkStep) -> Value {
    let mut body = serde_json::Map::new();
    for (field, effect) in [("WhoId", &step.who), ("WhatId", &step.what)] {
        match effect {
            LinkEffect::Unchanged => {}
            LinkEffect::Clear => {
                body.insert(field.to_string(), Value::Null);
            }
            LinkEffect::FromQuery { query, field: f } => {
                body.insert(
                    field.to_string(),
                    Value::String(format!("@{{{query}.records[0].{f}}}")),
                );
            }
        }
    }
    Value::Object(body)
}

/// The query behind reference `object` (`lead`, `account`, `contact`): the most recently
/// changed record whose phone fields hold one of `spellings`, with the fields the links and
/// the outcome read.
pub(crate) fn lookup_soql(object: &str, spellings: &[String]) -> String {
    let list = in_list(spellings);
    let order = "ORDER BY LastModifiedDate DESC LIMIT 1";
    match object {
        // A converted Lead cannot take new activities; its Contact is the one to link.
        "lead" => format!(
            "SELECT Id, Name FROM Lead WHERE IsConverted = false \
             AND (Phone IN {list} OR MobilePhone IN {list}) {order}"
        ),
        // Account has no MobilePhone.
        "account" => format!("SELECT Id, Name FROM Account WHERE Phone IN {list} {order}"),
        _ => format!(
            "SELECT Id, Name, AccountId FROM Contact \
             WHERE Phone IN {list} OR MobilePhone IN {list} {order}"
        ),
    }
}

/// The link PATCHes, in the order that makes the priority Contact → Account → Lead, each
/// only when the user may update the fields it writes.
fn link_steps(readable: LookupAccess, access: &TaskFieldAccess) -> Vec<LinkStep> {
    let who = access.can_update("WhoId");
    let what = access.can_update("WhatId");
    let clear = |allowed: bool| {
        if allowed {
            LinkEffect::Clear
        } else {
            LinkEffect::Unchanged
        }
    };
    let step = |reference_id: &str, who, what| LinkStep {
        reference_id: reference_id.to_string(),
        who,
        what,
    };
    let mut steps = Vec::new();
    if readable.lead && who {
        steps.push(step(
            "linkLead",
            from_query("lead", "Id"),
            LinkEffect::Unchanged,
        ));
    }
    if readable.account && what {
        // A Lead in WhoId forbids any WhatId, so the Account link first clears the Lead.
        steps.push(step("linkAccount", clear(who), from_query("account", "Id")));
    }
    if readable.contact && who {
        steps.push(step(
            "linkContact",
            from_query("contact", "Id"),
            clear(what),
        ));
    }
    if readable.contact && what {
        // Separate from linkContact: a Contact without an Account makes this reference fail,
        // and that failure must not undo the Who link.
        steps.push(step(
            "linkContactAccount",
            LinkEffect::Unchanged,
            from_query("contact", "AccountId"),
        ));
    }
    steps
}

/// The number to look up, when the call is one a lookup can help: not internal (the other
/// party is a colleague), and a number the phone engine can place (not "anonymous").
fn lookup_number(call: &CallRecord) -> Option<PhoneNumber> {
    if call.direction == Direction::Internal {
        return None;
    }
    // E.164 when the phone could read it (`record_of`): the region only reads the rest.
    PhoneNumber::parse(&call.remote_number, DEFAULT_REGION).ok()
}

/// The link fields a lookup for `call` would need but the user may not update: reported so
/// that a skipped link is never silent.
pub(crate) fn link_drops(
    call: &CallRecord,
    access: &TaskFieldAccess,
    readable: LookupAccess,
) -> Vec<DroppedField> {
    if lookup_number(call).is_none() {
        return Vec::new();
    }
    let mut dropped = Vec::new();
    for (field, wanted) in [
        ("WhoId", readable.contact || readable.lead),
        ("WhatId", readable.contact || readable.account),
    ] {
        if wanted && !access.can_update(field) {
            dropped.push(DroppedField {
                field: field.to_string(),
                reason: DropReason::NotUpdateable,
            });
        }
    }
    dropped
}

/// The single `/composite` request that creates the Task and links it to the caller's
/// record. Costs 1 API call. `None` when there is nothing to look up (an internal call, a
/// number the phone engine cannot place, no readable object, no link field the user may
/// update): log directly instead.
///
/// When the Task goes to another user (the assignee rule) it is created as the current
/// user's and handed over by a last PATCH: an activity related to no record is private to
/// its owner, so a Task handed over at creation could no longer be linked by its creator.
pub fn lookup_and_log(
    call: &CallRecord,
    draft: &TaskDraft,
    access: &TaskFieldAccess,
    readable: LookupAccess,
    current_user: &RecordId,
) -> Option<(ApiRequest, CompositePlan)> {
    let number = lookup_number(call)?;
    let links = link_steps(readable, access);
    if links.is_empty() {
        return None;
    }
    let spellings = stored_spellings(&number, &call.remote_number);
    let uses = |query: &str| {
        links.iter().any(|l| {
            [&l.who, &l.what]
                .iter()
                .any(|e| matches!(e, LinkEffect::FromQuery { query: q, .. } if q == query))
        })
    };
    let queries: Vec<(&str, String)> = ["lead", "account", "contact"]
        .into_iter()
        .filter(|object| uses(object))
        .map(|object| (object, lookup_soql(object, &spellings)))
        .collect();

    let mut task_body = unlinked_body(draft);
    let handover = task_body
        .get("OwnerId")
        .and_then(Value::as_str)
        .filter(|owner| *owner != current_user.as_str() && access.can_update("OwnerId"))
        .and_then(|owner| RecordId::parse(owner).ok());
    if handover.is_some() {
        // Omitted, OwnerId defaults to the creating user.
        task_body.remove("OwnerId");
    }
    let mut subrequests = vec![json!({
        "method": "POST",
        "url": sub_url("/sobjects/Task"),
        "referenceId": TASK_REF,
        "body": Value::Object(task_body),
    })];
    subrequests.extend(queries.iter().map(|(r, soql)| query_subrequest(r, soql)));
    for step in &links {
        subrequests.push(json!({
            "method": "PATCH",
            "url": sub_url(&format!("/sobjects/Task/@{{{TASK_REF}.id}}")),
            "referenceId": step.reference_id,
            "body": link_body(step),
        }));
    }
    if let Some(owner) = &handover {
        subrequests.push(json!({
            "method": "PATCH",
            "url": sub_url(&format!("/sobjects/Task/@{{{TASK_REF}.id}}")),
            "referenceId": HANDOVER_REF,
            "body": {"OwnerId": owner.as_str()},
        }));
    }
    // At most 1 + 3 + 4 + 1 = 9 subrequests and 3 queries: well inside 25 and 5.
    debug_assert!(subrequests.len() <= MAX_SUBREQUESTS && queries.len() <= MAX_QUERIES);
    let request = composite_request(subrequests);
    let plan = CompositePlan {
        queries: queries.iter().map(|(r, _)| r.to_string()).collect(),
        links,
        handover,
        to_record_owner: false,
    };
    Some((request, plan))
}

mod outcome;
pub use outcome::{interpret_composite, CompositeOutcome, InterpretError, SubrequestError};
