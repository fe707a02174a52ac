//! Whole exchanges against the user agent: a scripted registrar/proxy and far end, a fake clock.

use super::context::response_to;
use super::digest::{self, Challenge};
use super::header::{split_outside_quotes, unquote};
use super::*;

struct Lab {
    ua: UserAgent,
    now: Millis,
    sent: Vec<Message>,
    events: Vec<UaEvent>,
    opens: usize,
    /// CRLF keep-alives sent, with when.
    keepalives: Vec<Millis>,
}

impl Lab {
    fn new() -> Lab {
        Lab::with(UaConfig::new("alice", "alice-secret", "sip.test"))
    }

    fn with(config: UaConfig) -> Lab {
        Lab {
            ua: UserAgent::new(config, crate::sip::context::Rng::new(7)),
            now: 0,
            sent: Vec::new(),
            events: Vec::new(),
            opens: 0,
            keepalives: Vec::new(),
        }
    }

    fn pump(&mut self) {
        for action in self.ua.take_actions() {
            match action {
                Action::Send(text) if text == "\r\n\r\n" => self.keepalives.push(self.now),
                // An answer to a malformed request echoes its bad headers (§8.2.6.2), so only
                // those are read leniently.
                Action::Send(text) => self.sent.push(
                    Message::parse(text.as_bytes())
                        .or_else(|e| match Message::parse_lenient(text.as_bytes()) {
                            Ok(m) if matches!(m.status(), Some(400 | 505 | 513)) => Ok(m),
                            _ => Err(e),
                        })
                        .unwrap_or_else(|e| panic!("we sent unparseable {e:?}: {text:?}")),
                ),
                Action::WakeAt(_) => {}
                Action::OpenTransport => self.opens += 1,
                Action::Event(e) => self.events.push(e),
            }
        }
    }

    fn connected(mut self) -> Lab {
        self.ua.transport_opened(self.now);
        self.pump();
        self
    }

    fn recv(&mut self, message: &Message) {
        self.ua.receive(message.to_wire().as_bytes(), self.now);
        self.pump();
    }

    /// Moves the clock, firing every deadline on the way as a real timer would.
    fn advance(&mut self, ms: Millis) {
        let target = self.now + ms;
        for _ in 0..10_000 {
            match self.ua.next_deadline() {
                Some(d) if d <= target => {
                    self.now = self.now.max(d);
                    self.ua.tick(self.now);
                    self.pump();
                }
                _ => break,
            }
        }
        self.now = target;
    }

    fn take_sent(&mut self) -> Vec<Message> {
        std::mem::take(&mut self.sent)
    }

    fn one_sent(&mut self) -> Message {
        let mut sent = self.take_sent();
        assert_eq!(sent.len(), 1, "expected one message, got {sent:#?}");
        sent.remove(0)
    }

    fn take_events(&mut self) -> Vec<UaEvent> {
        std::mem::take(&mut self.events)
    }

    fn registered(mut self) -> Lab {
        self.ua.register(self.now);
        self.pump();
        let reg = self.one_sent();
        self.recv(&reply(&reg, 200, &[("Expires", "600")], None, ""));
        self.take_events();
        self
    }
}

fn reply(
    req: &Message,
    status: u16,
    headers: &[(&str, &str)],
    tag: Option<&str>,
    body: &str,
) -> Message {
    let mut r = response_to(req, status, tag);
    for (k, v) in headers {
        r.push_header(k, *v);
    }
    if !body.is_empty() {
        r.push_header("Content-Type", "application/sdp");
        r.body = body.as_bytes().to_vec();
    }
    r
}

fn auth_params(value: &str) -> Vec<(String, String)> {
    let rest = value.strip_prefix("Digest ").unwrap();
    split_outside_quotes(rest, ',')
        .into_iter()
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), unquote(v.trim())))
        .collect()
}

fn get<'a>(params: &'a [(String, String)], name: &str) -> &'a str {
    &params.iter().find(|(k, _)| k == name).unwrap().1
}

const CHALLENGE: &str = r#"Digest realm="sip.test", nonce="n0nce1", qop="auth""#;

#[test]
fn registers_through_a_digest_challenge_and_refreshes_before_expiry() {
    let mut lab = Lab::new();
    lab.ua.register(0);
    lab.pump();
    assert_eq!(lab.opens, 1, "no transport yet: ask for one");
    assert!(lab.sent.is_empty());
    lab.ua.transport_opened(10);
    lab.pump();
    let reg = lab.one_sent();
    assert_eq!(reg.request_uri(), Some("sip:sip.test"));
    let via = reg.top_via().unwrap();
    assert_eq!(via.transport, "WSS");
    assert!(via.sent_by.ends_with(".invalid"));
    assert!(via.branch().unwrap().starts_with("z9hG4bK"));
    let contact = reg.header("Contact").unwrap();
    assert!(contact.contains(".invalid;transport=ws;ob>"), "{contact}");
    assert_eq!(reg.header("Expires"), Some("600"));
    assert_eq!(reg.to().unwrap().uri, "sip:alice@sip.test");

    lab.recv(&reply(
        &reg,
        401,
        &[("WWW-Authenticate", CHALLENGE)],
        Some("srv"),
        "",
    ));
    let authed = lab.one_sent();
    assert_eq!(authed.call_id(), reg.call_id());
    assert_eq!(authed.cseq().unwrap().seq, 2);
    assert_ne!(authed.top_via().unwrap().branch(), via.branch());
    let params = auth_params(authed.header("Authorization").unwrap());
    assert_eq!(get(&params, "username"), "alice");
    assert_eq!(get(&params, "uri"), "sip:sip.test");
    let expected = digest::response(
        &Challenge::parse(CHALLENGE).unwrap(),
        &digest::Answer {
            username: "alice",
            password: "alice-secret",
            method: "REGISTER",
            uri: "sip:sip.test",
            cnonce: get(&params, "cnonce"),
            nc: 1,
        },
    );
    assert_eq!(Some(get(&params, "response")), expected.as_deref());

    let binding = format!("{};expires=300", contact);
    lab.recv(&reply(
        &authed,
        200,
        &[("Contact", &binding)],
        Some("srv"),
        "",
    ));
    assert_eq!(
        lab.take_events(),
        vec![UaEvent::Registered { expires_secs: 300 }]
    );
    assert!(matches!(
        lab.ua.registration_state(),
        RegistrationState::Registered { .. }
    ));

    lab.advance(270_000 - 1);
    assert!(lab.sent.is_empty());
    lab.advance(1);
    let refresh = lab.one_sent();
    assert_eq!(refresh.cseq().unwrap().seq, 3);
    assert_eq!(refresh.call_id(), reg.call_id());
}

#[test]
fn a_second_challenge_for_the_same_nonce_means_wrong_credentials() {
    let mut lab = Lab::new().connected();
    lab.ua.register(0);
    lab.pump();
    let reg = lab.one_sent();
    lab.recv(&reply(
        &reg,
        401,
        &[("WWW-Authenticate", CHALLENGE)],
        None,
        "",
    ));
    let authed = lab.one_sent();
    lab.recv(&reply(
        &authed,
        401,
        &[("WWW-Authenticate", CHALLENGE)],
        None,
        "",
    ));
    assert!(lab.sent.is_empty(), "no third try");
    assert_eq!(
        lab.take_events(),
        vec![UaEvent::RegistrationFailed {
            reason: RegistrationFailure::WrongCredentials,
            retry_at: None
        }]
    );
    lab.advance(600_000);
    assert!(lab.sent.is_empty(), "wrong credentials are not retried");
}

#[test]
fn a_stale_nonce_is_answered_again() {
    let mut lab = Lab::new().connected();
    lab.ua.register(0);
    lab.pump();
    let reg = lab.one_sent();
    lab.recv(&reply(
        &reg,
        401,
        &[("WWW-Authenticate", CHALLENGE)],
        None,
        "",
    ));
    let authed = lab.one_sent();
    let stale = format!("{CHALLENGE}, stale=true");
    lab.recv(&reply(
        &authed,
        401,
        &[("WWW-Authenticate", &stale)],
        None,
        "",
    ));
    assert_eq!(lab.one_sent().cseq().unwrap().seq, 3);
    assert!(lab.take_events().is_empty());
}

#[test]
fn forbidden_means_wrong_credentials() {
    let mut lab = Lab::new().connected();
    lab.ua.register(0);
    lab.pump();
    let reg = lab.one_sent();
    lab.recv(&reply(&reg, 403, &[], None, ""));
    assert!(matches!(
        &lab.take_events()[..],
        [UaEvent::RegistrationFailed {
            reason: RegistrationFailure::WrongCredentials,
            ..
        }]
    ));
}

#[test]
fn silence_means_server_unreachable_and_backs_off() {
    let mut lab = Lab::new().connected();
    lab.ua.register(0);
    lab.pump();
    lab.take_sent();
    lab.advance(32_000);
    assert_eq!(
        lab.take_events(),
        vec![UaEvent::RegistrationFailed {
            reason: RegistrationFailure::ServerUnreachable,
            retry_at: Some(34_000)
        }]
    );
    assert!(
        lab.sent.is_empty(),
        "reliable transport: no retransmissions"
    );
    lab.advance(2_000);
    assert_eq!(lab.one_sent().method(), Some(&Method::Register));
    lab.advance(32_000);
    assert!(matches!(
        &lab.take_events()[..],
        [UaEvent::RegistrationFailed {
            retry_at: Some(70_000),
            ..
        }]
    ));
}

#[test]
fn a_server_error_is_retried_no_sooner_than_retry_after() {
    let mut lab = Lab::new().connected();
    lab.ua.register(0);
    lab.pump();
    let reg = lab.one_sent();
    lab.recv(&reply(
        &reg,
        503,
        &[("Retry-After", "120 (maintenance)")],
        None,
        "",
    ));
    assert_eq!(
        lab.take_events(),
        vec![UaEvent::RegistrationFailed {
            reason: RegistrationFailure::ServerError { status: 503 },
            retry_at: Some(120_000)
        }]
    );
    lab.advance(119_999);
    assert!(lab.sent.is_empty());
    lab.advance(1);
    assert_eq!(lab.one_sent().method(), Some(&Method::Register));
}

#[test]
fn reregisters_with_backoff_after_the_transport_drops() {
    let mut lab = Lab::new().connected().registered();
    lab.now = 1_000;
    lab.ua.transport_closed(lab.now);
    lab.pump();
    assert_eq!(
        lab.take_events(),
        vec![UaEvent::RegistrationFailed {
            reason: RegistrationFailure::TransportLost,
            retry_at: Some(3_000)
        }]
    );
    lab.advance(2_000);
    assert_eq!(lab.opens, 1);
    // The reconnect fails: the next wait is longer.
    lab.ua.transport_closed(lab.now);
    lab.pump();
    assert!(matches!(
        &lab.take_events()[..],
        [UaEvent::RegistrationFailed {
            retry_at: Some(7_000),
            ..
        }]
    ));
    lab.advance(4_000);
    assert_eq!(lab.opens, 2);
    lab.ua.transport_opened(lab.now);
    lab.pump();
    let reg = lab.one_sent();
    lab.recv(&reply(&reg, 200, &[("Expires", "600")], None, ""));
    assert_eq!(
        lab.take_events(),
        vec![UaEvent::Registered { expires_secs: 600 }]
    );
}

#[test]
fn an_idle_transport_gets_a_crlf_keep_alive_and_traffic_postpones_it() {
    let mut lab = Lab::new().connected();
    lab.ua.register(0);
    lab.pump();
    let reg = lab.one_sent();
    lab.recv(&reply(&reg, 200, &[("Expires", "600")], None, ""));
    lab.take_events();
    // The last send (the answered REGISTER) was at 0: nothing for 25 s, then a ping.
    lab.advance(24_999);
    assert!(lab.keepalives.is_empty());
    lab.advance(1);
    assert_eq!(lab.keepalives, vec![25_000]);
    lab.advance(25_000);
    assert_eq!(lab.keepalives, vec![25_000, 50_000]);
    // Traffic counts: a call at 60 s moves the next ping to 85 s.
    lab.advance(10_000);
    lab.ua.call("bob", "v=0", lab.now).unwrap();
    lab.pump();
    assert_eq!(lab.take_sent().len(), 1);
    lab.advance(24_999);
    assert_eq!(lab.keepalives.len(), 2);
    lab.advance(1);
    assert_eq!(lab.keepalives.last(), Some(&85_000));
    // A closed transport is not pinged.
    lab.ua.transport_closed(lab.now);
    lab.pump();
    lab.advance(60_000);
    assert_eq!(lab.keepalives.len(), 3);
}

#[test]
fn keep_alives_can_be_turned_off() {
    let mut config = UaConfig::new("alice", "alice-secret", "sip.test");
    config.keepalive_ms = None;
    let mut lab = Lab::with(config).connected();
    lab.advance(600_000);
    assert!(lab.keepalives.is_empty());
    assert_eq!(lab.ua.next_deadline(), None);
}

#[test]
fn an_early_tick_still_leaves_a_wake_up_armed() {
    let mut config = UaConfig::new("alice", "alice-secret", "sip.test");
    config.keepalive_ms = None;
    let mut lab = Lab::with(config).connected();
    lab.ua.register(0);
    let first = lab.ua.take_actions();
    assert_eq!(first.last(), Some(&Action::WakeAt(32_000)));
    lab.ua.tick(31_999);
    assert_eq!(lab.ua.take_actions(), vec![Action::WakeAt(32_000)]);
}

#[test]
fn a_second_register_while_one_is_in_flight_sends_nothing() {
    let mut lab = Lab::new().connected();
    lab.ua.register(0);
    lab.ua.register(5);
    lab.pump();
    assert_eq!(lab.take_sent().len(), 1);
}

#[test]
fn unregister_sends_expires_zero() {
    let mut lab = Lab::new().connected().registered();
    lab.ua.unregister(lab.now);
    lab.pump();
    let unreg = lab.one_sent();
    assert_eq!(unreg.header("Expires"), Some("0"));
    lab.recv(&reply(&unreg, 200, &[], None, ""));
    assert_eq!(lab.take_events(), vec![UaEvent::Unregistered]);
}

#[test]
fn unreliable_transport_retransmits_register() {
    let mut config = UaConfig::new("alice", "alice-secret", "sip.test");
    config.reliable = false;
    let mut lab = Lab::with(config).connected();
    lab.ua.register(0);
    lab.pump();
    lab.take_sent();
    lab.advance(1_600);
    assert_eq!(lab.take_sent().len(), 2, "Timer E at 500 and 1500");
}

#[test]
fn ignores_keepalives_and_garbage_and_refuses_unknown_dialogs() {
    let mut lab = Lab::new().connected();
    lab.ua.receive(b"\r\n\r\n", 0);
    lab.ua.receive(b"\x00\xffjunk", 0);
    lab.pump();
    assert!(lab.sent.is_empty() && lab.events.is_empty());
    let bye = Message::parse(
        b"BYE sip:alice@x.invalid SIP/2.0\r\nVia: SIP/2.0/WSS p;branch=z9hG4bKq\r\n\
          From: <sip:bob@sip.test>;tag=b\r\nTo: <sip:alice@sip.test>;tag=zz\r\n\
          Call-ID: nope\r\nCSeq: 5 BYE\r\n\r\n",
    )
    .unwrap();
    lab.recv(&bye);
    assert_eq!(lab.one_sent().status(), Some(481));
}

/// Mutated copies of real messages for the agent (a fixed seed: a failure replays): each
/// feed takes one from the pool, flips, cuts or inserts a few bytes from `alphabet`, hands
/// it to the agent and lets some time pass.
struct Mutations {
    seed: u64,
    alphabet: &'static [u8],
}

impl Mutations {
    fn new(seed: u64, alphabet: &'static [u8]) -> Mutations {
        Mutations { seed, alphabet }
    }

    fn next(&mut self) -> usize {
        self.seed = self.seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        (self.seed >> 33) as usize
    }

    fn feed(&mut self, lab: &mut Lab, pool: &[Vec<u8>], times: usize) {
        let alphabet = self.alphabet;
        for _ in 0..times {
            let mut bytes = pool[self.next() % pool.len()].clone();
            for _ in 0..(self.next() % 6) {
                let at = self.next() % bytes.len();
                match self.next() % 3 {
                    0 => bytes[at] = alphabet[self.next() % alphabet.len()],
                    1 => bytes.truncate(at.max(1)),
                    _ => bytes.insert(at, alphabet[self.next() % alphabet.len()]),
                }
            }
            lab.ua.receive(&bytes, lab.now);
            lab.pump();
            lab.advance((self.next() % 5_000) as Millis);
        }
    }
}

/// Hostile or broken peers must never crash the agent: mutated copies of real exchanges, fed
/// in every state the scenarios reach, with a fixed seed.
#[test]
fn never_panics_on_mutated_traffic() {
    let mut mutations = Mutations::new(0xfeed, b"0123456789;:,<>\"=@ \r\nSIPtagbranchz9hG4bK");
    for round in 0..500 {
        let mut lab = Lab::new().connected();
        lab.ua.register(0);
        let call = lab.ua.call("bob", "v=0", 0).unwrap();
        lab.pump();
        let sent = lab.take_sent();
        let mut pool: Vec<Vec<u8>> = Vec::new();
        for m in &sent {
            for status in [100, 180, 200, 401, 407, 486] {
                let mut r = reply(
                    m,
                    status,
                    &[("Contact", "<sip:bob@b.invalid>")],
                    Some("t"),
                    "v=0",
                );
                r.push_header("WWW-Authenticate", CHALLENGE);
                r.push_header("Proxy-Authenticate", CHALLENGE);
                pool.push(r.to_wire().into_bytes());
            }
        }
        pool.push(incoming::incoming_invite("z9hG4bKx").to_wire().into_bytes());
        mutations.feed(&mut lab, &pool, 20);
        let _ = lab.ua.hangup(call, lab.now);
        if round % 2 == 0 {
            lab.ua.transport_closed(lab.now);
        }
        lab.advance(100_000);
        lab.pump();
    }
}

#[path = "ua_call_tests.rs"]
mod calls;

#[path = "ua_incoming_tests.rs"]
mod incoming;

#[path = "ua_malformed_tests.rs"]
mod malformed;

#[path = "ua_transfer_tests.rs"]
mod transfer;
