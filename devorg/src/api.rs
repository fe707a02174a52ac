//! `{domain}.my.salesforce.com`: login, and the REST API v51.0 with Salesforce's status codes,
//! error bodies and `Sforce-Limit-Info`.

use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
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
        .route("/services/data/v51.0/", get(resources))
        .route("/services/data/v51.0", get(resources))
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
    pub user_id: String,
}

/// Why a REST request is refused before it reaches its resource.
pub enum Refusal {
    InvalidSession,
    ApiDisabledForOrg,
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
    if !org.lock().edition.has_api() {
        return Err(Refusal::ApiDisabledForOrg);
    }
    Ok(ApiCaller {
        user_id: session.user_id,
    })
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

async fn resources(State(org): State<Org>, headers: HeaderMap) -> Response {
    let caller = match authorise(&org, &headers) {
        Ok(caller) => caller,
        Err(refusal) => return refusal.into_response(),
    };
    let base = "/services/data/v51.0";
    let mut map = serde_json::Map::new();
    for name in [
        "tooling",
        "metadata",
        "eclair",
        "folders",
        "prechatForms",
        "jsonxform",
        "chatter",
        "tabs",
        "appMenu",
        "quickActions",
        "queryAll",
        "commerce",
        "wave",
        "iot",
        "analytics",
        "search",
        "smartdatadiscovery",
        "composite",
        "parameterizedSearch",
        "fingerprint",
        "theme",
        "nouns",
        "event",
        "serverTime",
        "recent",
        "connect",
        "licensing",
        "limits",
        "process",
        "dedupe",
        "async-queries",
        "query",
        "match",
        "emailConnect",
        "compactLayouts",
        "knowledgeManagement",
        "sobjects",
        "actions",
        "support",
    ] {
        map.insert(name.into(), json!(format!("{base}/{name}")));
    }
    map.insert(
        "identity".into(),
        json!(format!(
            "https://{}/id/{}/{}",
            org.api_host(),
            org.org_id18,
            caller.user_id
        )),
    );
    counted(&org, Json(Value::Object(map)).into_response())
}
