//! SIP over WebSocket (RFC 3261, RFC 7118) as a sans-I/O user agent: message parsing, digest
//! authentication, transactions, dialogs, registration and calls.
//!
//! Nothing here performs I/O or reads a clock: time is a millisecond count passed into every
//! call, and the state machines answer with actions for the glue to perform.

pub mod digest;
pub mod header;
pub mod message;
pub mod transaction;

pub use header::{CSeq, NameAddr, Via};
pub use message::{Header, Message, Method, ParseError, StartLine};
