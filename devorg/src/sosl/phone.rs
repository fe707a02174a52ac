//! How a search term matches a phone field: both reduced to their digits, then compared under
//! the switches the reference leaves open (§3.3).

use super::term::{Piece, Word};

/// The open questions of reference §3.3, as switches. The default is the conservative reading:
/// digits must be equal, nothing more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PhoneMatching {
    /// A national number with its trunk `0` (`0312345678`) and the international form of the
    /// same number (`+81 3-1234-5678`, digits `81312345678`) match each other.
    pub country_code_equivalence: bool,
    /// `Some(n)`: also match when the shorter digit string, at least `n` long, ends the longer.
    pub suffix_match: Option<usize>,
}

/// The digits of a phone value, full-width digits folded to ASCII.
pub fn phone_digits(text: &str) -> String {
    text.chars().filter_map(fold_digit).collect()
}

fn fold_digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
        _ => None,
    }
}

/// Characters a number is written with besides digits; a word made only of these and digits is
/// a phone number.
const PHONE_PUNCTUATION: &str = "+-().　 －（）＋";

/// The digits of `word` when it is a phone number, wildcards kept.
pub fn phone_pattern(word: &Word) -> Option<Vec<Piece>> {
    let mut out = Vec::new();
    for piece in &word.0 {
        match piece {
            Piece::Char(c) => match fold_digit(*c) {
                Some(d) => out.push(Piece::Char(d)),
                None if PHONE_PUNCTUATION.contains(*c) => {}
                None => return None,
            },
            wildcard => out.push(*wildcard),
        }
    }
    out.iter()
        .any(|p| matches!(p, Piece::Char(_)))
        .then_some(out)
}

/// Whether a phone pattern (digits, maybe wildcards) matches a stored phone value.
pub fn pattern_matches(pattern: &[Piece], stored: &str, config: PhoneMatching) -> bool {
    let stored = phone_digits(stored);
    if stored.is_empty() {
        return false;
    }
    if pattern.iter().any(|p| !matches!(p, Piece::Char(_))) {
        let stored: Vec<char> = stored.chars().collect();
        return super::matcher::glob(pattern, &stored);
    }
    let wanted: String = pattern
        .iter()
        .filter_map(|p| match p {
            Piece::Char(c) => Some(*c),
            _ => None,
        })
        .collect();
    numbers_match(&wanted, &stored, config)
}

/// Digit strings compared under `config`.
pub fn numbers_match(a: &str, b: &str, config: PhoneMatching) -> bool {
    if a == b {
        return true;
    }
    if config.country_code_equivalence {
        // `00` is the international call prefix: `0081…` is `+81…`.
        let intl = |s: &str| -> String { s.strip_prefix("00").unwrap_or(s).to_string() };
        if intl(a) == intl(b)
            || national_matches_international(a, b)
            || national_matches_international(b, a)
        {
            return true;
        }
    }
    if let Some(min) = config.suffix_match {
        let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
        if short.len() >= min && long.ends_with(short) {
            return true;
        }
    }
    false
}

/// `national` has a single trunk `0`; `international` is a country code (after an optional `00`)
/// followed by the same national significant number.
fn national_matches_international(national: &str, international: &str) -> bool {
    let Some(significant) = national.strip_prefix('0').filter(|s| !s.starts_with('0')) else {
        return false;
    };
    if significant.len() < 4 || international.starts_with('0') && !international.starts_with("00") {
        return false;
    }
    let international = international.strip_prefix("00").unwrap_or(international);
    (1..=3).any(|len| {
        international.len() > len
            && is_country_code(&international[..len])
            && &international[len..] == significant
    })
}

/// ITU country codes that are two digits long; codes are prefix-free, so the rest of the 2–9
/// range (other than 7) is three digits long.
const TWO_DIGIT_CODES: &[&str] = &[
    "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47",
    "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65",
    "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
];

fn is_country_code(code: &str) -> bool {
    match code.len() {
        1 => code == "1" || code == "7",
        2 => TWO_DIGIT_CODES.contains(&code),
        3 => !code.starts_with(['0', '1', '7']) && !TWO_DIGIT_CODES.contains(&&code[..2]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STORED: [&str; 5] = [
        "03-1234-5678",
        "0312345678",
        "(03)1234-5678",
        "+81 3-1234-5678",
        "０３－１２３４－５６７８",
    ];

    fn matches_with(term: &str, config: PhoneMatching) -> Vec<&'static str> {
        let word = Word(term.chars().map(Piece::Char).collect());
        let pattern = phone_pattern(&word).unwrap();
        STORED
            .into_iter()
            .filter(|s| pattern_matches(&pattern, s, config))
            .collect()
    }

    #[test]
    fn digits_fold_full_width_and_drop_punctuation() {
        assert_eq!(phone_digits("０３－１２３４－５６７８"), "0312345678");
        assert_eq!(phone_digits("+81 (3) 1234-5678 ext"), "81312345678");
    }

    #[test]
    fn exact_digits_by_default() {
        let off = PhoneMatching::default();
        assert_eq!(
            matches_with("0312345678", off),
            vec![STORED[0], STORED[1], STORED[2], STORED[4]]
        );
        assert_eq!(matches_with("81312345678", off), vec![STORED[3]]);
        assert!(matches_with("12345678", off).is_empty());
    }

    #[test]
    fn country_code_equivalence_joins_national_and_international() {
        let on = PhoneMatching {
            country_code_equivalence: true,
            suffix_match: None,
        };
        assert_eq!(matches_with("0312345678", on).len(), 5);
        assert_eq!(matches_with("81312345678", on).len(), 5);
        assert_eq!(matches_with("0081312345678", on).len(), 5);
        // A different country's number with the same digits after its code stays apart.
        assert!(!numbers_match("1312345678", "81312345678", on));
        assert!(!numbers_match("0312345678", "8312345678", on));
        assert!(matches_with("12345678", on).is_empty());
    }

    #[test]
    fn suffix_match_needs_the_minimum_length() {
        let on = PhoneMatching {
            country_code_equivalence: false,
            suffix_match: Some(8),
        };
        assert_eq!(matches_with("12345678", on).len(), 5);
        assert_eq!(matches_with("312345678", on).len(), 5);
        assert!(matches_with("2345678", on).is_empty());
    }

    #[test]
    fn words_with_letters_are_not_numbers() {
        assert!(phone_pattern(&Word("03abc".chars().map(Piece::Char).collect())).is_none());
        assert!(phone_pattern(&Word(vec![Piece::AnyRun])).is_none());
    }
}
