//! `/sobjects` over HTTPS: describe with licences and field-level security, CRUD, Task rules,
//! and the user / org level refusals.

mod common;

use common::*;
use devorg::Edition;
use reqwest::Method;
use serde_json::{json, Value};

const YAMADA: &str = "0035g00000Yam4dAAB";
const LEAD: &str = "00Q5g00000KoBaYEAV";
const ACME: &str = "0015g00000AcMeAAAV";

fn names(describe_global: &Value) -> Vec<String> {
    describe_global["sobjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn describe_global_lists_what_the_licence_allows() {
    let org = TestOrg::start(Edition::Enterprise).await;
    let admin = org.session(ADMIN_USER).await;
    let (status, all) = org.rest(&admin, Method::GET, "/sobjects/", None).await;
    assert_eq!(status, 200);
    for object in [
        "Account",
        "Contact",
        "Lead",
        "User",
        "Task",
        "Opportunity",
        "Case",
    ] {
        assert!(names(&all).contains(&object.to_string()), "{object}");
    }
    let starter = org.session(STARTER_USER).await;
    let (_, visible) = org.rest(&starter, Method::GET, "/sobjects/", None).await;
    assert!(!names(&visible).contains(&"Lead".to_string()));
    assert!(names(&visible).contains(&"Contact".to_string()));
    let (status, body) = org
        .rest(&starter, Method::GET, "/sobjects/Lead/describe", None)
        .await;
    assert_eq!((status, code(&body)), (404, "NOT_FOUND"));
}

#[tokio::test]
async fn task_describe_reports_types_and_field_security() {
    let org = TestOrg::start(Edition::Enterprise).await;
    let sid = org.session(ADMIN_USER).await;
    let (_, describe) = org
        .rest(&sid, Method::GET, "/sobjects/Task/describe", None)
        .await;
    let field = |name: &str| -> Value {
        describe["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(field("TaskSubtype")["createable"], true);
    assert_eq!(field("TaskSubtype")["updateable"], false);
    assert_eq!(field("CallType")["restrictedPicklist"], true);
    assert_eq!(field("Description")["length"], 32000);
    assert_eq!(field("CallMemo__c")["type"], "multipicklist");
    assert_eq!(field("CallMemo__c")["custom"], true);
    assert_eq!(field("DialStart__c")["type"], "datetime");
    assert_eq!(field("AccountId")["createable"], false);

    org.admin(
        "fls",
        json!({"username": ADMIN_USER, "object": "Task", "field": "CallStart__c", "access": "hidden"}),
    )
    .await;
    org.admin(
        "fls",
        json!({"username": ADMIN_USER, "object": "Task", "field": "Description", "access": "read"}),
    )
    .await;
    // Call-centre fields ignore field-level security.
    org.admin(
        "fls",
        json!({"username": ADMIN_USER, "object": "Task", "field": "CallType", "access": "hidden"}),
    )
    .await;
    let (_, describe) = org
        .rest(&sid, Method::GET, "/sobjects/Task/describe", None)
        .await;
    let fields = describe["fields"].as_array().unwrap();
    assert!(!fields.iter().any(|f| f["name"] == "CallStart__c"));
    let description = fields.iter().find(|f| f["name"] == "Description").unwrap();
    assert_eq!(description["createable"], false);
    assert!(fields.iter().any(|f| f["name"] == "CallType"));

    let (status, body) = org
        .rest(
            &sid,
            Method::POST,
            "/sobjects/Task",
            Some(json!({"Subject": "Call", "Description": "x"})),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (400, "INVALID_FIELD_FOR_INSERT_UPDATE")
    );
    assert_eq!(body[0]["fields"], json!(["Description"]));
}

#[tokio::test]
async fn a_call_task_is_created_read_updated_and_deleted() {
    let org = TestOrg::start(Edition::Enterprise).await;
    let sid = org.session(ADMIN_USER).await;
    let task = json!({
        "Subject": "発信: 山田 太郎", "Status": "Completed", "WhoId": YAMADA, "TaskSubtype": "Call",
        "CallType": "Outbound", "CallDurationInSeconds": 192, "CallObject": "call-1",
        "ActivityDate": "2026-11-26", "CallMemo__c": "見積依頼;資料送付",
        "DialStart__c": "2026-11-26T05:00:00.000Z",
    });
    let (status, created) = org
        .rest(&sid, Method::POST, "/sobjects/Task", Some(task))
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["success"], true);
    let id = created["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("00T") && id.len() == 18);

    let (status, got) = org
        .rest(
            &sid,
            Method::GET,
            &format!("/sobjects/Task/{id}?fields=Subject,AccountId,IsClosed,OwnerId"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(got["AccountId"], ACME, "derived from the Contact");
    assert_eq!(got["IsClosed"], true);
    assert_eq!(got["OwnerId"], "0055g00000AbCdEAAV");
    assert_eq!(
        got["attributes"]["url"],
        format!("/services/data/v51.0/sobjects/Task/{id}")
    );

    let (status, _) = org
        .rest(
            &sid,
            Method::PATCH,
            &format!("/sobjects/Task/{id}"),
            Some(json!({"Description": "文字起こし"})),
        )
        .await;
    assert_eq!(status, 204);
    let (status, body) = org
        .rest(
            &sid,
            Method::PATCH,
            &format!("/sobjects/Task/{id}"),
            Some(json!({"TaskSubtype": "Task"})),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (400, "INVALID_FIELD_FOR_INSERT_UPDATE")
    );

    let (status, _) = org
        .rest(&sid, Method::DELETE, &format!("/sobjects/Task/{id}"), None)
        .await;
    assert_eq!(status, 204);
    let (status, body) = org
        .rest(&sid, Method::GET, &format!("/sobjects/Task/{id}"), None)
        .await;
    assert_eq!((status, code(&body)), (404, "ENTITY_IS_DELETED"));
}

#[tokio::test]
async fn task_rules_and_dml_errors() {
    let org = TestOrg::start(Edition::Enterprise).await;
    let sid = org.session(ADMIN_USER).await;
    let cases = [
        (
            json!({"Subject": "x", "CallType": "Sideways"}),
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            "CallType",
        ),
        (
            json!({"Subject": "x", "WhoId": LEAD, "WhatId": ACME}),
            "FIELD_INTEGRITY_EXCEPTION",
            "WhatId",
        ),
        (
            json!({"Subject": "x", "WhoId": ACME}),
            "FIELD_INTEGRITY_EXCEPTION",
            "WhoId",
        ),
        (
            json!({"Subject": "x", "Description": "あ".repeat(32_001)}),
            "STRING_TOO_LONG",
            "Description",
        ),
        (
            json!({"Subject": "x", "CallMemo__c": "見積依頼;<script>"}),
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            "CallMemo__c",
        ),
    ];
    for (body, expected, field) in cases {
        let (status, errors) = org
            .rest(&sid, Method::POST, "/sobjects/Task", Some(body.clone()))
            .await;
        assert_eq!((status, code(&errors)), (400, expected), "{body}");
        assert_eq!(errors[0]["fields"], json!([field]), "{body}");
    }
    let (status, errors) = org
        .rest(
            &sid,
            Method::POST,
            "/sobjects/Task",
            Some(json!({"Subject": "x", "Nope__c": 1})),
        )
        .await;
    assert_eq!((status, code(&errors)), (400, "INVALID_FIELD"));
    // A Lead with no WhatId is fine; an exactly 32,000-character comment too.
    let ok = json!({"Subject": "x", "WhoId": LEAD, "Description": "あ".repeat(32_000)});
    let (status, created) = org
        .rest(&sid, Method::POST, "/sobjects/Task", Some(ok))
        .await;
    assert_eq!(status, 201, "{created}");
    let (status, body) = org
        .rest(
            &sid,
            Method::POST,
            "/sobjects/Contact",
            Some(json!({"FirstName": "x"})),
        )
        .await;
    assert_eq!((status, code(&body)), (400, "REQUIRED_FIELD_MISSING"));

    org.admin("validation-rule", json!({"object": "Task", "field": "Subject", "forbiddenSubstring": "NG", "message": "件名に NG は使えません"})).await;
    let (status, body) = org
        .rest(
            &sid,
            Method::POST,
            "/sobjects/Task",
            Some(json!({"Subject": "NG call"})),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (400, "FIELD_CUSTOM_VALIDATION_EXCEPTION")
    );
    assert_eq!(body[0]["message"], "件名に NG は使えません");
}

#[tokio::test]
async fn refusals_for_user_org_and_limits() {
    let org = TestOrg::start(Edition::Enterprise).await;
    let no_api = org.session(NO_API_USER).await;
    let (status, body) = org.rest(&no_api, Method::GET, "/", None).await;
    assert_eq!((status, code(&body)), (403, "API_CURRENTLY_DISABLED"));

    let sid = org.session(ADMIN_USER).await;
    org.admin("config", json!({"apiMax": 3, "apiUsed": 2}))
        .await;
    let (status, _) = org.rest(&sid, Method::GET, "/limits", None).await;
    assert_eq!(status, 200);
    let (status, body) = org.rest(&sid, Method::GET, "/limits", None).await;
    assert_eq!((status, code(&body)), (403, "REQUEST_LIMIT_EXCEEDED"));

    org.admin("expire-sessions", json!({})).await;
    let (status, body) = org.rest(&sid, Method::GET, "/", None).await;
    assert_eq!((status, code(&body)), (401, "INVALID_SESSION_ID"));
}

#[tokio::test]
async fn faults_fail_truncate_and_drop_after_commit() {
    let org = TestOrg::start(Edition::Enterprise).await;
    let sid = org.session(ADMIN_USER).await;
    org.admin("faults", json!({"failCount": 1, "failStatus": 503}))
        .await;
    let (status, body) = org.rest(&sid, Method::GET, "/", None).await;
    assert_eq!((status, code(&body)), (503, "SERVER_UNAVAILABLE"));
    let (status, _) = org.rest(&sid, Method::GET, "/", None).await;
    assert_eq!(status, 200, "only the next request fails");

    org.admin("faults", json!({"truncateCount": 1})).await;
    let (_, body) = org.rest(&sid, Method::GET, "/", None).await;
    assert!(body.is_string(), "a truncated body is not JSON: {body}");

    org.admin("faults", json!({"dropAfterCommit": 1})).await;
    let dropped = org
        .http
        .post(org.url("/services/data/v51.0/sobjects/Task"))
        .header("authorization", format!("Bearer {sid}"))
        .json(&json!({"Subject": "written, never answered", "CallObject": "drop-1"}))
        .send()
        .await;
    assert!(dropped.is_err(), "the connection is dropped");
    let state = org.running.org.lock();
    assert!(
        state.records.iter().any(|r| r["CallObject"] == "drop-1"),
        "the write was committed"
    );
}

#[tokio::test]
async fn users_are_readable_as_records_and_by_query() {
    let org = TestOrg::start(Edition::Enterprise).await;
    let sid = org.session(ADMIN_USER).await;
    let (status, user) = org
        .rest(
            &sid,
            Method::GET,
            "/sobjects/User/0055g00000AbCdEAAV?fields=Name,Username",
            None,
        )
        .await;
    assert_eq!(status, 200, "{user}");
    assert_eq!(user["Name"], "佐藤 花子");
    let q = devorg::page::encode_component("SELECT Subject, Owner.Name FROM Task LIMIT 1");
    let (_, created) = org
        .rest(
            &sid,
            Method::POST,
            "/sobjects/Task",
            Some(json!({"Subject": "x"})),
        )
        .await;
    assert_eq!(created["success"], true);
    let (status, body) = org
        .rest(&sid, Method::GET, &format!("/query?q={q}"), None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["records"][0]["Owner"]["Name"], "佐藤 花子");
}

/// Lengths are counted in UTF-16 code units, as Salesforce (Java strings) counts them: an emoji
/// outside the BMP is two units, a kana one.
#[tokio::test]
async fn field_lengths_count_utf16_units() {
    let org = TestOrg::start(Edition::Enterprise).await;
    let sid = org.session(ADMIN_USER).await;
    let emoji = |n: usize| "😀".repeat(n);
    // (object, body, refused field or None when accepted)
    let cases = [
        ("Contact", json!({"LastName": emoji(41)}), Some("LastName")),
        ("Contact", json!({"LastName": emoji(40)}), None),
        (
            "Contact",
            json!({"LastName": "x", "FirstName": emoji(21)}),
            Some("FirstName"),
        ),
        (
            "Contact",
            json!({"LastName": "x", "FirstName": emoji(20)}),
            None,
        ),
        (
            "Contact",
            json!({"LastName": "x", "Phone": emoji(21)}),
            Some("Phone"),
        ),
        ("Task", json!({"Subject": "あ".repeat(255)}), None),
        (
            "Task",
            json!({"Subject": "あ".repeat(256)}),
            Some("Subject"),
        ),
        ("Task", json!({"Subject": emoji(127) + "a"}), None),
        ("Task", json!({"Subject": emoji(128)}), Some("Subject")),
        (
            "Task",
            json!({"Subject": "x", "Description": emoji(16_000)}),
            None,
        ),
        (
            "Task",
            json!({"Subject": "x", "Description": emoji(16_000) + "a"}),
            Some("Description"),
        ),
        // An unrestricted picklist takes any value up to its length (40).
        ("Task", json!({"Subject": "x", "Type": emoji(20)}), None),
        (
            "Task",
            json!({"Subject": "x", "Type": emoji(21)}),
            Some("Type"),
        ),
        (
            "Task",
            json!({"Subject": "x", "CallObject": emoji(128)}),
            Some("CallObject"),
        ),
        ("Account", json!({"Name": emoji(128)}), Some("Name")),
    ];
    for (object, body, refused) in cases {
        let (status, answer) = org
            .rest(
                &sid,
                Method::POST,
                &format!("/sobjects/{object}"),
                Some(body.clone()),
            )
            .await;
        let units = body
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_str().unwrap().encode_utf16().count())
            .max();
        match refused {
            None => assert_eq!(status, 201, "{object} {units:?} units: {answer}"),
            Some(field) => {
                assert_eq!(
                    (status, code(&answer)),
                    (400, "STRING_TOO_LONG"),
                    "{object} {units:?} units"
                );
                assert_eq!(answer[0]["fields"], json!([field]));
            }
        }
    }
    // Updates are held to the same rule.
    let (status, answer) = org
        .rest(
            &sid,
            Method::PATCH,
            &format!("/sobjects/Contact/{YAMADA}"),
            Some(json!({"LastName": emoji(41)})),
        )
        .await;
    assert_eq!((status, code(&answer)), (400, "STRING_TOO_LONG"));
}
