//! The call as the phone saw it: who, which way, when, and what the user noted.

use serde::{Deserialize, Serialize};

use crate::salesforce::id::RecordId;

/// Which way the call went. The names are exactly the Task `CallType` picklist values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Direction {
    Inbound,
    Outbound,
    Internal,
}

impl Direction {
    /// The `CallType` picklist value (restricted picklist: exactly these three).
    pub fn call_type(self) -> &'static str {
        match self {
            Direction::Inbound => "Inbound",
            Direction::Outbound => "Outbound",
            Direction::Internal => "Internal",
        }
    }
}

/// A Salesforce record the call is about, known before logging: the page the user dialled
/// from, or the record chosen in the incoming-call popup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KnownRecord {
    /// Object API name: `Contact`, `Lead`, `Account`, `Opportunity`, `Case`, `Foo__c`.
    pub object: String,
    pub id: RecordId,
    /// What people call it (`山田 太郎`, `Acme`), for the subject.
    pub name: String,
    /// A Contact's account, when known: the Task is then also related to it (WhatId).
    #[serde(default)]
    pub account_id: Option<RecordId>,
    /// The record's owner, when the lookup or a search said (the "record owner" assignee).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<RecordId>,
}

/// Where a Task can point to a record: `WhoId` is for people, `WhatId` for everything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LinkField {
    Who,
    What,
    /// Objects a Task cannot be related to (User, Task itself): never linked.
    None,
}

impl KnownRecord {
    /// The object, as the id's key prefix says when it is a standard one we know.
    pub fn object_name(&self) -> &str {
        self.id.object_name().unwrap_or(self.object.as_str())
    }

    /// `WhoId` takes Contact and Lead; `WhatId` takes Account, Opportunity, Case, Campaign,
    /// Contract, Asset and custom objects. Anything else would make the Task POST fail, so
    /// it is left unlinked rather than risking the one call we get.
    ///
    /// The id's key prefix wins over `object` when it names a standard object: a mislabelled
    /// record must not put an Account id into `WhoId`.
    pub(crate) fn link_field(&self) -> LinkField {
        match self.object_name() {
            "Contact" | "Lead" => LinkField::Who,
            "Account" | "Opportunity" | "Case" | "Campaign" | "Contract" | "Asset" => {
                LinkField::What
            }
            custom if custom.ends_with("__c") => LinkField::What,
            _ => LinkField::None,
        }
    }
}

/// One call, from first ring or dial to hang-up. Times are Unix milliseconds (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallRecord {
    /// Unique id of the call in the phone system; written to `CallObject`.
    pub call_id: String,
    pub direction: Direction,
    /// The other party: E.164 when the phone could place it, otherwise as received.
    pub remote_number: String,
    /// When dialling (outbound) or ringing (inbound) started.
    pub dial_started_ms: i64,
    /// When the call was answered; `None` for a call nobody picked up.
    #[serde(default)]
    pub answered_ms: Option<i64>,
    /// When the call ended; `None` while it is still going.
    #[serde(default)]
    pub ended_ms: Option<i64>,
    /// The record the call is about, if known before logging.
    #[serde(default)]
    pub record: Option<KnownRecord>,
    /// True when a lookup already ran for this call (the popup) and found nothing: logging
    /// must not spend a second lookup on it.
    #[serde(default)]
    pub lookup_done: bool,
    /// The user's own phone extension, for the assignee rule.
    #[serde(default)]
    pub local_extension: Option<String>,
    /// Call-memo tags picked during or after the call.
    #[serde(default)]
    pub memo_tags: Vec<String>,
    /// Free-text comments.
    #[serde(default)]
    pub comments: String,
    /// Speech-recognition transcript, when there is one.
    #[serde(default)]
    pub transcript: Option<String>,
    /// The number or SIP address the call was handed to (a transfer that reached them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transferred_to: Option<String>,
    /// The subject the user wrote in the wrap-up (none: the admin's template).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

impl CallRecord {
    /// Talk time in whole seconds, answer to hang-up, rounded to the nearest second; 0 for
    /// a call never answered or not yet ended, and for clocks that ran backwards.
    pub fn duration_seconds(&self) -> u32 {
        match (self.answered_ms, self.ended_ms) {
            (Some(answered), Some(ended)) if ended > answered => {
                let secs = (ended - answered).saturating_add(500) / 1000;
                u32::try_from(secs).unwrap_or(u32::MAX)
            }
            _ => 0,
        }
    }

    /// The moment the call counts as happening: its answer, or its first ring for a call
    /// nobody answered. Its local date is the Task's `ActivityDate`.
    pub fn started_ms(&self) -> i64 {
        self.answered_ms.unwrap_or(self.dial_started_ms)
    }
}
