//! The SIP user agent against a real Kamailio over WebSocket: registration with digest, a
//! wrong password, calls answered, busy, cancelled, unknown and unregistered users, INFO DTMF,
//! hold by re-INVITE, BYE from either side, and registering again after the socket drops.
//!
//! Needs a running Kamailio with the sip-lab configuration (`shared/reference/sip-lab`), so it
//! only runs when `SIP_KAMAILIO_WS=host:port` names its ws:// listener, e.g.
//! `kamailio -DD -E -f kamailio.cfg -A WS_PORT=8088 …` then
//! `SIP_KAMAILIO_WS=127.0.0.1:8088 cargo test --test sip_kamailio`.
//! A few lines of WebSocket client stand in for the browser: the point is the SIP.
#![cfg(not(target_arch = "wasm32"))]

use sfphone::sip::{
    Action, CallHandle, EndReason, RegistrationFailure, UaConfig, UaEvent, UserAgent,
};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A minimal RFC 6455 client: text frames out (masked), text frames in.
struct WebSocket {
    stream: TcpStream,
    pending: Vec<u8>,
}

impl WebSocket {
    fn connect(addr: &str) -> WebSocket {
        let mut stream = TcpStream::connect(addr).unwrap();
        write!(
            stream,
            "GET / HTTP/1.1\r\nHost: sip.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
             Sec-WebSocket-Protocol: sip\r\n\r\n"
        )
        .unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            stream.read_exact(&mut byte).unwrap();
            head.push(byte[0]);
        }
        assert!(
            head.starts_with(b"HTTP/1.1 101"),
            "{}",
            String::from_utf8_lossy(&head)
        );
        stream
            .set_read_timeout(Some(Duration::from_millis(10)))
            .unwrap();
        WebSocket {
            stream,
            pending: Vec::new(),
        }
    }

    fn send(&mut self, text: &str) {
        let payload = text.as_bytes();
        let mut frame = vec![0x81u8];
        if payload.len() < 126 {
            frame.push(0x80 | payload.len() as u8);
        } else {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        }
        let mask = [0x37u8, 0xfa, 0x21, 0x3d];
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.stream.write_all(&frame).unwrap();
    }

    fn receive(&mut self) -> Vec<Vec<u8>> {
        let mut chunk = [0u8; 65536];
        if let Ok(n) = self.stream.read(&mut chunk) {
            self.pending.extend_from_slice(&chunk[..n]);
        }
        let mut frames = Vec::new();
        while self.pending.len() >= 2 {
            let (mut len, mut start) = (usize::from(self.pending[1] & 0x7f), 2);
            if len == 126 {
                if self.pending.len() < 4 {
                    break;
                }
                len = usize::from(u16::from_be_bytes([self.pending[2], self.pending[3]]));
                start = 4;
            }
            if self.pending.len() < start + len {
                break;
            }
            let opcode = self.pending[0] & 0x0f;
            let payload = self.pending[start..start + len].to_vec();
            self.pending.drain(..start + len);
            if opcode == 1 || opcode == 2 {
                frames.push(payload);
            }
        }
        frames
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Behaviour {
    Manual,
    Answer,
    Busy,
}

struct Phone {
    addr: String,
    ua: UserAgent,
    ws: Option<WebSocket>,
    events: Vec<UaEvent>,
    behaviour: Behaviour,
}

impl Phone {
    fn new(addr: &str, user: &str, password: &str, behaviour: Behaviour) -> Phone {
        // A fresh seed each run: a reused Call-ID with a lower CSeq is refused by the registrar.
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
        let seed = seed ^ user.len() as u64 ^ (password.len() as u64) << 32;
        Phone {
            addr: addr.to_string(),
            ua: UserAgent::new(
                UaConfig::new(user, password, "sip.test"),
                sfphone::sip::context::Rng::new(seed),
            ),
            ws: None,
            events: Vec::new(),
            behaviour,
        }
    }

    fn step(&mut self, now: u64) {
        if let Some(ws) = self.ws.as_mut() {
            for frame in ws.receive() {
                self.ua.receive(&frame, now);
            }
        }
        if self.ua.next_deadline().is_some_and(|d| d <= now) {
            self.ua.tick(now);
        }
        for action in self.ua.take_actions() {
            match action {
                Action::Send(text) => self.ws.as_mut().unwrap().send(&text),
                Action::OpenTransport => {
                    self.ws = Some(WebSocket::connect(&self.addr));
                    self.ua.transport_opened(now);
                }
                Action::WakeAt(_) => {}
                Action::Event(event) => {
                    match (&event, self.behaviour) {
                        (UaEvent::IncomingCall { call, .. }, Behaviour::Answer) => {
                            self.ua.answer(*call, "v=0\r\no=callee\r\n", now).unwrap()
                        }
                        (UaEvent::IncomingCall { call, .. }, Behaviour::Busy) => {
                            self.ua.reject(*call, 486, now).unwrap()
                        }
                        (UaEvent::RemoteReoffer { call, .. }, _) => self
                            .ua
                            .answer_reoffer(*call, "v=0\r\na=recvonly\r\n", now)
                            .unwrap(),
                        _ => {}
                    }
                    self.events.push(event);
                }
            }
        }
    }

    fn saw(&self, want: impl Fn(&UaEvent) -> bool) -> bool {
        self.events.iter().any(want)
    }
}

struct Lab {
    start: Instant,
    phones: Vec<Phone>,
}

impl Lab {
    fn now(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    /// Runs every phone until `done` holds, or fails after a few seconds.
    fn until(&mut self, what: &str, done: impl Fn(&[Phone]) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(8);
        while !done(&self.phones) {
            assert!(Instant::now() < deadline, "timed out waiting for: {what}");
            let now = self.now();
            for phone in &mut self.phones {
                phone.step(now);
            }
        }
    }

    fn settle(&mut self, ms: u64) {
        let end = self.now() + ms;
        while self.now() < end {
            let now = self.now();
            for phone in &mut self.phones {
                phone.step(now);
            }
        }
    }

    fn call(&mut self, from: usize, to: &str) -> CallHandle {
        let now = self.now();
        self.phones[from].events.clear();
        self.phones[from]
            .ua
            .call(to, "v=0\r\no=caller\r\n", now)
            .unwrap()
    }
}

fn ended_with(reason: EndReason) -> impl Fn(&UaEvent) -> bool {
    move |e| matches!(e, UaEvent::Ended { reason: r, .. } if *r == reason)
}

const ALICE: usize = 0;
const BOB: usize = 1;
const CAROL: usize = 2;

#[test]
fn registers_and_calls_through_kamailio() {
    let Ok(addr) = std::env::var("SIP_KAMAILIO_WS") else {
        eprintln!("skipped: set SIP_KAMAILIO_WS=host:port of a sip-lab Kamailio ws:// listener");
        return;
    };
    let mut lab = Lab {
        start: Instant::now(),
        phones: vec![
            Phone::new(&addr, "alice", "alice-secret", Behaviour::Manual),
            Phone::new(&addr, "bob", "bob-secret", Behaviour::Answer),
            Phone::new(&addr, "carol", "carol-secret", Behaviour::Manual),
            Phone::new(&addr, "alice", "not-the-password", Behaviour::Manual),
        ],
    };
    let now = lab.now();
    for phone in &mut lab.phones {
        phone.ua.register(now);
    }
    lab.until("three registered, one refused", |p| {
        p[..3]
            .iter()
            .all(|p| p.saw(|e| matches!(e, UaEvent::Registered { .. })))
            && p[3].saw(|e| {
                matches!(
                    e,
                    UaEvent::RegistrationFailed {
                        reason: RegistrationFailure::WrongCredentials,
                        retry_at: None
                    }
                )
            })
    });
    lab.phones.pop();

    // alice → bob, answered; DTMF by INFO; hold; alice hangs up.
    let call = lab.call(ALICE, "bob");
    let connected = |e: &UaEvent| matches!(e, UaEvent::Connected { .. });
    lab.until("alice and bob connected", |p| {
        p[ALICE].saw(connected) && p[BOB].saw(connected)
    });
    let now = lab.now();
    for digit in "1234#".chars() {
        lab.phones[ALICE]
            .ua
            .send_dtmf(call, digit, 100, now)
            .unwrap();
    }
    lab.until("bob got five digits", |p| {
        p[BOB]
            .events
            .iter()
            .filter(|e| matches!(e, UaEvent::Dtmf { .. }))
            .count()
            == 5
    });
    let now = lab.now();
    lab.phones[ALICE]
        .ua
        .reoffer(call, "v=0\r\na=sendonly\r\n", now)
        .unwrap();
    lab.until("hold answered", |p| {
        p[ALICE].saw(|e| matches!(e, UaEvent::ReofferAnswered { .. }))
    });
    let now = lab.now();
    lab.phones[ALICE].ua.hangup(call, now).unwrap();
    lab.until("bob saw the BYE", |p| {
        p[BOB].saw(ended_with(EndReason::RemoteHangup))
    });

    // alice → carol, ringing, alice gives up: CANCEL.
    let call = lab.call(ALICE, "carol");
    lab.until("carol rings", |p| {
        p[ALICE].saw(|e| matches!(e, UaEvent::Ringing { .. }))
            && p[CAROL].saw(|e| matches!(e, UaEvent::IncomingCall { .. }))
    });
    let now = lab.now();
    lab.phones[ALICE].ua.hangup(call, now).unwrap();
    lab.until("carol saw the CANCEL", |p| {
        p[ALICE].saw(ended_with(EndReason::Cancelled))
            && p[CAROL].saw(ended_with(EndReason::CallerCancelled))
    });
    lab.settle(300);

    // Failures: unknown user, known but unregistered, busy.
    lab.call(ALICE, "nobody");
    lab.until("404", |p| p[ALICE].saw(ended_with(EndReason::NotFound)));
    lab.call(ALICE, "dave");
    lab.until("480", |p| p[ALICE].saw(ended_with(EndReason::Unavailable)));
    lab.phones[BOB].behaviour = Behaviour::Busy;
    lab.call(ALICE, "bob");
    lab.until("486", |p| p[ALICE].saw(ended_with(EndReason::Busy)));

    // bob → alice, answered; bob hangs up.
    lab.phones[ALICE].behaviour = Behaviour::Answer;
    lab.phones[ALICE].events.clear();
    let call = lab.call(BOB, "alice");
    lab.until("bob and alice connected", |p| {
        p[ALICE].saw(connected) && p[BOB].saw(connected)
    });
    let now = lab.now();
    lab.phones[BOB].ua.hangup(call, now).unwrap();
    lab.until("alice saw the BYE", |p| {
        p[ALICE].saw(ended_with(EndReason::RemoteHangup))
    });

    // The WebSocket drops: alice registers again on a new one after the back-off.
    let now = lab.now();
    let alice = &mut lab.phones[ALICE];
    alice.ws = None;
    alice.ua.transport_closed(now);
    alice.events.clear();
    lab.until("alice registered again", |p| {
        p[ALICE].saw(|e| matches!(e, UaEvent::Registered { .. }))
    });

    let now = lab.now();
    lab.phones[ALICE].ua.unregister(now);
    lab.until("alice unregistered", |p| {
        p[ALICE].saw(|e| matches!(e, UaEvent::Unregistered))
    });
}
