//! Call scenarios: outgoing answered, busy, cancelled; incoming answered, hung up by the far
//! end, cancelled, rejected; hold, DTMF and time-outs.

use super::*;

const OFFER: &str = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\na=sendrecv\r\n";
const ANSWER: &str = "v=0\r\no=- 2 2 IN IP4 0.0.0.0\r\na=sendrecv\r\n";
const BOB_CONTACT: &str = "<sip:bob@b0b.invalid;transport=ws;alias=127.0.0.1~5~1>";
const RR: &str = "<sip:127.0.0.1:8088;transport=ws;r2=on;lr>, <sip:127.0.0.1;r2=on;lr>";

/// An outgoing call to bob, already past the proxy's 407.
fn dial(lab: &mut Lab) -> (CallHandle, Message) {
    let call = lab.ua.call("bob", OFFER, lab.now).unwrap();
    lab.pump();
    let invite = lab.one_sent();
    assert_eq!(invite.request_uri(), Some("sip:bob@sip.test"));
    assert_eq!(invite.body, OFFER);
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
    assert_eq!(info.body, "Signal=5\r\nDuration=160\r\n");
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
    assert_eq!(reinvite.body, hold);
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
            reason: EndReason::LocalHangup
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
            reason: EndReason::LocalHangup
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

/// bob's INVITE as Kamailio relays it to us.
pub(super) fn incoming_invite(branch: &str) -> Message {
    Message::parse(
        format!(
            "INVITE sip:k3j2l@abc.invalid;transport=ws SIP/2.0\r\n\
             Record-Route: {RR}\r\n\
             Via: SIP/2.0/WSS 127.0.0.1:8088;branch={branch}\r\n\
             Via: SIP/2.0/WSS b0b.invalid;received=127.0.0.1;branch=z9hG4bKbob\r\n\
             Max-Forwards: 69\r\n\
             From: \"Bob\" <sip:bob@sip.test>;tag=bobtag\r\n\
             To: <sip:alice@sip.test>\r\n\
             Call-ID: in-call-1\r\n\
             CSeq: 9 INVITE\r\n\
             Contact: {BOB_CONTACT}\r\n\
             Content-Type: application/sdp\r\n\r\n{OFFER}"
        )
        .as_bytes(),
    )
    .unwrap()
}

fn in_dialog(method: &str, cseq: u32, our_tag: &str, extra: &str, body: &str) -> Message {
    Message::parse(
        format!(
            "{method} sip:k3j2l@abc.invalid;transport=ws SIP/2.0\r\n\
             Via: SIP/2.0/WSS 127.0.0.1:8088;branch=z9hG4bKp{method}{cseq}\r\n\
             From: \"Bob\" <sip:bob@sip.test>;tag=bobtag\r\n\
             To: <sip:alice@sip.test>;tag={our_tag}\r\n\
             Call-ID: in-call-1\r\n\
             CSeq: {cseq} {method}\r\n{extra}\r\n{body}"
        )
        .as_bytes(),
    )
    .unwrap()
}

/// bob calls; we ring. Returns the call and our To tag.
fn ring(lab: &mut Lab) -> (CallHandle, String) {
    lab.recv(&incoming_invite("z9hG4bKinv"));
    let ringing = lab.one_sent();
    assert_eq!(ringing.status(), Some(180));
    assert_eq!(ringing.header_values("Via").len(), 2);
    assert!(ringing
        .header("Contact")
        .unwrap()
        .contains("transport=ws;ob"));
    let tag = ringing.to().unwrap().tag().unwrap().to_string();
    let events = lab.take_events();
    let [UaEvent::IncomingCall {
        call,
        from_uri,
        from_name,
        sdp_offer,
    }] = &events[..]
    else {
        panic!("{events:?}")
    };
    assert_eq!(from_uri, "sip:bob@sip.test");
    assert_eq!(from_name.as_deref(), Some("Bob"));
    assert_eq!(sdp_offer, OFFER);
    (*call, tag)
}

#[test]
fn an_invite_requiring_an_extension_is_refused_with_420() {
    let mut lab = Lab::new().connected();
    let mut invite = incoming_invite("z9hG4bKreq");
    invite.push_header("Require", "100rel");
    lab.recv(&invite);
    let r = lab.one_sent();
    assert_eq!(
        (r.status(), r.header("Unsupported")),
        (Some(420), Some("100rel"))
    );
    assert!(lab.take_events().is_empty());
}

#[test]
fn incoming_call_answered_then_hung_up_by_the_far_end() {
    let mut lab = Lab::new().connected().registered();
    let (call, tag) = ring(&mut lab);
    let info = lab.ua.call_info(call).unwrap();
    assert_eq!(info.direction, Direction::Incoming);
    assert_eq!(info.sip_call_id, "in-call-1");
    assert_eq!(info.remote_uri, "sip:bob@sip.test");
    assert_eq!(info.remote_name.as_deref(), Some("Bob"));
    // A retransmitted INVITE gets the 180 again and no second call.
    lab.recv(&incoming_invite("z9hG4bKinv"));
    assert_eq!(lab.one_sent().status(), Some(180));
    assert!(lab.take_events().is_empty());

    lab.ua.answer(call, ANSWER, lab.now).unwrap();
    lab.pump();
    let ok = lab.one_sent();
    assert_eq!(ok.status(), Some(200));
    assert_eq!(ok.body, ANSWER);
    assert_eq!(ok.to().unwrap().tag(), Some(tag.as_str()));
    assert_eq!(ok.header("CSeq"), Some("9 INVITE"));
    assert_eq!(
        lab.ua.answer(call, ANSWER, lab.now),
        Err(UaError::WrongState)
    );

    lab.recv(&in_dialog("ACK", 9, &tag, "", ""));
    assert_eq!(
        lab.take_events(),
        vec![UaEvent::Connected { call, sdp: None }]
    );
    assert!(lab.sent.is_empty());

    lab.recv(&in_dialog(
        "INFO",
        10,
        &tag,
        "Content-Type: application/dtmf-relay\r\n",
        "Signal=#\r\nDuration=100\r\n",
    ));
    assert_eq!(lab.one_sent().status(), Some(200));
    assert_eq!(
        lab.take_events(),
        vec![UaEvent::Dtmf {
            call,
            digit: '#',
            duration_ms: 100
        }]
    );

    // The same INFO again is a retransmission: the transaction answers it again.
    lab.recv(&in_dialog("INFO", 10, &tag, "", ""));
    assert_eq!(lab.one_sent().status(), Some(200));
    assert!(lab.take_events().is_empty());
    // A new request (new branch) with an old CSeq is out of order.
    let mut stale = in_dialog("INFO", 10, &tag, "", "");
    stale.set_header("Via", "SIP/2.0/WSS 127.0.0.1:8088;branch=z9hG4bKother");
    lab.recv(&stale);
    assert_eq!(lab.one_sent().status(), Some(500));

    lab.recv(&in_dialog("BYE", 11, &tag, "", ""));
    let ok = lab.one_sent();
    assert_eq!(
        (ok.status(), ok.header("CSeq")),
        (Some(200), Some("11 BYE"))
    );
    assert_eq!(
        lab.take_events(),
        vec![UaEvent::Ended {
            call,
            reason: EndReason::RemoteHangup
        }]
    );
}

#[test]
fn our_bye_follows_the_record_route_in_order() {
    let mut lab = Lab::new().connected();
    let (call, tag) = ring(&mut lab);
    lab.ua.answer(call, ANSWER, 0).unwrap();
    lab.pump();
    lab.take_sent();
    lab.recv(&in_dialog("ACK", 9, &tag, "", ""));
    lab.ua.hangup(call, 5).unwrap();
    lab.pump();
    let bye = lab.one_sent();
    assert_eq!(
        bye.request_uri(),
        Some("sip:bob@b0b.invalid;transport=ws;alias=127.0.0.1~5~1")
    );
    assert_eq!(
        bye.header_values("Route"),
        vec![
            "<sip:127.0.0.1:8088;transport=ws;r2=on;lr>",
            "<sip:127.0.0.1;r2=on;lr>"
        ]
    );
    assert_eq!(bye.from().unwrap().tag(), Some(tag.as_str()));
    assert_eq!(bye.to().unwrap().tag(), Some("bobtag"));
    assert_eq!(bye.header("CSeq"), Some("1 BYE"));
}

#[test]
fn incoming_call_cancelled_by_the_caller() {
    let mut lab = Lab::new().connected();
    let (call, _) = ring(&mut lab);
    let mut cancel = incoming_invite("z9hG4bKinv");
    cancel.start = StartLine::Request {
        method: Method::Cancel,
        uri: "sip:k3j2l@abc.invalid;transport=ws".into(),
    };
    cancel.set_header("CSeq", "9 CANCEL");
    cancel.body.clear();
    lab.recv(&cancel);
    let sent = lab.take_sent();
    let statuses: Vec<_> = sent
        .iter()
        .map(|m| (m.status(), m.cseq().unwrap().method))
        .collect();
    assert_eq!(
        statuses,
        vec![(Some(200), Method::Cancel), (Some(487), Method::Invite)]
    );
    assert_eq!(
        lab.take_events(),
        vec![UaEvent::Ended {
            call,
            reason: EndReason::CallerCancelled
        }]
    );
    // The proxy's ACK for the 487 is absorbed by the server transaction.
    let mut ack = incoming_invite("z9hG4bKinv");
    ack.start = StartLine::Request {
        method: Method::Ack,
        uri: "sip:k3j2l@abc.invalid".into(),
    };
    ack.set_header("CSeq", "9 ACK");
    ack.set_header("To", sent[1].header("To").unwrap());
    lab.recv(&ack);
    assert!(lab.sent.is_empty() && lab.events.is_empty());
}

#[test]
fn incoming_call_rejected_busy_or_declined() {
    for (status, hangup) in [(486, false), (603, true)] {
        let mut lab = Lab::new().connected();
        let (call, _) = ring(&mut lab);
        if hangup {
            lab.ua.hangup(call, 0).unwrap();
        } else {
            lab.ua.reject(call, status, 0).unwrap();
        }
        lab.pump();
        assert_eq!(lab.one_sent().status(), Some(status));
        assert_eq!(
            lab.take_events(),
            vec![UaEvent::Ended {
                call,
                reason: EndReason::LocalRejected
            }]
        );
    }
}

#[test]
fn far_end_hold_is_a_reoffer_we_answer() {
    let mut lab = Lab::new().connected();
    let (call, tag) = ring(&mut lab);
    lab.ua.answer(call, ANSWER, 0).unwrap();
    lab.pump();
    lab.take_sent();
    lab.recv(&in_dialog("ACK", 9, &tag, "", ""));
    lab.take_events();
    let held = OFFER.replace("sendrecv", "sendonly");
    lab.recv(&in_dialog(
        "INVITE",
        10,
        &tag,
        &format!("Contact: {BOB_CONTACT}\r\nContent-Type: application/sdp\r\n"),
        &held,
    ));
    assert_eq!(
        lab.take_events(),
        vec![UaEvent::RemoteReoffer { call, sdp: held }]
    );
    lab.ua.answer_reoffer(call, "recvonly-answer", 0).unwrap();
    lab.pump();
    let ok = lab.one_sent();
    assert_eq!(
        (ok.status(), ok.body.as_str()),
        (Some(200), "recvonly-answer")
    );
    assert_eq!(ok.header("CSeq"), Some("10 INVITE"));
}

#[test]
fn a_missing_ack_ends_the_call_with_bye() {
    let mut lab = Lab::new().connected();
    let (call, _) = ring(&mut lab);
    lab.ua.answer(call, ANSWER, 0).unwrap();
    lab.pump();
    lab.take_sent();
    lab.advance(32_000);
    assert_eq!(lab.one_sent().method(), Some(&Method::Bye));
    assert_eq!(
        lab.take_events(),
        vec![UaEvent::Ended {
            call,
            reason: EndReason::AckTimeout
        }]
    );
}

#[test]
fn a_dropped_transport_ends_calls() {
    let mut lab = Lab::new().connected();
    let (call, _) = ring(&mut lab);
    lab.ua.transport_closed(10);
    lab.pump();
    assert_eq!(
        lab.take_events(),
        vec![UaEvent::Ended {
            call,
            reason: EndReason::TransportLost
        }]
    );
}
