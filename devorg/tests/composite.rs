//! `/composite` and `/composite/sobjects` over HTTPS.

mod common;

use common::*;
use devorg::Edition;
use reqwest::Method;
use serde_json::{json, Value};

const YAMADA: &str = "0035g00000Yam4dAAB";
const LEAD: &str = "00Q5g00000KoBaYEAV";
const ACME: &str = "0015g00000AcMeAAAV";

fn sub(method: &str, url: &str, reference: &str, body: Option<Value>) -> Value {
    let mut item = json!({"method": method, "url": url, "referenceId": reference});
    if let Some(body) = body {
        item["body"] = body;
    }
    item
}

fn tasks_with(org: &TestOrg, call_object: &str) -> usize {
    org.running
        .org
        .lock()
        .records
        .iter()
        .filter(|r| r["CallObject"] == call_object)
        .count()
}

#[tokio::test]
async fn subrequests_reference_earlier_results_and_count_as_one_call() {
    let org = TestOrg::start(Edition::Enterprise).await;
    let sid = org.session(ADMIN_USER).await;
    let before = org.running.org.lock().api_used;
    let request = json!({"allOrNone": false, "compositeRequest": [
        sub("POST", "/services/data/v51.0/sobjects/Task", "newTask",
            Some(json!({"Subject": "着信", "TaskSubtype": "Call", "CallType": "Inbound", "CallObject": "c-1"}))),
        sub("PATCH", "/services/data/v51.0/sobjects/Task/@{newTask.id}", "link",
            Some(json!({"WhoId": YAMADA}))),
        sub("GET", "/services/data/v51.0/sobjects/Task/@{newTask.id}?fields=WhoId,AccountId", "check", None),
    ]});
    let (status, body) = org
        .rest(&sid, Method::POST, "/composite", Some(request))
        .await;
    assert_eq!(status, 200);
    let responses = body["compositeResponse"].as_array().unwrap();
    assert_eq!(responses[0]["httpStatusCode"], 201);
    assert!(responses[0]["httpHeaders"]["Location"]
        .as_str()
        .unwrap()
        .contains("/sobjects/Task/00T"));
    assert_eq!(responses[1]["httpStatusCode"], 204);
    assert_eq!(responses[2]["body"]["WhoId"], YAMADA);
    assert_eq!(responses[2]["body"]["AccountId"], ACME);
    assert_eq!(org.running.org.lock().api_used - before, 1);
}

#[tokio::test]
async fn an_unresolved_reference_halts_only_its_subrequest_in_v51() {
    let org = TestOrg::start(Edition::Enterprise).await;
    let sid = org.session(ADMIN_USER).await;
    let request = json!({"compositeRequest": [
        sub("POST", "/services/data/v51.0/sobjects/Task", "newTask", Some(json!({"Subject": "x", "CallObject": "c-2"}))),
        sub("PATCH", "/services/data/v51.0/sobjects/Task/@{newTask.id}", "link",
            Some(json!({"WhoId": "@{missing.records[0].Id}"}))),
    ]});
    let (_, body) = org
        .rest(&sid, Method::POST, "/composite", Some(request))
        .await;
    let responses = body["compositeResponse"].as_array().unwrap();
    assert_eq!(responses[0]["httpStatusCode"], 201);
    assert_eq!(responses[1]["httpStatusCode"], 400);
    assert_eq!(responses[1]["body"][0]["errorCode"], "PROCESSING_HALTED");
    assert!(responses[1]["body"][0].get("fields").is_none());
    assert_eq!(tasks_with(&org, "c-2"), 1, "the independent create stays");
}

#[tokio::test]
async fn all_or_none_rolls_everything_back() {
    let org = TestOrg::start(Edition::Enterprise).await;
    let sid = org.session(ADMIN_USER).await;
    let request = json!({"allOrNone": true, "compositeRequest": [
        sub("POST", "/services/data/v51.0/sobjects/Task", "ok", Some(json!({"Subject": "x", "CallObject": "c-3"}))),
        sub("POST", "/services/data/v51.0/sobjects/Task", "bad",
            Some(json!({"Subject": "x", "WhoId": LEAD, "WhatId": ACME, "CallObject": "c-3"}))),
    ]});
    let (status, body) = org
        .rest(&sid, Method::POST, "/composite", Some(request))
        .await;
    assert_eq!(status, 200);
    let responses = body["compositeResponse"].as_array().unwrap();
    assert_eq!(responses[0]["httpStatusCode"], 400);
    assert_eq!(responses[0]["body"][0]["errorCode"], "PROCESSING_HALTED");
    assert_eq!(
        responses[1]["body"][0]["errorCode"],
        "FIELD_INTEGRITY_EXCEPTION"
    );
    assert_eq!(tasks_with(&org, "c-3"), 0);
}

#[tokio::test]
async fn limits_and_forbidden_parts_are_refused_whole() {
    let org = TestOrg::start(Edition::Enterprise).await;
    let sid = org.session(ADMIN_USER).await;
    let many: Vec<Value> = (0..26)
        .map(|i| {
            sub(
                "GET",
                "/services/data/v51.0/sobjects/Task/describe",
                &format!("r{i}"),
                None,
            )
        })
        .collect();
    let (status, _) = org
        .rest(
            &sid,
            Method::POST,
            "/composite",
            Some(json!({"compositeRequest": many})),
        )
        .await;
    assert_eq!(status, 400);
    let mut with_header = sub(
        "GET",
        "/services/data/v51.0/sobjects/Task/describe",
        "d",
        None,
    );
    with_header["httpHeaders"] = json!({"Authorization": "Bearer x"});
    let (status, _) = org
        .rest(
            &sid,
            Method::POST,
            "/composite",
            Some(json!({"compositeRequest": [with_header]})),
        )
        .await;
    assert_eq!(status, 400);
    let search = sub(
        "GET",
        "/services/data/v51.0/search/?q=FIND+%7B0312345678%7D",
        "s",
        None,
    );
    let (_, body) = org
        .rest(
            &sid,
            Method::POST,
            "/composite",
            Some(json!({"compositeRequest": [search]})),
        )
        .await;
    assert_eq!(
        body["compositeResponse"][0]["httpStatusCode"], 400,
        "search is not a composite resource"
    );
}

#[tokio::test]
async fn collections_report_errors_with_status_code() {
    let org = TestOrg::start(Edition::Enterprise).await;
    let sid = org.session(ADMIN_USER).await;
    let request = json!({"allOrNone": false, "records": [
        {"attributes": {"type": "Task"}, "Subject": "x", "CallObject": "c-4"},
        {"attributes": {"type": "Task"}, "Subject": "x", "WhoId": ACME},
    ]});
    let (status, body) = org
        .rest(&sid, Method::POST, "/composite/sobjects", Some(request))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body[0]["success"], true);
    assert_eq!(body[1]["success"], false);
    assert_eq!(
        body[1]["errors"][0]["statusCode"],
        "FIELD_INTEGRITY_EXCEPTION"
    );
    assert_eq!(body[1]["errors"][0]["fields"], json!(["WhoId"]));
    assert_eq!(tasks_with(&org, "c-4"), 1);
}

fn task_ids(body: &Value) -> Vec<String> {
    body.as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn status_codes(body: &Value) -> Vec<String> {
    body.as_array()
        .unwrap()
        .iter()
        .map(|r| match r["success"].as_bool() {
            Some(true) => "ok".to_string(),
            _ => r["errors"][0]["statusCode"]
                .as_str()
                .unwrap_or("?")
                .to_string(),
        })
        .collect()
}

async fn create_tasks(org: &TestOrg, sid: &str, call_object: &str, n: usize) -> Vec<String> {
    let records: Vec<Value> = (0..n)
        .map(|i| json!({"attributes": {"type": "Task"}, "Subject": format!("t{i}"), "CallObject": call_object}))
        .collect();
    let (status, body) = org
        .rest(
            sid,
            Method::POST,
            "/composite/sobjects",
            Some(json!({"records": records})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    task_ids(&body)
}

#[tokio::test]
async fn collections_update_in_order_with_per_record_errors() {
    let org = TestOrg::start(Edition::Enterprise).await;
    let sid = org.session(ADMIN_USER).await;
    let ids = create_tasks(&org, &sid, "c-upd", 2).await;
    let before = org.running.org.lock().api_used;
    let request = json!({"allOrNone": false, "records": [
        {"attributes": {"type": "Task"}, "id": ids[0], "Description": "一"},
        {"attributes": {"type": "Task"}, "Description": "no id"},
        {"attributes": {"type": "Task"}, "id": YAMADA, "Description": "a Contact's id"},
        {"attributes": {"type": "Task"}, "id": "00T5g000000Nope", "Description": "no such Task"},
        {"attributes": {"type": "Task"}, "Id": ids[1], "CallType": "Sideways"},
        {"attributes": {"type": "Task"}, "Id": ids[1], "Description": "二"},
    ]});
    let (status, body) = org
        .rest(&sid, Method::PATCH, "/composite/sobjects", Some(request))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(org.running.org.lock().api_used - before, 1, "one call");
    assert_eq!(
        status_codes(&body),
        [
            "ok",
            "MISSING_ARGUMENT",
            "MALFORMED_ID",
            "INVALID_CROSS_REFERENCE_KEY",
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            "ok"
        ]
    );
    assert_eq!(body[0]["id"], ids[0].as_str());
    assert_eq!(body[5]["id"], ids[1].as_str());
    assert_eq!(body[2]["errors"][0]["fields"], json!(["Id"]));
    assert_eq!(
        body[2]["errors"][0]["message"],
        format!("Task ID: id value of incorrect type: {YAMADA}")
    );
    let (_, got) = org
        .rest(
            &sid,
            Method::GET,
            &format!(
                "/composite/sobjects/Task?ids={},{}&fields=Description",
                ids[0], ids[1]
            ),
            None,
        )
        .await;
    assert_eq!(got[0]["Description"], "一");
    assert_eq!(got[1]["Description"], "二");

    // allOrNone: one failure undoes the others, which say so and keep their id.
    let request = json!({"allOrNone": true, "records": [
        {"attributes": {"type": "Task"}, "id": ids[0], "Description": "undone"},
        {"attributes": {"type": "Task"}, "id": ids[1], "Description": "x".repeat(32_001)},
    ]});
    let (status, body) = org
        .rest(&sid, Method::PATCH, "/composite/sobjects", Some(request))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        status_codes(&body),
        ["ALL_OR_NONE_OPERATION_ROLLED_BACK", "STRING_TOO_LONG"]
    );
    assert_eq!(body[0]["id"], ids[0].as_str());
    let (_, got) = org
        .rest(
            &sid,
            Method::POST,
            "/composite/sobjects/Task",
            Some(json!({"ids": [ids[0]], "fields": ["Description"]})),
        )
        .await;
    assert_eq!(got[0]["Description"], "一");
}

#[tokio::test]
async fn collections_retrieve_answers_a_record_or_null_per_id() {
    let org = TestOrg::start(Edition::Enterprise).await;
    let sid = org.session(ADMIN_USER).await;
    let ids = create_tasks(&org, &sid, "c-get", 1).await;
    let body = json!({"ids": [YAMADA, "003000000000000AAA", "junk", ids[0]], "fields": ["lastname", "Phone"]});
    let (status, got) = org
        .rest(
            &sid,
            Method::POST,
            "/composite/sobjects/Contact",
            Some(body),
        )
        .await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got.as_array().unwrap().len(), 4);
    assert_eq!(got[0]["LastName"], "山田");
    assert_eq!(got[0]["attributes"]["type"], "Contact");
    assert!(got[0].get("Id").is_none(), "only the fields asked for");
    assert!(got[1].is_null() && got[2].is_null());
    assert!(got[3].is_null(), "a Task's id is not a Contact");

    let (status, got) = org
        .rest(
            &sid,
            Method::GET,
            &format!("/composite/sobjects/Contact?ids={YAMADA}&fields=Id,Name"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(got[0]["Id"], YAMADA);

    let bad_field = json!({"ids": [YAMADA], "fields": ["Nope__c"]});
    let (status, got) = org
        .rest(
            &sid,
            Method::POST,
            "/composite/sobjects/Contact",
            Some(bad_field),
        )
        .await;
    assert_eq!((status, code(&got)), (400, "INVALID_FIELD"));
    let (status, _) = org
        .rest(
            &sid,
            Method::POST,
            "/composite/sobjects/Nope",
            Some(json!({"ids": [YAMADA], "fields": ["Id"]})),
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn collections_delete_with_and_without_all_or_none() {
    let org = TestOrg::start(Edition::Enterprise).await;
    let sid = org.session(ADMIN_USER).await;
    let ids = create_tasks(&org, &sid, "c-del", 3).await;

    // allOrNone: the missing id fails and nothing is deleted.
    let path = format!(
        "/composite/sobjects?ids={},00T5g000000Nope&allOrNone=true",
        ids[0]
    );
    let (status, body) = org.rest(&sid, Method::DELETE, &path, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        status_codes(&body),
        [
            "ALL_OR_NONE_OPERATION_ROLLED_BACK",
            "INVALID_CROSS_REFERENCE_KEY"
        ]
    );
    assert_eq!(tasks_with(&org, "c-del"), 3);

    let path = format!("/composite/sobjects?ids={},{},bad-id", ids[0], ids[1]);
    let (status, body) = org.rest(&sid, Method::DELETE, &path, None).await;
    assert_eq!(status, 200);
    assert_eq!(status_codes(&body), ["ok", "ok", "MALFORMED_ID"]);
    assert_eq!(task_ids(&body)[..2], ids[..2]);
    assert_eq!(tasks_with(&org, "c-del"), 1);

    let path = format!("/composite/sobjects?ids={}", ids[0]);
    let (_, body) = org.rest(&sid, Method::DELETE, &path, None).await;
    assert_eq!(status_codes(&body), ["ENTITY_IS_DELETED"]);
}

/// How many results a 200 answered, or the error code of a 400.
fn sized(status: u16, body: &Value) -> Result<usize, &str> {
    match status {
        200 => Ok(body.as_array().map_or(0, Vec::len)),
        _ => Err(code(body)),
    }
}

#[tokio::test]
async fn collections_take_at_most_200_records() {
    let org = TestOrg::start(Edition::Enterprise).await;
    let sid = org.session(ADMIN_USER).await;
    let records: Vec<Value> = (0..201)
        .map(|_| json!({"attributes": {"type": "Task"}, "id": "00T5g000000Nope", "Subject": "x"}))
        .collect();
    let (status, body) = org
        .rest(
            &sid,
            Method::PATCH,
            "/composite/sobjects",
            Some(json!({"records": records})),
        )
        .await;
    assert_eq!((status, code(&body)), (400, "EXCEEDED_ID_LIMIT"));
    // Exactly 200 ids is fine for delete, 2,000 for retrieve.
    for (n, expected) in [(201, Err("EXCEEDED_ID_LIMIT")), (200, Ok(200))] {
        let ids = vec!["00T5g000000Nope"; n].join(",");
        let path = format!("/composite/sobjects?ids={ids}");
        let (status, body) = org.rest(&sid, Method::DELETE, &path, None).await;
        assert_eq!(sized(status, &body), expected, "delete {n}");
    }
    for (n, expected) in [(2_001, Err("EXCEEDED_ID_LIMIT")), (2_000, Ok(2_000))] {
        let body = json!({"ids": vec![YAMADA; n], "fields": ["Id"]});
        let path = "/composite/sobjects/Contact";
        let (status, body) = org.rest(&sid, Method::POST, path, Some(body)).await;
        assert_eq!(sized(status, &body), expected, "retrieve {n}");
    }
}

#[tokio::test]
async fn a_composite_all_or_none_overrides_its_collections() {
    let org = TestOrg::start(Edition::Enterprise).await;
    let sid = org.session(ADMIN_USER).await;
    let request = json!({"allOrNone": true, "compositeRequest": [
        sub("POST", "/services/data/v51.0/composite/sobjects", "many", Some(json!({
            "allOrNone": false,
            "records": [
                {"attributes": {"type": "Task"}, "Subject": "x", "CallObject": "c-outer"},
                {"attributes": {"type": "Task"}, "Subject": "x", "WhoId": ACME},
            ]}))),
        sub("POST", "/services/data/v51.0/sobjects/Task", "one",
            Some(json!({"Subject": "x", "CallObject": "c-outer"}))),
    ]});
    let (status, body) = org
        .rest(&sid, Method::POST, "/composite", Some(request))
        .await;
    assert_eq!(status, 200);
    let many = &body["compositeResponse"][0];
    assert_eq!(
        status_codes(&many["body"]),
        [
            "ALL_OR_NONE_OPERATION_ROLLED_BACK",
            "FIELD_INTEGRITY_EXCEPTION"
        ]
    );
    assert_eq!(body["compositeResponse"][1]["httpStatusCode"], 400);
    assert_eq!(tasks_with(&org, "c-outer"), 0, "everything rolled back");
}
