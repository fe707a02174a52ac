//! Extensions dialled after the answer (`0312345678,123`): the engine driven through the real
//! SIP agent with a scripted far end and a fake clock, as in `engine_tests.rs`.

use super::rig::*;
use super::*;
use crate::call::settings::DtmfMode;

#[test]
fn a_dial_string_with_a_pause_and_digits_is_a_valid_dial() {
    let valid = |n: &str| {
        PhoneCommand::Dial {
            number: n.into(),
            dial_id: None,
        }
        .validate()
        .is_ok()
    };
    for ok in [
        "0312345678,123",
        "03-1234-5678,,123",
        "0312345678,12,3",
        "+16502530000,45#",
        "0312345678, 123",
    ] {
        assert!(valid(ok), "{ok}");
    }
    for bad in [
        "0312345678,",
        "0312345678,,",
        ",123",
        "0312345678,abc",
        "0312345678,12;3",
        "0312345678,12-3",
    ] {
        assert!(!valid(bad), "{bad}");
    }
}

#[test]
fn the_invite_calls_the_number_alone_and_the_extension_goes_by_info_after_the_pause() {
    let mut rig = Rig::registered_with(DtmfMode::Info);
    rig.dial("0312345678,123");
    let invite = rig.invite.clone().unwrap();
    let uri = invite.request_uri().unwrap_or_default().to_string();
    assert!(uri.starts_with("sip:0312345678@"), "{uri}");
    assert!(!uri.contains(',') && !uri.contains("123@"), "{uri}");
    let call = rig.engine.state.live_call().unwrap().clone();
    assert_eq!(call.peer, "0312345678", "the number alone");
    assert_eq!(call.extension.as_deref(), Some("123"), "the panel shows it");
    // Ringing for a while: nothing is dialled before the answer.
    rig.advance(POST_DIAL_PAUSE_MS * 3);
    assert_eq!(rig.info_digits(), "");
    rig.answer();
    assert_eq!(rig.info_digits(), "", "not at the answer");
    rig.advance(POST_DIAL_PAUSE_MS - 1);
    assert_eq!(rig.info_digits(), "", "not before the pause is over");
    rig.advance(1);
    assert_eq!(rig.info_digits(), "123");
    assert!(
        rig.media_digits().is_empty(),
        "INFO mode: nothing in the media"
    );
    rig.advance(POST_DIAL_PAUSE_MS * 5);
    assert_eq!(rig.info_digits(), "", "once");
    assert_eq!(
        rig.engine.state.live_call().unwrap().extension.as_deref(),
        Some("123")
    );
}

#[test]
fn in_rfc4733_mode_the_extension_goes_in_the_media() {
    let mut rig = Rig::registered_with(DtmfMode::Rfc4733);
    rig.dial("03-1234-5678,123");
    rig.answer();
    rig.effects.clear();
    rig.advance(POST_DIAL_PAUSE_MS - 1);
    assert!(rig.media_digits().is_empty());
    rig.advance(1);
    assert_eq!(rig.media_digits(), ["123"]);
    assert_eq!(rig.info_digits(), "");
    // The media had no DTMF sender: the digits go by INFO instead, as the keypad's do.
    let mut rig = Rig::registered_with(DtmfMode::Rfc4733);
    rig.dial("0312345678,45");
    rig.answer();
    rig.advance(POST_DIAL_PAUSE_MS);
    let digits = rig.media_digits();
    assert_eq!(digits, ["45"]);
    rig.feed(Input::DtmfNotInMedia {
        digits: digits[0].clone(),
    });
    assert_eq!(rig.info_digits(), "45");
}

#[test]
fn each_further_pause_waits_again() {
    let mut rig = Rig::registered_with(DtmfMode::Rfc4733);
    rig.dial("0312345678,,12,3");
    assert_eq!(
        rig.engine.state.live_call().unwrap().extension.as_deref(),
        Some("12,3")
    );
    rig.answer();
    rig.effects.clear();
    rig.advance(POST_DIAL_PAUSE_MS);
    assert!(
        rig.media_digits().is_empty(),
        "two pauses before the first digits"
    );
    rig.advance(POST_DIAL_PAUSE_MS - 1);
    assert!(rig.media_digits().is_empty());
    rig.advance(1);
    assert_eq!(rig.media_digits(), ["12"]);
    rig.advance(POST_DIAL_PAUSE_MS - 1);
    assert!(rig.media_digits().is_empty());
    rig.advance(1);
    assert_eq!(rig.media_digits(), ["3"]);
    rig.advance(POST_DIAL_PAUSE_MS * 5);
    assert!(rig.media_digits().is_empty());
}

#[test]
fn nothing_is_dialled_after_an_early_hangup() {
    let mut rig = Rig::registered_with(DtmfMode::Info);
    rig.dial("0312345678,123");
    rig.answer();
    rig.advance(POST_DIAL_PAUSE_MS / 2);
    rig.feed(Input::Command(PhoneCommand::Hangup));
    rig.advance(POST_DIAL_PAUSE_MS * 3);
    assert_eq!(rig.info_digits(), "");
    assert!(rig.media_digits().is_empty());
    // Hung up while it rang: never answered, never dialled.
    let mut rig = Rig::registered_with(DtmfMode::Rfc4733);
    rig.dial("0312345678,123");
    rig.feed(Input::Command(PhoneCommand::Hangup));
    rig.advance(POST_DIAL_PAUSE_MS * 3);
    assert!(rig.media_digits().is_empty());
    assert!(rig.engine.state.live_call().is_none(), "the call is over");
}

#[test]
fn nothing_is_dialled_once_the_call_is_held() {
    let mut rig = Rig::registered_with(DtmfMode::Rfc4733);
    rig.dial("0312345678,123");
    rig.answer();
    let id = rig.engine.state.live_call().unwrap().id;
    rig.advance(POST_DIAL_PAUSE_MS / 2);
    rig.feed(Input::Command(PhoneCommand::Hold { on: true }));
    assert!(rig
        .effects
        .contains(&Effect::MakeHoldOffer { call: id, on: true }));
    rig.effects.clear();
    rig.advance(POST_DIAL_PAUSE_MS * 3);
    assert!(rig.media_digits().is_empty());
    assert_eq!(rig.info_digits(), "");
}

#[test]
fn a_dial_without_an_extension_dials_nothing_after_the_answer() {
    let mut rig = Rig::registered_with(DtmfMode::Rfc4733);
    rig.dial("0312345678");
    assert_eq!(rig.engine.state.live_call().unwrap().extension, None);
    rig.answer();
    rig.effects.clear();
    rig.advance(POST_DIAL_PAUSE_MS * 3);
    assert!(rig.media_digits().is_empty());
    assert_eq!(rig.info_digits(), "");
}
