//! How SOQL compares and orders field values: case-insensitive text, 15-char Ids, numbers,
//! dates and dateTimes across time zones.

use std::cmp::Ordering;

use serde_json::Value;

use super::ast::{CompareOp, Literal};
use super::parser::{like_pattern, unescape, LikePart};
use super::schema::FieldType;

/// Whether a record's value satisfies `value <op> literal`. SOQL's null rules: `= null` and
/// `!= null` test for absence; a null value is `!=` any non-null literal and fails the rest.
pub fn matches(value: &Value, kind: FieldType, op: CompareOp, literal: &Literal) -> bool {
    if let Literal::Null = literal {
        return match op {
            CompareOp::Eq => value.is_null(),
            CompareOp::Ne => !value.is_null(),
            _ => false,
        };
    }
    if value.is_null() {
        return op == CompareOp::Ne;
    }
    if op == CompareOp::Like {
        let Literal::Str(raw) = literal else {
            return false;
        };
        let text = text_of(value).to_lowercase();
        return like(&text.chars().collect::<Vec<_>>(), &lower_pattern(raw));
    }
    let Some(ord) = compare_to_literal(value, kind, literal) else {
        return op == CompareOp::Ne;
    };
    match op {
        CompareOp::Eq => ord == Ordering::Equal,
        CompareOp::Ne => ord != Ordering::Equal,
        CompareOp::Lt => ord == Ordering::Less,
        CompareOp::Gt => ord == Ordering::Greater,
        CompareOp::Le => ord != Ordering::Greater,
        CompareOp::Ge => ord != Ordering::Less,
        CompareOp::Like => false,
    }
}

fn compare_to_literal(value: &Value, kind: FieldType, literal: &Literal) -> Option<Ordering> {
    match literal {
        Literal::Str(raw) => {
            let wanted = unescape(raw);
            if matches!(kind, FieldType::Id | FieldType::Reference) {
                // Ids compare on their case-sensitive 15-char form: either length finds the record.
                let a = text_of(value);
                return Some(id15(&a).cmp(id15(&wanted)));
            }
            Some(text_of(value).to_lowercase().cmp(&wanted.to_lowercase()))
        }
        Literal::Number(n) => number_of(value)?.partial_cmp(n),
        Literal::Bool(b) => Some(value.as_bool()?.cmp(b)),
        Literal::Date(d) | Literal::DateTime(d) => {
            let stored = value.as_str()?;
            Some(epoch_seconds(stored)?.cmp(&epoch_seconds(d)?))
        }
        Literal::Null => None,
    }
}

fn id15(id: &str) -> &str {
    id.get(..15).unwrap_or(id)
}

/// Orders two stored values of one field (nulls are handled by the caller).
pub fn order(a: &Value, b: &Value, kind: FieldType) -> Ordering {
    if kind.is_number() {
        let (x, y) = (number_of(a).unwrap_or(0.0), number_of(b).unwrap_or(0.0));
        return x.partial_cmp(&y).unwrap_or(Ordering::Equal);
    }
    match kind {
        FieldType::Boolean => a.as_bool().cmp(&b.as_bool()),
        FieldType::Date | FieldType::DateTime => {
            let key = |v: &Value| v.as_str().and_then(epoch_seconds);
            key(a).cmp(&key(b))
        }
        _ => text_of(a).to_lowercase().cmp(&text_of(b).to_lowercase()),
    }
}

pub fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn number_of(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn lower_pattern(raw: &str) -> Vec<LikePart> {
    like_pattern(raw)
        .into_iter()
        .flat_map(|p| match p {
            LikePart::Char(c) => c.to_lowercase().map(LikePart::Char).collect::<Vec<_>>(),
            other => vec![other],
        })
        .collect()
}

/// LIKE matching with `_` (one char) and `%` (any run).
fn like(text: &[char], pattern: &[LikePart]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((LikePart::AnyRun, rest)) => (0..=text.len()).any(|i| like(&text[i..], rest)),
        Some((LikePart::AnyChar, rest)) => !text.is_empty() && like(&text[1..], rest),
        Some((LikePart::Char(c), rest)) => text.first() == Some(c) && like(&text[1..], rest),
    }
}

/// Seconds since 1970 for `YYYY-MM-DD` (midnight UTC) or a dateTime with `Z`, `±hh:mm` or
/// `±hhmm` (Salesforce returns `2026-11-26T00:00:00.000+0000`).
pub fn epoch_seconds(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> { text.get(from..from + len)?.parse().ok() };
    let (y, m, d) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    if b.get(4) != Some(&b'-')
        || b.get(7) != Some(&b'-')
        || !(1..=12).contains(&m)
        || !(1..=31).contains(&d)
    {
        return None;
    }
    let days = days_from_civil(y, m, d);
    if b.len() == 10 {
        return Some(days * 86_400);
    }
    let (hh, mm, ss) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    let offset = match b.get(i) {
        Some(b'Z') | None => 0,
        Some(sign @ (b'+' | b'-')) => {
            let zone = text.get(i + 1..)?.replace(':', "");
            let (h, mi): (i64, i64) = (zone.get(..2)?.parse().ok()?, zone.get(2..4)?.parse().ok()?);
            let secs = h * 3600 + mi * 60;
            if *sign == b'+' {
                secs
            } else {
                -secs
            }
        }
        _ => return None,
    };
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss - offset)
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn datetimes_compare_across_zones() {
        assert_eq!(epoch_seconds("1970-01-02"), Some(86_400));
        assert_eq!(
            epoch_seconds("2026-11-26T09:00:00.000+0900"),
            epoch_seconds("2026-11-26T00:00:00Z")
        );
        assert_eq!(
            epoch_seconds("2026-11-26T09:00:00+09:00"),
            epoch_seconds("2026-11-26")
        );
    }

    #[test]
    fn like_is_case_insensitive_with_wildcards_and_escapes() {
        let v = json!("Yamada_Taro");
        let is = |p: &str| {
            matches(
                &v,
                FieldType::String,
                CompareOp::Like,
                &Literal::Str(p.into()),
            )
        };
        assert!(is("yamada%"));
        assert!(is("%\\_taro"));
        assert!(is("Yamad__Taro"));
        assert!(!is("yamada\\%"));
    }

    #[test]
    fn ids_match_by_15_chars_and_null_rules_hold() {
        let id = json!("0035g00000Yam4dAAB");
        let lit = Literal::Str("0035g00000Yam4d".into());
        assert!(matches(&id, FieldType::Id, CompareOp::Eq, &lit));
        assert!(matches(
            &Value::Null,
            FieldType::String,
            CompareOp::Ne,
            &Literal::Str("x".into())
        ));
        assert!(matches(
            &Value::Null,
            FieldType::String,
            CompareOp::Eq,
            &Literal::Null
        ));
        assert!(!matches(
            &json!(1),
            FieldType::Int,
            CompareOp::Eq,
            &Literal::Null
        ));
    }
}
