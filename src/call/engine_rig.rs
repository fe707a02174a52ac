//! The rig the engine's tests drive it with: the real SIP agent, a scripted server and far
//! end, a fake clock; no WebSocket, no WebRTC, no timers.

use super::*;
use crate::call::settings::{DtmfMode, PhoneSettings, Ringing};
pub use crate::sip::context::response_to;
pub use crate::sip::Message;

pub const OFFER: &str = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\na=sendrecv\r\n";
pub const WALL: u64 = 1_700_000_000_000;

pub struct Rig {
    pub engine: Engine,
    pub now: u64,
    pub sent: Vec<Message>,
    pub effects: Vec<Effect>,
    /// The INVITE of our call, once sent (`dial`).
    pub invite: Option<Message>,
}

impl Rig {
    /// A registered line whose digits go as `dtmf` says, its effects forgotten.
    pub fn registered_with(dtmf: DtmfMode) -> Rig {
        let mut rig = Rig::configured(dtmf, Ringing::default()).registered();
        rig.effects.clear();
        rig.take_sent();
        rig
    }

    pub fn new() -> Rig {
        Rig::with(Ringing::default())
    }

    pub fn with(ringing: Ringing) -> Rig {
        Rig::configured(DtmfMode::Info, ringing)
    }

    /// A line (not registered yet: `registered`) whose digits go as `dtmf` says.
    pub fn configured(dtmf: DtmfMode, ringing: Ringing) -> Rig {
        let mut rig = Rig {
            engine: Engine::new(7),
            now: 1_000,
            sent: vec![],
            effects: vec![],
            invite: None,
        };
        rig.feed(Input::Settings(PhoneSettings {
            dtmf,
            ringing,
            ..Rig::account()
        }));
        assert!(rig.took(|e| *e == Effect::OpenTransport));
        rig.feed(Input::TransportOpened);
        rig
    }

    fn account() -> PhoneSettings {
        PhoneSettings {
            websocket_url: "wss://pbx.example.com/ws".into(),
            sip_uri: "sip:1001@sip.test".into(),
            password: "secret".into(),
            ..PhoneSettings::default()
        }
    }

    /// The settings the engine runs with now.
    pub fn settings(&self) -> PhoneSettings {
        self.engine.settings.clone().expect("configured")
    }

    pub fn feed(&mut self, input: Input) {
        let effects = self.engine.handle(input, self.now, WALL + self.now);
        for effect in &effects {
            if let Effect::Send(text) = effect {
                if text.trim().is_empty() {
                    continue;
                }
                self.sent
                    .push(Message::parse(text.as_bytes()).expect("we send SIP"));
            }
        }
        self.effects.extend(effects);
    }

    /// Whether an effect matching `f` came out since the last look (and forgets them all).
    pub fn took(&mut self, f: impl Fn(&Effect) -> bool) -> bool {
        std::mem::take(&mut self.effects).iter().any(f)
    }

    pub fn take_sent(&mut self) -> Vec<Message> {
        std::mem::take(&mut self.sent)
    }

    pub fn sent_method(&mut self, method: &str) -> Option<Message> {
        self.take_sent().into_iter().find(|m| {
            m.cseq()
                .is_some_and(|c| format!("{:?}", c.method).eq_ignore_ascii_case(method))
                && m.status().is_none()
        })
    }

    pub fn registered(mut self) -> Rig {
        let register = self.sent_method("register").expect("a REGISTER");
        self.reply(&register, 200, &[("Expires", "600")]);
        assert_eq!(self.engine.state.line, LineState::Registered);
        self
    }

    pub fn reply(&mut self, request: &Message, status: u16, headers: &[(&str, &str)]) {
        let mut r = response_to(request, status, Some("srv"));
        for (k, v) in headers {
            r.push_header(k, *v);
        }
        self.feed(Input::Received(r.to_wire().into()));
    }

    pub fn advance(&mut self, ms: u64) {
        let target = self.now + ms;
        while let Some(at) = self.engine.next_wake().filter(|at| *at <= target) {
            self.now = self.now.max(at);
            self.feed(Input::Tick);
        }
        self.now = target;
    }

    /// The 486 Busy Here we sent since the last look (the rest is forgotten), for this call.
    pub fn busy_sent(&mut self, call_id: &str) -> Option<Message> {
        self.take_sent()
            .into_iter()
            .find(|m| m.status() == Some(486) && m.header("Call-ID") == Some(call_id))
    }

    pub fn invite_from(&mut self, call_id: &str) {
        self.feed(Input::Received(invite(
            call_id,
            "application/sdp",
            OFFER.as_bytes(),
        )));
    }

    pub fn reports(effects: &[Effect]) -> Vec<(u64, Vec<String>)> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::Report { seq, ended, .. } => {
                    Some((*seq, ended.iter().map(|c| c.call_id.clone()).collect()))
                }
                _ => None,
            })
            .collect()
    }

    /// The requests of `method` sent since the last look (the rest is forgotten).
    pub fn requests(&mut self, method: &str) -> Vec<Message> {
        std::mem::take(&mut self.sent)
            .into_iter()
            .filter(|m| {
                m.status().is_none()
                    && m.cseq()
                        .is_some_and(|c| format!("{:?}", c.method).eq_ignore_ascii_case(method))
            })
            .collect()
    }

    /// The digits sent by SIP INFO since the last look, in order, each INFO answered 200.
    pub fn info_digits(&mut self) -> String {
        let mut digits = String::new();
        loop {
            let infos = self.requests("INFO");
            if infos.is_empty() {
                return digits;
            }
            for info in infos {
                assert_eq!(info.header("Content-Type"), Some("application/dtmf-relay"));
                let body = String::from_utf8(info.body.clone()).expect("a text body");
                let signal = body
                    .lines()
                    .find_map(|l| l.strip_prefix("Signal="))
                    .expect("Signal=");
                assert!(body.contains("Duration="), "{body}");
                digits.push_str(signal.trim());
                self.reply(&info, 200, &[]);
            }
        }
    }

    /// The digits sent in the media since the last look, one string per `SendDtmf`.
    pub fn media_digits(&mut self) -> Vec<String> {
        std::mem::take(&mut self.effects)
            .into_iter()
            .filter_map(|e| match e {
                Effect::SendDtmf { digits, .. } => Some(digits),
                _ => None,
            })
            .collect()
    }

    /// Dials `number`: the media is ready, the INVITE goes, the far end rings.
    pub fn dial(&mut self, number: &str) {
        self.feed(Input::Command(PhoneCommand::Dial {
            number: number.into(),
            dial_id: Some("dial-1".into()),
        }));
        self.feed(Input::MediaReady {
            call: DIALLING,
            sdp: OFFER.into(),
        });
        let invite = self.requests("INVITE").pop().expect("the INVITE");
        self.reply(&invite, 180, &[("Contact", "<sip:far@f4r.invalid>")]);
        self.invite = Some(invite);
    }

    /// The far end answers.
    pub fn answer(&mut self) {
        let invite = self.invite.clone().expect("dialled");
        let mut ok = response_to(&invite, 200, Some("far"));
        ok.push_header("Contact", "<sip:far@f4r.invalid>");
        ok.push_header("Content-Type", "application/sdp");
        ok.body = OFFER.into();
        self.feed(Input::Received(ok.to_wire().into()));
        assert_eq!(
            self.engine.state.live_call().unwrap().phase,
            CallPhase::Connected
        );
    }
}

/// An incoming INVITE as the proxy sends it, with `body` (octets) of `content_type`.
pub fn invite(call_id: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut invite = format!(
        "INVITE sip:1001@abc.invalid;transport=ws SIP/2.0\r\n\
         Via: SIP/2.0/WSS 127.0.0.1:8088;branch=z9hG4bK{call_id}\r\n\
         Max-Forwards: 69\r\n\
         From: \"Bob\" <sip:0312345678@sip.test>;tag=bob{call_id}\r\n\
         To: <sip:1001@sip.test>\r\n\
         Call-ID: {call_id}\r\n\
         CSeq: 9 INVITE\r\n\
         Contact: <sip:bob@b0b.invalid;transport=ws>\r\n\
         Content-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    invite.extend_from_slice(body);
    invite
}

pub fn dial(number: &str) -> Input {
    Input::Command(PhoneCommand::Dial {
        number: number.into(),
        dial_id: Some("dial-1".into()),
    })
}

impl Rig {
    /// The tones asked for since the last look, in order (and forgets every effect).
    pub fn tones(&mut self) -> Vec<Tone> {
        std::mem::take(&mut self.effects)
            .into_iter()
            .filter_map(|e| match e {
                Effect::Tone(t) => Some(t),
                _ => None,
            })
            .collect()
    }
}
