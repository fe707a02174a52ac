//! Two calls at once (call waiting, hold and switch) and transfers, through the real SIP agent
//! with a scripted far end and a fake clock (the rig of `engine_rig.rs`).

use super::rig::*;
use super::*;
use crate::call::settings::{DtmfMode, Ringing};

/// A rig with our call to 0312345678 answered (call 1 in front, its media running).
fn in_a_call(call_waiting: bool) -> Rig {
    let mut rig = Rig::configured(
        DtmfMode::Info,
        Ringing {
            call_waiting,
            ..Ringing::default()
        },
    )
    .registered();
    rig.dial("0312345678");
    rig.answer();
    rig.take_sent();
    rig.effects.clear();
    rig
}

#[test]
fn a_second_caller_waits_beside_the_call_and_answering_holds_the_first() {
    let mut rig = in_a_call(true);
    let first = rig.engine.state.live_call().unwrap().id;
    rig.invite_from("second-call");
    assert!(
        !rig.take_sent().iter().any(|m| m.status() == Some(486)),
        "not busy"
    );
    let waiting = rig.engine.state.live_other().expect("waits beside").clone();
    assert_eq!(
        (waiting.call_id.as_str(), waiting.phase),
        ("second-call", CallPhase::Incoming)
    );
    assert_eq!(rig.engine.state.live_call().unwrap().id, first);
    assert_eq!(
        rig.tones(),
        [Tone::Waiting],
        "a soft beep, not the ringtone"
    );
    rig.invite_from("third-call");
    assert!(
        rig.take_sent().iter().any(|m| m.status() == Some(486)),
        "a third caller hears busy"
    );
    // Answer: the first goes on hold, the second comes to the front.
    rig.feed(Input::Command(PhoneCommand::Answer));
    assert!(rig.took(|e| *e
        == Effect::MakeHoldOffer {
            call: first,
            on: true
        }));
    let front = rig.engine.state.live_call().unwrap();
    assert_eq!(
        (front.call_id.as_str(), front.phase),
        ("second-call", CallPhase::Connecting)
    );
    assert_eq!(rig.engine.state.live_other().unwrap().id, first);
}

#[test]
fn without_call_waiting_a_second_caller_hears_busy() {
    let mut rig = in_a_call(false);
    rig.invite_from("second-call");
    assert!(rig.busy_sent("second-call").is_some(), "486 Busy Here");
    assert!(rig.engine.state.other.is_none());
}

#[test]
fn a_blind_transfer_sends_refer_and_ends_the_call_as_transferred_once_it_reached_them() {
    let mut rig = in_a_call(true);
    let id = rig.engine.state.live_call().unwrap().id;
    rig.feed(Input::Command(PhoneCommand::Transfer {
        target: "2003".into(),
    }));
    let refer = rig.requests("REFER").pop().expect("a REFER");
    assert!(
        refer.header("Refer-To").unwrap().contains("sip:2003@"),
        "{:?}",
        refer.header("Refer-To")
    );
    let call = rig.engine.state.live_call().unwrap();
    assert_eq!(
        call.transfer.as_ref().map(|t| (t.target.as_str(), t.state)),
        Some(("2003", TransferState::Trying))
    );
    rig.reply(&refer, 202, &[]);
    let invite = rig.invite.clone().unwrap();
    let ok = response_to(&invite, 200, Some("far"));
    let to = ok.header("To").unwrap().to_string();
    let notify = |cseq: u32, body: &str, state: &str| {
        format!(
            "NOTIFY sip:1001@abc.invalid SIP/2.0\r\n\
             Via: SIP/2.0/WSS 127.0.0.1:8088;branch=z9hG4bKn{}\r\n\
             From: {to}\r\n\
             To: {}\r\n\
             Call-ID: {}\r\n\
             CSeq: {} NOTIFY\r\n\
             Event: refer\r\n\
             Subscription-State: {state}\r\n\
             Content-Type: message/sipfrag\r\n\r\n{body}",
            body.len(),
            invite.header("From").unwrap(),
            invite.header("Call-ID").unwrap(),
            cseq
        )
        .into_bytes()
    };
    rig.feed(Input::Received(notify(1, "SIP/2.0 180 Ringing", "active")));
    assert_eq!(
        rig.engine
            .state
            .live_call()
            .unwrap()
            .transfer
            .as_ref()
            .map(|t| t.state),
        Some(TransferState::Ringing)
    );
    rig.feed(Input::Received(notify(
        2,
        "SIP/2.0 200 OK",
        "terminated;reason=noresource",
    )));
    let bye = rig.requests("BYE").pop().expect("our leg hangs up");
    rig.reply(&bye, 200, &[]);
    let call = rig.engine.state.call.clone().unwrap();
    assert_eq!((call.id, call.phase), (id, CallPhase::Ended));
    assert_eq!(call.end, Some(CallEnd::Transferred));
}

#[test]
fn a_refused_transfer_leaves_the_call_with_us() {
    let mut rig = in_a_call(true);
    rig.feed(Input::Command(PhoneCommand::Transfer {
        target: "2003".into(),
    }));
    let refer = rig.requests("REFER").pop().expect("a REFER");
    rig.reply(&refer, 603, &[]);
    let call = rig.engine.state.live_call().expect("still ours");
    assert_eq!(call.phase, CallPhase::Connected);
    assert_eq!(
        call.transfer.as_ref().map(|t| t.state),
        Some(TransferState::Failed(603))
    );
}
