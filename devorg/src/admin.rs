//! Test controls under `/__devorg/`: sessions for named users, faults, edition / licence / field
//! security switches, the Connected App and API Access Control, the request log and reset. The
//! devorg binds loopback only, so only this machine reaches them.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::access::{FieldAccess, Licence};
use crate::org::{Edition, Org, SessionKind, ValidationRule};

pub fn router(org: Org) -> Router {
    Router::new()
        .route("/__devorg/log", get(log))
        .route("/__devorg/records/{object}", get(records).post(insert))
        .route("/__devorg/session", post(session))
        .route("/__devorg/config", post(config))
        .route("/__devorg/fls", post(fls))
        .route("/__devorg/faults", post(faults))
        .route("/__devorg/expire-sessions", post(expire_sessions))
        .route("/__devorg/validation-rule", post(validation_rule))
        .route("/__devorg/task-record-type", post(task_record_type))
        .route("/__devorg/connected-app", post(connected_app))
        .route("/__devorg/api-access-control", post(api_access_control))
        .route("/__devorg/oauth", get(oauth_state))
        .route("/__devorg/oauth/expire-tokens", post(expire_tokens))
        .route("/__devorg/reset", post(reset))
        .with_state(org)
}

/// The admin makes a Task record type every user's default (its picklists' own values).
async fn task_record_type(
    State(org): State<Org>,
    Json(def): Json<crate::org::RecordTypeDef>,
) -> Json<Value> {
    org.lock().task_record_type = Some(def);
    Json(json!({}))
}

async fn log(State(org): State<Org>) -> Json<Value> {
    let state = org.lock();
    Json(json!({ "apiUsed": state.api_used, "apiMax": state.api_max, "requests": state.log }))
}

/// Every record of one object, as stored (tests check what the product wrote).
async fn records(
    State(org): State<Org>,
    axum::extract::Path(object): axum::extract::Path<String>,
) -> Json<Value> {
    let state = org.lock();
    let list: Vec<&Value> = state
        .records
        .iter()
        .filter(|r| r["attributes"]["type"] == object.as_str())
        .collect();
    Json(json!(list))
}

/// Creates a record as the org's first user, through the same rules as the REST API (tests
/// give records names and numbers the seed has not).
async fn insert(
    State(org): State<Org>,
    axum::extract::Path(object): axum::extract::Path<String>,
    Json(body): Json<serde_json::Map<String, Value>>,
) -> Response {
    let Some(def) = crate::schema::objects()
        .into_iter()
        .find(|d| d.name == object)
    else {
        return bad("no such object");
    };
    let Some(user) = org.lock().users.first().cloned() else {
        return bad("no user");
    };
    match crate::sobjects::create(&org, &user, &def, &body) {
        Ok(id) => Json(json!({ "id": id })).into_response(),
        Err(_) => bad("the record was refused"),
    }
}

fn bad(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"error": message}))).into_response()
}

#[derive(Deserialize)]
struct SessionRequest {
    username: String,
}

/// A fresh API session for a named user, as a client would get from a login.
async fn session(State(org): State<Org>, Json(req): Json<SessionRequest>) -> Response {
    let user = org
        .lock()
        .users
        .iter()
        .find(|u| u.username == req.username)
        .cloned();
    let Some(user) = user else {
        return bad("no such user");
    };
    let sid = org.new_session(&user.id, SessionKind::Api);
    Json(json!({
        "sessionId": sid,
        "userId": user.id,
        "orgId": org.org_id18,
        "instanceUrl": format!("https://{}", org.api_host()),
    }))
    .into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConfigRequest {
    edition: Option<String>,
    api_max: Option<u64>,
    api_used: Option<u64>,
    /// username → licence
    licence: Option<(String, Licence)>,
    /// username → "API Enabled"
    api_enabled: Option<(String, bool)>,
    /// SOSL phone matching: `0312345678` finds `+81 3-1234-5678` and back.
    phone_country_code_equivalence: Option<bool>,
    /// SOSL phone matching: the shorter number must end the longer one, from this many digits.
    phone_suffix_match: Option<usize>,
}

async fn config(State(org): State<Org>, Json(req): Json<ConfigRequest>) -> Response {
    let mut state = org.lock();
    if let Some(edition) = req.edition {
        match Edition::parse(&edition) {
            Some(e) => {
                state.edition = e;
                for record in state.records.iter_mut() {
                    if record["attributes"]["type"] == "Organization" {
                        record["OrganizationType"] = json!(e.organization_type());
                    }
                }
            }
            None => return bad("unknown edition"),
        }
    }
    if let Some(max) = req.api_max {
        state.api_max = max;
    }
    if let Some(used) = req.api_used {
        state.api_used = used;
    }
    if let Some((username, licence)) = req.licence {
        match state.users.iter_mut().find(|u| u.username == username) {
            Some(user) => user.permissions.licence = licence,
            None => return bad("no such user"),
        }
    }
    if let Some((username, enabled)) = req.api_enabled {
        match state.users.iter_mut().find(|u| u.username == username) {
            Some(user) => user.permissions.api_enabled = enabled,
            None => return bad("no such user"),
        }
    }
    if let Some(on) = req.phone_country_code_equivalence {
        state.phone_matching.country_code_equivalence = on;
    }
    if let Some(digits) = req.phone_suffix_match {
        state.phone_matching.suffix_match = (digits > 0).then_some(digits);
    }
    Json(json!({"edition": state.edition, "apiMax": state.api_max, "apiUsed": state.api_used}))
        .into_response()
}

#[derive(Deserialize)]
struct FlsRequest {
    username: String,
    object: String,
    field: String,
    access: FieldAccess,
}

async fn fls(State(org): State<Org>, Json(req): Json<FlsRequest>) -> Response {
    let mut state = org.lock();
    match state.users.iter_mut().find(|u| u.username == req.username) {
        Some(user) => {
            user.permissions
                .set_field_access(&req.object, &req.field, req.access);
            StatusCode::NO_CONTENT.into_response()
        }
        None => bad("no such user"),
    }
}

/// Faults for the next requests to the REST API (admin paths are never affected).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Faults {
    /// Answer the next `fail_count` REST requests with `fail_status` (and a matching error body;
    /// a 3xx redirects to `REDIRECT_TARGET`).
    #[serde(default)]
    pub fail_count: u32,
    #[serde(default)]
    pub fail_status: u16,
    /// Carry out the next `drop_after_commit` writes, then drop the connection unanswered.
    #[serde(default)]
    pub drop_after_commit: u32,
    /// Delay every REST response by this much.
    #[serde(default)]
    pub latency_ms: u64,
    /// Send a truncated body for the next N REST responses.
    #[serde(default)]
    pub truncate_count: u32,
}

async fn faults(State(org): State<Org>, Json(req): Json<Faults>) -> Response {
    org.lock().faults = req;
    StatusCode::NO_CONTENT.into_response()
}

async fn expire_sessions(State(org): State<Org>) -> Response {
    org.lock().sessions.clear();
    StatusCode::NO_CONTENT.into_response()
}

async fn validation_rule(State(org): State<Org>, Json(rule): Json<ValidationRule>) -> Response {
    org.lock().validation_rules.push(rule);
    StatusCode::NO_CONTENT.into_response()
}

/// The Connected App's settings; fields left out keep their values. Answers the app as set.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConnectedAppRequest {
    name: Option<String>,
    consumer_key: Option<String>,
    consumer_secret: Option<String>,
    callback_urls: Option<Vec<String>>,
    scopes: Option<Vec<String>>,
    require_pkce: Option<bool>,
    api_access_approved: Option<bool>,
}

async fn connected_app(
    State(org): State<Org>,
    Json(req): Json<ConnectedAppRequest>,
) -> Json<Value> {
    let mut state = org.lock();
    let app = &mut state.oauth.app;
    let keep = |slot: &mut String, value: Option<String>| {
        if let Some(value) = value {
            *slot = value;
        }
    };
    keep(&mut app.name, req.name);
    keep(&mut app.consumer_key, req.consumer_key);
    keep(&mut app.consumer_secret, req.consumer_secret);
    if let Some(urls) = req.callback_urls {
        app.callback_urls = urls;
    }
    if let Some(scopes) = req.scopes {
        app.scopes = scopes;
    }
    if let Some(on) = req.require_pkce {
        app.require_pkce = on;
    }
    if let Some(on) = req.api_access_approved {
        app.api_access_approved = on;
    }
    Json(json!(app))
}

#[derive(Deserialize)]
struct SwitchRequest {
    on: bool,
}

/// API Access Control: on, the REST API takes only approved Connected Apps' tokens.
async fn api_access_control(State(org): State<Org>, Json(req): Json<SwitchRequest>) -> Response {
    org.lock().oauth.api_access_control = req.on;
    StatusCode::NO_CONTENT.into_response()
}

async fn oauth_state(State(org): State<Org>) -> Json<Value> {
    let state = org.lock();
    Json(state.oauth.summary(&state.users))
}

/// Every OAuth access token times out; refresh tokens stay, so a client must refresh.
async fn expire_tokens(State(org): State<Org>) -> Response {
    crate::oauth::expire_access_tokens(&mut org.lock());
    StatusCode::NO_CONTENT.into_response()
}

/// Back to the seeded org; sessions survive so a browser under test stays logged in. The
/// Connected App and its grants are reset too, and OAuth access tokens go with their grants.
async fn reset(State(org): State<Org>) -> Response {
    let mut state = org.lock();
    let sessions = std::mem::take(&mut state.sessions);
    *state = crate::org::OrgState::seeded(&org.domain, state.edition);
    state.sessions = sessions;
    state.sessions.retain(|_, s| s.kind != SessionKind::OAuth);
    StatusCode::NO_CONTENT.into_response()
}
