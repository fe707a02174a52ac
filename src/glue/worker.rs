//! The service worker: validates every message, owns the Salesforce session, keeps state in
//! `chrome.storage` (the worker may be stopped whenever it is idle).

use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::chrome;
use super::js::{call, from_js, string_prop, to_js, GlueError, JsResultExt};
use crate::protocol::{
    parse_to_worker, sender_context, DialReport, FromWorker, OrgReport, PageReport, ToWorker,
};
use crate::salesforce::host;
use crate::salesforce::rest::{parse_resources, RestError};
use crate::salesforce::session::{choose_api_session, ApiSession, SessionId, SidCookie};
use crate::salesforce::API_VERSION;

/// Diagnostics keep the last pages seen, not a browsing history.
const PAGES_KEPT: usize = 10;

/// Entry point for `chrome.runtime.onMessage`: always answers, never throws.
#[wasm_bindgen]
pub async fn worker_handle_message(message: JsValue, sender: JsValue) -> JsValue {
    let reply = match handle(message, &sender).await {
        Ok(reply) => reply,
        Err(e) => {
            web_sys::console::warn_1(&format!("worker: {}: {}", e.code, e.detail).into());
            FromWorker::error(e.code, e.detail)
        }
    };
    // Serialising our own reply type cannot fail; fall back to null rather than throw.
    to_js(&reply).unwrap_or(JsValue::NULL)
}

async fn handle(message: JsValue, sender: &JsValue) -> Result<FromWorker, GlueError> {
    let sender_url = string_prop(sender, "url").unwrap_or_default();
    let context = sender_context(&sender_url, &chrome::extension_origin()).ok_or_else(|| {
        GlueError::new(
            "BAD_SENDER",
            "messages are taken from Salesforce pages and our own pages only",
        )
    })?;
    let json: Value = from_js(message)?;
    let message = parse_to_worker(json).map_err(|e| GlueError::new("BAD_MESSAGE", e.0))?;
    if !message.allowed_from(context) {
        return Err(GlueError::new(
            "BAD_SENDER",
            "this message is not accepted from that context",
        ));
    }
    match message {
        ToWorker::ContentStarted { mode, phone_fields } => {
            let page_host = page_host(&sender_url);
            remember_page(PageReport {
                host: page_host.clone(),
                mode,
                phone_fields,
                at_ms: now_ms(),
            })
            .await?;
            if host::classify(&page_host).is_some() {
                let report = check_connection(&sender_url, &page_host).await;
                if let Some(report) = report {
                    remember_org(report).await?;
                }
            }
            Ok(FromWorker::Ack)
        }
        ToWorker::ContentDial { number, record } => {
            // The phone engine takes this over; until then the request is recorded for diagnostics.
            store(
                "lastDial",
                &serde_json::to_value(DialReport { number, record }).unwrap_or(Value::Null),
            )
            .await?;
            Ok(FromWorker::Ack)
        }
        ToWorker::OptionsStatus => {
            let orgs: Vec<OrgReport> = match load("orgs").await? {
                Some(Value::Object(map)) => map
                    .into_iter()
                    .filter_map(|(_, v)| serde_json::from_value(v).ok())
                    .collect(),
                _ => vec![],
            };
            let pages: Vec<PageReport> = load("pages")
                .await?
                .and_then(|v| serde_json::from_value(v).ok())
                .unwrap_or_default();
            let last_dial = load("lastDial")
                .await?
                .and_then(|v| serde_json::from_value(v).ok());
            Ok(FromWorker::Status {
                orgs,
                pages,
                last_dial,
            })
        }
    }
}

fn page_host(url: &str) -> String {
    url.split("://")
        .nth(1)
        .and_then(|rest| rest.split(['/', '?', '#', ':']).next())
        .unwrap_or_default()
        .to_ascii_lowercase()
}

fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// Finds the org's API session from cookies and proves it with `GET /services/data/v51.0/`.
/// Returns `None` when the page is not logged in (nothing to report for an org we can't name).
async fn check_connection(page_url: &str, page_host: &str) -> Option<OrgReport> {
    let page_sid = read_cookie(page_url)
        .await
        .log_and_continue("reading the page session");
    let cookies = read_sid_cookies()
        .await
        .log_and_continue("reading session cookies")?;
    let session = match choose_api_session(page_host, page_sid.flatten().as_ref(), &cookies) {
        Ok(session) => session,
        Err(problem) => {
            let crate::salesforce::session::SessionProblem::NoApiSession { org_id } = problem
            else {
                return None;
            };
            return Some(OrgReport {
                org_id: org_id.as_str().into(),
                ui_host: page_host.into(),
                api_host: host::api_host_for(page_host).unwrap_or_default(),
                api_version: API_VERSION.into(),
                state: "NO_API_SESSION".into(),
                user_id: None,
                checked_at_ms: now_ms(),
            });
        }
    };
    let outcome = fetch_resources(&session).await;
    let (state, user_id) = match outcome {
        Ok(resources) => (
            "CONNECTED".to_string(),
            resources.user_id.map(|id| id.to_string()),
        ),
        Err(code) => (code, None),
    };
    Some(OrgReport {
        org_id: session.org_id.as_str().into(),
        ui_host: page_host.into(),
        api_host: session.api_host.clone(),
        api_version: API_VERSION.into(),
        state,
        user_id,
        checked_at_ms: now_ms(),
    })
}

async fn read_cookie(url: &str) -> Result<Option<SessionId>, JsValue> {
    let details = js_sys::Object::new();
    js_sys::Reflect::set(&details, &"url".into(), &url.into())?;
    js_sys::Reflect::set(&details, &"name".into(), &"sid".into())?;
    let cookie = JsFuture::from(chrome::cookies_get(&details)?).await?;
    Ok(string_prop(&cookie, "value").map(SessionId::new))
}

async fn read_sid_cookies() -> Result<Vec<SidCookie>, JsValue> {
    let details = js_sys::Object::new();
    js_sys::Reflect::set(&details, &"name".into(), &"sid".into())?;
    let all = JsFuture::from(chrome::cookies_get_all(&details)?).await?;
    let array: js_sys::Array = all.dyn_into()?;
    Ok(array
        .iter()
        .filter_map(|c| {
            Some(SidCookie {
                domain: string_prop(&c, "domain")?,
                value: SessionId::new(string_prop(&c, "value")?),
            })
        })
        .collect())
}

/// `GET /services/data/v51.0/` on the API host; the error is the code to show.
async fn fetch_resources(
    session: &ApiSession,
) -> Result<crate::salesforce::rest::ApiResources, String> {
    let url = format!("https://{}/services/data/v{API_VERSION}/", session.api_host);
    let (status, body) = fetch_text(&url, session)
        .await
        .map_err(|e| e.code.to_string())?;
    if !(200..300).contains(&status) {
        return Err(RestError::from_response(status, &body).code().to_string());
    }
    parse_resources(&body).map_err(|e| e.code().to_string())
}

async fn fetch_text(url: &str, session: &ApiSession) -> Result<(u16, String), GlueError> {
    let headers = web_sys::Headers::new().or_glue("NETWORK")?;
    // The only place the session id is read: it goes to the org's own API host and nowhere else.
    headers
        .set(
            "Authorization",
            &format!("Bearer {}", session.session.expose()),
        )
        .or_glue("NETWORK")?;
    headers
        .set("Accept", "application/json")
        .or_glue("NETWORK")?;
    let init = web_sys::RequestInit::new();
    init.set_method("GET");
    init.set_headers(&headers);
    init.set_credentials(web_sys::RequestCredentials::Omit);
    let request = web_sys::Request::new_with_str_and_init(url, &init).or_glue("NETWORK")?;
    let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    let response: web_sys::Response = JsFuture::from(scope.fetch_with_request(&request))
        .await
        .or_glue("NETWORK")?
        .unchecked_into();
    let text = JsFuture::from(response.text().or_glue("NETWORK")?)
        .await
        .or_glue("NETWORK")?
        .as_string()
        .unwrap_or_default();
    Ok((response.status(), text))
}

async fn load(key: &str) -> Result<Option<Value>, GlueError> {
    let items = call(
        chrome::storage_local_get(&JsValue::from_str(key)),
        "STORAGE",
    )
    .await?;
    let value = js_sys::Reflect::get(&items, &JsValue::from_str(key)).or_glue("STORAGE")?;
    if value.is_undefined() {
        return Ok(None);
    }
    from_js(value).map(Some)
}

async fn store(key: &str, value: &Value) -> Result<(), GlueError> {
    let items = serde_json::json!({ key: value });
    call(chrome::storage_local_set(&to_js(&items)?), "STORAGE").await?;
    Ok(())
}

async fn remember_page(report: PageReport) -> Result<(), GlueError> {
    let mut pages: Vec<PageReport> = load("pages")
        .await?
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    pages.retain(|p| p.host != report.host);
    pages.insert(0, report);
    pages.truncate(PAGES_KEPT);
    store("pages", &serde_json::to_value(pages).unwrap_or(Value::Null)).await
}

async fn remember_org(report: OrgReport) -> Result<(), GlueError> {
    let mut orgs = match load("orgs").await? {
        Some(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    let key = report.org_id.clone();
    orgs.insert(key, serde_json::to_value(report).unwrap_or(Value::Null));
    store("orgs", &Value::Object(orgs)).await
}
