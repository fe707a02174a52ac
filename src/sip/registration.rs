//! Registration with the registrar (RFC 3261 §10): REGISTER with digest answers, refresh
//! before expiry, back-off after failures and dropped transports, and a clear failure reason.

use super::context::{Ctx, Out, Owner};
use super::events::{RegistrationFailure, UaEvent};
use super::header::NameAddr;
use super::message::{Message, Method};
use super::transaction::Millis;

/// Back-off after the n-th consecutive failure: 2 s doubling to a minute.
fn backoff(failures: u32) -> Millis {
    (2_000u64 << failures.min(5)).min(60_000)
}

/// How long before expiry we refresh: half way for short registrations, 30 s early otherwise.
fn refresh_delay(expires_secs: u32) -> Millis {
    let ms = u64::from(expires_secs) * 1_000;
    if expires_secs > 60 {
        ms - 30_000
    } else {
        ms / 2
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationState {
    Idle,
    Registering,
    Registered { expires_at: Millis },
    Unregistering,
    WaitingToRetry { at: Millis },
    Failed,
}

#[derive(Debug, Clone)]
pub struct Registration {
    state: RegistrationState,
    /// The user wants to be registered: drives refresh and recovery.
    wanted: bool,
    call_id: String,
    from_tag: String,
    cseq: u32,
    expires: u32,
    answered_nonces: Vec<String>,
    /// The REGISTER in flight, kept to answer challenges with.
    pending: Option<Message>,
    failures: u32,
    /// The server's own Retry-After for the next attempt, in milliseconds.
    retry_after: Option<Millis>,
    refresh_at: Option<Millis>,
}

impl Registration {
    /// One Call-ID for all REGISTERs from this agent (RFC 3261 §10.2), so the registrar
    /// recognises refreshes.
    pub fn new(ctx: &mut Ctx<'_>) -> Registration {
        Registration {
            state: RegistrationState::Idle,
            wanted: false,
            call_id: ctx.call_id(),
            from_tag: ctx.tag(),
            cseq: 0,
            expires: ctx.config.register_expires,
            answered_nonces: Vec::new(),
            pending: None,
            failures: 0,
            retry_after: None,
            refresh_at: None,
        }
    }

    pub fn state(&self) -> RegistrationState {
        self.state
    }

    pub fn next_deadline(&self) -> Option<Millis> {
        match self.state {
            RegistrationState::Registered { .. } => self.refresh_at,
            RegistrationState::WaitingToRetry { at } => Some(at),
            _ => None,
        }
    }

    pub fn register(&mut self, ctx: &mut Ctx<'_>) {
        self.wanted = true;
        self.expires = ctx.config.register_expires;
        if self.state == RegistrationState::Registering && self.pending.is_some() {
            return; // One REGISTER at a time: its outcome will do.
        }
        self.send_or_connect(ctx);
    }

    pub fn unregister(&mut self, ctx: &mut Ctx<'_>) {
        self.wanted = false;
        let was_registered = matches!(
            self.state,
            RegistrationState::Registered { .. } | RegistrationState::Registering
        );
        if was_registered && ctx.connected {
            self.state = RegistrationState::Unregistering;
            self.send(ctx, 0);
        } else {
            self.state = RegistrationState::Idle;
            ctx.event(UaEvent::Unregistered);
        }
    }

    fn send_or_connect(&mut self, ctx: &mut Ctx<'_>) {
        if ctx.connected {
            self.state = RegistrationState::Registering;
            self.send(ctx, self.expires);
        } else {
            self.state = RegistrationState::Registering;
            ctx.out.push(Out::OpenTransport);
        }
    }

    fn send(&mut self, ctx: &mut Ctx<'_>, expires: u32) {
        self.cseq += 1;
        self.answered_nonces.clear();
        let mut from = ctx.local_addr();
        let to = from.clone();
        from.set_param("tag", Some(self.from_tag.clone()));
        let mut m = Message::request(Method::Register, format!("sip:{}", ctx.config.domain));
        m.push_header("Max-Forwards", "70");
        m.push_header("From", from.to_string());
        m.push_header("To", to.to_string());
        m.push_header("Call-ID", self.call_id.clone());
        m.push_header("CSeq", format!("{} REGISTER", self.cseq));
        m.push_header("Contact", ctx.contact());
        m.push_header("Expires", expires.to_string());
        m.push_header("Allow", super::context::ALLOW);
        let sent = ctx.send_request(m, Owner::Registration);
        self.pending = Some(sent);
    }

    pub fn on_response(&mut self, response: &Message, ctx: &mut Ctx<'_>) {
        let Some(status) = response.status() else {
            return;
        };
        if status < 200 {
            return;
        }
        let unregistering = self.state == RegistrationState::Unregistering;
        match status {
            200..=299 if unregistering => {
                self.state = RegistrationState::Idle;
                self.pending = None;
                ctx.event(UaEvent::Unregistered);
            }
            200..=299 => {
                let granted = granted_expires(response, ctx).unwrap_or(self.expires);
                if granted == 0 {
                    // The registrar kept no binding for us: treat as a refusal, not success.
                    return self.fail(ctx, RegistrationFailure::Rejected { status }, false);
                }
                self.failures = 0;
                self.pending = None;
                self.state = RegistrationState::Registered {
                    expires_at: ctx.now + u64::from(granted) * 1_000,
                };
                self.refresh_at = Some(ctx.now + refresh_delay(granted));
                ctx.event(UaEvent::Registered {
                    expires_secs: granted,
                });
            }
            401 | 407 => {
                let retry = self
                    .pending
                    .as_ref()
                    .and_then(|p| ctx.answer_challenge(p, response, &mut self.answered_nonces));
                match retry {
                    Some(request) => {
                        self.cseq += 1;
                        self.pending = Some(ctx.send_request(request, Owner::Registration));
                    }
                    None if unregistering => self.finish_unregister(ctx),
                    None => self.fail(ctx, RegistrationFailure::WrongCredentials, false),
                }
            }
            423 => {
                // Interval too brief: ask again with the registrar's minimum.
                match response.header("Min-Expires").and_then(|v| v.parse().ok()) {
                    Some(min) if min > self.expires => {
                        self.expires = min;
                        self.send(ctx, min);
                    }
                    _ => self.fail(ctx, RegistrationFailure::Rejected { status }, false),
                }
            }
            _ if unregistering => self.finish_unregister(ctx),
            403 => self.fail(ctx, RegistrationFailure::WrongCredentials, false),
            408 => self.fail(ctx, RegistrationFailure::ServerUnreachable, true),
            500..=599 => {
                // A server that says when to come back (RFC 3261 §21.5.4) is taken at its word.
                self.retry_after = response
                    .header("Retry-After")
                    .and_then(|v| v.split([';', ' ', '(']).next()?.trim().parse::<u64>().ok())
                    .map(|secs| secs.min(3_600) * 1_000);
                self.fail(ctx, RegistrationFailure::ServerError { status }, true)
            }
            _ => self.fail(ctx, RegistrationFailure::Rejected { status }, false),
        }
    }

    /// Our REGISTER got no response at all (Timer F).
    pub fn on_timeout(&mut self, ctx: &mut Ctx<'_>) {
        if self.state == RegistrationState::Unregistering {
            return self.finish_unregister(ctx);
        }
        self.fail(ctx, RegistrationFailure::ServerUnreachable, true);
    }

    fn finish_unregister(&mut self, ctx: &mut Ctx<'_>) {
        self.state = RegistrationState::Idle;
        self.pending = None;
        ctx.event(UaEvent::Unregistered);
    }

    fn fail(&mut self, ctx: &mut Ctx<'_>, reason: RegistrationFailure, retry: bool) {
        self.pending = None;
        let wait = backoff(self.failures).max(self.retry_after.take().unwrap_or(0));
        let retry_at = (retry && self.wanted).then(|| ctx.now + wait);
        self.failures += 1;
        self.state = match retry_at {
            Some(at) => RegistrationState::WaitingToRetry { at },
            None => {
                self.wanted = false;
                RegistrationState::Failed
            }
        };
        ctx.event(UaEvent::RegistrationFailed { reason, retry_at });
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx<'_>) {
        match self.state {
            RegistrationState::Registered { .. }
                if self.refresh_at.is_some_and(|t| ctx.now >= t) =>
            {
                self.refresh_at = None;
                self.send_or_connect(ctx);
            }
            RegistrationState::WaitingToRetry { at } if ctx.now >= at => self.send_or_connect(ctx),
            _ => {}
        }
    }

    /// The WebSocket closed: our binding points at a dead connection, so register again once
    /// a new one opens, after a back-off.
    pub fn transport_lost(&mut self, ctx: &mut Ctx<'_>) {
        if !self.wanted {
            if self.state == RegistrationState::Unregistering {
                self.finish_unregister(ctx);
            }
            return;
        }
        self.fail(ctx, RegistrationFailure::TransportLost, true);
    }

    /// A WebSocket opened (usually because we asked): register on it if we mean to.
    pub fn transport_up(&mut self, ctx: &mut Ctx<'_>) {
        if self.wanted
            && matches!(
                self.state,
                RegistrationState::Registering | RegistrationState::WaitingToRetry { .. }
            )
        {
            self.state = RegistrationState::Registering;
            self.send(ctx, self.expires);
        }
    }
}

/// The lifetime the registrar granted our binding: the `expires` of our Contact in the 200,
/// else the Expires header (RFC 3261 §10.2.4).
fn granted_expires(response: &Message, ctx: &Ctx<'_>) -> Option<u32> {
    let ours = format!("@{}", ctx.host);
    response
        .header_values("Contact")
        .iter()
        .filter_map(|c| NameAddr::parse(c))
        .find(|c| c.uri.contains(&ours))
        .and_then(|c| c.param("expires").and_then(|e| e.parse().ok()))
        .or_else(|| response.header("Expires").and_then(|e| e.parse().ok()))
}
