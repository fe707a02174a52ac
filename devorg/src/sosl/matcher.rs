//! Whether a record matches a search term: text fields by case-insensitive tokens (CJK by
//! substring), phone fields by digits.

use crate::soql::FieldType;

use super::phone::{pattern_matches, phone_pattern, PhoneMatching};
use super::term::{Piece, Term, Word};

/// A searched field's type and text on one record.
pub struct Searched<'a> {
    pub kind: FieldType,
    pub text: &'a str,
}

pub fn record_matches(term: &Term, fields: &[Searched], phone: PhoneMatching) -> bool {
    match term {
        Term::Word(w) => fields.iter().any(|f| word_matches(w, f, phone)),
        Term::Phrase(words) => fields.iter().any(|f| phrase_matches(words, f, phone)),
        Term::Or(parts) => parts.iter().any(|t| record_matches(t, fields, phone)),
        Term::AndNot(left, right) => {
            record_matches(left, fields, phone) && !record_matches(right, fields, phone)
        }
        Term::And(parts) => {
            // A word of punctuation only (`Smith \& Co`) has no token to look for: it is skipped.
            let real: Vec<&Term> = parts.iter().filter(|t| !is_blank(t)).collect();
            (!real.is_empty() && real.iter().all(|t| record_matches(t, fields, phone)))
                || spaced_number_matches(parts, fields, phone)
        }
    }
}

fn is_blank(term: &Term) -> bool {
    matches!(term, Term::Word(w) if split_pieces(&w.0).is_empty() && phone_pattern(w).is_none())
}

/// `{03 1234 5678}`: words that are all number fragments are also tried as one number.
fn spaced_number_matches(parts: &[Term], fields: &[Searched], phone: PhoneMatching) -> bool {
    let words: Option<Vec<&Word>> = parts
        .iter()
        .map(|t| match t {
            Term::Word(w) => Some(w),
            _ => None,
        })
        .collect();
    let Some(words) = words else {
        return false;
    };
    phrase_matches_phone(
        &words.into_iter().cloned().collect::<Vec<_>>(),
        fields,
        phone,
    )
}

fn phrase_matches_phone(words: &[Word], fields: &[Searched], phone: PhoneMatching) -> bool {
    let joined = Word(words.iter().flat_map(|w| w.0.iter().copied()).collect());
    fields
        .iter()
        .any(|f| f.kind == FieldType::Phone && phone_matches(&joined, f.text, phone))
}

fn phone_matches(word: &Word, stored: &str, phone: PhoneMatching) -> bool {
    phone_pattern(word).is_some_and(|p| pattern_matches(&p, stored, phone))
}

/// A number is only ever compared as a whole number against a phone field (never token by
/// token, which would let `{5678}` find every number ending in 5678).
fn word_matches(word: &Word, field: &Searched, phone: PhoneMatching) -> bool {
    if field.kind == FieldType::Phone {
        if let Some(pattern) = phone_pattern(word) {
            return pattern_matches(&pattern, field.text, phone);
        }
    }
    phrase_in_text(std::slice::from_ref(word), field.text)
}

fn phrase_matches(words: &[Word], field: &Searched, phone: PhoneMatching) -> bool {
    let joined = Word(words.iter().flat_map(|w| w.0.iter().copied()).collect());
    if field.kind == FieldType::Phone && phone_pattern(&joined).is_some() {
        return phone_matches(&joined, field.text, phone);
    }
    phrase_in_text(words, field.text)
}

/// Whether the words' tokens appear consecutively among the text's tokens. Words with CJK
/// characters match as substrings instead: Salesforce's CJK tokenisation (bigrams / morphology)
/// is approximated, which may find a little more than a real org.
fn phrase_in_text(words: &[Word], text: &str) -> bool {
    if words.iter().any(|w| {
        w.0.iter()
            .any(|p| matches!(p, Piece::Char(c) if is_cjk(*c)))
    }) {
        let mut pattern = vec![Piece::AnyRun];
        for (i, w) in words.iter().enumerate() {
            if i > 0 {
                pattern.push(Piece::AnyRun);
            }
            pattern.extend(lower(&w.0));
        }
        pattern.push(Piece::AnyRun);
        let text: Vec<char> = text.to_lowercase().chars().collect();
        return glob(&pattern, &text);
    }
    let wanted: Vec<Vec<Piece>> = words
        .iter()
        .flat_map(|w| split_pieces(&lower(&w.0)))
        .collect();
    if wanted.is_empty() {
        return false;
    }
    let tokens: Vec<Vec<char>> = tokens(&text.to_lowercase());
    tokens
        .windows(wanted.len())
        .any(|window| window.iter().zip(&wanted).all(|(tok, pat)| glob(pat, tok)))
}

fn lower(pieces: &[Piece]) -> Vec<Piece> {
    pieces
        .iter()
        .flat_map(|p| match p {
            Piece::Char(c) => c.to_lowercase().map(Piece::Char).collect::<Vec<_>>(),
            other => vec![*other],
        })
        .collect()
}

#[derive(PartialEq, Clone, Copy)]
enum Class {
    Letter,
    Digit,
    Other,
}

fn class(c: char) -> Class {
    if c.is_numeric() {
        Class::Digit
    } else if c.is_alphanumeric() {
        Class::Letter
    } else {
        Class::Other
    }
}

/// Tokens of stored text: split at anything not a letter or digit, and where letters meet digits.
fn tokens(text: &str) -> Vec<Vec<char>> {
    let mut out: Vec<Vec<char>> = Vec::new();
    let mut last = Class::Other;
    for c in text.chars() {
        let now = class(c);
        if now == Class::Other {
            last = now;
            continue;
        }
        if now != last {
            out.push(Vec::new());
        }
        if let Some(tok) = out.last_mut() {
            tok.push(c);
        }
        last = now;
    }
    out
}

/// A word split the same way; wildcards stay with the token they touch.
fn split_pieces(pieces: &[Piece]) -> Vec<Vec<Piece>> {
    let mut out: Vec<Vec<Piece>> = Vec::new();
    // The class of the token being built; `Other` while it holds only wildcards.
    let mut open: Option<Class> = None;
    for p in pieces {
        match p {
            Piece::Char(c) => match (class(*c), open) {
                (Class::Other, _) => {
                    open = None;
                    continue;
                }
                (now, Some(Class::Other)) => open = Some(now),
                (now, Some(cur)) if cur == now => {}
                (now, _) => {
                    out.push(Vec::new());
                    open = Some(now);
                }
            },
            _ if open.is_none() => {
                out.push(Vec::new());
                open = Some(Class::Other);
            }
            _ => {}
        }
        if let Some(tok) = out.last_mut() {
            tok.push(*p);
        }
    }
    out
}

/// Glob matching of `*` / `?` pieces against chars.
pub fn glob(pattern: &[Piece], text: &[char]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((Piece::AnyRun, rest)) => (0..=text.len()).any(|i| glob(rest, &text[i..])),
        Some((Piece::AnyOne, rest)) => !text.is_empty() && glob(rest, &text[1..]),
        Some((Piece::Char(c), rest)) => text.first() == Some(c) && glob(rest, &text[1..]),
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF     // Hiragana, Katakana
        | 0x3400..=0x4DBF   // CJK Extension A
        | 0x4E00..=0x9FFF   // CJK Unified Ideographs
        | 0xAC00..=0xD7AF   // Hangul
        | 0xF900..=0xFAFF   // CJK Compatibility Ideographs
        | 0xFF66..=0xFF9F   // half-width Katakana
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(s: &str) -> Word {
        Word(
            s.chars()
                .map(|c| match c {
                    '*' => Piece::AnyRun,
                    '?' => Piece::AnyOne,
                    c => Piece::Char(c),
                })
                .collect(),
        )
    }

    fn hit(w: &str, text: &str) -> bool {
        phrase_in_text(&[word(w)], text)
    }

    #[test]
    fn tokens_split_at_punctuation_and_letter_digit_changes() {
        let t: Vec<String> = tokens("john o'brien abc123 x@y.com")
            .into_iter()
            .map(|t| t.into_iter().collect())
            .collect();
        assert_eq!(t, vec!["john", "o", "brien", "abc", "123", "x", "y", "com"]);
    }

    #[test]
    fn words_match_whole_tokens_case_insensitively() {
        assert!(hit("smith", "Jane Smith"));
        assert!(!hit("smit", "Jane Smith"));
        assert!(hit("smi*", "Jane Smith"));
        assert!(hit("sm?th", "Jane Smith"));
        assert!(hit("o'brien", "John O'Brien"));
        assert!(hit("john+cti@example.com", "john+cti@example.com"));
        assert!(!hit("acme", "Acmeco"));
    }

    #[test]
    fn cjk_words_match_as_substrings() {
        assert!(hit("山田", "山田 太郎"));
        assert!(hit("アクメ", "株式会社アクメ"));
        assert!(!hit("鈴木", "山田 太郎"));
    }
}
