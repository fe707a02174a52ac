//! SIP header vocabulary: canonical and compact names, list splitting, parameters, and the typed
//! views (name-addr, Via, CSeq) that the state machines read.

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

/// Splits a header value at the commas that separate list elements, not those inside quotes or
/// angle brackets (a display name or a URI may contain commas).
pub fn split_list(value: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut quoted, mut angle, mut escaped) = (false, false, false);
    let mut start = 0;
    for (i, c) in value.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            ',' if !quoted && !angle => {
                out.push(value[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(value[start..].trim());
    out.retain(|s| !s.is_empty());
    out
}

/// `;name=value` parameters, in order; a parameter without `=` has no value.
pub type Params = Vec<(String, Option<String>)>;

/// Parses `;a=1;b;c="x y"` (the leading `;` optional) into parameters.
pub fn parse_params(text: &str) -> Params {
    let mut out = Params::new();
    for part in split_outside_quotes(text, ';') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        match part.split_once('=') {
            Some((k, v)) => out.push((k.trim().to_string(), Some(unquote(v.trim())))),
            None => out.push((part.to_string(), None)),
        }
    }
    out
}

pub fn param<'a>(params: &'a Params, name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_deref().unwrap_or(""))
}

fn write_params(out: &mut String, params: &Params) {
    for (k, v) in params {
        out.push(';');
        out.push_str(k);
        if let Some(v) = v {
            out.push('=');
            if v.is_empty() || v.contains([' ', ';', ',', '"', '<', '>']) {
                out.push('"');
                out.push_str(&v.replace('\\', "\\\\").replace('"', "\\\""));
                out.push('"');
            } else {
                out.push_str(v);
            }
        }
    }
}

/// Splits on `sep` except inside double quotes.
pub fn split_outside_quotes(text: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut quoted, mut escaped) = (false, false);
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        if c == '\\' && quoted {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else if c == sep && !quoted {
            out.push(&text[start..i]);
            start = i + c.len_utf8();
        }
    }
    out.push(&text[start..]);
    out
}

/// Removes surrounding double quotes and backslash escapes; other text is returned as is.
pub fn unquote(text: &str) -> String {
    let Some(inner) = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .filter(|_| text.len() >= 2)
    else {
        return text.to_string();
    };
    let mut out = String::with_capacity(inner.len());
    let mut escaped = false;
    for c in inner.chars() {
        if escaped {
            out.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else {
            out.push(c);
        }
    }
    out
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

    pub fn parse(text: &str) -> Option<NameAddr> {
        let text = text.trim();
        if text == "*" {
            return Some(NameAddr::new("*"));
        }
        if let Some(open) = find_outside_quotes(text, '<') {
            let close = open + text[open..].find('>')?;
            let display = unquote(text[..open].trim());
            let uri = text[open + 1..close].trim();
            if !is_plausible_uri(uri) {
                return None;
            }
            return Some(NameAddr {
                display: (!display.is_empty()).then_some(display),
                uri: uri.to_string(),
                params: parse_params(&text[close + 1..]),
            });
        }
        // Without angle brackets, parameters after the URI belong to the header (RFC 3261 §20).
        let (uri, rest) = match text.find(';') {
            Some(i) => (&text[..i], &text[i..]),
            None => (text, ""),
        };
        if !is_plausible_uri(uri) {
            return None;
        }
        Some(NameAddr {
            display: None,
            uri: uri.to_string(),
            params: parse_params(rest),
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
            out.push('"');
            out.push_str(&name.replace('\\', "\\\\").replace('"', "\\\""));
            out.push_str("\" ");
        }
        out.push('<');
        out.push_str(&self.uri);
        out.push('>');
        write_params(&mut out, &self.params);
        f.write_str(&out)
    }
}

/// `scheme:rest` with no whitespace or control characters. We copy peers' URIs into our
/// Request-URIs and Route headers, so anything that would break our own start line is refused.
pub fn is_plausible_uri(uri: &str) -> bool {
    let Some((scheme, rest)) = uri.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        && !rest.is_empty()
        && !uri
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
}

fn find_outside_quotes(text: &str, needle: char) -> Option<usize> {
    let (mut quoted, mut escaped) = (false, false);
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' && quoted {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else if c == needle && !quoted {
            return Some(i);
        }
    }
    None
}

/// One Via value: `SIP/2.0/WSS host:port;branch=…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Via {
    pub transport: String,
    pub sent_by: String,
    pub params: Params,
}

impl Via {
    pub fn parse(text: &str) -> Option<Via> {
        let (proto, rest) = text.trim().split_once(char::is_whitespace)?;
        let mut parts = proto.split('/');
        let (name, version, transport) = (parts.next()?, parts.next()?, parts.next()?);
        if !name.trim().eq_ignore_ascii_case("SIP") || version.trim() != "2.0" {
            return None;
        }
        let rest = rest.trim();
        let (sent_by, params) = match rest.find(';') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let sent_by = sent_by.trim();
        if sent_by.is_empty() {
            return None;
        }
        Some(Via {
            transport: transport.trim().to_ascii_uppercase(),
            sent_by: sent_by.to_string(),
            params: parse_params(params),
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
    pub fn parse(text: &str) -> Option<CSeq> {
        let mut parts = text.split_whitespace();
        let seq = parts.next()?.parse().ok()?;
        let method = Method::parse(parts.next()?)?;
        parts.next().is_none().then_some(CSeq { seq, method })
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
