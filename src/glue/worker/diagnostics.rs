//! The diagnostics the options page shows and "Copy diagnostics" hands to support: the last
//! errors (kept across restarts in `chrome.storage.local`, ids and codes only), and a report
//! of the orgs, the phone line and the outbox. `crate::diagnostics` cleans and redacts.

use std::cell::RefCell;

use super::{oauth, phone, runner, store};
use crate::codes::ErrorCode;
use crate::diagnostics::{report_text, ErrorEntry, ErrorLog, OrgLine, Report, SipLine, Source};
use crate::glue::js::GlueError;
use crate::outbox::Delivery;
use crate::protocol::DiagnosticsIs;

const KEY: &str = "errorLog";

thread_local! {
    /// The log as this worker instance knows it (read from storage the first time).
    static LOG: RefCell<Option<ErrorLog>> = const { RefCell::new(None) };
}

async fn loaded() -> ErrorLog {
    if let Some(log) = LOG.with(|l| l.borrow().clone()) {
        return log;
    }
    let stored: ErrorLog = store::load(KEY).await.ok().flatten().unwrap_or_default();
    LOG.with(|l| l.borrow_mut().get_or_insert(stored).clone())
}

/// Keeps one error. Never fails its caller: diagnostics must not break what they watch.
pub async fn record(entry: ErrorEntry) {
    loaded().await;
    let log = LOG.with(|l| {
        let mut l = l.borrow_mut();
        let log = l.get_or_insert_with(ErrorLog::new);
        log.record(entry);
        log.clone()
    });
    if let Err(e) = store::store(KEY, &log).await {
        web_sys::console::warn_1(&format!("diagnostics: {}", e.code).into());
    }
}

/// A failed REST call of the client: its code and the request's shape.
pub async fn api_failed(org_id: &str, code: &str, method: &str, path: &str) {
    record(ErrorEntry::api(
        super::client::now_ms(),
        code,
        Some(org_id),
        method,
        path,
    ))
    .await;
}

/// What the phone line says, when it is a failure (a changed one only: the caller checks).
pub async fn line_failed(line: &str) {
    record(ErrorEntry::new(
        super::client::now_ms(),
        line,
        Source::Phone,
        None,
        "registration",
    ))
    .await;
}

pub async fn oauth_failed(org_id: &str, code: &str) {
    record(ErrorEntry::new(
        super::client::now_ms(),
        code,
        Source::Oauth,
        Some(org_id),
        "connect with Salesforce",
    ))
    .await;
}

/// Everything the diagnostics section shows, and its text for a support ticket.
pub async fn report() -> Result<DiagnosticsIs, GlueError> {
    let orgs = store::orgs().await?;
    let connected = oauth::connected(&orgs).await;
    let (line, waiting, failed) = runner::read(|d| {
        let line = serde_json::to_value(d.phone.line)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let waiting = d
            .logs
            .values()
            .filter(|l| l.entry.delivery.is_open())
            .count();
        let failed = d
            .logs
            .values()
            .filter(|l| matches!(l.entry.delivery, Delivery::Failed { .. }))
            .count();
        (line, waiting as u32, failed as u32)
    })
    .await?;
    let settings = phone::settings().await.unwrap_or_default();
    let policy = super::policy::current().await;
    let report = Report {
        version: env!("CARGO_PKG_VERSION").into(),
        browser: user_agent(),
        ui_language: crate::glue::chrome::ui_language(),
        orgs: orgs
            .iter()
            .map(|o| OrgLine {
                org_id: o.org_id.clone(),
                edition: o.edition.clone(),
                api_host: o.api_host.clone(),
                user_id: o.user_id.clone(),
                user_name: o.user_name.clone(),
                state: o.state.as_str().into(),
                session_source: if connected.contains(&o.org_id) {
                    "oauth"
                } else {
                    "browser"
                }
                .into(),
                api_used: o.api_usage.map(|u| u.used),
                api_max: o.api_usage.map(|u| u.max),
            })
            .collect(),
        sip: SipLine {
            websocket: websocket_of(&line).into(),
            state: line,
            server: settings.websocket_url.clone(),
            last_responses: vec![],
        },
        outbox_waiting: waiting,
        outbox_failed: failed,
        errors: loaded().await.entries().to_vec(),
        managed: policy.locked(),
        policy_problems: super::policy::problems()
            .into_iter()
            .map(|p| format!("{}: {}", p.key, p.reason))
            .collect(),
    };
    let text = report_text(&report);
    Ok(DiagnosticsIs { report, text })
}

/// The WebSocket as the line state implies it (the engine reports the line, not the socket).
fn websocket_of(line: &str) -> &'static str {
    match line {
        "REGISTERED" | "WRONG_PASSWORD" | "REFUSED" | "SERVER_ERROR" => "open",
        "CONNECTING" => "connecting",
        "SERVER_UNREACHABLE" => "closed",
        _ => "none",
    }
}

fn user_agent() -> String {
    js_sys::Reflect::get(&js_sys::global(), &"navigator".into())
        .and_then(|n| js_sys::Reflect::get(&n, &"userAgent".into()))
        .ok()
        .and_then(|ua| ua.as_string())
        .unwrap_or_default()
}

/// "Reset cached org data": every org is described again on its next page; what the user
/// chose (the logging org, mappings, an OAuth connection) stays.
pub async fn reset_orgs() -> Result<(), GlueError> {
    for org in store::orgs().await? {
        store::update_org(&org.org_id, |current| {
            let mut org = current?;
            org.capabilities = None;
            org.edition = None;
            org.api_usage = None;
            org.limited_until_ms = None;
            org.state = ErrorCode::Checking;
            Some(org)
        })
        .await?;
    }
    Ok(())
}

/// "Retry all": every log that gave up is sent again (once each: the desk owns the rest).
pub async fn retry_failed() -> Result<u32, GlueError> {
    let failed: Vec<String> = runner::read(|d| {
        d.logs
            .values()
            .filter(|l| matches!(l.entry.delivery, Delivery::Failed { .. }))
            .map(|l| l.entry.call_id.clone())
            .collect()
    })
    .await?;
    for call_id in &failed {
        runner::submit(crate::desk::Input::Retry {
            call_id: call_id.clone(),
        })
        .await?;
    }
    Ok(failed.len() as u32)
}
