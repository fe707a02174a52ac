//! SIP header vocabulary: canonical and compact names, which headers are comma lists, and the
//! typed views (name-addr, Via, CSeq) that the state machines read, parsed by the grammar of
//! RFC 3261 §25 (`grammar`).

use super::grammar::{is_token_byte, is_uri, write_params, write_quoted, Scanner};
pub use super::grammar::{param, split_list, split_outside_quotes, unquote, Params};
use super::message::Method;

/// Long forms of the compact header names (RFC 3261 §7.3.3 and later RFCs). Peers may send
/// either form, so every lookup goes through `canonical_name`.
const COMPACT: &[(char, &str)] = &[
    ('a', "Accept-Contact"),
    ('b', "Referred-By"),
    ('c', "Content-Type"),
    ('d', "Request-Disposition"),
    ('e', "Content-Encoding"),
    ('f', "From"),
    ('i', "Call-ID"),
    ('j', "Reject-Contact"),
    ('k', "Supported"),
    ('l', "Content-Length"),
    ('m', "Contact"),
    ('o', "Event"),
    ('r', "Refer-To"),
    ('s', "Subject"),
    ('t', "To"),
    ('u', "Allow-Events"),
    ('v', "Via"),
    ('x', "Session-Expires"),
];

/// Names whose usual spelling is not plain title case; matched case-insensitively on input so
/// that what we serialise always looks the way peers (and humans reading traces) expect.
const SPELLED: &[&str] = &[
    "Call-ID",
    "CSeq",
    "WWW-Authenticate",
    "Max-Forwards",
    "Record-Route",
    "Proxy-Authenticate",
    "Proxy-Authorization",
    "Authorization",
    "User-Agent",
    "Min-Expires",
    "Expires",
    "Allow",
    "Route",
    "Require",
    "Retry-After",
    "Content-Disposition",
    "Authentication-Info",
];

/// Headers whose value is a comma-separated list (RFC 3261 §7.3.1): only these may be split on
/// commas. Authorization-style headers also contain commas but are one value each.
const LIST_HEADERS: &[&str] = &[
    "Via",
    "Contact",
    "Route",
    "Record-Route",
    "Allow",
    "Supported",
    "Require",
    "Proxy-Require",
    "Unsupported",
    "Accept",
    "Accept-Encoding",
    "Accept-Language",
    "Allow-Events",
    "Content-Encoding",
];

/// The canonical spelling of a header name: compact forms expanded, known names in their usual
/// case, unknown names as given.
pub fn canonical_name(raw: &str) -> String {
    let mut chars = raw.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        let lower = c.to_ascii_lowercase();
        if let Some((_, long)) = COMPACT.iter().find(|(short, _)| *short == lower) {
            return (*long).to_string();
        }
    }
    if let Some((_, long)) = COMPACT.iter().find(|(_, l)| l.eq_ignore_ascii_case(raw)) {
        return (*long).to_string();
    }
    if let Some(known) = SPELLED.iter().find(|k| k.eq_ignore_ascii_case(raw)) {
        return (*known).to_string();
    }
    raw.to_string()
}

/// The long form of a compact name, or the name itself; no allocation, as lookups run often.
fn long_form(name: &str) -> &str {
    let mut chars = name.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => COMPACT
            .iter()
            .find(|(short, _)| *short == c.to_ascii_lowercase())
            .map_or(name, |(_, long)| long),
        _ => name,
    }
}

/// Whether two header names denote the same header (compact forms included).
pub fn same_name(a: &str, b: &str) -> bool {
    long_form(a).eq_ignore_ascii_case(long_form(b))
}

pub fn is_list_header(name: &str) -> bool {
    let name = long_form(name);
    LIST_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name))
}

/// A From, To, Contact, Route or Record-Route value: `"Name" <uri>;params` or `uri;params`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameAddr {
    pub display: Option<String>,
    pub uri: String,
    pub params: Params,
}

impl NameAddr {
    pub fn new(uri: impl Into<String>) -> Self {
        NameAddr {
            display: None,
            uri: uri.into(),
            params: Params::new(),
        }
    }

    /// `name-addr` or `addr-spec`, then header parameters (RFC 3261 §20.10, §20.20, §20.39):
    /// `"Name" <uri>;p=v`, `Name Words <uri>`, or `uri;p=v`, with LWS wherever the grammar
    /// allows it. `*` is the Contact of a REGISTER that removes every binding.
    pub fn parse(text: &str) -> Option<NameAddr> {
        let text = text.trim_matches([' ', '\t']);
        if text == "*" {
            return Some(NameAddr::new("*"));
        }
        let mut s = Scanner::new(text);
        let (display, uri) = if s.peek() == Some(b'"') || text.contains('<') {
            let display = if s.peek() == Some(b'"') {
                let name = s.quoted_string()?;
                s.skip_ws();
                Some(name)
            } else {
                // `*(token LWS)`; UTF-8 is let in too, as phones send unquoted local names.
                let mut words = Vec::new();
                while s.peek() != Some(b'<') {
                    words.push(s.take_while(|b| is_token_byte(b) || b >= 0x80));
                    if words.last().is_some_and(|w| w.is_empty()) {
                        return None;
                    }
                    s.skip_ws();
                }
                (!words.is_empty()).then(|| words.join(" "))
            };
            s.expect(b'<')?;
            let uri = s.take_while(|b| b != b'>');
            s.expect(b'>')?;
            (display, uri)
        } else {
            // Without angle brackets the URI ends at LWS or `;`: what follows are the header's
            // parameters, not the URI's (§20).
            (None, s.take_while(|b| !b" \t;,".contains(&b)))
        };
        if !is_uri(uri) {
            return None;
        }
        let params = s.params()?;
        s.finish()?;
        Some(NameAddr {
            display: display.filter(|d| !d.is_empty()),
            uri: uri.to_string(),
            params,
        })
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        param(&self.params, name)
    }

    pub fn tag(&self) -> Option<&str> {
        self.param("tag").filter(|t| !t.is_empty())
    }

    pub fn set_param(&mut self, name: &str, value: Option<String>) {
        self.params.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.params.push((name.to_string(), value));
    }
}

impl std::fmt::Display for NameAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = String::new();
        if let Some(name) = &self.display {
            write_quoted(&mut out, name);
            out.push(' ');
        }
        out.push('<');
        out.push_str(&self.uri);
        out.push('>');
        write_params(&mut out, &self.params);
        f.write_str(&out)
    }
}

/// One Via value (§20.42): `SIP/2.0/WSS host:port;branch=…`, LWS allowed around `/`, `:`,
/// `;` and `=` and required between the protocol and the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Via {
    pub transport: String,
    /// `host[:port]`, written without the LWS it may have been sent with.
    pub sent_by: String,
    pub params: Params,
}

impl Via {
    pub fn parse(text: &str) -> Option<Via> {
        let mut s = Scanner::new(text.trim_matches([' ', '\t']));
        let name = s.token()?;
        s.separator(b'/').then_some(())?;
        let version = s.token()?;
        s.separator(b'/').then_some(())?;
        let transport = s.token()?;
        if !name.eq_ignore_ascii_case("SIP") || version != "2.0" || !s.skip_ws() {
            return None;
        }
        let host = if s.peek() == Some(b'[') {
            let inner = s.take_while(|b| b != b']');
            s.expect(b']')?;
            let address = &inner[1..];
            if address.is_empty()
                || !address
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() || b".:".contains(&b))
            {
                return None;
            }
            format!("{inner}]")
        } else {
            let host = s.take_while(|b| b.is_ascii_alphanumeric() || b"-.".contains(&b));
            if host.is_empty() || host.starts_with(['-', '.']) {
                return None;
            }
            host.to_string()
        };
        let sent_by = if s.separator(b':') {
            let port = s.take_while(|b| b.is_ascii_digit());
            port.parse::<u16>().ok()?;
            format!("{host}:{port}")
        } else {
            host
        };
        let params = s.params()?;
        s.finish()?;
        Some(Via {
            transport: transport.to_ascii_uppercase(),
            sent_by,
            params,
        })
    }

    pub fn branch(&self) -> Option<&str> {
        param(&self.params, "branch")
    }
}

impl std::fmt::Display for Via {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = format!("SIP/2.0/{} {}", self.transport, self.sent_by);
        write_params(&mut out, &self.params);
        f.write_str(&out)
    }
}

/// The CSeq header: sequence number and method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CSeq {
    pub seq: u32,
    pub method: Method,
}

impl CSeq {
    /// `1*DIGIT LWS Method`; the number must be below 2**31 (§8.1.1.5).
    pub fn parse(text: &str) -> Option<CSeq> {
        let mut s = Scanner::new(text.trim_matches([' ', '\t']));
        let digits = s.take_while(|b| b.is_ascii_digit());
        let seq: u32 = digits.parse().ok().filter(|n| *n < 1 << 31)?;
        if !s.skip_ws() {
            return None;
        }
        let method = Method::parse(s.token()?)?;
        s.finish()?;
        Some(CSeq { seq, method })
    }
}

impl std::fmt::Display for CSeq {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.seq, self.method.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_compact_names_and_fixes_case() {
        assert_eq!(canonical_name("v"), "Via");
        assert_eq!(canonical_name("I"), "Call-ID");
        assert_eq!(canonical_name("call-id"), "Call-ID");
        assert_eq!(canonical_name("cseq"), "CSeq");
        assert_eq!(canonical_name("X-Custom"), "X-Custom");
        assert!(same_name("m", "contact"));
        assert!(!same_name("m", "Max-Forwards"));
    }

    #[test]
    fn splits_lists_outside_quotes_and_brackets() {
        let v = r#""Doe, John" <sip:j@x;a=1,2>;q=0.5, <sip:k@y>"#;
        assert_eq!(
            split_list(v),
            vec![r#""Doe, John" <sip:j@x;a=1,2>;q=0.5"#, "<sip:k@y>"]
        );
    }

    #[test]
    fn parses_name_addr_forms() {
        let a = NameAddr::parse(r#""Alice \"A\"" <sip:alice@sip.test>;tag=1928"#).unwrap();
        assert_eq!(a.display.as_deref(), Some("Alice \"A\""));
        assert_eq!(a.uri, "sip:alice@sip.test");
        assert_eq!(a.tag(), Some("1928"));
        let b = NameAddr::parse("sip:bob@sip.test;tag=xyz").unwrap();
        assert_eq!(b.uri, "sip:bob@sip.test");
        assert_eq!(b.tag(), Some("xyz"));
        let c = NameAddr::parse("<sip:p.sip.test;lr>").unwrap();
        assert_eq!(c.uri, "sip:p.sip.test;lr");
        assert_eq!(NameAddr::parse(&a.to_string()).unwrap(), a);
        assert!(NameAddr::parse("<>").is_none());
        assert!(NameAddr::parse("<sip7bob@b.invalid>").is_none());
        assert!(NameAddr::parse("<sip:bob @b.invalid>").is_none());
        assert!(NameAddr::parse("<1sip:bob>").is_none());
    }

    #[test]
    fn parses_via_and_cseq() {
        let v = Via::parse("SIP/2.0/WSS abc.invalid;branch=z9hG4bK776;rport").unwrap();
        assert_eq!(v.transport, "WSS");
        assert_eq!(v.sent_by, "abc.invalid");
        assert_eq!(v.branch(), Some("z9hG4bK776"));
        assert_eq!(Via::parse(&v.to_string()).unwrap(), v);
        assert!(Via::parse("SIP/3.0/UDP h").is_none());
        let c = CSeq::parse("314159 INVITE").unwrap();
        assert_eq!((c.seq, c.method), (314159, Method::Invite));
        assert!(CSeq::parse("x INVITE").is_none());
    }
}
