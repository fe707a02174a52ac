//! SIP transactions (RFC 3261 §17, with the RFC 6026 "Accepted" states): retransmission,
//! absorbing duplicates, ACK for non-2xx finals, and time-outs, driven by an injected clock.
//!
//! Over a reliable transport such as WebSocket there are no retransmissions (Timers A, E, G
//! stay unarmed) and the wait-for-stragglers timers (D, I, J, K) are zero, as §17 says; Timers
//! B, F and H still bound how long we wait for the other side.

use super::message::{Message, Method};

/// Millisecond count from any fixed origin, supplied by the caller.
pub type Millis = u64;

/// RFC 3261 timer base values (Table 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimerConfig {
    pub t1: Millis,
    pub t2: Millis,
    pub t4: Millis,
}

impl Default for TimerConfig {
    fn default() -> Self {
        TimerConfig {
            t1: 500,
            t2: 4_000,
            t4: 5_000,
        }
    }
}

/// What a transaction asks of its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxOutput {
    /// Put this message on the wire (first send, retransmission or ACK).
    Transmit(Message),
    /// A response for the transaction user (client side).
    Response(Message),
    /// No final response (B, F) or no ACK (H) in time.
    TimedOut,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxState {
    /// Calling (INVITE) or Trying (non-INVITE).
    Initial,
    Proceeding,
    Completed,
    /// INVITE after a 2xx (RFC 6026): further 2xx go to the TU, which owns the ACK.
    Accepted,
    /// INVITE server after ACK of a non-2xx.
    Confirmed,
    Terminated,
}

/// Identifies a transaction: the top Via branch and the method (CANCEL has its own transaction
/// with the INVITE's branch, and an ACK for a non-2xx belongs to its INVITE).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxKey {
    pub branch: String,
    pub method: Method,
}

impl TxKey {
    /// The key a response belongs to, from its top Via and CSeq.
    pub fn of_response(response: &Message) -> Option<TxKey> {
        Some(TxKey {
            branch: response.top_via()?.branch()?.to_string(),
            method: response.cseq()?.method,
        })
    }

    /// The key a request belongs to; ACK maps onto the INVITE it acknowledges.
    pub fn of_request(request: &Message) -> Option<TxKey> {
        let method = match request.method()? {
            Method::Ack => Method::Invite,
            m => m.clone(),
        };
        Some(TxKey {
            branch: request.top_via()?.branch()?.to_string(),
            method,
        })
    }
}

#[derive(Debug, Clone)]
struct Clock {
    /// Next retransmission (A, E, G) and its current interval.
    retransmit_at: Option<Millis>,
    interval: Millis,
    /// Give-up or clean-up deadline (B, F, H, D, I, J, K, L, M, whichever the state needs).
    deadline: Option<Millis>,
}

impl Clock {
    fn next(&self) -> Option<Millis> {
        match (self.retransmit_at, self.deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// A client transaction: we sent a request and wait for its responses.
#[derive(Debug, Clone)]
pub struct ClientTransaction {
    pub key: TxKey,
    request: Message,
    state: TxState,
    reliable: bool,
    timers: TimerConfig,
    clock: Clock,
}

impl ClientTransaction {
    /// Starts the transaction; the first output is the request to transmit.
    pub fn start(
        request: Message,
        reliable: bool,
        timers: TimerConfig,
        now: Millis,
    ) -> Option<(ClientTransaction, Vec<TxOutput>)> {
        let key = TxKey::of_request(&request)?;
        let clock = Clock {
            retransmit_at: (!reliable).then_some(now + timers.t1),
            interval: timers.t1,
            deadline: Some(now + 64 * timers.t1),
        };
        let out = vec![TxOutput::Transmit(request.clone())];
        let tx = ClientTransaction {
            key,
            request,
            state: TxState::Initial,
            reliable,
            timers,
            clock,
        };
        Some((tx, out))
    }

    fn is_invite(&self) -> bool {
        self.key.method == Method::Invite
    }

    pub fn state(&self) -> TxState {
        self.state
    }

    pub fn request(&self) -> &Message {
        &self.request
    }

    pub fn next_deadline(&self) -> Option<Millis> {
        (self.state != TxState::Terminated)
            .then(|| self.clock.next())
            .flatten()
    }

    pub fn on_response(&mut self, response: Message, now: Millis) -> Vec<TxOutput> {
        let Some(status) = response.status() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        match (self.state, status) {
            (TxState::Initial | TxState::Proceeding, 100..=199) => {
                self.state = TxState::Proceeding;
                if self.is_invite() {
                    // Timer B only guards the Calling state; a ringing phone may ring long.
                    self.clock.retransmit_at = None;
                    self.clock.deadline = None;
                } else if !self.reliable {
                    self.clock.interval = self.timers.t2;
                    self.clock.retransmit_at = Some(now + self.timers.t2);
                }
                out.push(TxOutput::Response(response));
            }
            (TxState::Initial | TxState::Proceeding, 200..=299) if self.is_invite() => {
                self.state = TxState::Accepted;
                self.clock.retransmit_at = None;
                self.clock.deadline = Some(now + 64 * self.timers.t1); // Timer M
                out.push(TxOutput::Response(response));
            }
            (TxState::Accepted, 200..=299) => out.push(TxOutput::Response(response)),
            (TxState::Initial | TxState::Proceeding, 200..=699) => {
                self.state = TxState::Completed;
                self.clock.retransmit_at = None;
                let linger = if self.is_invite() {
                    out.push(TxOutput::Transmit(self.ack_for(&response)));
                    32_000 // Timer D
                } else {
                    self.timers.t4 // Timer K
                };
                self.clock.deadline = Some(now + if self.reliable { 0 } else { linger });
                out.push(TxOutput::Response(response));
            }
            (TxState::Completed, 300..=699) if self.is_invite() => {
                // A retransmitted final means our ACK was lost.
                out.push(TxOutput::Transmit(self.ack_for(&response)));
            }
            _ => {}
        }
        out
    }

    pub fn on_timer(&mut self, now: Millis) -> Vec<TxOutput> {
        let mut out = Vec::new();
        if self.clock.deadline.is_some_and(|d| now >= d) {
            let waiting = matches!(self.state, TxState::Initial | TxState::Proceeding);
            self.state = TxState::Terminated;
            self.clock = Clock {
                retransmit_at: None,
                interval: 0,
                deadline: None,
            };
            if waiting {
                out.push(TxOutput::TimedOut);
            }
            return out;
        }
        if let Some(at) = self.clock.retransmit_at.filter(|at| now >= *at) {
            out.push(TxOutput::Transmit(self.request.clone()));
            self.clock.interval = if self.is_invite() {
                self.clock.interval * 2 // Timer A doubles without a cap
            } else {
                (self.clock.interval * 2).min(self.timers.t2)
            };
            self.clock.retransmit_at = Some(at.max(now) + self.clock.interval);
        }
        out
    }

    /// Terminates without a response (the transport went away).
    pub fn abort(&mut self) {
        self.state = TxState::Terminated;
    }

    pub fn is_terminated(&self) -> bool {
        self.state == TxState::Terminated
    }

    /// The ACK for a non-2xx final (RFC 3261 §17.1.1.3): same branch, the response's To.
    fn ack_for(&self, response: &Message) -> Message {
        let uri = self.request.request_uri().unwrap_or_default().to_string();
        let mut ack = Message::request(Method::Ack, uri);
        if let Some(via) = self.request.header_values("Via").first() {
            ack.push_header("Via", *via);
        }
        for name in ["Max-Forwards", "From", "Call-ID"] {
            if let Some(v) = self.request.header(name) {
                ack.push_header(name, v);
            }
        }
        if let Some(to) = response.header("To") {
            ack.push_header("To", to);
        }
        let seq = self.request.cseq().map(|c| c.seq).unwrap_or_default();
        ack.push_header("CSeq", format!("{seq} ACK"));
        for route in self.request.header_values("Route") {
            ack.push_header("Route", route);
        }
        ack
    }
}

/// A server transaction: a request arrived and we owe it responses.
#[derive(Debug, Clone)]
pub struct ServerTransaction {
    pub key: TxKey,
    state: TxState,
    last_response: Option<Message>,
    reliable: bool,
    timers: TimerConfig,
    clock: Clock,
}

impl ServerTransaction {
    pub fn new(
        request: &Message,
        reliable: bool,
        timers: TimerConfig,
    ) -> Option<ServerTransaction> {
        Some(ServerTransaction {
            key: TxKey::of_request(request)?,
            state: TxState::Initial,
            last_response: None,
            reliable,
            timers,
            clock: Clock {
                retransmit_at: None,
                interval: timers.t1,
                deadline: None,
            },
        })
    }

    fn is_invite(&self) -> bool {
        self.key.method == Method::Invite
    }

    pub fn state(&self) -> TxState {
        self.state
    }

    pub fn next_deadline(&self) -> Option<Millis> {
        (self.state != TxState::Terminated)
            .then(|| self.clock.next())
            .flatten()
    }

    pub fn is_terminated(&self) -> bool {
        self.state == TxState::Terminated
    }

    /// A request matching this transaction arrived again: a retransmission, or the ACK.
    /// Returns what to send and whether the request is news for the TU (never, here: ACKs for
    /// non-2xx finals end inside the transaction).
    pub fn on_request(&mut self, request: &Message, now: Millis) -> Vec<TxOutput> {
        if request.method() == Some(&Method::Ack) {
            if self.state == TxState::Completed && self.is_invite() {
                self.state = TxState::Confirmed;
                self.clock.retransmit_at = None;
                let t4 = if self.reliable { 0 } else { self.timers.t4 };
                self.clock.deadline = Some(now + t4); // Timer I
            }
            return Vec::new();
        }
        match (&self.last_response, self.state) {
            (Some(r), TxState::Proceeding | TxState::Completed) => {
                vec![TxOutput::Transmit(r.clone())]
            }
            _ => Vec::new(),
        }
    }

    /// The TU responds. Returns the message to transmit, or nothing if the transaction is
    /// already past the point where this response could be sent.
    pub fn respond(&mut self, response: Message, now: Millis) -> Vec<TxOutput> {
        let Some(status) = response.status() else {
            return Vec::new();
        };
        if !matches!(self.state, TxState::Initial | TxState::Proceeding) {
            return Vec::new();
        }
        match status {
            100..=199 => self.state = TxState::Proceeding,
            200..=299 if self.is_invite() => {
                self.state = TxState::Accepted;
                self.clock.deadline = Some(now + 64 * self.timers.t1); // Timer L
            }
            _ => {
                self.state = TxState::Completed;
                if self.is_invite() {
                    if !self.reliable {
                        self.clock.retransmit_at = Some(now + self.timers.t1); // Timer G
                    }
                    self.clock.deadline = Some(now + 64 * self.timers.t1); // Timer H
                } else {
                    let j = if self.reliable {
                        0
                    } else {
                        64 * self.timers.t1
                    };
                    self.clock.deadline = Some(now + j); // Timer J
                }
            }
        }
        self.last_response = Some(response.clone());
        vec![TxOutput::Transmit(response)]
    }

    pub fn on_timer(&mut self, now: Millis) -> Vec<TxOutput> {
        if self.clock.deadline.is_some_and(|d| now >= d) {
            let lost_ack = self.state == TxState::Completed && self.is_invite();
            self.state = TxState::Terminated;
            self.clock.retransmit_at = None;
            self.clock.deadline = None;
            return if lost_ack {
                vec![TxOutput::TimedOut]
            } else {
                Vec::new()
            };
        }
        let mut out = Vec::new();
        if let Some(at) = self.clock.retransmit_at.filter(|at| now >= *at) {
            if let Some(r) = &self.last_response {
                out.push(TxOutput::Transmit(r.clone()));
            }
            self.clock.interval = (self.clock.interval * 2).min(self.timers.t2);
            self.clock.retransmit_at = Some(at.max(now) + self.clock.interval);
        }
        out
    }
}

#[cfg(test)]
#[path = "transaction_tests.rs"]
mod tests;
