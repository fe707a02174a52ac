//! One call's media: the microphone, an RTCPeerConnection whose SDP goes through the SIP agent
//! (complete offers and answers: SIP carries no trickled candidates), and the far end's audio.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AudioContext, AudioNode, GainNode, HtmlAudioElement, MediaStream, MediaStreamConstraints,
    MediaStreamTrack, RtcConfiguration, RtcIceGatheringState, RtcPeerConnection, RtcRtpSender,
    RtcRtpTransceiver, RtcRtpTransceiverDirection, RtcSdpType, RtcSessionDescriptionInit,
    RtcTrackEvent,
};

use crate::call::settings::{Device, Devices, IceServer};
use crate::glue::js::{GlueError, JsResultExt};
use crate::glue::listener::{sleep, Listener};

/// How long to wait for ICE gathering before sending what we have.
const GATHERING_LIMIT_MS: u32 = 3000;

pub struct CallMedia {
    pc: RtcPeerConnection,
    /// Replaced when the chosen microphone comes or goes during the call.
    microphone: Rc<RefCell<Microphone>>,
    audio: HtmlAudioElement,
    /// Set when the call's media is gone: a device switch still under way then lets go.
    closed: Rc<Cell<bool>>,
    /// The user muted the call; it is held (the held party must not hear us talk to the
    /// other call). Either keeps the microphone's track silent.
    muted: Cell<bool>,
    held: Cell<bool>,
    /// Our side's way into the call's recording. Chromium's WebAudio still hears a disabled
    /// track, so muting and holding silence the recording here too (the far end must not be
    /// the only one who cannot hear what the user said while muted).
    recording_gain: RecordingGain,
    _listeners: Vec<Listener>,
}

/// Where our microphone enters the call's recording, if it is recorded: a new microphone
/// (a headset plugged in mid-call) is connected there too.
type RecordingGain = Rc<RefCell<Option<GainNode>>>;

/// A microphone stream and the device it was asked for (`""`: the system default).
struct Microphone {
    stream: MediaStream,
    device: String,
}

/// The live call's microphone and audio element, for `phone_devices` and `set_devices`.
struct Live {
    microphone: Rc<RefCell<Microphone>>,
    audio: HtmlAudioElement,
    pc: RtcPeerConnection,
    closed: Rc<Cell<bool>>,
    recording_gain: RecordingGain,
}

thread_local! {
    /// The devices chosen on the options page (the system defaults until settings arrive).
    static DEVICES: RefCell<Devices> = RefCell::new(Devices::default());
    static LIVE: RefCell<Option<Live>> = const { RefCell::new(None) };
}

/// The devices chosen on the options page; a call up now follows them at once.
pub fn set_devices(devices: impl std::borrow::Borrow<Devices>) {
    let devices = devices.borrow().clone();
    let changed = DEVICES.with(|d| d.replace(devices.clone())) != devices;
    if !changed {
        return;
    }
    let live = LIVE.with(|l| {
        l.borrow().as_ref().map(|l| {
            (
                l.pc.clone(),
                l.microphone.clone(),
                l.audio.clone(),
                l.closed.clone(),
                l.recording_gain.clone(),
            )
        })
    });
    if let Some((pc, microphone, audio, closed, gain)) = live {
        wasm_bindgen_futures::spawn_local(follow_devices(pc, microphone, audio, closed, gain));
    }
}

pub fn devices() -> Devices {
    DEVICES.with(|d| d.borrow().clone())
}

/// Asks for the microphone: the chosen one, or the system default when none is chosen or the
/// chosen one is not connected. `MICROPHONE_DENIED` when the user never allowed it for the
/// extension (the offscreen document cannot ask).
async fn microphone() -> Result<Microphone, GlueError> {
    microphone_for(devices().microphone).await
}

async fn microphone_for(chosen: Device) -> Result<Microphone, GlueError> {
    if !chosen.id.is_empty() {
        match user_media(Some(&chosen.id)).await {
            Ok(stream) => {
                return Ok(Microphone {
                    stream,
                    device: chosen.id,
                })
            }
            // Unplugged (or another browser profile's id): the default microphone then.
            Err(e) if is_missing_device(&e) => web_sys::console::warn_1(
                &format!(
                    "phone: the microphone \"{}\" is not connected: the default one is used",
                    chosen.label
                )
                .into(),
            ),
            Err(e) => return Err(denied(&e)),
        }
    }
    let stream = user_media(None).await.map_err(|e| denied(&e))?;
    Ok(Microphone {
        stream,
        device: String::new(),
    })
}

fn denied(error: &JsValue) -> GlueError {
    GlueError::new("MICROPHONE_DENIED", describe_error(error))
}

/// getUserMedia for audio: `{ audio: { deviceId: { exact: id } } }`, or `{ audio: true }`.
async fn user_media(device: Option<&str>) -> Result<MediaStream, JsValue> {
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    let devices = window.navigator().media_devices()?;
    let constraints = MediaStreamConstraints::new();
    match device {
        Some(id) => {
            let exact = Object::new();
            let _ = Reflect::set(&exact, &"exact".into(), &id.into());
            let audio = Object::new();
            let _ = Reflect::set(&audio, &"deviceId".into(), &exact);
            constraints.set_audio(&audio);
        }
        None => constraints.set_audio(&JsValue::TRUE),
    }
    let promise = devices.get_user_media_with_constraints(&constraints)?;
    JsFuture::from(promise).await?.dyn_into::<MediaStream>()
}

/// Whether getUserMedia failed because the asked device is not there (Chromium rejects an
/// unknown exact deviceId with OverconstrainedError).
fn is_missing_device(error: &JsValue) -> bool {
    let name = Reflect::get(error, &"name".into())
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_default();
    matches!(name.as_str(), "OverconstrainedError" | "NotFoundError")
}

fn describe_error(error: &JsValue) -> String {
    let part = |key: &str| {
        Reflect::get(error, &key.into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    };
    format!("{}: {}", part("name"), part("message"))
}

/// Plays `target`'s sound (an `<audio>` element or an AudioContext) on `device` (`""`: the
/// system default), through `setSinkId`, which stable web-sys lacks. A device not connected
/// rejects: the sound stays where it was, and that is only logged.
pub fn set_sink(target: &JsValue, device: &Device) {
    let Ok(set_sink_id) = Reflect::get(target, &"setSinkId".into()) else {
        return;
    };
    let Some(set_sink_id) = set_sink_id.dyn_ref::<js_sys::Function>() else {
        return;
    };
    let current = Reflect::get(target, &"sinkId".into())
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default();
    if current == device.id {
        return;
    }
    let Ok(promise) = set_sink_id.call1(target, &device.id.as_str().into()) else {
        return;
    };
    let Ok(promise) = promise.dyn_into::<js_sys::Promise>() else {
        return;
    };
    let label = device.label.clone();
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(e) = JsFuture::from(promise).await {
            web_sys::console::warn_1(
                &format!(
                    "phone: cannot play on \"{label}\" ({}): the default device plays",
                    describe_error(&e)
                )
                .into(),
            );
        }
    });
}

/// The ids of the audio inputs and outputs connected now; `None` when the browser cannot say.
pub async fn connected_ids() -> Option<(Vec<String>, Vec<String>)> {
    let all = connected().await?;
    let ids = |input: bool| {
        all.iter()
            .filter(|(i, _)| *i == input)
            .map(|(_, id)| id.clone())
            .collect()
    };
    Some((ids(true), ids(false)))
}

/// The audio devices connected now, `(is an input, id)`; `None` when the browser cannot say.
async fn connected() -> Option<Vec<(bool, String)>> {
    let devices = web_sys::window()?.navigator().media_devices().ok()?;
    let list = JsFuture::from(devices.enumerate_devices().ok()?)
        .await
        .ok()?;
    Some(
        Array::from(&list)
            .iter()
            .filter_map(|d| d.dyn_into::<web_sys::MediaDeviceInfo>().ok())
            .filter_map(|d| match d.kind() {
                web_sys::MediaDeviceKind::Audioinput => Some((true, d.device_id())),
                web_sys::MediaDeviceKind::Audiooutput => Some((false, d.device_id())),
                _ => None,
            })
            .collect(),
    )
}

/// After a device came or went (or the choice changed): the call's microphone and speaker
/// are the chosen ones when connected, else the system defaults; a headset unplugged during a
/// call leaves it audible on the computer's own microphone and speaker.
async fn follow_devices(
    pc: RtcPeerConnection,
    microphone: Rc<RefCell<Microphone>>,
    audio: HtmlAudioElement,
    closed: Rc<Cell<bool>>,
    recording_gain: RecordingGain,
) {
    let chosen = devices();
    let Some(connected) = connected().await else {
        return;
    };
    let there = |input: bool, id: &str| connected.iter().any(|(i, d)| *i == input && d == id);
    let speaker = if chosen.speaker.id.is_empty() || there(false, &chosen.speaker.id) {
        chosen.speaker.clone()
    } else {
        Device::default()
    };
    set_sink(&audio, &speaker);
    let wanted = if chosen.microphone.id.is_empty() || there(true, &chosen.microphone.id) {
        chosen.microphone.id
    } else {
        String::new()
    };
    // The chosen one went (the default then), came back, or another one is chosen.
    if microphone.borrow().device == wanted {
        return;
    }
    let wanted = Device {
        id: wanted,
        label: chosen.microphone.label,
    };
    if let Err(e) = swap_microphone(&pc, &microphone, &closed, wanted, &recording_gain).await {
        web_sys::console::warn_1(&format!("phone: switching the microphone: {}", e.detail).into());
    }
}

/// A fresh microphone (the chosen one, else the default) in place of the call's: the far end
/// keeps hearing us; a muted call stays muted.
async fn swap_microphone(
    pc: &RtcPeerConnection,
    microphone: &Rc<RefCell<Microphone>>,
    closed: &Rc<Cell<bool>>,
    wanted: Device,
    recording_gain: &RecordingGain,
) -> Result<(), GlueError> {
    let fresh = microphone_for(wanted).await?;
    let stop = |stream: &MediaStream| {
        for track in stream.get_tracks().iter() {
            if let Ok(track) = track.dyn_into::<MediaStreamTrack>() {
                track.stop();
            }
        }
    };
    if closed.get() {
        stop(&fresh.stream);
        return Ok(());
    }
    let Ok(track) = fresh
        .stream
        .get_audio_tracks()
        .get(0)
        .dyn_into::<MediaStreamTrack>()
    else {
        stop(&fresh.stream);
        return Err(GlueError::new("WEBRTC", "no audio track"));
    };
    let enabled = microphone
        .borrow()
        .stream
        .get_audio_tracks()
        .get(0)
        .dyn_into::<MediaStreamTrack>()
        .map_or(true, |t| t.enabled());
    track.set_enabled(enabled);
    for sender in pc.get_senders().iter() {
        if let Ok(sender) = sender.dyn_into::<RtcRtpSender>() {
            JsFuture::from(sender.replace_track(Some(&track)))
                .await
                .or_glue("WEBRTC")?;
        }
    }
    if closed.get() {
        stop(&fresh.stream);
        return Ok(());
    }
    let old = microphone.replace(fresh);
    stop(&old.stream);
    // The recording hears the new microphone from now on (the old one's source is silent).
    if let Some(gain) = recording_gain.borrow().as_ref() {
        let source = gain
            .context()
            .dyn_into::<AudioContext>()
            .ok()
            .and_then(|context| {
                context
                    .create_media_stream_source(&microphone.borrow().stream)
                    .ok()
            });
        if let Some(source) = source {
            source
                .connect_with_audio_node(gain)
                .log_and_continue("recording the new microphone");
        }
    }
    Ok(())
}

/// The live call's devices, for diagnostics (and the e2e test, which reads it in the offscreen
/// document): `{ microphone, speaker }`, the label of the microphone's track and the call's
/// `<audio>` sinkId (`""`: the default), or `null` without a call.
#[wasm_bindgen]
pub fn phone_devices() -> JsValue {
    LIVE.with(|l| {
        let live = l.borrow();
        let Some(live) = live.as_ref() else {
            return JsValue::NULL;
        };
        let microphone = live
            .microphone
            .borrow()
            .stream
            .get_audio_tracks()
            .get(0)
            .dyn_into::<MediaStreamTrack>()
            .map(|t| t.label())
            .unwrap_or_default();
        let speaker = Reflect::get(&live.audio, &"sinkId".into()).unwrap_or(JsValue::NULL);
        let report = Object::new();
        let _ = Reflect::set(&report, &"microphone".into(), &microphone.into());
        let _ = Reflect::set(&report, &"speaker".into(), &speaker);
        report.into()
    })
}

fn configuration(ice_servers: &[IceServer]) -> RtcConfiguration {
    let servers = Array::new();
    for ice in ice_servers {
        let server = Object::new();
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&server, &"urls".into(), &JsValue::from_str(&ice.url));
        if !ice.username.is_empty() {
            let _ = Reflect::set(&server, &"username".into(), &ice.username.as_str().into());
            let _ = Reflect::set(
                &server,
                &"credential".into(),
                &ice.credential.as_str().into(),
            );
        }
        servers.push(&server);
    }
    let config = Object::new();
    let _ = Reflect::set(&config, &"iceServers".into(), &servers);
    config.unchecked_into()
}

impl CallMedia {
    pub async fn new(ice_servers: &[IceServer]) -> Result<CallMedia, GlueError> {
        let microphone = microphone().await?;
        let pc = RtcPeerConnection::new_with_configuration(&configuration(ice_servers))
            .or_glue("WEBRTC")?;
        for track in microphone.stream.get_audio_tracks().iter() {
            if let Ok(track) = track.dyn_into::<MediaStreamTrack>() {
                pc.add_track_0(&track, &microphone.stream);
            }
        }
        let document = web_sys::window()
            .and_then(|w| w.document())
            .ok_or_else(|| GlueError::new("NO_WINDOW", "no document"))?;
        let audio: HtmlAudioElement = document
            .create_element("audio")
            .or_glue("DOM")?
            .unchecked_into();
        audio.set_autoplay(true);
        set_sink(&audio, &devices().speaker);
        if let Some(body) = document.body() {
            body.append_child(&audio).or_glue("DOM")?;
        }
        let sink = audio.clone();
        let on_track = Listener::new(&pc, "track", move |event| {
            let Ok(event) = event.dyn_into::<RtcTrackEvent>() else {
                return;
            };
            let stream = event
                .streams()
                .get(0)
                .dyn_into::<MediaStream>()
                .ok()
                .or_else(|| MediaStream::new_with_tracks(&Array::of1(&event.track())).ok());
            sink.set_src_object(stream.as_ref());
        });
        let microphone = Rc::new(RefCell::new(microphone));
        let closed = Rc::new(Cell::new(false));
        let recording_gain = RecordingGain::default();
        let on_device_change = window_media_devices().and_then(|devices| {
            let (pc, microphone, audio, closed, gain) = (
                pc.clone(),
                microphone.clone(),
                audio.clone(),
                closed.clone(),
                recording_gain.clone(),
            );
            Listener::new(&devices, "devicechange", move |_| {
                wasm_bindgen_futures::spawn_local(follow_devices(
                    pc.clone(),
                    microphone.clone(),
                    audio.clone(),
                    closed.clone(),
                    gain.clone(),
                ));
            })
        });
        LIVE.with(|l| {
            *l.borrow_mut() = Some(Live {
                microphone: microphone.clone(),
                audio: audio.clone(),
                pc: pc.clone(),
                closed: closed.clone(),
                recording_gain: recording_gain.clone(),
            })
        });
        Ok(CallMedia {
            pc,
            microphone,
            audio,
            closed,
            muted: Cell::new(false),
            held: Cell::new(false),
            recording_gain,
            _listeners: on_track.into_iter().chain(on_device_change).collect(),
        })
    }

    async fn gathered_local(&self) -> Result<String, GlueError> {
        let mut waited = 0;
        while self.pc.ice_gathering_state() != RtcIceGatheringState::Complete
            && waited < GATHERING_LIMIT_MS
        {
            sleep(20).await;
            waited += 20;
        }
        self.pc
            .local_description()
            .map(|d| d.sdp())
            .filter(|sdp| !sdp.is_empty())
            .ok_or_else(|| GlueError::new("WEBRTC", "no local description"))
    }

    async fn set_local(&self, kind: RtcSdpType, sdp: &JsValue) -> Result<String, GlueError> {
        let sdp = Reflect::get(sdp, &"sdp".into())
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_default();
        let init = RtcSessionDescriptionInit::new(kind);
        init.set_sdp(&sdp);
        JsFuture::from(self.pc.set_local_description(&init))
            .await
            .or_glue("WEBRTC")?;
        self.gathered_local().await
    }

    /// A complete offer (all candidates in it).
    pub async fn offer(&self) -> Result<String, GlueError> {
        let offer = JsFuture::from(self.pc.create_offer())
            .await
            .or_glue("WEBRTC")?;
        self.set_local(RtcSdpType::Offer, &offer).await
    }

    /// Takes the far end's offer and returns our complete answer.
    pub async fn answer(&self, remote_offer: &str) -> Result<String, GlueError> {
        self.set_remote(RtcSdpType::Offer, remote_offer).await?;
        let answer = JsFuture::from(self.pc.create_answer())
            .await
            .or_glue("WEBRTC")?;
        self.set_local(RtcSdpType::Answer, &answer).await
    }

    pub async fn set_remote(&self, kind: RtcSdpType, sdp: &str) -> Result<(), GlueError> {
        let init = RtcSessionDescriptionInit::new(kind);
        init.set_sdp(sdp);
        JsFuture::from(self.pc.set_remote_description(&init))
            .await
            .or_glue("WEBRTC")?;
        Ok(())
    }

    /// A new offer to hold (`sendonly`) or resume (`sendrecv`) the call.
    pub async fn hold_offer(&self, hold: bool) -> Result<String, GlueError> {
        let direction = if hold {
            RtcRtpTransceiverDirection::Sendonly
        } else {
            RtcRtpTransceiverDirection::Sendrecv
        };
        for transceiver in self.pc.get_transceivers().iter() {
            if let Ok(t) = transceiver.dyn_into::<RtcRtpTransceiver>() {
                t.set_direction(direction);
            }
        }
        self.held.set(hold);
        self.silence();
        self.offer().await
    }

    pub fn set_muted(&self, muted: bool) {
        self.muted.set(muted);
        self.silence();
    }

    /// The microphone's track sends sound only while the call is neither muted nor held.
    fn silence(&self) {
        let enabled = self.sending();
        if let Some(gain) = self.recording_gain.borrow().as_ref() {
            gain.gain().set_value(if enabled { 1.0 } else { 0.0 });
        }
        for track in self.microphone.borrow().stream.get_audio_tracks().iter() {
            if let Ok(track) = track.dyn_into::<MediaStreamTrack>() {
                track.set_enabled(enabled);
            }
        }
    }

    /// Connects our microphone into `destination` (the recording's mix), silent while the call
    /// is muted or held.
    pub fn microphone_into(
        &self,
        context: &AudioContext,
        destination: &AudioNode,
    ) -> Result<(), JsValue> {
        let source = context.create_media_stream_source(&self.microphone.borrow().stream)?;
        let gain = context.create_gain()?;
        gain.gain()
            .set_value(if self.sending() { 1.0 } else { 0.0 });
        source.connect_with_audio_node(&gain)?;
        gain.connect_with_audio_node(destination)?;
        *self.recording_gain.borrow_mut() = Some(gain);
        Ok(())
    }

    fn sending(&self) -> bool {
        !self.muted.get() && !self.held.get()
    }

    /// The far end's stream, once its track arrived.
    pub fn remote_stream(&self) -> Option<MediaStream> {
        self.audio.src_object()
    }

    /// Sends digits as RFC 4733 events in the media; `false` when the media cannot.
    pub fn send_dtmf(&self, digits: &str) -> bool {
        let sender = self
            .pc
            .get_senders()
            .iter()
            .filter_map(|s| s.dyn_into::<RtcRtpSender>().ok())
            .find(|s| s.track().is_some());
        let Some(dtmf) = sender.and_then(|s| s.dtmf()) else {
            return false;
        };
        let can_insert = Reflect::get(&dtmf, &"canInsertDTMF".into())
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        if !can_insert {
            return false;
        }
        // insertDTMF replaces the tones not yet played: keys pressed faster than the tones play
        // (100 ms each and a gap) would drop all but the last, so the new ones queue behind them.
        let queued = format!("{}{digits}", dtmf.tone_buffer());
        dtmf.insert_dtmf_with_duration(&queued, 100);
        true
    }
}

impl Drop for CallMedia {
    fn drop(&mut self) {
        self.closed.set(true);
        LIVE.with(|l| {
            let mut live = l.borrow_mut();
            if live
                .as_ref()
                .is_some_and(|l| Rc::ptr_eq(&l.closed, &self.closed))
            {
                *live = None;
            }
        });
        self.pc.close();
        for track in self.microphone.borrow().stream.get_tracks().iter() {
            if let Ok(track) = track.dyn_into::<MediaStreamTrack>() {
                track.stop();
            }
        }
        self.audio.set_src_object(None);
        self.audio.remove();
    }
}

fn window_media_devices() -> Option<web_sys::MediaDevices> {
    web_sys::window()?.navigator().media_devices().ok()
}
