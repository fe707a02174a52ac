//! The lexical layer of RFC 3261 §25 that every header we read is built from: tokens, linear
//! white space around separators (SLASH, SEMI, EQUAL, COLON, COMMA), quoted strings with their
//! escapes, generic parameters, comma lists, and the URI character set.
//!
//! The message parser has already unfolded continuation lines (§7.3.1), so inside a header value
//! LWS is just spaces and tabs; a scanner skips them wherever the grammar's SWS allows.

/// `token` characters (RFC 3261 §25.1).
pub fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&b)
}

/// Characters a `gen-value` may hold without quotes: a token, or a host (IPv6 references and
/// the bare IPv6 of `received` included).
fn is_gen_value_byte(b: u8) -> bool {
    is_token_byte(b) || b":[]".contains(&b)
}

/// Characters of a URI (RFC 3261 `uric`, RFC 2396: reserved, unreserved, `%`), plus `[` `]`
/// for IPv6 references. What is left out (`<>"{}|\^#` and spaces) cannot be sent unescaped.
fn is_uri_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-_.!~*'();/?:@&=+$,%[]".contains(&b)
}

/// A cursor over one (unfolded) header value.
pub struct Scanner<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Scanner<'a> {
    pub fn new(text: &'a str) -> Scanner<'a> {
        Scanner { text, pos: 0 }
    }

    pub fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    /// Skips LWS; whether there was any (where the grammar requires LWS, not just SWS).
    pub fn skip_ws(&mut self) -> bool {
        let start = self.pos;
        self.take_while(|b| b == b' ' || b == b'\t');
        self.pos > start
    }

    /// `SWS c SWS` (SLASH, SEMI, EQUAL, COLON, COMMA): consumed only if `c` is there.
    pub fn separator(&mut self, c: u8) -> bool {
        let start = self.pos;
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += 1;
            self.skip_ws();
            true
        } else {
            self.pos = start;
            false
        }
    }

    /// The longest run of bytes `accept` takes. `accept` must answer alike for every byte of
    /// 0x80 and above, so the run never ends inside a UTF-8 sequence.
    pub fn take_while(&mut self, accept: impl Fn(u8) -> bool) -> &'a str {
        let start = self.pos;
        let bytes = self.text.as_bytes();
        while self.pos < bytes.len() && accept(bytes[self.pos]) {
            self.pos += 1;
        }
        &self.text[start..self.pos]
    }

    pub fn token(&mut self) -> Option<&'a str> {
        Some(self.take_while(is_token_byte)).filter(|t| !t.is_empty())
    }

    pub fn expect(&mut self, c: u8) -> Option<()> {
        (self.peek() == Some(c)).then(|| self.pos += 1)
    }

    /// `quoted-string`, starting at its opening quote: the content with escapes removed.
    /// `quoted-pair` may escape any character but CR and LF (§25.1).
    pub fn quoted_string(&mut self) -> Option<String> {
        self.expect(b'"')?;
        let mut out = String::new();
        let mut chars = self.text[self.pos..].char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.pos += i + 1;
                    return Some(out);
                }
                '\\' => match chars.next() {
                    Some((_, e)) if e.is_ascii() && e != '\r' && e != '\n' => out.push(e),
                    _ => return None,
                },
                c if c.is_ascii_control() && c != '\t' => return None,
                c => out.push(c),
            }
        }
        None
    }

    /// `*( SEMI generic-param )`, stopping before anything that is not a `;`.
    pub fn params(&mut self) -> Option<Params> {
        let mut out = Params::new();
        while self.separator(b';') {
            let name = self.token()?.to_string();
            let value = if self.separator(b'=') {
                Some(if self.peek() == Some(b'"') {
                    self.quoted_string()?
                } else {
                    Some(self.take_while(is_gen_value_byte))
                        .filter(|v| !v.is_empty())?
                        .to_string()
                })
            } else {
                None
            };
            out.push((name, value));
        }
        Some(out)
    }

    /// Trailing LWS, then nothing: whether the whole value was read.
    pub fn finish(&mut self) -> Option<()> {
        self.skip_ws();
        self.at_end().then_some(())
    }
}

/// `;name=value` parameters, in order; a parameter without `=` has no value. Quoted values are
/// kept unquoted and unescaped.
pub type Params = Vec<(String, Option<String>)>;

pub fn param<'a>(params: &'a Params, name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_deref().unwrap_or(""))
}

/// Writes parameters back, quoting a value that is not a plain `gen-value`.
pub fn write_params(out: &mut String, params: &Params) {
    for (k, v) in params {
        out.push(';');
        out.push_str(k);
        if let Some(v) = v {
            out.push('=');
            if v.is_empty() || !v.bytes().all(is_gen_value_byte) {
                write_quoted(out, v);
            } else {
                out.push_str(v);
            }
        }
    }
}

/// A `quoted-string` of `text`, with `\` and `"` escaped.
pub fn write_quoted(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        if c == '\\' || c == '"' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

/// Splits a header value at the commas that separate list elements (`COMMA`, §7.3.1), not those
/// inside quotes or angle brackets (a display name or a URI may contain commas).
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
    if text.len() >= 2 && text.starts_with('"') {
        let mut s = Scanner::new(text);
        if let Some(inner) = s.quoted_string().filter(|_| s.at_end()) {
            return inner;
        }
    }
    text.to_string()
}

/// A URI as the grammar allows it in a Request-URI or an `addr-spec` (`SIP-URI`, `SIPS-URI`,
/// `absoluteURI`): `scheme:` then URI characters only, `%` always followed by two hex digits.
/// We copy peers' URIs into our start lines and Route headers, so this is also what keeps a
/// hostile URI from breaking what we send.
pub fn is_uri(uri: &str) -> bool {
    let Some((scheme, rest)) = uri.split_once(':') else {
        return false;
    };
    let mut first = scheme.bytes();
    let scheme_ok = first.next().is_some_and(|c| c.is_ascii_alphabetic())
        && first.all(|c| c.is_ascii_alphanumeric() || b"+-.".contains(&c));
    let bytes = rest.as_bytes();
    let escapes_ok = bytes.iter().enumerate().all(|(i, b)| {
        *b != b'%'
            || (bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    });
    scheme_ok && !rest.is_empty() && rest.bytes().all(is_uri_byte) && escapes_ok
}

/// `Call-ID = word [ "@" word ]` (§25.1).
pub fn is_call_id(text: &str) -> bool {
    let is_word_byte = |b: u8| is_token_byte(b) || b"()<>:\\\"/[]?{}".contains(&b);
    let mut words = text.splitn(2, '@');
    words.all(|w| !w.is_empty() && w.bytes().all(is_word_byte))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_take_white_space_on_either_side() {
        let mut s = Scanner::new("a \t; b=\t\"x \\\"y\\\\\" ;c ;d = [::1]");
        assert_eq!(s.token(), Some("a"));
        let p = s.params().unwrap();
        assert_eq!(
            p,
            vec![
                ("b".to_string(), Some("x \"y\\".to_string())),
                ("c".to_string(), None),
                ("d".to_string(), Some("[::1]".to_string())),
            ]
        );
        assert_eq!(s.finish(), Some(()));
        for bad in [";", "; =x", ";a=", ";a=\"open", ";a=\"bad\\\r\"", ";a=b c"] {
            let mut s = Scanner::new(bad);
            assert!(
                s.params().is_none() || s.finish().is_none(),
                "{bad:?} should not read as parameters"
            );
        }
    }

    #[test]
    fn parameters_written_back_read_the_same() {
        let p: Params = vec![
            ("a".into(), Some("x y;z".into())),
            ("b".into(), Some(String::new())),
            ("c".into(), None),
            ("d".into(), Some("q\"\\".into())),
        ];
        let mut out = String::new();
        write_params(&mut out, &p);
        assert_eq!(Scanner::new(&out).params().unwrap(), p);
    }

    #[test]
    fn uris_follow_the_uri_character_set() {
        for good in [
            "sip:bob@sip.test",
            "sips:bob@[2001:db8::1]:5061;transport=tls?subject=a%20b",
            "tel:+81-3-1234-5678",
            "urn:service:sos",
        ] {
            assert!(is_uri(good), "{good}");
        }
        for bad in [
            "<sip:bob@sip.test>",
            "sip:bob @sip.test",
            "sip:",
            "1sip:bob",
            "sip:bob%2",
            "sip:bo\"b",
            "sip:#1",
            "bob",
        ] {
            assert!(!is_uri(bad), "{bad}");
        }
    }

    #[test]
    fn call_ids_are_words() {
        assert!(is_call_id("a84b4c76e66710@pc33.atlanta.com"));
        assert!(is_call_id("f81d4fae-7dec-11d0-a765-00a0c91e6bf6"));
        for bad in ["", "a b", "@x", "x@", "a@b@c", "été"] {
            assert!(!is_call_id(bad), "{bad}");
        }
    }
}
