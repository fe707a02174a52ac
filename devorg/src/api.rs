//! `{domain}.my.salesforce.com`: login, and the REST API v51.0 with Salesforce's status codes,
//! error bodies and `Sforce-Limit-Info`.

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
    let start = escape_html(q.start_url.as_deref().unwrap_or("/lightning/page/home"));
    Html(format!(
        r#"<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>ログイン | Salesforce</title></head>
<body><form method="post" action="/" id="login_form">
<label>ユーザ名 <input id="username" name="username" type="email"></label>
<label>パスワード <input id="password" name="pw" type="password"></label>
<input type="hidden" name="startURL" value="{start}">
<button id="Login" type="submit">ログイン</button></form></body></html>"#
    ))
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
        return (
            StatusCode::OK,
            Html("<p id=\"error\">ユーザ名とパスワードを確認してください。</p>"),
        )
            .into_response();
    };
    let sid = org.new_session(&user.id, SessionKind::Api);
    let token = org.new_session(&user.id, SessionKind::Lightning);
    org.lock()
        .frontdoor_tokens
        .insert(token.clone(), user.id.clone());
    let start = form
        .start_url
        .filter(|s| s.starts_with('/') && !s.starts_with("//"))
        .unwrap_or_else(|| "/lightning/page/home".into());
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

/// Why a REST request is refused before it reaches its resource.
pub enum Refusal {
    InvalidSession,
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

pub fn authorise(org: &Org, headers: &HeaderMap) -> Result<ApiCaller, Refusal> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("OAuth "))
        });
    let session = token.and_then(|t| org.session(t));
    let Some(session) = session.filter(|s| s.kind == SessionKind::Api) else {
        return Err(Refusal::InvalidSession);
    };
    let state = org.lock();
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
    let caller = match authorise(&org, &headers) {
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
                return counted(&org, response);
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
    let outcome = crate::rest::dispatch(&org, &caller.user, &request);
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
    counted(&org, response)
}
