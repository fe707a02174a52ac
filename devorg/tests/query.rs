//! `/query` with paging, `/search` with phone matching, `/parameterizedSearch`, over HTTPS.

mod common;

use common::*;
use devorg::Edition;
use reqwest::Method;
use serde_json::{json, Value};

fn enc(text: &str) -> String {
    devorg::page::encode_component(text)
}

fn ids(records: &Value) -> Vec<String> {
    records
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn soql_with_parent_fields_order_and_limit() {
    let org = TestOrg::start(Edition::Enterprise).await;
    let sid = org.session(ADMIN_USER).await;
    let q = "SELECT Id, Name, Phone, Account.Name FROM Contact WHERE LastName = '山田' ORDER BY Name LIMIT 5";
    let (status, body) = org
        .rest(&sid, Method::GET, &format!("/query?q={}", enc(q)), None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["totalSize"], 1);
    assert_eq!(body["done"], true);
    let record = &body["records"][0];
    assert_eq!(record["Name"], "山田 太郎");
    assert_eq!(record["Account"]["Name"], "株式会社アクメ");
    assert_eq!(record["Account"]["attributes"]["type"], "Account");
    assert_eq!(
        record["attributes"]["url"],
        "/services/data/v51.0/sobjects/Contact/0035g00000Yam4dAAB"
    );
}

#[tokio::test]
async fn soql_errors_follow_field_security_and_licences() {
    let org = TestOrg::start(Edition::Enterprise).await;
    let sid = org.session(ADMIN_USER).await;
    let (status, body) = org
        .rest(
            &sid,
            Method::GET,
            &format!("/query?q={}", enc("SELECT Id FROM Contact WHERE")),
            None,
        )
        .await;
    assert_eq!((status, code(&body)), (400, "MALFORMED_QUERY"));
    let (status, body) = org.rest(&sid, Method::GET, "/query?q=", None).await;
    assert_eq!((status, code(&body)), (400, "MALFORMED_QUERY"));

    org.admin("fls", json!({"username": ADMIN_USER, "object": "Contact", "field": "MobilePhone", "access": "hidden"})).await;
    let (status, body) = org
        .rest(
            &sid,
            Method::GET,
            &format!("/query?q={}", enc("SELECT MobilePhone FROM Contact")),
            None,
        )
        .await;
    assert_eq!((status, code(&body)), (400, "INVALID_FIELD"));
    assert!(body[0]["message"]
        .as_str()
        .unwrap()
        .contains("No such column 'MobilePhone' on entity 'Contact'"));

    let starter = org.session(STARTER_USER).await;
    let (status, body) = org
        .rest(
            &starter,
            Method::GET,
            &format!("/query?q={}", enc("SELECT Id FROM Lead")),
            None,
        )
        .await;
    assert_eq!((status, code(&body)), (400, "INVALID_TYPE"));
    assert!(body[0]["message"]
        .as_str()
        .unwrap()
        .contains("sObject type 'Lead' is not supported"));
}

#[tokio::test]
async fn large_results_page_through_next_records_url() {
    let org = TestOrg::start(Edition::Enterprise).await;
    let sid = org.session(ADMIN_USER).await;
    for batch in 0..2 {
        let records: Vec<Value> = (0..125)
            .map(|i| json!({"attributes": {"type": "Task"}, "Subject": format!("bulk {batch}-{i}"), "CallObject": "bulk"}))
            .collect();
        let (status, _) = org
            .rest(
                &sid,
                Method::POST,
                "/composite/sobjects",
                Some(json!({"records": records})),
            )
            .await;
        assert_eq!(status, 200);
    }
    let q = "SELECT Id FROM Task WHERE CallObject = 'bulk'";
    let first = org
        .http
        .get(org.url(&format!("/services/data/v51.0/query?q={}", enc(q))))
        .header("authorization", format!("Bearer {sid}"))
        .header("sforce-query-options", "batchSize=200")
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(first["totalSize"], 250);
    assert_eq!(first["done"], false);
    assert_eq!(first["records"].as_array().unwrap().len(), 200);
    let next = first["nextRecordsUrl"].as_str().unwrap();
    assert!(
        next.starts_with("/services/data/v51.0/query/01g") && next.ends_with("-200"),
        "{next}"
    );
    let (status, second) = org
        .rest(
            &sid,
            Method::GET,
            next.trim_start_matches("/services/data/v51.0"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(second["done"], true);
    assert_eq!(second["records"].as_array().unwrap().len(), 50);
    let mut all = ids(&first["records"]);
    all.extend(ids(&second["records"]));
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 250);
    let (status, body) = org
        .rest(
            &sid,
            Method::GET,
            next.trim_start_matches("/services/data/v51.0"),
            None,
        )
        .await;
    assert_eq!((status, code(&body)), (400, "INVALID_QUERY_LOCATOR"));
}

const LOOKUP: &str = "IN PHONE FIELDS RETURNING Contact(Id,Name,Phone,MobilePhone,AccountId,Account.Name), Account(Id,Name,Phone), Lead(Id,Name,Company,Phone,MobilePhone)";

#[tokio::test]
async fn sosl_finds_numbers_by_their_digits() {
    let org = TestOrg::start(Edition::Enterprise).await;
    let sid = org.session(ADMIN_USER).await;
    let search = |term: &str| format!("/search?q={}", enc(&format!("FIND {{{term}}} {LOOKUP}")));
    let (status, body) = org
        .rest(&sid, Method::GET, &search("0312345678"), None)
        .await;
    assert_eq!(status, 200, "{body}");
    let found = ids(&body["searchRecords"]);
    assert_eq!(
        found,
        vec!["0035g00000Yam4dAAB", "00Q5g00000DuPlIEAV"],
        "grouped in RETURNING order"
    );
    assert_eq!(
        body["searchRecords"][0]["Account"]["Name"],
        "株式会社アクメ"
    );

    let (_, body) = org
        .rest(&sid, Method::GET, &search("0398765432"), None)
        .await;
    assert_eq!(
        ids(&body["searchRecords"]),
        vec!["0035g00000ItOuSAAV"],
        "full-width digits are indexed"
    );

    // What the reference leaves open is a switch: off by default.
    let (_, body) = org
        .rest(&sid, Method::GET, &search("0661234568"), None)
        .await;
    assert!(ids(&body["searchRecords"]).is_empty());
    org.admin("config", json!({"phoneCountryCodeEquivalence": true}))
        .await;
    let (_, body) = org
        .rest(&sid, Method::GET, &search("0661234568"), None)
        .await;
    assert_eq!(ids(&body["searchRecords"]), vec!["0035g00000TaNaKAAV"]);

    let starter = org.session(STARTER_USER).await;
    let (status, body) = org
        .rest(&starter, Method::GET, &search("0312345678"), None)
        .await;
    assert_eq!(
        (status, code(&body)),
        (400, "INVALID_TYPE"),
        "Lead in RETURNING for a Platform Starter user"
    );
}

#[tokio::test]
async fn sosl_rejects_short_terms_and_unescaped_reserved_characters() {
    let org = TestOrg::start(Edition::Enterprise).await;
    let sid = org.session(ADMIN_USER).await;
    let (status, body) = org
        .rest(
            &sid,
            Method::GET,
            &format!("/search?q={}", enc("FIND {3} IN PHONE FIELDS")),
            None,
        )
        .await;
    assert_eq!((status, code(&body)), (400, "INVALID_SEARCH"));
    let (status, body) = org
        .rest(
            &sid,
            Method::GET,
            &format!("/search?q={}", enc("FIND {+81 3-1234} IN PHONE FIELDS")),
            None,
        )
        .await;
    assert_eq!((status, code(&body)), (400, "MALFORMED_SEARCH"));
    let (status, _) = org
        .rest(
            &sid,
            Method::GET,
            &format!("/search?q={}", enc("FIND {\\+81 3\\-1234} IN PHONE FIELDS")),
            None,
        )
        .await;
    assert_eq!(status, 200, "escaped reserved characters are literal");
}

#[tokio::test]
async fn parameterized_search_by_get_and_post() {
    let org = TestOrg::start(Edition::Enterprise).await;
    let sid = org.session(ADMIN_USER).await;
    let (status, body) = org
        .rest(&sid, Method::GET, "/parameterizedSearch/?q=0312345678&in=PHONE&sobject=Contact&Contact.fields=Id,Name,Phone&Contact.limit=10", None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(ids(&body["searchRecords"]), vec!["0035g00000Yam4dAAB"]);
    assert_eq!(body["searchRecords"][0]["Phone"], "03-1234-5678");
    let (status, body) = org
        .rest(&sid, Method::POST, "/parameterizedSearch/", Some(json!({
            "q": "+81 3-1234-5678", "in": "PHONE", "fields": ["Id", "Name"],
            "sobjects": [{"name": "Contact", "limit": 20}, {"name": "Lead"}], "overallLimit": 100,
        })))
        .await;
    assert_eq!(
        status, 200,
        "plain text with reserved characters is taken literally: {body}"
    );
}
