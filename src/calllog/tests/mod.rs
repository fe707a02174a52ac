//! Call logging against the rules Salesforce enforces and the budget the seed promises.

mod answers;
mod budget;
mod composite;
mod draft;
mod time_and_text;

use super::*;
use crate::salesforce::id::RecordId;

pub(super) fn id(text: &str) -> RecordId {
    RecordId::parse(text).expect("test ids are valid")
}

pub(super) const USER: &str = "005000000000001";
pub(super) const CONTACT: &str = "003000000000001";
pub(super) const ACCOUNT: &str = "001000000000001";
pub(super) const LEAD: &str = "00Q000000000001";
pub(super) const TASK: &str = "00T000000000001";

/// 2026-11-26T14:30:00Z, which is 23:30 on the 26th in Tokyo.
pub(super) const T_2330_JST: i64 = 1_795_703_400_000;

pub(super) fn user(locale: Locale) -> UserContext {
    UserContext {
        user_id: id(USER),
        locale,
        utc_offset_minutes: 540,
    }
}

pub(super) const STANDARD: [&str; 13] = [
    "Subject",
    "Status",
    "Description",
    "OwnerId",
    "WhoId",
    "WhatId",
    "TaskSubtype",
    "ActivityDate",
    "CallDurationInSeconds",
    "CallType",
    "CallObject",
    "Priority",
    "Type",
];

pub(super) const CUSTOM: [&str; 4] = ["DialStart__c", "CallStart__c", "CallEnd__c", "Memo__c"];

/// A user who may write everything the product writes.
pub(super) fn full_access() -> TaskFieldAccess {
    let all = || STANDARD.iter().chain(CUSTOM.iter()).map(|f| f.to_string());
    TaskFieldAccess {
        createable: all().collect(),
        // TaskSubtype is set only at insert.
        updateable: all().filter(|f| f != "TaskSubtype").collect(),
        closed_status: Some("Completed".to_string()),
        call_type_values: Some(vec!["Inbound".into(), "Outbound".into(), "Internal".into()]),
        memo_values: Some(vec![
            "見積依頼".into(),
            "折り返し".into(),
            "クレーム".into(),
        ]),
    }
}

pub(super) fn mapping() -> FieldMapping {
    FieldMapping {
        dial_start_field: Some("DialStart__c".into()),
        call_start_field: Some("CallStart__c".into()),
        call_end_field: Some("CallEnd__c".into()),
        memo_field: Some("Memo__c".into()),
        subject_template: None,
        assignee: AssigneeRule::CurrentUser,
    }
}

/// An answered outbound call to 03-1234-5678: rang 10 s, talked 192.4 s.
pub(crate) fn call() -> CallRecord {
    CallRecord {
        call_id: "call-7f3a".into(),
        direction: Direction::Outbound,
        remote_number: "+81312345678".into(),
        dial_started_ms: T_2330_JST - 10_000,
        answered_ms: Some(T_2330_JST),
        ended_ms: Some(T_2330_JST + 192_400),
        record: None,
        lookup_done: false,
        local_extension: None,
        memo_tags: vec![],
        comments: String::new(),
        transcript: None,
        transferred_to: None,
        subject: None,
    }
}

pub(super) fn record(object: &str, record_id: &str, name: &str) -> KnownRecord {
    KnownRecord {
        object: object.into(),
        id: id(record_id),
        name: name.into(),
        account_id: None,
        owner_id: None,
    }
}

pub(super) const ALL_READABLE: LookupAccess = LookupAccess {
    contact: true,
    account: true,
    lead: true,
};
