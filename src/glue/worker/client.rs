//! The REST client: the only code that holds a session id. It finds the org's API session in
//! the cookies for each request, and follows the retry rules of `salesforce::retry`: a 401
//! re-reads the cookie once, the daily limit stops all calls for a while (visibly), lasting
//! refusals become capability facts, transient failures back off.

use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::store;
use crate::codes::ErrorCode;
use crate::glue::chrome;
use crate::glue::js::{string_prop, GlueError, JsResultExt};
use crate::outbox::REQUEST_TIMEOUT_MS;
use crate::protocol::OrgReport;
use crate::salesforce::capabilities::Capabilities;
use crate::salesforce::oauth::refuses_browser_session;
use crate::salesforce::rest::RestError;
use crate::salesforce::retry::{decide, parse_limit_info, Next};
use crate::salesforce::session::{api_session_for_org, ApiSession, OrgId, SessionId, SidCookie};
use crate::salesforce::API_VERSION;

/// A failed call, as the UI will explain it: the worker's refusal of the request that needed it.
pub type CallError = crate::protocol::Refusal;

pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

pub async fn sid_cookies() -> Result<Vec<SidCookie>, JsValue> {
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

/// The session a call for `org` uses, and whether it is an OAuth token: the token when the
/// user connected the org with Salesforce, else the browser's session cookie.
async fn session_for(org: &OrgReport) -> Result<(ApiSession, bool), CallError> {
    if let Some(token) = super::oauth::session(org).await {
        return token.map(|session| (session, true));
    }
    browser_session(org).await.map(|session| (session, false))
}

/// The org's browser API session, from its `sid` cookie.
pub async fn browser_session(org: &OrgReport) -> Result<ApiSession, CallError> {
    let org_id =
        OrgId::parse(&org.org_id).ok_or_else(|| CallError::new("BAD_ORG", "not an org id"))?;
    let cookies = sid_cookies()
        .await
        .map_err(|_| CallError::new("NO_API_SESSION", "the session cookies could not be read"))?;
    let preferred = (!org.api_host.is_empty()).then_some(org.api_host.as_str());
    api_session_for_org(&org_id, preferred, &cookies)
        .ok_or_else(|| CallError::new("NO_API_SESSION", "no Salesforce API session for this org"))
}

pub async fn sleep(ms: u64) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
        let _ = scope.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32);
    });
    let _ = JsFuture::from(promise).await;
}

struct RawResponse {
    status: u16,
    body: String,
    limit_info: Option<String>,
    retry_after: Option<String>,
}

/// One HTTP request, aborted after `timeout_ms` (so a request's end is known: the outbox's
/// lease outlasts it).
async fn fetch(
    session: &ApiSession,
    method: &str,
    path: &str,
    body: Option<&Value>,
    timeout_ms: u64,
) -> Result<RawResponse, GlueError> {
    let url = format!(
        "https://{}/services/data/v{API_VERSION}{path}",
        session.api_host
    );
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
    init.set_method(method);
    init.set_credentials(web_sys::RequestCredentials::Omit);
    // A redirect is not followed: it would carry the Bearer session to wherever it points.
    init.set_redirect(web_sys::RequestRedirect::Manual);
    if let Some(body) = body {
        headers
            .set("Content-Type", "application/json")
            .or_glue("NETWORK")?;
        init.set_body(&JsValue::from_str(&body.to_string()));
    }
    init.set_headers(&headers);
    let controller = web_sys::AbortController::new().or_glue("NETWORK")?;
    let signal = controller.signal();
    init.set_signal(Some(&signal));
    let request = web_sys::Request::new_with_str_and_init(&url, &init).or_glue("NETWORK")?;
    let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    let abort = Closure::once_into_js(move || controller.abort());
    let timer = scope
        .set_timeout_with_callback_and_timeout_and_arguments_0(
            abort.unchecked_ref(),
            timeout_ms.min(i32::MAX as u64) as i32,
        )
        .or_glue("NETWORK")?;
    let result = async {
        let response: web_sys::Response = JsFuture::from(scope.fetch_with_request(&request))
            .await
            .or_glue("NETWORK")?
            .unchecked_into();
        if response.type_() == web_sys::ResponseType::Opaqueredirect {
            return Err(GlueError::new(
                "REDIRECTED",
                "the API answered with a redirect, not followed",
            ));
        }
        let text = JsFuture::from(response.text().or_glue("NETWORK")?)
            .await
            .or_glue("NETWORK")?
            .as_string()
            .unwrap_or_default();
        Ok::<_, GlueError>((response, text))
    }
    .await;
    scope.clear_timeout_with_handle(timer);
    // Our own timeout, told apart from a dropped connection: Salesforce may still carry a
    // request we gave up on, until its lease ends.
    let (response, text) = result.map_err(|e| {
        if signal.aborted() {
            GlueError::new("TIMEOUT", "no answer within the request timeout")
        } else {
            e
        }
    })?;
    let header = |name: &str| response.headers().get(name).ok().flatten();
    Ok(RawResponse {
        status: response.status(),
        body: text,
        limit_info: header("sforce-limit-info"),
        retry_after: header("retry-after"),
    })
}

/// One REST call for `org` (path relative to `/services/data/v51.0`), retried by the rules,
/// all within [`REQUEST_TIMEOUT_MS`]. Returns the JSON body (`Value::Null` for 204). Updates
/// the org's stored state (API usage, the daily-limit pause, lasting refusals) as it is in
/// storage then, so a describe finished meanwhile is not overwritten.
pub async fn call(
    org_id: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<Value, CallError> {
    let deadline = now_ms() + REQUEST_TIMEOUT_MS;
    let org = store::org(org_id)
        .await?
        .ok_or_else(|| CallError::new("UNKNOWN_ORG", "open a Salesforce page of this org first"))?;
    if let Some(until) = org.limited_until_ms.filter(|until| *until > now_ms()) {
        return Err(CallError::new(
            "REQUEST_LIMIT_EXCEEDED",
            format!("paused until {until} after the org's daily API limit was reached"),
        ));
    }
    let mut usage = None;
    let mut timed_out = false;
    let mut attempt = 0;
    let result = loop {
        let (session, oauth) = match session_for(&org).await {
            Ok(found) => found,
            // A connection that ended, or a token of another user: the org says so until the
            // user connects again.
            Err(e) => match ErrorCode::parse(&e.code) {
                Some(state @ (ErrorCode::OauthExpired | ErrorCode::OauthWrongUser)) => {
                    break Err((Verdict::State(state), e));
                }
                _ => return Err(e),
            },
        };
        let left = deadline.saturating_sub(now_ms());
        let (status, body_text, limit_info, retry_after) = if left == 0 {
            timed_out = true;
            (0, String::new(), None, None)
        } else {
            match fetch(&session, method, path, body, left).await {
                Ok(r) => (r.status, r.body, r.limit_info, r.retry_after),
                // Refused before anything was written, and not to be tried again.
                Err(e) if e.code == "REDIRECTED" => break Err((Verdict::Unchanged, e.into())),
                Err(e) => {
                    timed_out |= e.code == "TIMEOUT";
                    (0, String::new(), None, None)
                }
            }
        };
        let no_answer = if timed_out { "TIMEOUT" } else { "NO_ANSWER" };
        if let Some(u) = limit_info.as_deref().and_then(parse_limit_info) {
            usage = Some(u);
        }
        let error = (!(200..300).contains(&status) && status != 0)
            .then(|| RestError::from_response(status, &body_text));
        let code = error.as_ref().map(|e| e.code().to_string());
        let next = decide(status, code.as_deref(), attempt, retry_after.as_deref());
        // API Access Control: no fresh cookie will do; the user connects with Salesforce.
        if matches!(next, Next::RereadSession | Next::LogInAgain)
            && !oauth
            && refuses_browser_session(first_message(error.as_ref()))
        {
            break Err((
                Verdict::State(ErrorCode::ApiSessionRefused),
                CallError::new(
                    "API_SESSION_REFUSED",
                    "the org does not let the browser session use the API",
                ),
            ));
        }
        match next {
            Next::Done => {
                break Ok((Verdict::Connected, body_text));
            }
            // A token past its time: the refresh token gets a new one for the next attempt.
            Next::RereadSession if oauth => super::oauth::forget_access(org_id).await,
            Next::RereadSession => {}
            Next::LogInAgain if oauth => {
                break Err((
                    Verdict::State(ErrorCode::OauthExpired),
                    CallError::new("OAUTH_EXPIRED", "connect with Salesforce again"),
                ));
            }
            // A create may have been committed before the answer was lost: never send a POST
            // again from here. The outbox verifies (by CallObject) before it sends again.
            Next::RetryAfter { .. } if method == "POST" => {
                break Err((
                    Verdict::Unchanged,
                    CallError::new(
                        no_answer,
                        "Salesforce did not answer; the write may or may not have been saved",
                    ),
                ));
            }
            Next::RetryAfter { wait_ms } if now_ms() + wait_ms < deadline => sleep(wait_ms).await,
            Next::RetryAfter { .. } => {
                break Err((
                    Verdict::Unchanged,
                    CallError::new(no_answer, "Salesforce did not answer in time"),
                ));
            }
            Next::LogInAgain => {
                break Err((
                    Verdict::State(ErrorCode::InvalidSessionId),
                    CallError::new("INVALID_SESSION_ID", "log in to Salesforce again"),
                ));
            }
            Next::LimitReached { wait_ms } => {
                break Err((
                    Verdict::Limited(now_ms() + wait_ms),
                    CallError::new(
                        "REQUEST_LIMIT_EXCEEDED",
                        "the org's daily API calls are used up",
                    ),
                ));
            }
            Next::Disabled { code } => {
                break Err((
                    Verdict::Disabled(code),
                    CallError::new(code, "no API access"),
                ));
            }
            Next::Fail => {
                let (code, message) = match &error {
                    Some(RestError::Api { errors, .. }) if !errors.is_empty() => {
                        (errors[0].error_code.clone(), errors[0].message.clone())
                    }
                    Some(e) => (
                        e.code().to_string(),
                        "Salesforce refused the request".into(),
                    ),
                    None => ("NETWORK".into(), "Salesforce could not be reached".into()),
                };
                break Err((Verdict::Unchanged, CallError { code, message }));
            }
        }
        attempt += 1;
    };
    let verdict = match &result {
        Ok((v, _)) | Err((v, _)) => *v,
    };
    store::update_org(org_id, |current| {
        let mut org = current?;
        if usage.is_some() {
            org.api_usage = usage;
        }
        match verdict {
            Verdict::Connected => {
                org.limited_until_ms = None;
                if org.state != ErrorCode::Connected && org.capabilities.is_some() {
                    org.state = ErrorCode::Connected;
                }
            }
            Verdict::Unchanged => {}
            Verdict::State(state) => org.state = state,
            Verdict::Limited(until) => {
                org.limited_until_ms = Some(until);
                org.state = ErrorCode::RequestLimitExceeded;
            }
            Verdict::Disabled(code) => {
                org.capabilities = Some(Capabilities::disabled(code, now_ms()));
                org.state = ErrorCode::parse(code).unwrap_or(ErrorCode::ApiDisabledForOrg);
            }
        }
        Some(org)
    })
    .await?;
    if let Err((_, e)) = &result {
        super::diagnostics::api_failed(org_id, &e.code, method, path).await;
    }
    let (_, body_text) = result.map_err(|(_, e)| e)?;
    if body_text.is_empty() {
        return Ok(Value::Null);
    }
    match serde_json::from_str(&body_text) {
        Ok(json) => Ok(json),
        Err(_) => {
            super::diagnostics::api_failed(org_id, "BAD_RESPONSE", method, path).await;
            Err(CallError::new(
                "BAD_RESPONSE",
                "Salesforce's answer was cut off or is not JSON",
            ))
        }
    }
}

/// The first error message of a REST refusal (empty when there is none).
fn first_message(error: Option<&RestError>) -> &str {
    match error {
        Some(RestError::Api { errors, .. }) => errors.first().map_or("", |e| e.message.as_str()),
        _ => "",
    }
}

/// What a call's end says about the org, written to its record once.
#[derive(Debug, Clone, Copy)]
enum Verdict {
    Connected,
    Unchanged,
    State(ErrorCode),
    Limited(u64),
    Disabled(&'static str),
}
