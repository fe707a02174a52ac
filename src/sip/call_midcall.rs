//! The middle of a call: re-INVITEs both ways (hold and resume), DTMF by SIP INFO, and the
//! in-dialog requests the far end sends.

use super::{
    response_to, sdp_body, with_sdp, Call, CallState, Ctx, EndReason, Message, Method, Out, Owner,
    UaError, UaEvent, ALLOW,
};

impl Call {
    /// Sends a new offer in a re-INVITE (hold with `a=sendonly`, resume with `a=sendrecv`).
    pub fn reoffer(&mut self, sdp: &str, ctx: &mut Ctx<'_>) -> Result<(), UaError> {
        if self.state != CallState::Confirmed
            || self.local_reoffer.is_some()
            || self.remote_reoffer.is_some()
        {
            return Err(UaError::WrongState);
        }
        let m = self
            .send_in_dialog(Method::Invite, ctx)
            .ok_or(UaError::WrongState)?;
        self.reoffer_nonces.clear();
        let sent = ctx.send_request(with_sdp(m, sdp), Owner::Call(self.handle));
        self.local_reoffer = Some(sent);
        Ok(())
    }

    /// Answers the far end's re-INVITE (see `UaEvent::RemoteReoffer`).
    pub fn answer_reoffer(&mut self, sdp: &str, ctx: &mut Ctx<'_>) -> Result<(), UaError> {
        let offer = self.remote_reoffer.take().ok_or(UaError::WrongState)?;
        let mut ok = response_to(&offer, 200, None);
        ok.push_header("Contact", ctx.contact());
        ctx.out.push(Out::Respond(with_sdp(ok, sdp)));
        Ok(())
    }

    /// Refuses the far end's re-INVITE (488 when WebRTC cannot take the offer); the call goes
    /// on with the media it had.
    pub fn reject_reoffer(&mut self, status: u16, ctx: &mut Ctx<'_>) -> Result<(), UaError> {
        if !(400..700).contains(&status) {
            return Err(UaError::WrongState);
        }
        let offer = self.remote_reoffer.take().ok_or(UaError::WrongState)?;
        ctx.respond(&offer, status, None);
        Ok(())
    }

    /// One DTMF digit by SIP INFO, `application/dtmf-relay` (the fallback when RFC 4733 in
    /// the media is not available).
    pub fn send_dtmf(
        &mut self,
        digit: char,
        duration_ms: u32,
        ctx: &mut Ctx<'_>,
    ) -> Result<(), UaError> {
        let digit = digit.to_ascii_uppercase();
        if !matches!(digit, '0'..='9' | '*' | '#' | 'A'..='D') {
            return Err(UaError::InvalidDigit);
        }
        if self.state != CallState::Confirmed {
            return Err(UaError::WrongState);
        }
        let mut m = self
            .send_in_dialog(Method::Info, ctx)
            .ok_or(UaError::WrongState)?;
        m.push_header("Content-Type", "application/dtmf-relay");
        m.body = format!("Signal={digit}\r\nDuration={duration_ms}\r\n").into_bytes();
        ctx.send_request(m, Owner::Call(self.handle));
        Ok(())
    }

    // ---- network input ----

    pub(super) fn on_reoffer_response(
        &mut self,
        response: &Message,
        status: u16,
        seq: u32,
        ctx: &mut Ctx<'_>,
    ) {
        let pending_seq = self
            .local_reoffer
            .as_ref()
            .and_then(|m| m.cseq())
            .map(|c| c.seq);
        if pending_seq != Some(seq) {
            if (200..300).contains(&status) {
                if let Some(ack) = self
                    .ack
                    .as_ref()
                    .filter(|a| a.cseq().map(|c| c.seq) == Some(seq))
                {
                    ctx.out.push(Out::Send(ack.clone()));
                }
            }
            return;
        }
        match status {
            100..=199 => {}
            200..=299 => {
                self.local_reoffer = None;
                if let Some(d) = self.dialog.as_mut() {
                    d.refresh_target(response);
                }
                self.send_ack(seq, ctx);
                ctx.event(UaEvent::ReofferAnswered {
                    call: self.handle,
                    sdp: crate::sip::body::offered_sdp(response),
                });
            }
            401 | 407 => {
                let Some(pending) = self.local_reoffer.clone() else {
                    return;
                };
                match ctx.answer_challenge(&pending, response, &mut self.reoffer_nonces) {
                    Some(retry) => {
                        if let (Some(d), Some(c)) = (self.dialog.as_mut(), retry.cseq()) {
                            d.local_seq = c.seq;
                        }
                        self.local_reoffer =
                            Some(ctx.send_request(retry, Owner::Call(self.handle)));
                    }
                    None => {
                        self.local_reoffer = None;
                        ctx.event(UaEvent::ReofferFailed {
                            call: self.handle,
                            status,
                        });
                    }
                }
            }
            408 | 481 => {
                // The dialog is gone on the far side (RFC 5057 §5.1).
                self.local_reoffer = None;
                self.send_bye(ctx);
                self.end(EndReason::Failed { status }, ctx);
            }
            _ => {
                self.local_reoffer = None;
                ctx.event(UaEvent::ReofferFailed {
                    call: self.handle,
                    status,
                });
            }
        }
    }

    /// An in-dialog request (the UA checked the dialog and the CSeq order).
    pub fn on_request(&mut self, request: &Message, ctx: &mut Ctx<'_>) {
        let Some(method) = request.method() else {
            return;
        };
        match method {
            Method::Ack => {
                if self.state == CallState::Closing {
                    self.send_bye(ctx);
                    self.state = CallState::Ended;
                    self.ack_deadline = None;
                } else if self.state == CallState::Answering {
                    self.state = CallState::Confirmed;
                    self.ok_resend_at = None;
                    self.ack_deadline = None;
                    self.ok_response = None;
                    ctx.event(UaEvent::Connected {
                        call: self.handle,
                        sdp: sdp_body(request),
                    });
                }
            }
            Method::Bye => {
                ctx.respond(request, 200, None);
                match self.state {
                    // The user already saw this call end.
                    CallState::Ended | CallState::Closing | CallState::Cancelling => {
                        self.state = CallState::Ended;
                        self.ack_deadline = None;
                    }
                    _ => self.end(EndReason::RemoteHangup, ctx),
                }
            }
            Method::Invite => {
                if self.local_reoffer.is_some() {
                    ctx.respond(request, 491, None);
                } else if self.remote_reoffer.is_some() || self.state != CallState::Confirmed {
                    let mut r = response_to(request, 500, None);
                    r.push_header("Retry-After", "1");
                    ctx.out.push(Out::Respond(r));
                } else {
                    if let Some(d) = self.dialog.as_mut() {
                        d.refresh_target(request);
                    }
                    self.remote_reoffer = Some(request.clone());
                    ctx.event(UaEvent::RemoteReoffer {
                        call: self.handle,
                        sdp: crate::sip::body::offered_sdp(request),
                    });
                }
            }
            Method::Info => {
                if let Some((digit, duration_ms)) = parse_dtmf_relay(request) {
                    ctx.event(UaEvent::Dtmf {
                        call: self.handle,
                        digit,
                        duration_ms,
                    });
                }
                ctx.respond(request, 200, None);
            }
            Method::Options => {
                let mut r = response_to(request, 200, None);
                r.push_header("Allow", ALLOW);
                ctx.out.push(Out::Respond(r));
            }
            Method::Notify => self.on_notify(request, ctx),
            // A REFER to us among them: we do not act as the transferee.
            _ => {
                ctx.respond(request, 501, None);
            }
        }
    }
}

/// `Signal=5\r\nDuration=160` (the de-facto `application/dtmf-relay` format).
fn parse_dtmf_relay(request: &Message) -> Option<(char, u32)> {
    let kind = request.header("Content-Type")?.to_ascii_lowercase();
    if !kind.starts_with("application/dtmf-relay") {
        return None;
    }
    let (mut digit, mut duration) = (None, 250);
    for line in request.body_text()?.lines() {
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        match k.trim().to_ascii_lowercase().as_str() {
            "signal" => digit = v.trim().chars().next().map(|c| c.to_ascii_uppercase()),
            "duration" => duration = v.trim().parse().unwrap_or(duration),
            _ => {}
        }
    }
    digit
        .filter(|d| matches!(d, '0'..='9' | '*' | '#' | 'A'..='D'))
        .map(|d| (d, duration))
}
