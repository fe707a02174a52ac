//! The seed's API-call budget: every step of a call is one request.

use super::*;

#[test]
fn logging_with_a_known_record_is_one_post() {
    let mut c = call();
    c.record = Some(record("Contact", CONTACT, "山田"));
    let plan = plan_logging(
        &c,
        &mapping(),
        &full_access(),
        &user(Locale::Ja),
        ALL_READABLE,
    );
    let LoggingPlan::Direct { request, draft } = &plan else {
        panic!("{plan:?}")
    };
    assert_eq!(
        ApiBudget::spent(std::slice::from_ref(request)),
        ApiBudget::LOG_ONLY
    );
    assert_eq!(request.method, HttpMethod::Post);
    assert_eq!(request.path, "/sobjects/Task");
    assert_eq!(
        request.body,
        Some(serde_json::Value::Object(draft.body.clone()))
    );
}

#[test]
fn lookup_and_logging_is_one_composite() {
    let plan = plan_logging(
        &call(),
        &mapping(),
        &full_access(),
        &user(Locale::Ja),
        ALL_READABLE,
    );
    assert!(matches!(plan, LoggingPlan::LookupAndLog { .. }), "{plan:?}");
    assert_eq!(plan.request().path, "/composite");
    assert_eq!(
        ApiBudget::spent(std::slice::from_ref(plan.request())),
        ApiBudget::LOOKUP_AND_LOG
    );
}

#[test]
fn a_lookup_already_made_is_not_repeated() {
    let mut c = call();
    c.lookup_done = true;
    let plan = plan_logging(
        &c,
        &mapping(),
        &full_access(),
        &user(Locale::Ja),
        ALL_READABLE,
    );
    assert!(matches!(plan, LoggingPlan::Direct { .. }));
    assert_eq!(plan.request().path, "/sobjects/Task");
}

#[test]
fn nothing_to_look_up_logs_directly() {
    let mut internal = call();
    internal.direction = Direction::Internal;
    internal.remote_number = "201".into();
    let mut anonymous = call();
    anonymous.remote_number = "anonymous".into();
    let none = LookupAccess {
        contact: false,
        account: false,
        lead: false,
    };
    for (c, readable) in [
        (internal, ALL_READABLE),
        (anonymous, ALL_READABLE),
        (call(), none),
    ] {
        let plan = plan_logging(&c, &mapping(), &full_access(), &user(Locale::Ja), readable);
        assert!(matches!(plan, LoggingPlan::Direct { .. }), "{plan:?}");
    }
}

#[test]
fn a_transcript_later_is_one_patch_of_the_description() {
    let mut c = call();
    c.comments = "見積".into();
    c.transcript = Some("こんにちは".into());
    let update = transcript_update(&id(TASK), &c, &full_access(), Locale::Ja);
    let request = update.request.expect("Description is updateable");
    assert_eq!(
        ApiBudget::spent(std::slice::from_ref(&request)),
        ApiBudget::TRANSCRIPT
    );
    assert_eq!(request.method, HttpMethod::Patch);
    assert_eq!(request.path, format!("/sobjects/Task/{}", id(TASK)));
    assert_eq!(
        request.body,
        Some(serde_json::json!({"Description": "見積\n\n【音声認識結果】\nこんにちは"}))
    );

    let mut access = full_access();
    access.updateable.remove("Description");
    let update = transcript_update(&id(TASK), &c, &access, Locale::Ja);
    assert_eq!(update.request, None, "nothing writable costs nothing");
    assert_eq!(update.dropped[0].reason, DropReason::NotUpdateable);
}

#[test]
fn each_memo_change_is_one_patch_with_the_full_set() {
    let mut tags: Vec<String> = vec![];
    let mut spent = 0;
    for change in ["見積依頼", "折り返し"] {
        tags.push(change.into());
        let update = memo_update(&id(TASK), &tags, &mapping(), &full_access());
        spent += ApiBudget::spent(update.request.as_slice());
    }
    tags.clear();
    let update = memo_update(&id(TASK), &tags, &mapping(), &full_access());
    spent += ApiBudget::spent(update.request.as_slice());
    assert_eq!(spent, 3 * ApiBudget::MEMO_CHANGE);
    assert_eq!(
        update.request.and_then(|r| r.body),
        Some(serde_json::json!({"Memo__c": null})),
        "removing the last tag clears the field"
    );

    let update = memo_update(
        &id(TASK),
        &["見積依頼".into(), "折り返し".into()],
        &mapping(),
        &full_access(),
    );
    assert_eq!(
        update.request.and_then(|r| r.body),
        Some(serde_json::json!({"Memo__c": "見積依頼;折り返し"}))
    );
}

#[test]
fn a_whole_call_stays_within_the_seed_budget() {
    // Lookup and log, transcript, two memo changes: 4 calls, the seed's 1 + 1 + 1 + 1.
    let mut c = call();
    c.transcript = Some("t".into());
    let mut requests = vec![plan_logging(
        &c,
        &mapping(),
        &full_access(),
        &user(Locale::Ja),
        ALL_READABLE,
    )
    .request()
    .clone()];
    requests.extend(transcript_update(&id(TASK), &c, &full_access(), Locale::Ja).request);
    requests
        .extend(memo_update(&id(TASK), &["見積依頼".into()], &mapping(), &full_access()).request);
    requests.extend(memo_update(&id(TASK), &[], &mapping(), &full_access()).request);
    assert_eq!(
        ApiBudget::spent(&requests),
        ApiBudget::LOOKUP_AND_LOG + ApiBudget::TRANSCRIPT + 2 * ApiBudget::MEMO_CHANGE
    );
}

#[test]
fn the_users_subject_is_written_whole_on_one_line_and_needs_no_name_patch() {
    let mut c = call();
    c.subject = Some("見積の件\n至急".into());
    let draft = TaskDraft::from_call(&c, &mapping(), &full_access(), &user(Locale::Ja));
    assert_eq!(draft.body["Subject"], "見積の件 至急");
    // After logging: one PATCH of Subject alone.
    let update = subject_update(&id(TASK), &c, &mapping(), &full_access(), Locale::Ja, None);
    let request = update.request.expect("one request");
    assert_eq!(request.method, HttpMethod::Patch);
    assert_eq!(
        request.body,
        Some(serde_json::json!({"Subject": "見積の件 至急"}))
    );
    assert_eq!(ApiBudget::spent(&[request]), ApiBudget::SUBJECT_CHANGE);
    // Cleared: the template again, with the record's name.
    c.subject = None;
    let auto = subject_for(&c, &mapping(), Locale::Ja, Some("山田 太郎"));
    assert!(auto.contains("山田 太郎"), "{auto}");
}

#[test]
fn relinking_writes_both_link_fields_in_one_patch() {
    let access = full_access();
    // The user's own subject: only the links change.
    let mut c = call();
    c.subject = Some("見積".into());
    let mut contact = record("Contact", CONTACT, "山田 太郎");
    contact.account_id = Some(id(ACCOUNT));
    let on = |c: &CallRecord, r: KnownRecord| {
        let mut c = c.clone();
        c.record = Some(r);
        link_update(&id(TASK), &c, &mapping(), &access, Locale::Ja)
            .request
            .unwrap()
    };
    assert_eq!(
        on(&c, contact.clone()).body,
        Some(serde_json::json!({"WhoId": id(CONTACT).as_str(), "WhatId": id(ACCOUNT).as_str()}))
    );
    // A Lead's Task has no WhatId: the Contact's Account is cleared.
    assert_eq!(
        on(&c, record("Lead", LEAD, "佐藤 一郎")).body,
        Some(serde_json::json!({"WhoId": id(LEAD).as_str(), "WhatId": null}))
    );
    let on_account = on(&c, record("Account", ACCOUNT, "アクメ"));
    assert_eq!(
        on_account.body,
        Some(serde_json::json!({"WhoId": null, "WhatId": id(ACCOUNT).as_str()}))
    );
    assert_eq!(ApiBudget::spent(&[on_account]), ApiBudget::RELINK);
    // The template's subject names the record: it follows, in the same PATCH.
    c.subject = None;
    let body = on(&c, contact).body.unwrap();
    assert!(
        body["Subject"].as_str().unwrap().contains("山田 太郎"),
        "{body}"
    );
    assert_eq!(body["WhoId"], id(CONTACT).as_str());
}

#[test]
fn the_record_owner_assignee_reads_an_unknown_owner_in_the_one_request() {
    let mut m = mapping();
    m.assignee = AssigneeRule::RecordOwner;
    let mut c = call();
    c.record = Some(record("Contact", CONTACT, "山田 太郎"));
    let plan = plan_logging(&c, &m, &full_access(), &user(Locale::Ja), ALL_READABLE);
    let LoggingPlan::LookupAndLog { request, plan, .. } = &plan else {
        panic!("{plan:?}");
    };
    assert!(plan.to_record_owner);
    assert_eq!(ApiBudget::spent(std::slice::from_ref(request)), 1);
    let body = request.body.as_ref().unwrap();
    let subs = body["compositeRequest"].as_array().unwrap();
    assert_eq!(subs.len(), 3);
    assert!(subs[0]["url"].as_str().unwrap().ends_with(&format!(
        "/sobjects/Contact/{}?fields=OwnerId",
        id(CONTACT).as_str()
    )));
    assert!(
        subs[1]["body"].get("OwnerId").is_none(),
        "created as the user's"
    );
    assert_eq!(subs[1]["body"]["WhoId"], id(CONTACT).as_str());
    assert_eq!(subs[2]["body"]["OwnerId"], "@{owner.OwnerId}");
    // The owner refused (a queue, an inactive user): the Task is there, the hand-over said.
    let answer = serde_json::json!({"compositeResponse": [
        {"referenceId": "owner", "httpStatusCode": 200, "body": {"OwnerId": "00G000000000001AAA"}},
        {"referenceId": "task", "httpStatusCode": 201, "body": {"id": "00T000000000001", "success": true}},
        {"referenceId": "assignOwner", "httpStatusCode": 400, "body": [
            {"errorCode": "FIELD_INTEGRITY_EXCEPTION", "message": "Assigned To ID: owner cannot be a queue"}]},
    ]});
    let outcome = interpret_composite(plan, &answer.to_string()).unwrap();
    assert!(outcome.task_id.is_some());
    assert_eq!(outcome.errors.len(), 1);
    assert_eq!(outcome.errors[0].reference_id, "assignOwner");
    // A known owner (from the card or a search) is written in the one POST.
    let owner = id("005000000000009");
    c.record.as_mut().unwrap().owner_id = Some(owner.clone());
    match plan_logging(&c, &m, &full_access(), &user(Locale::Ja), ALL_READABLE) {
        LoggingPlan::Direct { request, .. } => {
            assert_eq!(request.body.unwrap()["OwnerId"], owner.as_str());
        }
        other => panic!("{other:?}"),
    }
}
