//! Our SIP parser on arbitrary bytes. Whatever parses must serialise to a message that parses
//! back equal (Content-Length is derived from the body, so it is not compared), and the typed
//! views the state machines read must not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sfphone::sip::message::MAX_HEAD;
use sfphone::sip::{Message, ParseError};

fuzz_target!(|data: &[u8]| {
    let Ok(msg) = Message::parse(data) else {
        return;
    };
    let _ = (
        msg.call_id(),
        msg.cseq(),
        msg.from(),
        msg.to(),
        msg.top_via(),
        msg.header_values("Via"),
        msg.header_values("Route"),
        msg.header_values("Contact"),
    );
    let wire = msg.to_bytes();
    let again = Message::parse(&wire);
    // Serialising expands compact names and bare LFs, so a head near the bound on input can
    // outgrow it on output; only then may the re-parse refuse it, and only for its size.
    let head = wire
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("to_bytes always ends the head");
    if head > MAX_HEAD {
        assert_eq!(again, Err(ParseError::TooLarge));
        return;
    }
    assert_eq!(
        again.as_ref(),
        Ok(&msg),
        "wire form: {:?}",
        String::from_utf8_lossy(&wire)
    );
});
