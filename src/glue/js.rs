//! Crossing the JS boundary: values to and from serde types, and JS failures as Rust errors.

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::protocol::{Answer, Refusal, Request};

/// A failure at the JS boundary, with a stable code for messages and a detail for logs.
#[derive(Debug, Clone)]
pub struct GlueError {
    pub code: &'static str,
    pub detail: String,
}

impl GlueError {
    pub fn new(code: &'static str, detail: impl Into<String>) -> Self {
        GlueError {
            code,
            detail: detail.into(),
        }
    }
}

fn describe(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}

/// As in Ruffle: one method to turn a JS failure into a Rust error, one to log and go on.
pub trait JsResultExt<T> {
    fn or_glue(self, code: &'static str) -> Result<T, GlueError>;
    fn log_and_continue(self, what: &str) -> Option<T>;
}

impl<T> JsResultExt<T> for Result<T, JsValue> {
    fn or_glue(self, code: &'static str) -> Result<T, GlueError> {
        self.map_err(|e| GlueError::new(code, describe(&e)))
    }

    fn log_and_continue(self, what: &str) -> Option<T> {
        self.map_err(|e| web_sys::console::warn_1(&format!("{what}: {}", describe(&e)).into()))
            .ok()
    }
}

/// Awaits a promise-returning chrome API call.
pub async fn call(
    promise: Result<js_sys::Promise, JsValue>,
    code: &'static str,
) -> Result<JsValue, GlueError> {
    let promise = promise.or_glue(code)?;
    JsFuture::from(promise).await.or_glue(code)
}

/// Serialises for chrome APIs: plain objects, never `Map` (which messaging turns into `{}`).
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, GlueError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| GlueError::new("SERIALISE", e.to_string()))
}

pub fn from_js<T: DeserializeOwned>(value: JsValue) -> Result<T, GlueError> {
    serde_wasm_bindgen::from_value(value).map_err(|e| GlueError::new("BAD_MESSAGE", e.to_string()))
}

/// Reads a property of a JS object as a string.
pub fn string_prop(object: &JsValue, name: &str) -> Option<String> {
    js_sys::Reflect::get(object, &JsValue::from_str(name))
        .ok()
        .and_then(|v| v.as_string())
}

/// The one way every context (content script, panel, options page, the phone engine) asks the
/// worker: the request with its kind and the protocol's version beside it, the answer read as
/// the request's own reply type or as a refusal (each context reads only the answers to what it
/// asks, so it carries no code for the others).
pub async fn ask_worker<Q: Request>(request: &Q) -> Result<Q::Reply, Refusal> {
    let value = to_js(request)?;
    for (name, field) in [
        ("v", JsValue::from(crate::protocol::PROTOCOL_VERSION)),
        ("kind", JsValue::from_str(Q::KIND)),
    ] {
        js_sys::Reflect::set(&value, &name.into(), &field).or_glue("SERIALISE")?;
    }
    let answer = call(
        super::chrome::runtime_send_message(&value),
        "WORKER_UNAVAILABLE",
    )
    .await?;
    match string_prop(&answer, "kind").as_deref() {
        Some(kind) if kind == <Q::Reply as Answer>::KIND => Ok(from_js(answer)?),
        Some("Error") => Err(from_js(answer)?),
        kind => Err(Refusal::new(
            "BAD_MESSAGE",
            format!("{kind:?} is no answer to {}", Q::KIND),
        )),
    }
}

impl From<GlueError> for Refusal {
    fn from(e: GlueError) -> Self {
        Refusal::new(e.code, e.detail)
    }
}
