//! The service worker: validates every message, is the only Salesforce client, and keeps its
//! state in `chrome.storage` (the worker may be stopped whenever it is idle).

mod client;
mod connection;
mod dial;
mod store;

use serde_json::Value;
use wasm_bindgen::prelude::*;

use crate::glue::chrome;
use crate::glue::js::{from_js, string_prop, to_js, GlueError};
use crate::protocol::{
    parse_to_worker, sender_context, DialReport, FromWorker, PageReport, ToWorker,
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
                connection::on_page(&sender_url, &page_host).await;
            }
            Ok(FromWorker::Ack)
        }
        ToWorker::ContentDial { number, record } => {
            // The phone engine takes this over; until then the request is recorded for diagnostics.
            store::store("lastDial", &DialReport { number, record }).await?;
            Ok(FromWorker::Ack)
        }
        ToWorker::ContentCandidates { page, fields } => Ok(dial::candidates(&page, &fields)),
        ToWorker::OptionsStatus => Ok(FromWorker::Status {
            orgs: store::orgs().await?,
            pages: store::pages().await?,
            last_dial: store::load("lastDial").await?,
        }),
        ToWorker::Lookup { number, org_id } => {
            let org_id = match org_id {
                Some(org_id) => org_id,
                None => org_of_page(&sender_url).await?,
            };
            Ok(connection::lookup(&org_id, &number)
                .await
                .unwrap_or_else(|e| FromWorker::error(&e.code, e.message)))
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

/// The org a Salesforce page belongs to (its `sid` names it).
async fn org_of_page(url: &str) -> Result<String, GlueError> {
    connection::on_page(url, &page_host(url))
        .await
        .ok_or_else(|| GlueError::new("NOT_LOGGED_IN", "this page has no Salesforce session"))
}
