//! The engine's own states, driven through the real SIP agent with a scripted server and a
//! fake clock: no WebSocket, no WebRTC, no timers.

use super::rig::*;
use super::*;
use crate::call::settings::{DtmfMode, Ringing};

#[test]
fn a_dial_made_while_registering_waits_for_the_line_then_goes() {
    let mut rig = Rig::new();
    let register = rig.sent_method("register").expect("a REGISTER");
    rig.feed(dial("03-1234-5678"));
    assert!(rig.took(|e| *e
        == Effect::PrepareMedia {
            call: DIALLING,
            offer: None
        }));
    rig.feed(Input::MediaReady {
        call: DIALLING,
        sdp: OFFER.into(),
    });
    assert!(
        rig.sent_method("invite").is_none(),
        "not before the line is up"
    );
    assert_eq!(
        rig.engine.state.live_call().unwrap().phase,
        CallPhase::Dialling
    );
    rig.reply(&register, 200, &[("Expires", "600")]);
    let invite = rig
        .sent_method("invite")
        .expect("the INVITE once registered");
    assert!(invite
        .request_uri()
        .unwrap_or_default()
        .starts_with("sip:0312345678@"));
    let call = rig.engine.state.call.clone().unwrap();
    assert_eq!(
        call.dial_id.as_deref(),
        Some("dial-1"),
        "the dial id rides along"
    );
    assert!(!call.call_id.is_empty());
}

#[test]
fn a_dial_whose_line_never_comes_ends_and_frees_its_media() {
    let mut rig = Rig::new();
    rig.feed(dial("0312345678"));
    rig.feed(Input::MediaReady {
        call: DIALLING,
        sdp: OFFER.into(),
    });
    rig.effects.clear();
    rig.now += REGISTER_WAIT_MS;
    rig.feed(Input::Tick);
    let call = rig.engine.state.call.clone().unwrap();
    assert_eq!(
        (call.phase, call.end),
        (CallPhase::Ended, Some(CallEnd::ConnectionLost))
    );
    assert!(rig.took(|e| *e == Effect::DropMedia { call: DIALLING }));
    assert!(rig.sent_method("invite").is_none());
}

#[test]
fn hanging_up_while_the_media_is_prepared_sends_nothing() {
    let mut rig = Rig::new().registered();
    rig.feed(dial("0312345678"));
    rig.feed(Input::Command(PhoneCommand::Hangup));
    rig.feed(Input::MediaReady {
        call: DIALLING,
        sdp: OFFER.into(),
    });
    assert!(rig.sent_method("invite").is_none());
    assert_eq!(
        rig.engine.state.call.as_ref().unwrap().end,
        Some(CallEnd::Cancelled)
    );
}

#[test]
fn a_second_caller_during_a_call_hears_busy_and_the_call_goes_on() {
    let mut rig = Rig::new().registered();
    rig.invite_from("first-call");
    assert_eq!(rig.engine.state.live_call().unwrap().call_id, "first-call");
    rig.take_sent();
    rig.invite_from("second-call");
    assert!(rig.busy_sent("second-call").is_some(), "486 Busy Here");
    assert_eq!(rig.engine.state.live_call().unwrap().call_id, "first-call");
}

#[test]
fn an_ended_call_is_sent_again_until_the_worker_stores_it() {
    let mut rig = Rig::new().registered();
    rig.invite_from("missed-call");
    rig.feed(Input::Command(PhoneCommand::Decline));
    let first = Rig::reports(&std::mem::take(&mut rig.effects));
    let (seq, ended) = first.last().cloned().expect("a report");
    assert_eq!(ended, vec!["missed-call".to_string()]);
    // No answer from the worker (it was stopped): the same report again, every few seconds.
    rig.advance(RESEND_MS);
    let again = Rig::reports(&std::mem::take(&mut rig.effects));
    assert_eq!(
        again,
        vec![(seq, vec!["missed-call".to_string()])],
        "same seq: not news"
    );
    rig.advance(RESEND_MS);
    assert_eq!(Rig::reports(&std::mem::take(&mut rig.effects)).len(), 1);
    // Stored: nothing more.
    rig.feed(Input::Acknowledged {
        stored: vec!["missed-call".into()],
    });
    rig.effects.clear();
    rig.advance(RESEND_MS * 3);
    assert!(
        Rig::reports(&rig.effects)
            .iter()
            .all(|(s, ended)| *s != seq && ended.is_empty()),
        "{:?}",
        Rig::reports(&rig.effects)
    );
}

#[test]
fn hold_is_shown_only_once_the_far_end_answered_the_reinvite() {
    let mut rig = Rig::new().registered();
    rig.invite_from("held-call");
    rig.feed(Input::Command(PhoneCommand::Answer));
    let id = rig.engine.state.live_call().unwrap().id;
    assert!(rig.took(|e| matches!(e, Effect::PrepareMedia { offer: Some(_), .. })));
    rig.feed(Input::MediaReady {
        call: id,
        sdp: OFFER.into(),
    });
    let ok = rig
        .take_sent()
        .into_iter()
        .find(|m| m.status() == Some(200))
        .expect("our 200");
    let mut ack = Message::parse(
        format!(
            "ACK sip:1001@abc.invalid SIP/2.0\r\n\
             Via: SIP/2.0/WSS 127.0.0.1:8088;branch=z9hG4bKack\r\n\
             From: \"Bob\" <sip:0312345678@sip.test>;tag=bobheld-call\r\n\
             To: {}\r\n\
             Call-ID: held-call\r\n\
             CSeq: 9 ACK\r\n\r\n",
            ok.header("To").unwrap()
        )
        .as_bytes(),
    )
    .unwrap();
    ack.body.clear();
    rig.feed(Input::Received(ack.to_wire().into()));
    assert_eq!(
        rig.engine.state.live_call().unwrap().phase,
        CallPhase::Connected
    );
    rig.feed(Input::Command(PhoneCommand::Hold { on: true }));
    assert!(rig.took(|e| *e == Effect::MakeHoldOffer { call: id, on: true }));
    rig.feed(Input::HoldOffer {
        call: id,
        sdp: OFFER.into(),
    });
    let reinvite = rig.sent_method("invite").expect("the hold re-INVITE");
    assert!(
        !rig.engine.state.live_call().unwrap().held,
        "not before the answer"
    );
    let mut answer = response_to(&reinvite, 200, None);
    answer.push_header("Content-Type", "application/sdp");
    answer.body = OFFER.into();
    rig.feed(Input::Received(answer.to_wire().into()));
    assert!(rig.engine.state.live_call().unwrap().held);
}

#[test]
fn a_binary_frame_with_octets_in_its_body_rings() {
    // RFC 7118 §5: a SIP message may come in a binary WebSocket frame, and its body is octets
    // (here a multipart body whose second part is not UTF-8); the SDP part is the offer.
    let mut rig = Rig::new().registered();
    let mut body = b"--b1\r\nContent-Type: application/sdp\r\n\r\n".to_vec();
    body.extend_from_slice(OFFER.as_bytes());
    body.extend_from_slice(b"\r\n--b1\r\nContent-Type: application/octet-stream\r\n\r\n");
    body.extend_from_slice(&[0x00, 0xff, 0xfe, 0x80]);
    body.extend_from_slice(b"\r\n--b1--\r\n");
    let invite = invite("binary-call", "multipart/mixed;boundary=b1", &body);
    assert!(std::str::from_utf8(&invite).is_err());
    rig.feed(Input::Received(invite));
    let call = rig.engine.state.live_call().expect("the call rings");
    assert_eq!(call.call_id, "binary-call");
    assert_eq!(call.phase, CallPhase::Incoming);
}

#[test]
fn an_incoming_call_rings_until_it_is_answered() {
    let mut rig = Rig::new().registered();
    rig.effects.clear();
    rig.invite_from("ringing-call");
    assert_eq!(rig.tones(), [Tone::Ring { volume: 60 }]);
    // Nothing new while it keeps ringing (a retransmitted INVITE, a tick).
    rig.invite_from("ringing-call");
    rig.advance(1_000);
    assert_eq!(rig.tones(), []);
    // The user answers: the ringtone stops at once, before the media is even ready.
    rig.feed(Input::Command(PhoneCommand::Answer));
    assert_eq!(rig.tones(), [Tone::Silent]);
}

#[test]
fn a_declined_or_cancelled_call_stops_ringing() {
    let mut rig = Rig::new().registered();
    rig.invite_from("declined-call");
    rig.feed(Input::Command(PhoneCommand::Decline));
    assert_eq!(rig.tones(), [Tone::Ring { volume: 60 }, Tone::Silent]);

    let mut rig = Rig::new().registered();
    rig.invite_from("cancelled-call");
    rig.effects.clear();
    let cancel = "CANCEL sip:1001@abc.invalid;transport=ws SIP/2.0\r\n\
         Via: SIP/2.0/WSS 127.0.0.1:8088;branch=z9hG4bKcancelled-call\r\n\
         Max-Forwards: 69\r\n\
         From: \"Bob\" <sip:0312345678@sip.test>;tag=bobcancelled-call\r\n\
         To: <sip:1001@sip.test>\r\n\
         Call-ID: cancelled-call\r\n\
         CSeq: 9 CANCEL\r\n\r\n";
    rig.feed(Input::Received(cancel.as_bytes().to_vec()));
    assert_eq!(
        rig.engine.state.call.as_ref().unwrap().end,
        Some(CallEnd::Missed)
    );
    assert_eq!(rig.tones(), [Tone::Silent]);
}

#[test]
fn the_ringtone_follows_the_settings() {
    let mut rig = Rig::with(Ringing {
        ringtone: false,
        ..Ringing::default()
    })
    .registered();
    rig.invite_from("silent-call");
    assert_eq!(rig.tones(), [], "the ringtone is off");
    assert_eq!(
        rig.engine.state.live_call().unwrap().phase,
        CallPhase::Incoming
    );

    let mut rig = Rig::with(Ringing {
        volume: 25,
        ..Ringing::default()
    })
    .registered();
    rig.invite_from("soft-call");
    assert_eq!(rig.tones(), [Tone::Ring { volume: 25 }]);
}

#[test]
fn our_call_hears_the_ring_back_while_the_far_end_rings() {
    let mut rig = Rig::new().registered();
    rig.feed(dial("0312345678"));
    rig.feed(Input::MediaReady {
        call: DIALLING,
        sdp: OFFER.into(),
    });
    let invite = rig.sent_method("invite").expect("the INVITE");
    assert_eq!(rig.tones(), [], "no tone before the far end rings");
    rig.reply(&invite, 100, &[]);
    assert_eq!(rig.tones(), []);
    rig.reply(&invite, 180, &[("Contact", "<sip:far@f4r.invalid>")]);
    assert_eq!(
        rig.tones(),
        [],
        "not at once: a callee may answer right away"
    );
    rig.advance(RINGBACK_DELAY_MS);
    assert_eq!(rig.tones(), [Tone::Ringback]);
    let mut ok = response_to(&invite, 200, Some("far"));
    ok.push_header("Contact", "<sip:far@f4r.invalid>");
    ok.push_header("Content-Type", "application/sdp");
    ok.body = OFFER.into();
    rig.feed(Input::Received(ok.to_wire().into()));
    assert_eq!(
        rig.engine.state.live_call().unwrap().phase,
        CallPhase::Connected
    );
    assert_eq!(rig.tones(), [Tone::Silent], "answered: the ring-back stops");
}

#[test]
fn changing_the_ringtone_during_a_call_keeps_the_call_and_the_line() {
    let mut rig = Rig::new().registered();
    rig.invite_from("kept-call");
    rig.effects.clear();
    rig.take_sent();
    let mut settings = rig.engine.settings.clone().unwrap();
    settings.ringing.volume = 10;
    settings.dtmf = DtmfMode::Rfc4733;
    rig.feed(Input::Settings(settings));
    assert!(!rig.took(|e| matches!(e, Effect::CloseTransport | Effect::OpenTransport)));
    assert!(rig.take_sent().is_empty(), "no new REGISTER");
    let call = rig.engine.state.live_call().expect("the call rings on");
    assert_eq!(call.call_id, "kept-call");
    assert_eq!(rig.engine.state.line, LineState::Registered);
    // A new account is a new agent: the call on the old one is over.
    let mut other = rig.engine.settings.clone().unwrap();
    other.sip_uri = "sip:1002@sip.test".into();
    rig.feed(Input::Settings(other));
    assert!(rig.took(|e| *e == Effect::CloseTransport));
    assert!(rig.engine.state.live_call().is_none());
}

#[test]
fn a_chosen_device_that_is_not_connected_is_named_in_the_state() {
    let mut rig = Rig::new().registered();
    let mut settings = rig.engine.settings.clone().unwrap();
    settings.devices.microphone = crate::call::settings::Device {
        id: "headset-mic".into(),
        label: "Headset".into(),
    };
    rig.feed(Input::Settings(settings));
    let connected = |inputs: &[&str]| Input::DevicesConnected {
        inputs: inputs.iter().map(|s| s.to_string()).collect(),
        outputs: vec!["default".into()],
    };
    rig.feed(connected(&["default", "headset-mic"]));
    assert!(rig.engine.state.missing_devices.is_empty());
    rig.effects.clear();
    rig.feed(connected(&["default"]));
    assert_eq!(
        rig.engine.state.missing_devices,
        [(
            crate::call::settings::DeviceRole::Microphone,
            "Headset".to_string()
        )]
    );
    assert!(
        rig.took(|e| matches!(e, Effect::Report { .. })),
        "the panels hear of it"
    );
}

#[test]
fn an_answered_call_is_recorded_once_only_when_the_user_turned_recording_on() {
    let records = |rig: &mut Rig| -> Vec<Effect> {
        std::mem::take(&mut rig.effects)
            .into_iter()
            .filter(|e| matches!(e, Effect::Record { .. }))
            .collect()
    };
    // Off (the default): nothing is recorded.
    let mut rig = Rig::new().registered();
    rig.dial("0312345678");
    rig.answer();
    assert_eq!(records(&mut rig), vec![]);
    assert!(!rig.engine.state.live_call().unwrap().recording);

    let mut rig = Rig::new().registered();
    let mut settings = rig.settings();
    settings.recording.on = true;
    rig.feed(Input::Settings(settings));
    assert!(
        rig.requests("REGISTER").is_empty(),
        "recording is no new account"
    );
    rig.dial("0312345678");
    assert_eq!(records(&mut rig), vec![], "not while it rings");
    rig.answer();
    let call = rig.engine.state.live_call().unwrap().clone();
    assert!(call.recording, "the panel shows the red mark");
    assert!(!call.call_id.is_empty());
    assert_eq!(
        records(&mut rig),
        vec![Effect::Record {
            call: call.id,
            call_id: call.call_id.clone()
        }]
    );
    // The far end's 200 again (a retransmission): still one recording.
    let invite = rig.invite.clone().unwrap();
    let mut ok = response_to(&invite, 200, Some("far"));
    ok.push_header("Contact", "<sip:far@f4r.invalid>");
    ok.push_header("Content-Type", "application/sdp");
    ok.body = OFFER.into();
    rig.feed(Input::Received(ok.to_wire().into()));
    assert_eq!(records(&mut rig), vec![]);
    // The report tells the worker, and its view says so.
    let json = serde_json::to_value(&call).unwrap();
    assert_eq!(json["recording"], true);
    // A recorder that could not start: the panel no longer says the call is recorded.
    rig.feed(Input::RecordingFailed { call: call.id });
    assert!(!rig.engine.state.live_call().unwrap().recording);
    rig.feed(Input::Command(PhoneCommand::Hangup));
    assert!(rig.took(|e| *e == Effect::DropMedia { call: call.id }));
}
