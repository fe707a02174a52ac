//! The desk's desktop notifications (`crate::desk::notice`), carried out with
//! `chrome.notifications`; what the user does with one comes back as a desk input. Whether a
//! new one shows at all is decided here, when it is made: the user's setting, and (for "when
//! no Lightning tab is in front") which tab of which window has the focus, which only the
//! browser knows.

use serde_json::json;
use wasm_bindgen::prelude::*;

use super::{phone, runner, store};
use crate::call::settings::{NotifyWhen, ScreenPop};
use crate::desk::notice::{Notice, NoticeAction, NoticeCaller, NoticeKind};
use crate::desk::pop::PopMoment;
use crate::desk::Input;
use crate::glue::chrome;
use crate::glue::js::{call, to_js, GlueError};
use crate::salesforce::host::{classify, HostKind};

/// The title and the message of a notice, in the user's language.
fn words(notice: &Notice) -> (String, String) {
    let who = match &notice.caller {
        NoticeCaller::Found { name, .. } => name.as_str(),
        _ => notice.number.as_str(),
    };
    let title = match notice.kind {
        NoticeKind::Ringing => chrome::text_with("notifyRinging", &[who]),
        NoticeKind::Missed => chrome::text_with("notifyMissed", &[who]),
    };
    let mut lines = vec![notice.number.clone()];
    match &notice.caller {
        NoticeCaller::Found {
            detail, records, ..
        } => {
            lines.extend(detail.clone());
            if *records > 1 {
                let more = (records - 1).to_string();
                lines.push(chrome::text_with("notifyMoreRecords", &[&more]));
            }
        }
        NoticeCaller::Looking => lines.push(chrome::text("notifyLooking")),
        NoticeCaller::NotFound => lines.push(chrome::text("notifyNotFound")),
        NoticeCaller::Unknown => {}
    }
    (title, lines.join("\n"))
}

fn options(notice: &Notice) -> serde_json::Value {
    let (title, message) = words(notice);
    let mut options = json!({
        "type": "basic",
        "iconUrl": chrome::runtime_get_url("icons/icon128.png"),
        "title": title,
        "message": message,
        "priority": 2,
    });
    if notice.kind == NoticeKind::Ringing {
        // It stays until the call stops ringing (the desk clears it), and makes no sound of
        // its own: the phone rings.
        options["requireInteraction"] = json!(true);
        options["silent"] = json!(true);
        options["buttons"] = json!([
            { "title": chrome::text("notifyAnswer") },
            { "title": chrome::text("notifyDecline") },
        ]);
    }
    options
}

/// The focused window's active tab when it shows a Lightning page: its id and URL (ours to
/// read through the host permission; other tabs' URLs are not).
async fn lightning_tab_in_front() -> Option<(i32, String)> {
    let query = to_js(&json!({ "populate": true })).ok()?;
    let window = call(chrome::windows_get_last_focused(&query), "NO_WINDOW")
        .await
        .ok()?;
    let focused = js_sys::Reflect::get(&window, &"focused".into())
        .ok()
        .and_then(|f| f.as_bool())
        .unwrap_or(false);
    let tabs = js_sys::Reflect::get(&window, &"tabs".into()).unwrap_or_default();
    let active = js_sys::Array::from(&tabs).iter().find(|t| {
        js_sys::Reflect::get(t, &"active".into())
            .ok()
            .and_then(|a| a.as_bool())
            .unwrap_or(false)
    });
    let active = active?;
    let id = js_sys::Reflect::get(&active, &"id".into()).ok()?.as_f64()? as i32;
    let url = js_sys::Reflect::get(&active, &"url".into())
        .ok()?
        .as_string()?;
    (focused && is_lightning_url(&url)).then_some((id, url))
}

fn is_lightning_url(url: &str) -> bool {
    let host = url
        .strip_prefix("https://")
        .and_then(|rest| rest.split(['/', '?', '#']).next())
        .unwrap_or_default();
    classify(host) == Some(HostKind::Lightning)
}

/// Shows (a new one, if the user's setting wants it now) or updates a notice.
pub async fn show(notice: &Notice, fresh: bool) -> Result<(), GlueError> {
    let options = to_js(&options(notice))?;
    if !fresh {
        // `update` shows nothing when the notification is gone (not shown, or closed).
        let _ = call(chrome::notifications_update(&notice.id, &options), "NOTIFY").await;
        return Ok(());
    }
    let wanted = match phone::settings().await?.ringing.notify {
        NotifyWhen::Always => true,
        NotifyWhen::Never => false,
        NotifyWhen::Unfocused => lightning_tab_in_front().await.is_none(),
    };
    if wanted {
        call(chrome::notifications_create(&notice.id, &options), "NOTIFY").await?;
    }
    Ok(())
}

pub async fn clear(id: &str) {
    let _ = call(chrome::notifications_clear(id), "NOTIFY").await;
}

/// A worker that starts takes away notifications of ours the desk no longer shows (one
/// stopped between storing its snapshot and clearing a notification).
pub async fn reconcile(shown: &[String]) {
    let Ok(all) = call(chrome::notifications_get_all(), "NOTIFY").await else {
        return;
    };
    for id in js_sys::Object::keys(&all.into()).iter() {
        let Some(id) = id.as_string() else { continue };
        if Notice::parse_id(&id).is_some() && !shown.contains(&id) {
            clear(&id).await;
        }
    }
}

/// Brings the user to the phone: the panel's tab, active in a focused window; without one, a
/// new Lightning tab of the logging org (whose panel shows the call).
pub async fn show_panel(tab: Option<i32>, org_id: Option<&str>) -> Result<(), GlueError> {
    if let Some(tab) = tab {
        let properties = to_js(&json!({ "active": true }))?;
        if let Ok(shown) = call(chrome::tabs_update(tab, &properties), "TAB_GONE").await {
            let window = js_sys::Reflect::get(&shown, &"windowId".into())
                .ok()
                .and_then(|w| w.as_f64());
            if let Some(window) = window {
                let focus = to_js(&json!({ "focused": true }))?;
                let _ = call(chrome::windows_update(window as i32, &focus), "NO_WINDOW").await;
            }
            return Ok(());
        }
    }
    let org = match org_id {
        Some(org_id) => store::org(org_id).await?,
        None => None,
    };
    let Some(org) = org else {
        return Ok(());
    };
    let url = format!("https://{}/lightning/page/home", org.ui_host);
    let properties = to_js(&json!({ "url": url, "active": true }))?;
    call(chrome::tabs_create(&properties), "TAB_GONE").await?;
    Ok(())
}

/// Opens the caller's record if the user's setting pops at `moment`: in the Lightning tab in
/// front (the user's eyes are there), or else in the newest panel tab of the logging org,
/// without taking the focus. A tab that shows the record already is left alone.
pub async fn screen_pop(moment: PopMoment, url: &str, tab: Option<i32>) -> Result<(), GlueError> {
    let wanted = matches!(
        (phone::settings().await?.ringing.screen_pop, moment),
        (ScreenPop::Ring, PopMoment::Ring) | (ScreenPop::Answer, PopMoment::Answer)
    );
    // The card's URL is the logging org's Lightning record page; anything else is not opened.
    if !wanted || !is_lightning_url(url) {
        return Ok(());
    }
    let (target, shown) = match lightning_tab_in_front().await {
        Some((id, shown)) => (id, shown),
        None => match tab {
            Some(id) => (id, String::new()),
            None => return Ok(()),
        },
    };
    if shown.split(['?', '#']).next() == Some(url) {
        return Ok(());
    }
    let properties = to_js(&json!({ "url": url }))?;
    call(chrome::tabs_update(target, &properties), "TAB_GONE").await?;
    Ok(())
}

/// Entry point for the `chrome.notifications` listeners: `action` is `ANSWER`, `DECLINE`
/// (the ringing notice's buttons), `OPEN` (a click on it) or `CLOSED` (closed by the user).
#[wasm_bindgen]
pub async fn worker_notification(id: String, action: String) {
    let action = match action.as_str() {
        "ANSWER" => NoticeAction::Answer,
        "DECLINE" => NoticeAction::Decline,
        "OPEN" => NoticeAction::Open,
        "CLOSED" => NoticeAction::Closed,
        _ => return,
    };
    // Chromium names our own notifications only; still, an id we did not make is ignored.
    if Notice::parse_id(&id).is_none() || id.len() > 300 {
        return;
    }
    if let Err(e) = runner::submit(Input::NoticeAction { id, action }).await {
        web_sys::console::warn_1(&format!("notification: {}", e.code).into());
    }
}
