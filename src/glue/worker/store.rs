//! The worker's durable state in `chrome.storage.local`: what must survive the worker being
//! stopped. Never the session id.
//!
//! Two rules keep it from losing data: a value that cannot be read is an error, never "empty"
//! (an empty value would be saved back over it); and a record several handlers change (the
//! orgs) is changed through [`update_org`], which reads and writes it in one turn of its lane,
//! so concurrent handlers cannot lose each other's writes. The call desk has its own keys and
//! its own single writer (`runner`).

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};

use super::serial::{turn, Lane};
use crate::glue::chrome;
use crate::glue::js::{call, from_js, to_js, GlueError, JsResultExt};
use crate::protocol::{OrgReport, PageReport};

/// Diagnostics keep the last pages seen, not a browsing history.
const PAGES_KEPT: usize = 10;

/// The raw JSON under `key`, or `None` when there is none.
pub async fn load_raw(key: &str) -> Result<Option<Value>, GlueError> {
    let items = call(
        chrome::storage_local_get(&JsValue::from_str(key)),
        "STORAGE",
    )
    .await?;
    let value = js_sys::Reflect::get(&items, &JsValue::from_str(key)).or_glue("STORAGE")?;
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    Ok(Some(from_js(value)?))
}

/// The value under `key`; a value of another shape is `STORAGE_UNREADABLE`, not `None`.
pub async fn load<T: DeserializeOwned>(key: &str) -> Result<Option<T>, GlueError> {
    match load_raw(key).await? {
        None => Ok(None),
        Some(json) => serde_json::from_value(json).map(Some).map_err(|e| {
            GlueError::new(
                "STORAGE_UNREADABLE",
                format!("the stored {key} cannot be read: {e}"),
            )
        }),
    }
}

pub async fn store<T: Serialize>(key: &str, value: &T) -> Result<(), GlueError> {
    let items = serde_json::json!({ key: value });
    call(chrome::storage_local_set(&to_js(&items)?), "STORAGE").await?;
    Ok(())
}

pub async fn remove(key: &str) -> Result<(), GlueError> {
    call(
        chrome::storage_local_remove(&JsValue::from_str(key)),
        "STORAGE",
    )
    .await?;
    Ok(())
}

/// Every stored item whose key starts with `prefix`, as raw JSON (the reader decides what it
/// can read).
pub async fn load_prefixed(prefix: &str) -> Result<Vec<(String, Value)>, GlueError> {
    let items = call(chrome::storage_local_get(&JsValue::NULL), "STORAGE").await?;
    let keys = js_sys::Object::keys(items.unchecked_ref::<js_sys::Object>());
    let mut found = vec![];
    for key in keys.iter().filter_map(|k| k.as_string()) {
        if !key.starts_with(prefix) {
            continue;
        }
        let value = js_sys::Reflect::get(&items, &JsValue::from_str(&key)).or_glue("STORAGE")?;
        // A value JSON cannot hold is kept as null: reported unreadable, never dropped.
        found.push((key, from_js(value).unwrap_or(Value::Null)));
    }
    Ok(found)
}

async fn org_map() -> Result<serde_json::Map<String, Value>, GlueError> {
    Ok(load("orgs").await?.unwrap_or_default())
}

/// A value in `chrome.storage.session` (memory only, gone with the browser; content scripts
/// cannot read it). One of another shape reads as `None`: what is kept there can be rebuilt.
pub async fn session_load<T: DeserializeOwned>(key: &str) -> Result<Option<T>, GlueError> {
    let items = call(
        chrome::storage_session_get(&JsValue::from_str(key)),
        "STORAGE",
    )
    .await?;
    let value = js_sys::Reflect::get(&items, &JsValue::from_str(key)).or_glue("STORAGE")?;
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    let json: serde_json::Value = from_js(value)?;
    Ok(serde_json::from_value(json).ok())
}

pub async fn session_store<T: Serialize>(key: &str, value: &T) -> Result<(), GlueError> {
    let items = serde_json::json!({ key: value });
    call(chrome::storage_session_set(&to_js(&items)?), "STORAGE").await?;
    Ok(())
}

pub async fn session_remove(key: &str) -> Result<(), GlueError> {
    call(
        chrome::storage_session_remove(&JsValue::from_str(key)),
        "STORAGE",
    )
    .await?;
    Ok(())
}

pub async fn orgs() -> Result<Vec<OrgReport>, GlueError> {
    Ok(org_map()
        .await?
        .into_iter()
        .filter_map(|(_, v)| serde_json::from_value(v).ok())
        .collect())
}

pub async fn org(org_id: &str) -> Result<Option<OrgReport>, GlueError> {
    Ok(orgs().await?.into_iter().find(|o| o.org_id == org_id))
}

/// Changes one org's record as it is now in storage (`f` gets `None` when there is none and may
/// create it); other orgs, and entries this version cannot read, are kept as they are.
pub async fn update_org(
    org_id: &str,
    f: impl FnOnce(Option<OrgReport>) -> Option<OrgReport>,
) -> Result<Option<OrgReport>, GlueError> {
    let _turn = turn(Lane::Orgs).await;
    let mut map = org_map().await?;
    let current = map
        .get(org_id)
        .and_then(|v| serde_json::from_value(v.clone()).ok());
    let Some(next) = f(current) else {
        return Ok(None);
    };
    map.insert(
        org_id.to_string(),
        serde_json::to_value(&next).unwrap_or(Value::Null),
    );
    store("orgs", &map).await?;
    Ok(Some(next))
}

pub async fn pages() -> Result<Vec<PageReport>, GlueError> {
    Ok(load("pages").await?.unwrap_or_default())
}

pub async fn remember_page(report: PageReport) -> Result<(), GlueError> {
    let _turn = turn(Lane::Pages).await;
    let mut pages = pages().await?;
    pages.retain(|p| p.host != report.host);
    pages.insert(0, report);
    pages.truncate(PAGES_KEPT);
    store("pages", &pages).await
}
