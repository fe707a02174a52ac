//! "Connect with Salesforce" in the worker: the OAuth web-server flow with PKCE through
//! `chrome.identity.launchWebAuthFlow`, for an org that refuses the browser session for the
//! API (API Access Control). `salesforce::oauth` builds the requests and judges the answers;
//! this module brings the random bytes, the auth window, the HTTP and the storage.
//!
//! Where things are kept: the refresh token in `chrome.storage.local` (trusted contexts only,
//! see worker.js: content scripts cannot read it), the access token in
//! `chrome.storage.session` (memory only, trusted contexts only). Neither is ever logged, shown
//! or sent anywhere but to the org's own My Domain host.
//!
//! The token's user must be the Lightning session's: at connect time, and again whenever the
//! browser session changes (another login), the session's user is asked of
//! `/services/oauth2/userinfo` (not a REST API call: it counts against no limit) and compared.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::client::{self, CallError};
use super::connection::session_tag;
use super::store;
use crate::codes::ErrorCode;
use crate::glue::chrome;
use crate::glue::js::{GlueError, JsResultExt};
use crate::protocol::OrgReport;
use crate::salesforce::oauth::{
    check_user, parse_tokens, refresh_body, revoke_body, Attempt, Grant, OAuthError,
};
use crate::salesforce::session::{ApiSession, SessionId};

const GRANT_PREFIX: &str = "oauth:";
const ACCESS_PREFIX: &str = "oauthAccess:";
const CHECKED_PREFIX: &str = "oauthChecked:";
const CONSUMER_KEY: &str = "oauthConsumerKey";

/// The Connected App's consumer key: the administrator's policy, else the options page's.
pub async fn consumer_key() -> Option<String> {
    if let Some(key) = super::policy::current().await.connected_app_consumer_key {
        return Some(key);
    }
    store::load::<String>(CONSUMER_KEY).await.ok().flatten()
}

/// A consumer key as Salesforce issues them: printable ASCII, no spaces, bounded.
pub fn valid_consumer_key(key: &str) -> bool {
    (1..=256).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

pub async fn save_consumer_key(key: &str) -> Result<(), CallError> {
    if super::policy::current()
        .await
        .connected_app_consumer_key
        .is_some()
    {
        return Err(CallError::new(
            "SET_BY_ADMIN",
            "the consumer key is set by policy",
        ));
    }
    let key = key.trim();
    if key.is_empty() {
        return Ok(store::remove(CONSUMER_KEY).await?);
    }
    if !valid_consumer_key(key) {
        return Err(CallError::new("BAD_CONSUMER_KEY", "not a consumer key"));
    }
    Ok(store::store(CONSUMER_KEY, &key).await?)
}

/// Where the auth window sends the code: `https://<extension id>.chromiumapp.org/`, the
/// Callback URL the administrator enters in the Connected App.
pub fn redirect_uri() -> String {
    chrome::identity_redirect_url()
}

/// The options page, at its "Connect with Salesforce" section (the panel's button).
pub async fn open_options() -> Result<(), CallError> {
    let url = chrome::runtime_get_url("options.html#oauth");
    let properties = crate::glue::js::to_js(&serde_json::json!({ "url": url, "active": true }))?;
    crate::glue::js::call(chrome::tabs_create(&properties), "TAB_GONE").await?;
    Ok(())
}

async fn grant(org_id: &str) -> Option<Grant> {
    store::load::<Grant>(&format!("{GRANT_PREFIX}{org_id}"))
        .await
        .ok()
        .flatten()
}

/// The orgs connected with OAuth, of those given.
pub async fn connected(orgs: &[OrgReport]) -> Vec<String> {
    let mut out = vec![];
    for org in orgs {
        if grant(&org.org_id).await.is_some() {
            out.push(org.org_id.clone());
        }
    }
    out
}

fn oauth_error(e: OAuthError, message: &str) -> CallError {
    CallError::new(e.code(), message)
}

/// The whole flow, from the user's click on "Connect with Salesforce" to a kept grant.
pub async fn connect(org_id: &str) -> Result<(), CallError> {
    let org = store::org(org_id)
        .await?
        .ok_or_else(|| CallError::new("UNKNOWN_ORG", "open a Salesforce page of this org first"))?;
    let client_id = consumer_key()
        .await
        .ok_or_else(|| oauth_error(OAuthError::NoClient, "no Connected App consumer key is set"))?;
    // Whose Lightning session this is, before anything is asked of the user.
    let session_user = session_user(&org).await?;
    let attempt = Attempt::new(&random32()?, &random32()?);
    let redirect = redirect_uri();
    let url = attempt.authorize_url(&org.api_host, &client_id, &redirect);
    let details = js_sys::Object::new();
    js_sys::Reflect::set(&details, &"url".into(), &url.into()).or_glue("OAUTH_FAILED")?;
    js_sys::Reflect::set(&details, &"interactive".into(), &true.into()).or_glue("OAUTH_FAILED")?;
    // A closed window rejects: the user said no as surely as with Deny.
    let callback =
        JsFuture::from(chrome::identity_launch_web_auth_flow(&details).or_glue("OAUTH_DENIED")?)
            .await
            .map_err(|_| oauth_error(OAuthError::Denied, "the Salesforce window was closed"))?
            .as_string()
            .unwrap_or_default();
    let code = attempt
        .code_from(&callback, &redirect)
        .map_err(|e| oauth_error(e, "Salesforce did not grant access"))?;
    let (status, body) = form_post(
        &org.api_host,
        "/services/oauth2/token",
        &attempt.token_body(&code, &client_id, &redirect),
    )
    .await?;
    let tokens = parse_tokens(status, &body, org_id15(org_id), &org.api_host)
        .map_err(|e| oauth_error(e, "Salesforce's token answer was refused"))?;
    if let Err(e) = check_user(&tokens.user_id, Some(&session_user)) {
        // Not ours to keep: revoked at once, so no token of another user stays alive.
        let token = tokens
            .refresh_token
            .as_deref()
            .unwrap_or(&tokens.access_token);
        let _ = form_post(
            &org.api_host,
            "/services/oauth2/revoke",
            &revoke_body(token),
        )
        .await;
        return Err(oauth_error(
            e,
            "the Salesforce user who allowed access is not the one logged in to Lightning",
        ));
    }
    let Some(refresh_token) = tokens.refresh_token.clone() else {
        return Err(oauth_error(
            OAuthError::Failed,
            "no refresh token: the Connected App needs the refresh_token scope",
        ));
    };
    store::store(
        &format!("{GRANT_PREFIX}{org_id}"),
        &Grant {
            refresh_token,
            user_id: tokens.user_id.clone(),
            client_id,
        },
    )
    .await?;
    store::session_store(&format!("{ACCESS_PREFIX}{org_id}"), &tokens.access_token).await?;
    if let Ok(sid) = client::browser_session(&org).await {
        let _ = store::session_store(
            &format!("{CHECKED_PREFIX}{org_id}"),
            &session_tag(&sid.session).await,
        )
        .await;
    }
    // The org is looked at again, now through the token.
    look_again(org_id).await
}

/// "Disconnect": the refresh token is revoked at Salesforce (its access tokens with it) and
/// forgotten here; the org goes back to the browser session.
pub async fn disconnect(org_id: &str) -> Result<(), CallError> {
    let org = store::org(org_id).await?;
    if let (Some(grant), Some(org)) = (grant(org_id).await, org.as_ref()) {
        let (status, _) = form_post(
            &org.api_host,
            "/services/oauth2/revoke",
            &revoke_body(&grant.refresh_token),
        )
        .await?;
        // 400 is a token Salesforce no longer knows: gone either way.
        if status != 200 && status != 400 {
            return Err(CallError::new(
                "OAUTH_FAILED",
                "Salesforce did not revoke the token",
            ));
        }
    }
    forget(org_id).await?;
    look_again(org_id).await
}

/// The org's capabilities are detected again at once, through the session it now uses.
async fn look_again(org_id: &str) -> Result<(), CallError> {
    store::update_org(org_id, |current| {
        let mut org = current?;
        org.state = ErrorCode::Checking;
        org.capabilities = None;
        Some(org)
    })
    .await?;
    super::connection::describe(org_id, None).await;
    Ok(())
}

async fn forget(org_id: &str) -> Result<(), GlueError> {
    store::remove(&format!("{GRANT_PREFIX}{org_id}")).await?;
    store::session_remove(&format!("{ACCESS_PREFIX}{org_id}")).await?;
    store::session_remove(&format!("{CHECKED_PREFIX}{org_id}")).await
}

/// The session a REST call uses when the org is connected with OAuth (`None`: it is not, the
/// browser session is used). The Lightning session must be there and be the token's user.
pub async fn session(org: &OrgReport) -> Option<Result<ApiSession, CallError>> {
    let grant = grant(&org.org_id).await?;
    Some(token_session(org, &grant).await)
}

async fn token_session(org: &OrgReport, grant: &Grant) -> Result<ApiSession, CallError> {
    let sid = client::browser_session(org)
        .await
        .map_err(|_| CallError::new("NO_API_SESSION", "log in to Salesforce in this browser"))?;
    let checked_key = format!("{CHECKED_PREFIX}{}", org.org_id);
    let tag = session_tag(&sid.session).await;
    if store::session_load::<String>(&checked_key)
        .await
        .ok()
        .flatten()
        .as_deref()
        != Some(&tag)
    {
        let user = userinfo_user(&org.api_host, sid.session.expose()).await?;
        check_user(&grant.user_id, Some(&user)).map_err(|e| {
            oauth_error(
                e,
                "the Salesforce user logged in is not the one who connected",
            )
        })?;
        store::session_store(&checked_key, &tag).await?;
    }
    let access = match store::session_load::<String>(&format!("{ACCESS_PREFIX}{}", org.org_id))
        .await
        .ok()
        .flatten()
    {
        Some(access) => access,
        None => refresh(org, grant).await?,
    };
    Ok(ApiSession {
        org_id: sid.org_id,
        api_host: org.api_host.clone(),
        session: SessionId::new(access),
    })
}

/// The access token was refused: the next call gets a new one with the refresh token.
pub async fn forget_access(org_id: &str) {
    let _ = store::session_remove(&format!("{ACCESS_PREFIX}{org_id}")).await;
}

/// A new access token. A refresh token Salesforce no longer takes (`invalid_grant`: revoked,
/// expired) is forgotten: the user connects again.
async fn refresh(org: &OrgReport, grant: &Grant) -> Result<String, CallError> {
    let (status, body) = form_post(
        &org.api_host,
        "/services/oauth2/token",
        &refresh_body(grant, &grant.client_id),
    )
    .await?;
    match parse_tokens(status, &body, org_id15(&org.org_id), &org.api_host) {
        Ok(tokens) if tokens.user_id.get(..15) == grant.user_id.get(..15) => {
            store::session_store(
                &format!("{ACCESS_PREFIX}{}", org.org_id),
                &tokens.access_token,
            )
            .await?;
            Ok(tokens.access_token)
        }
        Ok(_) => Err(oauth_error(
            OAuthError::WrongUser,
            "the refreshed token is another user's",
        )),
        Err(OAuthError::Expired | OAuthError::NoClient) => {
            forget(&org.org_id).await?;
            Err(oauth_error(
                OAuthError::Expired,
                "the connection with Salesforce has ended: connect again",
            ))
        }
        Err(e) => Err(oauth_error(e, "Salesforce did not renew the token")),
    }
}

async fn session_user(org: &OrgReport) -> Result<String, CallError> {
    let sid = client::browser_session(org).await.map_err(|_| {
        CallError::new(
            "NO_API_SESSION",
            "log in to Salesforce in this browser first",
        )
    })?;
    userinfo_user(&org.api_host, sid.session.expose()).await
}

/// The user behind a session or token, by `/services/oauth2/userinfo`.
async fn userinfo_user(api_host: &str, bearer: &str) -> Result<String, CallError> {
    let (status, body) = request(
        api_host,
        "GET",
        "/services/oauth2/userinfo",
        Some(bearer),
        None,
    )
    .await?;
    let json: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    match (status, json["user_id"].as_str()) {
        (200, Some(user)) if user.starts_with("005") && user.len() >= 15 => Ok(user.to_string()),
        (401 | 403, _) => Err(CallError::new(
            "INVALID_SESSION_ID",
            "log in to Salesforce again",
        )),
        _ => Err(oauth_error(
            OAuthError::Failed,
            "Salesforce did not say who is logged in",
        )),
    }
}

async fn form_post(api_host: &str, path: &str, body: &str) -> Result<(u16, String), CallError> {
    request(api_host, "POST", path, None, Some(body)).await
}

/// One request to the org's My Domain host; no cookie, no redirect followed.
async fn request(
    api_host: &str,
    method: &str,
    path: &str,
    bearer: Option<&str>,
    form: Option<&str>,
) -> Result<(u16, String), CallError> {
    let url = format!("https://{api_host}{path}");
    let headers = web_sys::Headers::new().or_glue("NETWORK")?;
    headers
        .set("Accept", "application/json")
        .or_glue("NETWORK")?;
    if let Some(token) = bearer {
        headers
            .set("Authorization", &format!("Bearer {token}"))
            .or_glue("NETWORK")?;
    }
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    init.set_credentials(web_sys::RequestCredentials::Omit);
    init.set_redirect(web_sys::RequestRedirect::Manual);
    if let Some(form) = form {
        headers
            .set("Content-Type", "application/x-www-form-urlencoded")
            .or_glue("NETWORK")?;
        init.set_body(&JsValue::from_str(form));
    }
    init.set_headers(&headers);
    let request = web_sys::Request::new_with_str_and_init(&url, &init).or_glue("NETWORK")?;
    let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    let response: web_sys::Response = JsFuture::from(scope.fetch_with_request(&request))
        .await
        .or_glue("NETWORK")?
        .unchecked_into();
    if response.type_() == web_sys::ResponseType::Opaqueredirect {
        return Err(CallError::new(
            "REDIRECTED",
            "Salesforce answered with a redirect",
        ));
    }
    let text = JsFuture::from(response.text().or_glue("NETWORK")?)
        .await
        .or_glue("NETWORK")?
        .as_string()
        .unwrap_or_default();
    Ok((response.status(), text))
}

fn org_id15(org_id: &str) -> &str {
    org_id.get(..15).unwrap_or(org_id)
}

/// 32 random bytes; no flow at all rather than a guessable one.
fn random32() -> Result<[u8; 32], CallError> {
    let mut buffer = [0u8; 32];
    super::random_bytes(&mut buffer).or_glue("OAUTH_FAILED")?;
    Ok(buffer)
}
