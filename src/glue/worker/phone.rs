//! The worker's side of the phone engine: it keeps the phone settings, creates the offscreen
//! document that runs the engine (and recreates it when Chromium closed it), and forwards the
//! user's commands to it. What the engine reports goes to the call desk (`runner`), which owns
//! the calls and tells the panels.
//!
//! The settings live in `chrome.storage.local` (never sent to a content script, never logged);
//! a command waiting for the document in `session` (gone when the browser closes).

use wasm_bindgen::JsValue;

use super::{runner, store};
use crate::call::settings::PhoneSettings;
use crate::call::{CallPhase, LineState, PhoneCommand, PhoneState};
use crate::glue::chrome;
use crate::glue::js::{call, to_js, GlueError};
use crate::protocol::{
    Ack, PhoneAccount, PhoneSetup, Refusal, ToPhone, ToTab, OFFSCREEN_PAGE, PHONE_TARGET,
};

const SETTINGS: &str = "phoneSettings";
const PENDING: &str = "phonePending";

/// What the user saved (the options form).
async fn users_settings() -> Result<PhoneSettings, GlueError> {
    Ok(store::load(SETTINGS).await?.unwrap_or_default())
}

/// The settings the engine runs with: the user's, under the administrator's policy.
pub async fn settings() -> Result<PhoneSettings, GlueError> {
    let policy = super::policy::current().await;
    Ok(policy.phone(users_settings().await?))
}

/// The options page saved the form: keep it and hand it to the engine. A value the policy
/// locks stays the user's own underneath (the form shows the policy's, disabled).
pub async fn save_settings(form: PhoneSettings) -> Result<PhoneAccount, GlueError> {
    let before = users_settings().await?;
    let policy = super::policy::current().await;
    let kept = policy
        .keep_locked_phone(form, &before)
        .merged_with(&before)
        .map_err(|e| GlueError::new(e.code(), "the phone settings were refused"))?;
    store::store(SETTINGS, &kept).await?;
    settings_changed().await?;
    Ok(PhoneAccount {
        settings: settings().await?.view(),
    })
}

/// The settings changed (the user's or the policy's): the engine gets them.
pub async fn settings_changed() -> Result<(), GlueError> {
    let settings = settings().await?;
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
    watch().await
}

pub async fn settings_view() -> Result<PhoneAccount, GlueError> {
    Ok(PhoneAccount {
        settings: settings().await?.view(),
    })
}

/// A panel started: the engine runs (when an account is set), and the line as the panel
/// should show it.
pub async fn panel_started(mut state: PhoneState) -> Result<PhoneState, GlueError> {
    let configured = settings().await?.is_configured();
    if configured {
        ensure_document().await?;
        if state.line == LineState::Unconfigured {
            state.line = LineState::Connecting;
        }
    }
    Ok(state)
}

/// A user's command: to the engine, starting it first if needed.
pub async fn command(action: PhoneCommand) -> Result<Ack, Refusal> {
    let settings = settings().await?;
    if !settings.is_configured() {
        return Err(not_configured());
    }
    if ensure_document().await?
        || !forward(&ToPhone::Command {
            action: action.clone(),
        })
        .await
    {
        // The document is starting: it takes the command with its settings.
        store::session_store(PENDING, &Some(action)).await?;
    }
    Ok(Ack {})
}

pub fn not_configured() -> Refusal {
    Refusal::new(
        "PHONE_NOT_CONFIGURED",
        "no phone account: enter it on the options page",
    )
}

/// The engine started (or restarted): its settings, and a command that waited for it.
pub async fn ready() -> Result<PhoneSetup, GlueError> {
    let pending: Option<PhoneCommand> = store::session_load(PENDING).await?.flatten();
    store::session_store(PENDING, &None::<PhoneCommand>).await?;
    Ok(PhoneSetup {
        settings: settings().await?,
        pending,
    })
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

/// Entry point for `chrome.commands.onCommand`: `open-dialer` opens the dialer in its tab;
/// `answer-call` answers the call that rings; `hang-up` ends the call (declines one that
/// rings). Chromium fires these only for the user's own key press.
#[wasm_bindgen::prelude::wasm_bindgen]
pub async fn worker_handle_command(command: String, tab: JsValue) {
    let id = js_sys::Reflect::get(&tab, &"id".into())
        .ok()
        .and_then(|v| v.as_f64());
    let phase = runner::read(|d| d.phone.live_call().map(|c| c.phase))
        .await
        .ok()
        .flatten();
    let action = match (command.as_str(), phase) {
        ("open-dialer", _) => {
            if let Some(id) = id {
                tell_tab(id as i32, &ToTab::OpenDialer).await;
            }
            return;
        }
        ("answer-call", Some(CallPhase::Incoming)) => PhoneCommand::Answer,
        ("hang-up", Some(CallPhase::Incoming)) => PhoneCommand::Decline,
        ("hang-up", Some(_)) => PhoneCommand::Hangup,
        _ => return,
    };
    if let Err(refusal) = self::command(action).await {
        web_sys::console::warn_1(&format!("phone: {}", refusal.code).into());
    }
}

/// Tells the panels of one tab (its docked panel, or its framed one in degraded mode).
pub async fn tell_tab(tab: i32, message: &ToTab) {
    if let Ok(message) = to_js(message) {
        // A tab without the panel (not a Lightning page) refuses it; nothing to do then.
        let _ = call(chrome::tabs_send_message(tab, &message), "TAB_GONE").await;
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
