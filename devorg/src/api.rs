//! `{domain}.my.salesforce.com`: login, OAuth (in `oauth`), and the REST API v51.0 with
//! Salesforce's status codes, error bodies and `Sforce-Limit-Info`.

use axum::body::Bytes;
use axum::extract::{Form, Query, State};
use axum::http::Method;
use axum::http::Uri;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::org::{Org, SessionKind, DEMO_PASSWORD};
use crate::page::escape_html;

pub fn router(org: Org) -> Router {
    Router::new()
        .route("/", get(login_page).post(login))
        .route("/services/data/", get(versions))
        .route("/services/data", get(versions))
        .route("/services/data/v51.0", any(rest_api))
        .route("/services/data/v51.0/", any(rest_api))
        .route("/services/data/v51.0/{*rest}", any(rest_api))
        .merge(crate::oauth::routes())
        .fallback(not_found)
        .with_state(org)
}

/// Every error body is an array of `{message, errorCode}`.
pub fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!([{ "message": message, "errorCode": code }])),
    )
        .into_response()
}

async fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "The requested resource does not exist",
    )
}

#[derive(Deserialize)]
struct LoginQuery {
    #[serde(rename = "startURL")]
    start_url: Option<String>,
}

async fn login_page(Query(q): Query<LoginQuery>) -> Html<String> {
    Html(login_form(q.start_url.as_deref(), None))
}

/// The login form; after a failed attempt, with the error above it and the same `startURL`.
fn login_form(start_url: Option<&str>, error: Option<&str>) -> String {
    let start = escape_html(start_url.unwrap_or("/lightning/page/home"));
    let error = error
        .map(|e| format!(r#"<p id="error">{}</p>"#, escape_html(e)))
        .unwrap_or_default();
    format!(
        r#"<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>ログイン | Salesforce</title></head>
<body>{error}<form method="post" action="/" id="login_form">
<label>ユーザ名 <input id="username" name="username" type="email"></label>
<label>パスワード <input id="password" name="pw" type="password"></label>
<input type="hidden" name="startURL" value="{start}">
<button id="Login" name="Login" type="submit">ログイン</button></form></body></html>"#
    )
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    pw: String,
    #[serde(rename = "startURL")]
    start_url: Option<String>,
}

async fn login(State(org): State<Org>, Form(form): Form<LoginForm>) -> Response {
    let user = org
        .lock()
        .users
        .iter()
        .find(|u| u.username == form.username)
        .cloned();
    let Some(user) = user.filter(|_| form.pw == DEMO_PASSWORD) else {
        let page = login_form(
            form.start_url.as_deref(),
            Some("ユーザ名とパスワードを確認してください。"),
        );
        return (StatusCode::OK, Html(page)).into_response();
    };
    let sid = org.new_session(&user.id, SessionKind::Api);
    let start = form
        .start_url
        .filter(|s| s.starts_with('/') && !s.starts_with("//"))
        .unwrap_or_else(|| "/lightning/page/home".into());
    if start.starts_with(crate::oauth::AUTHORIZE) {
        // Logged in on this host, the browser goes on with the authorize request it came from.
        let mut response = Redirect::to(&start).into_response();
        response
            .headers_mut()
            .append(header::SET_COOKIE, crate::page::session_cookie(&sid));
        return response;
    }
    let token = org.new_session(&user.id, SessionKind::Lightning);
    org.lock()
        .frontdoor_tokens
        .insert(token.clone(), user.id.clone());
    let location = format!(
        "https://{}/secur/frontdoor.jsp?otp={}&retURL={}",
        org.lightning_host(),
        crate::page::encode_component(&token),
        crate::page::encode_component(&start),
    );
    let mut response = Redirect::to(&location).into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, crate::page::session_cookie(&sid));
    response
}

async fn versions() -> Json<Value> {
    // Not counted and no Sforce-Limit-Info, as on a real org.
    Json(json!([
        {"label": "Winter '21", "url": "/services/data/v50.0", "version": "50.0"},
        {"label": "Spring '21", "url": "/services/data/v51.0", "version": "51.0"},
        {"label": "Summer '21", "url": "/services/data/v52.0", "version": "52.0"},
    ]))
}

/// The outcome of checking a REST request's session and the org's API access.
pub struct ApiCaller {
    pub user: crate::org::User,
}

/// Which kind of session a REST call carried, put on its response for the request log.
#[derive(Debug, Clone, Copy)]
pub struct AuthUsed(pub SessionKind);

impl AuthUsed {
    pub fn label(self) -> &'static str {
        match self.0 {
            SessionKind::OAuth => "oauth",
            SessionKind::Api | SessionKind::Lightning => "session",
        }
    }
}

/// Why a REST request is refused before it reaches its resource.
pub enum Refusal {
    InvalidSession,
    /// A valid session the REST API will not take: a browser session under API Access Control,
    /// or an OAuth token without the `api` scope or from an app API Access Control does not allow.
    NotValidForRest,
    ApiDisabledForOrg,
    ApiDisabledForUser,
    LimitExceeded,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::InvalidSession => error(
                StatusCode::UNAUTHORIZED,
                "INVALID_SESSION_ID",
                "Session expired or invalid",
            ),
            Refusal::NotValidForRest => error(
                StatusCode::UNAUTHORIZED,
                "INVALID_SESSION_ID",
                "This session is not valid for use with the REST API",
            ),
            Refusal::ApiDisabledForOrg => error(
                StatusCode::FORBIDDEN,
                "API_DISABLED_FOR_ORG",
                "The REST API is not enabled for this Organization.",
            ),
            Refusal::ApiDisabledForUser => error(
                StatusCode::FORBIDDEN,
                "API_CURRENTLY_DISABLED",
                "API is disabled for this User",
            ),
            Refusal::LimitExceeded => error(
                StatusCode::FORBIDDEN,
                "REQUEST_LIMIT_EXCEEDED",
                "TotalRequests Limit exceeded.",
            ),
        }
    }
}

/// The token of `Authorization: Bearer …` (or the older `OAuth …`).
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("OAuth "))
        })
}

pub fn authorise(org: &Org, headers: &HeaderMap) -> Result<ApiCaller, Refusal> {
    let token = bearer(headers).unwrap_or_default();
    let Some(session) = org.session(token) else {
        return Err(Refusal::InvalidSession);
    };
    let state = org.lock();
    match session.kind {
        SessionKind::Lightning => return Err(Refusal::InvalidSession),
        SessionKind::Api if state.oauth.api_access_control => return Err(Refusal::NotValidForRest),
        SessionKind::OAuth if !state.oauth.opens_rest(token) => {
            return Err(Refusal::NotValidForRest)
        }
        SessionKind::Api | SessionKind::OAuth => {}
    }
    if !state.edition.has_api() {
        return Err(Refusal::ApiDisabledForOrg);
    }
    let user = state
        .users
        .iter()
        .find(|u| u.id == session.user_id)
        .cloned()
        .ok_or(Refusal::InvalidSession)?;
    if !user.permissions.api_enabled {
        return Err(Refusal::ApiDisabledForUser);
    }
    if state.api_used >= state.api_max {
        return Err(Refusal::LimitExceeded);
    }
    Ok(ApiCaller { user })
}

/// Counts one API call and adds the header every counted response carries.
pub fn counted(org: &Org, mut response: Response) -> Response {
    let (used, max) = {
        let mut state = org.lock();
        state.api_used += 1;
        (state.api_used, state.api_max)
    };
    if let Ok(value) = HeaderValue::from_str(&format!("api-usage={used}/{max}")) {
        response.headers_mut().insert("sforce-limit-info", value);
    }
    response
}

async fn rest_api(
    State(org): State<Org>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let auth = bearer(&headers)
        .and_then(|t| org.session(t))
        .map(|s| s.kind);
    let mut response = rest_call(&org, method, uri, &headers, body);
    if let Some(kind) = auth {
        response.extensions_mut().insert(AuthUsed(kind));
    }
    response
}

fn rest_call(org: &Org, method: Method, uri: Uri, headers: &HeaderMap, body: Bytes) -> Response {
    let caller = match authorise(org, headers) {
        Ok(caller) => caller,
        Err(refusal) => return refusal.into_response(),
    };
    let json_body = if body.is_empty() {
        None
    } else {
        match serde_json::from_slice::<Value>(&body) {
            Ok(value) => Some(value),
            Err(e) => {
                let response = error(
                    StatusCode::BAD_REQUEST,
                    "JSON_PARSER_ERROR",
                    &format!("Unexpected character in the request body: {e}"),
                );
                return counted(org, response);
            }
        }
    };
    let path = uri.path().trim_start_matches(crate::rest::BASE);
    let request = crate::rest::RestRequest {
        method: method.as_str(),
        path,
        query: uri.query().unwrap_or_default(),
        body: json_body.as_ref(),
        query_options: headers
            .get("sforce-query-options")
            .and_then(|v| v.to_str().ok()),
    };
    let outcome = crate::rest::dispatch(org, &caller.user, &request);
    if method != Method::GET && outcome.status < 300 {
        if let Err(e) = org.save_snapshot() {
            eprintln!("devorg: cannot save the snapshot: {e}");
        }
    }
    let status = StatusCode::from_u16(outcome.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = match outcome.body {
        Some(body) => (status, Json(body)).into_response(),
        None => status.into_response(),
    };
    if let Some(location) = outcome
        .location
        .and_then(|l| HeaderValue::from_str(&l).ok())
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    counted(org, response)
}
