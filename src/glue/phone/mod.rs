//! The offscreen document: the phone engine, one per browser. The engine's decisions are the
//! sans-I/O core's (`crate::call::engine`); this file carries out its effects: a WebSocket
//! (subprotocol `sip`), one timer, each call's WebRTC media, and messages to the worker, and
//! feeds what they bring back in.
//!
//! It only has `chrome.runtime`: settings arrive by message, never from storage.

mod kept;
mod media;
mod player;
mod port;
mod recorder;
mod recordings;
mod tone;
mod transcribe;

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, RtcSdpType, WebSocket};

use self::media::CallMedia;
use self::recorder::Recorder;
use self::tone::TonePlayer;
use super::chrome;
use super::js::{ask_worker, from_js, string_prop, GlueError, JsResultExt};
use super::listener::{Listener, Timer};
use crate::call::engine::{Effect, Engine, Input, Tone};
use crate::call::recording::Recording;
use crate::call::settings::{IceServer, PhoneSettings};
use crate::protocol::{
    is_worker, PhoneReady, PhoneReport, PhoneReportAck, PhoneSetup, ToPhone, PHONE_TARGET,
};

struct Socket {
    ws: WebSocket,
    _listeners: Vec<Listener>,
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ws
            .close()
            .log_and_continue("closing the SIP WebSocket");
    }
}

struct Glue {
    engine: Engine,
    socket: Option<Socket>,
    /// Bumped for every socket, so events of a replaced one are ignored.
    generation: u32,
    timer: Option<Timer>,
    /// Each call's media, by the engine's call handle (two while one is held beside another).
    media: Vec<(u32, Rc<CallMedia>)>,
    /// Each recorded call's recorder, by the same handle.
    recorders: Vec<(u32, Recorder)>,
    settings: Option<PhoneSettings>,
    /// The ringtone or ring-back playing, if any.
    tone: Option<TonePlayer>,
    /// Inputs that arrived while effects were being carried out: fed in order after them.
    queue: VecDeque<Input>,
    feeding: bool,
}

thread_local! {
    static GLUE: RefCell<Option<Glue>> = const { RefCell::new(None) };
}

fn with<R>(f: impl FnOnce(&mut Glue) -> R) -> R {
    GLUE.with(|g| {
        let mut g = g.borrow_mut();
        let glue = g.get_or_insert_with(|| Glue {
            engine: Engine::with_key(key()),
            socket: None,
            generation: 0,
            timer: None,
            media: vec![],
            recorders: vec![],
            settings: None,
            tone: None,
            queue: VecDeque::new(),
            feeding: false,
        });
        f(glue)
    })
}

/// Milliseconds for the agent's clock (monotonic).
fn now() -> u64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0, |p| p.now() as u64)
}

/// Wall-clock milliseconds, for what the panel shows (the call timer).
fn wall_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// 32 bytes from `crypto.getRandomValues` (always there in an extension's document).
fn key() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .and_then(|c| c.get_random_values_with_u8_array(&mut bytes).ok())
        .is_some();
    assert!(
        filled,
        "crypto.getRandomValues is missing: no safe SIP tokens"
    );
    bytes
}

#[wasm_bindgen]
pub async fn phone_main() {
    let listener =
        Closure::<dyn Fn(JsValue, JsValue) -> bool>::new(|message: JsValue, sender: JsValue| {
            if string_prop(&message, "target").as_deref() != Some(PHONE_TARGET) {
                return false;
            }
            // The phone obeys the worker only: a content script (any Lightning page's, or a
            // compromised one) reaches this listener too, and must not answer calls or re-point
            // the engine. The worker has no tab; its URL is the manifest's service worker.
            let from_tab =
                js_sys::Reflect::get(&sender, &"tab".into()).is_ok_and(|t| !t.is_undefined());
            let url = string_prop(&sender, "url").unwrap_or_default();
            if from_tab || !is_worker(&url, &chrome::extension_origin()) {
                web_sys::console::warn_1(&"phone: a message not from the worker is ignored".into());
                return false;
            }
            match from_js::<ToPhone>(message) {
                Ok(ToPhone::Settings { settings }) => apply_settings(settings),
                Ok(ToPhone::Command { action }) => feed(Input::Command(action)),
                Err(e) => web_sys::console::warn_1(&format!("phone: {}", e.code).into()),
            }
            false
        });
    chrome::on_message_add_listener(listener.as_ref().unchecked_ref());
    // The document exists to run this listener: it lives as long as the document.
    listener.forget();
    recordings::serve_players();
    if let Ok(devices) = web_sys::window()
        .ok_or(JsValue::NULL)
        .and_then(|w| w.navigator().media_devices())
    {
        // A headset plugged in or out: the panel's note follows (lives with the document).
        std::mem::forget(Listener::new(&devices, "devicechange", |_| {
            report_devices()
        }));
    }
    match ask_worker(&PhoneReady {}).await {
        Ok(PhoneSetup { settings, pending }) => {
            apply_settings(settings);
            if let Some(action) = pending {
                feed(Input::Command(action));
            }
        }
        Err(e) => web_sys::console::warn_1(&format!("phone: {}", e.code).into()),
    }
}

fn apply_settings(settings: PhoneSettings) {
    media::set_devices(settings.devices.clone());
    // Recordings past their days (as set now) go with each new settings, the phone's start
    // among them, and after each new recording.
    wasm_bindgen_futures::spawn_local(expire_recordings());
    with(|g| g.settings = Some(settings.clone()));
    feed(Input::Settings(settings));
    report_devices();
}

/// Tells the engine which audio devices are connected (it tells the panel which chosen one
/// is missing): with new settings, before each call's media, and whenever one comes or goes.
fn report_devices() {
    wasm_bindgen_futures::spawn_local(async {
        if let Some((inputs, outputs)) = media::connected_ids().await {
            feed(Input::DevicesConnected { inputs, outputs });
        }
    });
}

/// One input into the engine, and its effects carried out in order. An input that arrives
/// meanwhile (a socket failing at once, say) waits its turn.
fn feed(input: Input) {
    let busy = with(|g| {
        g.queue.push_back(input);
        std::mem::replace(&mut g.feeding, true)
    });
    if busy {
        return;
    }
    while let Some(input) = with(|g| g.queue.pop_front()) {
        let effects = with(|g| g.engine.handle(input, now(), wall_ms()));
        for effect in effects {
            run(effect);
        }
    }
    with(|g| g.feeding = false);
}

fn run(effect: Effect) {
    match effect {
        Effect::Send(text) => with(|g| {
            if let Some(s) = &g.socket {
                s.ws.send_with_str(&text)
                    .log_and_continue("sending on the SIP WebSocket");
            }
        }),
        Effect::OpenTransport => open_socket(),
        Effect::CloseTransport => with(|g| {
            g.socket = None;
            g.generation += 1;
        }),
        Effect::WakeAt(at) => {
            let delay = at.saturating_sub(now());
            let timer = Timer::once(delay, || feed(Input::Tick));
            with(|g| g.timer = Some(timer));
        }
        Effect::PrepareMedia { call, offer } => {
            report_devices();
            let ice = ice_servers();
            wasm_bindgen_futures::spawn_local(async move {
                let prepared = async {
                    let media = CallMedia::new(&ice).await?;
                    let sdp = match &offer {
                        Some(offer) if !offer.is_empty() => media.answer(offer).await?,
                        _ => media.offer().await?,
                    };
                    Ok::<_, GlueError>((media, sdp))
                }
                .await;
                match prepared {
                    Ok((media, sdp)) => {
                        with(|g| {
                            g.media.retain(|(c, _)| *c != call);
                            g.media.push((call, Rc::new(media)));
                        });
                        feed(Input::MediaReady { call, sdp });
                    }
                    Err(error) => {
                        web_sys::console::warn_1(
                            &format!("phone media: {}: {}", error.code, error.detail).into(),
                        );
                        feed(Input::MediaFailed {
                            call,
                            microphone_denied: error.code == "MICROPHONE_DENIED",
                        });
                    }
                }
            });
        }
        Effect::RemoteAnswer { call, sdp } => with_media(call, move |media| async move {
            media.set_remote(RtcSdpType::Answer, &sdp).await
        }),
        Effect::AnswerReoffer { call, sdp } => with_media(call, move |media| async move {
            let answer = media.answer(&sdp).await?;
            feed(Input::ReofferAnswer { call, sdp: answer });
            Ok(())
        }),
        Effect::MakeHoldOffer { call, on } => with_media(call, move |media| async move {
            let sdp = media.hold_offer(on).await?;
            feed(Input::HoldOffer { call, sdp });
            Ok(())
        }),
        Effect::SetMuted { call, on } => with(|g| {
            if let Some(media) = media_of(g, call) {
                media.set_muted(on);
            }
        }),
        Effect::SendDtmf { call, digits } => {
            let sent = with(|g| media_of(g, call).is_some_and(|m| m.send_dtmf(&digits)));
            if !sent {
                feed(Input::DtmfNotInMedia { digits });
            }
        }
        Effect::DropMedia { call } => {
            let recorder = with(|g| {
                g.media.retain(|(c, _)| *c != call);
                let at = g.recorders.iter().position(|(c, _)| *c == call)?;
                Some(g.recorders.remove(at).1)
            });
            if let Some(recorder) = recorder {
                wasm_bindgen_futures::spawn_local(keep(recorder));
            }
        }
        Effect::RekeyMedia { from, to } => with(|g| {
            for (c, _) in g.media.iter_mut().filter(|(c, _)| *c == from) {
                *c = to;
            }
        }),
        Effect::Record { call, call_id } => {
            let Some(media) = with(|g| media_of(g, call)) else {
                return;
            };
            wasm_bindgen_futures::spawn_local(async move {
                match Recorder::start(&media, call_id).await {
                    // The call may have ended while the recorder started: kept at once then.
                    Ok(recorder) => {
                        let live =
                            with(|g| media_of(g, call).is_some_and(|m| Rc::ptr_eq(&m, &media)));
                        if live {
                            with(|g| g.recorders.push((call, recorder)));
                        } else {
                            keep(recorder).await;
                        }
                    }
                    Err(e) => {
                        web_sys::console::warn_1(
                            &format!("phone: the call is not recorded: {}", e.detail).into(),
                        );
                        feed(Input::RecordingFailed { call });
                    }
                }
            });
        }
        Effect::Tone(tone) => with(|g| {
            if g.tone.is_none() && tone != Tone::Silent {
                g.tone = TonePlayer::new();
            }
            if let Some(player) = g.tone.as_mut() {
                player.play(tone);
            }
        }),
        Effect::Report { state, seq, ended } => {
            wasm_bindgen_futures::spawn_local(async move {
                match ask_worker(&PhoneReport { state, seq, ended }).await {
                    Ok(PhoneReportAck { stored }) => feed(Input::Acknowledged { stored }),
                    Err(e) => web_sys::console::warn_1(&format!("phone: {}", e.code).into()),
                }
            });
        }
    }
}

/// The recording settings now (recording off until settings arrive).
fn recording_settings() -> Recording {
    with(|g| g.settings.as_ref().map(|s| (*s.recording).clone())).unwrap_or_default()
}

async fn keep(recorder: Recorder) {
    kept::keep(recorder, recording_settings(), wall_ms()).await;
}

async fn expire_recordings() {
    kept::tidy(recording_settings(), wall_ms()).await;
}

fn open_socket() {
    let Some(url) = with(|g| g.settings.as_ref().map(|s| s.websocket_url.clone())) else {
        return;
    };
    let generation = with(|g| {
        g.generation += 1;
        g.socket = None;
        g.generation
    });
    let ws = match WebSocket::new_with_str(&url, "sip") {
        Ok(ws) => ws,
        Err(_) => {
            feed(Input::TransportClosed);
            return;
        }
    };
    let current = move || with(|g| g.generation) == generation;
    let on_open = Listener::new(&ws, "open", move |_| {
        if current() {
            feed(Input::TransportOpened);
        }
    });
    // Binary frames arrive as ArrayBuffers (not Blobs, which would need an async read that
    // could reorder them behind the next text frame).
    ws.set_binary_type(web_sys::BinaryType::Arraybuffer);
    let on_message = Listener::new(&ws, "message", move |event| {
        let Some(data) = event.dyn_ref::<MessageEvent>().map(MessageEvent::data) else {
            return;
        };
        let bytes = match data.as_string() {
            Some(text) => text.into_bytes(),
            None => match data.dyn_into::<js_sys::ArrayBuffer>() {
                Ok(buffer) => js_sys::Uint8Array::new(&buffer).to_vec(),
                Err(_) => return,
            },
        };
        if current() {
            feed(Input::Received(bytes));
        }
    });
    let on_close = Listener::new(&ws, "close", move |_| {
        if current() {
            with(|g| g.socket = None);
            feed(Input::TransportClosed);
        }
    });
    let listeners = [on_open, on_message, on_close]
        .into_iter()
        .flatten()
        .collect();
    with(|g| {
        g.socket = Some(Socket {
            ws,
            _listeners: listeners,
        })
    });
}

fn media_of(g: &Glue, call: u32) -> Option<Rc<CallMedia>> {
    g.media
        .iter()
        .find(|(c, _)| *c == call)
        .map(|(_, m)| m.clone())
}

/// Runs async media work for `call`'s media, logging a failure.
fn with_media<F, Fut>(call: u32, f: F)
where
    F: FnOnce(Rc<CallMedia>) -> Fut + 'static,
    Fut: std::future::Future<Output = Result<(), GlueError>> + 'static,
{
    let Some(media) = with(|g| media_of(g, call)) else {
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(e) = f(media).await {
            web_sys::console::warn_1(&format!("phone media: {}: {}", e.code, e.detail).into());
        }
    });
}

fn ice_servers() -> Vec<IceServer> {
    with(|g| {
        g.settings
            .as_ref()
            .map(|s| s.ice_servers.clone())
            .unwrap_or_default()
    })
}

/// What the phone plays by itself now, for diagnostics (and the e2e test, which reads it in
/// the offscreen document): `{ tone, audio, level }`, `tone` one of `SILENT`, `RING`,
/// `RINGBACK`; `audio` the AudioContext's state; `level` the output's RMS level.
#[wasm_bindgen]
pub fn phone_tone() -> JsValue {
    let (tone, audio, level) =
        with(
            |g| match g.tone.as_ref().filter(|p| p.tone() != Tone::Silent) {
                None => ("SILENT", "none", 0.0),
                Some(player) => (
                    match player.tone() {
                        Tone::Silent => "SILENT",
                        Tone::Ring { .. } => "RING",
                        Tone::Ringback => "RINGBACK",
                        Tone::Waiting => "WAITING",
                    },
                    player.audio_state(),
                    player.level(),
                ),
            },
        );
    let report = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&report, &"tone".into(), &tone.into());
    let _ = js_sys::Reflect::set(&report, &"audio".into(), &audio.into());
    let _ = js_sys::Reflect::set(&report, &"level".into(), &f64::from(level).into());
    report.into()
}
