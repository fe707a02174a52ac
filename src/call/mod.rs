//! The phone as the user sees it: registration, the one call and its state (dialling, ringing,
//! connected, held, ended), the commands a user can give, and the phone settings.
//!
//! Pure: the offscreen glue feeds it the SIP agent's events and the media results, and sends
//! the resulting `PhoneState` to every Lightning tab, which only renders it.

pub mod engine;
pub mod ice;
pub mod recording;
pub mod settings;

use serde::{Deserialize, Serialize};

use crate::sip::{EndReason, RegistrationFailure, UaEvent};

/// What a user can ask of the phone (from the docked panel or the options page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all_fields = "camelCase")]
pub enum PhoneCommand {
    /// `dial_id`: the worker's id of a click-to-call, echoed in the call's reports so the
    /// call desk joins the call to the record it was dialled from.
    Dial {
        number: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dial_id: Option<String>,
    },
    Answer,
    Decline,
    Hangup,
    Mute {
        on: bool,
    },
    Hold {
        on: bool,
    },
    Dtmf {
        digits: String,
    },
    /// With a call on hold beside the one in front: hold the front one, resume the other.
    Switch,
    /// Blind transfer of the call in front to `target` (a number or SIP address).
    Transfer {
        target: String,
    },
    /// Attended transfer, first step: the call in front goes on hold and `target` is called.
    Consult {
        target: String,
    },
    /// Attended transfer, last step: the held call is handed to the consulted one (in front).
    CompleteTransfer,
}

impl PhoneCommand {
    /// Refuses commands that could not be carried out whatever the phone's state.
    pub fn validate(&self) -> Result<(), &'static str> {
        match self {
            PhoneCommand::Dial { number, .. } => {
                let n = number.trim();
                let (main, post_dial) = split_post_dial(n);
                let ok = !main.is_empty()
                    && n.len() <= 64
                    && main
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+*#-_.@:()/ ".contains(c))
                    && main.chars().any(|c| c.is_ascii_alphanumeric())
                    && post_dial.is_none_or(valid_post_dial);
                ok.then_some(()).ok_or("not a number or SIP address")
            }
            PhoneCommand::Transfer { target } | PhoneCommand::Consult { target } => {
                PhoneCommand::Dial {
                    number: target.clone(),
                    dial_id: None,
                }
                .validate()?;
                if target.contains(crate::number::PAUSE) {
                    return Err("a transfer goes to a number, without pauses");
                }
                Ok(())
            }
            PhoneCommand::Dtmf { digits } => {
                let ok =
                    !digits.is_empty() && digits.len() <= 32 && digits.chars().all(is_dtmf_digit);
                ok.then_some(()).ok_or("DTMF takes 0-9, *, #, A-D")
            }
            _ => Ok(()),
        }
    }
}

pub fn is_dtmf_digit(c: char) -> bool {
    c.is_ascii_digit() || matches!(c, '*' | '#' | 'A'..='D')
}

/// `0312345678,123` → (`0312345678`, `Some(",123")`): the number the INVITE calls, and what is
/// dialled after the answer (each `,` a pause, then DTMF digits), from its first pause on.
pub fn split_post_dial(number: &str) -> (&str, Option<&str>) {
    match number.find(crate::number::PAUSE) {
        Some(at) => (&number[..at], Some(&number[at..])),
        None => (number, None),
    }
}

/// What follows the number in a dial string: pauses and DTMF digits (spaces between them
/// ignored), with at least one digit.
fn valid_post_dial(post_dial: &str) -> bool {
    post_dial
        .chars()
        .all(|c| c == crate::number::PAUSE || c == ' ' || is_dtmf_digit(c))
        && post_dial.chars().any(is_dtmf_digit)
}

/// The extension as the call's view shows it: the digits (and any further pauses) after the
/// first pauses, `,,123` → `123`; `None` when nothing is dialled after the answer.
pub fn shown_extension(post_dial: Option<&str>) -> Option<String> {
    let digits: String = post_dial?
        .chars()
        .filter(|c| *c != ' ')
        .skip_while(|c| *c == crate::number::PAUSE)
        .collect();
    let digits = digits.trim_end_matches(crate::number::PAUSE);
    (!digits.is_empty()).then(|| digits.to_string())
}

/// The line's registration, with a plain reason when it is down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LineState {
    /// No phone account in the settings.
    Unconfigured,
    Connecting,
    Registered,
    WrongPassword,
    ServerUnreachable,
    ServerError,
    Refused,
}

impl LineState {
    /// The line is down for a reason the user or the admin must fix.
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            LineState::WrongPassword
                | LineState::ServerUnreachable
                | LineState::ServerError
                | LineState::Refused
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CallPhase {
    /// Preparing media and sending the INVITE.
    Dialling,
    /// The far end rings.
    Ringing,
    /// Someone calls us.
    Incoming,
    /// Answered, media being set up.
    Connecting,
    Connected,
    Ended,
}

/// Why the last call ended, in the words the panel shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CallEnd {
    HungUp,
    RemoteHungUp,
    Cancelled,
    Declined,
    Missed,
    Busy,
    NotFound,
    Unavailable,
    NoAnswer,
    Failed,
    /// The microphone is not permitted (getUserMedia refused).
    NoMicrophone,
    /// The connection to the SIP server was lost.
    ConnectionLost,
    /// Handed to someone else (a transfer that reached them).
    Transferred,
}

impl CallPhase {
    /// The UPPER_SNAKE code, as serialised: names the panel's text (`phase_…`).
    pub fn code(self) -> &'static str {
        match self {
            CallPhase::Dialling => "DIALLING",
            CallPhase::Ringing => "RINGING",
            CallPhase::Incoming => "INCOMING",
            CallPhase::Connecting => "CONNECTING",
            CallPhase::Connected => "CONNECTED",
            CallPhase::Ended => "ENDED",
        }
    }
}

impl CallEnd {
    /// The UPPER_SNAKE code, as serialised: names the panel's text (`end_…`).
    pub fn code(self) -> &'static str {
        match self {
            CallEnd::HungUp => "HUNG_UP",
            CallEnd::RemoteHungUp => "REMOTE_HUNG_UP",
            CallEnd::Cancelled => "CANCELLED",
            CallEnd::Declined => "DECLINED",
            CallEnd::Missed => "MISSED",
            CallEnd::Busy => "BUSY",
            CallEnd::NotFound => "NOT_FOUND",
            CallEnd::Unavailable => "UNAVAILABLE",
            CallEnd::NoAnswer => "NO_ANSWER",
            CallEnd::Failed => "FAILED",
            CallEnd::NoMicrophone => "NO_MICROPHONE",
            CallEnd::ConnectionLost => "CONNECTION_LOST",
            CallEnd::Transferred => "TRANSFERRED",
        }
    }

    pub fn from_reason(reason: EndReason) -> CallEnd {
        match reason {
            EndReason::LocalHangup => CallEnd::HungUp,
            EndReason::RemoteHangup => CallEnd::RemoteHungUp,
            EndReason::Cancelled => CallEnd::Cancelled,
            EndReason::LocalRejected | EndReason::Declined => CallEnd::Declined,
            EndReason::CallerCancelled => CallEnd::Missed,
            EndReason::Busy => CallEnd::Busy,
            EndReason::NotFound => CallEnd::NotFound,
            EndReason::Unavailable => CallEnd::Unavailable,
            EndReason::NoAnswer => CallEnd::NoAnswer,
            EndReason::TransportLost | EndReason::ServerUnreachable => CallEnd::ConnectionLost,
            EndReason::AuthFailed | EndReason::AckTimeout | EndReason::Failed { .. } => {
                CallEnd::Failed
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallView {
    /// The agent's handle, so late events of an older call are told apart.
    pub id: u32,
    /// The SIP Call-ID once the INVITE is out (or in): the call log's key (`CallObject`), the
    /// same id the PBX's own records carry. Empty while media is being prepared.
    #[serde(default)]
    pub call_id: String,
    /// The click-to-call this call was dialled for (see [`PhoneCommand::Dial`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dial_id: Option<String>,
    pub outgoing: bool,
    /// The number or SIP address of the far end, as dialled or as the caller presented it.
    pub peer: String,
    #[serde(default)]
    pub peer_name: Option<String>,
    pub phase: CallPhase,
    /// Wall-clock milliseconds (epoch) when dialling started or the call came in.
    #[serde(default)]
    pub started_at_ms: u64,
    /// Wall-clock milliseconds (epoch) when the call was answered: the panel's timer.
    #[serde(default)]
    pub answered_at_ms: Option<u64>,
    #[serde(default)]
    pub muted: bool,
    #[serde(default)]
    pub held: bool,
    #[serde(default)]
    pub end: Option<CallEnd>,
    /// Wall-clock milliseconds (epoch) when the call ended.
    #[serde(default)]
    pub ended_at_ms: Option<u64>,
    /// The extension dialled once the call is answered (`123` of `0312345678,123`): the panel
    /// shows it with the number (`内線 123`); `peer` is the number alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    /// A transfer of this call: to whom, and how far it got.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer: Option<Transfer>,
    /// The call is being recorded (the user turned recording on): the panel shows a red mark,
    /// and the ended call's recording plays there.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub recording: bool,
}

impl CallView {
    /// A call that just started (dialled or rung), with nothing else known yet.
    pub fn new(id: u32, outgoing: bool, peer: &str, phase: CallPhase, now_ms: u64) -> CallView {
        CallView {
            id,
            call_id: String::new(),
            dial_id: None,
            outgoing,
            peer: peer.to_string(),
            peer_name: None,
            phase,
            started_at_ms: now_ms,
            answered_at_ms: None,
            muted: false,
            held: false,
            end: None,
            ended_at_ms: None,
            extension: None,
            transfer: None,
            recording: false,
        }
    }
}

/// A transfer of a call, as the far end reports it (RFC 3515 NOTIFY).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transfer {
    /// The number or SIP address it goes to (for an attended transfer, the consulted call's).
    pub target: String,
    pub attended: bool,
    pub state: TransferState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE", tag = "state", content = "status")]
pub enum TransferState {
    /// Asked (REFER sent), or the target is being called.
    Trying,
    Ringing,
    /// The target answered: the call is theirs.
    Done,
    /// Refused or not reached (the SIP status, 0 when none was given): the call stays ours.
    Failed(u16),
}

/// Everything the panel renders; sent whole on every change (it is small).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhoneState {
    pub line: LineState,
    #[serde(default)]
    pub call: Option<CallView>,
    /// A second call beside the one in front: one that rings while we talk (call waiting), or
    /// one on hold while we talk to another (after answering a second call, or consulting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other: Option<CallView>,
    /// Chosen devices that are not connected (the default plays instead), by role and label.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_devices: Vec<(settings::DeviceRole, String)>,
    /// getUserMedia was refused: the user must allow the microphone on the options page.
    #[serde(default)]
    pub microphone_denied: bool,
}

impl Default for PhoneState {
    fn default() -> Self {
        PhoneState {
            line: LineState::Unconfigured,
            call: None,
            other: None,
            missing_devices: vec![],
            microphone_denied: false,
        }
    }
}

impl PhoneState {
    /// Whether `other` shows the same (the agent's handle and the Call-ID aside).
    pub fn shows_the_same(&self, other: &PhoneState) -> bool {
        let anonymous = |s: &PhoneState| {
            let mut s = s.clone();
            for c in s.call.iter_mut().chain(s.other.iter_mut()) {
                c.id = 0;
                c.call_id.clear();
            }
            s
        };
        anonymous(self) == anonymous(other)
    }

    /// A call that is not over yet.
    pub fn live_call(&self) -> Option<&CallView> {
        self.call.as_ref().filter(|c| c.phase != CallPhase::Ended)
    }

    /// The call beside the one in front, while it is not over.
    pub fn live_other(&self) -> Option<&CallView> {
        self.other.as_ref().filter(|c| c.phase != CallPhase::Ended)
    }

    /// The call that rings for us and is not answered yet: the one in front, or a second one
    /// waiting beside it.
    pub fn ringing(&self) -> Option<&CallView> {
        [self.call.as_ref(), self.other.as_ref()]
            .into_iter()
            .flatten()
            .find(|c| c.phase == CallPhase::Incoming)
    }

    /// The live call with agent handle `id`, wherever it is.
    pub fn find(&self, id: u32) -> Option<&CallView> {
        [self.call.as_ref(), self.other.as_ref()]
            .into_iter()
            .flatten()
            .find(|c| c.id == id && c.phase != CallPhase::Ended)
    }

    /// The live call with agent handle `id`, to change it.
    pub(crate) fn call_mut(&mut self, id: u32) -> Option<&mut CallView> {
        self.call
            .iter_mut()
            .chain(self.other.iter_mut())
            .find(|c| c.id == id && c.phase != CallPhase::Ended)
    }

    /// The two calls change places (the one beside comes to the front).
    pub fn swap(&mut self) {
        std::mem::swap(&mut self.call, &mut self.other);
    }

    pub fn set_transfer(&mut self, id: u32, transfer: Option<Transfer>) {
        if let Some(c) = self.call_mut(id) {
            c.transfer = transfer;
        }
    }

    pub fn start_outgoing(&mut self, id: u32, peer: &str, dial_id: Option<String>, now_ms: u64) {
        self.call = Some(CallView {
            dial_id,
            ..CallView::new(id, true, peer, CallPhase::Dialling, now_ms)
        });
    }

    /// The INVITE went out (or came in) as agent call `id` with this SIP Call-ID.
    pub fn identify(&mut self, old_id: u32, id: u32, sip_call_id: &str) {
        if let Some(c) = self.call_mut(old_id) {
            c.id = id;
            c.call_id = sip_call_id.to_string();
        }
    }

    pub fn set_muted(&mut self, id: u32, on: bool) {
        if let Some(c) = self.call_mut(id) {
            c.muted = on;
        }
    }

    pub fn set_held(&mut self, id: u32, on: bool) {
        if let Some(c) = self.call_mut(id) {
            c.held = on;
        }
    }

    /// The call ended without the agent's word (media could not start).
    pub fn end_call(&mut self, id: u32, end: CallEnd, now_ms: u64) {
        if let Some(c) = self.call_mut(id) {
            c.phase = CallPhase::Ended;
            c.end = Some(end);
            c.ended_at_ms = Some(now_ms);
        }
    }

    /// Our answer went out: media comes up next.
    pub fn answering(&mut self, id: u32) {
        if let Some(c) = self.call_mut(id) {
            c.phase = CallPhase::Connecting;
        }
    }

    /// Folds one event of the SIP agent in; `now_ms` is wall-clock (epoch) time. Returns
    /// whether anything the panel shows changed.
    pub fn apply(&mut self, event: &UaEvent, now_ms: u64) -> bool {
        let before = self.clone();
        match event {
            UaEvent::Registered { .. } => self.line = LineState::Registered,
            UaEvent::Unregistered => self.line = LineState::Connecting,
            UaEvent::RegistrationFailed { reason, .. } => {
                self.line = match reason {
                    RegistrationFailure::WrongCredentials => LineState::WrongPassword,
                    RegistrationFailure::ServerUnreachable | RegistrationFailure::TransportLost => {
                        LineState::ServerUnreachable
                    }
                    RegistrationFailure::ServerError { .. } => LineState::ServerError,
                    RegistrationFailure::Rejected { .. } => LineState::Refused,
                }
            }
            UaEvent::IncomingCall {
                call,
                from_uri,
                from_name,
                ..
            } => {
                // A second caller while we are busy waits beside the call (the engine refuses
                // one it cannot take: busy, 486, before this).
                let view = CallView {
                    peer_name: from_name.as_deref().and_then(crate::shown::shown_name),
                    ..CallView::new(
                        call.0,
                        false,
                        &display_peer(from_uri),
                        CallPhase::Incoming,
                        now_ms,
                    )
                };
                if self.live_call().is_none() {
                    self.call = Some(view);
                } else if self.live_other().is_none() {
                    self.other = Some(view);
                }
            }
            UaEvent::Ringing { call, .. } => {
                if let Some(c) = self.call_mut(call.0) {
                    if c.phase == CallPhase::Dialling {
                        c.phase = CallPhase::Ringing;
                    }
                }
            }
            UaEvent::Connected { call, .. } => {
                if let Some(c) = self.call_mut(call.0) {
                    c.phase = CallPhase::Connected;
                    c.answered_at_ms.get_or_insert(now_ms);
                }
            }
            UaEvent::Ended { call, reason } => {
                self.end_call(call.0, CallEnd::from_reason(*reason), now_ms)
            }
            UaEvent::RemoteReoffer { .. }
            | UaEvent::ReofferAnswered { .. }
            | UaEvent::ReofferFailed { .. }
            | UaEvent::Dtmf { .. }
            | UaEvent::TransferProgress { .. }
            | UaEvent::TransferDone { .. }
            | UaEvent::TransferFailed { .. } => {}
        }
        *self != before
    }
}

/// `sip:+81312345678@sip.test;user=phone` → `+81312345678`: the user part is what people dial.
pub fn display_peer(uri: &str) -> String {
    let rest = uri
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim_start_matches("sips:")
        .trim_start_matches("sip:")
        .trim_start_matches("tel:");
    let user = rest.split(['@', ';', '>']).next().unwrap_or(rest);
    if user.is_empty() {
        uri.to_string()
    } else {
        user.to_string()
    }
}

#[cfg(test)]
mod tests;
