//! Transfer scenarios, with us as the transferor (RFC 5589): blind and attended REFERs, the
//! NOTIFYs that report on them, refusals, challenges, time-outs, hostile reports, and REFERs
//! sent to us, which we do not take.

use super::calls::{ANSWER, BOB_CONTACT, OFFER, RR};
use super::*;

const CAROL_CONTACT: &str = "<sip:carol@c4r0l.invalid;transport=ws>";

/// A call to `user` answered by `contact` with To tag `tag`; the ACK is taken.
fn answered(lab: &mut Lab, user: &str, contact: &str, tag: &str) -> (CallHandle, Message) {
    let call = lab.ua.call(user, OFFER, lab.now).unwrap();
    lab.pump();
    let invite = lab.one_sent();
    let ok = reply(
        &invite,
        200,
        &[("Contact", contact), ("Record-Route", RR)],
        Some(tag),
        ANSWER,
    );
    lab.recv(&ok);
    assert_eq!(lab.one_sent().method(), Some(&Method::Ack));
    lab.take_events();
    (call, invite)
}

/// A call with bob, transferred to `target`: the REFER we sent.
fn referred(lab: &mut Lab, target: &str) -> (CallHandle, Message) {
    let (call, _) = answered(lab, "bob", BOB_CONTACT, "bt");
    lab.ua.transfer(call, target, lab.now).unwrap();
    lab.pump();
    let refer = lab.one_sent();
    assert_eq!(refer.method(), Some(&Method::Refer));
    (call, refer)
}

/// bob's NOTIFY about `refer` (in its dialog, From and To swapped), with a sipfrag `body`
/// unless `content_type` says otherwise.
fn notify(refer: &Message, cseq: u32, event: &str, state: &str, body: &[u8]) -> Message {
    let mut n = Message::request(Method::Notify, "sip:k3j2l@abc.invalid;transport=ws");
    n.push_header(
        "Via",
        format!("SIP/2.0/WSS b0b.invalid;branch=z9hG4bKn{cseq}"),
    );
    n.push_header("Max-Forwards", "70");
    n.push_header("From", refer.header("To").unwrap());
    n.push_header("To", refer.header("From").unwrap());
    n.push_header("Call-ID", refer.call_id().unwrap());
    n.push_header("CSeq", format!("{cseq} NOTIFY"));
    n.push_header("Event", event);
    n.push_header("Subscription-State", state);
    if !body.is_empty() {
        n.push_header("Content-Type", "message/sipfrag;version=2.0");
        n.body = body.to_vec();
    }
    n
}

/// Feeds `notify` and checks our one answer to it: `status`, with its transaction's headers.
fn answer_to(lab: &mut Lab, notify: &Message, status: u16) {
    lab.recv(notify);
    let r = lab.one_sent();
    assert_eq!(r.status(), Some(status), "{notify:?}");
    for name in ["Via", "From", "To", "Call-ID", "CSeq"] {
        assert_eq!(r.header(name), notify.header(name), "{name}");
    }
    assert!(r.body.is_empty());
}

fn state(lab: &Lab, call: CallHandle) -> Option<CallState> {
    lab.ua.call_info(call).map(|i| i.state)
}

/// An escaped URI header value back to text (RFC 3261 §19.1.1).
fn unescape(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn blind_transfer_refers_reports_progress_and_hangs_up_our_leg() {
    let mut lab = Lab::new().connected().registered();
    let (call, refer) = referred(&mut lab, "carol");
    // In bob's dialog, after the INVITE's CSeq 1, through the proxies that recorded routes.
    assert_eq!(
        refer.request_uri(),
        Some("sip:bob@b0b.invalid;transport=ws;alias=127.0.0.1~5~1")
    );
    assert_eq!(refer.header("CSeq"), Some("2 REFER"));
    assert_eq!(refer.to().unwrap().tag(), Some("bt"));
    assert!(refer.from().unwrap().tag().is_some());
    assert_eq!(refer.header_values("Route").len(), 2);
    assert!(refer.header("Contact").unwrap().contains(";ob"));
    let refer_to = NameAddr::parse(refer.header("Refer-To").unwrap()).unwrap();
    assert_eq!(refer_to.uri, "sip:carol@sip.test", "a number at our domain");
    let referred_by = NameAddr::parse(refer.header("Referred-By").unwrap()).unwrap();
    assert_eq!(referred_by.uri, "sip:alice@sip.test");
    assert!(refer.body.is_empty());
    assert_eq!(
        lab.ua.transfer(call, "dave", lab.now),
        Err(UaError::WrongState),
        "one transfer at a time"
    );

    lab.recv(&reply(&refer, 202, &[], None, ""));
    assert!(lab.take_sent().is_empty());
    assert!(lab.take_events().is_empty(), "accepted is not progress yet");
    let trying = notify(
        &refer,
        1,
        "refer",
        "active;expires=60",
        b"SIP/2.0 100 Trying\r\n",
    );
    answer_to(&mut lab, &trying, 200);
    // The id is the REFER's CSeq number (RFC 3515 §2.4.6); compact header names work too.
    let mut ringing = notify(
        &refer,
        2,
        "refer;id=2",
        "active;expires=59",
        b"SIP/2.0 180 Ringing\r\n",
    );
    ringing.headers.iter_mut().for_each(|h| {
        if h.name == "Event" {
            h.name = "o".into();
        }
    });
    answer_to(&mut lab, &ringing, 200);
    assert_eq!(
        lab.take_events(),
        vec![
            UaEvent::TransferProgress { call, status: 100 },
            UaEvent::TransferProgress { call, status: 180 }
        ]
    );

    let done = notify(
        &refer,
        3,
        "refer",
        "terminated;reason=noresource",
        b"SIP/2.0 200 OK\r\n",
    );
    lab.recv(&done);
    let mut sent = lab.take_sent();
    assert_eq!(sent.len(), 2, "{sent:#?}");
    assert_eq!(sent[0].status(), Some(200));
    assert_eq!(sent[0].header("CSeq"), Some("3 NOTIFY"));
    let bye = sent.remove(1);
    assert_eq!(bye.method(), Some(&Method::Bye), "RFC 5589 §6.1");
    assert_eq!(bye.header("CSeq"), Some("3 BYE"));
    assert_eq!(
        lab.take_events(),
        vec![
            UaEvent::TransferDone { call },
            UaEvent::Ended {
                call,
                reason: EndReason::LocalHangup
            }
        ]
    );
    lab.recv(&reply(&bye, 200, &[], None, ""));
    assert!(lab.take_events().is_empty());
    assert_eq!(lab.ua.hangup(call, lab.now), Err(UaError::NoSuchCall));
}

#[test]
fn a_challenged_refer_is_retried_with_credentials_and_a_higher_cseq() {
    let mut lab = Lab::new().connected().registered();
    let (call, refer) = referred(&mut lab, "sip:carol@other.test");
    assert_eq!(
        NameAddr::parse(refer.header("Refer-To").unwrap())
            .unwrap()
            .uri,
        "sip:carol@other.test",
        "a SIP URI as typed"
    );
    let challenge = r#"Digest realm="sip.test", nonce="ref1", qop="auth""#;
    lab.recv(&reply(
        &refer,
        407,
        &[("Proxy-Authenticate", challenge)],
        None,
        "",
    ));
    let retry = lab.one_sent();
    assert_eq!(retry.method(), Some(&Method::Refer));
    assert_eq!(retry.header("CSeq"), Some("3 REFER"));
    assert_ne!(
        retry.top_via().unwrap().branch(),
        refer.top_via().unwrap().branch(),
        "a new transaction"
    );
    for name in ["Refer-To", "Referred-By", "Call-ID", "From", "To"] {
        assert_eq!(retry.header(name), refer.header(name), "{name}");
    }
    let params = auth_params(retry.header("Proxy-Authorization").unwrap());
    assert_eq!(get(&params, "nonce"), "ref1");
    assert_eq!(get(&params, "uri"), refer.request_uri().unwrap());
    assert!(lab.take_events().is_empty());
    // A late answer to the first REFER means nothing.
    lab.recv(&reply(&refer, 603, &[], None, ""));
    assert!(lab.take_events().is_empty());

    lab.recv(&reply(&retry, 202, &[], None, ""));
    // NOTIFYs name the REFER they report on: the one accepted, not the one challenged.
    let stale = notify(&refer, 1, "refer;id=2", "active", b"SIP/2.0 100 Trying");
    answer_to(&mut lab, &stale, 481);
    let ok = notify(&refer, 2, "refer;id=3", "terminated", b"SIP/2.0 200 OK");
    lab.recv(&ok);
    let sent = lab.take_sent();
    let what: Vec<_> = sent
        .iter()
        .map(|m| (m.status(), m.header("CSeq").map(str::to_string)))
        .collect();
    assert_eq!(
        what,
        vec![
            (Some(200), Some("2 NOTIFY".into())),
            (None, Some("4 BYE".into()))
        ]
    );
    assert_eq!(lab.take_events()[0], UaEvent::TransferDone { call });
}

#[test]
fn a_refused_refer_fails_and_the_call_goes_on() {
    let mut lab = Lab::new().connected().registered();
    let (call, refer) = referred(&mut lab, "carol");
    lab.recv(&reply(&refer, 603, &[], None, ""));
    assert!(lab.take_sent().is_empty(), "no BYE");
    assert_eq!(
        lab.take_events(),
        vec![UaEvent::TransferFailed { call, status: 603 }]
    );
    assert_eq!(state(&lab, call), Some(CallState::Confirmed));
    // The user may try again, and the dialog's CSeq goes on.
    lab.ua.transfer(call, "dave", lab.now).unwrap();
    lab.pump();
    let again = lab.one_sent();
    assert_eq!(again.header("CSeq"), Some("3 REFER"));
    lab.recv(&reply(&again, 405, &[], None, ""));
    assert_eq!(
        lab.take_events(),
        vec![UaEvent::TransferFailed { call, status: 405 }]
    );
    // A refused challenge answer fails the transfer, not the call.
    lab.ua.transfer(call, "erin", lab.now).unwrap();
    lab.pump();
    let third = lab.one_sent();
    let challenge = r#"Digest realm="sip.test", nonce="r1", qop="auth""#;
    let challenged = reply(&third, 401, &[("WWW-Authenticate", challenge)], None, "");
    lab.recv(&challenged);
    let retry = lab.one_sent();
    lab.recv(&reply(
        &retry,
        401,
        &[("WWW-Authenticate", challenge)],
        None,
        "",
    ));
    assert!(
        lab.take_sent().is_empty(),
        "the same nonce again: wrong password"
    );
    assert_eq!(
        lab.take_events(),
        vec![UaEvent::TransferFailed { call, status: 401 }]
    );

    lab.ua.hangup(call, lab.now).unwrap();
    lab.pump();
    let bye = lab.one_sent();
    assert_eq!(bye.method(), Some(&Method::Bye));
    assert_eq!(bye.header("CSeq"), Some("6 BYE"));
    assert_eq!(
        lab.take_events(),
        vec![UaEvent::Ended {
            call,
            reason: EndReason::LocalHangup
        }]
    );
}

#[test]
fn a_busy_target_fails_the_transfer_and_a_held_call_stays_held() {
    let mut lab = Lab::new().connected().registered();
    let (call, _) = answered(&mut lab, "bob", BOB_CONTACT, "bt");
    let hold = OFFER.replace("sendrecv", "sendonly");
    lab.ua.reoffer(call, &hold, lab.now).unwrap();
    lab.pump();
    let reinvite = lab.one_sent();
    lab.recv(&reply(&reinvite, 200, &[], None, "held"));
    lab.take_sent();
    lab.take_events();

    lab.ua.transfer(call, "carol", lab.now).unwrap();
    lab.pump();
    let refer = lab.one_sent();
    assert_eq!(refer.header("CSeq"), Some("3 REFER"));
    // A NOTIFY may overtake the 202 (RFC 6665 §4.1.2.4).
    let trying = notify(&refer, 1, "refer", "active", b"SIP/2.0 100 Trying");
    answer_to(&mut lab, &trying, 200);
    lab.recv(&reply(&refer, 202, &[], None, ""));
    let busy = notify(
        &refer,
        2,
        "refer",
        "terminated;reason=noresource",
        b"SIP/2.0 486 Busy Here\r\n",
    );
    answer_to(&mut lab, &busy, 200);
    assert_eq!(
        lab.take_events(),
        vec![
            UaEvent::TransferProgress { call, status: 100 },
            UaEvent::TransferFailed { call, status: 486 }
        ]
    );
    // Nothing else went out: no BYE, and no re-INVITE taking the call off hold.
    assert!(lab.take_sent().is_empty());
    assert_eq!(state(&lab, call), Some(CallState::Confirmed));
    // The call is whole: it can be resumed and hung up as ever.
    lab.ua.reoffer(call, OFFER, lab.now).unwrap();
    lab.pump();
    let resume = lab.one_sent();
    assert_eq!(resume.header("CSeq"), Some("4 INVITE"));
    lab.recv(&reply(&resume, 200, &[], None, ANSWER));
    lab.take_sent();
    lab.ua.hangup(call, lab.now).unwrap();
    lab.pump();
    assert_eq!(lab.one_sent().header("CSeq"), Some("5 BYE"));
}

#[test]
fn a_subscription_ending_without_a_final_status_fails_the_transfer() {
    let mut lab = Lab::new().connected().registered();
    let (call, refer) = referred(&mut lab, "carol");
    lab.recv(&reply(&refer, 202, &[], None, ""));
    let trying = notify(&refer, 1, "refer", "active", b"SIP/2.0 100 Trying");
    answer_to(&mut lab, &trying, 200);
    let gone = notify(&refer, 2, "refer", "terminated;reason=noresource", b"");
    answer_to(&mut lab, &gone, 200);
    assert_eq!(
        lab.take_events(),
        vec![
            UaEvent::TransferProgress { call, status: 100 },
            UaEvent::TransferFailed { call, status: 0 }
        ]
    );
    // A straggler about the same REFER is answered, and tells nothing new.
    let late = notify(&refer, 3, "refer", "terminated", b"SIP/2.0 200 OK");
    answer_to(&mut lab, &late, 200);
    assert!(lab.take_events().is_empty());
    assert_eq!(state(&lab, call), Some(CallState::Confirmed));
}

#[test]
fn attended_transfer_refers_to_the_consultation_with_replaces() {
    let mut lab = Lab::new().connected().registered();
    let (call, _) = answered(&mut lab, "bob", BOB_CONTACT, "bt");
    let (consult, consult_invite) = answered(&mut lab, "carol", CAROL_CONTACT, "ct");
    lab.ua.transfer_attended(call, consult, lab.now).unwrap();
    lab.pump();
    let refer = lab.one_sent();
    assert_eq!(refer.method(), Some(&Method::Refer));
    assert_eq!(
        refer.to().unwrap().tag(),
        Some("bt"),
        "on the call to hand over"
    );
    let refer_to = NameAddr::parse(refer.header("Refer-To").unwrap()).unwrap();
    let (target, headers) = refer_to.uri.split_once('?').unwrap();
    // The target's AOR (its proxy reaches its registration), not its `.invalid` Contact.
    assert_eq!(target, "sip:carol@sip.test");
    let escaped = headers.strip_prefix("Replaces=").unwrap();
    assert!(
        !escaped.contains([';', '=', '@', '&']),
        "no URI syntax inside the value: {escaped}"
    );
    // RFC 3891 §3, from carol's side: her tag is the to-tag, ours the from-tag.
    let consult_call_id = consult_invite.call_id().unwrap();
    assert!(consult_call_id.contains('@'));
    assert_eq!(
        unescape(escaped),
        format!(
            "{consult_call_id};to-tag=ct;from-tag={}",
            consult_invite.from().unwrap().tag().unwrap()
        )
    );
    // The consultation itself is left to carol, who ends it once replaced.
    lab.recv(&reply(&refer, 202, &[], None, ""));
    let ok = notify(&refer, 1, "refer", "terminated", b"SIP/2.0 200 OK");
    lab.recv(&ok);
    let sent = lab.take_sent();
    assert_eq!(sent.len(), 2);
    assert_eq!(
        sent[1].call_id(),
        refer.call_id(),
        "only bob's leg gets a BYE"
    );
    assert_eq!(state(&lab, consult), Some(CallState::Confirmed));
    assert_eq!(state(&lab, call), None);
}

#[test]
fn attended_transfer_needs_two_answered_calls() {
    let mut lab = Lab::new().connected().registered();
    let (call, _) = answered(&mut lab, "bob", BOB_CONTACT, "bt");
    assert_eq!(
        lab.ua.transfer_attended(call, call, lab.now),
        Err(UaError::WrongState)
    );
    assert_eq!(
        lab.ua.transfer_attended(call, CallHandle(99), lab.now),
        Err(UaError::NoSuchCall)
    );
    let ringing = lab.ua.call("carol", OFFER, lab.now).unwrap();
    lab.pump();
    lab.take_sent();
    assert_eq!(
        lab.ua.transfer_attended(call, ringing, lab.now),
        Err(UaError::WrongState),
        "no Replaces for a call not yet answered"
    );
    assert_eq!(
        lab.ua.transfer_attended(ringing, call, lab.now),
        Err(UaError::WrongState)
    );
    assert_eq!(
        lab.ua.transfer(ringing, "dave", lab.now),
        Err(UaError::WrongState)
    );
    assert_eq!(
        lab.ua.transfer(call, "no such number", lab.now),
        Err(UaError::InvalidTarget)
    );
    assert_eq!(
        lab.ua.transfer(CallHandle(99), "dave", lab.now),
        Err(UaError::NoSuchCall)
    );
    assert!(lab.take_sent().is_empty());
}

#[test]
fn an_unanswered_refer_times_out_and_the_call_goes_on() {
    let mut lab = Lab::new().connected().registered();
    let (call, _) = referred(&mut lab, "carol");
    lab.advance(31_000);
    assert!(lab.take_events().is_empty());
    lab.advance(1_100); // Timer F: 64 × T1.
    assert_eq!(
        lab.take_events(),
        vec![UaEvent::TransferFailed { call, status: 408 }]
    );
    assert_eq!(state(&lab, call), Some(CallState::Confirmed));
    lab.ua.hangup(call, lab.now).unwrap();
    lab.pump();
    assert_eq!(lab.one_sent().method(), Some(&Method::Bye));
}

#[test]
fn a_failure_is_told_once_when_the_notify_overtakes_the_refers_end() {
    let mut lab = Lab::new().connected().registered();
    let (call, refer) = referred(&mut lab, "carol");
    let busy = notify(&refer, 1, "refer", "terminated", b"SIP/2.0 486 Busy Here");
    answer_to(&mut lab, &busy, 200);
    lab.advance(40_000); // and the REFER itself is never answered
    lab.recv(&reply(&refer, 603, &[], None, ""));
    assert_eq!(
        lab.take_events(),
        vec![UaEvent::TransferFailed { call, status: 486 }]
    );
    assert_eq!(state(&lab, call), Some(CallState::Confirmed));
}

#[test]
fn hostile_sipfrags_are_no_progress_and_never_panic() {
    let mut lab = Lab::new().connected().registered();
    let (call, refer) = referred(&mut lab, "carol");
    lab.recv(&reply(&refer, 202, &[], None, ""));
    let mut huge = b"SIP/2.0 ".to_vec();
    huge.extend(std::iter::repeat_n(b'9', 1 << 20));
    let bodies: Vec<Vec<u8>> = vec![
        b"\r\n".to_vec(),
        b"garbage".to_vec(),
        b"SIP/2.0 999 Whatever".to_vec(),
        b"SIP/2.0 20 OK".to_vec(),
        b"SIP/2.0 +200 OK".to_vec(),
        b"INVITE sip:carol@sip.test SIP/2.0\r\n".to_vec(),
        b"\xff\xfe\x00\x01".to_vec(),
        vec![b'A'; 1 << 20],
        huge,
    ];
    let mut cseq = 1;
    for body in &bodies {
        let n = notify(&refer, cseq, "refer", "active", body);
        answer_to(&mut lab, &n, 200);
        cseq += 1;
    }
    // A final status under another Content-Type is not a sipfrag; nor is a body without one.
    let mut plain = notify(&refer, cseq, "refer", "active", b"SIP/2.0 200 OK");
    plain.set_header("Content-Type", "text/plain");
    answer_to(&mut lab, &plain, 200);
    let mut bare = notify(&refer, cseq + 1, "refer", "active", b"SIP/2.0 200 OK");
    bare.remove_header("Content-Type");
    answer_to(&mut lab, &bare, 200);
    // No Subscription-State, or an unreadable one: the subscription goes on.
    let mut stateless = notify(&refer, cseq + 2, "refer", "active", b"");
    stateless.remove_header("Subscription-State");
    answer_to(&mut lab, &stateless, 200);
    let odd = notify(&refer, cseq + 3, "refer", ";;terminated", b"");
    answer_to(&mut lab, &odd, 200);
    assert!(lab.take_events().is_empty());
    assert_eq!(state(&lab, call), Some(CallState::Confirmed));
    // The subscription still works.
    let ringing = notify(&refer, cseq + 4, "refer", "active", b"SIP/2.0 180 Ringing");
    answer_to(&mut lab, &ringing, 200);
    assert_eq!(
        lab.take_events(),
        vec![UaEvent::TransferProgress { call, status: 180 }]
    );
}

#[test]
fn notifies_for_no_subscription_of_ours_get_481() {
    let mut lab = Lab::new().connected().registered();
    let (call, _) = answered(&mut lab, "bob", BOB_CONTACT, "bt");
    // In the dialog, but no REFER was sent in it.
    let mut fake_refer = Message::request(Method::Refer, "sip:bob@b0b.invalid");
    let info = lab.ua.call_info(call).unwrap();
    lab.ua.send_dtmf(call, '1', 100, lab.now).unwrap();
    lab.pump();
    let dtmf = lab.one_sent(); // an in-dialog request of ours, to borrow the dialog's headers
    for name in ["From", "To", "Call-ID"] {
        fake_refer.push_header(name, dtmf.header(name).unwrap());
    }
    fake_refer.push_header("CSeq", "3 REFER");
    assert_eq!(fake_refer.call_id(), Some(info.sip_call_id.as_str()));
    answer_to(
        &mut lab,
        &notify(&fake_refer, 1, "refer", "active", b"SIP/2.0 100 Trying"),
        481,
    );
    // Another event package, once a REFER is out.
    lab.ua.transfer(call, "carol", lab.now).unwrap();
    lab.pump();
    let refer = lab.one_sent();
    let dialog_event = notify(&refer, 2, "dialog", "active", b"");
    answer_to(&mut lab, &dialog_event, 481);
    // Outside any dialog: no To tag, or a To tag of no dialog of ours.
    let mut stray = notify(&refer, 3, "refer", "active", b"SIP/2.0 100 Trying");
    stray.set_header("To", "<sip:alice@sip.test>");
    stray.set_header("Call-ID", "elsewhere");
    answer_to_stateless(&mut lab, &stray, 481);
    stray = notify(&refer, 4, "refer", "active", b"SIP/2.0 100 Trying");
    stray.set_header("To", "<sip:alice@sip.test>;tag=unknown");
    answer_to_stateless(&mut lab, &stray, 481);
    assert!(lab.take_events().is_empty());
    assert_eq!(state(&lab, call), Some(CallState::Confirmed));
}

/// Like `answer_to`, for requests our answer adds a To tag to.
fn answer_to_stateless(lab: &mut Lab, request: &Message, status: u16) {
    lab.recv(request);
    let r = lab.one_sent();
    assert_eq!(r.status(), Some(status));
    assert_eq!(r.header("CSeq"), request.header("CSeq"));
    assert_eq!(r.header("Call-ID"), request.header("Call-ID"));
}

#[test]
fn a_refer_to_us_is_refused_as_before() {
    // We never act as the transferee: REFER is not in our Allow, and a REFER is refused
    // without touching the call — 501 in a dialog, 405 with Allow outside one.
    let mut lab = Lab::new().connected().registered();
    let (call, refer) = referred(&mut lab, "carol");
    lab.recv(&reply(&refer, 603, &[], None, ""));
    lab.take_events();
    // bob's REFER to us, in our dialog: his headers mirror a NOTIFY's.
    let mut theirs = notify(&refer, 1, "refer", "active", b"");
    theirs.start = StartLine::Request {
        method: Method::Refer,
        uri: "sip:k3j2l@abc.invalid;transport=ws".into(),
    };
    theirs.remove_header("Event");
    theirs.remove_header("Subscription-State");
    theirs.set_header("CSeq", "1 REFER");
    theirs.push_header("Refer-To", "<sip:mallory@evil.test>");
    theirs.push_header("Contact", BOB_CONTACT);
    answer_to(&mut lab, &theirs, 501);
    assert!(lab.take_events().is_empty());
    assert_eq!(state(&lab, call), Some(CallState::Confirmed));

    let mut outside = theirs.clone();
    outside.set_header("To", "<sip:alice@sip.test>");
    outside.set_header("Call-ID", "refer-out-of-dialog");
    outside.set_header("Via", "SIP/2.0/WSS b0b.invalid;branch=z9hG4bKout");
    lab.recv(&outside);
    let r = lab.one_sent();
    assert_eq!(r.status(), Some(405));
    let allow = r.header("Allow").unwrap();
    assert!(
        allow.contains("NOTIFY") && !allow.contains("REFER"),
        "{allow}"
    );
    assert!(lab.take_events().is_empty());
}

#[test]
fn a_transfer_of_an_incoming_call_refers_from_our_side_of_the_dialog() {
    let mut lab = Lab::new().connected().registered();
    lab.recv(&incoming::incoming_invite("z9hG4bKinv"));
    let ringing = lab.one_sent();
    let our_tag = ringing.to().unwrap().tag().unwrap().to_string();
    let UaEvent::IncomingCall { call, .. } = lab.take_events()[0].clone() else {
        panic!("no call");
    };
    lab.ua.answer(call, ANSWER, lab.now).unwrap();
    lab.pump();
    let ok = lab.one_sent();
    let mut ack = Message::request(Method::Ack, "sip:k3j2l@abc.invalid;transport=ws");
    ack.push_header("Via", "SIP/2.0/WSS 127.0.0.1:8088;branch=z9hG4bKack");
    for name in ["From", "To", "Call-ID"] {
        ack.push_header(name, ok.header(name).unwrap());
    }
    ack.push_header("CSeq", "9 ACK");
    lab.recv(&ack);
    lab.take_events();

    lab.ua.transfer(call, "carol", lab.now).unwrap();
    lab.pump();
    let refer = lab.one_sent();
    assert_eq!(
        refer.header("CSeq"),
        Some("1 REFER"),
        "our first request here"
    );
    assert_eq!(refer.from().unwrap().tag(), Some(our_tag.as_str()));
    assert_eq!(refer.to().unwrap().tag(), Some("bobtag"));
    assert_eq!(
        refer.request_uri(),
        Some("sip:bob@b0b.invalid;transport=ws;alias=127.0.0.1~5~1")
    );
    lab.recv(&reply(&refer, 202, &[], None, ""));
    // bob's CSeq goes on from his INVITE's 9.
    let done = notify(&refer, 10, "refer;id=1", "terminated", b"SIP/2.0 200 OK");
    lab.recv(&done);
    let sent = lab.take_sent();
    assert_eq!(sent[0].status(), Some(200));
    assert_eq!(sent[1].header("CSeq"), Some("2 BYE"));
    assert_eq!(lab.take_events()[0], UaEvent::TransferDone { call });
}

/// Mutated copies of a transfer's traffic (answers to the REFER, NOTIFYs), fed while one is
/// under way, never crash the agent, whatever state they leave the transfer in.
#[test]
fn never_panics_on_mutated_transfer_traffic() {
    let mut mutations = Mutations::new(0x7e4, b"0123456789;:,<>\"=%@ \r\nSIP/2.0referidterminated");
    for _ in 0..200 {
        let mut lab = Lab::new().connected().registered();
        let (call, refer) = referred(&mut lab, "carol");
        let challenge = r#"Digest realm="sip.test", nonce="fz", qop="auth""#;
        let mut pool: Vec<Vec<u8>> = [202, 407, 486]
            .iter()
            .map(|s| {
                let r = reply(&refer, *s, &[("Proxy-Authenticate", challenge)], None, "");
                r.to_wire().into_bytes()
            })
            .collect();
        for (i, frag) in ["SIP/2.0 100 Trying", "SIP/2.0 200 OK", "SIP/2.0 486 Busy"]
            .iter()
            .enumerate()
        {
            let n = notify(
                &refer,
                i as u32 + 1,
                "refer;id=2",
                "active",
                frag.as_bytes(),
            );
            pool.push(n.to_wire().into_bytes());
        }
        mutations.feed(&mut lab, &pool, 15);
        let _ = lab.ua.transfer(call, "dave", lab.now);
        let _ = lab.ua.hangup(call, lab.now);
        lab.advance(100_000);
        lab.pump();
    }
}
