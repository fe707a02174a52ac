//! `FIND {term} [IN … FIELDS] [RETURNING Obj(fields [WHERE …] [ORDER BY …] [LIMIT n]), …] [LIMIT n]`.

use crate::soql::parser::Parser;
use crate::soql::{ApiError, Condition, FieldRef, OrderItem, MALFORMED_SEARCH};

use super::term::{parse_term, Term};

/// Which fields the term is looked for in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// `IN ALL FIELDS` (the default; `SIDEBAR FIELDS` is treated the same).
    All,
    Name,
    Email,
    Phone,
}

/// One object of the RETURNING clause.
#[derive(Debug, Clone, PartialEq)]
pub struct Returning {
    pub object: String,
    pub at: usize,
    /// Empty when the object was named without a field list: only `Id` comes back.
    pub fields: Vec<FieldRef>,
    pub filter: Option<Condition>,
    pub order_by: Vec<OrderItem>,
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Search {
    pub text: String,
    pub term: Term,
    pub scope: Scope,
    /// Empty without RETURNING: every searchable object, `Id` only.
    pub returning: Vec<Returning>,
    pub limit: Option<usize>,
}

/// Parses a SOSL search; schema checks come later, in [`crate::sosl::execute`].
pub fn parse(search: &str) -> Result<Search, ApiError> {
    let chars: Vec<char> = search.chars().collect();
    let mut i = skip_space(&chars, 0);
    let find: String = chars[i..(i + 4).min(chars.len())].iter().collect();
    if !find.eq_ignore_ascii_case("FIND") || chars.get(i + 4).is_some_and(|c| c.is_alphanumeric()) {
        let first: String = chars[i..]
            .iter()
            .take_while(|c| !c.is_whitespace())
            .collect();
        let shown = if first.is_empty() {
            "<EOF>".to_string()
        } else {
            format!("'{first}'")
        };
        return Err(ApiError::new(
            MALFORMED_SEARCH,
            format!("unexpected token: {shown}"),
        ));
    }
    let find_end = i + 4;
    i = skip_space(&chars, find_end);
    if chars.get(i) != Some(&'{') {
        let detail =
            "Malformed search: the search term must be enclosed in braces, as in FIND {term}";
        return Err(ApiError::at(MALFORMED_SEARCH, search, find_end, detail));
    }
    let open = i;
    let Some(close) = closing_brace(&chars, open + 1) else {
        return Err(ApiError::at(
            MALFORMED_SEARCH,
            search,
            open,
            "Malformed search: the search term has no closing '}'",
        ));
    };
    let term = parse_term(search, &chars, open + 1, close)?;
    let mut p = Parser::new(search, close + 1, MALFORMED_SEARCH)?;
    p.prev_end = Some(close + 1);
    let scope = scope(&mut p)?;
    let returning = if p.eat_kw("RETURNING") {
        returning(&mut p)?
    } else {
        Vec::new()
    };
    let limit = if p.eat_kw("LIMIT") {
        Some(p.count()?.0)
    } else {
        None
    };
    if !matches!(p.peek().tok, crate::soql::lexer::Tok::Eof) {
        return Err(bad_token(&p));
    }
    Ok(Search {
        text: search.to_string(),
        term,
        scope,
        returning,
        limit,
    })
}

fn skip_space(chars: &[char], mut i: usize) -> usize {
    while chars.get(i).is_some_and(|c| c.is_whitespace()) {
        i += 1;
    }
    i
}

/// The first `}` not escaped by a backslash.
fn closing_brace(chars: &[char], mut i: usize) -> Option<usize> {
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '}' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// As Salesforce words it (`Malformed search token: TYPE`, reference §3.1).
fn bad_token(p: &Parser) -> ApiError {
    let t = p.peek();
    let shown: String = if t.start == t.end {
        "<EOF>".into()
    } else {
        p.chars[t.start..t.end].iter().collect()
    };
    p.error_here(&format!("Malformed search token: {shown}"))
}

fn scope(p: &mut Parser) -> Result<Scope, ApiError> {
    if !p.eat_kw("IN") {
        return Ok(Scope::All);
    }
    let scope = ["ALL", "NAME", "EMAIL", "PHONE", "SIDEBAR"]
        .into_iter()
        .find(|kw| p.is_kw(kw))
        .ok_or_else(|| bad_token(p))?;
    p.eat_kw(scope);
    if !p.eat_kw("FIELDS") {
        return Err(bad_token(p));
    }
    Ok(match scope {
        "NAME" => Scope::Name,
        "EMAIL" => Scope::Email,
        "PHONE" => Scope::Phone,
        _ => Scope::All,
    })
}

fn returning(p: &mut Parser) -> Result<Vec<Returning>, ApiError> {
    let mut out = Vec::new();
    loop {
        let (object, at) = p.name().map_err(|_| bad_token(p))?;
        let mut item = Returning {
            object,
            at,
            fields: Vec::new(),
            filter: None,
            order_by: Vec::new(),
            limit: None,
            offset: None,
        };
        if p.eat(&crate::soql::lexer::Tok::LParen) {
            item.fields = p
                .select_list()?
                .into_iter()
                .map(|s| match s {
                    crate::soql::SelectItem::Field(f) => Ok(f),
                    crate::soql::SelectItem::Count => Err(p.unexpected()),
                })
                .collect::<Result<_, _>>()?;
            if p.eat_kw("WHERE") {
                item.filter = Some(p.condition()?);
            }
            item.order_by = p.order_by()?;
            (item.limit, item.offset) = p.limit_offset()?;
            if !p.eat(&crate::soql::lexer::Tok::RParen) {
                return Err(p.unexpected());
            }
        }
        out.push(item);
        if !p.eat(&crate::soql::lexer::Tok::Comma) {
            return Ok(out);
        }
    }
}
