//! The message parser on the RFC 3261 grammar's corner cases and on hostile input.

use super::*;

const INVITE: &str = "INVITE sip:bob@sip.test SIP/2.0\r\n\
    v: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKnashds7\r\n\
    Max-Forwards: 70\r\n\
    t: Bob <sip:bob@sip.test>\r\n\
    f: \"Alice\" <sip:alice@sip.test>;tag=1928301774\r\n\
    i: a84b4c76e66710\r\n\
    CSeq: 314159 INVITE\r\n\
    m: <sip:alice@df7jal23ls0d.invalid;transport=ws;ob>\r\n\
    Subject: a long\r\n  folded\r\n\tsubject\r\n\
    Route: <sip:p1.sip.test;lr>, <sip:p2.sip.test;lr>\r\n\
    Route: <sip:p3.sip.test;lr>\r\n\
    c: application/sdp\r\n\
    l: 10\r\n\
    \r\n\
    v=0\r\no=x\r\n";

#[test]
fn parses_a_request_with_compact_and_folded_headers() {
    let m = Message::parse(INVITE.as_bytes()).unwrap();
    assert_eq!(m.method(), Some(&Method::Invite));
    assert_eq!(m.request_uri(), Some("sip:bob@sip.test"));
    assert_eq!(m.call_id(), Some("a84b4c76e66710"));
    assert_eq!(m.header("Subject"), Some("a long folded subject"));
    assert_eq!(m.header("content-type"), Some("application/sdp"));
    assert_eq!(m.from().unwrap().tag(), Some("1928301774"));
    assert_eq!(m.top_via().unwrap().branch(), Some("z9hG4bKnashds7"));
    assert_eq!(m.header_values("Route").len(), 3);
    assert_eq!(m.body, b"v=0\r\no=x\r\n");
    assert_eq!(m.cseq().unwrap().seq, 314159);
}

#[test]
fn round_trips_through_the_wire_form() {
    let m = Message::parse(INVITE.as_bytes()).unwrap();
    let wire = m.to_wire();
    assert!(wire.contains("Content-Length: 10\r\n\r\nv=0\r\no=x"));
    assert!(wire.contains("\r\nCall-ID: a84b4c76e66710\r\n"));
    assert_eq!(Message::parse(wire.as_bytes()).unwrap(), m);
}

#[test]
fn parses_responses_and_bodies_without_length() {
    let m = Message::parse(b"SIP/2.0 180 Ringing\nCSeq: 1 INVITE\n\nabc").unwrap();
    assert_eq!(m.status(), Some(180));
    assert_eq!(m.reason(), Some("Ringing"));
    assert_eq!(m.body, b"abc");
    let m = Message::parse(b"SIP/2.0 200 \r\n\r\n").unwrap();
    assert_eq!((m.status(), m.reason()), (Some(200), Some("")));
    let m = Message::parse(b"\r\n\r\nSIP/2.0 486 Busy Here\r\n\r\n").unwrap();
    assert_eq!(m.reason(), Some("Busy Here"));
}

#[test]
fn refuses_malformed_messages() {
    let bad: &[(&[u8], ParseError)] = &[
        (b"\r\n\r\n", ParseError::Empty),
        (b"", ParseError::Empty),
        (
            b"INVITE sip:x SIP/2.0\r\nVia: a\r\n",
            ParseError::NoHeaderEnd,
        ),
        (
            b"INVITE sip:x SIP/1.0\r\n\r\n",
            ParseError::VersionNotSupported,
        ),
        (b"INV ITE sip:x SIP/2.0\r\n\r\n", ParseError::BadStartLine),
        (b"SIP/2.0 99 Low\r\n\r\n", ParseError::BadStartLine),
        (
            b"SIP/2.0 200 OK\r\n folded first\r\n\r\n",
            ParseError::BadHeaderLine,
        ),
        (
            b"SIP/2.0 200 OK\r\nNoColon\r\n\r\n",
            ParseError::BadHeaderLine,
        ),
        (
            b"SIP/2.0 200 OK\r\nl: x\r\n\r\n",
            ParseError::BadContentLength,
        ),
        (
            b"SIP/2.0 200 OK\r\nl: 1\r\nl: 2\r\n\r\nab",
            ParseError::BadContentLength,
        ),
        (b"SIP/2.0 200 OK\r\nl: 10\r\n\r\nabc", ParseError::Truncated),
        (b"SIP/2.0 200 OK\r\nX: \xff\r\n\r\n", ParseError::NotUtf8),
    ];
    for (input, want) in bad {
        assert_eq!(
            Message::parse(input),
            Err(*want),
            "{:?}",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn content_length_cuts_trailing_bytes() {
    let m = Message::parse(b"SIP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nabcd").unwrap();
    assert_eq!(m.body, b"ab");
}

/// A fixed-seed generator so the hostile-input test is reproducible without extra crates.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

#[test]
fn never_panics_on_random_or_mutated_input() {
    let mut rng = Lcg(0x5eed);
    let alphabet = b"SIP/2.0 INVITE:;,<>\"\\\r\n\t =sip@abc123lvmi";
    for round in 0..20_000 {
        let len = (rng.next() % 300) as usize;
        let bytes: Vec<u8> = if round % 2 == 0 {
            (0..len)
                .map(|_| alphabet[(rng.next() as usize) % alphabet.len()])
                .collect()
        } else {
            // Mutate a valid message: flips, cuts and inserted bytes exercise deep paths.
            let mut b = INVITE.as_bytes().to_vec();
            for _ in 0..(rng.next() % 8) {
                let at = (rng.next() as usize) % b.len();
                match rng.next() % 3 {
                    0 => b[at] = rng.next() as u8,
                    1 => b.truncate(at.max(1)),
                    _ => b.insert(at, alphabet[(rng.next() as usize) % alphabet.len()]),
                }
            }
            b
        };
        if let Ok(m) = Message::parse(&bytes) {
            // Whatever parses must come back equal from our own serialisation (as the
            // `sip_message` fuzz target also checks) and survive the typed accessors.
            let again = Message::parse(&m.to_bytes());
            assert_eq!(again.as_ref(), Ok(&m), "re-parse differs for {bytes:?}");
            let _ = (
                m.cseq(),
                m.from(),
                m.to(),
                m.top_via(),
                m.header_values("Via"),
            );
        }
    }
}

#[test]
fn follows_the_grammar_for_lws_quoting_and_escapes() {
    let m = Message::parse(
        b"OPTIONS sip:a@b SIP/2.0\r\n\
        Via: SIP / 2.0 / UDP host.test ; branch = z9hG4bKx ,\r\n SIP/2.0/TCP [2001:db8::1]:5060;branch=z9hG4bKy\r\n\
        To: sip:alice@sip.test ;tag=t1\r\n\
        From: Bob  Smith<sip:bob@sip.test>\t; tag = \"q\\\"t\"\r\n\
        Call-ID: a@b\r\nCSeq: 1\t OPTIONS\r\n\r\n\x00\xff",
    )
    .unwrap();
    let vias: Vec<Via> = m
        .header_values("Via")
        .iter()
        .filter_map(|v| Via::parse(v))
        .collect();
    assert_eq!(vias.len(), 2);
    assert_eq!(
        (vias[0].transport.as_str(), vias[0].sent_by.as_str()),
        ("UDP", "host.test")
    );
    assert_eq!(vias[0].branch(), Some("z9hG4bKx"));
    assert_eq!(vias[1].sent_by, "[2001:db8::1]:5060");
    let to = m.to().unwrap();
    assert_eq!(
        (to.uri.as_str(), to.tag()),
        ("sip:alice@sip.test", Some("t1"))
    );
    let from = m.from().unwrap();
    assert_eq!(from.display.as_deref(), Some("Bob Smith"));
    assert_eq!(from.tag(), Some("q\"t"));
    assert_eq!(m.body, b"\x00\xff");
}

#[test]
fn names_what_it_refuses() {
    let base = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/WS h;branch=z9hG4bKx\r\n\
        To: <sip:a@b>\r\nFrom: <sip:c@d>;tag=1\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\n\r\n";
    let cases = [
        (
            "OPTIONS sip:a@b",
            "OPTIONS <sip:a@b>",
            ParseError::BadRequestUri,
        ),
        (
            "SIP/2.0\r\nVia",
            "SIP/3.0\r\nVia",
            ParseError::VersionNotSupported,
        ),
        ("1 OPTIONS", "1 INVITE", ParseError::CSeqMismatch),
        (
            "1 OPTIONS",
            "2147483648 OPTIONS",
            ParseError::BadHeader("CSeq"),
        ),
        (
            "Call-ID: c1",
            "Call-ID: c 1",
            ParseError::BadHeader("Call-ID"),
        ),
        (
            "To: <sip:a@b>",
            "To: <sip:a@b>;tag=\"x",
            ParseError::BadHeader("To"),
        ),
        (
            "Via: SIP/2.0/WS h",
            "Via: SIP/2.0/WS",
            ParseError::BadHeader("Via"),
        ),
        (
            "To: <sip:a@b>",
            "To: <sip:a@b>\r\nt: <sip:e@f>",
            ParseError::BadHeader("To"),
        ),
    ];
    for (from, to, want) in cases {
        let bad = base.replacen(from, to, 1);
        assert_eq!(Message::parse(bad.as_bytes()), Err(want), "{bad:?}");
        assert!(Message::parse_lenient(bad.as_bytes()).is_ok());
    }
    // A Record-Route is a name-addr: without brackets, `;lr` would belong to the URI.
    let with_route =
        |route: &str| base.replacen("\r\n\r\n", &format!("\r\nRecord-Route: {route}\r\n\r\n"), 1);
    for route in ["sip:p.example;lr", "<sip:p.example;lr>, sip:q.example;lr"] {
        let bad = with_route(route);
        assert_eq!(
            Message::parse(bad.as_bytes()),
            Err(ParseError::BadHeader("Record-Route"))
        );
    }
    assert!(
        Message::parse(with_route("\"P\" <sip:p.example;lr>, <sip:q.example;lr>").as_bytes())
            .is_ok()
    );
}
