//! From text to a number: finds the number in what people type or Salesforce stores, then
//! resolves its country code and national significant number the way libphonenumber does.

use super::metadata::{self, LengthCheck, Region};
use super::{PhoneError, PhoneNumber};

/// libphonenumber's input limit: longer text is refused before any work is done on it.
pub(super) const MAX_INPUT_CHARS: usize = 250;
/// E.164 allows at most 15 digits with the country code; libphonenumber's NSN bounds.
const MIN_NSN: usize = 2;
const MAX_NSN: usize = 17;
/// Extensions longer than this are not extensions but a second number glued on.
const MAX_EXTENSION: usize = 10;

/// The number part of a text: digits, whether a `+` led them, and an extension.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Scanned {
    pub plus: bool,
    pub digits: String,
    pub extension: Option<String>,
}

/// Folds one character to the ASCII form the scanner reasons about: full-width forms
/// (`０３－`, `＋`, `ｅｘｔ`) to ASCII, the dashes and long-vowel marks Japanese text uses as
/// hyphens to `-`, and wide spaces to a space.
fn fold(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' | '\u{00A0}' | '\u{2007}' | '\u{202F}' => ' ',
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{30FC}' | '\u{FF70}' | '\u{2043}' => '-',
        _ => c,
    }
}

/// Punctuation that may sit between the digits of one number.
fn is_punctuation(c: char) -> bool {
    matches!(
        c,
        ' ' | '-' | '.' | '(' | ')' | '[' | ']' | '\t' | '\u{30FB}'
    )
}

/// Percent-decodes a `tel:` value (`%20`, `%2B`); malformed escapes are kept as written.
pub(super) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            if let Some(value) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(value);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Finds the number in `text` and what follows it as an extension.
///
/// Text before the number (`TEL:`, `電話 `) and after it (`(代表)`) is ignored; a number
/// starts at a `+` or digit and runs over digits and punctuation. Stray text may hold digits of
/// its own (`2F 受付 03-...`): the first candidate with at least three digits is the number;
/// failing that, the first candidate says what is wrong.
pub(super) fn scan(text: &str) -> Result<Scanned, PhoneError> {
    let candidates = candidates(text)?;
    let index = candidates.iter().position(|c| c.digits.len() >= 3);
    candidates
        .into_iter()
        .nth(index.unwrap_or(0))
        .ok_or(PhoneError::NotANumber)
}

/// Every run of digits and punctuation in `text` with at least two digits, in order.
fn candidates(text: &str) -> Result<Vec<Scanned>, PhoneError> {
    if text.chars().count() > MAX_INPUT_CHARS {
        return Err(PhoneError::TooLong);
    }
    let decoded;
    let mut text = text.trim();
    if text.len() >= 4 && text.is_char_boundary(4) && text[..4].eq_ignore_ascii_case("tel:") {
        decoded = percent_decode(&text[4..]);
        text = &decoded;
    }
    let chars: Vec<char> = text.chars().map(fold).collect();
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(offset) = chars[from..]
        .iter()
        .position(|&c| c == '+' || c.is_ascii_digit())
    {
        let (candidate, end) = candidate(&chars, from + offset);
        if candidate.digits.len() >= MIN_NSN {
            found.push(candidate);
        }
        from = end.max(from + offset + 1);
    }
    Ok(found)
}

/// Reads the number starting at `start` (a `+` or a digit); returns it and where it ended.
fn candidate(chars: &[char], start: usize) -> (Scanned, usize) {
    let mut scanned = Scanned {
        plus: chars[start] == '+',
        ..Scanned::default()
    };
    let mut i = start + usize::from(scanned.plus);
    while let Some(&c) = chars.get(i) {
        if c.is_ascii_digit() {
            scanned.digits.push(c);
        } else if !is_punctuation(c) {
            break;
        }
        i += 1;
    }
    // An extension marker and its digits fit well within this window.
    scanned.extension = extension(&chars[i..chars.len().min(i + 32)]);
    (scanned, i)
}

/// Reads an extension right after a number: `ext. 12`, `x12`, `#12`, `内線12`, `;ext=12`.
fn extension(rest: &[char]) -> Option<String> {
    let rest: String = rest.iter().collect::<String>();
    let rest = rest.trim_start_matches(' ');
    // RFC 3966 puts the extension in a parameter: `tel:+81-3-1234-5678;ext=12`.
    let rest = rest.strip_prefix(';').unwrap_or(rest);
    // A comma is a dialling pause: phones dial what follows once the call connects.
    const MARKERS: [&str; 9] = [
        "extension",
        "ext=",
        "ext",
        "内線番号",
        "内線",
        "内",
        "x",
        "#",
        ",",
    ];
    let lower = rest.to_ascii_lowercase();
    let marker = MARKERS.iter().find(|m| lower.starts_with(*m))?;
    let after = rest[marker.len()..].trim_start_matches([' ', '.', ':', '=', '-', '#']);
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    (!digits.is_empty() && digits.len() <= MAX_EXTENSION).then_some(digits)
}

/// Parses `text` as a phone number, reading national numbers as numbers of `default_region`.
///
/// When the text holds several digit runs (`〒100-0001 TEL 03-1234-5678`), the first that is a
/// valid number wins; when none is, the error is about the run `scan` would pick.
pub(super) fn parse(text: &str, default_region: &str) -> Result<PhoneNumber, PhoneError> {
    let candidates = candidates(text)?;
    let preferred = candidates.iter().position(|c| c.digits.len() >= 3);
    let mut first_error = None;
    for (index, candidate) in candidates.into_iter().enumerate() {
        match resolve(candidate, default_region) {
            Ok(number) => return Ok(number),
            Err(error) if Some(index) == preferred || preferred.is_none() => {
                first_error.get_or_insert(error);
            }
            Err(_) => {}
        }
    }
    Err(first_error.unwrap_or(PhoneError::NotANumber))
}

/// Resolves one scanned number to its country code and national significant number.
fn resolve(scanned: Scanned, default_region: &str) -> Result<PhoneNumber, PhoneError> {
    let home = metadata::region_by_code(default_region);
    let (country_code, nsn) = if scanned.plus {
        international(&scanned.digits)?
    } else if let Some(after_idd) = home.and_then(|r| strip_idd(r, &scanned.digits)) {
        international(after_idd)?
    } else {
        let home = home.ok_or(PhoneError::InvalidCountryCode)?;
        (home.country_code, national(home, &scanned.digits))
    };
    let region = metadata::region_by_country_code(country_code);
    let nsn = match region {
        Some(region) => strip_trunk(region, nsn),
        None => nsn,
    };
    check(country_code, region, &nsn)?;
    Ok(PhoneNumber {
        country_code,
        national: nsn,
        extension: scanned.extension,
        region: region.map(|r| r.code),
    })
}

/// Splits the country code off digits that followed a `+` or an international prefix.
fn international(digits: &str) -> Result<(u16, String), PhoneError> {
    if digits.len() <= MIN_NSN {
        return Err(PhoneError::TooShort);
    }
    let (code, rest) =
        metadata::split_country_code(digits).ok_or(PhoneError::InvalidCountryCode)?;
    Ok((code, rest.to_owned()))
}

/// Drops the region's international prefix (`010` in Japan, `011` in the US), if present.
/// Country codes never start with 0, so a 0 after the prefix means it was not one.
fn strip_idd<'a>(region: &Region, digits: &'a str) -> Option<&'a str> {
    region.idd.iter().find_map(|idd| {
        let rest = &digits[metadata::match_prefix(idd, digits)?..];
        (!rest.starts_with('0')).then_some(rest)
    })
}

/// Reads digits dialled without `+` or an international prefix. People also paste E.164
/// without its `+` (`81312345678`): like libphonenumber, the country code is taken off when
/// the number only makes sense without it.
fn national(home: &Region, digits: &str) -> String {
    let code = home.country_code.to_string();
    if let Some(rest) = digits.strip_prefix(code.as_str()) {
        let stripped = strip_trunk(home, rest.to_owned());
        if (!home.is_viable(digits) && home.is_viable(&stripped))
            || home.length_check(digits) == LengthCheck::TooLong
        {
            return stripped;
        }
    }
    digits.to_owned()
}

/// Drops the trunk prefix (and a carrier code after it) from a national number, unless the
/// number only makes sense with them or would become too short to dial.
fn strip_trunk(region: &Region, nsn: String) -> String {
    let Some(rest) = region.trunk.and_then(|t| nsn.strip_prefix(t)) else {
        return nsn;
    };
    let plausible = |candidate: &str| {
        !matches!(
            region.length_check(candidate),
            LengthCheck::TooShort | LengthCheck::LocalOnly | LengthCheck::InvalidLength
        ) && (region.is_viable(candidate) || !region.is_viable(&nsn))
    };
    let after_carrier = region.carriers.iter().find_map(|carrier| {
        let rest = &rest[metadata::match_prefix(carrier, rest)?..];
        region.is_viable(rest).then_some(rest)
    });
    match after_carrier {
        Some(candidate) if plausible(candidate) => candidate.to_owned(),
        _ if plausible(rest) => rest.to_owned(),
        _ => nsn,
    }
}

/// Whether an NSN can be a number of its region; regions without metadata get E.164's bound
/// of 15 digits in all.
fn check(country_code: u16, region: Option<&Region>, nsn: &str) -> Result<(), PhoneError> {
    if nsn.len() < MIN_NSN {
        return Err(PhoneError::TooShort);
    }
    if nsn.len() > MAX_NSN {
        return Err(PhoneError::TooLong);
    }
    let Some(region) = region else {
        let code_len = country_code.to_string().len();
        return if nsn.len() + code_len > 15 {
            Err(PhoneError::TooLong)
        } else {
            Ok(())
        };
    };
    match region.length_check(nsn) {
        _ if region.is_valid(nsn) => Ok(()),
        LengthCheck::TooShort | LengthCheck::LocalOnly => Err(PhoneError::TooShort),
        LengthCheck::TooLong => Err(PhoneError::TooLong),
        _ => Err(PhoneError::InvalidForRegion),
    }
}
