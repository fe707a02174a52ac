//! The service worker: validates every message, is the only Salesforce client, and keeps its
//! state in `chrome.storage` (the worker may be stopped whenever it is idle).

mod client;
mod connection;
mod dial;
mod logging;
mod phone;
mod phone_calls;
mod popup;
mod store;

use serde_json::Value;
use wasm_bindgen::prelude::*;

use crate::calllog::{check_mapping, CallRecord, Direction, TaskDescribe};
use crate::glue::chrome;
use crate::glue::js::{from_js, string_prop, to_js, GlueError};
use crate::protocol::{
    parse_to_worker, sender_context, CallLogReport, DialReport, FromWorker, PageReport, ToWorker,
};
use crate::salesforce::host;

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
            store::remember_page(PageReport {
                host: page_host.clone(),
                mode,
                phone_fields,
                at_ms: client::now_ms(),
            })
            .await?;
            if host::classify(&page_host).is_some() {
                if let Some(org_id) = connection::on_page(&sender_url, &page_host).await {
                    phone_calls::remember_org(&org_id).await?;
                    // A page with a working session: call logs that waited for one go now.
                    wasm_bindgen_futures::spawn_local(worker_resume());
                }
            }
            Ok(FromWorker::Ack)
        }
        ToWorker::ContentDial { number, record } => {
            // Kept for diagnostics; the phone dials it.
            store::store(
                "lastDial",
                &DialReport {
                    number: number.clone(),
                    record: record.clone(),
                },
            )
            .await?;
            let clicked_ms = client::now_ms();
            let number = crate::phone::dial_form(&number, crate::phone::DEFAULT_REGION);
            let answer = phone::command(crate::call::PhoneCommand::Dial {
                number: number.clone(),
            })
            .await?;
            // After the dial, so the call does not wait on it: the page's org is usually known
            // already (the content script reported the page when it started).
            let org_id = org_of_page(&sender_url).await.ok();
            phone_calls::remember_dial(&number, record, org_id, clicked_ms).await?;
            Ok(answer)
        }
        ToWorker::ContentCandidates { page, fields } => Ok(dial::candidates(&page, &fields)),
        ToWorker::OptionsStatus => Ok(FromWorker::Status {
            orgs: store::orgs().await?,
            pages: store::pages().await?,
            last_dial: store::load("lastDial").await?,
            lookup_priority: connection::lookup_priority().await,
        }),
        ToWorker::SaveLookupPriority { priority } => {
            store::store("lookupPriority", &priority).await?;
            Ok(FromWorker::Ack)
        }
        ToWorker::Lookup { number, org_id } => {
            let org_id = match org_id {
                Some(org_id) => org_id,
                None => org_of_page(&sender_url).await?,
            };
            Ok(connection::lookup(&org_id, &number)
                .await
                .unwrap_or_else(|e| FromWorker::error(&e.code, e.message)))
        }
        ToWorker::LogCall { org_id, call } => Ok(logged(logging::log_call(&org_id, *call).await)),
        ToWorker::LogTestCall { org_id, number } => {
            Ok(logged(logging::log_call(&org_id, test_call(&number)).await))
        }
        ToWorker::UpdateMemo { call_id, tags } => {
            Ok(logged(logging::update(&call_id, Some(tags), None).await))
        }
        ToWorker::UpdateTranscript { call_id, text } => {
            Ok(logged(logging::update(&call_id, None, Some(text)).await))
        }
        ToWorker::RetryCallLog { call_id } => Ok(logged(logging::retry(&call_id).await)),
        ToWorker::GetFieldMapping => Ok(FromWorker::FieldMappingIs {
            mapping: store::load("fieldMapping").await?.unwrap_or_default(),
        }),
        ToWorker::SaveFieldMapping { org_id, mapping } => {
            let org = store::org(&org_id).await?;
            let task = org
                .and_then(|o| o.capabilities)
                .and_then(|c| c.task)
                .ok_or_else(|| {
                    GlueError::new("TASK_NOT_CREATEABLE", "the org's Task fields are not known")
                })?;
            let describe = TaskDescribe {
                types: &task.types,
                createable: &task.createable,
            };
            let problems = check_mapping(&mapping, &describe);
            if problems.is_empty() {
                store::store("fieldMapping", &mapping).await?;
            }
            Ok(FromWorker::FieldMappingSaved { problems })
        }
        ToWorker::CallLogs => Ok(match logging::logged_calls().await {
            Ok(calls) => FromWorker::CallLogList {
                logs: calls.iter().map(report).collect(),
            },
            Err(e) => FromWorker::error(&e.code, e.message),
        }),
        ToWorker::PhoneHello => phone::hello(tab_id(sender)).await,
        ToWorker::PickCaller { call_id, record_id } => popup::pick(&call_id, &record_id).await,
        ToWorker::Phone { action } => phone::command(action).await,
        ToWorker::PhoneReady => phone::ready().await,
        ToWorker::PhoneReport { state } => phone::report(state).await,
        ToWorker::OptionsPhoneSettings => phone::settings_view().await,
        ToWorker::OptionsSavePhoneSettings { settings } => phone::save_settings(settings).await,
    }
}

fn tab_id(sender: &JsValue) -> Option<i32> {
    let tab = js_sys::Reflect::get(sender, &"tab".into()).ok()?;
    let id = js_sys::Reflect::get(&tab, &"id".into()).ok()?.as_f64()?;
    Some(id as i32)
}

fn page_host(url: &str) -> String {
    url.split("://")
        .nth(1)
        .and_then(|rest| rest.split(['/', '?', '#', ':']).next())
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// The org a Salesforce page belongs to (its `sid` names it).
async fn org_of_page(url: &str) -> Result<String, GlueError> {
    connection::on_page(url, &page_host(url))
        .await
        .ok_or_else(|| GlueError::new("NOT_LOGGED_IN", "this page has no Salesforce session"))
}

fn report(logged: &logging::LoggedCall) -> CallLogReport {
    CallLogReport {
        call_id: logged.entry.call_id.clone(),
        org_id: logged.entry.org_id.clone(),
        delivery: logged.entry.delivery.clone(),
        attempts: logged.entry.attempts,
        remote_number: logged.call.remote_number.clone(),
        linked: logged.linked.clone(),
        dropped: logged.dropped.clone(),
        warnings: logged.warnings.clone(),
    }
}

fn logged(result: Result<logging::LoggedCall, client::CallError>) -> FromWorker {
    match result {
        Ok(logged) => FromWorker::CallLogged {
            log: report(&logged),
        },
        Err(e) => FromWorker::error(&e.code, e.message),
    }
}

/// The options page's test: a three-minute outbound call to `number`, logged like a real one
/// (looked up and logged in one request).
fn test_call(number: &str) -> CallRecord {
    let now = js_sys::Date::now() as i64;
    CallRecord {
        call_id: format!("test-{now}"),
        direction: Direction::Outbound,
        remote_number: number.to_string(),
        dial_started_ms: now - 190_000,
        answered_ms: Some(now - 180_000),
        ended_ms: Some(now),
        record: None,
        lookup_done: false,
        local_extension: None,
        memo_tags: vec![],
        comments: chrome::text("testCallComment"),
        transcript: None,
    }
}

/// Called when the worker starts and on the outbox alarm: deliver call logs still waiting
/// (the worker may have been stopped mid-request).
#[wasm_bindgen]
pub async fn worker_resume() {
    if let Err(e) = logging::resume().await {
        web_sys::console::warn_1(&format!("worker: resuming call logs: {}", e.code).into());
    }
    phone_calls::refresh_log_note().await;
}
