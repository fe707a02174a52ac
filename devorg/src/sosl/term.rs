//! The search term between FIND's braces: words, wildcards, phrases, AND / OR / AND NOT and
//! parentheses, with backslash escapes for the reserved characters.

use crate::soql::{ApiError, MALFORMED_SEARCH};

/// SOSL's reserved characters (reference §3.2): literal only when escaped with `\`.
pub const RESERVED: &str = "?&|!{}[]()^~*:\\\"'+-";

/// The errorCode for a term shorter than two characters. UNCONFIRMED: the reference only knows
/// Apex's message; REST's code could be INVALID_SEARCH or MALFORMED_SEARCH.
pub const SEARCH_TERM_TOO_SHORT: &str = "INVALID_SEARCH";
pub const SEARCH_TERM_TOO_SHORT_MESSAGE: &str = "search term must be longer than one character";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece {
    Char(char),
    /// `*`: any run of characters.
    AnyRun,
    /// `?`: exactly one character.
    AnyOne,
}

/// One word of the term, escapes resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word(pub Vec<Piece>);

impl Word {
    pub fn has_wildcard(&self) -> bool {
        self.0.iter().any(|p| !matches!(p, Piece::Char(_)))
    }

    pub fn literal(&self) -> String {
        self.0
            .iter()
            .map(|p| match p {
                Piece::Char(c) => *c,
                Piece::AnyRun => '*',
                Piece::AnyOne => '?',
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    Word(Word),
    /// `"…"`: these words, next to each other, in this order.
    Phrase(Vec<Word>),
    And(Vec<Term>),
    Or(Vec<Term>),
    AndNot(Box<Term>, Box<Term>),
}

#[derive(Debug, Clone, PartialEq)]
enum Lexeme {
    Word(Word),
    Phrase(Vec<Word>),
    Open,
    Close,
}

/// Parses the term whose chars are `chars[start..end]` of the whole search `text`.
pub fn parse_term(text: &str, chars: &[char], start: usize, end: usize) -> Result<Term, ApiError> {
    let lexemes = lex(text, chars, start, end)?;
    let significant: usize = lexemes
        .iter()
        .map(|(l, _)| match l {
            Lexeme::Word(w) => count_chars(w),
            Lexeme::Phrase(ws) => ws.iter().map(count_chars).sum(),
            _ => 0,
        })
        .sum();
    // Operator words count toward the length: `{OR}` passes this check, then is malformed.
    if significant < 2 {
        return Err(ApiError::new(
            SEARCH_TERM_TOO_SHORT,
            SEARCH_TERM_TOO_SHORT_MESSAGE,
        ));
    }
    let mut p = TermParser {
        text,
        lexemes,
        pos: 0,
        end,
    };
    let term = p.or()?;
    if p.pos < p.lexemes.len() {
        return Err(p.unexpected());
    }
    Ok(term)
}

fn count_chars(w: &Word) -> usize {
    w.0.iter().filter(|p| matches!(p, Piece::Char(_))).count()
}

fn malformed(text: &str, at: usize, detail: &str) -> ApiError {
    ApiError::at(MALFORMED_SEARCH, text, at, detail)
}

fn lex(
    text: &str,
    chars: &[char],
    start: usize,
    end: usize,
) -> Result<Vec<(Lexeme, usize)>, ApiError> {
    let mut out = Vec::new();
    let mut i = start;
    while i < end {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                out.push((Lexeme::Open, i));
                i += 1;
            }
            ')' => {
                out.push((Lexeme::Close, i));
                i += 1;
            }
            '"' => {
                let at = i;
                let mut words = Vec::new();
                i += 1;
                loop {
                    while i < end && chars[i].is_whitespace() {
                        i += 1;
                    }
                    if i >= end {
                        return Err(malformed(
                            text,
                            at,
                            "Invalid search term: a phrase has no closing '\"'",
                        ));
                    }
                    if chars[i] == '"' {
                        i += 1;
                        break;
                    }
                    let (word, next) = word(text, chars, i, end)?;
                    words.push(word);
                    i = next;
                }
                out.push((Lexeme::Phrase(words), at));
            }
            _ => {
                let at = i;
                let (word, next) = word(text, chars, i, end)?;
                out.push((Lexeme::Word(word), at));
                i = next;
            }
        }
    }
    Ok(out)
}

/// A word from `i`, up to whitespace, a parenthesis or (inside a phrase) the closing quote.
fn word(text: &str, chars: &[char], mut i: usize, end: usize) -> Result<(Word, usize), ApiError> {
    let mut pieces = Vec::new();
    while i < end {
        let c = chars[i];
        if c.is_whitespace() || c == '(' || c == ')' || c == '"' {
            break;
        }
        match c {
            '\\' => {
                let Some(&next) = chars.get(i + 1).filter(|_| i + 1 < end) else {
                    return Err(malformed(
                        text,
                        i,
                        "Invalid search term: a '\\' escapes nothing",
                    ));
                };
                pieces.push(Piece::Char(next));
                i += 2;
            }
            '*' => {
                pieces.push(Piece::AnyRun);
                i += 1;
            }
            '?' => {
                pieces.push(Piece::AnyOne);
                i += 1;
            }
            c if RESERVED.contains(c) => {
                let detail = format!("Invalid search term: reserved character '{c}' must be escaped with a backslash");
                return Err(malformed(text, i, &detail));
            }
            c => {
                pieces.push(Piece::Char(c));
                i += 1;
            }
        }
    }
    Ok((Word(pieces), i))
}

struct TermParser<'a> {
    text: &'a str,
    lexemes: Vec<(Lexeme, usize)>,
    pos: usize,
    /// Char index of the closing brace, for errors at the end of the term.
    end: usize,
}

impl TermParser<'_> {
    fn is_op(&self, op: &str) -> bool {
        matches!(self.lexemes.get(self.pos), Some((Lexeme::Word(w), _)) if w.literal() == op && !w.has_wildcard())
    }

    fn unexpected(&self) -> ApiError {
        match self.lexemes.get(self.pos) {
            Some((l, at)) => {
                let shown = match l {
                    Lexeme::Word(w) => w.literal(),
                    Lexeme::Phrase(_) => "\"".into(),
                    Lexeme::Open => "(".into(),
                    Lexeme::Close => ")".into(),
                };
                malformed(self.text, *at, &format!("Malformed search token: {shown}"))
            }
            None => malformed(self.text, self.end, "Malformed search token: <EOF>"),
        }
    }

    fn or(&mut self) -> Result<Term, ApiError> {
        let mut parts = vec![self.and()?];
        while self.is_op("OR") {
            self.pos += 1;
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Term::Or(parts)
        })
    }

    /// Words side by side are AND-ed, as with an explicit AND.
    fn and(&mut self) -> Result<Term, ApiError> {
        let mut term = self.unary()?;
        let mut parts = Vec::new();
        loop {
            if self.is_op("AND") {
                self.pos += 1;
                if self.is_op("NOT") {
                    self.pos += 1;
                    let right = self.unary()?;
                    parts.push(term);
                    term = Term::AndNot(
                        Box::new(collect_and(std::mem::take(&mut parts))),
                        Box::new(right),
                    );
                    continue;
                }
                parts.push(term);
                term = self.unary()?;
            } else if self.starts_unary() {
                parts.push(term);
                term = self.unary()?;
            } else {
                parts.push(term);
                return Ok(collect_and(parts));
            }
        }
    }

    fn starts_unary(&self) -> bool {
        match self.lexemes.get(self.pos) {
            Some((Lexeme::Close, _)) | None => false,
            Some(_) => !self.is_op("OR"),
        }
    }

    fn unary(&mut self) -> Result<Term, ApiError> {
        let Some((lexeme, _)) = self.lexemes.get(self.pos).cloned() else {
            return Err(self.unexpected());
        };
        if self.is_op("AND") || self.is_op("OR") {
            return Err(self.unexpected());
        }
        match lexeme {
            Lexeme::Word(w) => {
                self.pos += 1;
                Ok(Term::Word(w))
            }
            Lexeme::Phrase(ws) => {
                self.pos += 1;
                Ok(Term::Phrase(ws))
            }
            Lexeme::Open => {
                self.pos += 1;
                let inner = self.or()?;
                if !matches!(self.lexemes.get(self.pos), Some((Lexeme::Close, _))) {
                    return Err(self.unexpected());
                }
                self.pos += 1;
                Ok(inner)
            }
            Lexeme::Close => Err(self.unexpected()),
        }
    }
}

fn collect_and(mut parts: Vec<Term>) -> Term {
    if parts.len() == 1 {
        parts.remove(0)
    } else {
        Term::And(parts)
    }
}
