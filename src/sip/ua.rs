//! The user agent: one WebSocket's worth of SIP. It routes bytes to transactions, dialogs,
//! the registration and the calls, and collects the actions the glue must carry out.
//!
//! Every entry point takes `now` (milliseconds from any fixed origin); nothing reads a clock.
//! After any call, `take_actions` returns what to send, when to wake, and what to tell the UI.

use super::call::{Call, CallInfo};
use super::context::{response_to, Ctx, Out, Owner, Rng, UaConfig, ALLOW};
use super::events::{Action, CallHandle, UaError};
use super::grammar::is_uri;
use super::header::NameAddr;
use super::message::{Message, Method, ParseError, StartLine};
use super::registration::{Registration, RegistrationState};
use super::transaction::{ClientTransaction, Millis, ServerTransaction, TxKey, TxOutput};

/// RFC 5626 §4.4.1's keep-alive ping: a double CRLF, which servers answer with one CRLF.
const KEEPALIVE: &str = "\r\n\r\n";

pub struct UserAgent {
    config: UaConfig,
    rng: Rng,
    host: String,
    contact_user: String,
    connected: bool,
    /// The registrar's realm (see `Ctx::realm`).
    realm: Option<String>,
    registration: Registration,
    calls: Vec<Call>,
    next_handle: u32,
    clients: Vec<(ClientTransaction, Owner)>,
    servers: Vec<ServerTransaction>,
    actions: Vec<Action>,
    /// When we last sent anything on the open transport: the keep-alive's clock.
    last_sent: Millis,
    /// The latest `now` any entry point was given.
    clock: Millis,
}

impl UserAgent {
    /// `seed` should come from a real random source (`crypto.getRandomValues`): it makes our
    /// tags, branches and `.invalid` host unique.
    pub fn new(config: UaConfig, mut rng: Rng) -> UserAgent {
        let host = format!("{}.invalid", rng.token(12));
        let contact_user = rng.token(8);
        let registration = {
            let mut realm = None;
            let mut ctx = Ctx {
                config: &config,
                rng: &mut rng,
                realm: &mut realm,
                host: &host,
                contact_user: &contact_user,
                connected: false,
                now: 0,
                out: Vec::new(),
            };
            Registration::new(&mut ctx)
        };
        UserAgent {
            config,
            rng,
            host,
            contact_user,
            connected: false,
            realm: None,
            registration,
            calls: Vec::new(),
            next_handle: 1,
            clients: Vec::new(),
            servers: Vec::new(),
            actions: Vec::new(),
            last_sent: 0,
            clock: 0,
        }
    }

    pub fn config(&self) -> &UaConfig {
        &self.config
    }

    pub fn registration_state(&self) -> RegistrationState {
        self.registration.state()
    }

    /// What the call log needs about a live call: who, which way, and the SIP Call-ID.
    pub fn call_info(&self, call: CallHandle) -> Option<CallInfo> {
        self.calls.iter().find(|c| c.handle == call).map(Call::info)
    }

    pub fn is_connected(&self) -> bool {
        self.connected
    }

    /// Runs `f` with a context, then carries out what it produced.
    fn with_ctx<R>(&mut self, now: Millis, f: impl FnOnce(&mut Inner<'_>, &mut Ctx<'_>) -> R) -> R {
        self.clock = self.clock.max(now);
        let mut ctx = Ctx {
            config: &self.config,
            rng: &mut self.rng,
            realm: &mut self.realm,
            host: &self.host,
            contact_user: &self.contact_user,
            connected: self.connected,
            now,
            out: Vec::new(),
        };
        let mut inner = Inner {
            registration: &mut self.registration,
            calls: &mut self.calls,
            next_handle: &mut self.next_handle,
        };
        let result = f(&mut inner, &mut ctx);
        let out = ctx.out;
        self.carry_out(out, now);
        self.tidy();
        result
    }

    fn carry_out(&mut self, out: Vec<Out>, now: Millis) {
        for item in out {
            match item {
                Out::Request(request, owner) => {
                    if !self.connected {
                        // Nothing can be sent: report at once instead of waiting for Timer B/F.
                        self.deliver_timeout(owner, request.method().cloned(), now);
                        continue;
                    }
                    let Some((tx, outputs)) = ClientTransaction::start(
                        request,
                        self.config.reliable,
                        self.config.timers,
                        now,
                    ) else {
                        continue;
                    };
                    self.clients.push((tx, owner));
                    self.run_outputs(outputs, owner, now);
                }
                Out::Respond(response) => {
                    let key = TxKey::of_response(&response);
                    let tx = self
                        .servers
                        .iter_mut()
                        .find(|t| Some(&t.key) == key.as_ref());
                    match tx {
                        Some(tx) => {
                            for o in tx.respond(response, now) {
                                if let TxOutput::Transmit(m) = o {
                                    self.send(&m);
                                }
                            }
                        }
                        None => self.send(&response),
                    }
                }
                Out::Send(message) => self.send(&message),
                Out::OpenTransport => self.actions.push(Action::OpenTransport),
                Out::Event(e) => self.actions.push(Action::Event(e)),
            }
        }
    }

    fn send(&mut self, message: &Message) {
        if self.connected {
            self.actions.push(Action::Send(message.to_wire()));
            self.sent_something();
        }
    }

    /// Anything sent counts as traffic: the keep-alive waits a whole interval from now. The
    /// time is the latest `now` seen (sends happen inside calls that carry one).
    fn sent_something(&mut self) {
        self.last_sent = self.last_sent.max(self.clock);
    }

    /// When the next keep-alive is due, if the transport is open.
    fn keepalive_due(&self) -> Option<Millis> {
        let interval = self.config.keepalive_ms?;
        self.connected.then_some(self.last_sent + interval)
    }

    fn run_outputs(&mut self, outputs: Vec<TxOutput>, owner: Owner, now: Millis) {
        for o in outputs {
            match o {
                TxOutput::Transmit(m) => self.send(&m),
                TxOutput::Response(r) => self.deliver_response(owner, r, now),
                TxOutput::TimedOut => {}
            }
        }
    }

    fn deliver_response(&mut self, owner: Owner, response: Message, now: Millis) {
        self.with_ctx(now, |inner, ctx| match owner {
            Owner::Registration => inner.registration.on_response(&response, ctx),
            Owner::Call(h) => {
                if let Some(call) = inner.calls.iter_mut().find(|c| c.handle == h) {
                    call.on_response(&response, ctx);
                }
            }
        });
    }

    fn deliver_timeout(&mut self, owner: Owner, method: Option<Method>, now: Millis) {
        self.with_ctx(now, |inner, ctx| match owner {
            Owner::Registration => inner.registration.on_timeout(ctx),
            Owner::Call(h) => {
                if let (Some(call), Some(m)) =
                    (inner.calls.iter_mut().find(|c| c.handle == h), method)
                {
                    call.on_timeout(&m, ctx);
                }
            }
        });
    }

    // ---- transport ----

    pub fn transport_opened(&mut self, now: Millis) {
        self.connected = true;
        self.clock = self.clock.max(now);
        self.last_sent = self.clock;
        self.with_ctx(now, |inner, ctx| inner.registration.transport_up(ctx));
    }

    pub fn transport_closed(&mut self, now: Millis) {
        self.connected = false;
        for (tx, _) in &mut self.clients {
            tx.abort();
        }
        self.clients.clear();
        self.servers.clear();
        self.with_ctx(now, |inner, ctx| {
            for call in inner.calls.iter_mut() {
                call.transport_lost(ctx);
            }
            inner.registration.transport_lost(ctx);
        });
    }

    /// One WebSocket message arrived.
    pub fn receive(&mut self, bytes: &[u8], now: Millis) {
        self.clock = self.clock.max(now);
        let message = match Message::parse(bytes) {
            Ok(m) => m,
            Err(error) => return self.answer_unparsed(bytes, error),
        };
        if message.is_request() {
            self.receive_request(message, now);
        } else {
            self.receive_response(message, now);
        }
        self.tidy();
    }

    /// A request `Message::parse` refused is answered when it can be (RFC 3261 §8.2): 400
    /// naming what is wrong, 505 for another SIP version, 513 for a huge head; otherwise the
    /// far end retransmits into silence. Keep-alives and frames with no start line get nothing.
    fn answer_unparsed(&mut self, bytes: &[u8], error: ParseError) {
        let Some((status, reason)) = error.answer() else {
            return;
        };
        if let Ok(request) = Message::parse_lenient(bytes) {
            self.answer_statelessly(&request, status, reason);
        }
    }

    /// Answers a request we will not process, outside any transaction (§8.2.7). Never a
    /// response, never an ACK (§17.1.1.3), and never a request whose top Via cannot be read:
    /// there is nowhere to send the answer (§18.2.2).
    fn answer_statelessly(&mut self, request: &Message, status: u16, reason: String) {
        let answerable =
            request.method().is_some_and(|m| *m != Method::Ack) && request.top_via().is_some();
        if !answerable {
            return;
        }
        let tag = self.rng.token(10);
        let mut response = response_to(request, status, Some(&tag));
        response.start = StartLine::Response { status, reason };
        self.send(&response);
    }

    fn receive_response(&mut self, response: Message, now: Millis) {
        let Some(key) = TxKey::of_response(&response) else {
            return;
        };
        if let Some(i) = self.clients.iter().position(|(t, _)| t.key == key) {
            let owner = self.clients[i].1;
            let outputs = self.clients[i].0.on_response(response, now);
            self.run_outputs(outputs, owner, now);
            return;
        }
        // A 2xx retransmission after the INVITE transaction is gone: the call re-ACKs.
        // Anything else without a transaction is a straggler and is dropped (§17.1.1.2).
        let is_invite_2xx = key.method == Method::Invite
            && response.status().is_some_and(|s| (200..300).contains(&s));
        if !is_invite_2xx {
            return;
        }
        let call_id = response.call_id().map(str::to_string);
        self.with_ctx(now, |inner, ctx| {
            if let Some(call) = inner.calls.iter_mut().find(|c| {
                c.dialog()
                    .is_some_and(|d| Some(&d.call_id) == call_id.as_ref())
            }) {
                call.on_response(&response, ctx);
            }
        });
    }

    fn receive_request(&mut self, request: Message, now: Millis) {
        let method = request.method().cloned().unwrap_or(Method::Ack);
        // The parser checked the grammar of what is there (and that CSeq names this method);
        // what must be there is checked here.
        if let Some(name) = request.missing_header() {
            return self.answer_statelessly(&request, 400, format!("Missing {name}"));
        }
        let Some(key) = TxKey::of_request(&request) else {
            // A pre-RFC 3261 Via without a branch: we key transactions by branch only.
            return self.answer_statelessly(&request, 400, "Bad Via: No Branch".to_string());
        };
        // Retransmissions and ACKs of non-2xx end in their server transaction.
        if let Some(tx) = self.servers.iter_mut().find(|t| t.key == key) {
            // (An ACK for a 2xx carries a new branch, so it never lands here.)
            for o in tx.on_request(&request, now) {
                if let TxOutput::Transmit(m) = o {
                    self.send(&m);
                }
            }
            return;
        }
        if method != Method::Ack {
            if let Some(tx) =
                ServerTransaction::new(&request, self.config.reliable, self.config.timers)
            {
                self.servers.push(tx);
            }
        }
        self.with_ctx(now, |inner, ctx| {
            inner.dispatch_request(request, method, ctx)
        });
    }

    fn tidy(&mut self) {
        self.clients.retain(|(t, _)| !t.is_terminated());
        self.servers.retain(|t| !t.is_terminated());
        self.calls.retain(|c| !c.is_ended());
    }

    // ---- time ----

    /// The clock reached `now`: fire whatever is due.
    pub fn tick(&mut self, now: Millis) {
        self.clock = self.clock.max(now);
        if self.keepalive_due().is_some_and(|due| now >= due) {
            self.actions.push(Action::Send(KEEPALIVE.to_string()));
            self.sent_something();
        }
        let mut timed_out = Vec::new();
        let mut to_send = Vec::new();
        for (tx, owner) in &mut self.clients {
            if tx.next_deadline().is_some_and(|d| now >= d) {
                for o in tx.on_timer(now) {
                    match o {
                        TxOutput::Transmit(m) => to_send.push(m),
                        TxOutput::TimedOut => timed_out.push((*owner, tx.key.method.clone())),
                        TxOutput::Response(_) => {}
                    }
                }
            }
        }
        for tx in &mut self.servers {
            if tx.next_deadline().is_some_and(|d| now >= d) {
                for o in tx.on_timer(now) {
                    if let TxOutput::Transmit(m) = o {
                        to_send.push(m);
                    }
                    // A lost ACK for a failure response changes nothing for the user.
                }
            }
        }
        for m in to_send {
            self.send(&m);
        }
        for (owner, method) in timed_out {
            self.deliver_timeout(owner, Some(method), now);
        }
        self.with_ctx(now, |inner, ctx| {
            inner.registration.on_timer(ctx);
            for call in inner.calls.iter_mut() {
                if call.next_deadline().is_some_and(|d| ctx.now >= d) {
                    call.on_timer(ctx);
                }
            }
        });
        self.tidy();
    }

    /// The earliest time `tick` has work to do.
    pub fn next_deadline(&self) -> Option<Millis> {
        let clients = self.clients.iter().filter_map(|(t, _)| t.next_deadline());
        let servers = self.servers.iter().filter_map(|t| t.next_deadline());
        let calls = self.calls.iter().filter_map(|c| c.next_deadline());
        clients
            .chain(servers)
            .chain(calls)
            .chain(self.registration.next_deadline())
            .chain(self.keepalive_due())
            .min()
    }

    /// Everything to do since the last call, ending with a `WakeAt` whenever anything is
    /// pending. It is repeated even when unchanged: a glue timer that fired a little early (and
    /// so found nothing due) must be re-armed, or the agent would never wake again.
    pub fn take_actions(&mut self) -> Vec<Action> {
        if let Some(at) = self.next_deadline() {
            self.actions.push(Action::WakeAt(at));
        }
        std::mem::take(&mut self.actions)
    }

    // ---- user commands ----

    pub fn register(&mut self, now: Millis) {
        self.with_ctx(now, |inner, ctx| inner.registration.register(ctx));
    }

    pub fn unregister(&mut self, now: Millis) {
        self.with_ctx(now, |inner, ctx| inner.registration.unregister(ctx));
    }

    /// Calls `target`: a SIP URI, or a user/number that becomes `sip:target@domain`.
    pub fn call(
        &mut self,
        target: &str,
        sdp_offer: &str,
        now: Millis,
    ) -> Result<CallHandle, UaError> {
        let uri = target_uri(target, &self.config.domain).ok_or(UaError::InvalidTarget)?;
        let handle = self.with_ctx(now, |inner, ctx| {
            let handle = CallHandle(*inner.next_handle);
            *inner.next_handle += 1;
            let call = Call::outgoing(handle, &uri, sdp_offer, ctx);
            inner.calls.push(call);
            handle
        });
        self.tidy();
        Ok(handle)
    }

    fn on_call<R>(
        &mut self,
        handle: CallHandle,
        now: Millis,
        f: impl FnOnce(&mut Call, &mut Ctx<'_>) -> Result<R, UaError>,
    ) -> Result<R, UaError> {
        let result = self.with_ctx(now, |inner, ctx| {
            let call = inner
                .calls
                .iter_mut()
                .find(|c| c.handle == handle)
                .ok_or(UaError::NoSuchCall)?;
            f(call, ctx)
        });
        self.tidy();
        result
    }

    pub fn answer(
        &mut self,
        call: CallHandle,
        sdp_answer: &str,
        now: Millis,
    ) -> Result<(), UaError> {
        self.on_call(call, now, |c, ctx| c.answer(sdp_answer, ctx))
    }

    /// Refuses a ringing call: 486 Busy Here or 603 Decline (any 4xx-6xx is allowed).
    pub fn reject(&mut self, call: CallHandle, status: u16, now: Millis) -> Result<(), UaError> {
        self.on_call(call, now, |c, ctx| c.reject(status, ctx))
    }

    /// Ends the call however fits its state: CANCEL, BYE, or 603 for a ringing incoming call.
    pub fn hangup(&mut self, call: CallHandle, now: Millis) -> Result<(), UaError> {
        self.on_call(call, now, |c, ctx| c.hangup(ctx))
    }

    /// Hold (SDP with `a=sendonly`) or resume (`a=sendrecv`) by re-INVITE.
    pub fn reoffer(&mut self, call: CallHandle, sdp: &str, now: Millis) -> Result<(), UaError> {
        self.on_call(call, now, |c, ctx| c.reoffer(sdp, ctx))
    }

    pub fn answer_reoffer(
        &mut self,
        call: CallHandle,
        sdp: &str,
        now: Millis,
    ) -> Result<(), UaError> {
        self.on_call(call, now, |c, ctx| c.answer_reoffer(sdp, ctx))
    }

    /// Refuses the far end's new offer (488 Not Acceptable Here, usually).
    pub fn reject_reoffer(
        &mut self,
        call: CallHandle,
        status: u16,
        now: Millis,
    ) -> Result<(), UaError> {
        self.on_call(call, now, |c, ctx| c.reject_reoffer(status, ctx))
    }

    pub fn send_dtmf(
        &mut self,
        call: CallHandle,
        digit: char,
        duration_ms: u32,
        now: Millis,
    ) -> Result<(), UaError> {
        self.on_call(call, now, |c, ctx| c.send_dtmf(digit, duration_ms, ctx))
    }

    /// Blind transfer (RFC 5589 §6): asks the far end of the answered `call`, by REFER (RFC
    /// 3515), to call `target` — a SIP URI, or a user/number at our domain, as for `call`.
    /// Progress comes as `TransferProgress`, then `TransferDone` (and our leg ends) or
    /// `TransferFailed` (and the call goes on as it was). One transfer per call at a time.
    pub fn transfer(&mut self, call: CallHandle, target: &str, now: Millis) -> Result<(), UaError> {
        let uri = target_uri(target, &self.config.domain)
            .filter(|uri| is_uri(uri))
            .ok_or(UaError::InvalidTarget)?;
        let refer_to = NameAddr::new(uri).to_string();
        self.on_call(call, now, |c, ctx| c.transfer(&refer_to, ctx))
    }

    /// Attended transfer (RFC 5589 §7): asks the far end of `call` to call the party of our
    /// answered `consult` call in its place, by a Refer-To with Replaces (RFC 3891). The
    /// target then ends `consult` itself; events as for `transfer`.
    pub fn transfer_attended(
        &mut self,
        call: CallHandle,
        consult: CallHandle,
        now: Millis,
    ) -> Result<(), UaError> {
        if call == consult {
            return Err(UaError::WrongState);
        }
        let refer_to = self
            .calls
            .iter()
            .find(|c| c.handle == consult)
            .ok_or(UaError::NoSuchCall)?
            .replacing_refer_to()
            .ok_or(UaError::WrongState)?;
        self.on_call(call, now, |c, ctx| c.transfer(&refer_to, ctx))
    }
}

/// The parts of the agent that handle requests, borrowed apart from the transaction tables.
struct Inner<'a> {
    registration: &'a mut Registration,
    calls: &'a mut Vec<Call>,
    /// Shared by outgoing and incoming calls so a handle is never reused.
    next_handle: &'a mut u32,
}

impl Inner<'_> {
    fn dispatch_request(&mut self, request: Message, method: Method, ctx: &mut Ctx<'_>) {
        // Method and Request-URI inspection come before any dialog matching (§8.2.1, §8.2.2.1).
        if method != Method::Ack {
            if let Some(status) = refusal_before_dialogs(&request, &method) {
                let mut r = response_to(&request, status, Some(&ctx.tag()));
                if status == 501 {
                    r.push_header("Allow", ALLOW);
                }
                ctx.out.push(Out::Respond(r));
                return;
            }
        }
        let has_to_tag = request.to().is_some_and(|t| t.tag().is_some());
        if method == Method::Cancel {
            let branch = request
                .top_via()
                .and_then(|v| v.branch().map(str::to_string));
            let call = self
                .calls
                .iter_mut()
                .find(|c| c.dialog().is_some() && c.invite_branch() == branch && branch.is_some());
            match call {
                Some(call) => {
                    ctx.respond(&request, 200, None);
                    call.on_cancel(ctx);
                }
                None => {
                    ctx.respond(&request, 481, None);
                }
            }
            return;
        }
        if has_to_tag {
            let call = self
                .calls
                .iter_mut()
                .find(|c| c.dialog().is_some_and(|d| d.matches_request(&request)));
            let Some(call) = call else {
                if method != Method::Ack {
                    ctx.respond(&request, 481, None);
                }
                return;
            };
            if call
                .dialog_mut()
                .is_some_and(|d| d.accept_remote_seq(&request))
            {
                call.on_request(&request, ctx);
            } else if method != Method::Ack {
                ctx.respond(&request, 500, None);
            }
            return;
        }
        match method {
            Method::Invite if !request.header_values("Require").is_empty() => {
                // We implement no extension (100rel, timer, …) a caller could insist on.
                let mut r = response_to(&request, 420, Some(&ctx.tag()));
                r.push_header("Unsupported", request.header_values("Require").join(", "));
                ctx.out.push(Out::Respond(r));
            }
            Method::Invite => {
                let handle = CallHandle(*self.next_handle);
                *self.next_handle += 1;
                match Call::incoming(handle, &request, ctx) {
                    Some(call) => self.calls.push(call),
                    None => {
                        ctx.respond(&request, 400, None);
                    }
                }
            }
            Method::Options => {
                let mut r = response_to(&request, 200, Some(&ctx.tag()));
                r.push_header("Allow", ALLOW);
                ctx.out.push(Out::Respond(r));
            }
            Method::Ack => {}
            // No dialog, so no subscription of ours it could report on (RFC 6665 §4.1.3).
            Method::Bye | Method::Notify => {
                ctx.respond(&request, 481, None);
            }
            _ => {
                let mut r = response_to(&request, 405, Some(&ctx.tag()));
                r.push_header("Allow", ALLOW);
                ctx.out.push(Out::Respond(r));
            }
        }
    }
}

/// 501 for a method we do not know (the ones we know but do not take get 405 later), 416 for
/// a Request-URI that is not `sip:` or `sips:`.
fn refusal_before_dialogs(request: &Message, method: &Method) -> Option<u16> {
    if matches!(method, Method::Other(_)) {
        return Some(501);
    }
    let scheme = request.request_uri()?.split(':').next()?;
    let ours = ["sip", "sips"]
        .iter()
        .any(|s| s.eq_ignore_ascii_case(scheme));
    (!ours).then_some(416)
}

/// `sip:`/`sips:` URIs pass as they are; anything else is a user or number at our domain.
fn target_uri(target: &str, domain: &str) -> Option<String> {
    let target = target.trim();
    if target.is_empty() || target.contains(char::is_whitespace) || target.contains(['<', '>', '"'])
    {
        return None;
    }
    let lower = target.to_ascii_lowercase();
    if lower.starts_with("sip:") || lower.starts_with("sips:") {
        return target.contains('@').then(|| target.to_string());
    }
    // `lower` is an ASCII case change of `target`, so byte 4 is a boundary in both.
    let user = lower.strip_prefix("tel:").map_or(target, |_| &target[4..]);
    Some(format!("sip:{user}@{domain}"))
}

#[cfg(test)]
mod tests {
    use super::target_uri;

    #[test]
    fn targets_become_sip_uris_at_our_domain() {
        assert_eq!(
            target_uri("bob", "sip.test").as_deref(),
            Some("sip:bob@sip.test")
        );
        assert_eq!(
            target_uri("TEL:+81312345678", "sip.test").as_deref(),
            Some("sip:+81312345678@sip.test")
        );
        assert_eq!(
            target_uri("sips:carol@other.test", "sip.test").as_deref(),
            Some("sips:carol@other.test")
        );
        assert_eq!(target_uri("sip:nohost", "sip.test"), None);
        assert_eq!(target_uri("03 1234", "sip.test"), None);
        assert_eq!(target_uri("<sip:x@y>", "sip.test"), None);
        assert_eq!(target_uri("", "sip.test"), None);
    }
}
