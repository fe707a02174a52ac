//! The panel's part of call recording: a red mark while the call is recorded (the user, and
//! whoever looks at the screen, can see it), and under the ended call its player, a frame of
//! the extension's `recording.html` (the recording stays in the extension's storage: the page
//! around the panel cannot read the frame).

use wasm_bindgen::JsCast;
use web_sys::{HtmlIFrameElement, MessageEvent, ShadowRoot};

use super::{chrome, find, set_hidden, set_text, Panel, PANEL};
use crate::call::CallPhase;
use crate::glue::js::JsResultExt;
use crate::glue::listener::Listener;

pub(super) const MARKUP: &str = r#"
<p class="recording" role="status" hidden><span class="recording-dot" aria-hidden="true"></span><span class="recording-text"></span></p>
<div class="recording-player" hidden></div>
"#;

/// The frame's height is what it reports, within these bounds.
const MIN_HEIGHT: f64 = 36.0;
const MAX_HEIGHT: f64 = 240.0;

pub(super) fn label(root: &ShadowRoot) {
    set_text(root, ".recording-text", &chrome::text("panelRecording"));
}

pub(super) fn render(panel: &Panel) {
    let root = &panel.root;
    let call = panel.state.call.as_ref().filter(|c| c.recording);
    let live = call.is_some_and(|c| c.phase == CallPhase::Connected);
    set_hidden(root, ".recording", !live);
    let ended = call.filter(|c| c.phase == CallPhase::Ended && !c.call_id.is_empty());
    let Some(holder) = find(root, ".recording-player") else {
        return;
    };
    let want = ended.map(|c| c.call_id.clone()).unwrap_or_default();
    if holder.get_attribute("data-call").unwrap_or_default() == want {
        return;
    }
    holder.set_text_content(None);
    holder
        .set_attribute("data-call", &want)
        .log_and_continue("panel");
    set_hidden(root, ".recording-player", want.is_empty());
    if want.is_empty() {
        return;
    }
    let Some(frame) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("iframe").ok())
        .and_then(|e| e.dyn_into::<HtmlIFrameElement>().ok())
    else {
        return;
    };
    let query = js_sys::encode_uri_component(&want);
    frame.set_src(&format!(
        "{}?call={}",
        chrome::runtime_get_url("recording.html"),
        String::from(query)
    ));
    frame.set_title(&chrome::text("recordingPlay"));
    frame
        .set_attribute("style", &format!("height: {MIN_HEIGHT}px"))
        .log_and_continue("panel");
    holder.append_child(&frame).log_and_continue("panel");
}

/// The player frame reports its height; only our frame's own reports count (a page's message
/// has another source).
pub(super) fn listen() -> Option<Listener> {
    let window = web_sys::window()?;
    let origin = chrome::extension_origin().trim_end_matches('/').to_string();
    Listener::new(&window, "message", move |event| {
        let Some(event) = event.dyn_ref::<MessageEvent>() else {
            return;
        };
        if event.origin() != origin {
            return;
        }
        let reported = js_sys::Reflect::get(&event.data(), &"sfphoneRecordingHeight".into())
            .ok()
            .and_then(|h| h.as_f64());
        let Some(reported) = reported.filter(|h| h.is_finite()) else {
            return;
        };
        PANEL.with(|p| {
            let panel = p.borrow();
            let Some(panel) = panel.as_ref() else {
                return;
            };
            let Some(frame) = find(&panel.root, ".recording-player iframe")
                .and_then(|f| f.dyn_into::<HtmlIFrameElement>().ok())
            else {
                return;
            };
            let ours = match (frame.content_window(), event.source()) {
                (Some(mine), Some(source)) => {
                    let source: &wasm_bindgen::JsValue = source.as_ref();
                    let mine: &wasm_bindgen::JsValue = mine.as_ref();
                    source == mine
                }
                _ => false,
            };
            if ours {
                let height = reported.clamp(MIN_HEIGHT, MAX_HEIGHT).ceil();
                frame
                    .set_attribute("style", &format!("height: {height}px"))
                    .log_and_continue("panel");
            }
        });
    })
}
