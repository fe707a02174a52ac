//! The worker's durable state in `chrome.storage.local`: what must survive the worker being
//! stopped. Never the session id.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::JsValue;

use crate::glue::chrome;
use crate::glue::js::{call, from_js, to_js, GlueError, JsResultExt};
use crate::protocol::{OrgReport, PageReport};

/// Diagnostics keep the last pages seen, not a browsing history.
const PAGES_KEPT: usize = 10;

pub async fn load<T: DeserializeOwned>(key: &str) -> Result<Option<T>, GlueError> {
    let items = call(
        chrome::storage_local_get(&JsValue::from_str(key)),
        "STORAGE",
    )
    .await?;
    let value = js_sys::Reflect::get(&items, &JsValue::from_str(key)).or_glue("STORAGE")?;
    if value.is_undefined() {
        return Ok(None);
    }
    let json: Value = from_js(value)?;
    Ok(serde_json::from_value(json).ok())
}

pub async fn store<T: Serialize>(key: &str, value: &T) -> Result<(), GlueError> {
    let items = serde_json::json!({ key: value });
    call(chrome::storage_local_set(&to_js(&items)?), "STORAGE").await?;
    Ok(())
}

pub async fn orgs() -> Result<Vec<OrgReport>, GlueError> {
    let map: Option<serde_json::Map<String, Value>> = load("orgs").await?;
    Ok(map
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(_, v)| serde_json::from_value(v).ok())
        .collect())
}

pub async fn org(org_id: &str) -> Result<Option<OrgReport>, GlueError> {
    Ok(orgs().await?.into_iter().find(|o| o.org_id == org_id))
}

pub async fn save_org(report: &OrgReport) -> Result<(), GlueError> {
    let mut map: serde_json::Map<String, Value> = load("orgs").await?.unwrap_or_default();
    map.insert(
        report.org_id.clone(),
        serde_json::to_value(report).unwrap_or(Value::Null),
    );
    store("orgs", &map).await
}

pub async fn pages() -> Result<Vec<PageReport>, GlueError> {
    Ok(load("pages").await?.unwrap_or_default())
}

pub async fn remember_page(report: PageReport) -> Result<(), GlueError> {
    let mut pages = pages().await?;
    pages.retain(|p| p.host != report.host);
    pages.insert(0, report);
    pages.truncate(PAGES_KEPT);
    store("pages", &pages).await
}
