//! The Task body: links per record kind, field-level security, subjects, memo, description.

use serde_json::{json, Value};

use super::*;

fn draft_for(call: &CallRecord) -> TaskDraft {
    TaskDraft::from_call(call, &mapping(), &full_access(), &user(Locale::Ja))
}

fn field<'a>(draft: &'a TaskDraft, name: &str) -> Option<&'a Value> {
    draft.body.get(name)
}

fn with_record(known: KnownRecord) -> TaskDraft {
    let mut c = call();
    c.record = Some(known);
    draft_for(&c)
}

#[test]
fn a_full_call_writes_every_field() {
    let mut c = call();
    c.memo_tags = vec!["見積依頼".into()];
    c.comments = "来週再連絡".into();
    let d = draft_for(&c);
    assert!(d.dropped.is_empty(), "{:?}", d.dropped);
    let expected = json!({
        "Subject": "発信: 03-1234-5678",
        "Status": "Completed",
        "Description": "来週再連絡",
        "OwnerId": "005000000000001AAA",
        "TaskSubtype": "Call",
        "ActivityDate": "2026-11-26",
        "CallDurationInSeconds": 192,
        "CallType": "Outbound",
        "CallObject": "call-7f3a",
        "DialStart__c": "2026-11-26T14:29:50.000Z",
        "CallStart__c": "2026-11-26T14:30:00.000Z",
        "CallEnd__c": "2026-11-26T14:33:12.400Z",
        "Memo__c": "見積依頼",
    });
    assert_eq!(Value::Object(d.body), expected);
}

#[test]
fn contact_is_who_and_its_account_is_what() {
    let mut contact = record("Contact", CONTACT, "山田 太郎");
    contact.account_id = Some(id(ACCOUNT));
    let d = with_record(contact);
    assert_eq!(field(&d, "WhoId"), Some(&json!(id(CONTACT).as_str())));
    assert_eq!(field(&d, "WhatId"), Some(&json!(id(ACCOUNT).as_str())));
    assert_eq!(field(&d, "Subject"), Some(&json!("発信: 山田 太郎")));

    let d = with_record(record("Contact", CONTACT, "山田 太郎"));
    assert!(field(&d, "WhatId").is_none(), "no account known, no WhatId");
}

#[test]
fn lead_is_who_and_never_has_a_what() {
    let mut lead = record("Lead", LEAD, "佐藤 花子");
    // Even if the popup passed an account along, a Lead's Task must have no WhatId.
    lead.account_id = Some(id(ACCOUNT));
    let d = with_record(lead);
    assert_eq!(field(&d, "WhoId"), Some(&json!(id(LEAD).as_str())));
    assert!(field(&d, "WhatId").is_none());
}

#[test]
fn account_opportunity_case_and_custom_are_what_only() {
    for (object, rid) in [
        ("Account", ACCOUNT),
        ("Opportunity", "006000000000001"),
        ("Case", "500000000000001"),
        ("Project__c", "a01000000000001"),
    ] {
        let d = with_record(record(object, rid, "x"));
        assert_eq!(
            field(&d, "WhatId"),
            Some(&json!(id(rid).as_str())),
            "{object}"
        );
        assert!(field(&d, "WhoId").is_none(), "{object}");
    }
}

#[test]
fn the_id_prefix_wins_over_a_wrong_object_label_and_users_are_not_linked() {
    let d = with_record(record("Contact", ACCOUNT, "Acme"));
    assert!(field(&d, "WhoId").is_none());
    assert_eq!(field(&d, "WhatId"), Some(&json!(id(ACCOUNT).as_str())));

    let d = with_record(record("User", USER, "同僚"));
    assert!(field(&d, "WhoId").is_none() && field(&d, "WhatId").is_none());
    assert_eq!(
        d.dropped,
        vec![DroppedField {
            field: "WhatId".into(),
            reason: DropReason::UnlinkableObject {
                object: "User".into()
            }
        }]
    );
}

#[test]
fn fields_the_user_cannot_create_are_dropped_and_reported() {
    let mut access = full_access();
    for f in ["WhoId", "Description", "CallStart__c", "Memo__c", "OwnerId"] {
        access.createable.remove(f);
    }
    access.closed_status = None;
    let mut c = call();
    c.record = Some(record("Lead", LEAD, "佐藤"));
    c.comments = "memo".into();
    c.memo_tags = vec!["折り返し".into()];
    let d = TaskDraft::from_call(&c, &mapping(), &access, &user(Locale::Ja));
    let mut reported: Vec<(&str, &DropReason)> = d
        .dropped
        .iter()
        .map(|f| (f.field.as_str(), &f.reason))
        .collect();
    reported.sort_by_key(|(f, _)| *f);
    assert_eq!(
        reported,
        vec![
            ("CallStart__c", &DropReason::NotCreateable),
            ("Description", &DropReason::NotCreateable),
            ("Memo__c", &DropReason::NotCreateable),
            ("OwnerId", &DropReason::NotCreateable),
            ("Status", &DropReason::NoClosedStatus),
            ("WhoId", &DropReason::NotCreateable),
        ]
    );
    for (f, _) in reported {
        assert!(!d.body.contains_key(f), "{f} must not be written");
    }
    // Every written field is createable.
    assert!(d.body.keys().all(|k| access.createable.contains(k)));
}

#[test]
fn a_mapped_field_that_does_not_exist_is_reported_not_sent() {
    let mut m = mapping();
    m.call_end_field = Some("CallEnd_typo__c".into());
    m.dial_start_field = Some("  ".into());
    let d = TaskDraft::from_call(&call(), &m, &full_access(), &user(Locale::Ja));
    assert_eq!(
        d.dropped,
        vec![DroppedField {
            field: "CallEnd_typo__c".into(),
            reason: DropReason::NotCreateable
        }]
    );
    assert!(
        !d.body.contains_key("DialStart__c"),
        "blank mapping is unmapped"
    );
}

#[test]
fn memo_keeps_valid_picklist_values_and_reports_the_rest() {
    let mut c = call();
    c.memo_tags = vec![
        "見積依頼".into(),
        "存在しない".into(),
        "折り返し".into(),
        "見積依頼".into(),
        "a;b".into(),
    ];
    let d = draft_for(&c);
    assert_eq!(field(&d, "Memo__c"), Some(&json!("見積依頼;折り返し")));
    assert_eq!(
        d.dropped,
        vec![DroppedField {
            field: "Memo__c".into(),
            reason: DropReason::InvalidPicklistValues {
                values: vec!["存在しない".into(), "a;b".into()]
            }
        }]
    );
}

#[test]
fn a_call_type_the_org_does_not_have_is_reported() {
    let mut access = full_access();
    access.call_type_values = Some(vec!["Inbound".into()]);
    let d = TaskDraft::from_call(&call(), &mapping(), &access, &user(Locale::En));
    assert!(!d.body.contains_key("CallType"));
    assert_eq!(d.dropped[0].field, "CallType");
}

#[test]
fn an_unanswered_call_lasts_zero_seconds_and_has_no_call_start() {
    let mut c = call();
    c.direction = Direction::Inbound;
    c.answered_ms = None;
    let d = draft_for(&c);
    assert_eq!(field(&d, "CallDurationInSeconds"), Some(&json!(0)));
    assert!(!d.body.contains_key("CallStart__c"));
    assert_eq!(field(&d, "Subject"), Some(&json!("不在着信: 03-1234-5678")));
    assert!(d.dropped.is_empty());
}

#[test]
fn assignee_follows_the_extension_map_with_the_current_user_as_fallback() {
    let mut m = mapping();
    let other = id("005000000000002");
    m.assignee = AssigneeRule::ByExtension {
        users: [("201".to_string(), other.clone())].into_iter().collect(),
    };
    let mut c = call();
    c.local_extension = Some("201".into());
    let d = TaskDraft::from_call(&c, &m, &full_access(), &user(Locale::Ja));
    assert_eq!(field(&d, "OwnerId"), Some(&json!(other.as_str())));
    c.local_extension = Some("999".into());
    let d = TaskDraft::from_call(&c, &m, &full_access(), &user(Locale::Ja));
    assert_eq!(field(&d, "OwnerId"), Some(&json!(id(USER).as_str())));
}

#[test]
fn japanese_and_english_subjects() {
    let mut c = call();
    c.record = Some(record("Contact", CONTACT, "山田 太郎"));
    let ja = draft_for(&c);
    assert_eq!(field(&ja, "Subject"), Some(&json!("発信: 山田 太郎")));
    c.direction = Direction::Inbound;
    assert_eq!(
        field(&draft_for(&c), "Subject"),
        Some(&json!("着信: 山田 太郎"))
    );
    let en = TaskDraft::from_call(&c, &mapping(), &full_access(), &user(Locale::En));
    assert_eq!(field(&en, "Subject"), Some(&json!("Call from 山田 太郎")));

    let mut m = mapping();
    m.subject_template = Some("{direction} {name} {number} {{x}} {unknown}".into());
    let custom = TaskDraft::from_call(&c, &m, &full_access(), &user(Locale::En));
    assert_eq!(
        field(&custom, "Subject"),
        Some(&json!("Inbound 山田 太郎 03-1234-5678 {x} {unknown}"))
    );
}

#[test]
fn hostile_names_stay_text_without_control_characters() {
    let mut c = call();
    c.record = Some(record(
        "Contact",
        CONTACT,
        "<img src=x onerror=alert(1)>\u{0}\n\r\u{202E}evil {number}",
    ));
    let d = draft_for(&c);
    assert_eq!(
        field(&d, "Subject"),
        Some(&json!("発信: <img src=x onerror=alert(1)> evil {number}")),
        "markup stays as typed, controls go, a placeholder in a value is not expanded"
    );
}

#[test]
fn the_transcript_goes_under_a_heading() {
    let mut c = call();
    c.comments = "見積の件\r\n来週".into();
    c.transcript = Some("もしもし\u{7}".into());
    let d = draft_for(&c);
    assert_eq!(
        field(&d, "Description"),
        Some(&json!("見積の件\n来週\n\n【音声認識結果】\nもしもし"))
    );
    c.comments.clear();
    let en = TaskDraft::from_call(&c, &mapping(), &full_access(), &user(Locale::En));
    assert_eq!(
        field(&en, "Description"),
        Some(&json!("[Transcript]\nもしもし"))
    );
}

#[test]
fn a_long_description_is_cut_to_32000_with_a_marker() {
    let mut c = call();
    c.comments = "あ".repeat(20_000);
    c.transcript = Some("😀".repeat(10_000));
    let d = draft_for(&c);
    let text = field(&d, "Description").and_then(Value::as_str).unwrap();
    assert!(text.encode_utf16().count() <= 32_000);
    assert!(text.encode_utf16().count() > 31_950);
    assert!(text.ends_with("(文字数の上限のため以下省略)"));
    assert!(text.starts_with(&"あ".repeat(20_000)));
}

#[test]
fn a_long_subject_is_cut_to_255_on_a_char_boundary() {
    let mut c = call();
    c.record = Some(record("Contact", CONTACT, &"𠮷".repeat(300)));
    let d = draft_for(&c);
    let subject = field(&d, "Subject").and_then(Value::as_str).unwrap();
    assert!(subject.encode_utf16().count() <= 255);
    assert!(subject.starts_with("発信: 𠮷"));
}

#[test]
fn drafts_survive_storage() {
    let d = draft_for(&call());
    let stored = serde_json::to_string(&d).unwrap();
    assert_eq!(serde_json::from_str::<TaskDraft>(&stored).unwrap(), d);
    let stored = serde_json::to_string(&call()).unwrap();
    assert_eq!(serde_json::from_str::<CallRecord>(&stored).unwrap(), call());
}
