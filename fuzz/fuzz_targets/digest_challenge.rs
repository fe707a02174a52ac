//! The `WWW-Authenticate` / `Proxy-Authenticate` parser on arbitrary text. A challenge it
//! accepts must yield credentials whose realm, nonce and opaque read back unchanged: our quoting
//! must survive whatever the server put in them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sfphone::sip::digest::{authorization, response, Answer, Challenge};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some(ch) = Challenge::parse(text) else {
        return;
    };
    let answer = Answer {
        username: "al\"ice\\",
        password: "s3cret",
        method: "REGISTER",
        uri: "sip:sip.test",
        cnonce: "0a4f113b",
        nc: 1,
    };
    let Some(header) = authorization(&ch, &answer) else {
        // Only a challenge that offers qop but not "auth" (auth-int only) has no answer.
        assert!(response(&ch, &answer).is_none());
        assert!(!ch.qop.is_empty() && !ch.qop.iter().any(|q| q == "auth"));
        return;
    };
    // Our Authorization value has the challenge's shape, so the same parser reads it back.
    let back = Challenge::parse(&header).expect("our own Authorization reads back");
    assert_eq!(back.realm, ch.realm, "{header}");
    assert_eq!(back.nonce, ch.nonce, "{header}");
    assert_eq!(back.opaque, ch.opaque, "{header}");
    assert_eq!(back.algorithm, ch.algorithm, "{header}");
});
