//! SOQL tokens with their char positions, shared by the SOSL RETURNING clause.

use super::error::ApiError;

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A name or dotted path (`Account.Name`); keywords are names too, told apart by the parser.
    Ident(String),
    /// The text between the quotes, escapes still in place (LIKE decodes `\%` differently).
    Str(String),
    Number(String),
    Date(String),
    DateTime(String),
    Comma,
    LParen,
    RParen,
    Op(&'static str),
    Eof,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub tok: Tok,
    /// Char index of the first char.
    pub start: usize,
    /// Char index just past the last char.
    pub end: usize,
}

impl Token {
    /// How Salesforce names the token in `unexpected token: ...`.
    pub fn shown(&self, chars: &[char]) -> String {
        match self.tok {
            Tok::Eof => "<EOF>".into(),
            _ => format!(
                "'{}'",
                chars[self.start..self.end].iter().collect::<String>()
            ),
        }
    }
}

/// Splits `chars[from..]` into tokens; `code` is the error code for bad input (query or search).
pub fn tokenize(
    text: &str,
    chars: &[char],
    from: usize,
    code: &'static str,
) -> Result<Vec<Token>, ApiError> {
    let mut out = Vec::new();
    let mut i = from;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let tok = if c.is_whitespace() {
            i += 1;
            continue;
        } else if c.is_ascii_alphabetic() || c == '_' {
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || "_.".contains(chars[i])) {
                i += 1;
            }
            Tok::Ident(chars[start..i].iter().collect())
        } else if c == '\'' {
            i = string_end(text, chars, start, code)?;
            Tok::Str(chars[start + 1..i - 1].iter().collect())
        } else if c.is_ascii_digit() || (c == '-' || c == '+') && next_is_digit(chars, i) {
            let (tok, end) = number_or_date(chars, i);
            i = end;
            tok
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let (op, len) = match two.as_str() {
                "!=" => ("!=", 2),
                "<>" => ("<>", 2),
                "<=" => ("<=", 2),
                ">=" => (">=", 2),
                _ => match c {
                    '=' => ("=", 1),
                    '<' => ("<", 1),
                    '>' => (">", 1),
                    ',' => (",", 1),
                    '(' => ("(", 1),
                    ')' => (")", 1),
                    _ => {
                        let detail = format!("unexpected token: '{c}'");
                        return Err(ApiError::at(code, text, i, &detail));
                    }
                },
            };
            i += len;
            match op {
                "," => Tok::Comma,
                "(" => Tok::LParen,
                ")" => Tok::RParen,
                _ => Tok::Op(op),
            }
        };
        out.push(Token { tok, start, end: i });
    }
    out.push(Token {
        tok: Tok::Eof,
        start: chars.len(),
        end: chars.len(),
    });
    Ok(out)
}

fn next_is_digit(chars: &[char], i: usize) -> bool {
    chars.get(i + 1).is_some_and(|c| c.is_ascii_digit())
}

/// Index just past the closing quote; the escapes themselves are checked here so that a bad one
/// is reported where it is.
fn string_end(
    text: &str,
    chars: &[char],
    start: usize,
    code: &'static str,
) -> Result<usize, ApiError> {
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '\'' => return Ok(i + 1),
            '\\' => {
                let next = chars.get(i + 1).copied();
                if !next.is_some_and(|n| "nrtbf\"'\\_%".contains(n)) {
                    let literal: String =
                        chars[start..].iter().take_while(|&&c| c != '\n').collect();
                    let seq = format!("\\{}", next.map(String::from).unwrap_or_default());
                    let detail = format!(
                        "Invalid string literal {literal}. Illegal character sequence '{seq}' in string literal."
                    );
                    return Err(ApiError::at(code, text, start, &detail));
                }
                i += 2;
            }
            _ => i += 1,
        }
    }
    Err(ApiError::at(
        code,
        text,
        start,
        "unexpected token: <EOF> (a string literal has no closing quote)",
    ))
}

/// A number, or a date / dateTime literal (`2026-11-26`, `2026-11-26T00:00:00Z`).
fn number_or_date(chars: &[char], start: usize) -> (Tok, usize) {
    let rest: String = chars[start..(start + 40).min(chars.len())].iter().collect();
    if let Some(len) = date_len(&rest) {
        let text: String = rest.chars().take(len).collect();
        return if len == 10 {
            (Tok::Date(text), start + len)
        } else {
            (Tok::DateTime(text), start + len)
        };
    }
    let mut i = start + 1;
    while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
        i += 1;
    }
    (Tok::Number(chars[start..i].iter().collect()), i)
}

/// Length of a date (10) or dateTime literal at the start of `s`, if there is one.
fn date_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let digits = |from: usize, n: usize| {
        b.len() >= from + n && b[from..from + n].iter().all(u8::is_ascii_digit)
    };
    if !(digits(0, 4)
        && b.get(4) == Some(&b'-')
        && digits(5, 2)
        && b.get(7) == Some(&b'-')
        && digits(8, 2))
    {
        return None;
    }
    if b.get(10) != Some(&b'T') {
        return Some(10);
    }
    if !(digits(11, 2)
        && b.get(13) == Some(&b':')
        && digits(14, 2)
        && b.get(16) == Some(&b':')
        && digits(17, 2))
    {
        return Some(10);
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    match b.get(i) {
        Some(b'Z') => Some(i + 1),
        Some(b'+') | Some(b'-')
            if digits(i + 1, 2) && b.get(i + 3) == Some(&b':') && digits(i + 4, 2) =>
        {
            Some(i + 6)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(q: &str) -> Vec<Tok> {
        let chars: Vec<char> = q.chars().collect();
        tokenize(q, &chars, 0, "MALFORMED_QUERY")
            .unwrap()
            .into_iter()
            .map(|t| t.tok)
            .collect()
    }

    #[test]
    fn tokens_cover_paths_literals_and_operators() {
        assert_eq!(
            toks("Account.Name != 'a\\'b' <= -1.5 2026-11-26 2026-11-26T00:00:00Z 2026-11-26T09:00:00.000+09:00"),
            vec![
                Tok::Ident("Account.Name".into()),
                Tok::Op("!="),
                Tok::Str("a\\'b".into()),
                Tok::Op("<="),
                Tok::Number("-1.5".into()),
                Tok::Date("2026-11-26".into()),
                Tok::DateTime("2026-11-26T00:00:00Z".into()),
                Tok::DateTime("2026-11-26T09:00:00.000+09:00".into()),
                Tok::Eof,
            ]
        );
    }

    #[test]
    fn bad_escape_is_malformed() {
        let q = "SELECT Id FROM Account WHERE Name = 'a\\qb'";
        let chars: Vec<char> = q.chars().collect();
        let e = tokenize(q, &chars, 0, "MALFORMED_QUERY").unwrap_err();
        assert_eq!(e.error_code, "MALFORMED_QUERY");
        assert!(
            e.message
                .ends_with("Illegal character sequence '\\q' in string literal."),
            "{}",
            e.message
        );
    }
}
