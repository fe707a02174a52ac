//! The user agent's configuration and the shared context its registration and calls build
//! messages with: identifiers, Via and Contact, responses, digest answers, and the outbox.

use super::digest::{self, Challenge};
use super::events::{CallHandle, UaEvent};
use super::header::NameAddr;
use super::message::{Header, Message};
use super::transaction::{Millis, TimerConfig};

/// Who the user agent is and how it talks.
#[derive(Clone, PartialEq, Eq)]
pub struct UaConfig {
    /// The user part of our address of record (`alice` in `sip:alice@sip.test`).
    pub username: String,
    /// The digest user name, when it differs from `username`.
    pub auth_username: Option<String>,
    pub password: String,
    /// The SIP domain (`sip.test`): our AOR's host and the registrar's Request-URI.
    pub domain: String,
    pub display_name: Option<String>,
    /// Seconds of registration we ask for.
    pub register_expires: u32,
    pub user_agent: String,
    /// `WSS` for wss://, `WS` for ws:// (RFC 7118 §5.2).
    pub via_transport: String,
    /// WebSocket is reliable: no retransmissions (RFC 3261 §17).
    pub reliable: bool,
    pub timers: TimerConfig,
    /// After this long without sending, a CRLF keep-alive goes out (RFC 5626 §4.4.1): proxies
    /// and NATs drop idle WebSockets, and a dead one is only noticed when something is sent.
    /// `None`: never.
    pub keepalive_ms: Option<u64>,
}

/// Everything but the password (a log line or a panic message must not carry it).
impl std::fmt::Debug for UaConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UaConfig")
            .field("username", &self.username)
            .field("auth_username", &self.auth_username)
            .field("password", &"<hidden>")
            .field("domain", &self.domain)
            .field("display_name", &self.display_name)
            .field("register_expires", &self.register_expires)
            .field("via_transport", &self.via_transport)
            .finish_non_exhaustive()
    }
}

impl UaConfig {
    pub fn new(username: &str, password: &str, domain: &str) -> UaConfig {
        UaConfig {
            username: username.to_string(),
            auth_username: None,
            password: password.to_string(),
            domain: domain.to_string(),
            display_name: None,
            register_expires: 600,
            user_agent: "PhoneForSalesforce".to_string(),
            via_transport: "WSS".to_string(),
            reliable: true,
            keepalive_ms: Some(25_000),
            timers: TimerConfig::default(),
        }
    }

    pub fn aor(&self) -> String {
        format!("sip:{}@{}", self.username, self.domain)
    }
}

/// The generator of our tags, branches, Call-IDs, cnonces and `.invalid` host: the ChaCha20
/// keystream (RFC 8439) of a 256-bit key from `crypto.getRandomValues`. Call-IDs are published
/// (`Task.CallObject`), so one value must not tell the next: a tag or branch an attacker could
/// predict would let them forge a CANCEL or BYE for our calls. Seeded, it is deterministic, as
/// the tests and the simulator need.
#[derive(Clone)]
pub struct Rng {
    key: [u32; 8],
    counter: u64,
    block: [u32; 16],
    used: usize,
}

impl std::fmt::Debug for Rng {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Rng(<key hidden>)")
    }
}

impl Rng {
    /// A generator from 32 random bytes.
    pub fn from_key(key: [u8; 32]) -> Rng {
        let mut words = [0u32; 8];
        for (word, bytes) in words.iter_mut().zip(key.chunks_exact(4)) {
            *word = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        }
        Rng {
            key: words,
            counter: 0,
            block: [0; 16],
            used: 16,
        }
    }

    /// A deterministic generator for tests and the simulator.
    pub fn new(seed: u64) -> Rng {
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&seed.to_le_bytes());
        Rng::from_key(key)
    }

    /// A generator of its own, keyed from this one's stream (each new agent gets one).
    pub fn fork(&mut self) -> Rng {
        let mut key = [0u8; 32];
        for chunk in key.chunks_exact_mut(8) {
            chunk.copy_from_slice(&self.next_u64().to_le_bytes());
        }
        Rng::from_key(key)
    }

    fn next_u32(&mut self) -> u32 {
        if self.used == 16 {
            let nonce = [(self.counter >> 32) as u32, 0, 0];
            self.block = chacha20_block(&self.key, self.counter as u32, &nonce);
            self.counter += 1;
            self.used = 0;
        }
        self.used += 1;
        self.block[self.used - 1]
    }

    pub fn next_u64(&mut self) -> u64 {
        u64::from(self.next_u32()) | (u64::from(self.next_u32()) << 32)
    }

    /// `len` characters of `[a-z0-9]`, each uniform (no modulo bias).
    pub fn token(&mut self, len: usize) -> String {
        const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        let mut out = String::with_capacity(len);
        while out.len() < len {
            // 252 = 7 × 36: bytes above it are thrown away.
            for byte in self.next_u32().to_le_bytes() {
                if byte < 252 && out.len() < len {
                    out.push(char::from(CHARS[usize::from(byte) % CHARS.len()]));
                }
            }
        }
        out
    }
}

/// The ChaCha20 block function (RFC 8439 §2.3).
pub fn chacha20_block(key: &[u32; 8], counter: u32, nonce: &[u32; 3]) -> [u32; 16] {
    let mut state = [0u32; 16];
    state[..4].copy_from_slice(&[0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574]);
    state[4..12].copy_from_slice(key);
    state[12] = counter;
    state[13..].copy_from_slice(nonce);
    let mut working = state;
    fn quarter(s: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
        s[a] = s[a].wrapping_add(s[b]);
        s[d] = (s[d] ^ s[a]).rotate_left(16);
        s[c] = s[c].wrapping_add(s[d]);
        s[b] = (s[b] ^ s[c]).rotate_left(12);
        s[a] = s[a].wrapping_add(s[b]);
        s[d] = (s[d] ^ s[a]).rotate_left(8);
        s[c] = s[c].wrapping_add(s[d]);
        s[b] = (s[b] ^ s[c]).rotate_left(7);
    }
    for _ in 0..10 {
        quarter(&mut working, 0, 4, 8, 12);
        quarter(&mut working, 1, 5, 9, 13);
        quarter(&mut working, 2, 6, 10, 14);
        quarter(&mut working, 3, 7, 11, 15);
        quarter(&mut working, 0, 5, 10, 15);
        quarter(&mut working, 1, 6, 11, 12);
        quarter(&mut working, 2, 7, 8, 13);
        quarter(&mut working, 3, 4, 9, 14);
    }
    for (w, s) in working.iter_mut().zip(state) {
        *w = w.wrapping_add(s);
    }
    working
}

/// Which part of the user agent waits for a client transaction's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Registration,
    Call(CallHandle),
}

/// What registration and calls hand back to the user agent to carry out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Out {
    /// Start a client transaction for this request (Via already on top).
    Request(Message, Owner),
    /// A response to a request we received: goes through its server transaction.
    Respond(Message),
    /// Sent outside any transaction: the ACK for a 2xx, our 2xx retransmissions.
    Send(Message),
    OpenTransport,
    Event(UaEvent),
}

pub struct Ctx<'a> {
    pub config: &'a UaConfig,
    pub rng: &'a mut Rng,
    /// The realm our registrar challenged us in: the only one (besides our SIP domain) our
    /// credentials answer later, so a far end's 401 to our INVITE does not get them.
    pub realm: &'a mut Option<String>,
    /// Our random `.invalid` host (RFC 7118 §5): the browser has no reachable address.
    pub host: &'a str,
    pub contact_user: &'a str,
    pub connected: bool,
    pub now: Millis,
    pub out: Vec<Out>,
}

impl Ctx<'_> {
    pub fn tag(&mut self) -> String {
        self.rng.token(10)
    }

    pub fn call_id(&mut self) -> String {
        format!("{}@{}", self.rng.token(20), self.host)
    }

    /// A new top Via with an RFC 3261 magic-cookie branch.
    pub fn via(&mut self) -> String {
        format!(
            "SIP/2.0/{} {};branch=z9hG4bK{}",
            self.config.via_transport,
            self.host,
            self.rng.token(16)
        )
    }

    /// Our Contact: `;transport=ws` so proxies know how to reach us, `ob` (RFC 5626) so they
    /// send in-dialog requests back over this same connection.
    pub fn contact(&self) -> String {
        format!("<sip:{}@{};transport=ws;ob>", self.contact_user, self.host)
    }

    /// Our From/To address with the configured display name.
    pub fn local_addr(&self) -> NameAddr {
        NameAddr {
            display: self.config.display_name.clone(),
            uri: self.config.aor(),
            params: Vec::new(),
        }
    }

    /// Puts a fresh Via on top and the User-Agent on, then hands the request out.
    pub fn send_request(&mut self, mut request: Message, owner: Owner) -> Message {
        request.remove_header("Via");
        let via = self.via();
        request.headers.insert(
            0,
            Header {
                name: "Via".to_string(),
                value: via,
            },
        );
        if request.header("User-Agent").is_none() {
            request.push_header("User-Agent", self.config.user_agent.clone());
        }
        self.out.push(Out::Request(request.clone(), owner));
        request
    }

    pub fn event(&mut self, event: UaEvent) {
        self.out.push(Out::Event(event));
    }

    /// Sends a response to `request` (RFC 3261 §8.2.6): Vias, From, Call-ID and CSeq copied;
    /// our tag added to To unless it carries one.
    pub fn respond(&mut self, request: &Message, status: u16, to_tag: Option<&str>) -> Message {
        let response = response_to(request, status, to_tag);
        self.out.push(Out::Respond(response.clone()));
        response
    }

    /// The same request again with credentials for `challenge_response` (401/407) and the
    /// next CSeq, or `None` when we must give up: no usable challenge, or the server rejected
    /// an answer to this very nonce (our password is wrong) and does not say it went stale.
    pub fn answer_challenge(
        &mut self,
        request: &Message,
        challenge_response: &Message,
        answered_nonces: &mut Vec<String>,
    ) -> Option<Message> {
        let from_registrar = request.method() == Some(&super::message::Method::Register);
        let (ask, answer) = match challenge_response.status()? {
            401 => ("WWW-Authenticate", "Authorization"),
            407 => ("Proxy-Authenticate", "Proxy-Authorization"),
            _ => return None,
        };
        let challenge = challenge_response
            .header_values(ask)
            .into_iter()
            .filter_map(Challenge::parse)
            .filter(|c| {
                from_registrar
                    || c.realm == self.config.domain
                    || self.realm.as_deref() == Some(c.realm.as_str())
            })
            .max_by_key(|c| c.algorithm == digest::Algorithm::Sha256)?;
        if from_registrar {
            *self.realm = Some(challenge.realm.clone());
        }
        if answered_nonces.contains(&challenge.nonce) && !challenge.stale {
            return None;
        }
        // Three rounds is far more than any honest server needs; more means a loop.
        if answered_nonces.len() >= 3 {
            return None;
        }
        let cnonce = self.rng.token(16);
        let method = request.method()?.as_str().to_string();
        let uri = request.request_uri()?.to_string();
        let value = digest::authorization(
            &challenge,
            &digest::Answer {
                username: self
                    .config
                    .auth_username
                    .as_deref()
                    .unwrap_or(&self.config.username),
                password: &self.config.password,
                method: &method,
                uri: &uri,
                cnonce: &cnonce,
                nc: 1,
            },
        )?;
        answered_nonces.push(challenge.nonce);
        let mut retry = request.clone();
        retry.remove_header(answer);
        retry.push_header(answer, value);
        let cseq = request.cseq()?;
        retry.set_header("CSeq", format!("{} {}", cseq.seq + 1, cseq.method.as_str()));
        Some(retry)
    }
}

/// A response to `request` with its dialog-identifying headers copied (RFC 3261 §8.2.6).
pub fn response_to(request: &Message, status: u16, to_tag: Option<&str>) -> Message {
    let mut r = Message::response(status, reason_phrase(status));
    for via in request.header_values("Via") {
        r.push_header("Via", via);
    }
    if let Some(from) = request.header("From") {
        r.push_header("From", from);
    }
    if let Some(to) = request.header("To") {
        let to = match (request.to(), to_tag) {
            (Some(mut addr), Some(tag)) if addr.tag().is_none() => {
                addr.set_param("tag", Some(tag.to_string()));
                addr.to_string()
            }
            _ => to.to_string(),
        };
        r.push_header("To", to);
    }
    for name in ["Call-ID", "CSeq"] {
        if let Some(v) = request.header(name) {
            r.push_header(name, v);
        }
    }
    r
}

pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Trying",
        180 => "Ringing",
        183 => "Session Progress",
        200 => "OK",
        400 => "Bad Request",
        405 => "Method Not Allowed",
        415 => "Unsupported Media Type",
        416 => "Unsupported URI Scheme",
        420 => "Bad Extension",
        481 => "Call/Transaction Does Not Exist",
        486 => "Busy Here",
        487 => "Request Terminated",
        488 => "Not Acceptable Here",
        491 => "Request Pending",
        500 => "Server Internal Error",
        501 => "Not Implemented",
        505 => "Version Not Supported",
        513 => "Message Too Large",
        603 => "Decline",
        _ => "Unknown",
    }
}

/// The methods we accept, for Allow headers. NOTIFY only reports on our own REFERs; REFER
/// itself is absent, as we transfer calls but are never the one transferred.
pub const ALLOW: &str = "INVITE, ACK, CANCEL, BYE, INFO, OPTIONS, NOTIFY";

#[cfg(test)]
mod rng_tests {
    use super::*;

    #[test]
    fn the_block_function_is_rfc_8439s() {
        // RFC 8439 §2.3.2.
        let key: [u32; 8] = std::array::from_fn(|i| {
            let b = (i * 4) as u32;
            b | (b + 1) << 8 | (b + 2) << 16 | (b + 3) << 24
        });
        let block = chacha20_block(&key, 1, &[0x0900_0000, 0x4a00_0000, 0]);
        assert_eq!(
            block,
            [
                0xe4e7_f110,
                0x1559_3bd1,
                0x1fdd_0f50,
                0xc471_20a3,
                0xc7f4_d1c7,
                0x0368_c033,
                0x9aaa_2204,
                0x4e6c_d4c3,
                0x4664_82d2,
                0x09aa_9f07,
                0x05d7_c214,
                0xa202_8bd9,
                0xd19c_12b5,
                0xb94e_16de,
                0xe883_d0cb,
                0x4e3c_50a2,
            ]
        );
    }

    #[test]
    fn tokens_are_uniform_over_their_alphabet_and_differ_by_key() {
        let mut rng = Rng::new(7);
        let text = rng.token(36_000);
        let mut counts = std::collections::BTreeMap::new();
        for c in text.chars() {
            *counts.entry(c).or_insert(0u32) += 1;
        }
        assert_eq!(counts.len(), 36);
        // 1,000 expected each; 5 standard deviations is about ±160.
        assert!(
            counts.values().all(|n| (840..=1160).contains(n)),
            "{counts:?}"
        );
        assert_ne!(Rng::new(7).token(16), Rng::new(8).token(16));
        assert_eq!(
            Rng::new(7).token(16),
            Rng::new(7).token(16),
            "seeded: it replays"
        );
        let mut parent = Rng::new(7);
        assert_ne!(parent.fork().token(16), parent.fork().token(16));
    }
}
