//! Incoming call scenarios: answered and hung up by the far end, cancelled by the caller,
//! rejected, put on hold by the far end, never acknowledged, cut off with the transport.

use super::calls::{ANSWER, BOB_CONTACT, OFFER, RR};
use super::*;

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
    assert_eq!(ringing.header_values("Record-Route").len(), 2);
    assert!(ringing
        .header("Contact")
        .unwrap()
        .contains("transport=ws;ob"));
    let tag = ringing.to().unwrap().tag().unwrap().to_string();
    let events = lab.take_events();
    let [UaEvent::IncomingCall {
        call,
        sip_call_id,
        from_uri,
        from_name,
        sdp_offer,
    }] = &events[..]
    else {
        panic!("{events:?}")
    };
    assert_eq!(sip_call_id, "in-call-1", "the Call-ID comes with the ring");
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
    assert_eq!(ok.body_text(), Some(ANSWER));
    assert_eq!(ok.to().unwrap().tag(), Some(tag.as_str()));
    assert_eq!(ok.header("CSeq"), Some("9 INVITE"));
    assert_eq!(
        ok.header_values("Record-Route"),
        vec![
            "<sip:127.0.0.1:8088;transport=ws;r2=on;lr>",
            "<sip:127.0.0.1;r2=on;lr>"
        ]
    );
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
        (ok.status(), ok.body_text().unwrap_or_default()),
        (Some(200), "recvonly-answer")
    );
    assert_eq!(ok.header("CSeq"), Some("10 INVITE"));
    assert_eq!(
        lab.ua.answer_reoffer(call, "again", 0),
        Err(UaError::WrongState)
    );

    // An offer WebRTC cannot take is refused; the call stays up.
    lab.recv(&in_dialog(
        "INVITE",
        11,
        &tag,
        "Content-Type: application/sdp\r\n",
        "m=video",
    ));
    lab.take_events();
    lab.ua.reject_reoffer(call, 488, 0).unwrap();
    lab.pump();
    assert_eq!(lab.one_sent().status(), Some(488));
    assert_eq!(lab.ua.call_info(call).unwrap().state, CallState::Confirmed);
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

#[test]
fn hanging_up_before_the_ack_sends_bye_once_it_arrives() {
    let mut lab = Lab::new().connected();
    let (call, tag) = ring(&mut lab);
    lab.ua.answer(call, ANSWER, 0).unwrap();
    lab.pump();
    lab.take_sent();
    lab.ua.hangup(call, 5).unwrap();
    lab.pump();
    assert!(lab.sent.is_empty(), "no BYE before the ACK");
    assert_eq!(
        lab.take_events(),
        vec![UaEvent::Ended {
            call,
            reason: EndReason::LocalHangup
        }]
    );
    lab.recv(&in_dialog("ACK", 9, &tag, "", ""));
    assert_eq!(lab.one_sent().method(), Some(&Method::Bye));
    assert!(lab.take_events().is_empty());
    assert!(lab.ua.call_info(call).is_none());
}

#[test]
fn unreliable_transport_retransmits_our_200_until_the_ack() {
    let mut config = UaConfig::new("alice", "alice-secret", "sip.test");
    config.reliable = false;
    let mut lab = Lab::with(config).connected();
    let (call, tag) = ring(&mut lab);
    lab.ua.answer(call, ANSWER, 0).unwrap();
    lab.pump();
    lab.take_sent();
    lab.advance(1_600);
    let again = lab.take_sent();
    assert_eq!(again.len(), 2, "at 500 and 1500");
    assert!(again.iter().all(|m| m.status() == Some(200)));
    lab.recv(&in_dialog("ACK", 9, &tag, "", ""));
    lab.advance(10_000);
    assert!(lab.take_sent().is_empty());
}

#[test]
fn a_reinvite_crossing_ours_gets_491() {
    let mut lab = Lab::new().connected();
    let (call, tag) = ring(&mut lab);
    lab.ua.answer(call, ANSWER, 0).unwrap();
    lab.pump();
    lab.recv(&in_dialog("ACK", 9, &tag, "", ""));
    lab.ua.reoffer(call, OFFER, 0).unwrap();
    lab.pump();
    lab.take_sent();
    lab.take_events();
    lab.recv(&in_dialog(
        "INVITE",
        10,
        &tag,
        &format!("Contact: {BOB_CONTACT}\r\n"),
        "",
    ));
    assert_eq!(lab.one_sent().status(), Some(491));
    assert!(lab.take_events().is_empty());
}

#[test]
fn out_of_dialog_options_is_answered() {
    let mut lab = Lab::new().connected();
    let mut options = incoming_invite("z9hG4bKopt");
    options.start = StartLine::Request {
        method: Method::Options,
        uri: "sip:alice@sip.test".into(),
    };
    options.set_header("CSeq", "1 OPTIONS");
    options.body.clear();
    lab.recv(&options);
    let ok = lab.one_sent();
    assert_eq!(ok.status(), Some(200));
    assert!(ok.header("Allow").unwrap().contains("INVITE"));
}
