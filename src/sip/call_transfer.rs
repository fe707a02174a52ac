//! Call transfer as the transferor (RFC 5589): a REFER on the call's dialog (RFC 3515) names the
//! target, plainly (blind transfer, §6) or with a Replaces header for our consultation call
//! with the target (attended transfer, §7, RFC 3891). The REFER's implicit subscription then
//! brings NOTIFYs whose `message/sipfrag` bodies report how the transferee's INVITE to the
//! target goes (RFC 3515 §2.4.5).
//!
//! Whatever goes wrong, the call being transferred stays as it was: only success ends it.

use super::{Call, CallState, Ctx, Message, Method, Owner, UaError, UaEvent};
use crate::sip::body::sipfrag_status;
use crate::sip::grammar::{param, Scanner};

/// One transfer of a call: the REFER and what its subscription has told so far.
#[derive(Debug, Clone)]
pub(super) struct Transfer {
    /// Our REFER as last sent (with credentials after a challenge). Its CSeq number is the
    /// `id` of the `refer` event its NOTIFYs carry (RFC 3515 §2.4.6).
    refer: Message,
    nonces: Vec<String>,
    /// A final response to the REFER came, so its transaction can no longer time out.
    answered: bool,
    /// The outcome was reported (done or failed): NOTIFYs still arriving for this REFER are
    /// answered but tell nothing new, and another transfer may start.
    finished: bool,
}

impl Call {
    /// Sends a REFER asking the far end to call `refer_to` (a whole Refer-To value, `<uri>`).
    /// Only one transfer at a time, and only of an answered call.
    pub fn transfer(&mut self, refer_to: &str, ctx: &mut Ctx<'_>) -> Result<(), UaError> {
        let busy = self.transfer.as_ref().is_some_and(|t| !t.finished);
        if self.state != CallState::Confirmed || busy {
            return Err(UaError::WrongState);
        }
        let mut m = self
            .send_in_dialog(Method::Refer, ctx)
            .ok_or(UaError::WrongState)?;
        // REFER needs a Contact (RFC 3515 §2.2's table); Referred-By names who asks
        // (RFC 3892), which the target may show as the transfer's origin.
        m.push_header("Contact", ctx.contact());
        m.push_header("Refer-To", refer_to);
        m.push_header("Referred-By", ctx.local_addr().to_string());
        let refer = ctx.send_request(m, Owner::Call(self.handle));
        self.transfer = Some(Transfer {
            refer,
            nonces: Vec::new(),
            answered: false,
            finished: false,
        });
        Ok(())
    }

    /// The Refer-To value that hands this call (the consultation with the transfer target)
    /// over: the target's address with a Replaces header naming its dialog (RFC 5589 §7.1).
    /// `None` unless the call is answered.
    ///
    /// The address is the target's AOR (the dialog's remote URI), not its Contact: a browser
    /// phone's Contact is a `.invalid` host only its own WebSocket reaches, which the
    /// transferee's proxy cannot route to (RFC 5589 §7.1 prefers a GRUU, which such phones
    /// rarely have); the AOR reaches the target's registration, and Replaces picks the dialog.
    pub fn replacing_refer_to(&self) -> Option<String> {
        let dialog = self
            .dialog
            .as_ref()
            .filter(|_| self.state == CallState::Confirmed)?;
        // RFC 3891 §3: the tags are seen from the target, which gets the INVITE with
        // Replaces: its own tag (our remote tag) is the to-tag, ours the from-tag.
        let replaces = format!(
            "{};to-tag={};from-tag={}",
            dialog.call_id, dialog.remote_tag, dialog.local_tag
        );
        let target = &dialog.remote.uri;
        let separator = if target.contains('?') { '&' } else { '?' };
        Some(format!(
            "<{}{separator}Replaces={}>",
            target,
            escape_header_value(&replaces)
        ))
    }

    /// A response to one of our REFERs (a stale one, from before a challenge, is ignored).
    pub(super) fn on_refer_response(
        &mut self,
        response: &Message,
        status: u16,
        seq: u32,
        ctx: &mut Ctx<'_>,
    ) {
        let Some(transfer) = self.transfer.as_mut() else {
            return;
        };
        // Once finished (a NOTIFY overtook this response), not even a challenge is answered.
        let current = transfer.refer.cseq().map(|c| c.seq) == Some(seq);
        if !current || transfer.answered || transfer.finished {
            return;
        }
        match status {
            100..=199 => {}
            // 202 Accepted, or a 200 from older implementations: the NOTIFYs will tell.
            200..=299 => transfer.answered = true,
            401 | 407 => self.retry_refer(response, status, ctx),
            _ => {
                transfer.answered = true;
                self.transfer_failed(status, ctx);
            }
        }
    }

    /// Answers a challenge to the REFER the way a re-INVITE's is answered, with a CSeq above
    /// anything sent in the dialog since.
    fn retry_refer(&mut self, challenge: &Message, status: u16, ctx: &mut Ctx<'_>) {
        let (Some(transfer), Some(dialog)) = (self.transfer.as_mut(), self.dialog.as_mut()) else {
            return;
        };
        match ctx.answer_challenge(&transfer.refer, challenge, &mut transfer.nonces) {
            Some(mut retry) => {
                let seq = retry.cseq().map_or(0, |c| c.seq).max(dialog.local_seq + 1);
                dialog.local_seq = seq;
                retry.set_header("CSeq", format!("{seq} REFER"));
                transfer.refer = ctx.send_request(retry, Owner::Call(self.handle));
            }
            None => {
                transfer.answered = true;
                self.transfer_failed(status, ctx);
            }
        }
    }

    /// Our REFER got no final response in time (Timer F, RFC 3261 §17.1.2.2).
    pub(super) fn on_refer_timeout(&mut self, ctx: &mut Ctx<'_>) {
        if let Some(transfer) = self.transfer.as_mut().filter(|t| !t.answered) {
            transfer.answered = true;
            self.transfer_failed(408, ctx);
        }
    }

    /// A NOTIFY in this call's dialog. Only our REFER's subscription exists here; anything
    /// else gets 481 (RFC 6665 §4.1.3), which ends that subscription at the notifier.
    pub(super) fn on_notify(&mut self, request: &Message, ctx: &mut Ctx<'_>) {
        let ours = self
            .transfer
            .as_ref()
            .is_some_and(|t| is_for_refer(request, &t.refer));
        if !ours {
            ctx.respond(request, 481, None);
            return;
        }
        ctx.respond(request, 200, None);
        if self.transfer.as_ref().is_some_and(|t| t.finished) {
            return;
        }
        match sipfrag_status(request) {
            Some(status @ 100..=199) => ctx.event(UaEvent::TransferProgress {
                call: self.handle,
                status,
            }),
            Some(200..=299) => self.transfer_done(ctx),
            Some(status) => self.transfer_failed(status, ctx),
            // No readable status line: no progress to report, and nothing to act on.
            None => {}
        }
        let finished = self.transfer.as_ref().is_none_or(|t| t.finished);
        if !finished && subscription_terminated(request) {
            // The notifier gave up (noresource, timeout, …) without a final status.
            self.transfer_failed(0, ctx);
        }
    }

    /// The transferee reached the target: our part is over, so our leg ends with a BYE
    /// (RFC 5589 §6.1) unless the far end already ended it.
    fn transfer_done(&mut self, ctx: &mut Ctx<'_>) {
        if let Some(t) = self.transfer.as_mut() {
            t.finished = true;
        }
        ctx.event(UaEvent::TransferDone { call: self.handle });
        if self.state == CallState::Confirmed {
            // Confirmed, so this is a BYE and cannot be refused.
            let _ = self.hangup(ctx);
        }
    }

    /// The transfer is over without success; the call itself is untouched. Told once: a
    /// refusal or time-out of a REFER whose NOTIFYs already ended it says nothing new.
    fn transfer_failed(&mut self, status: u16, ctx: &mut Ctx<'_>) {
        let Some(transfer) = self.transfer.as_mut().filter(|t| !t.finished) else {
            return;
        };
        transfer.finished = true;
        ctx.event(UaEvent::TransferFailed {
            call: self.handle,
            status,
        });
    }
}

/// Whether a NOTIFY reports on `refer`: `Event: refer`, its `id` (when there is one, RFC 3515
/// §2.4.6) the REFER's CSeq number.
fn is_for_refer(notify: &Message, refer: &Message) -> bool {
    let Some((event, params)) = notify.header("Event").and_then(token_and_params) else {
        return false;
    };
    let refer_seq = refer.cseq().map(|c| c.seq);
    let id_matches = match param(&params, "id") {
        None => true,
        Some(id) => id.parse::<u32>().ok() == refer_seq,
    };
    event.eq_ignore_ascii_case("refer") && id_matches
}

/// `Subscription-State: terminated;reason=…` (RFC 6665 §8.2.3). A missing or unreadable
/// header leaves the subscription as it was.
fn subscription_terminated(notify: &Message) -> bool {
    notify
        .header("Subscription-State")
        .and_then(token_and_params)
        .is_some_and(|(state, _)| state.eq_ignore_ascii_case("terminated"))
}

/// `token *( SEMI generic-param )`: the shape of Event and Subscription-State values.
fn token_and_params(value: &str) -> Option<(String, crate::sip::grammar::Params)> {
    let mut s = Scanner::new(value.trim_matches([' ', '\t']));
    let token = s.token()?.to_string();
    let params = s.params()?;
    s.finish()?;
    Some((token, params))
}

/// Escapes a URI header value (RFC 3261 §19.1.1, `hvalue` in §25.1): everything but
/// unreserved characters and `hnv-unreserved` becomes `%XX`, so the `;` and `=` inside a
/// Replaces value (and the `@` of a Call-ID) cannot be read as URI syntax.
pub(super) fn escape_header_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        let plain = b.is_ascii_alphanumeric() || b"-_.!~*'()[]/?:+$".contains(&b);
        if plain {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_are_escaped_per_rfc_3261() {
        assert_eq!(
            escape_header_value("a1b@host.invalid;to-tag=x;from-tag=y"),
            "a1b%40host.invalid%3Bto-tag%3Dx%3Bfrom-tag%3Dy"
        );
        assert_eq!(escape_header_value("[]/?:+$-_.!~*'()"), "[]/?:+$-_.!~*'()");
        assert_eq!(escape_header_value("% &<>\"é"), "%25%20%26%3C%3E%22%C3%A9");
    }

    #[test]
    fn event_and_subscription_state_are_read_leniently_but_safely() {
        let refer = Message::request(Method::Refer, "sip:b@x").with_header("CSeq", "7 REFER");
        let notify = |event: &str| {
            Message::request(Method::Notify, "sip:a@x")
                .with_header("Event", event)
                .with_header("Subscription-State", "Terminated ; reason=noresource")
        };
        assert!(is_for_refer(&notify("refer"), &refer));
        assert!(is_for_refer(&notify("Refer;id=7"), &refer));
        assert!(!is_for_refer(&notify("refer;id=8"), &refer));
        assert!(!is_for_refer(&notify("refer;id=x"), &refer));
        assert!(!is_for_refer(&notify("dialog"), &refer));
        assert!(!is_for_refer(&notify("refer;;"), &refer));
        assert!(!is_for_refer(
            &Message::request(Method::Notify, "sip:a@x"),
            &refer
        ));
        assert!(subscription_terminated(&notify("refer")));
        let active = notify("refer").with_header("Subscription-State", "active;expires=60");
        assert!(subscription_terminated(&active), "the first header counts");
        let mut active = notify("refer");
        active.set_header("Subscription-State", "active;expires=60");
        assert!(!subscription_terminated(&active));
    }
}
