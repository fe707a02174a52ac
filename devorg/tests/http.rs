//! The devorg over real HTTPS, as a REST client sees it: status codes, error bodies, headers,
//! cookies and host routing.

use devorg::{Config, Edition, Running};
use reqwest::header::{AUTHORIZATION, CONTENT_SECURITY_POLICY, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;
use serde_json::Value;

const API: &str = "acme.my.salesforce.com";
const LIGHTNING: &str = "acme.lightning.force.com";
const CONTACT_PAGE: &str = "/lightning/r/Contact/0035g00000Yam4dAAB/view";

async fn start(edition: Edition) -> Running {
    devorg::start(Config {
        edition,
        ..Config::default()
    })
    .await
    .unwrap()
}

fn client(running: &Running) -> reqwest::Client {
    reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .redirect(Policy::none())
        .resolve(API, running.addr)
        .resolve(LIGHTNING, running.addr)
        .build()
        .unwrap()
}

fn url(host: &str, path: &str, running: &Running) -> String {
    format!("https://{host}:{}{path}", running.addr.port())
}

fn sid_of(response: &reqwest::Response) -> String {
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("Secure"),
        "{cookie}"
    );
    cookie["sid=".len()..cookie.find(';').unwrap()].to_string()
}

/// Logs in through the form; returns the API sid and the Lightning sid.
async fn login(running: &Running) -> (String, String) {
    let http = client(running);
    let username = running.org.lock().users[0].username.clone();
    let response = http
        .post(url(API, "/", running))
        .form(&[
            ("username", username.as_str()),
            ("pw", devorg::DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let api_sid = sid_of(&response);
    let location = response.headers()[LOCATION].to_str().unwrap().to_string();
    assert!(location.starts_with(&format!("https://{LIGHTNING}/secur/frontdoor.jsp?otp=")));
    let path = location.replace(&format!("https://{LIGHTNING}"), "");
    let response = http
        .get(url(LIGHTNING, &path, running))
        .send()
        .await
        .unwrap();
    (api_sid, sid_of(&response))
}

async fn error_code(response: reqwest::Response) -> String {
    let body: Value = response.json().await.unwrap();
    let errors = body.as_array().expect("errors are an array");
    errors[0]["errorCode"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn versions_need_no_session_and_are_not_counted() {
    let running = start(Edition::Enterprise).await;
    let response = client(&running)
        .get(url(API, "/services/data/", &running))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("sforce-limit-info").is_none());
    let versions: Value = response.json().await.unwrap();
    assert!(versions
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v["version"] == "51.0" && v["label"] == "Spring '21"));
}

#[tokio::test]
async fn a_wrong_password_sets_no_session() {
    let running = start(Edition::Enterprise).await;
    let response = client(&running)
        .post(url(API, "/", &running))
        .form(&[("username", "sato@acme.example"), ("pw", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get(SET_COOKIE).is_none());
}

#[tokio::test]
async fn sessions_carry_the_org_id_and_only_the_api_one_opens_the_api() {
    let running = start(Edition::Enterprise).await;
    let (api_sid, lightning_sid) = login(&running).await;
    assert!(api_sid.starts_with("00D5g000004ABCD!"));
    assert!(lightning_sid.starts_with("00D5g000004ABCD!"));
    assert_ne!(api_sid, lightning_sid);
    let http = client(&running);
    let resources = url(API, "/services/data/v51.0/", &running);

    let ok = http
        .get(&resources)
        .header(AUTHORIZATION, format!("Bearer {api_sid}"))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.headers()["sforce-limit-info"], "api-usage=1/15000");
    let map: Value = ok.json().await.unwrap();
    assert_eq!(
        map["identity"],
        "https://acme.my.salesforce.com/id/00D5g000004ABCDEA4/0055g00000AbCdEAAV"
    );
    assert_eq!(map["sobjects"], "/services/data/v51.0/sobjects");

    for auth in [format!("Bearer {lightning_sid}"), "Bearer nonsense".into()] {
        let refused = http
            .get(&resources)
            .header(AUTHORIZATION, auth)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 401);
        assert_eq!(error_code(refused).await, "INVALID_SESSION_ID");
    }
    let anonymous = http.get(&resources).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn an_edition_without_api_says_so() {
    let running = start(Edition::Professional).await;
    let (api_sid, _) = login(&running).await;
    let refused = client(&running)
        .get(url(API, "/services/data/v51.0/", &running))
        .header(AUTHORIZATION, format!("Bearer {api_sid}"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    assert_eq!(error_code(refused).await, "API_DISABLED_FOR_ORG");
}

#[tokio::test]
async fn unknown_resources_and_hosts() {
    let running = start(Edition::Enterprise).await;
    let (api_sid, _) = login(&running).await;
    let missing = client(&running)
        .get(url(API, "/services/data/v51.0/nothing", &running))
        .header(AUTHORIZATION, format!("Bearer {api_sid}"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(error_code(missing).await, "NOT_FOUND");
    let other_host = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .resolve("globex.my.salesforce.com", running.addr)
        .build()
        .unwrap()
        .get(format!(
            "https://globex.my.salesforce.com:{}/services/data/",
            running.addr.port()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(other_host.status(), 421);
}

#[tokio::test]
async fn lightning_pages_need_their_session_and_carry_a_csp() {
    let running = start(Edition::Enterprise).await;
    let http = client(&running);
    let anonymous = http
        .get(url(LIGHTNING, CONTACT_PAGE, &running))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 303);
    assert!(anonymous.headers()[LOCATION]
        .to_str()
        .unwrap()
        .starts_with("https://acme.my.salesforce.com/?startURL="));

    let (api_sid, lightning_sid) = login(&running).await;
    let page = |sid: String, query: &'static str| {
        http.get(url(LIGHTNING, &format!("{CONTACT_PAGE}{query}"), &running))
            .header("cookie", format!("sid={sid}"))
            .send()
    };
    // The API session is not a UI session on the Lightning host.
    assert_eq!(page(api_sid, "").await.unwrap().status(), 303);

    let response = page(lightning_sid.clone(), "").await.unwrap();
    assert_eq!(response.status(), 200);
    let csp = response.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("'unsafe-eval'") && csp.contains("'nonce-"),
        "{csp}"
    );
    let html = response.text().await.unwrap();
    assert!(
        html.contains(r#"<lightning-formatted-phone><a href="tel:03-1234-5678">03-1234-5678</a>"#)
    );

    let strict = page(lightning_sid, "?csp=strict").await.unwrap();
    assert_eq!(
        strict.headers()[CONTENT_SECURITY_POLICY],
        "script-src 'self'; object-src 'none'"
    );
}

#[tokio::test]
async fn hostile_record_names_are_escaped() {
    let running = start(Edition::Enterprise).await;
    let (_, lightning_sid) = login(&running).await;
    let html = client(&running)
        .get(url(
            LIGHTNING,
            "/lightning/r/Contact/0035g00000Yam4eAAB/view",
            &running,
        ))
        .header("cookie", format!("sid={lightning_sid}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(!html.contains("<img"));
}

#[tokio::test]
async fn sandbox_and_partition_domains_are_served_under_their_own_hosts() {
    for domain in ["acme--uat.sandbox", "acme.develop"] {
        let running = devorg::start(Config {
            domain: domain.into(),
            ..Config::default()
        })
        .await
        .unwrap();
        let host = format!("{domain}.my.salesforce.com");
        let http = reqwest::Client::builder()
            .danger_accept_invalid_certs(true)
            .resolve(&host, running.addr)
            .build()
            .unwrap();
        let response = http
            .get(format!(
                "https://{host}:{}/services/data/",
                running.addr.port()
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{host}");
        assert_eq!(
            running.org.lightning_host(),
            format!("{domain}.lightning.force.com")
        );
    }
}

#[tokio::test]
async fn a_snapshot_keeps_records_across_restarts() {
    let path = std::env::temp_dir().join(format!("devorg-snapshot-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let config = || Config {
        snapshot: Some(path.clone()),
        ..Config::default()
    };
    let first = devorg::start(config()).await.unwrap();
    let sid = first
        .org
        .new_session(devorg::seed::ADMIN_ID, devorg::org::SessionKind::Api);
    let created = client(&first)
        .post(url(API, "/services/data/v51.0/sobjects/Task", &first))
        .header(AUTHORIZATION, format!("Bearer {sid}"))
        .json(&serde_json::json!({"Subject": "残る", "CallObject": "snapshot-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let second = devorg::start(config()).await.unwrap();
    assert!(second
        .org
        .lock()
        .records
        .iter()
        .any(|r| r["CallObject"] == "snapshot-1"));
    let _ = std::fs::remove_file(&path);
}
