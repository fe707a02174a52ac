//! The worker's side of the phone: it keeps the phone settings, creates the offscreen document
//! that runs the engine (and recreates it when Chromium closed it), forwards the user's commands
//! to it, and passes its state on to every Lightning tab that runs the panel.
//!
//! What must survive the worker being stopped lives in `chrome.storage`: the settings in
//! `local` (never sent to a content script, never logged), the tabs to inform, the last state
//! and a command waiting for the document in `session` (gone when the browser closes).

use std::thread::LocalKey;

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsValue;

use std::cell::RefCell;

use super::{phone_calls, popup, store};
use crate::call::settings::PhoneSettings;
use crate::call::{LineState, PhoneCommand, PhoneState};
use crate::calllog::CallNotes;
use crate::glue::chrome;
use crate::glue::js::{call, from_js, to_js, GlueError, JsResultExt};
use crate::protocol::{FromWorker, ToPhone, ToTab, OFFSCREEN_PAGE, PHONE_TARGET};

const SETTINGS: &str = "phoneSettings";
const TABS: &str = "phoneTabs";
const STATE: &str = "phoneState";
const PENDING: &str = "phonePending";
/// A browser rarely has more Lightning tabs open; the oldest are forgotten first.
const TABS_KEPT: usize = 50;

pub(super) async fn session_load<T: DeserializeOwned>(key: &str) -> Result<Option<T>, GlueError> {
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

pub(super) async fn session_store<T: Serialize>(key: &str, value: &T) -> Result<(), GlueError> {
    let items = serde_json::json!({ key: value });
    call(chrome::storage_session_set(&to_js(&items)?), "STORAGE").await?;
    Ok(())
}

pub async fn settings() -> Result<PhoneSettings, GlueError> {
    Ok(store::load(SETTINGS).await?.unwrap_or_default())
}

/// The options page saved the form: keep it and hand it to the engine.
pub async fn save_settings(form: PhoneSettings) -> Result<FromWorker, GlueError> {
    let settings = form
        .merged_with(&settings().await?)
        .map_err(|e| GlueError::new(e.code(), "the phone settings were refused"))?;
    store::store(SETTINGS, &settings).await?;
    if settings.is_configured() {
        if !ensure_document().await? {
            forward(&ToPhone::Settings {
                settings: settings.clone(),
            })
            .await;
        }
    } else {
        forward(&ToPhone::Settings {
            settings: settings.clone(),
        })
        .await;
    }
    // The engine runs (or was stopped) above: this sets or clears the alarm that watches it.
    watch().await?;
    Ok(FromWorker::PhoneSettings {
        settings: settings.view(),
    })
}

pub async fn settings_view() -> Result<FromWorker, GlueError> {
    Ok(FromWorker::PhoneSettings {
        settings: settings().await?.view(),
    })
}

/// A panel started in a tab: remember the tab, start the phone, tell the panel where it stands.
pub async fn hello(tab_id: Option<i32>) -> Result<FromWorker, GlueError> {
    if let Some(tab) = tab_id {
        let mut tabs = panel_tabs().await?;
        tabs.retain(|t| *t != tab);
        tabs.push(tab);
        let excess = tabs.len().saturating_sub(TABS_KEPT);
        tabs.drain(..excess);
        keep_panel_tabs(tabs).await?;
    }
    let configured = settings().await?.is_configured();
    if configured {
        ensure_document().await?;
    }
    let state = current_state(configured).await?;
    Ok(FromWorker::PhoneStatus {
        notes: phone_calls::notes_for(&state).await,
        state,
    })
}

async fn current_state(configured: bool) -> Result<PhoneState, GlueError> {
    let mut state: PhoneState = session_load(STATE).await?.unwrap_or_default();
    if configured && state.line == LineState::Unconfigured {
        state.line = LineState::Connecting;
    }
    Ok(state)
}

/// A user's command: to the engine, starting it first if needed.
pub async fn command(action: PhoneCommand) -> Result<FromWorker, GlueError> {
    let settings = settings().await?;
    if !settings.is_configured() {
        return Ok(FromWorker::error(
            "PHONE_NOT_CONFIGURED",
            "no phone account: enter it on the options page",
        ));
    }
    if ensure_document().await?
        || !forward(&ToPhone::Command {
            action: action.clone(),
        })
        .await
    {
        // The document is starting: it takes the command with its settings.
        session_store(PENDING, &Some(action)).await?;
    }
    Ok(FromWorker::Ack)
}

/// The engine started (or restarted): its settings, and a command that waited for it.
pub async fn ready() -> Result<FromWorker, GlueError> {
    let pending: Option<PhoneCommand> = session_load(PENDING).await?.flatten();
    session_store(PENDING, &None::<PhoneCommand>).await?;
    Ok(FromWorker::PhoneSetup {
        settings: settings().await?,
        pending,
    })
}

/// The engine's state changed: tell every tab, keep it for panels that start later, look up
/// who is calling, and log a call that ended.
pub async fn report(state: PhoneState) -> Result<FromWorker, GlueError> {
    LATEST.with(|l| *l.borrow_mut() = Some(state.clone()));
    broadcast(&state, phone_calls::notes_for(&state).await).await?;
    session_store(STATE, &state).await?;
    popup::look_up_if_ringing(&state).await;
    phone_calls::log_if_finished(&state).await;
    Ok(FromWorker::Ack)
}

/// The last state the engine reported to this worker instance: a popup card that arrives
/// after a newer report is shown with that one, not with the state it started from.
pub(super) fn latest_state() -> Option<PhoneState> {
    LATEST.with(|l| l.borrow().clone())
}

/// Sends the state, and the caller's card, to every tab that runs the panel.
pub(super) async fn broadcast(state: &PhoneState, notes: CallNotes) -> Result<(), GlueError> {
    let message = to_js(&ToTab::PhoneState {
        state: state.clone(),
        notes,
    })?;
    let tabs = panel_tabs().await?;
    let mut alive = Vec::with_capacity(tabs.len());
    for &tab in &tabs {
        // A closed tab, or one whose page no longer runs the panel, refuses the message.
        if call(chrome::tabs_send_message(tab, &message), "TAB_GONE")
            .await
            .is_ok()
        {
            alive.push(tab);
        }
    }
    if alive != tabs {
        keep_panel_tabs(alive).await?;
    }
    Ok(())
}

thread_local! {
    static LATEST: RefCell<Option<PhoneState>> = const { RefCell::new(None) };
}

thread_local! {
    /// The tabs running the panel.
    static PANEL_TABS: Cached<Vec<i32>> = const { RefCell::new(None) };
}

async fn panel_tabs() -> Result<Vec<i32>, GlueError> {
    Ok(cached_load(&PANEL_TABS, TABS).await?.unwrap_or_default())
}

async fn keep_panel_tabs(tabs: Vec<i32>) -> Result<(), GlueError> {
    cached_store(&PANEL_TABS, TABS, tabs).await
}

/// A `chrome.storage.session` value also kept in this worker instance's memory once read or
/// written (`None` until then): the engine reports several times while a call is set up, and
/// each storage read is a round trip through the browser, on the CPU the call needs.
pub(super) type Cached<T> = RefCell<Option<Option<T>>>;

pub(super) async fn cached_load<T: Clone + DeserializeOwned + 'static>(
    cell: &'static LocalKey<Cached<T>>,
    key: &str,
) -> Result<Option<T>, GlueError> {
    if let Some(value) = cell.with(|c| c.borrow().clone()) {
        return Ok(value);
    }
    let value: Option<T> = session_load(key).await?;
    cell.with(|c| *c.borrow_mut() = Some(value.clone()));
    Ok(value)
}

pub(super) async fn cached_store<T: Serialize + 'static>(
    cell: &'static LocalKey<Cached<T>>,
    key: &str,
    value: T,
) -> Result<(), GlueError> {
    session_store(key, &value).await?;
    cell.with(|c| *c.borrow_mut() = Some(Some(value)));
    Ok(())
}

const WATCH_ALARM: &str = "phone";
/// How often the worker checks that the engine runs: Chromium may close the offscreen document
/// (or the browser just started), and a closed engine misses incoming calls.
const WATCH_MINUTES: f64 = 0.5;

/// Keeps the engine running while a phone account is set, from the browser's start, without
/// waiting for a Lightning tab; stops watching when there is none.
pub async fn watch() -> Result<(), GlueError> {
    if settings().await?.is_configured() {
        chrome::alarm_every(WATCH_ALARM, WATCH_MINUTES);
        ensure_document().await?;
    } else if let Ok(cleared) = chrome::alarms_clear(WATCH_ALARM) {
        let _ = wasm_bindgen_futures::JsFuture::from(cleared).await;
    }
    Ok(())
}

/// Entry point for the watch alarm and the worker's start.
#[wasm_bindgen::prelude::wasm_bindgen]
pub async fn worker_watch_phone() {
    if let Err(e) = watch().await {
        web_sys::console::warn_1(&format!("phone: {}", e.code).into());
    }
}

/// Entry point for `chrome.commands.onCommand`: the shortcut opens the dialer in its tab.
#[wasm_bindgen::prelude::wasm_bindgen]
pub async fn worker_handle_command(command: String, tab: JsValue) {
    let id = js_sys::Reflect::get(&tab, &"id".into())
        .ok()
        .and_then(|v| v.as_f64());
    let (Some(id), "open-dialer") = (id, command.as_str()) else {
        return;
    };
    if let Ok(message) = to_js(&ToTab::OpenDialer) {
        // A tab without the panel (not a Lightning page) refuses it; nothing to do then.
        let _ = call(chrome::tabs_send_message(id as i32, &message), "TAB_GONE").await;
    }
}

/// Sends to the offscreen document; `false` when nobody received it.
async fn forward(message: &ToPhone) -> bool {
    let Ok(value) = to_js(message) else {
        return false;
    };
    let _ = js_sys::Reflect::set(&value, &"target".into(), &JsValue::from_str(PHONE_TARGET));
    call(chrome::runtime_send_message(&value), "PHONE_UNAVAILABLE")
        .await
        .is_ok()
}

/// Makes sure the offscreen document runs; `true` when it was just created (it then asks for
/// its settings by itself). Chromium may close it at any time, so this is asked every time.
async fn ensure_document() -> Result<bool, GlueError> {
    let url = chrome::runtime_get_url(OFFSCREEN_PAGE);
    let filter = serde_json::json!({
        "contextTypes": ["OFFSCREEN_DOCUMENT"],
        "documentUrls": [url],
    });
    let contexts = call(chrome::runtime_get_contexts(&to_js(&filter)?), "OFFSCREEN").await?;
    if js_sys::Array::from(&contexts).length() > 0 {
        return Ok(false);
    }
    // USER_MEDIA and WEB_RTC keep the document open through a call; AUDIO_PLAYBACK alone would
    // let Chromium close it ~30 s after audio stops, dropping the call without a BYE.
    let parameters = serde_json::json!({
        "url": OFFSCREEN_PAGE,
        "reasons": ["USER_MEDIA", "WEB_RTC"],
        "justification": "The phone: SIP registration, calls and their audio, one per browser.",
    });
    match call(
        chrome::offscreen_create_document(&to_js(&parameters)?),
        "OFFSCREEN",
    )
    .await
    {
        Ok(_) => Ok(true),
        // Another message created it a moment ago.
        Err(e) if e.detail.contains("single offscreen") => Ok(false),
        Err(e) => Err(e),
    }
}
