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

/// A small deterministic generator (SplitMix64) for tags, branches, Call-IDs and cnonces.
/// The glue seeds it from `crypto.getRandomValues`; these values need to be unique and
/// unguessable enough for SIP, not secret keys.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// `len` characters of `[a-z0-9]`.
    pub fn token(&mut self, len: usize) -> String {
        const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        (0..len)
            .map(|_| char::from(CHARS[(self.next_u64() % CHARS.len() as u64) as usize]))
            .collect()
    }
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
        420 => "Bad Extension",
        481 => "Call/Transaction Does Not Exist",
        486 => "Busy Here",
        487 => "Request Terminated",
        488 => "Not Acceptable Here",
        491 => "Request Pending",
        500 => "Server Internal Error",
        501 => "Not Implemented",
        603 => "Decline",
        _ => "Unknown",
    }
}

/// The methods we accept, for Allow headers.
pub const ALLOW: &str = "INVITE, ACK, CANCEL, BYE, INFO, OPTIONS";
