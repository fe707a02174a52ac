//! The offscreen document: the phone engine, one per browser. It drives the sans-I/O SIP agent
//! with a WebSocket (subprotocol `sip`) and one timer, runs each call's WebRTC media, carries out
//! the commands the worker forwards, and reports every change of `PhoneState` to the worker.
//!
//! It only has `chrome.runtime`: settings arrive by message, never from storage.

mod media;

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, RtcSdpType, WebSocket};

use self::media::CallMedia;
use super::chrome;
use super::js::{call, from_js, string_prop, to_js, GlueError, JsResultExt};
use super::listener::{sleep, Listener, Timer};
use crate::call::settings::{DtmfMode, IceServer, PhoneSettings};
use crate::call::{CallEnd, CallPhase, CallView, LineState, PhoneCommand, PhoneState};
use crate::protocol::{
    is_worker, FromPhone, ToPhone, ToPhoneReply, PHONE_TARGET, PROTOCOL_VERSION,
};
use crate::sip::{Action, CallHandle, UaEvent, UserAgent};

/// The handle of an outgoing call whose media is still being prepared (before the INVITE).
const DIALLING: u32 = 0;
const DTMF_MS: u32 = 100;
/// How long (× 50 ms) a dial waits for a registration in progress.
const REGISTER_WAIT_STEPS: u32 = 100;

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

#[derive(Default)]
struct Engine {
    settings: Option<PhoneSettings>,
    ua: Option<UserAgent>,
    socket: Option<Socket>,
    /// Bumped for every socket and agent, so events of a replaced one are ignored.
    generation: u32,
    timer: Option<Timer>,
    state: PhoneState,
    media: Option<(u32, Rc<CallMedia>)>,
    /// An incoming call's offer, until the user answers.
    offer: Option<(CallHandle, String)>,
    /// The hold state our pending re-INVITE asks for.
    hold_requested: Option<bool>,
    reported: Option<PhoneState>,
    /// Numbers the reports, so the worker tells a late or repeated one from news.
    seq: u64,
    /// Calls that ended and that the worker has not said it stored: sent with every report,
    /// and again every few seconds, until it has (a worker stopped mid-message loses none).
    unacked: Vec<CallView>,
    resend: Option<Timer>,
}

/// How often ended calls the worker has not acknowledged are sent again.
const RESEND_MS: u32 = 3_000;
/// Ended calls kept for the worker at most (it acknowledges them at once when it runs).
const UNACKED_KEPT: usize = 10;

thread_local! {
    static ENGINE: RefCell<Engine> = RefCell::new(Engine::default());
}

fn with<R>(f: impl FnOnce(&mut Engine) -> R) -> R {
    ENGINE.with(|e| f(&mut e.borrow_mut()))
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

fn seed() -> u64 {
    let mut bytes = [0u8; 8];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .and_then(|c| c.get_random_values_with_u8_array(&mut bytes).ok())
        .is_some();
    if filled {
        u64::from_le_bytes(bytes)
    } else {
        (js_sys::Math::random() * u64::MAX as f64) as u64 ^ wall_ms()
    }
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
                Ok(ToPhone::Command { action }) => command(action),
                Err(e) => web_sys::console::warn_1(&format!("phone: {}", e.code).into()),
            }
            false
        });
    chrome::on_message_add_listener(listener.as_ref().unchecked_ref());
    // The document exists to run this listener: it lives as long as the document.
    listener.forget();
    match send(&FromPhone::PhoneReady).await {
        Ok(ToPhoneReply::PhoneSetup { settings, pending }) => {
            apply_settings(settings);
            if let Some(action) = pending {
                command(action);
            }
        }
        Ok(_) => {}
        Err(e) => web_sys::console::warn_1(&format!("phone: {}", e.code).into()),
    }
    report();
}

async fn send(message: &FromPhone) -> Result<ToPhoneReply, GlueError> {
    let value = to_js(message)?;
    js_sys::Reflect::set(&value, &"v".into(), &JsValue::from(PROTOCOL_VERSION))
        .or_glue("SERIALISE")?;
    from_js(call(chrome::runtime_send_message(&value), "WORKER_UNAVAILABLE").await?)
}

/// Tells the worker the state, when what it shows changed since the last report. The call's
/// identity alone (the INVITE just went out) is not news: it rides along with the next change,
/// instead of a round through the worker and every tab while the far end prepares its answer.
fn report() {
    let message = with(|e| {
        if let Some(call) = e
            .state
            .call
            .as_ref()
            .filter(|c| c.phase == CallPhase::Ended && !c.call_id.is_empty())
        {
            if !e.unacked.iter().any(|u| u.call_id == call.call_id) {
                e.unacked.push(call.clone());
                let excess = e.unacked.len().saturating_sub(UNACKED_KEPT);
                e.unacked.drain(..excess);
            }
        }
        let news = e
            .reported
            .as_ref()
            .is_none_or(|r| !r.shows_the_same(&e.state));
        news.then(|| {
            e.reported = Some(e.state.clone());
            e.seq += 1;
            FromPhone::PhoneReport {
                state: e.state.clone(),
                seq: e.seq,
                ended: e.unacked.clone(),
            }
        })
    });
    if let Some(message) = message {
        deliver(message);
    }
    keep_resending();
}

/// Sends a report; the worker's answer names the ended calls it stored.
fn deliver(message: FromPhone) {
    wasm_bindgen_futures::spawn_local(async move {
        match send(&message).await {
            Ok(ToPhoneReply::PhoneReportAck { stored }) => {
                with(|e| e.unacked.retain(|c| !stored.contains(&c.call_id)));
                keep_resending();
            }
            Ok(_) => {}
            Err(e) => web_sys::console::warn_1(&format!("phone: {}", e.code).into()),
        }
    });
}

/// While the worker has not acknowledged an ended call, the last state goes again every few
/// seconds with it (the same `seq`: it is not news for the panels).
fn keep_resending() {
    let waiting = with(|e| !e.unacked.is_empty());
    if !waiting {
        with(|e| e.resend = None);
        return;
    }
    if with(|e| e.resend.is_some()) {
        return;
    }
    let timer = Timer::every(RESEND_MS, || {
        let message = with(|e| {
            (!e.unacked.is_empty()).then(|| FromPhone::PhoneReport {
                state: e.reported.clone().unwrap_or_else(|| e.state.clone()),
                seq: e.seq,
                ended: e.unacked.clone(),
            })
        });
        // (Not dropped from inside its own callback: the next acknowledgement stops it.)
        if let Some(message) = message {
            deliver(message);
        }
    });
    with(|e| e.resend = Some(timer));
}

fn apply_settings(settings: PhoneSettings) {
    let changed = with(|e| e.settings.as_ref() != Some(&settings));
    if !changed {
        return;
    }
    with(|e| {
        // A new account: the old agent and socket go, with any call on them.
        e.socket = None;
        e.timer = None;
        e.media = None;
        e.offer = None;
        e.generation += 1;
        if let Some(c) = e.state.live_call().map(|c| c.id) {
            e.state.end_call(c, CallEnd::ConnectionLost, wall_ms());
        }
        e.ua = settings
            .ua_config()
            .map(|config| UserAgent::new(config, seed()));
        e.state.line = if e.ua.is_some() {
            LineState::Connecting
        } else {
            LineState::Unconfigured
        };
        if let Some(ua) = e.ua.as_mut() {
            ua.register(now());
        }
        e.settings = Some(settings);
    });
    pump();
    report();
}

/// Carries out what the agent asked for since the last call.
fn pump() {
    let (actions, generation) = with(|e| {
        (
            e.ua.as_mut()
                .map(UserAgent::take_actions)
                .unwrap_or_default(),
            e.generation,
        )
    });
    for action in actions {
        match action {
            Action::Send(text) => with(|e| {
                if let Some(s) = &e.socket {
                    s.ws.send_with_str(&text)
                        .log_and_continue("sending on the SIP WebSocket");
                }
            }),
            Action::WakeAt(at) => {
                let delay = at.saturating_sub(now());
                let timer = Timer::once(delay, move || {
                    if with(|e| e.generation) != generation {
                        return;
                    }
                    with(|e| e.ua.as_mut().map(|ua| ua.tick(now())));
                    pump();
                });
                with(|e| e.timer = Some(timer));
            }
            Action::OpenTransport => open_socket(generation),
            Action::Event(event) => on_event(event),
        }
    }
    report();
}

fn open_socket(generation: u32) {
    let Some(url) = with(|e| e.settings.as_ref().map(|s| s.websocket_url.clone())) else {
        return;
    };
    let ws = match WebSocket::new_with_str(&url, "sip") {
        Ok(ws) => ws,
        Err(_) => {
            with(|e| e.ua.as_mut().map(|ua| ua.transport_closed(now())));
            pump();
            return;
        }
    };
    let current = move || with(|e| e.generation) == generation;
    let on_open = Listener::new(&ws, "open", move |_| {
        if current() {
            with(|e| e.ua.as_mut().map(|ua| ua.transport_opened(now())));
            pump();
        }
    });
    let on_message = Listener::new(&ws, "message", move |event| {
        let Some(text) = event
            .dyn_ref::<MessageEvent>()
            .and_then(|m| m.data().as_string())
        else {
            return;
        };
        if current() {
            with(|e| e.ua.as_mut().map(|ua| ua.receive(text.as_bytes(), now())));
            pump();
        }
    });
    let on_close = Listener::new(&ws, "close", move |_| {
        if current() {
            with(|e| {
                e.socket = None;
                e.ua.as_mut().map(|ua| ua.transport_closed(now()))
            });
            pump();
        }
    });
    let listeners = [on_open, on_message, on_close]
        .into_iter()
        .flatten()
        .collect();
    with(|e| {
        e.socket = Some(Socket {
            ws,
            _listeners: listeners,
        })
    });
}

fn on_event(event: UaEvent) {
    // A second caller while a call is live is told we are busy.
    if let UaEvent::IncomingCall { call, .. } = &event {
        let busy = with(|e| e.state.live_call().is_some());
        if busy {
            with(|e| e.ua.as_mut().map(|ua| ua.reject(*call, 486, now())));
            pump();
            return;
        }
    }
    with(|e| e.state.apply(&event, wall_ms()));
    match event {
        UaEvent::IncomingCall {
            call, sdp_offer, ..
        } => with(|e| {
            let sip_call_id = sip_call_id(e, call);
            e.state.identify(call.0, call.0, &sip_call_id);
            e.offer = Some((call, sdp_offer));
        }),
        UaEvent::Connected {
            call,
            sdp: Some(sdp),
        } => with_media(call, move |media| async move {
            media.set_remote(RtcSdpType::Answer, &sdp).await
        }),
        UaEvent::RemoteReoffer { call, sdp } => with_media(call, move |media| async move {
            let answer = media.answer(&sdp).await?;
            with(|e| {
                e.ua.as_mut()
                    .map(|ua| ua.answer_reoffer(call, &answer, now()))
            });
            pump();
            Ok(())
        }),
        UaEvent::ReofferAnswered { call, sdp } => {
            let held = with(|e| e.hold_requested.take());
            if let Some(on) = held {
                with(|e| e.state.set_held(call.0, on));
            }
            with_media(call, move |media| async move {
                media.set_remote(RtcSdpType::Answer, &sdp).await
            });
        }
        UaEvent::ReofferFailed { .. } => with(|e| e.hold_requested = None),
        UaEvent::Ended { call, .. } => with(|e| {
            if e.media.as_ref().is_some_and(|(id, _)| *id == call.0) {
                e.media = None;
            }
            if e.offer.as_ref().is_some_and(|(h, _)| *h == call) {
                e.offer = None;
            }
        }),
        _ => {}
    }
}

fn sip_call_id(e: &Engine, call: CallHandle) -> String {
    e.ua.as_ref()
        .and_then(|ua| ua.call_info(call))
        .map(|info| info.sip_call_id)
        .unwrap_or_default()
}

/// Runs async media work for a call, logging a failure.
fn with_media<F, Fut>(call: CallHandle, f: F)
where
    F: FnOnce(Rc<CallMedia>) -> Fut + 'static,
    Fut: std::future::Future<Output = Result<(), GlueError>> + 'static,
{
    let Some(media) = with(|e| {
        e.media
            .as_ref()
            .filter(|(id, _)| *id == call.0)
            .map(|(_, m)| m.clone())
    }) else {
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(e) = f(media).await {
            web_sys::console::warn_1(&format!("phone media: {}: {}", e.code, e.detail).into());
        }
    });
}

fn live_call() -> Option<(u32, CallPhase)> {
    with(|e| e.state.live_call().map(|c| (c.id, c.phase)))
}

/// `03-1234-5678` → `0312345678`; SIP addresses pass as they are.
fn dial_target(number: &str) -> String {
    let n = number.trim();
    if n.contains('@') || n.to_ascii_lowercase().starts_with("sip") {
        return n.to_string();
    }
    // Visual separators as people write numbers (03-1234-5678, (03) 1234 5678, 03/1234/5678).
    n.chars().filter(|c| !" -()./".contains(*c)).collect()
}

fn ice_servers() -> Vec<IceServer> {
    with(|e| {
        e.settings
            .as_ref()
            .map(|s| s.ice_servers.clone())
            .unwrap_or_default()
    })
}

fn media_failed(id: u32, error: &GlueError) {
    web_sys::console::warn_1(&format!("phone media: {}: {}", error.code, error.detail).into());
    with(|e| {
        if error.code == "MICROPHONE_DENIED" {
            e.state.microphone_denied = true;
            e.state.end_call(id, CallEnd::NoMicrophone, wall_ms());
        } else {
            e.state.end_call(id, CallEnd::Failed, wall_ms());
        }
    });
}

fn command(action: PhoneCommand) {
    let live = live_call();
    match action {
        PhoneCommand::Dial { number, dial_id } => {
            let ready = with(|e| e.ua.is_some());
            if live.is_some() || !ready {
                return;
            }
            let target = dial_target(&number);
            with(|e| {
                e.state
                    .start_outgoing(DIALLING, &target, dial_id, wall_ms())
            });
            report();
            wasm_bindgen_futures::spawn_local(async move {
                let prepared = async {
                    let media = CallMedia::new(&ice_servers()).await?;
                    let offer = media.offer().await?;
                    Ok::<_, GlueError>((media, offer))
                }
                .await;
                let (media, offer) = match prepared {
                    Ok(p) => p,
                    Err(error) => {
                        media_failed(DIALLING, &error);
                        report();
                        return;
                    }
                };
                // A document just (re)created is still registering: the INVITE waits for it.
                for _ in 0..REGISTER_WAIT_STEPS {
                    if with(|e| e.state.line) != LineState::Connecting {
                        break;
                    }
                    sleep(50).await;
                }
                // Hung up while the media was being prepared: nothing is sent.
                if live_call() != Some((DIALLING, CallPhase::Dialling)) {
                    return;
                }
                with(|e| {
                    e.state.microphone_denied = false;
                    let placed = e.ua.as_mut().map(|ua| ua.call(&target, &offer, now()));
                    match placed {
                        Some(Ok(handle)) => {
                            let sip_call_id = sip_call_id(e, handle);
                            e.state.identify(DIALLING, handle.0, &sip_call_id);
                            e.media = Some((handle.0, Rc::new(media)));
                        }
                        _ => e.state.end_call(DIALLING, CallEnd::NotFound, wall_ms()),
                    }
                });
                pump();
            });
        }
        PhoneCommand::Answer => {
            let Some((handle, offer)) = with(|e| e.offer.take()) else {
                return;
            };
            with(|e| e.state.answering(handle.0));
            report();
            wasm_bindgen_futures::spawn_local(async move {
                let prepared = async {
                    let media = CallMedia::new(&ice_servers()).await?;
                    let sdp = if offer.is_empty() {
                        media.offer().await?
                    } else {
                        media.answer(&offer).await?
                    };
                    Ok::<_, GlueError>((media, sdp))
                }
                .await;
                match prepared {
                    Ok((media, sdp)) => with(|e| {
                        e.state.microphone_denied = false;
                        e.media = Some((handle.0, Rc::new(media)));
                        if let Some(Err(err)) =
                            e.ua.as_mut().map(|ua| ua.answer(handle, &sdp, now()))
                        {
                            // The caller gave up while we prepared the media.
                            web_sys::console::warn_1(&format!("answer: {err:?}").into());
                        }
                    }),
                    Err(error) => {
                        media_failed(handle.0, &error);
                        with(|e| e.ua.as_mut().map(|ua| ua.reject(handle, 480, now())));
                    }
                }
                pump();
            });
        }
        PhoneCommand::Decline => {
            if let Some((handle, _)) = with(|e| e.offer.take()) {
                with(|e| e.ua.as_mut().map(|ua| ua.reject(handle, 603, now())));
                pump();
            }
        }
        PhoneCommand::Hangup => match live {
            Some((DIALLING, _)) => {
                with(|e| e.state.end_call(DIALLING, CallEnd::Cancelled, wall_ms()));
                report();
            }
            Some((id, _)) => {
                with(|e| e.ua.as_mut().map(|ua| ua.hangup(CallHandle(id), now())));
                pump();
            }
            None => {}
        },
        PhoneCommand::Mute { on } => {
            with(|e| {
                if let Some((id, media)) = &e.media {
                    media.set_muted(on);
                    e.state.set_muted(*id, on);
                }
            });
            report();
        }
        PhoneCommand::Hold { on } => {
            let Some((id, CallPhase::Connected)) = live else {
                return;
            };
            with(|e| e.hold_requested = Some(on));
            with_media(CallHandle(id), move |media| async move {
                let sdp = media.hold_offer(on).await?;
                with(|e| {
                    e.ua.as_mut()
                        .map(|ua| ua.reoffer(CallHandle(id), &sdp, now()))
                });
                pump();
                Ok(())
            });
        }
        PhoneCommand::Dtmf { digits } => {
            let Some((id, CallPhase::Connected)) = live else {
                return;
            };
            let info = with(|e| {
                let mode = e.settings.as_ref().map(|s| s.dtmf).unwrap_or_default();
                let in_media = mode == DtmfMode::Rfc4733
                    && e.media.as_ref().is_some_and(|(_, m)| m.send_dtmf(&digits));
                !in_media
            });
            if info {
                with(|e| {
                    if let Some(ua) = e.ua.as_mut() {
                        for digit in digits.chars() {
                            ua.send_dtmf(CallHandle(id), digit, DTMF_MS, now())
                                .map_err(|err| {
                                    web_sys::console::warn_1(&format!("dtmf: {err:?}").into())
                                })
                                .ok();
                        }
                    }
                });
                pump();
            }
        }
    }
}
