//! A recursive-descent parser for the SOQL subset the devorg serves; the SOSL parser reuses it
//! for RETURNING clauses.

use super::ast::{CompareOp, Condition, FieldRef, Literal, Operand, OrderItem, Query, SelectItem};
use super::error::{ApiError, MALFORMED_QUERY, NUMBER_OUTSIDE_VALID_RANGE};
use super::lexer::{tokenize, Tok, Token};

/// SOQL's reserved words: never a field or object name.
const RESERVED: &[&str] = &[
    "AND", "ASC", "DESC", "EXCLUDES", "FIRST", "FROM", "GROUP", "HAVING", "IN", "INCLUDES", "LAST",
    "LIKE", "LIMIT", "NOT", "NULL", "NULLS", "OR", "SELECT", "WHERE", "WITH",
];

pub const MAX_OFFSET: usize = 2000;

/// Parses one SOQL query; schema checks come later, in [`crate::soql::execute`].
pub fn parse(query: &str) -> Result<Query, ApiError> {
    if query.trim().is_empty() {
        return Err(ApiError::new(
            MALFORMED_QUERY,
            "SOQL statements cannot be empty or null",
        ));
    }
    let mut p = Parser::new(query, 0, MALFORMED_QUERY)?;
    p.expect_kw("SELECT")?;
    let select = p.select_list()?;
    p.expect_kw("FROM")?;
    let (from, from_at) = p.name()?;
    let filter = if p.eat_kw("WHERE") {
        Some(p.condition()?)
    } else {
        None
    };
    let order_by = p.order_by()?;
    let (limit, offset) = p.limit_offset()?;
    p.expect_eof()?;
    Ok(Query {
        text: query.to_string(),
        select,
        from,
        from_at,
        filter,
        order_by,
        limit,
        offset,
    })
}

pub struct Parser<'a> {
    pub text: &'a str,
    pub chars: Vec<char>,
    pub toks: Vec<Token>,
    pub pos: usize,
    /// MALFORMED_QUERY, or MALFORMED_SEARCH when parsing inside SOSL.
    pub code: &'static str,
    /// Where the text before `from` ended (SOSL's `}`): errors at the first token point there.
    pub prev_end: Option<usize>,
}

impl<'a> Parser<'a> {
    /// Tokenises `text` from char index `from` on.
    pub fn new(text: &'a str, from: usize, code: &'static str) -> Result<Parser<'a>, ApiError> {
        let chars: Vec<char> = text.chars().collect();
        let toks = tokenize(text, &chars, from, code)?;
        Ok(Parser {
            text,
            chars,
            toks,
            pos: 0,
            code,
            prev_end: None,
        })
    }

    pub fn peek(&self) -> &Token {
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }

    fn advance(&mut self) -> Token {
        let t = self.peek().clone();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        t
    }

    /// `unexpected token: X`. Salesforce points the caret just past the previous token, and
    /// gives no diagram when the very first token is wrong (`unexpected token: 'invalid'`).
    pub fn unexpected(&self) -> ApiError {
        let detail = format!("unexpected token: {}", self.peek().shown(&self.chars));
        self.error_here(&detail)
    }

    /// An error with `detail`, placed as Salesforce places syntax errors.
    pub fn error_here(&self, detail: &str) -> ApiError {
        let at = match self.pos {
            0 => self.prev_end,
            n => Some(self.toks[n - 1].end),
        };
        match at {
            Some(at) => ApiError::at(self.code, self.text, at, detail),
            None => ApiError::new(self.code, detail),
        }
    }

    pub fn is_kw(&self, kw: &str) -> bool {
        matches!(&self.peek().tok, Tok::Ident(s) if s.eq_ignore_ascii_case(kw))
    }

    pub fn eat_kw(&mut self, kw: &str) -> bool {
        let hit = self.is_kw(kw);
        if hit {
            self.advance();
        }
        hit
    }

    pub fn expect_kw(&mut self, kw: &str) -> Result<(), ApiError> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    pub fn eat(&mut self, tok: &Tok) -> bool {
        let hit = &self.peek().tok == tok;
        if hit {
            self.advance();
        }
        hit
    }

    fn expect(&mut self, tok: &Tok) -> Result<(), ApiError> {
        if self.eat(tok) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    pub fn expect_eof(&self) -> Result<(), ApiError> {
        if self.peek().tok == Tok::Eof {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    /// A name that is not a reserved word, with its position.
    pub fn name(&mut self) -> Result<(String, usize), ApiError> {
        match &self.peek().tok {
            Tok::Ident(s) if !RESERVED.iter().any(|r| r.eq_ignore_ascii_case(s)) => {
                let out = (s.clone(), self.peek().start);
                self.advance();
                Ok(out)
            }
            _ => Err(self.unexpected()),
        }
    }

    pub fn field(&mut self) -> Result<FieldRef, ApiError> {
        let (name, at) = self.name()?;
        if name.starts_with('.') || name.ends_with('.') || name.contains("..") {
            self.pos -= 1;
            return Err(self.unexpected());
        }
        Ok(FieldRef {
            path: name.split('.').map(str::to_string).collect(),
            at,
        })
    }

    pub fn select_list(&mut self) -> Result<Vec<SelectItem>, ApiError> {
        let mut items = Vec::new();
        loop {
            let count = self.is_kw("COUNT")
                && self.toks.get(self.pos + 1).map(|t| &t.tok) == Some(&Tok::LParen);
            if count {
                self.advance();
                self.advance();
                self.expect(&Tok::RParen)?;
                items.push(SelectItem::Count);
            } else {
                items.push(SelectItem::Field(self.field()?));
            }
            if !self.eat(&Tok::Comma) {
                break;
            }
        }
        // COUNT() stands alone in a query (Salesforce rejects `SELECT Id, COUNT()`).
        if items.len() > 1 && items.contains(&SelectItem::Count) {
            return Err(self.unexpected());
        }
        Ok(items)
    }

    pub fn condition(&mut self) -> Result<Condition, ApiError> {
        let mut parts = vec![self.conjunction()?];
        while self.eat_kw("OR") {
            parts.push(self.conjunction()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Condition::Or(parts)
        })
    }

    fn conjunction(&mut self) -> Result<Condition, ApiError> {
        let mut parts = vec![self.negation()?];
        while self.eat_kw("AND") {
            parts.push(self.negation()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Condition::And(parts)
        })
    }

    fn negation(&mut self) -> Result<Condition, ApiError> {
        if self.eat_kw("NOT") {
            return Ok(Condition::Not(Box::new(self.negation()?)));
        }
        if self.eat(&Tok::LParen) {
            let inner = self.condition()?;
            self.expect(&Tok::RParen)?;
            return Ok(inner);
        }
        let field = self.field()?;
        let negated_in = self.is_kw("NOT");
        if negated_in {
            self.advance();
            if !self.is_kw("IN") {
                return Err(self.unexpected());
            }
        }
        if self.eat_kw("IN") {
            self.expect(&Tok::LParen)?;
            let mut values = vec![self.value(false)?];
            while self.eat(&Tok::Comma) {
                values.push(self.value(false)?);
            }
            self.expect(&Tok::RParen)?;
            return Ok(Condition::In {
                field,
                negated: negated_in,
                values,
            });
        }
        let op = match &self.peek().tok {
            Tok::Op(op) => match *op {
                "=" => CompareOp::Eq,
                "!=" | "<>" => CompareOp::Ne,
                "<" => CompareOp::Lt,
                ">" => CompareOp::Gt,
                "<=" => CompareOp::Le,
                _ => CompareOp::Ge,
            },
            Tok::Ident(s) if s.eq_ignore_ascii_case("LIKE") => CompareOp::Like,
            _ => return Err(self.unexpected()),
        };
        self.advance();
        let value = self.value(op == CompareOp::Like)?;
        Ok(Condition::Compare { field, op, value })
    }

    /// A literal. `\_` and `\%` are only valid in a LIKE pattern.
    fn value(&mut self, like: bool) -> Result<Operand, ApiError> {
        let at = self.peek().start;
        let literal = match &self.peek().tok {
            Tok::Str(raw) => {
                if !like {
                    if let Some(seq) = like_only_escape(raw) {
                        let detail = format!(
                            "Invalid string literal '{raw}'. Illegal character sequence '{seq}' in string literal."
                        );
                        return Err(ApiError::at(self.code, self.text, at, &detail));
                    }
                }
                Literal::Str(raw.clone())
            }
            Tok::Number(n) => match n.parse::<f64>() {
                Ok(v) => Literal::Number(v),
                Err(_) => return Err(self.unexpected()),
            },
            Tok::Date(d) => Literal::Date(d.clone()),
            Tok::DateTime(d) => Literal::DateTime(d.clone()),
            Tok::Ident(s) if s.eq_ignore_ascii_case("true") => Literal::Bool(true),
            Tok::Ident(s) if s.eq_ignore_ascii_case("false") => Literal::Bool(false),
            Tok::Ident(s) if s.eq_ignore_ascii_case("null") => Literal::Null,
            _ => return Err(self.unexpected()),
        };
        self.advance();
        Ok(Operand { literal, at })
    }

    pub fn order_by(&mut self) -> Result<Vec<OrderItem>, ApiError> {
        let mut items = Vec::new();
        if !self.is_kw("ORDER") {
            return Ok(items);
        }
        self.advance();
        self.expect_kw("BY")?;
        loop {
            let field = self.field()?;
            let descending = if self.eat_kw("DESC") {
                true
            } else {
                self.eat_kw("ASC");
                false
            };
            let mut nulls_first = !descending;
            if self.eat_kw("NULLS") {
                nulls_first = if self.eat_kw("FIRST") {
                    true
                } else {
                    self.expect_kw("LAST")?;
                    false
                };
            }
            items.push(OrderItem {
                field,
                descending,
                nulls_first,
            });
            if !self.eat(&Tok::Comma) {
                return Ok(items);
            }
        }
    }

    pub fn limit_offset(&mut self) -> Result<(Option<usize>, Option<usize>), ApiError> {
        let limit = if self.eat_kw("LIMIT") {
            Some(self.count()?.0)
        } else {
            None
        };
        let offset = if self.eat_kw("OFFSET") {
            let (n, at) = self.count()?;
            if n > MAX_OFFSET {
                let detail = format!("Maximum SOQL offset allowed is {MAX_OFFSET}");
                return Err(ApiError::at(
                    NUMBER_OUTSIDE_VALID_RANGE,
                    self.text,
                    at,
                    &detail,
                ));
            }
            Some(n)
        } else {
            None
        };
        Ok((limit, offset))
    }

    /// A non-negative integer, as LIMIT and OFFSET take.
    pub fn count(&mut self) -> Result<(usize, usize), ApiError> {
        let t = self.peek().clone();
        match &t.tok {
            Tok::Number(n) => match n.parse::<usize>() {
                Ok(v) => {
                    self.advance();
                    Ok((v, t.start))
                }
                Err(_) => Err(self.unexpected()),
            },
            _ => Err(self.unexpected()),
        }
    }
}

fn like_only_escape(raw: &str) -> Option<&'static str> {
    let mut it = raw.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            match it.next() {
                Some('_') => return Some("\\_"),
                Some('%') => return Some("\\%"),
                _ => {}
            }
        }
    }
    None
}

/// One element of a LIKE pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum LikePart {
    Char(char),
    AnyChar,
    AnyRun,
}

/// Decodes a string literal's escapes (the lexer already rejected unknown ones).
pub fn unescape(raw: &str) -> String {
    like_pattern(raw)
        .into_iter()
        .map(|p| match p {
            LikePart::Char(c) => c,
            LikePart::AnyChar => '_',
            LikePart::AnyRun => '%',
        })
        .collect()
}

/// Decodes a LIKE pattern: bare `_`/`%` are wildcards, `\_`/`\%` literal.
pub fn like_pattern(raw: &str) -> Vec<LikePart> {
    let mut out = Vec::new();
    let mut it = raw.chars();
    while let Some(c) = it.next() {
        out.push(match c {
            '\\' => LikePart::Char(match it.next() {
                Some('n') => '\n',
                Some('r') => '\r',
                Some('t') => '\t',
                Some('b') => '\u{8}',
                Some('f') => '\u{c}',
                Some(other) => other,
                None => '\\',
            }),
            '_' => LikePart::AnyChar,
            '%' => LikePart::AnyRun,
            c => LikePart::Char(c),
        });
    }
    out
}
