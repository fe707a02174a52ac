//! OAuth 2.0 over real HTTPS, as a browser extension meets it: the authorize request, the login
//! and consent pages, the code exchange with PKCE, refresh, revoke, userinfo, and the REST API
//! taking (or refusing) what the flow gave.

mod common;

use base64::Engine;
use common::{code, TestOrg, ADMIN_USER};
use devorg::oauth::{CONSENT_PAGE, DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET, ERROR_PAGE};
use devorg::Edition;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use reqwest::Method;
use serde_json::{json, Value};

const CALLBACK: &str = "https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org/salesforce";
/// RFC 7636's example pair.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const STATE: &str = "st&te 1";

async fn org_with_app() -> TestOrg {
    let org = TestOrg::start(Edition::Enterprise).await;
    let app: Value = org
        .admin("connected-app", json!({ "callbackUrls": [CALLBACK] }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(app["consumerKey"], DEFAULT_CONSUMER_KEY);
    org
}

fn enc(text: &str) -> String {
    devorg::page::encode_component(text)
}

/// The authorize path for the extension's app, with `extra` parameters appended.
fn authorize_path(extra: &str) -> String {
    format!(
        "/services/oauth2/authorize?response_type=code&client_id={}&redirect_uri={}&code_challenge={CHALLENGE}&code_challenge_method=S256&state={}{extra}",
        enc(DEFAULT_CONSUMER_KEY),
        enc(CALLBACK),
        enc(STATE),
    )
}

async fn get(org: &TestOrg, path: &str, sid: Option<&str>) -> reqwest::Response {
    let mut request = org.http.get(org.url(path));
    if let Some(sid) = sid {
        request = request.header(COOKIE, format!("sid={sid}"));
    }
    request.send().await.unwrap()
}

fn location(response: &reqwest::Response) -> String {
    assert!(
        response.status().is_redirection(),
        "not a redirect: {}",
        response.status()
    );
    response.headers()[LOCATION].to_str().unwrap().to_string()
}

/// A query parameter of a URL or path, decoded.
fn param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| devorg::page::decode_component(v))
}

/// Logs in on the page the authorize request sent the browser to; returns the new `sid` and
/// where the browser goes next.
async fn log_in(org: &TestOrg, login: &str) -> (String, String) {
    assert!(login.starts_with("/?ec=302&startURL="), "{login}");
    let page = get(org, login, None).await.text().await.unwrap();
    for id in [r#"id="username""#, r#"id="password""#, r#"id="Login""#] {
        assert!(page.contains(id), "{id} missing: {page}");
    }
    let start = param(login, "startURL").unwrap();
    let response = org
        .http
        .post(org.url("/"))
        .form(&[
            ("username", ADMIN_USER),
            ("pw", devorg::DEMO_PASSWORD),
            ("startURL", start.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_string();
    let sid = cookie["sid=".len()..cookie.find(';').unwrap()].to_string();
    let next = location(&response);
    assert_eq!(next, start);
    (sid, next)
}

/// Answers the consent page with one of its buttons; returns the redirect to the client.
async fn answer_consent(org: &TestOrg, sid: &str, consent: &str, button: &str) -> String {
    assert!(consent.starts_with(CONSENT_PAGE), "{consent}");
    let page = get(org, consent, Some(sid)).await.text().await.unwrap();
    assert!(page.contains("Allow Access?"), "{page}");
    assert!(page.contains(r#"id="oaapprove" name="oaapprove" value="Allow""#));
    assert!(page.contains(r#"id="oadeny" name="oadeny" value="Deny""#));
    let source = param(consent, "source").unwrap();
    let value = if button == "oaapprove" {
        "Allow"
    } else {
        "Deny"
    };
    let response = org
        .http
        .post(org.url(CONSENT_PAGE))
        .header(COOKIE, format!("sid={sid}"))
        .form(&[("source", source.as_str()), (button, value)])
        .send()
        .await
        .unwrap();
    location(&response)
}

/// The whole first-time flow: authorize, log in, allow. Returns the browser's sid and the code.
async fn first_code(org: &TestOrg) -> (String, String) {
    let login = location(&get(org, &authorize_path(""), None).await);
    let (sid, again) = log_in(org, &login).await;
    let consent = location(&get(org, &again, Some(&sid)).await);
    let callback = answer_consent(org, &sid, &consent, "oaapprove").await;
    assert!(
        callback.starts_with(&format!("{CALLBACK}?code=")),
        "{callback}"
    );
    assert_eq!(param(&callback, "state").as_deref(), Some(STATE));
    let code = param(&callback, "code").unwrap();
    (sid, code)
}

async fn token(org: &TestOrg, fields: &[(&str, &str)]) -> (u16, Value) {
    let response = org
        .http
        .post(org.url("/services/oauth2/token"))
        .form(fields)
        .send()
        .await
        .unwrap();
    assert!(response.headers().get("sforce-limit-info").is_none());
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn exchange(org: &TestOrg, code: &str, verifier: &str) -> (u16, Value) {
    token(
        org,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("client_id", DEFAULT_CONSUMER_KEY),
            ("redirect_uri", CALLBACK),
            ("code_verifier", verifier),
        ],
    )
    .await
}

async fn refresh(org: &TestOrg, refresh_token: &str) -> (u16, Value) {
    token(
        org,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", DEFAULT_CONSUMER_KEY),
        ],
    )
    .await
}

/// A REST call that needs nothing but a session: the resources of v51.0.
async fn rest_status(org: &TestOrg, token: &str) -> (u16, Value) {
    org.rest(token, Method::GET, "/", None).await
}

async fn tokens(org: &TestOrg) -> Value {
    let (_, code) = first_code(org).await;
    let (status, body) = exchange(org, &code, VERIFIER).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn revoke(org: &TestOrg, token: &str) -> reqwest::Response {
    org.http
        .post(org.url("/services/oauth2/revoke"))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_code_flow_with_pkce_gives_tokens_the_rest_api_takes() {
    let org = org_with_app().await;
    let (sid, code) = first_code(&org).await;
    assert!(code.starts_with("aPrx") && code.ends_with("=="), "{code}");
    let (status, body) = exchange(&org, &code, VERIFIER).await;
    assert_eq!(status, 200, "{body}");
    let access = body["access_token"].as_str().unwrap();
    assert!(access.starts_with("00D5g000004ABCD!AR"), "{access}");
    assert!(body["refresh_token"]
        .as_str()
        .unwrap()
        .starts_with("5Aep861"));
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "api refresh_token");
    assert_eq!(body["instance_url"], format!("https://{}", common::API));
    let id = "https://login.salesforce.com/id/00D5g000004ABCDEA4/0055g00000AbCdEAAV";
    assert_eq!(body["id"], id);
    let issued_at = body["issued_at"].as_str().unwrap();
    assert!(issued_at.len() == 13 && issued_at.bytes().all(|b| b.is_ascii_digit()));
    let mac = devorg::oauth::hmac_sha256(
        DEFAULT_CONSUMER_SECRET.as_bytes(),
        format!("{id}{issued_at}").as_bytes(),
    );
    let signature = base64::engine::general_purpose::STANDARD.encode(mac);
    assert_eq!(body["signature"], signature);

    let (status, _) = rest_status(&org, access).await;
    assert_eq!(status, 200);
    let log: Value = org
        .http
        .get(org.url("/__devorg/log"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Only the REST call counts; authorize, login, consent and token do not.
    assert_eq!(log["apiUsed"], 1);
    let requests = log["requests"].as_array().unwrap();
    let rest: Vec<&Value> = requests.iter().filter(|r| r["counted"] == true).collect();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0]["auth"], "oauth");
    assert!(requests
        .iter()
        .filter(|r| r["path"].as_str().unwrap().starts_with("/services/oauth2/"))
        .all(|r| r["counted"] == false && r["auth"].is_null()));

    // Approved once, the same user is not asked again; `prompt=consent` asks anyway.
    let callback = location(&get(&org, &authorize_path(""), Some(&sid)).await);
    assert!(
        callback.starts_with(&format!("{CALLBACK}?code=")),
        "{callback}"
    );
    let consent = location(&get(&org, &authorize_path("&prompt=consent"), Some(&sid)).await);
    assert!(consent.starts_with(CONSENT_PAGE), "{consent}");
    // `prompt=login` sends even a logged-in browser to the login page, once.
    let login = location(&get(&org, &authorize_path("&prompt=login"), Some(&sid)).await);
    let (second_sid, again) = log_in(&org, &login).await;
    assert!(!again.contains("prompt="), "{again}");
    let callback = location(&get(&org, &again, Some(&second_sid)).await);
    assert!(
        callback.starts_with(&format!("{CALLBACK}?code=")),
        "{callback}"
    );
}

#[tokio::test]
async fn a_wrong_or_missing_verifier_is_an_invalid_grant() {
    let org = org_with_app().await;
    let (_, code) = first_code(&org).await;
    let wrong = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK";
    for verifier in [wrong, ""] {
        let (status, body) = exchange(&org, &code, verifier).await;
        assert_eq!(status, 400);
        assert_eq!(
            body,
            json!({"error": "invalid_grant", "error_description": "invalid code verifier"})
        );
    }
    // A failed verification does not use the code up.
    let (status, _) = exchange(&org, &code, VERIFIER).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_code_works_once() {
    let org = org_with_app().await;
    let (_, code) = first_code(&org).await;
    assert_eq!(exchange(&org, &code, VERIFIER).await.0, 200);
    let (status, body) = exchange(&org, &code, VERIFIER).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(body["error_description"], "expired authorization code");
    let (_, body) = exchange(&org, "aPrxNotACode==", VERIFIER).await;
    assert_eq!(body["error_description"], "invalid authorization code");
}

#[tokio::test]
async fn a_redirect_uri_the_app_does_not_have_is_shown_never_redirected_to() {
    let org = org_with_app().await;
    let path = authorize_path("").replace(&enc(CALLBACK), &enc("https://evil.example/cb"));
    let to = location(&get(&org, &path, None).await);
    assert!(to.starts_with(ERROR_PAGE), "{to}");
    let page = get(&org, &to, None).await;
    assert_eq!(page.status(), 400);
    let html = page.text().await.unwrap();
    assert!(html.contains(
        "error=redirect_uri_mismatch&amp;error_description=redirect_uri%20must%20match%20configuration"
    ));
    assert!(!html.contains("evil.example"));

    // At the token endpoint, the code's redirect URI must be sent again as it was.
    let (_, code) = first_code(&org).await;
    let (status, body) = token(
        &org,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", DEFAULT_CONSUMER_KEY),
            ("redirect_uri", "https://evil.example/cb"),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "redirect_uri_mismatch");
}

#[tokio::test]
async fn an_unknown_client_is_refused_on_the_page_and_at_the_token_endpoint() {
    let org = org_with_app().await;
    let path = authorize_path("").replace(DEFAULT_CONSUMER_KEY, "3MVG9someoneElse");
    let to = location(&get(&org, &path, None).await);
    assert!(to.starts_with(ERROR_PAGE), "{to}");
    assert_eq!(param(&to, "error").as_deref(), Some("invalid_client_id"));
    let html = get(&org, &to, None).await.text().await.unwrap();
    assert!(html
        .contains("error=invalid_client_id&amp;error_description=client%20identifier%20invalid"));

    let (status, body) = token(
        &org,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", "5Aep861x"),
            ("client_id", "3MVG9someoneElse"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"error": "invalid_client_id", "error_description": "client identifier invalid"})
    );
    let (status, body) = token(&org, &[("grant_type", "password")]).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"error": "unsupported_grant_type", "error_description": "grant type not supported"})
    );
}

#[tokio::test]
async fn deny_tells_the_client_and_approves_nothing() {
    let org = org_with_app().await;
    let login = location(&get(&org, &authorize_path(""), None).await);
    let (sid, again) = log_in(&org, &login).await;
    let consent = location(&get(&org, &again, Some(&sid)).await);
    let callback = answer_consent(&org, &sid, &consent, "oadeny").await;
    assert_eq!(
        callback,
        format!(
            "{CALLBACK}?error=access_denied&error_description=end-user%20denied%20authorization&state={}",
            enc(STATE)
        )
    );
    // Nothing was approved: the next request asks again.
    let consent = location(&get(&org, &authorize_path(""), Some(&sid)).await);
    assert!(consent.starts_with(CONSENT_PAGE), "{consent}");
}

#[tokio::test]
async fn requests_the_app_does_not_allow_go_back_to_the_client_as_errors() {
    let org = org_with_app().await;
    for (path, error) in [
        (authorize_path("&scope=api%20full"), "invalid_scope"),
        (
            authorize_path("").replace("=S256", "=plain"),
            "invalid_request",
        ),
    ] {
        let to = location(&get(&org, &path, None).await);
        assert!(to.starts_with(&format!("{CALLBACK}?error={error}")), "{to}");
        assert_eq!(param(&to, "state").as_deref(), Some(STATE));
    }
    let token_flow = authorize_path("").replace("response_type=code", "response_type=token");
    let to = location(&get(&org, &token_flow, None).await);
    assert!(to.starts_with(&format!("{CALLBACK}?error=unsupported_response_type")));

    // With PKCE required, a request without a challenge is refused.
    org.admin("connected-app", json!({"requirePkce": true}))
        .await;
    let bare = authorize_path("").replace(&format!("&code_challenge={CHALLENGE}"), "");
    let to = location(&get(&org, &bare, None).await);
    assert!(
        to.starts_with(&format!("{CALLBACK}?error=invalid_request")),
        "{to}"
    );
}

#[tokio::test]
async fn a_wrong_password_on_the_way_keeps_the_authorize_request() {
    let org = org_with_app().await;
    let login = location(&get(&org, &authorize_path(""), None).await);
    let start = param(&login, "startURL").unwrap();
    let page = org
        .http
        .post(org.url("/"))
        .form(&[
            ("username", ADMIN_USER),
            ("pw", "wrong"),
            ("startURL", &start),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"id="error""#) && page.contains(r#"id="username""#));
    assert!(page.contains(&devorg::page::escape_html(&start)));
}

#[tokio::test]
async fn a_refresh_gives_a_new_access_token_and_no_new_refresh_token() {
    let org = org_with_app().await;
    let first = tokens(&org).await;
    let refresh_token = first["refresh_token"].as_str().unwrap();
    let (status, body) = refresh(&org, refresh_token).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("refresh_token").is_none());
    assert_ne!(body["access_token"], first["access_token"]);
    for field in [
        "signature",
        "scope",
        "instance_url",
        "id",
        "token_type",
        "issued_at",
    ] {
        assert!(body.get(field).is_some(), "{field}");
    }
    assert_eq!(
        rest_status(&org, body["access_token"].as_str().unwrap())
            .await
            .0,
        200
    );
    // The first access token still works too.
    assert_eq!(
        rest_status(&org, first["access_token"].as_str().unwrap())
            .await
            .0,
        200
    );

    let (status, body) = refresh(&org, "5Aep861unknown").await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"error": "invalid_grant", "error_description": "expired access/refresh token"})
    );
}

#[tokio::test]
async fn a_revoked_refresh_token_takes_its_access_tokens_with_it() {
    let org = org_with_app().await;
    let first = tokens(&org).await;
    let refresh_token = first["refresh_token"].as_str().unwrap();
    let refreshed = refresh(&org, refresh_token).await.1;
    let response = revoke(&org, refresh_token).await;
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().is_empty());
    for access in [&first["access_token"], &refreshed["access_token"]] {
        let (status, body) = rest_status(&org, access.as_str().unwrap()).await;
        assert_eq!(status, 401);
        assert_eq!(code(&body), "INVALID_SESSION_ID");
    }
    let (status, body) = refresh(&org, refresh_token).await;
    assert_eq!(status, 400);
    assert_eq!(body["error_description"], "expired access/refresh token");

    let again = revoke(&org, refresh_token).await;
    assert_eq!(again.status(), 400);
    assert_eq!(
        again.headers()[CONTENT_TYPE],
        "application/x-www-form-urlencoded"
    );
    assert_eq!(
        again.text().await.unwrap(),
        "error=unsupported_token_type&error_description=this%20token%20type%20is%20not%20supported"
    );
}

#[tokio::test]
async fn a_revoked_access_token_is_dead_and_its_refresh_token_lives() {
    let org = org_with_app().await;
    let first = tokens(&org).await;
    let access = first["access_token"].as_str().unwrap();
    // Revocation by GET, with the token in the query.
    let response = get(
        &org,
        &format!("/services/oauth2/revoke?token={}", enc(access)),
        None,
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(rest_status(&org, access).await.0, 401);
    let (status, _) = refresh(&org, first["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn userinfo_describes_the_tokens_user_and_refuses_a_bad_token() {
    let org = org_with_app().await;
    let body = tokens(&org).await;
    let info: Value = org
        .http
        .get(org.url("/services/oauth2/userinfo"))
        .header(
            AUTHORIZATION,
            format!("Bearer {}", body["access_token"].as_str().unwrap()),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["sub"], body["id"]);
    assert_eq!(info["user_id"], "0055g00000AbCdEAAV");
    assert_eq!(info["organization_id"], "00D5g000004ABCDEA4");
    assert_eq!(info["preferred_username"], ADMIN_USER);
    assert_eq!(info["email"], ADMIN_USER);
    assert_eq!(info["name"], "佐藤 花子");
    assert_eq!(info["family_name"], "佐藤");
    assert_eq!(info["given_name"], "花子");
    assert_eq!(info["nickname"], "sato");
    assert_eq!(info["zoneinfo"], "Asia/Tokyo");
    assert_eq!(info["locale"], "ja_JP");

    let refused = org
        .http
        .get(org.url("/services/oauth2/userinfo"))
        .header(AUTHORIZATION, "Bearer 00D5g000004ABCD!ARnonsense")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    assert_eq!(refused.text().await.unwrap(), "Bad_OAuth_Token");
}

#[tokio::test]
async fn api_access_control_refuses_the_browser_session_but_not_the_apps_token() {
    let org = org_with_app().await;
    let (sid, code) = first_code(&org).await;
    let access = exchange(&org, &code, VERIFIER).await.1["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(rest_status(&org, &sid).await.0, 200);

    org.admin("api-access-control", json!({"on": true})).await;
    let (status, body) = rest_status(&org, &sid).await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        json!([{"message": "This session is not valid for use with the REST API", "errorCode": "INVALID_SESSION_ID"}])
    );
    assert_eq!(rest_status(&org, &access).await.0, 200);

    // An app the admin has not approved gets no further than the browser.
    org.admin("connected-app", json!({"apiAccessApproved": false}))
        .await;
    assert_eq!(rest_status(&org, &access).await.0, 401);

    org.admin("api-access-control", json!({"on": false})).await;
    assert_eq!(rest_status(&org, &sid).await.0, 200);
    assert_eq!(rest_status(&org, &access).await.0, 200);
}

#[tokio::test]
async fn a_token_without_the_api_scope_does_not_open_the_rest_api() {
    let org = org_with_app().await;
    org.admin("connected-app", json!({"scopes": ["id", "refresh_token"]}))
        .await;
    let body = tokens(&org).await;
    assert_eq!(body["scope"], "id refresh_token");
    let (status, body) = rest_status(&org, body["access_token"].as_str().unwrap()).await;
    assert_eq!(status, 401);
    assert_eq!(
        body[0]["message"],
        "This session is not valid for use with the REST API"
    );
}

#[tokio::test]
async fn expired_access_tokens_make_the_client_refresh() {
    let org = org_with_app().await;
    let first = tokens(&org).await;
    let access = first["access_token"].as_str().unwrap();
    assert_eq!(rest_status(&org, access).await.0, 200);
    let expired = org.admin("oauth/expire-tokens", json!({})).await;
    assert_eq!(expired.status(), 204);
    let (status, body) = rest_status(&org, access).await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])
    );
    let (status, renewed) = refresh(&org, first["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(
        rest_status(&org, renewed["access_token"].as_str().unwrap())
            .await
            .0,
        200
    );

    // The log tells the token's calls apart from others, refused ones included.
    let session = org.session(ADMIN_USER).await;
    assert_eq!(rest_status(&org, &session).await.0, 200);
    let log: Value = org
        .http
        .get(org.url("/__devorg/log"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let auths: Vec<(&str, u64)> = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["path"].as_str().unwrap().starts_with("/services/data/"))
        .map(|r| {
            (
                r["auth"].as_str().unwrap_or("none"),
                r["status"].as_u64().unwrap(),
            )
        })
        .collect();
    // The expired token is no session at all any more: the log cannot name its kind.
    assert_eq!(
        auths,
        [
            ("oauth", 200),
            ("none", 401),
            ("oauth", 200),
            ("session", 200)
        ]
    );
}

#[tokio::test]
async fn reset_forgets_the_app_and_its_tokens_but_keeps_the_browser_logged_in() {
    let org = org_with_app().await;
    let (sid, code) = first_code(&org).await;
    let body = exchange(&org, &code, VERIFIER).await.1;
    org.admin("api-access-control", json!({"on": true})).await;
    assert_eq!(org.admin("reset", json!({})).await.status(), 204);

    let state: Value = org
        .http
        .get(org.url("/__devorg/oauth"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state["apiAccessControl"], false);
    assert_eq!(state["connectedApp"]["callbackUrls"], json!([]));
    assert_eq!(state["approvals"], json!([]));
    assert_eq!(state["refreshTokens"], 0);
    assert_eq!(
        rest_status(&org, body["access_token"].as_str().unwrap())
            .await
            .0,
        401
    );
    assert_eq!(
        refresh(&org, body["refresh_token"].as_str().unwrap())
            .await
            .0,
        400
    );
    assert_eq!(rest_status(&org, &sid).await.0, 200);
}
