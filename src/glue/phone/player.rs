//! The recording player: `recording.html?call=<SIP Call-ID>`, a frame the panel shows under an
//! ended call that was recorded. It is an extension page (the page around it cannot read it),
//! but framed in a site its storage is not the extension's: it asks the phone engine for the
//! recording over a port, plays it, and says how far its transcript got.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlAudioElement};

use super::port::Port;
use crate::call::recording::{from_base64, Kept, TranscriptState};
use crate::glue::chrome;
use crate::glue::js::{from_js, to_js, JsResultExt};
use crate::glue::listener::sleep;
use crate::protocol::{RecordingAsk, RecordingIs, RECORDING_PORT};

/// How long the phone engine may take to answer.
const ANSWER_WAIT_MS: u32 = 10_000;

/// Asks the phone engine: what is kept of the call's recording (and its audio); `None` when
/// the engine does not answer (the phone is not running).
async fn ask(port: &Port, call_id: &str, audio: bool) -> Option<RecordingIs> {
    let ask = RecordingAsk {
        call_id: call_id.to_string(),
        audio,
    };
    if !port.post(&to_js(&ask).ok()?) {
        return None;
    }
    from_js(port.next(ANSWER_WAIT_MS).await?).ok()
}

/// How often, and how long, a pending transcript is looked at again.
const POLL_MS: u32 = 1500;
const POLL_FOR_MS: u32 = 600_000;
/// How long a just-ended call's recording may take to be written.
const ARRIVAL_WAIT_MS: u32 = 5000;

#[wasm_bindgen]
pub async fn recording_player_main() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let call_id = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .and_then(|search| web_sys::UrlSearchParams::new_with_str(&search).ok())
        .and_then(|params| params.get("call"))
        .unwrap_or_default();
    let Some(body) = document.body() else {
        return;
    };
    let status = element(&document, "p", "status");
    let transcript = element(&document, "p", "transcript");
    let info = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&info, &"name".into(), &RECORDING_PORT.into());
    let Ok(port) = chrome::runtime_connect(&info) else {
        return;
    };
    let port = Port::new(port, None);
    // The panel shows this frame as the call ends, while the phone may still be writing the
    // recording: it is looked for a little while before "none" is said.
    let mut entry = None;
    let mut waited = 0;
    while waited <= ARRIVAL_WAIT_MS {
        match ask(&port, &call_id, true).await {
            Some(RecordingIs {
                kept: Some(kept),
                audio: Some(audio),
            }) => {
                entry = Some((kept, audio));
                break;
            }
            Some(_) => {}
            None => {
                status.set_text_content(Some(&chrome::text("recordingUnavailable")));
                let _ = body.append_child(&status);
                return;
            }
        }
        sleep(250).await;
        waited += 250;
    }
    let Some((kept, audio)) = entry else {
        status.set_text_content(Some(&chrome::text("recordingNone")));
        let _ = body.append_child(&status);
        return;
    };
    let Some(audio) = audio_blob(&audio, &kept.mime) else {
        return;
    };
    let player: HtmlAudioElement = match document.create_element("audio") {
        Ok(e) => e.unchecked_into(),
        Err(_) => return,
    };
    player.set_controls(true);
    player.set_preload("metadata");
    player
        .set_attribute("aria-label", &chrome::text("recordingPlay"))
        .log_and_continue("recording");
    if let Ok(url) = web_sys::Url::create_object_url_with_blob(&audio) {
        player.set_src(&url);
    }
    let _ = body.append_child(&player);
    let _ = body.append_child(&status);
    let _ = body.append_child(&transcript);
    let mut kept = kept;
    let mut waited = 0;
    loop {
        show(&kept, &status, &transcript);
        if kept.transcript != TranscriptState::Pending || waited >= POLL_FOR_MS {
            break;
        }
        sleep(POLL_MS).await;
        waited += POLL_MS;
        match ask(&port, &call_id, false).await {
            Some(RecordingIs {
                kept: Some(newer), ..
            }) => kept = newer,
            _ => break,
        }
    }
}

fn audio_blob(base64: &str, mime: &str) -> Option<web_sys::Blob> {
    let bytes = from_base64(base64)?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes.as_slice()));
    let kind = web_sys::BlobPropertyBag::new();
    kind.set_type(mime);
    web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &kind).ok()
}

fn element(document: &Document, tag: &str, class: &str) -> Element {
    let element = document
        .create_element(tag)
        .unwrap_or_else(|_| document.create_element("div").expect("a div"));
    element.set_class_name(class);
    element
        .set_attribute("role", "status")
        .log_and_continue("recording");
    element
}

fn show(kept: &Kept, status: &Element, transcript: &Element) {
    let (state, text) = match &kept.transcript {
        TranscriptState::Off => ("OFF", String::new()),
        TranscriptState::Pending => ("PENDING", chrome::text("recordingTranscribing")),
        TranscriptState::Done { text, .. } if text.is_empty() => {
            ("EMPTY", chrome::text("recordingNothingSaid"))
        }
        TranscriptState::Done { logged: true, .. } => ("LOGGED", chrome::text("recordingLogged")),
        TranscriptState::Done { .. } => ("DONE", chrome::text("recordingNotLogged")),
        TranscriptState::Failed { code } => ("FAILED", chrome::explain(code)),
    };
    status
        .set_attribute("data-state", state)
        .log_and_continue("recording");
    status.set_text_content(Some(&text));
    let said = match &kept.transcript {
        TranscriptState::Done { text, .. } => text.as_str(),
        _ => "",
    };
    // The service's text is shown as text, never as markup.
    transcript.set_text_content(Some(said));
}
