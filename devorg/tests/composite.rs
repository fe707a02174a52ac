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
