//! What support needs to help a user, and nothing it must not see: the recent errors (kept
//! across worker restarts), a redactor that removes secrets from any text, and the "Copy
//! diagnostics" report a user pastes into a ticket.
//!
//! A support ticket leaves the browser, so nothing here may carry a secret (a session id, a
//! token, a password, a SIP digest) or record data (a phone number, a name, a SOQL query).
//! Entries are cleaned when they are made, and the report is redacted again as a whole.
//!
//! Pure: callers pass the time (ms since the Unix epoch).

use serde::{Deserialize, Serialize};

/// How many errors the log keeps (the oldest go first).
pub const MAX_ERRORS: usize = 50;
/// The same error again within this long is one entry with a count, so a retry loop cannot
/// push everything else out of the log.
pub const REPEAT_WINDOW_MS: u64 = 60_000;
const DETAIL_MAX: usize = 120;
const CODE_MAX: usize = 60;
const REDACTED: &str = "[redacted]";

/// Which part of the extension saw the error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Source {
    Api,
    Phone,
    Log,
    Oauth,
    Policy,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Api => "API",
            Source::Phone => "PHONE",
            Source::Log => "LOG",
            Source::Oauth => "OAUTH",
            Source::Policy => "POLICY",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ErrorEntry {
    /// When it last happened.
    pub at_ms: u64,
    /// UPPER_SNAKE, or `OTHER`.
    pub code: String,
    pub source: Source,
    pub org_id: Option<String>,
    /// What was being done (`GET /sobjects/Task/describe`), never record data.
    pub detail: String,
    /// How many times within [`REPEAT_WINDOW_MS`] of each other.
    pub count: u32,
}

/// What an entry stored without some field reads as (an older version's, say).
impl Default for ErrorEntry {
    fn default() -> Self {
        ErrorEntry {
            at_ms: 0,
            code: "OTHER".into(),
            source: Source::Api,
            org_id: None,
            detail: String::new(),
            count: 1,
        }
    }
}

impl ErrorEntry {
    /// An entry, cleaned: a code that is not UPPER_SNAKE becomes `OTHER`, an org id that is
    /// not one is dropped, the detail is redacted, made one line and bounded.
    pub fn new(
        at_ms: u64,
        code: &str,
        source: Source,
        org_id: Option<&str>,
        detail: &str,
    ) -> ErrorEntry {
        ErrorEntry {
            at_ms,
            code: code.into(),
            source,
            org_id: org_id.map(Into::into),
            detail: detail.into(),
            count: 1,
        }
        .cleaned()
    }

    /// A failed Salesforce request. The detail is the method and the path's shape only: the
    /// query string (a SOQL or SOSL text) goes, and so does any path segment that could be
    /// record data (a phone number, a name) — only record ids and plain ASCII words stay.
    pub fn api(
        at_ms: u64,
        code: &str,
        org_id: Option<&str>,
        method: &str,
        path: &str,
    ) -> ErrorEntry {
        let path = path.split(['?', '#']).next().unwrap_or_default();
        // A full URL: its host is the org's, already in the org line.
        let path = match path.find("://") {
            Some(p) => path[p + 3..].find('/').map_or("", |s| &path[p + 3 + s..]),
            None => path,
        };
        let segments: Vec<&str> = path
            .split('/')
            .map(|s| {
                if s.is_empty() || is_record_id(s) || is_identifier(s) {
                    s
                } else {
                    "…"
                }
            })
            .collect();
        let method: String = method
            .chars()
            .filter(char::is_ascii_alphabetic)
            .take(10)
            .collect();
        let detail = format!("{} {}", method.to_ascii_uppercase(), segments.join("/"));
        ErrorEntry::new(at_ms, code, Source::Api, org_id, &detail)
    }

    /// Idempotent, so entries built any way (or read back) can be cleaned again.
    fn cleaned(mut self) -> ErrorEntry {
        self.code = clean_code(&self.code);
        self.org_id = self.org_id.filter(|id| is_org_id(id));
        self.detail = bound(&redact(&one_line(&self.detail)), DETAIL_MAX);
        self.count = self.count.max(1);
        self
    }

    fn same_error(&self, other: &ErrorEntry) -> bool {
        self.code == other.code
            && self.source == other.source
            && self.org_id == other.org_id
            && self.detail == other.detail
    }
}

/// The errors the user can be shown and copy for support, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ErrorLog {
    entries: Vec<ErrorEntry>,
}

impl ErrorLog {
    pub fn new() -> ErrorLog {
        ErrorLog::default()
    }

    /// Adds an error, or counts it on the newest entry if that is the same error seen within
    /// [`REPEAT_WINDOW_MS`].
    pub fn record(&mut self, entry: ErrorEntry) {
        let entry = entry.cleaned();
        if let Some(newest) = self.entries.first_mut() {
            if newest.same_error(&entry) && entry.at_ms.abs_diff(newest.at_ms) <= REPEAT_WINDOW_MS {
                newest.count = newest.count.saturating_add(entry.count);
                newest.at_ms = entry.at_ms;
                return;
            }
        }
        self.entries.insert(0, entry);
        self.entries.truncate(MAX_ERRORS);
    }

    /// Newest first, at most [`MAX_ERRORS`] (even if storage held more).
    pub fn entries(&self) -> &[ErrorEntry] {
        &self.entries[..self.entries.len().min(MAX_ERRORS)]
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

/// Removes secrets from any text: Salesforce session ids and access tokens, `Bearer` tokens,
/// the values of password/secret/token/sid keys (JSON, query string and `key: value` forms),
/// and SIP digest `response`/`nonce`/`cnonce` values. Everything else is kept as it was.
pub fn redact(text: &str) -> String {
    let text = rewrite(text, session_id_at);
    let text = rewrite(&text, bearer_at);
    rewrite(&text, secret_value_at)
}

/// A matcher: the span (start, end) of a secret found at a position.
type Matcher = fn(&[u8], usize) -> Option<(usize, usize)>;

/// Copies `text`, replacing with [`REDACTED`] each span that `find` reports at a position.
/// Every matcher starts and ends its spans at ASCII bytes (or the end), so slices stay on
/// UTF-8 boundaries.
fn rewrite(text: &str, find: Matcher) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let (mut i, mut copied) = (0, 0);
    while i < b.len() {
        match find(b, i) {
            Some((start, end)) => {
                out.push_str(&text[copied..start]);
                out.push_str(REDACTED);
                copied = end;
                i = end;
            }
            None => i += 1,
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// The end of the run of bytes from `from` that satisfy `ok`.
fn run(b: &[u8], from: usize, ok: impl Fn(u8) -> bool) -> usize {
    from + b.get(from..).map_or(0, |rest| {
        rest.iter().position(|&c| !ok(c)).unwrap_or(rest.len())
    })
}

/// `00D` + 12 or 15 alphanumerics + `!` + 20 or more token characters: a session id or an
/// OAuth access token, which is a session id too.
fn session_id_at(b: &[u8], i: usize) -> Option<(usize, usize)> {
    if !b[i..].starts_with(b"00D") {
        return None;
    }
    let org_end = run(b, i + 3, |c| c.is_ascii_alphanumeric());
    if !matches!(org_end - i - 3, 12 | 15) || b.get(org_end) != Some(&b'!') {
        return None;
    }
    let end = run(b, org_end + 1, |c| {
        c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-')
    });
    (end - org_end > 20).then_some((i, end))
}

/// The token after `Bearer ` (any case, as HTTP allows).
fn bearer_at(b: &[u8], i: usize) -> Option<(usize, usize)> {
    let word = b.get(i..i + 6)?;
    if !word.eq_ignore_ascii_case(b"bearer") || (i > 0 && b[i - 1].is_ascii_alphanumeric()) {
        return None;
    }
    let start = run(b, i + 6, |c| c == b' ');
    let end = run(b, start, |c| {
        !c.is_ascii_whitespace() && !b"\"',;".contains(&c)
    });
    (start > i + 6 && end > start).then_some((start, end))
}

fn is_key_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.')
}

/// A key that names a secret: it ends with one of the words, as a word of its own
/// (`password`, `refresh_token`, `x-api-token`, `clientSecret`, `sid`), so `inside` is not one.
fn is_secret_key(key: &[u8]) -> bool {
    ["password", "passwd", "secret", "token", "sid"]
        .iter()
        .any(|word| {
            let Some(at) = key.len().checked_sub(word.len()) else {
                return false;
            };
            key[at..].eq_ignore_ascii_case(word.as_bytes())
                && (at == 0 || !key[at - 1].is_ascii_alphanumeric() || key[at].is_ascii_uppercase())
        })
}

/// The value of a secret key: `"password":"…"`, `password=…`, `password: …` (to the end of the
/// line), and the SIP digest's `response="…"`, `nonce="…"` and `cnonce="…"`, from which a
/// password can be guessed offline.
fn secret_value_at(b: &[u8], i: usize) -> Option<(usize, usize)> {
    if !is_key_byte(b[i]) || (i > 0 && is_key_byte(b[i - 1])) {
        return None;
    }
    let key_end = run(b, i, is_key_byte);
    let key = &b[i..key_end];
    let digest = ["response", "nonce", "cnonce"]
        .iter()
        .any(|k| key.eq_ignore_ascii_case(k.as_bytes()));
    if !digest && !is_secret_key(key) {
        return None;
    }
    let quoted_key = i > 0 && b[i - 1] == b'"' && b.get(key_end) == Some(&b'"');
    let blank = |c: u8| c == b' ' || c == b'\t';
    let sep_at = run(b, key_end + usize::from(quoted_key), blank);
    let sep = *b.get(sep_at)?;
    if !(sep == b'=' || (sep == b':' && !digest)) {
        return None;
    }
    let j = run(b, sep_at + 1, blank);
    let (start, end) = match b.get(j) {
        Some(&q @ (b'"' | b'\'')) => (j + 1, closing_quote(b, j + 1, q)),
        // A digest's values are always quoted; `response=200` is something else.
        _ if digest => return None,
        _ if sep == b'=' => (
            j,
            run(b, j, |c| {
                !c.is_ascii_whitespace() && !b"&#\"';,".contains(&c)
            }),
        ),
        _ if quoted_key => (
            j,
            run(b, j, |c| !c.is_ascii_whitespace() && !b",}]".contains(&c)),
        ),
        _ => (j, run(b, j, |c| c != b'\n' && c != b'\r')),
    };
    (end > start).then_some((start, end))
}

/// The position of the quote that closes a value opened at `from` (escapes skipped), or the
/// end of the text: an unterminated value is all secret.
fn closing_quote(b: &[u8], from: usize, quote: u8) -> usize {
    let mut k = from;
    while k < b.len() {
        if b[k] == b'\\' {
            k += 2;
        } else if b[k] == quote {
            return k;
        } else {
            k += 1;
        }
    }
    b.len()
}

/// What "Copy diagnostics" puts in a support ticket. Filled by the worker from what it knows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Report {
    pub version: String,
    /// The user agent.
    pub browser: String,
    pub ui_language: String,
    pub orgs: Vec<OrgLine>,
    pub sip: SipLine,
    pub outbox_waiting: u32,
    pub outbox_failed: u32,
    /// Newest first, as [`ErrorLog::entries`] gives them.
    pub errors: Vec<ErrorEntry>,
    /// Settings locked by the administrator's policy.
    pub managed: Vec<String>,
    pub policy_problems: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct OrgLine {
    pub org_id: String,
    pub edition: Option<String>,
    pub api_host: String,
    pub user_id: Option<String>,
    pub user_name: Option<String>,
    pub state: String,
    /// `browser` or `oauth`.
    pub session_source: String,
    /// Daily API requests used and allowed, when known.
    pub api_used: Option<u64>,
    pub api_max: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SipLine {
    pub state: String,
    /// The WebSocket server's URI; the report shows its host only.
    pub server: String,
    /// The latest responses, e.g. `REGISTER 401`, `REGISTER 200`.
    pub last_responses: Vec<String>,
    pub websocket: String,
}

/// The report as plain English text for support staff (not translated: the UI's words live in
/// `_locales`). Times are ISO-8601 UTC. The whole text is redacted last, so a secret a caller
/// put in any field does not reach the ticket.
pub fn report_text(r: &Report) -> String {
    let or_unknown = |v: &Option<String>| v.as_deref().map_or("unknown".into(), one_line);
    let list = |v: &[String]| match v {
        [] => "none".to_string(),
        _ => v.iter().map(|s| one_line(s)).collect::<Vec<_>>().join(", "),
    };
    let count = |v: Option<u64>| v.map_or("?".into(), |n| n.to_string());

    let mut t = vec![
        "Phone for Salesforce diagnostics".to_string(),
        format!("Version: {}", one_line(&r.version)),
        format!("Browser: {}", one_line(&r.browser)),
        format!("UI language: {}", one_line(&r.ui_language)),
        String::new(),
        format!("Salesforce orgs: {}", r.orgs.len()),
    ];
    for o in &r.orgs {
        t.push(format!(
            "- Org {} ({}) at {}",
            one_line(&o.org_id),
            or_unknown(&o.edition),
            host_only(&one_line(&o.api_host))
        ));
        t.push(format!(
            "  User {} ({})",
            or_unknown(&o.user_id),
            or_unknown(&o.user_name)
        ));
        t.push(format!(
            "  State {}, signed in through {}",
            one_line(&o.state),
            one_line(&o.session_source)
        ));
        if o.api_used.is_some() || o.api_max.is_some() {
            t.push(format!(
                "  Daily API requests: {} of {}",
                count(o.api_used),
                count(o.api_max)
            ));
        }
    }
    t.extend([
        String::new(),
        "Phone (SIP)".into(),
        format!("State: {}", one_line(&r.sip.state)),
        format!("Server: {}", host_only(&one_line(&r.sip.server))),
        format!("WebSocket: {}", one_line(&r.sip.websocket)),
        format!("Last responses: {}", list(&r.sip.last_responses)),
        String::new(),
        "Call log outbox".into(),
        format!("Waiting: {}", r.outbox_waiting),
        format!("Failed: {}", r.outbox_failed),
        String::new(),
        format!("Recent errors: {} (newest first)", r.errors.len()),
    ]);
    for e in &r.errors {
        let org = e
            .org_id
            .as_deref()
            .map_or(String::new(), |o| format!(" org {}", one_line(o)));
        let times = if e.count > 1 {
            format!(" ({} times)", e.count)
        } else {
            String::new()
        };
        t.push(format!(
            "- {} {} {}{}: {}{}",
            iso_utc(e.at_ms),
            e.source.as_str(),
            one_line(&e.code),
            org,
            one_line(&e.detail),
            times
        ));
    }
    t.extend([
        String::new(),
        "Policy".into(),
        format!("Locked by policy: {}", list(&r.managed)),
        format!("Policy problems: {}", list(&r.policy_problems)),
    ]);
    redact(&(t.join("\n") + "\n"))
}

/// Milliseconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn iso_utc(ms: u64) -> String {
    let secs = ms / 1000;
    let (y, m, d) = civil_from_days(secs / 86_400);
    let s = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// Days since 1970-01-01 to a (year, month, day) of the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`, for non-negative days only).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + u64::from(m <= 2), m, d)
}

/// A URI's scheme and host (and port): no user info, path or query, which could hold a
/// user name or a credential.
fn host_only(uri: &str) -> String {
    let (scheme, rest) = match uri.find("://") {
        Some(p) => uri.split_at(p + 3),
        None => ("", uri),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    format!("{scheme}{host}")
}

/// Control characters (a newline a caller left in a field) become spaces, so a field stays on
/// its line and a `key: value` secret in it is redacted to the end of that field's line.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// At most `max` characters, the last one `…` when something was cut.
fn bound(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    s.chars().take(max - 1).chain(['…']).collect()
}

/// UPPER_SNAKE (bounded), or `OTHER`: a code is never free text.
fn clean_code(code: &str) -> String {
    let upper_snake = code.starts_with(|c: char| c.is_ascii_uppercase())
        && code
            .bytes()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_');
    if upper_snake {
        code[..code.len().min(CODE_MAX)].to_string()
    } else {
        "OTHER".into()
    }
}

fn is_org_id(id: &str) -> bool {
    matches!(id.len(), 15 | 18)
        && id.starts_with("00D")
        && id.bytes().all(|c| c.is_ascii_alphanumeric())
}

/// A 15- or 18-character record id. Ids always have letters; requiring one keeps a long
/// all-digit phone number out.
fn is_record_id(s: &str) -> bool {
    matches!(s.len(), 15 | 18)
        && s.bytes().all(|c| c.is_ascii_alphanumeric())
        && s.bytes().any(|c| c.is_ascii_alphabetic())
}

/// An ASCII word such as `sobjects`, `Task`, `v62.0` or `describe`. It must start with a letter
/// or `_`, so an all-digit segment (a phone number) is not one.
fn is_identifier(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORG: &str = "00D5g000004ABCD";
    const SID: &str = "00D5g000004ABCD!AQ4AQFakeSessionValueThatIsLong.abc_DEF-123";
    const TS: u64 = 1_764_842_400_000; // 2025-12-04T10:00:00Z

    fn err(at_ms: u64, code: &str) -> ErrorEntry {
        ErrorEntry::new(at_ms, code, Source::Phone, Some(ORG), "REGISTER 403")
    }

    #[test]
    fn keeps_the_newest_fifty_newest_first() {
        let mut log = ErrorLog::new();
        for n in 0..60u64 {
            // Far enough apart that none is a repeat of the one before.
            log.record(err(n * 100_000, &format!("E_{n}")));
        }
        let entries = log.entries();
        assert_eq!(entries.len(), MAX_ERRORS);
        assert_eq!(entries[0].code, "E_59");
        assert_eq!(entries[49].code, "E_10");
        assert!(entries.windows(2).all(|w| w[0].at_ms > w[1].at_ms));
    }

    #[test]
    fn a_repeat_within_a_minute_is_counted_not_added() {
        let mut log = ErrorLog::new();
        log.record(err(TS, "SIP_FORBIDDEN"));
        log.record(err(TS + 60_000, "SIP_FORBIDDEN"));
        assert_eq!(log.entries().len(), 1);
        assert_eq!(log.entries()[0].count, 2);
        assert_eq!(log.entries()[0].at_ms, TS + 60_000);

        // 61 s after the last one: a new entry.
        log.record(err(TS + 121_000, "SIP_FORBIDDEN"));
        assert_eq!(log.entries().len(), 2);
        assert_eq!(log.entries()[0].count, 1);

        // Another code at once: a new entry too, and only the newest entry is a candidate.
        log.record(err(TS + 122_000, "SIP_TIMEOUT"));
        log.record(err(TS + 123_000, "SIP_FORBIDDEN"));
        assert_eq!(log.entries().len(), 4);

        // The same code from another org is another error.
        let mut other = err(TS + 124_000, "SIP_FORBIDDEN");
        other.org_id = Some("00D5g000009WXYZ".into());
        log.record(other);
        assert_eq!(log.entries().len(), 5);
    }

    #[test]
    fn survives_storage_and_reads_old_entries() {
        let mut log = ErrorLog::new();
        log.record(ErrorEntry::api(
            TS,
            "REQUEST_LIMIT_EXCEEDED",
            Some(ORG),
            "get",
            "/limits",
        ));
        log.record(err(TS + 1, "SIP_FORBIDDEN"));
        let json = serde_json::to_string(&log).unwrap();
        assert!(json.contains(r#""atMs":1764842400001"#), "{json}");
        assert!(json.contains(r#""source":"PHONE""#), "{json}");
        assert_eq!(serde_json::from_str::<ErrorLog>(&json).unwrap(), log);

        let old: ErrorLog =
            serde_json::from_str(r#"{"entries":[{"atMs":5,"code":"NOT_LOGGED_IN"}]}"#).unwrap();
        let e = &old.entries()[0];
        assert_eq!((e.at_ms, e.code.as_str(), e.count), (5, "NOT_LOGGED_IN", 1));
        assert_eq!(e.org_id, None);
        assert_eq!(
            serde_json::from_str::<ErrorLog>("{}").unwrap(),
            ErrorLog::new()
        );
    }

    #[test]
    fn api_detail_keeps_the_shape_not_the_data() {
        let e = ErrorEntry::api(
            TS,
            "MALFORMED_QUERY",
            Some(ORG),
            "GET",
            "/search?q=FIND {090-1234-5678}",
        );
        assert_eq!(e.detail, "GET /search");
        assert_eq!(e.source, Source::Api);

        let e = ErrorEntry::api(
            TS,
            "X",
            None,
            "get",
            "/sobjects/Task/00T5g000004XyZaEAK#frag",
        );
        assert_eq!(e.detail, "GET /sobjects/Task/00T5g000004XyZaEAK");
        let e = ErrorEntry::api(
            TS,
            "X",
            None,
            "GET",
            "/services/data/v62.0/sobjects/Task/describe",
        );
        assert_eq!(e.detail, "GET /services/data/v62.0/sobjects/Task/describe");

        for data in [
            "+81 3-1234-5678",
            "山田",
            "0312345678",
            "a%40b.com",
            "john@example.com",
        ] {
            let e = ErrorEntry::api(TS, "X", None, "GET", &format!("/sobjects/Contact/{data}/x"));
            assert_eq!(e.detail, "GET /sobjects/Contact/…/x", "{data}");
        }
        // A full URL: the host goes too.
        let e = ErrorEntry::api(
            TS,
            "X",
            None,
            "POST",
            "https://acme.my.salesforce.com/sobjects/Task",
        );
        assert_eq!(e.detail, "POST /sobjects/Task");
    }

    #[test]
    fn entries_are_bounded_and_validated() {
        let long = format!("/{}", ["segment"; 40].join("/"));
        let e = ErrorEntry::api(TS, &"A".repeat(80), Some("00D5g000004ABC"), "GET", &long);
        assert_eq!(e.detail.chars().count(), DETAIL_MAX);
        assert!(e.detail.ends_with('…'));
        assert_eq!(e.code.len(), CODE_MAX);
        assert_eq!(e.org_id, None, "14 characters is no org id");

        assert_eq!(
            ErrorEntry::new(0, "not a code", Source::Log, Some("005x"), "").code,
            "OTHER"
        );
        assert_eq!(ErrorEntry::new(0, "", Source::Log, None, "").code, "OTHER");
        let e = ErrorEntry::new(
            0,
            "X",
            Source::Oauth,
            Some("00D5g000004ABCDEA4"),
            "a\npassword: hunter2",
        );
        assert_eq!(e.org_id.as_deref(), Some("00D5g000004ABCDEA4"));
        assert_eq!(e.detail, "a password: [redacted]");
    }

    #[test]
    fn redacts_session_ids_and_bearer_tokens() {
        assert_eq!(
            redact(&format!("sid is {SID} here")),
            "sid is [redacted] here"
        );
        assert_eq!(
            redact("Authorization: Bearer eyJhbGciOi.J9x-y_z, next"),
            "Authorization: Bearer [redacted], next"
        );
        assert_eq!(redact("bearer abc"), "bearer [redacted]");
        // Org ids, record ids and short `!` texts are no secrets.
        let kept = "org 00D5g000004ABCD, id 00T5g000004XyZaEAK, 00D5g000004ABCD!short";
        assert_eq!(redact(kept), kept);
    }

    #[test]
    fn redacts_secret_values_in_every_form() {
        assert_eq!(
            redact(r#"{"user":"a","password":"hunter2","n":1}"#),
            r#"{"user":"a","password":"[redacted]","n":1}"#
        );
        assert_eq!(
            redact(r#"{"refresh_token": "5Aep\"861"}"#),
            r#"{"refresh_token": "[redacted]"}"#
        );
        assert_eq!(redact(r#"{"token":12345}"#), r#"{"token":[redacted]}"#);
        assert_eq!(redact("password=hunter2&x=1"), "password=[redacted]&x=1");
        assert_eq!(
            redact("/revoke?token=abc#top"),
            "/revoke?token=[redacted]#top"
        );
        assert_eq!(
            redact("Cookie: sid=xyz; lang=ja"),
            "Cookie: sid=[redacted]; lang=ja"
        );
        assert_eq!(
            redact("client_secret: s3 cr3t\nuser: taro"),
            "client_secret: [redacted]\nuser: taro"
        );
        assert_eq!(
            redact("accessToken=a passwd=b"),
            "accessToken=[redacted] passwd=[redacted]"
        );
        assert_eq!(
            redact(r#"Digest username="taro", nonce="n1", response="abc123", algorithm=MD5"#),
            r#"Digest username="taro", nonce="[redacted]", response="[redacted]", algorithm=MD5"#
        );
        // Words that only look like keys stay.
        let kept = "inside: 1, tokens: 2, response=200, \"response\":\"ok\", /oauth2/token?x=1";
        assert_eq!(redact(kept), kept);
        assert_eq!(
            redact("山田 password=秘密&ok"),
            "山田 password=[redacted]&ok"
        );
    }

    #[test]
    fn iso_times() {
        assert_eq!(iso_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_utc(TS), "2025-12-04T10:00:00Z");
        assert_eq!(iso_utc(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(iso_utc(1_735_689_599_999), "2024-12-31T23:59:59Z");
    }

    #[test]
    fn report_has_what_support_needs_and_no_secret() {
        let mut log = ErrorLog::new();
        log.record(ErrorEntry::api(
            TS,
            "REQUEST_LIMIT_EXCEEDED",
            Some(ORG),
            "GET",
            "/limits",
        ));
        log.record(ErrorEntry::api(
            TS + 1_000,
            "REQUEST_LIMIT_EXCEEDED",
            Some(ORG),
            "GET",
            "/limits",
        ));
        let mut stuffed = err(TS, "X");
        stuffed.detail = format!("session {SID}"); // bypasses the cleaning `new` does
        let report = Report {
            version: "1.4.0".into(),
            browser: "Mozilla/5.0 Authorization: Bearer tok.en-VALUE".into(),
            ui_language: "ja".into(),
            orgs: vec![OrgLine {
                org_id: ORG.into(),
                edition: Some("Enterprise Edition".into()),
                api_host: "https://taro:pw@acme.my.salesforce.com/services".into(),
                user_id: Some("0055g00000AbCdEAAV".into()),
                user_name: Some(format!("Taro {SID}")),
                state: "CONNECTED".into(),
                session_source: "browser".into(),
                api_used: Some(1200),
                api_max: Some(15000),
            }],
            sip: SipLine {
                state: "REGISTERED".into(),
                server: "wss://alice:sippass@sip.example.com:7443/ws?password=x".into(),
                last_responses: vec!["REGISTER 401".into(), "REGISTER 200".into()],
                websocket: "OPEN".into(),
            },
            outbox_waiting: 3,
            outbox_failed: 1,
            errors: [log.entries(), &[stuffed]].concat(),
            managed: vec!["sipServer".into()],
            policy_problems: vec![r#"{"password":"hunter2"} is not allowed"#.into()],
        };
        let text = report_text(&report);
        for secret in [
            "AQ4AQFake",
            "tok.en-VALUE",
            "hunter2",
            "sippass",
            "taro:pw",
            "password=x",
        ] {
            assert!(!text.contains(secret), "{secret} in:\n{text}");
        }
        for needed in [
            "Version: 1.4.0",
            "- Org 00D5g000004ABCD (Enterprise Edition) at https://acme.my.salesforce.com",
            "State CONNECTED, signed in through browser",
            "Daily API requests: 1200 of 15000",
            "State: REGISTERED",
            "Server: wss://sip.example.com:7443\n",
            "Last responses: REGISTER 401, REGISTER 200",
            "Waiting: 3\nFailed: 1",
            "- 2025-12-04T10:00:01Z API REQUEST_LIMIT_EXCEEDED org 00D5g000004ABCD: GET /limits (2 times)",
            "Locked by policy: sipServer",
        ] {
            assert!(text.contains(needed), "{needed} missing in:\n{text}");
        }
    }
}
