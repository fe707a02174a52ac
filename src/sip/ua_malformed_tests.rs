//! Requests the grammar allows but look odd, and requests it refuses: the first are taken,
//! the second answered (400 naming the header, 505, 501) unless the RFC says to stay silent.

use super::*;

/// An INVITE as Kamailio relays it, with `{via}`, `{to}`, `{cseq}` and the start line's
/// `{uri}` and `{version}` to bend, and a multipart body with a binary part.
fn invite(uri: &str, version: &str, via: &str, to: &str, cseq: &str) -> Vec<u8> {
    let mut m = format!(
        "INVITE {uri} {version}\r\n\
         Via: SIP/2.0/WSS 127.0.0.1:8088;branch=z9hG4bKk1\r\n\
         Via: {via}\r\n\
         Max-Forwards: 69\r\n\
         From: \"Bob\" <sip:bob@sip.test>;tag=bobtag\r\n\
         To: {to}\r\n\
         Call-ID: odd-1\r\n\
         CSeq: {cseq}\r\n\
         Contact: <sip:bob@b0b.invalid;transport=ws>\r\n\
         Content-Type: multipart/mixed;boundary=zz\r\n\r\n\
         --zz\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n\r\n\
         --zz\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    m.extend_from_slice(b"\x00\xff\xfe\x80\r\n--zz--\r\n");
    m
}

const URI: &str = "sip:k3j2l@abc.invalid;transport=ws";
const SPACED_VIA: &str =
    "SIP / 2.0 / WSS b0b.invalid : 5060 ; received = 127.0.0.1 ; branch = z9hG4bKbob";

fn feed(lab: &mut Lab, bytes: &[u8]) -> Vec<Message> {
    lab.ua.receive(bytes, lab.now);
    lab.pump();
    lab.take_sent()
}

#[test]
fn a_valid_invite_with_lws_everywhere_and_a_binary_part_rings() {
    let mut lab = Lab::new().connected().registered();
    let bytes = invite(
        URI,
        "SIP/2.0",
        SPACED_VIA,
        "sip:alice@sip.test ; x = \"a;b\"",
        "9 INVITE",
    );
    let sent = feed(&mut lab, &bytes);
    assert_eq!(sent.len(), 1, "{sent:#?}");
    assert_eq!(sent[0].status(), Some(180));
    assert_eq!(sent[0].header_values("Via").len(), 2);
    let events = lab.take_events();
    assert!(
        events.iter().any(|e| matches!(e,
            UaEvent::IncomingCall { sdp_offer, .. } if sdp_offer == "v=0\r\n")),
        "{events:#?}"
    );
}

#[test]
fn malformed_requests_are_answered_with_what_is_wrong() {
    let cases: &[(&str, &str, &str, &str, u16, &str)] = &[
        (
            "<sip:k@abc.invalid>",
            "SIP/2.0",
            "<sip:alice@sip.test>",
            "9 INVITE",
            400,
            "Bad Request-URI",
        ),
        (
            URI,
            "SIP/3.0",
            "<sip:alice@sip.test>",
            "9 INVITE",
            505,
            "Version Not Supported",
        ),
        (
            URI,
            "SIP/2.0",
            "<sip:alice@sip.test>",
            "9 BYE",
            400,
            "Bad CSeq: Method Mismatch",
        ),
        (
            URI,
            "SIP/2.0",
            "<sip:alice@sip.test>",
            "3000000000 INVITE",
            400,
            "Bad CSeq",
        ),
        (
            URI,
            "SIP/2.0",
            "<sip:alice sip.test>",
            "9 INVITE",
            400,
            "Bad To",
        ),
    ];
    for (uri, version, to, cseq, status, reason) in cases {
        let mut lab = Lab::new().connected().registered();
        let sent = feed(&mut lab, &invite(uri, version, SPACED_VIA, to, cseq));
        assert_eq!(sent.len(), 1, "{uri} {version} {to} {cseq}: {sent:#?}");
        assert_eq!(
            (sent[0].status(), sent[0].reason()),
            (Some(*status), Some(*reason))
        );
        assert_eq!(sent[0].header_values("Via").len(), 2);
        assert!(lab
            .take_events()
            .iter()
            .all(|e| !matches!(e, UaEvent::IncomingCall { .. })));
    }
}

#[test]
fn unknown_methods_get_501_and_the_rfcs_silences_hold() {
    let mut lab = Lab::new().connected().registered();
    let foo =
        b"FOO sip:k3j2l@abc.invalid SIP/2.0\r\nVia: SIP/2.0/WSS h.invalid;branch=z9hG4bKf\r\n\
        From: <sip:bob@sip.test>;tag=1\r\nTo: <sip:alice@sip.test>\r\nCall-ID: f1\r\n\
        CSeq: 1 FOO\r\n\r\n";
    let sent = feed(&mut lab, foo);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].status(), Some(501));
    // A bad ACK, a bad response, and a request whose top Via is unreadable: silence.
    let ack = invite(URI, "SIP/2.0", SPACED_VIA, "<sip:alice@sip.test>", "9 ACK");
    let ack = String::from_utf8_lossy(&ack)
        .replacen("INVITE", "ACK", 1)
        .replacen("9 ACK", "9 INVITE", 1);
    assert!(feed(&mut lab, ack.as_bytes()).is_empty());
    let response =
        b"SIP/2.0 200 OK\r\nVia: SIP/2.0/WSS x.invalid;branch=z9hG4bKa\r\nCSeq: x\r\n\r\n";
    assert!(feed(&mut lab, response).is_empty());
    let no_via =
        String::from_utf8_lossy(&invite(URI, "SIP/3.0", SPACED_VIA, "<sip:a@b>", "9 INVITE"))
            .replacen(
                "Via: SIP/2.0/WSS 127.0.0.1:8088",
                "Via: SIP/2.0/WSS 127.0.0.1::",
                1,
            );
    assert!(feed(&mut lab, no_via.as_bytes()).is_empty());
    // Missing headers are named.
    let sent = feed(
        &mut lab,
        &foo[..foo.len() - 15]
            .iter()
            .chain(b"\r\n\r\n")
            .copied()
            .collect::<Vec<u8>>(),
    );
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].reason(), Some("Missing CSeq"));
}
