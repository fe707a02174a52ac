//! One call's signalling (RFC 3261 §13-15, RFC 3262-free): INVITE out and in, provisional and
//! final responses, ACK, CANCEL, BYE, re-INVITE for hold, DTMF by SIP INFO, and transfer by
//! REFER. The SDP is opaque here: the caller brings offers and answers from WebRTC.

use super::context::{response_to, Ctx, Out, Owner, ALLOW};
use super::dialog::Dialog;
use super::events::{CallHandle, EndReason, UaError, UaEvent};
use super::header::NameAddr;
use super::message::{Message, Method};
use super::transaction::Millis;

#[path = "call_midcall.rs"]
mod midcall;

#[path = "call_transfer.rs"]
mod transfer;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Outgoing,
    Incoming,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallState {
    /// Outgoing INVITE sent, nothing but 100 yet.
    Calling,
    /// Outgoing, the far end rings.
    Early,
    /// Incoming, we sent 180 and wait for the user.
    Ringing,
    /// Incoming, we sent 200 and wait for the ACK.
    Answering,
    Confirmed,
    /// The user hung up before an answer: CANCEL sent or due, waiting for the 487.
    Cancelling,
    /// The user hung up an incoming call we had answered but not yet seen ACKed: the BYE
    /// waits for the ACK (RFC 3261 §15).
    Closing,
    Ended,
}

/// A live call as the UI and the call log see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallInfo {
    pub direction: Direction,
    pub state: CallState,
    /// The SIP Call-ID, for matching our records with the server's.
    pub sip_call_id: String,
    pub remote_uri: String,
    pub remote_name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Call {
    pub handle: CallHandle,
    pub direction: Direction,
    state: CallState,
    /// Ours (latest, with credentials) when outgoing, theirs when incoming.
    invite: Message,
    dialog: Option<Dialog>,
    /// Our To tag as the UAS.
    local_tag: Option<String>,
    answered_nonces: Vec<String>,
    provisional_seen: bool,
    cancel_sent: bool,
    /// The ACK for our last 2xx, resent if the 2xx is retransmitted.
    ack: Option<Message>,
    /// Our 200 to their INVITE, retransmitted over unreliable transports until the ACK.
    ok_response: Option<Message>,
    ok_resend_at: Option<Millis>,
    ok_interval: Millis,
    ack_deadline: Option<Millis>,
    give_up_at: Option<Millis>,
    local_reoffer: Option<Message>,
    reoffer_nonces: Vec<String>,
    remote_reoffer: Option<Message>,
    /// Our REFER of this call to another party, and how far it got.
    transfer: Option<transfer::Transfer>,
}

fn sdp_body(message: &Message) -> Option<String> {
    super::body::sdp(message)
}

/// A fresh Via for requests sent outside a client transaction (the ACK for a 2xx).
fn via_header(ctx: &mut Ctx<'_>) -> super::message::Header {
    super::message::Header {
        name: "Via".to_string(),
        value: ctx.via(),
    }
}

fn with_sdp(mut message: Message, sdp: &str) -> Message {
    message.push_header("Content-Type", "application/sdp");
    message.body = sdp.as_bytes().to_vec();
    message
}

impl Call {
    fn blank(handle: CallHandle, direction: Direction, state: CallState, invite: Message) -> Call {
        Call {
            handle,
            direction,
            state,
            invite,
            dialog: None,
            local_tag: None,
            answered_nonces: Vec::new(),
            provisional_seen: false,
            cancel_sent: false,
            ack: None,
            ok_response: None,
            ok_resend_at: None,
            ok_interval: 0,
            ack_deadline: None,
            give_up_at: None,
            local_reoffer: None,
            reoffer_nonces: Vec::new(),
            remote_reoffer: None,
            transfer: None,
        }
    }

    /// Places a call to `target` (a SIP URI) with the caller's SDP offer.
    pub fn outgoing(handle: CallHandle, target: &str, sdp_offer: &str, ctx: &mut Ctx<'_>) -> Call {
        let mut from = ctx.local_addr();
        from.set_param("tag", Some(ctx.tag()));
        let mut m = Message::request(Method::Invite, target);
        m.push_header("Max-Forwards", "70");
        m.push_header("From", from.to_string());
        m.push_header("To", NameAddr::new(target).to_string());
        m.push_header("Call-ID", ctx.call_id());
        m.push_header("CSeq", "1 INVITE");
        m.push_header("Contact", ctx.contact());
        m.push_header("Allow", ALLOW);
        let sent = ctx.send_request(with_sdp(m, sdp_offer), Owner::Call(handle));
        Call::blank(handle, Direction::Outgoing, CallState::Calling, sent)
    }

    /// Takes an incoming INVITE: rings (180) and tells the UI. `None` if the INVITE lacks
    /// what a dialog needs (the UA then answers 400).
    pub fn incoming(handle: CallHandle, invite: &Message, ctx: &mut Ctx<'_>) -> Option<Call> {
        let tag = ctx.tag();
        let dialog = Dialog::as_uas(invite, &tag)?;
        let from = invite.from()?;
        let mut call = Call::blank(
            handle,
            Direction::Incoming,
            CallState::Ringing,
            invite.clone(),
        );
        call.dialog = Some(dialog);
        call.local_tag = Some(tag);
        call.respond_invite(180, None, ctx);
        ctx.event(UaEvent::IncomingCall {
            call: handle,
            sip_call_id: invite.call_id().unwrap_or_default().to_string(),
            from_uri: from.uri,
            from_name: from.display,
            sdp_offer: super::body::offered_sdp(invite),
        });
        Some(call)
    }

    pub fn state(&self) -> CallState {
        self.state
    }

    pub fn info(&self) -> CallInfo {
        let remote = match self.direction {
            Direction::Outgoing => self.invite.to(),
            Direction::Incoming => self.invite.from(),
        };
        let (remote_uri, remote_name) = remote.map(|r| (r.uri, r.display)).unwrap_or_default();
        CallInfo {
            direction: self.direction,
            state: self.state,
            sip_call_id: self.invite.call_id().unwrap_or_default().to_string(),
            remote_uri,
            remote_name,
        }
    }

    pub fn is_ended(&self) -> bool {
        self.state == CallState::Ended
    }

    pub fn dialog(&self) -> Option<&Dialog> {
        self.dialog.as_ref()
    }

    pub fn dialog_mut(&mut self) -> Option<&mut Dialog> {
        self.dialog.as_mut()
    }

    /// The top Via branch of the INVITE that created this call, to match a CANCEL against.
    pub fn invite_branch(&self) -> Option<String> {
        self.invite.top_via()?.branch().map(str::to_string)
    }

    pub fn next_deadline(&self) -> Option<Millis> {
        [self.ok_resend_at, self.ack_deadline, self.give_up_at]
            .into_iter()
            .flatten()
            .min()
    }

    fn end(&mut self, reason: EndReason, ctx: &mut Ctx<'_>) {
        self.state = CallState::Ended;
        self.ok_resend_at = None;
        self.ack_deadline = None;
        self.give_up_at = None;
        ctx.event(UaEvent::Ended {
            call: self.handle,
            reason,
        });
    }

    fn respond_invite(&self, status: u16, sdp: Option<&str>, ctx: &mut Ctx<'_>) -> Message {
        let mut r = response_to(&self.invite, status, self.local_tag.as_deref());
        if (101..300).contains(&status) {
            // Dialog-creating responses carry the Record-Route back (RFC 3261 §12.1.1), or
            // the caller's ACK and BYE skip the proxies, which then drop them.
            for rr in self.invite.header_values("Record-Route") {
                r.push_header("Record-Route", rr);
            }
            r.push_header("Contact", ctx.contact());
        }
        if let Some(sdp) = sdp {
            r.push_header("Allow", ALLOW);
            r = with_sdp(r, sdp);
        }
        ctx.out.push(Out::Respond(r.clone()));
        r
    }

    fn send_in_dialog(&mut self, method: Method, ctx: &mut Ctx<'_>) -> Option<Message> {
        let dialog = self.dialog.as_mut()?;
        let mut m = dialog.request(method);
        if m.method() == Some(&Method::Invite) {
            m.push_header("Contact", ctx.contact());
        }
        Some(m)
    }

    fn send_bye(&mut self, ctx: &mut Ctx<'_>) {
        if let Some(bye) = self.send_in_dialog(Method::Bye, ctx) {
            ctx.send_request(bye, Owner::Call(self.handle));
        }
    }

    /// CANCEL mirrors the INVITE's Request-URI, Via (same branch), From, To, Call-ID, CSeq
    /// number and Route (RFC 3261 §9.1), so it bypasses `send_request`'s fresh Via.
    fn send_cancel(&mut self, ctx: &mut Ctx<'_>) {
        let uri = self.invite.request_uri().unwrap_or_default().to_string();
        let mut cancel = Message::request(Method::Cancel, uri);
        if let Some(via) = self.invite.header_values("Via").first() {
            cancel.push_header("Via", *via);
        }
        for name in ["Max-Forwards", "From", "To", "Call-ID"] {
            if let Some(v) = self.invite.header(name) {
                cancel.push_header(name, v);
            }
        }
        let seq = self.invite.cseq().map(|c| c.seq).unwrap_or(1);
        cancel.push_header("CSeq", format!("{seq} CANCEL"));
        for route in self.invite.header_values("Route") {
            cancel.push_header("Route", route);
        }
        self.cancel_sent = true;
        ctx.out.push(Out::Request(cancel, Owner::Call(self.handle)));
    }

    fn send_ack(&mut self, seq: u32, ctx: &mut Ctx<'_>) {
        let Some(dialog) = &self.dialog else {
            return;
        };
        let mut ack = dialog.request_with_seq(Method::Ack, seq);
        ack.headers.insert(0, via_header(ctx));
        self.ack = Some(ack.clone());
        ctx.out.push(Out::Send(ack));
    }

    // ---- user commands ----

    pub fn hangup(&mut self, ctx: &mut Ctx<'_>) -> Result<(), UaError> {
        match self.state {
            CallState::Calling | CallState::Early => {
                // A CANCEL before any provisional could overtake the INVITE (RFC 3261 §9.1):
                // it waits for the first 1xx.
                if self.provisional_seen {
                    self.send_cancel(ctx);
                }
                self.end(EndReason::Cancelled, ctx);
                self.state = CallState::Cancelling;
                self.give_up_at = Some(ctx.now + 64 * ctx.config.timers.t1);
                Ok(())
            }
            CallState::Ringing => self.reject(603, ctx),
            CallState::Answering => {
                let ack_deadline = self.ack_deadline;
                self.end(EndReason::LocalHangup, ctx);
                self.state = CallState::Closing;
                self.ack_deadline = ack_deadline;
                Ok(())
            }
            CallState::Confirmed => {
                self.send_bye(ctx);
                self.end(EndReason::LocalHangup, ctx);
                Ok(())
            }
            CallState::Cancelling | CallState::Closing | CallState::Ended => {
                Err(UaError::WrongState)
            }
        }
    }

    pub fn answer(&mut self, sdp_answer: &str, ctx: &mut Ctx<'_>) -> Result<(), UaError> {
        if self.state != CallState::Ringing {
            return Err(UaError::WrongState);
        }
        let ok = self.respond_invite(200, Some(sdp_answer), ctx);
        self.state = CallState::Answering;
        let t1 = ctx.config.timers.t1;
        self.ack_deadline = Some(ctx.now + 64 * t1);
        if !ctx.config.reliable {
            // Over UDP the 2xx is ours to retransmit until the ACK (RFC 3261 §13.3.1.4).
            self.ok_response = Some(ok);
            self.ok_interval = t1;
            self.ok_resend_at = Some(ctx.now + t1);
        }
        Ok(())
    }

    /// Refuses a ringing incoming call: 486 (busy) or 603 (decline), or another 4xx-6xx.
    pub fn reject(&mut self, status: u16, ctx: &mut Ctx<'_>) -> Result<(), UaError> {
        if self.state != CallState::Ringing || !(400..700).contains(&status) {
            return Err(UaError::WrongState);
        }
        self.respond_invite(status, None, ctx);
        self.end(EndReason::LocalRejected, ctx);
        Ok(())
    }

    pub fn on_response(&mut self, response: &Message, ctx: &mut Ctx<'_>) {
        let (Some(cseq), Some(status)) = (response.cseq(), response.status()) else {
            return;
        };
        if cseq.method == Method::Refer {
            return self.on_refer_response(response, status, cseq.seq, ctx);
        }
        if cseq.method != Method::Invite {
            return; // BYE, CANCEL and INFO outcomes change nothing the user sees.
        }
        let initial_seq = self.invite.cseq().map(|c| c.seq);
        if self.direction == Direction::Outgoing && Some(cseq.seq) == initial_seq {
            self.on_invite_response(response, status, ctx);
        } else {
            self.on_reoffer_response(response, status, cseq.seq, ctx);
        }
    }

    fn on_invite_response(&mut self, response: &Message, status: u16, ctx: &mut Ctx<'_>) {
        match status {
            100..=199 => {
                self.provisional_seen = true;
                if self.state == CallState::Cancelling && !self.cancel_sent {
                    self.send_cancel(ctx);
                }
                if status == 100 || !matches!(self.state, CallState::Calling | CallState::Early) {
                    return;
                }
                if response.to().is_some_and(|t| t.tag().is_some()) {
                    self.dialog = Dialog::as_uac(&self.invite, response);
                }
                self.state = CallState::Early;
                ctx.event(UaEvent::Ringing {
                    call: self.handle,
                    early_sdp: sdp_body(response),
                });
            }
            200..=299 => {
                let seq = self.invite.cseq().map(|c| c.seq).unwrap_or(1);
                if matches!(self.state, CallState::Confirmed | CallState::Ended) {
                    let tag = response.to().and_then(|t| t.tag().map(str::to_string));
                    let ours = self.dialog.as_ref().map(|d| d.remote_tag.clone());
                    if tag == ours {
                        // A retransmitted 2xx: our ACK was lost.
                        if let Some(ack) = &self.ack {
                            ctx.out.push(Out::Send(ack.clone()));
                        }
                    } else if let Some(mut fork) = Dialog::as_uac(&self.invite, response) {
                        // A second fork answered too (RFC 3261 §13.2.2.4): ACK it, then BYE it.
                        let mut ack = fork.request_with_seq(Method::Ack, seq);
                        ack.headers.insert(0, via_header(ctx));
                        ctx.out.push(Out::Send(ack));
                        ctx.send_request(fork.request(Method::Bye), Owner::Call(self.handle));
                    }
                    return;
                }
                self.dialog = Dialog::as_uac(&self.invite, response);
                if self.dialog.is_none() {
                    return self.end(EndReason::Failed { status }, ctx);
                }
                self.send_ack(seq, ctx);
                if self.state == CallState::Cancelling {
                    // The answer crossed our CANCEL: the call exists, so end it properly.
                    self.send_bye(ctx);
                    self.state = CallState::Ended;
                    self.give_up_at = None;
                    return;
                }
                self.state = CallState::Confirmed;
                ctx.event(UaEvent::Connected {
                    call: self.handle,
                    sdp: sdp_body(response),
                });
            }
            401 | 407 if self.state != CallState::Cancelling => {
                match ctx.answer_challenge(&self.invite, response, &mut self.answered_nonces) {
                    Some(retry) => {
                        self.invite = ctx.send_request(retry, Owner::Call(self.handle));
                        self.provisional_seen = false;
                    }
                    None => self.end(EndReason::AuthFailed, ctx),
                }
            }
            _ if self.state == CallState::Cancelling => {
                self.state = CallState::Ended;
                self.give_up_at = None;
            }
            // A failure can only end a call that is still being set up; once answered, a
            // stray final for the same INVITE means nothing.
            _ if matches!(self.state, CallState::Calling | CallState::Early) => {
                self.end(EndReason::from_status(status, false), ctx)
            }
            _ => {}
        }
    }

    /// A client transaction of ours got no response in time.
    pub fn on_timeout(&mut self, method: &Method, ctx: &mut Ctx<'_>) {
        if *method == Method::Refer {
            return self.on_refer_timeout(ctx);
        }
        if *method != Method::Invite {
            return;
        }
        if self.local_reoffer.take().is_some() {
            self.send_bye(ctx);
            return self.end(EndReason::Failed { status: 408 }, ctx);
        }
        match self.state {
            CallState::Calling | CallState::Early => self.end(EndReason::ServerUnreachable, ctx),
            CallState::Cancelling => {
                self.state = CallState::Ended;
                self.give_up_at = None;
            }
            _ => {}
        }
    }

    /// The caller gave up before we answered (the UA already sent 200 to the CANCEL).
    pub fn on_cancel(&mut self, ctx: &mut Ctx<'_>) {
        if self.state == CallState::Ringing {
            self.respond_invite(487, None, ctx);
            self.end(EndReason::CallerCancelled, ctx);
        }
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx<'_>) {
        let now = ctx.now;
        if self.ack_deadline.is_some_and(|d| now >= d) {
            self.send_bye(ctx);
            if self.state == CallState::Closing {
                self.state = CallState::Ended;
                self.ack_deadline = None;
                return;
            }
            return self.end(EndReason::AckTimeout, ctx);
        }
        if self.give_up_at.is_some_and(|d| now >= d) {
            self.state = CallState::Ended;
            self.give_up_at = None;
        }
        if let Some(at) = self.ok_resend_at.filter(|at| now >= *at) {
            if let Some(ok) = &self.ok_response {
                ctx.out.push(Out::Send(ok.clone()));
            }
            self.ok_interval = (self.ok_interval * 2).min(ctx.config.timers.t2);
            self.ok_resend_at = Some(at + self.ok_interval);
        }
    }

    /// The WebSocket closed: every route to the far end went with it.
    pub fn transport_lost(&mut self, ctx: &mut Ctx<'_>) {
        match self.state {
            CallState::Ended => {}
            CallState::Cancelling | CallState::Closing => self.state = CallState::Ended,
            _ => self.end(EndReason::TransportLost, ctx),
        }
    }
}
