//! SIP messages (RFC 3261 §7): bytes to requests and responses and back.
//!
//! Over WebSocket (RFC 7118) every frame carries exactly one whole message, so the parser takes a
//! complete buffer; it never panics on hostile input and never allocates more than the input.
//! The header section is text; the body is octets (`Vec<u8>`), whatever its Content-Type.
//!
//! `parse` refuses what the grammar refuses in the start line and in every header we read, and
//! says which (`ParseError::answer` turns that into the 400 / 505 a UAS sends). `parse_lenient`
//! reads the same bytes as far as they go, so that such a request can still be answered.

use std::borrow::Cow;

use super::grammar::{is_call_id, is_token_byte, is_uri, split_list};
use super::header::{canonical_name, is_list_header, same_name, CSeq, NameAddr, Via};

/// A request method. Unknown extension methods are kept by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    Invite,
    Ack,
    Bye,
    Cancel,
    Register,
    Options,
    Info,
    Update,
    Prack,
    Subscribe,
    Notify,
    Refer,
    Message,
    Other(String),
}

const METHODS: &[(Method, &str)] = &[
    (Method::Invite, "INVITE"),
    (Method::Ack, "ACK"),
    (Method::Bye, "BYE"),
    (Method::Cancel, "CANCEL"),
    (Method::Register, "REGISTER"),
    (Method::Options, "OPTIONS"),
    (Method::Info, "INFO"),
    (Method::Update, "UPDATE"),
    (Method::Prack, "PRACK"),
    (Method::Subscribe, "SUBSCRIBE"),
    (Method::Notify, "NOTIFY"),
    (Method::Refer, "REFER"),
    (Method::Message, "MESSAGE"),
];

impl Method {
    /// Method names are case-sensitive tokens (RFC 3261 §7.1); `None` for anything else.
    pub fn parse(text: &str) -> Option<Method> {
        if text.is_empty() || !text.bytes().all(is_token_byte) {
            return None;
        }
        Some(
            METHODS
                .iter()
                .find(|(_, name)| *name == text)
                .map(|(m, _)| m.clone())
                .unwrap_or_else(|| Method::Other(text.to_string())),
        )
    }

    pub fn as_str(&self) -> &str {
        match self {
            Method::Other(name) => name,
            known => METHODS
                .iter()
                .find(|(m, _)| m == known)
                .map(|(_, name)| *name)
                .unwrap_or("UNKNOWN"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartLine {
    Request { method: Method, uri: String },
    Response { status: u16, reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Canonical spelling (see `header::canonical_name`).
    pub name: String,
    /// Unfolded (each continuation joined with one space) and trimmed; otherwise as received.
    pub value: String,
}

/// A parsed SIP message. Content-Length is not stored: it is derived from the body when
/// serialising, so the two can never disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub start: StartLine,
    pub headers: Vec<Header>,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    /// Only blank lines: a keep-alive (RFC 5626 §4.4.1), not an error for the transport.
    Empty,
    /// The header section is not UTF-8 (the body may be anything).
    NotUtf8,
    /// No blank line ends the header section.
    NoHeaderEnd,
    /// A header section over `MAX_HEAD`.
    TooLarge,
    BadStartLine,
    /// A well-formed `SIP/x.y` other than 2.0.
    VersionNotSupported,
    /// A Request-URI that is no URI (`<sip:…>` in angle brackets, spaces, a bare word).
    BadRequestUri,
    /// A header line without a name and colon, with control characters, or a continuation
    /// line with nothing to continue.
    BadHeaderLine,
    /// A header we read does not follow its grammar, or is repeated where it must be single.
    BadHeader(&'static str),
    BadContentLength,
    /// Content-Length says more bytes than the frame holds.
    Truncated,
    /// A request whose CSeq names another method (RFC 3261 §8.1.1.5).
    CSeqMismatch,
}

impl ParseError {
    /// The status and reason phrase a UAS answers a request refused this way with (RFC 3261
    /// §8.2, §21), or `None` where no answer is possible: nothing (or no start line) to answer.
    pub fn answer(self) -> Option<(u16, String)> {
        let (status, reason) = match self {
            ParseError::Empty | ParseError::NoHeaderEnd | ParseError::BadStartLine => return None,
            ParseError::NotUtf8 => (400, "Bad Request: Invalid UTF-8".to_string()),
            ParseError::TooLarge => (513, "Message Too Large".to_string()),
            ParseError::VersionNotSupported => (505, "Version Not Supported".to_string()),
            ParseError::BadRequestUri => (400, "Bad Request-URI".to_string()),
            ParseError::BadHeaderLine => (400, "Bad Header Line".to_string()),
            ParseError::BadHeader(name) => (400, format!("Bad {name}")),
            ParseError::BadContentLength | ParseError::Truncated => {
                (400, "Bad Content-Length".to_string())
            }
            ParseError::CSeqMismatch => (400, "Bad CSeq: Method Mismatch".to_string()),
        };
        Some((status, reason))
    }
}

/// Most we accept in a header section; real messages are a few KB and a bound keeps hostile
/// frames cheap.
pub const MAX_HEAD: usize = 64 * 1024;

/// The headers whose grammar `parse` checks: the ones the transaction, dialog and call layers
/// read. Others are carried as text.
const CHECKED: &[&str] = &[
    "Via",
    "From",
    "To",
    "Call-ID",
    "CSeq",
    "Max-Forwards",
    "Contact",
    "Record-Route",
];

/// Headers a message may carry once only (RFC 3261 §7.3.1: only lists may repeat).
const SINGLE: &[&str] = &["From", "To", "Call-ID", "CSeq", "Max-Forwards"];

/// What every request must carry (RFC 3261 §8.1.1) for us to handle it.
const MANDATORY: &[&str] = &["Via", "From", "To", "Call-ID", "CSeq"];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Strict,
    Lenient,
}

impl Message {
    pub fn request(method: Method, uri: impl Into<String>) -> Message {
        Message {
            start: StartLine::Request {
                method,
                uri: uri.into(),
            },
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn response(status: u16, reason: impl Into<String>) -> Message {
        Message {
            start: StartLine::Response {
                status,
                reason: reason.into(),
            },
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// One message, checked against the grammar of its start line and of the headers we read.
    pub fn parse(bytes: &[u8]) -> Result<Message, ParseError> {
        let message = frame(bytes, Mode::Strict)?;
        message.check()?;
        Ok(message)
    }

    /// The same bytes read as far as they go, for answering a request `parse` refused: any
    /// SIP version, the head decoded lossily, header lines that are not headers skipped, a
    /// wrong Content-Length ignored, no header grammar checked. Never for acting on.
    pub fn parse_lenient(bytes: &[u8]) -> Result<Message, ParseError> {
        frame(bytes, Mode::Lenient)
    }

    fn check(&self) -> Result<(), ParseError> {
        if let StartLine::Request { uri, .. } = &self.start {
            if !is_uri(uri) {
                return Err(ParseError::BadRequestUri);
            }
        }
        for name in CHECKED {
            let mut lines = self.headers.iter().filter(|h| h.name == *name);
            let count = lines.clone().count();
            let ok = (count <= 1 || !SINGLE.contains(name))
                && lines.all(|h| header_follows_grammar(name, &h.value));
            if !ok {
                return Err(ParseError::BadHeader(name));
            }
        }
        if let (Some(method), Some(cseq)) = (self.method(), self.cseq()) {
            if *method != cseq.method {
                return Err(ParseError::CSeqMismatch);
            }
        }
        Ok(())
    }

    /// The first header every request needs (RFC 3261 §8.1.1) that this one lacks.
    pub fn missing_header(&self) -> Option<&'static str> {
        MANDATORY
            .iter()
            .find(|name| self.header_values(name).is_empty())
            .copied()
    }

    pub fn is_request(&self) -> bool {
        matches!(self.start, StartLine::Request { .. })
    }

    pub fn method(&self) -> Option<&Method> {
        match &self.start {
            StartLine::Request { method, .. } => Some(method),
            StartLine::Response { .. } => None,
        }
    }

    pub fn request_uri(&self) -> Option<&str> {
        match &self.start {
            StartLine::Request { uri, .. } => Some(uri),
            StartLine::Response { .. } => None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match &self.start {
            StartLine::Response { status, .. } => Some(*status),
            StartLine::Request { .. } => None,
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match &self.start {
            StartLine::Response { reason, .. } => Some(reason),
            StartLine::Request { .. } => None,
        }
    }

    /// The body as text, when it is UTF-8 (SDP, DTMF relay, and everything we send are).
    pub fn body_text(&self) -> Option<&str> {
        std::str::from_utf8(&self.body).ok()
    }

    /// The first value of a header (compact forms match their long names).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| same_name(&h.name, name))
            .map(|h| h.value.as_str())
    }

    /// Every value of a header, across repeated lines and, for list headers, comma lists.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        let split = is_list_header(name);
        let mut out = Vec::new();
        for h in self.headers.iter().filter(|h| same_name(&h.name, name)) {
            if split {
                out.extend(split_list(&h.value));
            } else if !h.value.is_empty() {
                out.push(h.value.as_str());
            }
        }
        out
    }

    pub fn push_header(&mut self, name: &str, value: impl Into<String>) {
        self.headers.push(Header {
            name: canonical_name(name),
            value: value.into(),
        });
    }

    pub fn set_header(&mut self, name: &str, value: impl Into<String>) {
        self.remove_header(name);
        self.push_header(name, value);
    }

    pub fn remove_header(&mut self, name: &str) {
        self.headers.retain(|h| !same_name(&h.name, name));
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Message {
        self.push_header(name, value);
        self
    }

    pub fn call_id(&self) -> Option<&str> {
        self.header("Call-ID")
    }

    pub fn cseq(&self) -> Option<CSeq> {
        self.header("CSeq").and_then(CSeq::parse)
    }

    pub fn from(&self) -> Option<NameAddr> {
        self.header("From").and_then(NameAddr::parse)
    }

    pub fn to(&self) -> Option<NameAddr> {
        self.header("To").and_then(NameAddr::parse)
    }

    pub fn top_via(&self) -> Option<Via> {
        self.header_values("Via")
            .first()
            .and_then(|v| Via::parse(v))
    }

    /// The exact wire form: CRLF line ends and a Content-Length that matches the body.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = String::with_capacity(256);
        match &self.start {
            StartLine::Request { method, uri } => {
                out.push_str(method.as_str());
                out.push(' ');
                out.push_str(uri);
                out.push_str(" SIP/2.0\r\n");
            }
            StartLine::Response { status, reason } => {
                out.push_str(&format!("SIP/2.0 {status} {reason}\r\n"));
            }
        }
        for h in &self.headers {
            out.push_str(&h.name);
            out.push_str(": ");
            out.push_str(&h.value);
            out.push_str("\r\n");
        }
        out.push_str(&format!("Content-Length: {}\r\n\r\n", self.body.len()));
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }

    /// The wire form as text, for a WebSocket text frame. Every body we send is text (SDP
    /// from WebRTC, DTMF relay), so this is `to_bytes` exactly; a binary body (only ever one
    /// received) would come out with U+FFFD in place of bytes that are not UTF-8.
    pub fn to_wire(&self) -> String {
        match String::from_utf8(self.to_bytes()) {
            Ok(text) => text,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }
    }
}

/// Whether one line's value of a header in `CHECKED` follows its grammar (RFC 3261 §25.1).
fn header_follows_grammar(name: &str, value: &str) -> bool {
    let addresses = |value: &str| {
        let items = split_list(value);
        !items.is_empty()
            && items
                .iter()
                .all(|v| NameAddr::parse(v).is_some_and(|a| a.uri != "*"))
    };
    match name {
        "Via" => {
            let items = split_list(value);
            !items.is_empty() && items.iter().all(|v| Via::parse(v).is_some())
        }
        "From" | "To" => NameAddr::parse(value).is_some_and(|a| a.uri != "*"),
        "Call-ID" => is_call_id(value),
        "CSeq" => CSeq::parse(value).is_some(),
        "Max-Forwards" => value.bytes().all(|b| b.is_ascii_digit()) && value.parse::<u8>().is_ok(),
        // `*` alone (a REGISTER removing every binding), or a list of addresses.
        "Contact" => value == "*" || addresses(value),
        // `rec-route = name-addr *( SEMI rr-param )`: angle brackets always (§25.1), or a
        // proxy's `;lr` would be read as the URI's parameter.
        "Record-Route" => {
            addresses(value) && split_list(value).iter().all(|item| item.contains('<'))
        }
        _ => addresses(value),
    }
}

/// Control characters other than HTAB have no place in a header line (§25.1: they are in no
/// rule's alphabet) and would break the headers we copy into our answers.
fn has_control(line: &str) -> bool {
    line.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f)
}

fn frame(bytes: &[u8], mode: Mode) -> Result<Message, ParseError> {
    let strict = mode == Mode::Strict;
    // Leading CRLFs are skipped (RFC 3261 §7.5) and a frame of nothing else is a keep-alive.
    let start = bytes
        .iter()
        .position(|b| *b != b'\r' && *b != b'\n')
        .ok_or(ParseError::Empty)?;
    let bytes = &bytes[start..];
    let (head_len, body_start) = find_head_end(bytes).ok_or(ParseError::NoHeaderEnd)?;
    if strict && head_len > MAX_HEAD {
        return Err(ParseError::TooLarge);
    }
    let head = match std::str::from_utf8(&bytes[..head_len]) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) if strict => return Err(ParseError::NotUtf8),
        Err(_) => String::from_utf8_lossy(&bytes[..head_len]),
    };
    let mut lines = head.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let first = lines.next().ok_or(ParseError::BadStartLine)?;
    let start = parse_start_line(first, mode)?;

    let mut headers: Vec<Header> = Vec::new();
    // Whether the last line was a header kept: a continuation of a skipped line is skipped.
    let mut continuing = false;
    for line in lines {
        let fault = if has_control(line) {
            Some(ParseError::BadHeaderLine)
        } else if line.starts_with([' ', '\t']) {
            // Folded continuation (RFC 3261 §7.3.1): joins the previous header with one space.
            match headers.last_mut().filter(|_| continuing) {
                Some(last) => {
                    let more = line.trim_matches([' ', '\t']);
                    if !more.is_empty() {
                        if !last.value.is_empty() {
                            last.value.push(' ');
                        }
                        last.value.push_str(more);
                    }
                    None
                }
                None => Some(ParseError::BadHeaderLine),
            }
        } else {
            // `header-name HCOLON value`: HCOLON allows SP / HTAB before the colon.
            match line.split_once(':') {
                Some((name, value)) => {
                    let name = name.trim_end_matches([' ', '\t']);
                    if name.is_empty() || !name.bytes().all(is_token_byte) {
                        Some(ParseError::BadHeaderLine)
                    } else {
                        headers.push(Header {
                            name: canonical_name(name),
                            value: value.trim_matches([' ', '\t']).to_string(),
                        });
                        None
                    }
                }
                None => Some(ParseError::BadHeaderLine),
            }
        };
        match fault {
            Some(e) if strict => return Err(e),
            Some(_) => continuing = false,
            None => continuing = true,
        }
    }

    let rest = &bytes[body_start..];
    let mut length = None;
    for h in headers.iter().filter(|h| h.name == "Content-Length") {
        let n = Some(h.value.as_str())
            .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|v| v.parse::<usize>().ok());
        match n {
            Some(n) if length.is_none_or(|l| l == n) => length = Some(n),
            _ if strict => return Err(ParseError::BadContentLength),
            _ => {}
        }
    }
    headers.retain(|h| h.name != "Content-Length");
    let body = match length {
        Some(n) if n > rest.len() && strict => return Err(ParseError::Truncated),
        Some(n) if n <= rest.len() => &rest[..n],
        _ => rest,
    };
    Ok(Message {
        start,
        headers,
        body: body.to_vec(),
    })
}

/// Where the header section ends: (length of the head without its blank line, body offset).
/// Accepts bare LF line ends too, which some test tools send.
fn find_head_end(bytes: &[u8]) -> Option<(usize, usize)> {
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\n' {
            let line_end = if i > 0 && bytes[i - 1] == b'\r' {
                i - 1
            } else {
                i
            };
            match bytes.get(i + 1) {
                Some(b'\n') => return Some((line_end, i + 2)),
                Some(b'\r') if bytes.get(i + 2) == Some(&b'\n') => return Some((line_end, i + 3)),
                _ => {}
            }
        }
        i += 1;
    }
    None
}

/// `SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT`, case-insensitive (§7.1): `Some(true)` for
/// 2.0, `Some(false)` for another version, `None` for no version at all.
fn sip_version(text: &str) -> Option<bool> {
    let (name, number) = text.split_once('/')?;
    let (major, minor) = number.split_once('.')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (name.eq_ignore_ascii_case("SIP") && digits(major) && digits(minor))
        .then(|| major.trim_start_matches('0') == "2" && minor.trim_start_matches('0').is_empty())
}

/// `Request-Line = Method SP Request-URI SP SIP-Version` and `Status-Line = SIP-Version SP
/// Status-Code SP Reason-Phrase`: single spaces, no LWS (§7.1, §7.2).
fn parse_start_line(line: &str, mode: Mode) -> Result<StartLine, ParseError> {
    if has_control(line) && mode == Mode::Strict {
        return Err(ParseError::BadStartLine);
    }
    let version_ok = |version: &str| match sip_version(version) {
        Some(true) => Ok(()),
        Some(false) if mode == Mode::Lenient => Ok(()),
        Some(false) => Err(ParseError::VersionNotSupported),
        None => Err(ParseError::BadStartLine),
    };
    let (first, rest) = line.split_once(' ').ok_or(ParseError::BadStartLine)?;
    if first.contains('/') {
        version_ok(first)?;
        let (code, reason) = rest.split_once(' ').unwrap_or((rest, ""));
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ParseError::BadStartLine);
        }
        let status: u16 = code.parse().map_err(|_| ParseError::BadStartLine)?;
        if !(100..=699).contains(&status) {
            return Err(ParseError::BadStartLine);
        }
        return Ok(StartLine::Response {
            status,
            reason: reason.trim_matches([' ', '\t']).to_string(),
        });
    }
    let method = Method::parse(first).ok_or(ParseError::BadStartLine)?;
    let (uri, version) = rest.split_once(' ').ok_or(ParseError::BadStartLine)?;
    if uri.is_empty() || version.contains(' ') {
        return Err(ParseError::BadStartLine);
    }
    version_ok(version)?;
    Ok(StartLine::Request {
        method,
        uri: uri.to_string(),
    })
}

#[cfg(test)]
#[path = "message_tests.rs"]
mod tests;
