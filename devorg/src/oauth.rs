//! OAuth 2.0 on the My Domain host, as Salesforce answers it: the web-server flow with PKCE
//! (`/services/oauth2/authorize`, its login and consent pages, `/services/oauth2/token` for the
//! code and refresh grants), `/services/oauth2/revoke` and `/services/oauth2/userinfo`; and the
//! Connected App and API Access Control they are checked against. OAUTH.md says what each answer
//! rests on. None of these calls is a REST API call: nothing here counts against the API limit.

use std::collections::{HashMap, HashSet};

use axum::body::Bytes;
use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::org::{now_ms, Org, OrgState, SessionKind, User};
use crate::page::{decode_component, encode_component, escape_html};

/// The Connected App's consumer key until a test sets another (real keys start `3MVG9`).
pub const DEFAULT_CONSUMER_KEY: &str = "3MVG9devorgPhoneForSalesforce";
pub const DEFAULT_CONSUMER_SECRET: &str = "devorg-consumer-secret";
/// How long a code waits for its exchange.
pub const CODE_LIFETIME_MS: u64 = 15 * 60 * 1000;
pub const AUTHORIZE: &str = "/services/oauth2/authorize";
/// Salesforce's own paths for the consent and error pages (browser automation waits for them).
pub const CONSENT_PAGE: &str = "/setup/secur/RemoteAccessAuthorizationPage.apexp";
pub const ERROR_PAGE: &str = "/setup/secur/RemoteAccessErrorPage.apexp";

pub fn routes() -> Router<Org> {
    Router::new()
        .route(AUTHORIZE, get(authorize))
        .route("/services/oauth2/token", axum::routing::post(token))
        .route("/services/oauth2/revoke", get(revoke).post(revoke))
        .route("/services/oauth2/userinfo", get(userinfo).post(userinfo))
        .route(CONSENT_PAGE, get(consent_page).post(consent))
        .route(ERROR_PAGE, get(error_page))
}

/// The one Connected App the org has: the extension's.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectedApp {
    pub name: String,
    pub consumer_key: String,
    /// Keys the token response's `signature`; the flow itself never asks for it (the app does
    /// not require the secret, as a browser extension cannot keep one).
    pub consumer_secret: String,
    /// Exact matches only, as Salesforce compares them.
    pub callback_urls: Vec<String>,
    /// What the app may be granted; a request for anything else is refused.
    pub scopes: Vec<String>,
    /// "Require Proof Key for Code Exchange (PKCE)": an authorize request without a challenge
    /// is refused.
    pub require_pkce: bool,
    /// Approved (allowlisted) under API Access Control.
    pub api_access_approved: bool,
}

impl Default for ConnectedApp {
    fn default() -> Self {
        ConnectedApp {
            name: "Phone for Salesforce".into(),
            consumer_key: DEFAULT_CONSUMER_KEY.into(),
            consumer_secret: DEFAULT_CONSUMER_SECRET.into(),
            callback_urls: Vec::new(),
            scopes: vec!["api".into(), "refresh_token".into()],
            require_pkce: false,
            api_access_approved: true,
        }
    }
}

/// What one user granted one client.
#[derive(Debug, Clone)]
struct Grant {
    user_id: String,
    client_id: String,
    scopes: Vec<String>,
}

#[derive(Debug, Clone)]
struct AccessGrant {
    grant: Grant,
    /// The refresh token it came from or with: revoking that one revokes this one too.
    refresh_token: Option<String>,
}

#[derive(Debug, Clone)]
struct AuthCode {
    grant: Grant,
    redirect_uri: String,
    challenge: Option<String>,
    issued_ms: u64,
    used: bool,
}

/// An authorize request waiting on the consent page's Allow or Deny.
#[derive(Debug, Clone)]
struct Pending {
    user_id: String,
    request: AuthRequest,
    scopes: Vec<String>,
}

/// The org's OAuth state; the access tokens themselves are sessions of kind `OAuth`.
#[derive(Debug, Default)]
pub struct OAuthState {
    pub app: ConnectedApp,
    /// API Access Control: only approved Connected Apps' tokens open the REST API.
    pub api_access_control: bool,
    /// (user id, client id) pairs the user allowed: no consent page for them again.
    approvals: HashSet<(String, String)>,
    codes: HashMap<String, AuthCode>,
    pending: HashMap<String, Pending>,
    refresh_tokens: HashMap<String, Grant>,
    access_tokens: HashMap<String, AccessGrant>,
}

impl OAuthState {
    /// Whether an OAuth access token may call the REST API: its grant has the `api` (or `full`)
    /// scope, and under API Access Control its app is an approved one.
    pub fn opens_rest(&self, access_token: &str) -> bool {
        let Some(access) = self.access_tokens.get(access_token) else {
            return false;
        };
        let scoped = access
            .grant
            .scopes
            .iter()
            .any(|s| s == "api" || s == "full");
        let approved =
            access.grant.client_id == self.app.consumer_key && self.app.api_access_approved;
        scoped && (!self.api_access_control || approved)
    }

    /// For the test controls: the app and what is granted (how many tokens, not the tokens).
    pub fn summary(&self, state_users: &[User]) -> Value {
        let username = |id: &str| {
            state_users
                .iter()
                .find(|u| u.id == id)
                .map(|u| u.username.clone())
        };
        let approvals: Vec<Value> = self
            .approvals
            .iter()
            .map(|(user, client)| {
                json!({"userId": user, "username": username(user), "clientId": client})
            })
            .collect();
        json!({
            "connectedApp": self.app,
            "apiAccessControl": self.api_access_control,
            "approvals": approvals,
            "refreshTokens": self.refresh_tokens.len(),
            "accessTokens": self.access_tokens.len(),
        })
    }
}

/// Every OAuth access token stops working (as when their sessions time out); refresh tokens stay.
pub fn expire_access_tokens(state: &mut OrgState) {
    state.sessions.retain(|_, s| s.kind != SessionKind::OAuth);
    state.oauth.access_tokens.clear();
}

/// Revokes an access token (any session id) or a refresh token with its access tokens.
fn revoke_token(state: &mut OrgState, token: &str) -> bool {
    if let Some(grant) = state.oauth.refresh_tokens.remove(token) {
        let orphans: Vec<String> = state
            .oauth
            .access_tokens
            .iter()
            .filter(|(_, a)| a.refresh_token.as_deref() == Some(token))
            .map(|(t, _)| t.clone())
            .collect();
        for access in orphans {
            state.oauth.access_tokens.remove(&access);
            state.sessions.remove(&access);
        }
        // The refresh token was the approval: with none left, the user is asked again.
        let still_granted = state
            .oauth
            .refresh_tokens
            .values()
            .any(|g| g.user_id == grant.user_id && g.client_id == grant.client_id);
        if !still_granted {
            state
                .oauth
                .approvals
                .remove(&(grant.user_id, grant.client_id));
        }
        return true;
    }
    state.oauth.access_tokens.remove(token);
    state.sessions.remove(token).is_some()
}

/// The authorize request's parameters, as sent.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuthRequest {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    state: Option<String>,
    scope: Option<String>,
    prompt: Option<String>,
}

impl AuthRequest {
    fn prompts(&self, what: &str) -> bool {
        self.prompt
            .as_deref()
            .is_some_and(|p| p.split_whitespace().any(|w| w == what))
    }

    /// The same request with one `prompt` value dropped (login asked for is login done).
    fn without_prompt(&self, what: &str) -> AuthRequest {
        let prompt: Vec<&str> = self
            .prompt
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
            .filter(|w| *w != what)
            .collect();
        AuthRequest {
            prompt: (!prompt.is_empty()).then(|| prompt.join(" ")),
            ..self.clone()
        }
    }

    /// The authorize URL (path and query) that carries this request.
    fn path(&self) -> String {
        let fields = [
            ("response_type", &self.response_type),
            ("client_id", &self.client_id),
            ("redirect_uri", &self.redirect_uri),
            ("code_challenge", &self.code_challenge),
            ("code_challenge_method", &self.code_challenge_method),
            ("state", &self.state),
            ("scope", &self.scope),
            ("prompt", &self.prompt),
        ];
        let query: Vec<String> = fields
            .iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", encode_component(v))))
            .collect();
        format!("{AUTHORIZE}?{}", query.join("&"))
    }
}

/// A 302, as Salesforce redirects.
fn found(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => (StatusCode::FOUND, [(header::LOCATION, value)]).into_response(),
        Err(_) => show_error("invalid_request", "invalid redirect"),
    }
}

/// To Salesforce's error page: for errors that must not go to an unverified redirect URI.
fn show_error(error: &str, description: &str) -> Response {
    found(&format!(
        "{ERROR_PAGE}?error={}&error_description={}",
        encode_component(error),
        encode_component(description)
    ))
}

/// Back to the client's redirect URI with these parameters (and the request's `state`).
fn to_client(redirect_uri: &str, params: &[(&str, &str)], state: Option<&str>) -> Response {
    let mut query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", encode_component(v)))
        .collect();
    if let Some(state) = state {
        query.push(format!("state={}", encode_component(state)));
    }
    let joiner = if redirect_uri.contains('?') { '&' } else { '?' };
    found(&format!("{redirect_uri}{joiner}{}", query.join("&")))
}

#[derive(Deserialize)]
struct ErrorQuery {
    error: Option<String>,
    error_description: Option<String>,
}

/// Shows the error as Salesforce's page does: the error and its description, form-encoded.
async fn error_page(Query(q): Query<ErrorQuery>) -> Response {
    let text = format!(
        "error={}&error_description={}",
        encode_component(q.error.as_deref().unwrap_or_default()),
        encode_component(q.error_description.as_deref().unwrap_or_default())
    );
    let html = format!(
        r#"<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>エラー | Salesforce</title></head>
<body><h1>リモートアクセスエラー</h1><p id="error">{}</p></body></html>"#,
        escape_html(&text)
    );
    (StatusCode::BAD_REQUEST, Html(html)).into_response()
}

/// The user the browser is logged in as on this host (its `sid` cookie), if any.
fn browser_user(org: &Org, headers: &HeaderMap) -> Option<User> {
    let session = crate::page::cookie(headers, "sid").and_then(|sid| org.session(sid))?;
    if session.kind != SessionKind::Api {
        return None;
    }
    org.lock()
        .users
        .iter()
        .find(|u| u.id == session.user_id && u.active)
        .cloned()
}

/// Refuses what the Connected App does not allow, once the redirect URI is known to be its own.
fn check_request(
    request: &AuthRequest,
    app: &ConnectedApp,
) -> Result<Vec<String>, (&'static str, &'static str)> {
    if request.response_type.as_deref() != Some("code") {
        return Err(("unsupported_response_type", "response type not supported"));
    }
    let scopes: Vec<String> = match request.scope.as_deref() {
        Some(scope) if !scope.trim().is_empty() => {
            scope.split_whitespace().map(str::to_string).collect()
        }
        _ => app.scopes.clone(),
    };
    if scopes.iter().any(|s| !app.scopes.contains(s)) {
        return Err(("invalid_scope", "the requested scope is not allowed"));
    }
    match request.code_challenge.as_deref() {
        None if app.require_pkce => {
            return Err(("invalid_request", "missing required code challenge"))
        }
        None => {}
        Some(challenge) => {
            // Salesforce takes SHA-256 only; a base64url SHA-256 is 43 characters.
            let method_ok = request
                .code_challenge_method
                .as_deref()
                .is_none_or(|m| m == "S256");
            let shape_ok = challenge.len() == 43
                && challenge
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !method_ok || !shape_ok {
                return Err(("invalid_request", "invalid code challenge"));
            }
        }
    }
    Ok(scopes)
}

async fn authorize(
    State(org): State<Org>,
    headers: HeaderMap,
    Query(request): Query<AuthRequest>,
) -> Response {
    let app = org.lock().oauth.app.clone();
    if request.client_id.as_deref() != Some(app.consumer_key.as_str()) {
        return show_error("invalid_client_id", "client identifier invalid");
    }
    let Some(redirect_uri) = request
        .redirect_uri
        .clone()
        .filter(|r| app.callback_urls.contains(r))
    else {
        return show_error(
            "redirect_uri_mismatch",
            "redirect_uri must match configuration",
        );
    };
    let scopes = match check_request(&request, &app) {
        Ok(scopes) => scopes,
        Err((error, description)) => {
            let params = [("error", error), ("error_description", description)];
            return to_client(&redirect_uri, &params, request.state.as_deref());
        }
    };
    let user = browser_user(&org, &headers).filter(|_| !request.prompts("login"));
    let Some(user) = user else {
        // Logged in, the browser comes back here without being asked to log in again.
        let start = request.without_prompt("login").path();
        return found(&format!("/?ec=302&startURL={}", encode_component(&start)));
    };
    let approved = org
        .lock()
        .oauth
        .approvals
        .contains(&(user.id.clone(), app.consumer_key.clone()));
    if approved && !request.prompts("consent") {
        let grant = Grant {
            user_id: user.id,
            client_id: app.consumer_key,
            scopes,
        };
        return code_to_client(&org, grant, &request);
    }
    let source = random_token("", 32);
    org.lock().oauth.pending.insert(
        source.clone(),
        Pending {
            user_id: user.id,
            request,
            scopes,
        },
    );
    found(&format!("{CONSENT_PAGE}?source={source}"))
}

/// A new single-use code for this grant, sent to the request's redirect URI.
fn code_to_client(org: &Org, grant: Grant, request: &AuthRequest) -> Response {
    let redirect_uri = request.redirect_uri.clone().unwrap_or_default();
    // Codes look like Salesforce's (`aPrx…==`): a client must decode `%3D%3D` off the URL.
    let code = format!("{}==", random_token("aPrx", 52));
    org.lock().oauth.codes.insert(
        code.clone(),
        AuthCode {
            grant,
            redirect_uri: redirect_uri.clone(),
            challenge: request.code_challenge.clone(),
            issued_ms: now_ms(),
            used: false,
        },
    );
    to_client(&redirect_uri, &[("code", &code)], request.state.as_deref())
}

fn random_token(prefix: &str, len: usize) -> String {
    let tail: String = rand::thread_rng()
        .sample_iter(&rand::distributions::Alphanumeric)
        .take(len)
        .map(char::from)
        .collect();
    format!("{prefix}{tail}")
}

/// The label Salesforce's consent page gives a scope.
fn scope_label(scope: &str) -> String {
    let label = match scope {
        "api" => "Manage user data via APIs",
        "refresh_token" | "offline_access" => "Perform requests at any time",
        "id" | "profile" | "email" | "address" | "phone" | "openid" => {
            "Access the identity URL service"
        }
        "full" => "Full access",
        _ => "Access",
    };
    format!("{label} ({scope})")
}

#[derive(Deserialize)]
struct SourceQuery {
    source: Option<String>,
}

/// The pending request behind `source`, if this browser's user is the one who made it.
fn pending_for(org: &Org, headers: &HeaderMap, source: &str) -> Option<(User, Pending)> {
    let user = browser_user(org, headers)?;
    let pending = org.lock().oauth.pending.get(source).cloned()?;
    (pending.user_id == user.id).then_some((user, pending))
}

/// "Allow Access?": the app, what it asks for, and Allow / Deny with Salesforce's element ids.
async fn consent_page(
    State(org): State<Org>,
    headers: HeaderMap,
    Query(q): Query<SourceQuery>,
) -> Response {
    let source = q.source.unwrap_or_default();
    let Some((user, pending)) = pending_for(&org, &headers, &source) else {
        return show_error("invalid_request", "invalid authorization request");
    };
    let app_name = org.lock().oauth.app.name.clone();
    let scopes: String = pending
        .scopes
        .iter()
        .map(|s| format!("<li>{}</li>", escape_html(&scope_label(s))))
        .collect();
    Html(format!(
        r#"<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>Allow Access? | Salesforce</title></head>
<body><h1>Allow Access?</h1>
<p id="app"><b>{app}</b> is asking to:</p><ul id="scopes">{scopes}</ul>
<p>Do you want to allow access for <span id="user">{username}</span>?</p>
<form method="post" action="{CONSENT_PAGE}" id="oauth_approval">
<input type="hidden" name="source" value="{source}">
<input type="submit" id="oadeny" name="oadeny" value="Deny">
<input type="submit" id="oaapprove" name="oaapprove" value="Allow">
</form></body></html>"#,
        app = escape_html(&app_name),
        username = escape_html(&user.username),
        source = escape_html(&source),
    ))
    .into_response()
}

#[derive(Deserialize)]
struct ConsentForm {
    source: String,
    oaapprove: Option<String>,
    oadeny: Option<String>,
}

/// Allow sends a code (and remembers the approval); Deny sends `access_denied`.
async fn consent(
    State(org): State<Org>,
    headers: HeaderMap,
    Form(form): Form<ConsentForm>,
) -> Response {
    let Some((user, pending)) = pending_for(&org, &headers, &form.source) else {
        return show_error("invalid_request", "invalid authorization request");
    };
    let redirect_uri = pending.request.redirect_uri.clone().unwrap_or_default();
    let state = pending.request.state.as_deref();
    let client_id = pending.request.client_id.clone().unwrap_or_default();
    if form.oaapprove.is_none() {
        if form.oadeny.is_none() {
            return show_error("invalid_request", "invalid authorization request");
        }
        org.lock().oauth.pending.remove(&form.source);
        let params = [
            ("error", "access_denied"),
            ("error_description", "end-user denied authorization"),
        ];
        return to_client(&redirect_uri, &params, state);
    }
    {
        let mut locked = org.lock();
        locked.oauth.pending.remove(&form.source);
        locked
            .oauth
            .approvals
            .insert((user.id.clone(), client_id.clone()));
    }
    let grant = Grant {
        user_id: user.id,
        client_id,
        scopes: pending.scopes,
    };
    code_to_client(&org, grant, &pending.request)
}

/// `{"error": …, "error_description": …}` with 400, as the token endpoint answers.
fn token_error(error: &str, description: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

type TokenRefusal = (&'static str, &'static str);

const INVALID_CLIENT: TokenRefusal = ("invalid_client_id", "client identifier invalid");
const EXPIRED_TOKEN: TokenRefusal = ("invalid_grant", "expired access/refresh token");
const BAD_VERIFIER: TokenRefusal = ("invalid_grant", "invalid code verifier");

type Fields = HashMap<String, String>;

/// `application/x-www-form-urlencoded` fields; any other body has none (and so no grant type).
fn form_fields(body: &[u8]) -> Fields {
    String::from_utf8_lossy(body)
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (decode_component(k), decode_component(v)))
        .collect()
}

/// A field's value, empty when absent (Salesforce treats both alike).
fn field<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields.get(name).map(String::as_str).unwrap_or_default()
}

async fn token(State(org): State<Org>, body: Bytes) -> Response {
    let fields = form_fields(&body);
    let outcome = match field(&fields, "grant_type") {
        "authorization_code" => exchange_code(&org, &fields),
        "refresh_token" => refresh(&org, &fields),
        _ => Err(("unsupported_grant_type", "grant type not supported")),
    };
    match outcome {
        Ok(body) => ([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response(),
        Err((error, description)) => token_error(error, description),
    }
}

/// Whether the verifier's SHA-256, base64url without padding, is the challenge.
pub fn verifier_matches(verifier: &str, challenge: &str) -> bool {
    // Salesforce refuses a verifier with `~`, though RFC 7636 allows it (see OAUTH.md).
    !verifier.contains('~')
        && URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
}

/// Checks a code against the exchange's parameters; a wrong verifier does not use the code up.
fn redeem(
    codes: &mut HashMap<String, AuthCode>,
    fields: &Fields,
    now: u64,
) -> Result<Grant, TokenRefusal> {
    let field = |name| field(fields, name);
    let code = codes
        .get_mut(field("code"))
        .ok_or(("invalid_grant", "invalid authorization code"))?;
    if code.used || now.saturating_sub(code.issued_ms) > CODE_LIFETIME_MS {
        return Err(("invalid_grant", "expired authorization code"));
    }
    if code.grant.client_id != field("client_id") {
        return Err(("invalid_grant", "authentication failure"));
    }
    if code.redirect_uri != field("redirect_uri") {
        return Err((
            "redirect_uri_mismatch",
            "redirect_uri must match configuration",
        ));
    }
    if let Some(challenge) = &code.challenge {
        if !verifier_matches(field("code_verifier"), challenge) {
            return Err(BAD_VERIFIER);
        }
    }
    code.used = true;
    Ok(code.grant.clone())
}

fn exchange_code(org: &Org, fields: &Fields) -> Result<Value, TokenRefusal> {
    let grant = {
        let mut state = org.lock();
        if field(fields, "client_id") != state.oauth.app.consumer_key {
            return Err(INVALID_CLIENT);
        }
        let grant = redeem(&mut state.oauth.codes, fields, now_ms())?;
        check_active(&state, &grant)?;
        grant
    };
    let refresh_token = grant
        .scopes
        .iter()
        .any(|s| s == "refresh_token" || s == "offline_access")
        .then(|| {
            let token = random_token("5Aep861", 80);
            org.lock()
                .oauth
                .refresh_tokens
                .insert(token.clone(), grant.clone());
            token
        });
    let mut body = issue(org, grant, refresh_token.clone());
    if let Some(token) = refresh_token {
        body["refresh_token"] = json!(token);
    }
    Ok(body)
}

/// A new access token from a refresh token; the answer carries no new refresh token.
fn refresh(org: &Org, fields: &Fields) -> Result<Value, TokenRefusal> {
    let field = |name| field(fields, name);
    let refresh_token = field("refresh_token").to_string();
    let grant = {
        let state = org.lock();
        if field("client_id") != state.oauth.app.consumer_key {
            return Err(INVALID_CLIENT);
        }
        let grant = state
            .oauth
            .refresh_tokens
            .get(&refresh_token)
            .filter(|g| g.client_id == field("client_id"))
            .cloned()
            .ok_or(EXPIRED_TOKEN)?;
        check_active(&state, &grant)?;
        grant
    };
    Ok(issue(org, grant, Some(refresh_token)))
}

fn check_active(state: &OrgState, grant: &Grant) -> Result<(), TokenRefusal> {
    let active = state
        .users
        .iter()
        .any(|u| u.id == grant.user_id && u.active);
    if active {
        Ok(())
    } else {
        Err(("invalid_grant", "inactive user"))
    }
}

/// The identity URL the token response names: on the login host, not My Domain.
pub fn identity_url(org: &Org, user_id: &str) -> String {
    let login = if org.domain.contains(".sandbox") {
        "test.salesforce.com"
    } else {
        "login.salesforce.com"
    };
    format!("https://{login}/id/{}/{user_id}", org.org_id18)
}

/// A new access token for the grant, and the response fields every grant type shares.
fn issue(org: &Org, grant: Grant, refresh_token: Option<String>) -> Value {
    let access_token = org.new_session(&grant.user_id, SessionKind::OAuth);
    let id = identity_url(org, &grant.user_id);
    let issued_at = now_ms().to_string();
    let scope = grant.scopes.join(" ");
    let secret = {
        let mut state = org.lock();
        state.oauth.access_tokens.insert(
            access_token.clone(),
            AccessGrant {
                grant,
                refresh_token,
            },
        );
        state.oauth.app.consumer_secret.clone()
    };
    let signature = STANDARD.encode(hmac_sha256(
        secret.as_bytes(),
        format!("{id}{issued_at}").as_bytes(),
    ));
    json!({
        "access_token": access_token,
        "signature": signature,
        "scope": scope,
        "instance_url": format!("https://{}", org.api_host()),
        "id": id,
        "token_type": "Bearer",
        "issued_at": issued_at,
    })
}

/// HMAC-SHA256 (RFC 2104), for the token response's `signature`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > block.len() {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// Revokes the `token` of the form body or, for GET, of the query.
async fn revoke(State(org): State<Org>, uri: Uri, body: Bytes) -> Response {
    let mut fields = form_fields(&body);
    if !fields.contains_key("token") {
        fields = form_fields(uri.query().unwrap_or_default().as_bytes());
    }
    let token = fields.get("token").cloned().unwrap_or_default();
    if revoke_token(&mut org.lock(), &token) {
        return StatusCode::OK.into_response();
    }
    // As observed: form-encoded, not JSON, unlike the token endpoint's errors.
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "application/x-www-form-urlencoded")],
        "error=unsupported_token_type&error_description=this%20token%20type%20is%20not%20supported",
    )
        .into_response()
}

/// The OpenID Connect UserInfo of the token's user; a bad token is a 403 with one word of text.
async fn userinfo(State(org): State<Org>, headers: HeaderMap) -> Response {
    let user = crate::api::bearer(&headers)
        .and_then(|token| org.session(token))
        .filter(|s| matches!(s.kind, SessionKind::OAuth | SessionKind::Api))
        .and_then(|s| org.lock().users.iter().find(|u| u.id == s.user_id).cloned());
    match user {
        Some(user) => Json(user_info(&org, &user)).into_response(),
        None => (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/plain")],
            "Bad_OAuth_Token",
        )
            .into_response(),
    }
}

fn user_info(org: &Org, user: &User) -> Value {
    let host = org.api_host();
    // Names are stored Japanese order, family name first.
    let (family, given) = user
        .name
        .split_once(' ')
        .unwrap_or((user.name.as_str(), ""));
    let nickname = user.username.split('@').next().unwrap_or_default();
    let org15 = org.org_id;
    let updated = crate::org::timestamp(now_ms());
    json!({
        "sub": identity_url(org, &user.id),
        "user_id": user.id,
        "organization_id": org.org_id18,
        "preferred_username": user.username,
        "nickname": nickname,
        "name": user.name,
        "email": user.username,
        "email_verified": true,
        "given_name": given,
        "family_name": family,
        "zoneinfo": "Asia/Tokyo",
        "photos": {
            "picture": format!("https://{}.file.force.com/profilephoto/005/F", org.domain),
            "thumbnail": format!("https://{}.file.force.com/profilephoto/005/T", org.domain),
        },
        "profile": format!("https://{host}/{}", user.id),
        "picture": format!("https://{}.file.force.com/profilephoto/005/F", org.domain),
        "address": {"country": "JP"},
        "urls": {
            "enterprise": format!("https://{host}/services/Soap/c/{{version}}/{org15}"),
            "partner": format!("https://{host}/services/Soap/u/{{version}}/{org15}"),
            "rest": format!("https://{host}/services/data/v{{version}}/"),
            "sobjects": format!("https://{host}/services/data/v{{version}}/sobjects/"),
            "search": format!("https://{host}/services/data/v{{version}}/search/"),
            "query": format!("https://{host}/services/data/v{{version}}/query/"),
            "profile": format!("https://{host}/{}", user.id),
            "custom_domain": format!("https://{host}"),
        },
        "active": user.active,
        "user_type": user.user_type.to_ascii_uppercase(),
        "language": "ja",
        "locale": "ja_JP",
        "utcOffset": 32_400_000,
        "updated_at": format!("{}Z", &updated[..19]),
        "is_app_installed": true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn the_rfc_7636_example_verifier_matches_its_challenge() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert!(verifier_matches(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!verifier_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
    }

    #[test]
    fn a_code_expires_after_fifteen_minutes() {
        let issued = 1_000_000;
        let mut codes = HashMap::new();
        codes.insert(
            "c".to_string(),
            AuthCode {
                grant: Grant {
                    user_id: "u".into(),
                    client_id: "k".into(),
                    scopes: vec![],
                },
                redirect_uri: "r".into(),
                challenge: None,
                issued_ms: issued,
                used: false,
            },
        );
        let fields: Fields = [("code", "c"), ("client_id", "k"), ("redirect_uri", "r")]
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .into();
        let late = redeem(&mut codes, &fields, issued + CODE_LIFETIME_MS + 1);
        assert_eq!(late.unwrap_err().1, "expired authorization code");
        assert!(redeem(&mut codes, &fields, issued + CODE_LIFETIME_MS).is_ok());
        let again = redeem(&mut codes, &fields, issued + 1);
        assert_eq!(again.unwrap_err().1, "expired authorization code");
    }

    #[test]
    fn login_asked_for_is_dropped_once_done() {
        let request = AuthRequest {
            prompt: Some("login consent".into()),
            ..AuthRequest::default()
        };
        let after = request.without_prompt("login");
        assert!(!after.prompts("login") && after.prompts("consent"));
        assert_eq!(after.path(), format!("{AUTHORIZE}?prompt=consent"));
    }
}
