//! The phone engine, sans-I/O: what the offscreen document decides, apart from the WebSocket,
//! the timers and WebRTC it drives. Settings, the user's commands (from the worker), transport
//! events, media results and ticks go in; SIP actions, media work, reports to the worker and
//! wake-up times come out, as [`Effect`]s the glue carries out in order.
//!
//! What used to be glue and is now states with tests of their own: a second caller during a
//! call is told we are busy; a dial made while the line is still registering waits for it (not
//! a 50 ms polling loop), and ends if it does not come; which hold state a re-INVITE asked for;
//! ended calls sent to the worker until it says they are stored.

use super::settings::{DtmfMode, PhoneSettings};
use super::{
    shown_extension, split_post_dial, CallEnd, CallPhase, CallView, LineState, PhoneCommand,
    PhoneState, Transfer, TransferState,
};
use crate::sip::context::Rng;
use crate::sip::{Action, CallHandle, UaEvent, UserAgent};

/// The handle of an outgoing call whose media is still being prepared (before the INVITE).
pub const DIALLING: u32 = 0;
/// How long a dial waits for a registration in progress before it gives up.
pub const REGISTER_WAIT_MS: u64 = 5_000;
/// How often ended calls the worker has not acknowledged are sent again.
pub const RESEND_MS: u64 = 3_000;
/// Ended calls kept for the worker at most (it acknowledges them at once when it runs).
const UNACKED_KEPT: usize = 10;
const DTMF_MS: u32 = 100;
/// The pause a `,` of a dial string makes before what follows is dialled (`0312345678,123`:
/// the extension goes this long after the answer).
pub const POST_DIAL_PAUSE_MS: u64 = 2_000;
/// The ring-back starts this long after the far end rings: a callee who answers at once (a
/// desk phone on auto-answer, a colleague's softphone) is not preceded by a blip of tone, and
/// starting audio does not sit on the call's set-up.
pub const RINGBACK_DELAY_MS: u64 = 250;

#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Settings(PhoneSettings),
    Command(PhoneCommand),
    TransportOpened,
    TransportClosed,
    /// A WebSocket frame, text or binary (RFC 7118 §5: SIP messages may come in either).
    Received(Vec<u8>),
    /// A wake-up the engine asked for came due.
    Tick,
    /// The offer for a dial, or the answer to an incoming call, is ready.
    MediaReady {
        call: u32,
        sdp: String,
    },
    /// The media could not start (`microphone_denied`: getUserMedia was refused).
    MediaFailed {
        call: u32,
        microphone_denied: bool,
    },
    /// Our answer to the far end's re-INVITE, or our hold re-offer, is ready.
    ReofferAnswer {
        call: u32,
        sdp: String,
    },
    HoldOffer {
        call: u32,
        sdp: String,
    },
    /// The media could not send these digits in-band (no DTMF sender): they go by SIP INFO.
    DtmfNotInMedia {
        digits: String,
    },
    /// The audio devices connected now (ids of inputs and outputs): the panel says which
    /// chosen one is missing.
    DevicesConnected {
        inputs: Vec<String>,
        outputs: Vec<String>,
    },
    /// The worker stored these ended calls.
    Acknowledged {
        stored: Vec<String>,
    },
    /// The call's recording could not start: the panel must not say it is recorded.
    RecordingFailed {
        call: u32,
    },
}

// A turn's few effects are carried out at once, one by one: their size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Send(String),
    OpenTransport,
    /// The transport of an agent that is gone (new settings) closes.
    CloseTransport,
    /// Wake the engine (`Input::Tick`) at this monotonic time.
    WakeAt(u64),
    /// Prepare the media of a call: an offer (`offer: None`) or the answer to `offer`.
    PrepareMedia {
        call: u32,
        offer: Option<String>,
    },
    /// The far end's answer (or its re-offer, to be answered: `Input::ReofferAnswer`).
    RemoteAnswer {
        call: u32,
        sdp: String,
    },
    AnswerReoffer {
        call: u32,
        sdp: String,
    },
    /// Make a hold (or resume) offer: `Input::HoldOffer`.
    MakeHoldOffer {
        call: u32,
        on: bool,
    },
    SetMuted {
        call: u32,
        on: bool,
    },
    /// Send digits in the media of `call` (RFC 4733); `Input::DtmfNotInMedia` if it cannot.
    SendDtmf {
        call: u32,
        digits: String,
    },
    /// The media prepared under handle `from` (a dial's, `DIALLING`) is now call `to`'s.
    RekeyMedia {
        from: u32,
        to: u32,
    },
    /// The call's media goes (it ended, or never got going).
    DropMedia {
        call: u32,
    },
    /// Play this tone now, instead of the one before (`Tone::Silent`: stop).
    Tone(Tone),
    /// Record the answered call's media, both directions, until it goes (`DropMedia`); the
    /// recording is kept under the SIP Call-ID.
    Record {
        call: u32,
        call_id: String,
    },
    /// Tell the worker: the state, its sequence number, the ended calls not acknowledged.
    Report {
        state: PhoneState,
        seq: u64,
        ended: Vec<CallView>,
    },
}

/// What the phone plays by itself, apart from the call's media.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Silent,
    /// Someone calls: the ringtone, at the settings' volume (0-100).
    Ring {
        volume: u8,
    },
    /// Our call rings at the far end. We do not play a far end's early media (183 with SDP),
    /// so the ring-back is ours whenever the far end rings.
    Ringback,
    /// A second call rings while we talk: a soft beep now and then (call waiting).
    Waiting,
}

/// A dial on its way to the INVITE: its media, and the registration it may wait for.
#[derive(Debug, Clone, PartialEq)]
struct Dialling {
    target: String,
    /// What is dialled after the answer, from its first pause on (`,123`).
    post_dial: Option<String>,
    offer: Option<String>,
    /// Waiting for the line since (monotonic), when it was not registered yet.
    waiting_since: Option<u64>,
}

/// Digits a dial string holds after its pauses (an extension), for the call they were dialled
/// with: sent once it is answered and the pauses are over, through the keypad's path.
#[derive(Debug, Clone, PartialEq)]
struct PostDial {
    call: u32,
    /// Before the answer, the pauses and digits as dialled (`,123`); once armed, the digits
    /// due next and what follows them (`123,4`).
    rest: String,
    /// When the digits at the front of `rest` are due (monotonic); `None` until the answer.
    due: Option<u64>,
}

impl PostDial {
    /// Starts the pauses at the front of `rest` at `now`; `false` when no digit follows them.
    fn arm(&mut self, now: u64) -> bool {
        let pauses = self
            .rest
            .chars()
            .take_while(|c| *c == crate::number::PAUSE || *c == ' ')
            .filter(|c| *c == crate::number::PAUSE)
            .count() as u64;
        self.rest = self
            .rest
            .trim_start_matches([crate::number::PAUSE, ' '])
            .to_string();
        self.due = Some(now + pauses.max(1) * POST_DIAL_PAUSE_MS);
        self.rest.chars().any(super::is_dtmf_digit)
    }

    /// The digits due now, up to the next pause; `rest` keeps what follows.
    fn take_digits(&mut self) -> String {
        let at = self
            .rest
            .find(crate::number::PAUSE)
            .unwrap_or(self.rest.len());
        let digits: String = self.rest[..at].chars().filter(|c| *c != ' ').collect();
        self.rest = self.rest[at..].to_string();
        digits
    }
}

pub struct Engine {
    settings: Option<PhoneSettings>,
    ua: Option<UserAgent>,
    /// Keys each new SIP agent's own generator.
    rng: Rng,
    pub state: PhoneState,
    dialling: Option<Dialling>,
    /// The calls whose media runs (two while one is held beside the other).
    media: Vec<u32>,
    /// Incoming calls' offers, until the user answers.
    offers: Vec<(CallHandle, String)>,
    /// The hold state each pending re-INVITE of ours asks for, by call.
    hold_requested: Vec<(u32, bool)>,
    /// The extension of the call dialled with one, until it is sent (or the call ends first).
    post_dial: Option<PostDial>,
    reported: Option<PhoneState>,
    seq: u64,
    unacked: Vec<CallView>,
    /// The last ended calls queued for the worker (once each: an acknowledged one stays done).
    queued: Vec<String>,
    resend_at: Option<u64>,
    /// The tone last asked of the glue.
    tone: Tone,
    /// Our ringing call, and when its ring-back is due.
    ringback_at: Option<(u32, u64)>,
    effects: Vec<Effect>,
}

impl Engine {
    /// A deterministic engine (tests, the simulator).
    pub fn new(seed: u64) -> Engine {
        Engine::with_rng(Rng::new(seed))
    }

    /// `key`: 32 bytes of `crypto.getRandomValues`, for the SIP agents' tokens.
    pub fn with_key(key: [u8; 32]) -> Engine {
        Engine::with_rng(Rng::from_key(key))
    }

    fn with_rng(rng: Rng) -> Engine {
        Engine {
            settings: None,
            ua: None,
            rng,
            state: PhoneState::default(),
            dialling: None,
            media: vec![],
            offers: vec![],
            hold_requested: vec![],
            post_dial: None,
            reported: None,
            seq: 0,
            unacked: vec![],
            queued: vec![],
            resend_at: None,
            tone: Tone::Silent,
            ringback_at: None,
            effects: vec![],
        }
    }

    /// `now`: monotonic milliseconds (the agent's clock); `wall_ms`: epoch milliseconds (what
    /// the panel shows).
    pub fn handle(&mut self, input: Input, now: u64, wall_ms: u64) -> Vec<Effect> {
        match input {
            Input::Settings(settings) => self.apply_settings(settings, now, wall_ms),
            Input::Command(command) => self.command(command, now, wall_ms),
            Input::TransportOpened => self.with_ua(|ua| ua.transport_opened(now)),
            Input::TransportClosed => self.with_ua(|ua| ua.transport_closed(now)),
            Input::Received(bytes) => self.with_ua(|ua| ua.receive(&bytes, now)),
            Input::Tick => {
                self.with_ua(|ua| ua.tick(now));
                self.check_dial_wait(now, wall_ms);
                self.post_dial_due(now);
                if self.resend_at.is_some_and(|at| at <= now) {
                    self.resend_at = None;
                    self.resend();
                }
            }
            Input::MediaReady { call, sdp } => self.media_ready(call, sdp, now, wall_ms),
            Input::MediaFailed {
                call,
                microphone_denied,
            } => self.media_failed(call, microphone_denied, now, wall_ms),
            Input::ReofferAnswer { call, sdp } => {
                self.with_ua(|ua| {
                    let _ = ua.answer_reoffer(CallHandle(call), &sdp, now);
                });
            }
            Input::HoldOffer { call, sdp } => {
                self.with_ua(|ua| {
                    let _ = ua.reoffer(CallHandle(call), &sdp, now);
                });
            }
            Input::DtmfNotInMedia { digits } => self.dtmf_by_info(&digits, now),
            Input::DevicesConnected { inputs, outputs } => {
                let missing = self
                    .settings
                    .as_ref()
                    .map(|s| s.devices.missing(&inputs, &outputs))
                    .unwrap_or_default();
                self.state.missing_devices = missing;
            }
            Input::RecordingFailed { call } => {
                if let Some(view) = self.state.call_mut(call) {
                    view.recording = false;
                }
            }
            Input::Acknowledged { stored } => {
                self.unacked.retain(|c| !stored.contains(&c.call_id));
                if self.unacked.is_empty() {
                    self.resend_at = None;
                }
            }
        }
        self.pump(now, wall_ms);
        self.tidy();
        self.sound(now);
        self.report(now);
        std::mem::take(&mut self.effects)
    }

    /// Whether the agent or the engine waits for time: the glue's one timer.
    pub fn next_wake(&self) -> Option<u64> {
        let ua = self.ua.as_ref().and_then(|ua| ua.next_deadline());
        let dial = self
            .dialling
            .as_ref()
            .and_then(|d| d.waiting_since)
            .map(|since| since + REGISTER_WAIT_MS);
        let post_dial = self.post_dial.as_ref().and_then(|p| p.due);
        let ringback = self
            .ringback_at
            .filter(|_| self.tone != Tone::Ringback)
            .map(|(_, at)| at);
        [ua, dial, self.resend_at, post_dial, ringback]
            .into_iter()
            .flatten()
            .min()
    }

    /// When the ring-back of our ringing call is due (the simulator checks the tone by it).
    pub fn ringback_due(&self) -> Option<u64> {
        self.ringback_at.map(|(_, at)| at)
    }

    /// No call live or being dialled, and nothing the worker still has to acknowledge: what is
    /// left are the line's own timers (re-registration).
    pub fn idle(&self) -> bool {
        self.state.live_call().is_none() && self.dialling.is_none() && self.unacked.is_empty()
    }

    /// The SIP Call-IDs of the ended calls the worker has not acknowledged yet.
    pub fn unacknowledged(&self) -> impl Iterator<Item = &str> {
        self.unacked.iter().map(|c| c.call_id.as_str())
    }

    fn with_ua(&mut self, f: impl FnOnce(&mut UserAgent)) {
        if let Some(ua) = self.ua.as_mut() {
            f(ua);
        }
    }

    fn apply_settings(&mut self, settings: PhoneSettings, now: u64, wall_ms: u64) {
        if self.settings.as_ref() == Some(&settings) {
            return;
        }
        if self
            .settings
            .as_ref()
            .is_some_and(|s| s.same_account(&settings))
        {
            // The ringtone or DTMF changed: the next ring or digit uses them.
            self.settings = Some(settings);
            return;
        }
        // A new account: the old agent and its transport go, with any call on them.
        self.effects.push(Effect::CloseTransport);
        let live: Vec<u32> = [self.state.live_call(), self.state.live_other()]
            .into_iter()
            .flatten()
            .map(|c| c.id)
            .collect();
        for id in live {
            self.state.end_call(id, CallEnd::ConnectionLost, wall_ms);
        }
        for call in std::mem::take(&mut self.media) {
            self.effects.push(Effect::DropMedia { call });
        }
        self.dialling = None;
        self.offers.clear();
        self.hold_requested.clear();
        self.post_dial = None;
        // Each agent its own tokens.
        let rng = self.rng.fork();
        self.ua = settings
            .ua_config()
            .map(|config| UserAgent::new(config, rng));
        self.state.line = if self.ua.is_some() {
            LineState::Connecting
        } else {
            LineState::Unconfigured
        };
        self.with_ua(|ua| ua.register(now));
        self.settings = Some(settings);
    }

    fn live(&self) -> Option<(u32, CallPhase)> {
        self.state.live_call().map(|c| (c.id, c.phase))
    }

    fn command(&mut self, command: PhoneCommand, now: u64, wall_ms: u64) {
        let live = self.live();
        let other = self.state.live_other().map(|c| (c.id, c.phase, c.held));
        match command {
            PhoneCommand::Dial { number, dial_id } => {
                if live.is_some() || other.is_some() {
                    return;
                }
                self.dial(&number, dial_id, wall_ms);
            }
            PhoneCommand::Consult { target } => {
                // The call in front goes on hold beside the consulted one.
                let (Some((id, CallPhase::Connected)), None) = (live, other) else {
                    return;
                };
                if self.dialling.is_some() || command_invalid(&target) {
                    return;
                }
                self.hold(id, true);
                self.state.swap();
                self.dial(&target, None, wall_ms);
            }
            PhoneCommand::Answer => {
                let Some(ringing) = self.state.ringing().map(|c| c.id) else {
                    return;
                };
                let Some(at) = self.offers.iter().position(|(h, _)| h.0 == ringing) else {
                    return;
                };
                let (handle, offer) = self.offers.remove(at);
                if self.state.live_other().is_some_and(|c| c.id == ringing) {
                    // Call waiting: the call in front goes on hold, the second comes forward.
                    if let Some((id, CallPhase::Connected)) = live {
                        self.hold(id, true);
                    }
                    self.state.swap();
                }
                self.state.answering(handle.0);
                self.effects.push(Effect::PrepareMedia {
                    call: handle.0,
                    offer: Some(offer),
                });
            }
            PhoneCommand::Decline => {
                let Some(ringing) = self.state.ringing().map(|c| c.id) else {
                    return;
                };
                if let Some(at) = self.offers.iter().position(|(h, _)| h.0 == ringing) {
                    let (handle, _) = self.offers.remove(at);
                    self.with_ua(|ua| {
                        let _ = ua.reject(handle, 603, now);
                    });
                }
            }
            PhoneCommand::Hangup => match live {
                Some((DIALLING, _)) => {
                    // Hung up while the media was being prepared: nothing is sent.
                    self.dialling = None;
                    self.state.end_call(DIALLING, CallEnd::Cancelled, wall_ms);
                    self.effects.push(Effect::DropMedia { call: DIALLING });
                }
                Some((id, _)) => self.with_ua(|ua| {
                    let _ = ua.hangup(CallHandle(id), now);
                }),
                None => {}
            },
            PhoneCommand::Mute { on } => {
                if let Some((id, _)) = live.filter(|(id, _)| self.media.contains(id)) {
                    self.state.set_muted(id, on);
                    self.effects.push(Effect::SetMuted { call: id, on });
                }
            }
            PhoneCommand::Hold { on } => {
                if let Some((id, CallPhase::Connected)) = live {
                    self.hold(id, on);
                }
            }
            PhoneCommand::Switch => {
                let (Some((front, CallPhase::Connected)), Some((back, CallPhase::Connected, _))) =
                    (live, other)
                else {
                    return;
                };
                self.hold(front, true);
                self.hold(back, false);
                self.state.swap();
            }
            PhoneCommand::Transfer { target } => {
                let Some((id, CallPhase::Connected)) = live else {
                    return;
                };
                if command_invalid(&target) {
                    return;
                }
                let target = dial_target(&target);
                let sent = self
                    .ua
                    .as_mut()
                    .is_some_and(|ua| ua.transfer(CallHandle(id), &target, now).is_ok());
                if sent {
                    self.state.set_transfer(
                        id,
                        Some(Transfer {
                            target,
                            attended: false,
                            state: TransferState::Trying,
                        }),
                    );
                }
            }
            PhoneCommand::CompleteTransfer => {
                // The held call goes to the one we talk to (consulted, or a second caller).
                let (Some((front, CallPhase::Connected)), Some((back, CallPhase::Connected, _))) =
                    (live, other)
                else {
                    return;
                };
                let sent = self.ua.as_mut().is_some_and(|ua| {
                    ua.transfer_attended(CallHandle(back), CallHandle(front), now)
                        .is_ok()
                });
                let target = self.state.find(front).map(|c| c.peer.clone());
                if let (true, Some(target)) = (sent, target) {
                    self.state.set_transfer(
                        back,
                        Some(Transfer {
                            target,
                            attended: true,
                            state: TransferState::Trying,
                        }),
                    );
                }
            }
            PhoneCommand::Dtmf { digits } => {
                let Some((id, CallPhase::Connected)) = live else {
                    return;
                };
                self.send_dtmf(id, digits, now);
            }
        }
    }

    /// A dial (the one call, or a consulted one beside a held call): media first, then the
    /// INVITE once the line is up.
    fn dial(&mut self, number: &str, dial_id: Option<String>, wall_ms: u64) {
        if self.ua.is_none() || command_invalid(number) {
            return;
        }
        // The INVITE calls the number alone; an extension waits for the answer.
        let (main, post_dial) = split_post_dial(number.trim());
        let target = dial_target(main);
        self.state
            .start_outgoing(DIALLING, &target, dial_id, wall_ms);
        if let Some(call) = self.state.call.as_mut() {
            call.extension = shown_extension(post_dial);
        }
        self.dialling = Some(Dialling {
            target,
            post_dial: post_dial.map(str::to_string),
            offer: None,
            waiting_since: None,
        });
        self.effects.push(Effect::PrepareMedia {
            call: DIALLING,
            offer: None,
        });
    }

    /// Asks to hold (or resume) call `id`: a re-INVITE whose answer sets `held`. A call already
    /// so, or one with a re-INVITE of ours pending, is left as it is.
    fn hold(&mut self, id: u32, on: bool) {
        let Some(call) = self.state.find(id) else {
            return;
        };
        let pending = self.hold_requested.iter().any(|(c, _)| *c == id);
        if call.held == on || pending || !self.media.contains(&id) {
            return;
        }
        if on {
            // Held before its extension went: the extension is not dialled.
            if self.post_dial.as_ref().is_some_and(|p| p.call == id) {
                self.post_dial = None;
            }
        }
        self.hold_requested.push((id, on));
        self.effects.push(Effect::MakeHoldOffer { call: id, on });
    }

    /// Digits to the answered call `id`: in the media (RFC 4733) or by SIP INFO, as the
    /// settings say.
    fn send_dtmf(&mut self, id: u32, digits: String, now: u64) {
        let in_media = self.settings.as_ref().map(|s| s.dtmf).unwrap_or_default()
            == DtmfMode::Rfc4733
            && self.media.contains(&id);
        if in_media {
            self.effects.push(Effect::SendDtmf { call: id, digits });
        } else {
            self.dtmf_by_info(&digits, now);
        }
    }

    /// The extension's digits whose pause is over go, while their call is answered and not
    /// held; a call that ended or was held meanwhile gets none.
    fn post_dial_due(&mut self, now: u64) {
        let Some((call, Some(due))) = self.post_dial.as_ref().map(|p| (p.call, p.due)) else {
            return;
        };
        let answered = self
            .state
            .find(call)
            .is_some_and(|c| c.phase == CallPhase::Connected && !c.held)
            && !self.hold_requested.iter().any(|(c, _)| *c == call);
        if !answered {
            self.post_dial = None;
            return;
        }
        let Some(post_dial) = self.post_dial.as_mut().filter(|_| due <= now) else {
            return;
        };
        let digits = post_dial.take_digits();
        if post_dial.rest.is_empty() || !post_dial.arm(now) {
            self.post_dial = None;
        }
        if !digits.is_empty() {
            self.send_dtmf(call, digits, now);
        }
    }

    fn dtmf_by_info(&mut self, digits: &str, now: u64) {
        let Some((id, CallPhase::Connected)) = self.live() else {
            return;
        };
        self.with_ua(|ua| {
            for digit in digits.chars() {
                let _ = ua.send_dtmf(CallHandle(id), digit, DTMF_MS, now);
            }
        });
    }

    fn media_ready(&mut self, call: u32, sdp: String, now: u64, wall_ms: u64) {
        if call == DIALLING {
            let Some(dialling) = self.dialling.as_mut() else {
                // Hung up meanwhile.
                self.effects.push(Effect::DropMedia { call });
                return;
            };
            dialling.offer = Some(sdp);
            self.place_dial(now, wall_ms);
            return;
        }
        // Our answer to an incoming call.
        if self.state.find(call).is_none() {
            self.effects.push(Effect::DropMedia { call });
            return;
        }
        self.state.microphone_denied = false;
        self.media.push(call);
        self.with_ua(|ua| {
            // The caller may have given up while we prepared the media.
            let _ = ua.answer(CallHandle(call), &sdp, now);
        });
    }

    fn media_failed(&mut self, call: u32, microphone_denied: bool, now: u64, wall_ms: u64) {
        let end = if microphone_denied {
            self.state.microphone_denied = true;
            CallEnd::NoMicrophone
        } else {
            CallEnd::Failed
        };
        if call == DIALLING {
            self.dialling = None;
        } else {
            self.with_ua(|ua| {
                let _ = ua.reject(CallHandle(call), 480, now);
            });
        }
        self.state.end_call(call, end, wall_ms);
    }

    /// The INVITE goes once the offer is ready and the line is registered; a line still
    /// registering is waited for.
    fn place_dial(&mut self, now: u64, wall_ms: u64) {
        let Some(dialling) = self.dialling.clone() else {
            return;
        };
        let Some(offer) = dialling.offer.clone() else {
            return;
        };
        if self.state.line == LineState::Connecting {
            if let Some(d) = self.dialling.as_mut() {
                d.waiting_since.get_or_insert(now);
            }
            return;
        }
        self.dialling = None;
        self.state.microphone_denied = false;
        // The PBX's outside-line prefix goes on the wire only: the call, its card and its log
        // keep the number the user dialled.
        let prefix = self
            .settings
            .as_ref()
            .map(|s| s.outside_prefix.trim())
            .unwrap_or_default();
        let wire = crate::number::plan::with_outside_prefix(&dialling.target, prefix);
        let placed = self.ua.as_mut().map(|ua| ua.call(&wire, &offer, now));
        match placed {
            Some(Ok(handle)) => {
                let sip_call_id = self.sip_call_id(handle);
                self.state.identify(DIALLING, handle.0, &sip_call_id);
                self.media.push(handle.0);
                self.effects.push(Effect::RekeyMedia {
                    from: DIALLING,
                    to: handle.0,
                });
                self.post_dial = dialling.post_dial.map(|rest| PostDial {
                    call: handle.0,
                    rest,
                    due: None,
                });
            }
            _ => {
                self.state.end_call(DIALLING, CallEnd::NotFound, wall_ms);
                self.effects.push(Effect::DropMedia { call: DIALLING });
            }
        }
    }

    fn check_dial_wait(&mut self, now: u64, wall_ms: u64) {
        let overdue = self
            .dialling
            .as_ref()
            .and_then(|d| d.waiting_since)
            .is_some_and(|since| now >= since + REGISTER_WAIT_MS);
        if overdue {
            self.dialling = None;
            self.state
                .end_call(DIALLING, CallEnd::ConnectionLost, wall_ms);
            self.effects.push(Effect::DropMedia { call: DIALLING });
        }
    }

    fn sip_call_id(&self, call: CallHandle) -> String {
        self.ua
            .as_ref()
            .and_then(|ua| ua.call_info(call))
            .map(|info| info.sip_call_id)
            .unwrap_or_default()
    }

    /// Carries out what the agent asked for, until it asks for nothing more.
    fn pump(&mut self, now: u64, wall_ms: u64) {
        // Events can make more actions (a busy reply to a second caller); the agent always
        // ends with a wake-up when something is pending, which alone is no more work. (Bounded:
        // an agent that kept asking would be a bug, not a reason to hang the phone.)
        for _ in 0..64 {
            let actions = self
                .ua
                .as_mut()
                .map(UserAgent::take_actions)
                .unwrap_or_default();
            if actions.iter().all(|a| matches!(a, Action::WakeAt(_))) {
                break;
            }
            for action in actions {
                match action {
                    Action::Send(text) => self.effects.push(Effect::Send(text)),
                    // The engine's one wake-up covers the agent's (see `next_wake`).
                    Action::WakeAt(_) => {}
                    Action::OpenTransport => self.effects.push(Effect::OpenTransport),
                    Action::Event(event) => self.on_event(event, now, wall_ms),
                }
            }
        }
        if let Some(at) = self.next_wake() {
            self.effects.push(Effect::WakeAt(at));
        }
    }

    fn on_event(&mut self, event: UaEvent, now: u64, wall_ms: u64) {
        // A second caller while a call is live waits beside it (call waiting), when the user
        // wants it and the call in front is answered; otherwise, and for a third, busy.
        if let UaEvent::IncomingCall { call, .. } = &event {
            let waiting = self
                .settings
                .as_ref()
                .is_some_and(|s| s.ringing.call_waiting);
            let front_answered = self
                .live()
                .is_some_and(|(_, p)| matches!(p, CallPhase::Connected | CallPhase::Connecting));
            let busy = match self.live() {
                None => false,
                Some(_) => {
                    !waiting
                        || !front_answered
                        || self.state.live_other().is_some()
                        || self.dialling.is_some()
                }
            };
            if busy {
                let call = *call;
                self.with_ua(|ua| {
                    let _ = ua.reject(call, 486, now);
                });
                return;
            }
        }
        let registered = matches!(event, UaEvent::Registered { .. });
        let answered = match &event {
            UaEvent::Connected { call, .. } => Some(call.0),
            _ => None,
        };
        self.state.apply(&event, wall_ms);
        // Answered: the extension's pauses start.
        if let Some(post_dial) = self
            .post_dial
            .as_mut()
            .filter(|p| Some(p.call) == answered && p.due.is_none())
        {
            if !post_dial.arm(now) {
                self.post_dial = None;
            }
        }
        match event {
            UaEvent::IncomingCall {
                call,
                sip_call_id,
                sdp_offer,
                ..
            } => {
                self.state.identify(call.0, call.0, &sip_call_id);
                self.offers.push((call, sdp_offer));
            }
            UaEvent::Connected {
                call,
                sdp: Some(sdp),
            } if self.media.contains(&call.0) => {
                self.effects
                    .push(Effect::RemoteAnswer { call: call.0, sdp });
            }
            UaEvent::RemoteReoffer { call, sdp } if self.media.contains(&call.0) => {
                self.effects
                    .push(Effect::AnswerReoffer { call: call.0, sdp });
            }
            UaEvent::ReofferAnswered { call, sdp } => {
                if let Some(at) = self.hold_requested.iter().position(|(c, _)| *c == call.0) {
                    let (_, on) = self.hold_requested.remove(at);
                    self.state.set_held(call.0, on);
                }
                if self.media.contains(&call.0) {
                    self.effects
                        .push(Effect::RemoteAnswer { call: call.0, sdp });
                }
            }
            UaEvent::ReofferFailed { call, .. } => {
                self.hold_requested.retain(|(c, _)| *c != call.0)
            }
            UaEvent::TransferProgress { call, status } => {
                self.transfer_state(call.0, |_| {
                    if matches!(status, 180 | 183) {
                        TransferState::Ringing
                    } else {
                        TransferState::Trying
                    }
                });
            }
            UaEvent::TransferDone { call } => self.transfer_state(call.0, |_| TransferState::Done),
            UaEvent::TransferFailed { call, status } => {
                self.transfer_state(call.0, |_| TransferState::Failed(status))
            }
            UaEvent::Ended { call, .. } => {
                if self.post_dial.as_ref().is_some_and(|p| p.call == call.0) {
                    self.post_dial = None;
                }
                if let Some(at) = self.media.iter().position(|c| *c == call.0) {
                    self.media.remove(at);
                    self.effects.push(Effect::DropMedia { call: call.0 });
                }
                self.offers.retain(|(h, _)| *h != call);
                self.hold_requested.retain(|(c, _)| *c != call.0);
                // Handed over: the BYE after the transfer ends it as transferred.
                for c in self
                    .state
                    .call
                    .iter_mut()
                    .chain(self.state.other.iter_mut())
                {
                    let done = c.transfer.as_ref().map(|t| t.state) == Some(TransferState::Done);
                    if c.id == call.0 && c.phase == CallPhase::Ended && done {
                        c.end = Some(CallEnd::Transferred);
                    }
                }
            }
            _ => {}
        }
        if let Some(call) = answered {
            self.record(call);
        }
        // A dial that waited for the registration goes now (or ends if the line failed).
        if self
            .dialling
            .as_ref()
            .is_some_and(|d| d.waiting_since.is_some())
        {
            if registered {
                self.place_dial(now, wall_ms);
            } else if !matches!(
                self.state.line,
                LineState::Connecting | LineState::Registered
            ) {
                self.dialling = None;
                self.state
                    .end_call(DIALLING, CallEnd::ConnectionLost, wall_ms);
                self.effects.push(Effect::DropMedia { call: DIALLING });
            }
        }
    }

    /// An answered call is recorded when the user turned recording on (once: a re-INVITE's
    /// answer does not start another recording).
    fn record(&mut self, call: u32) {
        let on = self.settings.as_ref().is_some_and(|s| s.recording.on);
        if !on || !self.media.contains(&call) {
            return;
        }
        let view = self
            .state
            .call_mut(call)
            .filter(|c| c.phase == CallPhase::Connected && !c.recording);
        let Some(view) = view else {
            return;
        };
        view.recording = true;
        let call_id = view.call_id.clone();
        self.effects.push(Effect::Record { call, call_id });
    }

    /// The tone the state calls for, asked of the glue when it changes: the ringtone while a
    /// call rings for us (not yet answered), the ring-back while ours rings at the far end.
    fn sound(&mut self, now: u64) {
        let ringing = self
            .settings
            .as_ref()
            .map(|s| s.ringing)
            .unwrap_or_default();
        let waiting = self
            .state
            .live_other()
            .is_some_and(|c| c.phase == CallPhase::Incoming);
        let tone = match self.live() {
            Some((_, CallPhase::Incoming)) if ringing.ringtone && ringing.volume > 0 => {
                Tone::Ring {
                    volume: ringing.volume,
                }
            }
            Some((id, CallPhase::Ringing)) => {
                let due = match self.ringback_at {
                    Some((call, at)) if call == id => at,
                    _ => {
                        let at = now + RINGBACK_DELAY_MS;
                        self.ringback_at = Some((id, at));
                        if let Some(wake) = self.next_wake() {
                            self.effects.push(Effect::WakeAt(wake));
                        }
                        at
                    }
                };
                if now >= due {
                    Tone::Ringback
                } else {
                    Tone::Silent
                }
            }
            // In the call's own audio, whatever the ringtone setting: the user is on the phone.
            Some(_) if waiting => Tone::Waiting,
            _ => Tone::Silent,
        };
        if !matches!(self.live(), Some((_, CallPhase::Ringing))) {
            self.ringback_at = None;
        }
        if tone != self.tone {
            self.tone = tone;
            self.effects.push(Effect::Tone(tone));
        }
    }

    /// Tells the worker the state when what it shows changed. The call's identity alone (the
    /// INVITE just went out) is not news: it rides along with the next change, instead of a
    /// round through the worker and every tab while the far end prepares its answer.
    /// Ended calls go to the worker's queue; the two lines are put in order.
    fn tidy(&mut self) {
        let ended: Vec<CallView> = [self.state.call.as_ref(), self.state.other.as_ref()]
            .into_iter()
            .flatten()
            .filter(|c| c.phase == CallPhase::Ended && !c.call_id.is_empty())
            .cloned()
            .collect();
        for call in ended {
            self.queue_ended(call);
        }
        // An ended call beside the one in front goes (it is queued for the worker); the one in
        // front ended with another beside it: that one comes forward (still held, if it was).
        if self
            .state
            .other
            .as_ref()
            .is_some_and(|c| c.phase == CallPhase::Ended)
        {
            self.state.other = None;
        }
        let front_over = self
            .state
            .call
            .as_ref()
            .is_none_or(|c| c.phase == CallPhase::Ended);
        if front_over && self.state.other.is_some() {
            self.state.call = self.state.other.take();
        }
    }

    fn report(&mut self, now: u64) {
        let news = self
            .reported
            .as_ref()
            .is_none_or(|r| !r.shows_the_same(&self.state));
        if news {
            self.reported = Some(self.state.clone());
            self.seq += 1;
            self.effects.push(Effect::Report {
                state: self.state.clone(),
                seq: self.seq,
                ended: self.unacked.clone(),
            });
        }
        if !self.unacked.is_empty() && self.resend_at.is_none() {
            self.resend_at = Some(now + RESEND_MS);
            if let Some(at) = self.next_wake() {
                self.effects.push(Effect::WakeAt(at));
            }
        }
    }

    fn queue_ended(&mut self, call: CallView) {
        if self.queued.contains(&call.call_id) {
            return;
        }
        self.queued.push(call.call_id.clone());
        let excess = self.queued.len().saturating_sub(UNACKED_KEPT * 2);
        self.queued.drain(..excess);
        self.unacked.push(call);
        let excess = self.unacked.len().saturating_sub(UNACKED_KEPT);
        self.unacked.drain(..excess);
    }

    fn transfer_state(&mut self, id: u32, f: impl FnOnce(TransferState) -> TransferState) {
        let Some(mut transfer) = self.state.find(id).and_then(|c| c.transfer.clone()) else {
            return;
        };
        transfer.state = f(transfer.state);
        self.state.set_transfer(id, Some(transfer));
    }

    /// The last state again, with the ended calls the worker has not acknowledged (the same
    /// `seq`: it is not news for the panels).
    fn resend(&mut self) {
        if self.unacked.is_empty() {
            return;
        }
        self.effects.push(Effect::Report {
            state: self.reported.clone().unwrap_or_else(|| self.state.clone()),
            seq: self.seq,
            ended: self.unacked.clone(),
        });
        // `report` schedules the next one while some remain.
    }
}

fn command_invalid(number: &str) -> bool {
    PhoneCommand::Dial {
        number: number.to_string(),
        dial_id: None,
    }
    .validate()
    .is_err()
}

/// `03-1234-5678` → `0312345678`; SIP addresses pass as they are.
pub fn dial_target(number: &str) -> String {
    let n = number.trim();
    if n.contains('@') || n.to_ascii_lowercase().starts_with("sip") {
        return n.to_string();
    }
    // Visual separators as people write numbers (03-1234-5678, (03) 1234 5678, 03/1234/5678).
    n.chars().filter(|c| !" -()./".contains(*c)).collect()
}

#[cfg(test)]
#[path = "engine_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "engine_lines_tests.rs"]
mod lines_tests;
#[cfg(test)]
#[path = "engine_post_dial_tests.rs"]
mod post_dial_tests;
#[cfg(test)]
#[path = "engine_rig.rs"]
mod rig;
