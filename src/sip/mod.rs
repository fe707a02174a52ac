//! SIP over WebSocket (RFC 3261, RFC 7118) as a sans-I/O user agent: message parsing, digest
//! authentication, transactions, dialogs, registration and calls.
//!
//! Nothing here performs I/O or reads a clock: time is a millisecond count passed into every
//! call, and the state machines answer with actions for the glue to perform. The glue's whole
//! surface is `UserAgent` (inputs) and `Action`/`UaEvent` (outputs).
//!
//! How the offscreen glue drives it:
//! - `UserAgent::new(config, rng)` once, its `Rng` keyed from `crypto.getRandomValues`.
//! - `register(now)`; an `Action::OpenTransport` asks for the WebSocket (subprotocol `sip`).
//!   Report `transport_opened(now)` / `transport_closed(now)`, and each text frame with
//!   `receive(bytes, now)`.
//! - After every call, `take_actions()`: `Send` a frame, re-arm one timer for `WakeAt` and call
//!   `tick(now)` when it fires, show `Event`s.
//! - Calls: `call(target, sdp_offer, now)` → handle; `answer`, `reject(486|603)`, `hangup`,
//!   `reoffer` (hold/resume), `answer_reoffer`, `send_dtmf`, `transfer` (blind) and
//!   `transfer_attended` (to the party of another call). SDP is opaque text from WebRTC.
//!   An incoming INVITE without an offer arrives as `IncomingCall` with an empty `sdp_offer`:
//!   answer with an offer, and the answer comes with `Connected` (from the ACK).

pub mod body;
pub mod call;
pub mod context;
pub mod dialog;
pub mod digest;
pub mod events;
pub mod grammar;
pub mod header;
pub mod message;
pub mod registration;
pub mod transaction;
pub mod ua;

pub use call::{CallInfo, CallState, Direction};
pub use context::UaConfig;
pub use events::{Action, CallHandle, EndReason, RegistrationFailure, UaError, UaEvent};
pub use header::{CSeq, NameAddr, Via};
pub use message::{Header, Message, Method, ParseError, StartLine};
pub use registration::RegistrationState;
pub use transaction::{Millis, TimerConfig};
pub use ua::UserAgent;

#[cfg(test)]
mod ua_tests;
