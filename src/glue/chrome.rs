//! The few `chrome.*` extension APIs the glue calls. Promise-returning forms only (MV3).

use js_sys::Promise;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["chrome", "cookies"], js_name = get, catch)]
    pub fn cookies_get(details: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "cookies"], js_name = getAll, catch)]
    pub fn cookies_get_all(details: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "storage", "local"], js_name = get, catch)]
    pub fn storage_local_get(keys: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "storage", "local"], js_name = set, catch)]
    pub fn storage_local_set(items: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "storage", "local"], js_name = remove, catch)]
    pub fn storage_local_remove(keys: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "runtime"], js_name = sendMessage, catch)]
    pub fn runtime_send_message(message: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "alarms"], js_name = create, catch)]
    fn alarms_create(name: &str, info: &JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "alarms"], js_name = clear, catch)]
    pub fn alarms_clear(name: &str) -> Result<Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "runtime"], js_name = getURL)]
    pub fn runtime_get_url(path: &str) -> String;

    #[wasm_bindgen(js_namespace = ["chrome", "storage", "managed"], js_name = get, catch)]
    pub fn storage_managed_get(keys: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "i18n"], js_name = getUILanguage, catch)]
    fn i18n_ui_language() -> Result<String, JsValue>;

    // `catch`: outside an extension page (wasm-bindgen tests) `chrome.i18n` does not exist.
    #[wasm_bindgen(js_namespace = ["chrome", "i18n"], js_name = getMessage, catch)]
    fn i18n_get_message(name: &str, substitutions: &JsValue) -> Result<String, JsValue>;
}

/// The browser's UI language (`ja`, `en-US`); empty outside an extension.
pub fn ui_language() -> String {
    i18n_ui_language().unwrap_or_default()
}

/// A UI string in the user's language. A missing key shows the key itself, so it is noticed.
pub fn text(key: &str) -> String {
    let value = i18n_get_message(key, &JsValue::UNDEFINED).unwrap_or_default();
    if value.is_empty() {
        key.to_string()
    } else {
        value
    }
}

/// A UI string with `$1`, `$2`… substitutions.
pub fn text_with(key: &str, substitutions: &[&str]) -> String {
    let array: js_sys::Array = substitutions.iter().map(|s| JsValue::from_str(s)).collect();
    let value = i18n_get_message(key, &array).unwrap_or_default();
    if value.is_empty() {
        format!("{key} {}", substitutions.join(" "))
    } else {
        value
    }
}

/// Why Salesforce (or the phone) could not help, for an error code: its `state_<CODE>` text,
/// or a generic one naming the code. The options page and the panel say it in the same words.
pub fn explain(code: &str) -> String {
    let key = format!("state_{code}");
    let text = text(&key);
    if text == key {
        text_with("state_OTHER", &[code])
    } else {
        text
    }
}

/// `chrome-extension://<id>/`, the origin of the extension's own pages.
pub fn extension_origin() -> String {
    runtime_get_url("")
}

/// Epoch milliseconds as the browser writes a date and time in the UI language:
/// `2026/12/03 10:05` in Japanese, `12/03/2026, 10:05 AM` in English.
pub fn local_time(ms: f64) -> String {
    let date = js_sys::Date::new(&ms.into());
    let language = text("@@ui_locale").replace('_', "-");
    let options = js_sys::Object::new();
    for (key, value) in [
        ("year", "numeric"),
        ("month", "2-digit"),
        ("day", "2-digit"),
        ("hour", "2-digit"),
        ("minute", "2-digit"),
    ] {
        let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
    }
    date.to_locale_string(&language, &options).into()
}

/// Wakes the worker at `when_ms` (epoch ms) with the alarm `name`, even if it was stopped.
pub fn alarm_at(name: &str, when_ms: f64) {
    create_alarm(name, "when", when_ms);
}

/// Wakes the worker every `minutes` (Chromium's least is half a minute) with the alarm `name`.
pub fn alarm_every(name: &str, minutes: f64) {
    create_alarm(name, "periodInMinutes", minutes);
}

fn create_alarm(name: &str, key: &str, value: f64) {
    let info = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&info, &key.into(), &JsValue::from_f64(value));
    if let Err(e) = alarms_create(name, &info) {
        web_sys::console::warn_2(&"could not set an alarm".into(), &e);
    }
}

// The phone: the offscreen document, messages to tabs, and session storage.
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["chrome", "runtime", "onMessage"], js_name = addListener)]
    pub fn on_message_add_listener(callback: &js_sys::Function);

    /// The recording player's port to the phone engine.
    #[wasm_bindgen(js_namespace = ["chrome", "runtime"], js_name = connect, catch)]
    pub fn runtime_connect(info: &JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "runtime", "onConnect"], js_name = addListener)]
    pub fn on_connect_add_listener(callback: &js_sys::Function);

    #[wasm_bindgen(js_namespace = ["chrome", "offscreen"], js_name = createDocument, catch)]
    pub fn offscreen_create_document(parameters: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "runtime"], js_name = getContexts, catch)]
    pub fn runtime_get_contexts(filter: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "tabs"], js_name = sendMessage, catch)]
    pub fn tabs_send_message(tab_id: i32, message: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "storage", "session"], js_name = get, catch)]
    pub fn storage_session_get(keys: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "storage", "session"], js_name = set, catch)]
    pub fn storage_session_set(items: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "storage", "session"], js_name = remove, catch)]
    pub fn storage_session_remove(keys: &JsValue) -> Result<Promise, JsValue>;

    // "Connect with Salesforce" (the worker's OAuth flow).
    #[wasm_bindgen(js_namespace = ["chrome", "identity"], js_name = launchWebAuthFlow, catch)]
    pub fn identity_launch_web_auth_flow(details: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "identity"], js_name = getRedirectURL)]
    pub fn identity_redirect_url() -> String;
}

// Desktop notifications of calls, and bringing the user to the panel's tab.
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["chrome", "notifications"], js_name = create, catch)]
    pub fn notifications_create(id: &str, options: &JsValue) -> Result<Promise, JsValue>;

    /// Resolves to `false` (and shows nothing) when the notification is not shown any more.
    #[wasm_bindgen(js_namespace = ["chrome", "notifications"], js_name = update, catch)]
    pub fn notifications_update(id: &str, options: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "notifications"], js_name = clear, catch)]
    pub fn notifications_clear(id: &str) -> Result<Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "notifications"], js_name = getAll, catch)]
    pub fn notifications_get_all() -> Result<Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "windows"], js_name = getLastFocused, catch)]
    pub fn windows_get_last_focused(options: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "windows"], js_name = update, catch)]
    pub fn windows_update(window_id: i32, properties: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "tabs"], js_name = update, catch)]
    pub fn tabs_update(tab_id: i32, properties: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "tabs"], js_name = create, catch)]
    pub fn tabs_create(properties: &JsValue) -> Result<Promise, JsValue>;
}
