//! Outgoing call scenarios: answered (with hold and DTMF), busy and other failures, cancelled,
//! forked, unanswered, refused credentials.

use super::*;

pub(super) const OFFER: &str = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\na=sendrecv\r\n";
pub(super) const ANSWER: &str = "v=0\r\no=- 2 2 IN IP4 0.0.0.0\r\na=sendrecv\r\n";
pub(super) const BOB_CONTACT: &str = "<sip:bob@b0b.invalid;transport=ws;alias=127.0.0.1~5~1>";
pub(super) const RR: &str = "<sip:127.0.0.1:8088;transport=ws;r2=on;lr>, <sip:127.0.0.1;r2=on;lr>";

/// An outgoing call to bob, already past the proxy's 407.
fn dial(lab: &mut Lab) -> (CallHandle, Message) {
    let call = lab.ua.call("bob", OFFER, lab.now).unwrap();
    lab.pump();
    let invite = lab.one_sent();
    assert_eq!(invite.request_uri(), Some("sip:bob@sip.test"));
    assert_eq!(invite.body_text(), Some(OFFER));
    assert_eq!(invite.header("Content-Type"), Some("application/sdp"));
    assert!(invite.to().unwrap().tag().is_none());
    let challenge = r#"Digest realm="sip.test", nonce="inv1", qop="auth""#;
    lab.recv(&reply(
        &invite,
        407,
        &[("Proxy-Authenticate", challenge)],
        Some("px"),
        "",
    ));
    let mut sent = lab.take_sent();
    assert_eq!(sent.len(), 2, "ACK for the 407, then the INVITE again");
    let ack = sent.remove(0);
    assert_eq!(ack.method(), Some(&Method::Ack));
    assert_eq!(
        ack.top_via().unwrap().branch(),
        invite.top_via().unwrap().branch()
    );
    let invite2 = sent.remove(0);
    assert_eq!(invite2.cseq().unwrap().seq, 2);
    assert_eq!(invite2.call_id(), invite.call_id());
    assert_eq!(invite2.from().unwrap().tag(), invite.from().unwrap().tag());
    let params = auth_params(invite2.header("Proxy-Authorization").unwrap());
    assert_eq!(get(&params, "uri"), "sip:bob@sip.test");
    (call, invite2)
}

#[test]
fn outgoing_call_rings_is_answered_holds_sends_dtmf_and_hangs_up() {
    let mut lab = Lab::new().connected().registered();
    let (call, invite) = dial(&mut lab);
    lab.recv(&reply(&invite, 100, &[], None, ""));
    assert!(lab.take_events().is_empty());
    lab.recv(&reply(
        &invite,
        180,
        &[("Contact", BOB_CONTACT)],
        Some("bt"),
        "",
    ));
    lab.recv(&reply(
        &invite,
        183,
        &[("Contact", BOB_CONTACT)],
        Some("bt"),
        "early",
    ));
    assert_eq!(
        lab.take_events(),
        vec![
            UaEvent::Ringing {
                call,
                early_sdp: None
            },
            UaEvent::Ringing {
                call,
                early_sdp: Some("early".into())
            }
        ]
    );
    let ok = reply(
        &invite,
        200,
        &[("Contact", BOB_CONTACT), ("Record-Route", RR)],
        Some("bt"),
        ANSWER,
    );
    lab.recv(&ok);
    assert_eq!(
        lab.take_events(),
        vec![UaEvent::Connected {
            call,
            sdp: Some(ANSWER.into())
        }]
    );
    let ack = lab.one_sent();
    assert_eq!(ack.method(), Some(&Method::Ack));
    assert_eq!(
        ack.request_uri(),
        Some("sip:bob@b0b.invalid;transport=ws;alias=127.0.0.1~5~1")
    );
    assert_eq!(ack.header("CSeq"), Some("2 ACK"));
    assert_eq!(ack.to().unwrap().tag(), Some("bt"));
    assert_ne!(
        ack.top_via().unwrap().branch(),
        invite.top_via().unwrap().branch()
    );
    // Record-Route reversed into the route set.
    assert_eq!(
        ack.header_values("Route"),
        vec![
            "<sip:127.0.0.1;r2=on;lr>",
            "<sip:127.0.0.1:8088;transport=ws;r2=on;lr>"
        ]
    );

    // A retransmitted 200 gets the same ACK again.
    lab.recv(&ok);
    assert_eq!(lab.one_sent(), ack);
    // A second fork answering is acknowledged and hung up at once.
    let fork = reply(
        &invite,
        200,
        &[("Contact", "<sip:bob@f0rk.invalid;transport=ws>")],
        Some("fork"),
        ANSWER,
    );
    lab.recv(&fork);
    let sent = lab.take_sent();
    let lines: Vec<_> = sent
        .iter()
        .map(|m| {
            (
                m.method().cloned(),
                m.to().unwrap().tag().map(str::to_string),
            )
        })
        .collect();
    assert_eq!(
        lines,
        vec![
            (Some(Method::Ack), Some("fork".into())),
            (Some(Method::Bye), Some("fork".into()))
        ]
    );
    assert!(lab.take_events().is_empty());
    // A stray failure for the answered INVITE changes nothing.
    lab.recv(&reply(&invite, 486, &[], Some("bt"), ""));
    assert!(lab.take_events().is_empty());
    lab.take_sent();

    lab.ua.send_dtmf(call, '5', 160, lab.now).unwrap();
    lab.pump();
    let info = lab.one_sent();
    assert_eq!(info.method(), Some(&Method::Info));
    assert_eq!(info.header("Content-Type"), Some("application/dtmf-relay"));
    assert_eq!(info.body_text(), Some("Signal=5\r\nDuration=160\r\n"));
    assert_eq!(info.header("CSeq"), Some("3 INFO"));
    lab.recv(&reply(&info, 200, &[], None, ""));
    assert_eq!(
        lab.ua.send_dtmf(call, 'x', 100, lab.now),
        Err(UaError::InvalidDigit)
    );

    let hold = OFFER.replace("sendrecv", "sendonly");
    lab.ua.reoffer(call, &hold, lab.now).unwrap();
    lab.pump();
    let reinvite = lab.one_sent();
    assert_eq!(reinvite.header("CSeq"), Some("4 INVITE"));
    assert_eq!(reinvite.body_text(), Some(hold.as_str()));
    assert!(reinvite.header("Contact").is_some());
    assert_eq!(
        lab.ua.reoffer(call, OFFER, lab.now),
        Err(UaError::WrongState)
    );
    lab.recv(&reply(
        &reinvite,
        200,
        &[("Contact", BOB_CONTACT)],
        None,
        "held",
    ));
    assert_eq!(
        lab.take_events(),
        vec![UaEvent::ReofferAnswered {
            call,
            sdp: "held".into()
        }]
    );
    assert_eq!(lab.one_sent().header("CSeq"), Some("4 ACK"));

    lab.ua.hangup(call, lab.now).unwrap();
    lab.pump();
    let bye = lab.one_sent();
    assert_eq!(bye.method(), Some(&Method::Bye));
    assert_eq!(bye.header("CSeq"), Some("5 BYE"));
    assert_eq!(
        lab.take_events(),
        vec![UaEvent::Ended {
            call,
            reason: EndReason::LocalHangup
        }]
    );
    lab.recv(&reply(&bye, 200, &[], None, ""));
    assert!(lab.take_events().is_empty());
    assert_eq!(lab.ua.hangup(call, lab.now), Err(UaError::NoSuchCall));
}

#[test]
fn failures_map_to_reasons() {
    let cases = [
        (486, EndReason::Busy),
        (404, EndReason::NotFound),
        (480, EndReason::Unavailable),
        (603, EndReason::Declined),
        (408, EndReason::NoAnswer),
        (487, EndReason::Failed { status: 487 }),
        (500, EndReason::Failed { status: 500 }),
    ];
    for (status, reason) in cases {
        let mut lab = Lab::new().connected();
        let call = lab.ua.call("sip:bob@sip.test", OFFER, 0).unwrap();
        lab.pump();
        let invite = lab.one_sent();
        lab.recv(&reply(&invite, status, &[], Some("bt"), ""));
        let ack = lab.one_sent();
        assert_eq!(ack.method(), Some(&Method::Ack), "{status}");
        assert_eq!(
            lab.take_events(),
            vec![UaEvent::Ended { call, reason }],
            "{status}"
        );
    }
}

#[test]
fn cancel_while_ringing_ends_with_487() {
    let mut lab = Lab::new().connected();
    let call = lab.ua.call("bob", OFFER, 0).unwrap();
    lab.pump();
    let invite = lab.one_sent();
    lab.recv(&reply(
        &invite,
        180,
        &[("Contact", BOB_CONTACT)],
        Some("bt"),
        "",
    ));
    lab.take_events();
    lab.ua.hangup(call, 1_500).unwrap();
    lab.pump();
    let cancel = lab.one_sent();
    assert_eq!(cancel.method(), Some(&Method::Cancel));
    assert_eq!(cancel.header("CSeq"), Some("1 CANCEL"));
    assert_eq!(cancel.top_via(), invite.top_via());
    assert!(cancel.to().unwrap().tag().is_none());
    assert_eq!(
        lab.take_events(),
        vec![UaEvent::Ended {
            call,
            reason: EndReason::Cancelled
        }]
    );
    lab.recv(&reply(&cancel, 200, &[], Some("bt"), ""));
    lab.recv(&reply(&invite, 487, &[], Some("bt"), ""));
    assert_eq!(lab.one_sent().method(), Some(&Method::Ack));
    assert!(lab.take_events().is_empty(), "ended once");
}

#[test]
fn cancel_waits_for_a_provisional_and_an_answer_that_crosses_it_is_hung_up() {
    let mut lab = Lab::new().connected();
    let call = lab.ua.call("bob", OFFER, 0).unwrap();
    lab.pump();
    let invite = lab.one_sent();
    lab.ua.hangup(call, 10).unwrap();
    lab.pump();
    assert!(lab.sent.is_empty(), "no CANCEL before a provisional");
    lab.recv(&reply(&invite, 100, &[], None, ""));
    assert_eq!(lab.one_sent().method(), Some(&Method::Cancel));
    lab.recv(&reply(
        &invite,
        200,
        &[("Contact", BOB_CONTACT)],
        Some("bt"),
        ANSWER,
    ));
    let sent = lab.take_sent();
    let methods: Vec<_> = sent.iter().map(|m| m.method().cloned()).collect();
    assert_eq!(methods, vec![Some(Method::Ack), Some(Method::Bye)]);
    assert_eq!(
        lab.take_events(),
        vec![UaEvent::Ended {
            call,
            reason: EndReason::Cancelled
        }]
    );
}

#[test]
fn invite_without_any_response_is_server_unreachable() {
    let mut lab = Lab::new().connected();
    let call = lab.ua.call("bob", OFFER, 0).unwrap();
    lab.pump();
    lab.advance(32_000);
    assert_eq!(
        lab.take_events(),
        vec![UaEvent::Ended {
            call,
            reason: EndReason::ServerUnreachable
        }]
    );
}

#[test]
fn repeated_proxy_challenge_is_auth_failed() {
    let mut lab = Lab::new().connected();
    let (call, invite2) = dial(&mut lab);
    let challenge = r#"Digest realm="sip.test", nonce="inv1", qop="auth""#;
    lab.recv(&reply(
        &invite2,
        407,
        &[("Proxy-Authenticate", challenge)],
        Some("px"),
        "",
    ));
    assert_eq!(lab.one_sent().method(), Some(&Method::Ack));
    assert_eq!(
        lab.take_events(),
        vec![UaEvent::Ended {
            call,
            reason: EndReason::AuthFailed
        }]
    );
}

#[test]
fn calling_without_a_transport_fails_at_once() {
    let mut lab = Lab::new();
    let call = lab.ua.call("bob", OFFER, 0).unwrap();
    lab.pump();
    assert_eq!(
        lab.take_events(),
        vec![UaEvent::Ended {
            call,
            reason: EndReason::ServerUnreachable
        }]
    );
    assert_eq!(
        lab.ua.call("bad target", OFFER, 0),
        Err(UaError::InvalidTarget)
    );
}

/// The INVITE to bob, and the 401/407 `status` to it in `realm`: whether our credentials went.
fn challenged_in(lab: &mut Lab, status: u16, realm: &str) -> (CallHandle, bool) {
    let call = lab.ua.call("bob", OFFER, lab.now).unwrap();
    lab.pump();
    let invite = lab.one_sent();
    let ask = if status == 401 {
        "WWW-Authenticate"
    } else {
        "Proxy-Authenticate"
    };
    let challenge = format!(r#"Digest realm="{realm}", nonce="far1", qop="auth""#);
    lab.recv(&reply(
        &invite,
        status,
        &[(ask, &challenge)],
        Some("far"),
        "",
    ));
    let answered = lab
        .take_sent()
        .iter()
        .any(|m| m.method() == Some(&Method::Invite));
    (call, answered)
}

#[test]
fn credentials_answer_our_registrar_realm_and_domain_only() {
    // A far end (or anything on the path) that challenges our INVITE in a realm of its own
    // does not get a digest of our password: the call ends as refused.
    let mut lab = Lab::new().connected().registered();
    let (call, answered) = challenged_in(&mut lab, 401, "evil.example");
    assert!(!answered, "no digest for a stranger's realm");
    assert!(lab.take_events().contains(&UaEvent::Ended {
        call,
        reason: EndReason::AuthFailed
    }));
    // The SIP domain's realm is answered.
    let (_, answered) = challenged_in(&mut lab, 407, "sip.test");
    assert!(answered);
    // A registrar whose realm is not the domain: that realm is learnt from its challenge to
    // our REGISTER, and then answered for calls too.
    let mut lab = Lab::new().connected();
    lab.ua.register(lab.now);
    lab.pump();
    let register = lab.one_sent();
    let challenge = r#"Digest realm="asterisk", nonce="reg1", qop="auth""#;
    lab.recv(&reply(
        &register,
        401,
        &[("WWW-Authenticate", challenge)],
        None,
        "",
    ));
    let again = lab.one_sent();
    assert!(again
        .header("Authorization")
        .unwrap()
        .contains(r#"realm="asterisk""#));
    lab.recv(&reply(&again, 200, &[("Expires", "600")], None, ""));
    let (_, answered) = challenged_in(&mut lab, 407, "asterisk");
    assert!(answered, "the registrar's realm");
    let (_, answered) = challenged_in(&mut lab, 407, "elsewhere");
    assert!(!answered);
}
