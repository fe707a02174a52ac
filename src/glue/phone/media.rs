//! One call's media: the microphone, an RTCPeerConnection whose SDP goes through the SIP agent
//! (complete offers and answers: SIP carries no trickled candidates), and the far end's audio.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    HtmlAudioElement, MediaStream, MediaStreamConstraints, MediaStreamTrack, RtcConfiguration,
    RtcIceGatheringState, RtcPeerConnection, RtcRtpSender, RtcRtpTransceiver,
    RtcRtpTransceiverDirection, RtcSdpType, RtcSessionDescriptionInit, RtcTrackEvent,
};

use crate::call::settings::IceServer;
use crate::glue::js::{GlueError, JsResultExt};
use crate::glue::listener::{sleep, Listener};

/// How long to wait for ICE gathering before sending what we have.
const GATHERING_LIMIT_MS: u32 = 3000;

pub struct CallMedia {
    pc: RtcPeerConnection,
    microphone: MediaStream,
    audio: HtmlAudioElement,
    _listeners: Vec<Listener>,
}

/// Asks for the microphone. `MICROPHONE_DENIED` when the user never allowed it for the
/// extension (the offscreen document cannot ask).
pub async fn microphone() -> Result<MediaStream, GlueError> {
    let window = web_sys::window().ok_or_else(|| GlueError::new("NO_WINDOW", "no window"))?;
    let devices = window
        .navigator()
        .media_devices()
        .or_glue("MICROPHONE_DENIED")?;
    let constraints = MediaStreamConstraints::new();
    constraints.set_audio(&JsValue::TRUE);
    let promise = devices
        .get_user_media_with_constraints(&constraints)
        .or_glue("MICROPHONE_DENIED")?;
    let stream = JsFuture::from(promise).await.or_glue("MICROPHONE_DENIED")?;
    stream
        .dyn_into::<MediaStream>()
        .map_err(|_| GlueError::new("MICROPHONE_DENIED", "not a media stream"))
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
        for track in microphone.get_audio_tracks().iter() {
            if let Ok(track) = track.dyn_into::<MediaStreamTrack>() {
                pc.add_track_0(&track, &microphone);
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
        Ok(CallMedia {
            pc,
            microphone,
            audio,
            _listeners: on_track.into_iter().collect(),
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
        self.offer().await
    }

    pub fn set_muted(&self, muted: bool) {
        for track in self.microphone.get_audio_tracks().iter() {
            if let Ok(track) = track.dyn_into::<MediaStreamTrack>() {
                track.set_enabled(!muted);
            }
        }
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
        self.pc.close();
        for track in self.microphone.get_tracks().iter() {
            if let Ok(track) = track.dyn_into::<MediaStreamTrack>() {
                track.stop();
            }
        }
        self.audio.set_src_object(None);
        self.audio.remove();
    }
}
