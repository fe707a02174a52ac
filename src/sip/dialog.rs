//! SIP dialogs (RFC 3261 §12): the Call-ID, tags, CSeq counters, route set and remote target
//! that every in-dialog request is built from.

use super::header::NameAddr;
use super::message::{Message, Method};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialog {
    pub call_id: String,
    pub local_tag: String,
    pub remote_tag: String,
    /// Our From (as UAC) or To (as UAS), without the tag.
    pub local: NameAddr,
    pub remote: NameAddr,
    pub local_seq: u32,
    pub remote_seq: Option<u32>,
    /// Where in-dialog requests go: the peer's Contact.
    pub remote_target: String,
    /// Proxies that asked to stay in the path (Record-Route), in the order we must visit them.
    pub route_set: Vec<String>,
}

fn without_tag(mut addr: NameAddr) -> NameAddr {
    addr.params.retain(|(k, _)| !k.eq_ignore_ascii_case("tag"));
    addr
}

/// Whether a URI carries a parameter (`;lr` or `;lr=on`), without mistaking `;lrx` for it.
fn uri_has_param(uri: &str, name: &str) -> bool {
    uri.split(';').skip(1).any(|p| {
        p.split('=')
            .next()
            .is_some_and(|k| k.trim().eq_ignore_ascii_case(name))
    })
}

fn contact_uri(message: &Message) -> Option<String> {
    let first = *message.header_values("Contact").first()?;
    NameAddr::parse(first).map(|a| a.uri)
}

impl Dialog {
    /// The dialog a response with a To tag creates for the request we sent (§12.1.2): the route
    /// set is the Record-Route list reversed.
    pub fn as_uac(request: &Message, response: &Message) -> Option<Dialog> {
        let from = request.from()?;
        let to = response.to()?;
        let mut route_set: Vec<String> = response
            .header_values("Record-Route")
            .iter()
            .filter_map(|v| NameAddr::parse(v).map(|a| a.to_string()))
            .collect();
        route_set.reverse();
        Some(Dialog {
            call_id: request.call_id()?.to_string(),
            local_tag: from.tag()?.to_string(),
            remote_tag: to.tag()?.to_string(),
            local: without_tag(from),
            remote: without_tag(to),
            local_seq: request.cseq()?.seq,
            remote_seq: None,
            remote_target: contact_uri(response)
                .or_else(|| request.request_uri().map(str::to_string))?,
            route_set,
        })
    }

    /// The dialog we create by answering `request` with `local_tag` (§12.1.1).
    pub fn as_uas(request: &Message, local_tag: &str) -> Option<Dialog> {
        let from = request.from()?;
        let to = request.to()?;
        let route_set = request
            .header_values("Record-Route")
            .iter()
            .filter_map(|v| NameAddr::parse(v).map(|a| a.to_string()))
            .collect();
        Some(Dialog {
            call_id: request.call_id()?.to_string(),
            local_tag: local_tag.to_string(),
            remote_tag: from.tag()?.to_string(),
            local: without_tag(to),
            remote: without_tag(from),
            local_seq: 0,
            remote_seq: Some(request.cseq()?.seq),
            remote_target: contact_uri(request)?,
            route_set,
        })
    }

    /// Whether an incoming request belongs to this dialog (its To tag is ours).
    pub fn matches_request(&self, request: &Message) -> bool {
        request.call_id() == Some(self.call_id.as_str())
            && request
                .to()
                .and_then(|t| t.tag().map(str::to_string))
                .as_deref()
                == Some(self.local_tag.as_str())
            && request
                .from()
                .and_then(|f| f.tag().map(str::to_string))
                .as_deref()
                == Some(self.remote_tag.as_str())
    }

    /// Checks the CSeq of an incoming in-dialog request (§12.2.2): lower than the last one is
    /// out of order and gets a 500.
    pub fn accept_remote_seq(&mut self, request: &Message) -> bool {
        let Some(seq) = request.cseq().map(|c| c.seq) else {
            return false;
        };
        if request.method() == Some(&Method::Ack) {
            return true;
        }
        if self.remote_seq.is_some_and(|last| seq <= last) {
            return false;
        }
        self.remote_seq = Some(seq);
        true
    }

    /// A target refresh (re-INVITE or its 2xx) may move the peer's Contact.
    pub fn refresh_target(&mut self, message: &Message) {
        if let Some(uri) = contact_uri(message) {
            self.remote_target = uri;
        }
    }

    /// A new in-dialog request with the next CSeq; the caller adds Via, Contact and body.
    pub fn request(&mut self, method: Method) -> Message {
        self.local_seq += 1;
        self.request_with_seq(method, self.local_seq)
    }

    /// A request with a given CSeq number: the ACK for a 2xx reuses the INVITE's (§13.2.2.4).
    pub fn request_with_seq(&self, method: Method, seq: u32) -> Message {
        // Loose routing (lr) is what every proxy we meet does; strict routing puts the first
        // route in the Request-URI and the remote target last (§12.2.1.1).
        let strict_first = self
            .route_set
            .first()
            .and_then(|r| NameAddr::parse(r))
            .filter(|r| !uri_has_param(&r.uri, "lr"));
        let (uri, routes): (String, Vec<String>) = match strict_first {
            Some(first) => {
                let mut rest: Vec<String> = self.route_set.iter().skip(1).cloned().collect();
                rest.push(format!("<{}>", self.remote_target));
                (first.uri, rest)
            }
            None => (self.remote_target.clone(), self.route_set.clone()),
        };
        let mut m = Message::request(method.clone(), uri);
        m.push_header("Max-Forwards", "70");
        let mut from = self.local.clone();
        from.set_param("tag", Some(self.local_tag.clone()));
        let mut to = self.remote.clone();
        to.set_param("tag", Some(self.remote_tag.clone()));
        m.push_header("From", from.to_string());
        m.push_header("To", to.to_string());
        m.push_header("Call-ID", self.call_id.clone());
        m.push_header("CSeq", format!("{seq} {}", method.as_str()));
        for r in routes {
            m.push_header("Route", r);
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INVITE: &str = "INVITE sip:bob@sip.test SIP/2.0\r\n\
        Via: SIP/2.0/WSS a.invalid;branch=z9hG4bK1\r\n\
        From: \"Alice\" <sip:alice@sip.test>;tag=at\r\n\
        To: <sip:bob@sip.test>\r\n\
        Call-ID: cid\r\n\
        CSeq: 7 INVITE\r\n\
        Contact: <sip:alice@a.invalid;transport=ws;ob>\r\n\
        Record-Route: <sip:p2.sip.test;lr>, <sip:p1.sip.test;lr>\r\n\r\n";

    const OK: &str = "SIP/2.0 200 OK\r\n\
        Via: SIP/2.0/WSS a.invalid;branch=z9hG4bK1\r\n\
        From: \"Alice\" <sip:alice@sip.test>;tag=at\r\n\
        To: <sip:bob@sip.test>;tag=bt\r\n\
        Call-ID: cid\r\n\
        CSeq: 7 INVITE\r\n\
        Contact: <sip:bob@b.invalid;transport=ws>\r\n\
        Record-Route: <sip:p2.sip.test;lr>\r\n\
        Record-Route: <sip:p1.sip.test;lr>\r\n\r\n";

    #[test]
    fn uac_dialog_reverses_record_route_and_targets_contact() {
        let req = Message::parse(INVITE.as_bytes()).unwrap();
        let ok = Message::parse(OK.as_bytes()).unwrap();
        let mut d = Dialog::as_uac(&req, &ok).unwrap();
        assert_eq!(d.remote_target, "sip:bob@b.invalid;transport=ws");
        assert_eq!(
            d.route_set,
            vec!["<sip:p1.sip.test;lr>", "<sip:p2.sip.test;lr>"]
        );
        let bye = d.request(Method::Bye);
        assert_eq!(bye.request_uri(), Some("sip:bob@b.invalid;transport=ws"));
        assert_eq!(bye.header("CSeq"), Some("8 BYE"));
        assert_eq!(bye.to().unwrap().tag(), Some("bt"));
        assert_eq!(bye.from().unwrap().display.as_deref(), Some("Alice"));
        assert_eq!(bye.header_values("Route")[0], "<sip:p1.sip.test;lr>");
    }

    #[test]
    fn uas_dialog_keeps_record_route_order_and_checks_cseq() {
        let req = Message::parse(INVITE.as_bytes()).unwrap();
        let mut d = Dialog::as_uas(&req, "bt").unwrap();
        assert_eq!(d.route_set[0], "<sip:p2.sip.test;lr>");
        assert_eq!(d.remote_target, "sip:alice@a.invalid;transport=ws;ob");
        let mut bye = d.request(Method::Bye);
        assert_eq!(bye.header("CSeq"), Some("1 BYE"));
        assert_eq!(bye.from().unwrap().tag(), Some("bt"));
        // The far end's BYE: tags mirrored.
        bye.set_header("From", "<sip:alice@sip.test>;tag=at");
        bye.set_header("To", "<sip:bob@sip.test>;tag=bt");
        bye.set_header("CSeq", "8 BYE");
        assert!(d.matches_request(&bye));
        assert!(d.accept_remote_seq(&bye));
        assert!(
            !d.accept_remote_seq(&bye),
            "same CSeq again is out of order"
        );
    }

    #[test]
    fn strict_route_goes_into_the_request_uri() {
        let req = Message::parse(INVITE.as_bytes()).unwrap();
        let ok = Message::parse(OK.replace(";lr", "").as_bytes()).unwrap();
        let mut d = Dialog::as_uac(&req, &ok).unwrap();
        let bye = d.request(Method::Bye);
        assert_eq!(bye.request_uri(), Some("sip:p1.sip.test"));
        let routes = bye.header_values("Route");
        assert_eq!(
            routes,
            vec!["<sip:p2.sip.test>", "<sip:bob@b.invalid;transport=ws>"]
        );
    }
}
