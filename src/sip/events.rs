//! What the user agent asks of its glue (actions) and tells its UI (events), and why calls and
//! registrations end.

use super::transaction::Millis;

/// Names one call for the life of the user agent; not the SIP Call-ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallHandle(pub u32);

/// Something the glue must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send this text as one WebSocket message.
    Send(String),
    /// Call `UserAgent::tick` at (or soon after) this time. Replaces any earlier wake-up; with
    /// no `WakeAt` in a batch nothing is pending, and a stale timer's `tick` is harmless.
    WakeAt(Millis),
    /// Open the WebSocket, then call `transport_opened` (or `transport_closed` if it fails).
    OpenTransport,
    Event(UaEvent),
}

/// Something the UI should know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UaEvent {
    Registered {
        expires_secs: u32,
    },
    Unregistered,
    RegistrationFailed {
        reason: RegistrationFailure,
        /// When we try again by ourselves; `None` means only the user can fix it.
        retry_at: Option<Millis>,
    },
    /// Someone calls us; we already answered `180 Ringing`.
    IncomingCall {
        call: CallHandle,
        /// The INVITE's Call-ID: the call log's key, known from the first ring.
        sip_call_id: String,
        from_uri: String,
        from_name: Option<String>,
        /// The caller's SDP offer (empty if they sent none).
        sdp_offer: String,
    },
    /// The far end rings (180) or sends progress (183), maybe with early-media SDP.
    Ringing {
        call: CallHandle,
        early_sdp: Option<String>,
    },
    /// The call is up. For an outgoing call, `sdp` is the answer; for an incoming call the
    /// offer came with `IncomingCall` and `sdp` is `None`.
    Connected {
        call: CallHandle,
        sdp: Option<String>,
    },
    /// The far end sent a new offer (re-INVITE, e.g. hold): reply with `answer_reoffer`.
    RemoteReoffer {
        call: CallHandle,
        sdp: String,
    },
    /// Our re-INVITE (hold/unhold) finished.
    ReofferAnswered {
        call: CallHandle,
        sdp: String,
    },
    /// Our re-INVITE was refused; the call goes on with the old media. 491 means "try again
    /// a little later".
    ReofferFailed {
        call: CallHandle,
        status: u16,
    },
    /// A DTMF digit by SIP INFO (application/dtmf-relay).
    Dtmf {
        call: CallHandle,
        digit: char,
        duration_ms: u32,
    },
    /// Our transfer of `call` (see `UserAgent::transfer`) got this far: a provisional status
    /// of the transferee's INVITE to the target (RFC 3515 §2.4.5: `100` Trying, `180`
    /// Ringing, `183`).
    TransferProgress {
        call: CallHandle,
        status: u16,
    },
    /// The transferee reached the target (2xx). We hang our leg up ourselves (RFC 5589 §6.1):
    /// `Ended { reason: LocalHangup }` follows unless the far end hung up first.
    TransferDone {
        call: CallHandle,
    },
    /// The transfer did not happen and `call` goes on as it was (on hold, if it was). `status`
    /// is the refusal of the REFER (4xx-6xx; 408 when it got no answer), the target's final
    /// status the transferee reported, or 0 when the report ended without one.
    TransferFailed {
        call: CallHandle,
        status: u16,
    },
    Ended {
        call: CallHandle,
        reason: EndReason,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistrationFailure {
    /// 403, or the server refused the answer to its own challenge: the password (or user) is
    /// wrong. We do not retry by ourselves.
    WrongCredentials,
    /// No response in time (or 408): the server or the path to it is down. Retried.
    ServerUnreachable,
    /// The WebSocket closed. Retried once it reopens.
    TransportLost,
    /// A 5xx: the server is up but failing. Retried.
    ServerError { status: u16 },
    /// Any other refusal; not retried.
    Rejected { status: u16 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// We hung up an answered call (BYE).
    LocalHangup,
    /// We gave up before an answer (CANCEL, then 487). Reported at once: the call log and the
    /// UI need not wait for the proxy.
    Cancelled,
    /// The far end hung up (BYE).
    RemoteHangup,
    /// We declined or rejected an incoming call.
    LocalRejected,
    /// The caller gave up before we answered (CANCEL).
    CallerCancelled,
    /// 486 / 600.
    Busy,
    /// 404 / 604 / 484.
    NotFound,
    /// 480: known user, not reachable now.
    Unavailable,
    /// 603.
    Declined,
    /// 408, or a proxy's time-out.
    NoAnswer,
    /// No response at all to our INVITE.
    ServerUnreachable,
    /// The server refused our credentials for the INVITE.
    AuthFailed,
    /// The WebSocket closed during the call.
    TransportLost,
    /// No ACK for our 200: the caller's side is gone.
    AckTimeout,
    /// Any other final status.
    Failed { status: u16 },
}

impl EndReason {
    /// The reason for a failure response to our INVITE.
    pub fn from_status(status: u16, we_cancelled: bool) -> EndReason {
        match status {
            487 if we_cancelled => EndReason::Cancelled,
            486 | 600 => EndReason::Busy,
            404 | 484 | 604 => EndReason::NotFound,
            480 => EndReason::Unavailable,
            603 => EndReason::Declined,
            408 => EndReason::NoAnswer,
            401 | 407 => EndReason::AuthFailed,
            status => EndReason::Failed { status },
        }
    }
}

/// Refusals a user command can meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UaError {
    NoSuchCall,
    /// The call is not in a state where this makes sense (e.g. answering an outgoing call).
    WrongState,
    /// The number or URI cannot be dialled.
    InvalidTarget,
    /// DTMF accepts 0-9, *, #, A-D.
    InvalidDigit,
}
