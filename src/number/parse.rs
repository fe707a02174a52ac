//! From text to a number: finds the number in what people type or Salesforce stores, then
//! resolves its country code and national significant number the way libphonenumber does.

use super::metadata::{self, LengthCheck, Region};
use std::ops::Range;

use super::{PhoneError, PhoneNumber};

/// libphonenumber's input limit: longer text is refused before any work is done on it.
pub(super) const MAX_INPUT_CHARS: usize = 250;
/// E.164 allows at most 15 digits with the country code; libphonenumber's NSN bounds.
const MIN_NSN: usize = 2;
const MAX_NSN: usize = 17;
/// The most digits a number is written with: an international prefix (up to 8 digits, as
/// Australia's `14xx0011`), a country code and the longest NSN.
const MAX_DIGITS: usize = 8 + 3 + MAX_NSN;
/// Extensions longer than this are not extensions but a second number glued on.
const MAX_EXTENSION: usize = 10;
/// After a comma (a dialling pause), more digits than this are a second number.
const MAX_PAUSED_DIGITS: usize = 6;

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

/// Punctuation that may sit between the digits of one number. The slash is German and Austrian
/// usage between area code and subscriber (`030/123456`), as libphonenumber reads it; whether
/// a slash joins one number or separates two is decided by [`numbers_in_run`].
fn is_punctuation(c: char) -> bool {
    matches!(
        c,
        ' ' | '-' | '.' | '(' | ')' | '[' | ']' | '/' | '\t' | '\u{30FB}'
    )
}

/// Text folded for scanning, each character with the byte offset in the original text it came
/// from (`offsets` has one more entry: the end), so a number found can say where it was.
struct Folded {
    chars: Vec<char>,
    offsets: Vec<usize>,
}

/// Folds `text` (a `tel:` value is percent-decoded first), keeping where each character was.
fn fold_text(text: &str) -> Result<Folded, PhoneError> {
    if text.chars().count() > MAX_INPUT_CHARS {
        return Err(PhoneError::TooLong);
    }
    let lead = text.len() - text.trim_start().len();
    let body = text.trim();
    let end = lead + body.len();
    let is_tel =
        body.len() >= 4 && body.is_char_boundary(4) && body[..4].eq_ignore_ascii_case("tel:");
    let (mut chars, mut offsets) = if is_tel {
        percent_decode_at(&body[4..], lead + 4)
    } else {
        let mut chars = Vec::with_capacity(body.len());
        let mut offsets = Vec::with_capacity(body.len() + 1);
        for (i, c) in body.char_indices() {
            chars.push(c);
            offsets.push(lead + i);
        }
        (chars, offsets)
    };
    chars.iter_mut().for_each(|c| *c = fold(*c));
    offsets.push(end);
    Ok(Folded { chars, offsets })
}

/// Percent-decodes a `tel:` value (`%20`, `%2B`), malformed escapes kept as written, with the
/// offset (from `base`) of the escape or byte each decoded character came from.
fn percent_decode_at(text: &str, base: usize) -> (Vec<char>, Vec<usize>) {
    let bytes = text.as_bytes();
    let (mut out, mut from) = (
        Vec::with_capacity(bytes.len()),
        Vec::with_capacity(bytes.len()),
    );
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .filter(|_| bytes[i] == b'%')
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        from.push(base + i);
        match hex {
            Some(value) => {
                out.push(value);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    let (mut chars, mut offsets) = (Vec::new(), Vec::new());
    let mut at = 0;
    for chunk in out.utf8_chunks() {
        for (j, c) in chunk.valid().char_indices() {
            chars.push(c);
            offsets.push(from[at + j]);
        }
        at += chunk.valid().len();
        if !chunk.invalid().is_empty() {
            chars.push(char::REPLACEMENT_CHARACTER);
            offsets.push(from[at]);
            at += chunk.invalid().len();
        }
    }
    (chars, offsets)
}

/// One run of a number's characters: from a `+` or digit over digits and punctuation to its
/// last digit (`start..end`, character indices), then an extension after it ending at `next`.
struct Run {
    start: usize,
    end: usize,
    extension: Option<String>,
    next: usize,
}

impl Folded {
    /// Every run in the text with at least two digits, in order.
    fn runs(&self) -> Vec<Run> {
        let chars = &self.chars;
        let mut found = Vec::new();
        let mut from = 0;
        while let Some(offset) = chars[from..]
            .iter()
            .position(|&c| c == '+' || c.is_ascii_digit())
        {
            let start = from + offset;
            let (mut i, mut end) = (start + 1, start + 1);
            let mut digits = usize::from(chars[start].is_ascii_digit());
            while let Some(&c) = chars.get(i) {
                if c.is_ascii_digit() {
                    digits += 1;
                    end = i + 1;
                } else if !is_punctuation(c) {
                    break;
                }
                i += 1;
            }
            // An extension marker and its digits fit well within this window.
            let (extension, used) = extension(&chars[i..chars.len().min(i + 32)]);
            // Without an extension, trailing punctuation (`/`, `(`) belongs to what follows.
            let next = if extension.is_some() { i + used } else { end };
            if digits >= MIN_NSN {
                found.push(Run {
                    start,
                    end,
                    extension,
                    next,
                });
            }
            from = next.max(start + 1);
        }
        found
    }

    /// The number part of `start..end`: its digits and whether a `+` led them.
    fn scanned(&self, start: usize, end: usize, extension: Option<String>) -> Scanned {
        let part = &self.chars[start..end];
        let mut digits = String::with_capacity(part.len());
        digits.extend(part.iter().filter(|c| c.is_ascii_digit()));
        Scanned {
            plus: part.first() == Some(&'+'),
            digits,
            extension,
        }
    }

    /// The run `scan` and `parse` report on: the first with three digits or more.
    fn preferred(&self, runs: &[Run]) -> usize {
        runs.iter()
            .position(|r| {
                self.chars[r.start..r.end]
                    .iter()
                    .filter(|c| c.is_ascii_digit())
                    .count()
                    >= 3
            })
            .unwrap_or(0)
    }
}

/// Reads an extension right after a number: `ext. 12`, `x12`, `#12`, `内線12`, `;ext=12`.
/// Returns it and how many characters it took.
fn extension(rest: &[char]) -> (Option<String>, usize) {
    // Most numbers end the text or are followed by words: no marker, nothing to build.
    let first = rest.iter().find(|&&c| c != ' ');
    if !matches!(first, Some(';' | 'e' | 'E' | '内' | 'x' | 'X' | '#' | ',')) {
        return (None, 0);
    }
    let text: String = rest.iter().collect::<String>();
    let trimmed = text.trim_start_matches(' ');
    // RFC 3966 puts the extension in a parameter: `tel:+81-3-1234-5678;ext=12`.
    let trimmed = trimmed.strip_prefix(';').unwrap_or(trimmed);
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
    let lower = trimmed.to_ascii_lowercase();
    let Some(marker) = MARKERS.iter().find(|m| lower.starts_with(*m)) else {
        return (None, 0);
    };
    let after = &trimmed[marker.len()..];
    let after = if *marker == "," {
        // A comma is a dialling pause (phones dial what follows once the call connects) only
        // right before a few digits that end there: `, 0171 2345678` and `,16412345` are
        // second numbers (PhoneNumberMatcher reads them so too).
        let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let rest = after[digits..].trim_start_matches(is_punctuation);
        if digits == 0
            || digits > MAX_PAUSED_DIGITS
            || rest.starts_with(|c: char| c.is_ascii_digit())
        {
            return (None, 0);
        }
        after
    } else {
        after.trim_start_matches([' ', '.', ':', '=', '-', '#'])
    };
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() || digits.len() > MAX_EXTENSION {
        return (None, 0);
    }
    let used = text.len() - after.len() + digits.len();
    (Some(digits), text[..used].chars().count())
}

/// Finds the number in `text` and what follows it as an extension.
///
/// Text before the number (`TEL:`, `電話 `) and after it (`(代表)`) is ignored; a number
/// starts at a `+` or digit and runs over digits and punctuation. Stray text may hold digits of
/// its own (`2F 受付 03-...`): the first candidate with at least three digits is the number;
/// failing that, the first candidate says what is wrong.
pub(super) fn scan(text: &str) -> Result<Scanned, PhoneError> {
    let folded = fold_text(text)?;
    let mut runs = folded.runs();
    let index = folded.preferred(&runs);
    if index >= runs.len() {
        return Err(PhoneError::NotANumber);
    }
    let run = runs.swap_remove(index);
    Ok(folded.scanned(run.start, run.end, run.extension))
}

/// A number found in a text, and where it is written there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundNumber {
    pub number: PhoneNumber,
    /// Byte range of the text given (for a `tel:` value, of the escapes it was decoded from),
    /// from its first digit or `+` to its last digit or extension digit.
    pub span: Range<usize>,
}

/// Every valid number in `text`, in order, with where each is written.
pub(super) fn find_all(text: &str, default_region: &str) -> Vec<FoundNumber> {
    let Ok(folded) = fold_text(text) else {
        return Vec::new();
    };
    folded
        .runs()
        .iter()
        .flat_map(|run| numbers_in_run(&folded, run, default_region))
        .map(|piece| {
            // A bracketed area code opens before the first digit: `(650) 253-0000`.
            let bracket = piece.start > 0 && folded.chars[piece.start - 1] == '(';
            let start = piece.start - usize::from(bracket);
            FoundNumber {
                number: piece.number,
                span: folded.offsets[start]..folded.offsets[piece.end],
            }
        })
        .collect()
}

/// One number of a run, by character indices.
#[derive(Clone)]
struct Piece {
    number: PhoneNumber,
    start: usize,
    end: usize,
}

/// The numbers of one run: the whole run when it is one valid number (`030/123456`,
/// `0800 / 1234567890`); otherwise the run cut at its separators (a slash or spaces, as
/// libphonenumber's PhoneNumberMatcher cuts) into pieces that are each a valid number, the
/// shortest first piece first (`03-1234-5678 / 090-1111-2222`, `3324451234 8002341234`). A
/// run that cannot be cut into valid numbers only holds none.
fn numbers_in_run(text: &Folded, run: &Run, region: &str) -> Vec<Piece> {
    let chars = &text.chars;
    // (end of the piece before, start of the piece after) for each separator in the run.
    let mut cuts = Vec::new();
    let mut i = run.start + 1;
    while i < run.end {
        if chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let gap = i;
        while !chars[i].is_ascii_digit() {
            i += 1;
        }
        let between = &chars[gap..i];
        if between.iter().any(|&c| matches!(c, '/' | ' ' | '\t')) {
            // An opening bracket starts the next number: `(650) 223 3345 (754) 223 3321`.
            let next = between
                .iter()
                .rposition(|&c| c == '(')
                .map_or(i, |p| gap + p);
            cuts.push((gap, next));
        }
    }
    let piece = |start: usize, end: usize| {
        let last = end == run.end;
        let extension = if last { run.extension.clone() } else { None };
        let number = resolve(text.scanned(start, end, extension), region).ok()?;
        let end = if last { run.next.max(end) } else { end };
        Some(Piece { number, start, end })
    };
    Cutter {
        chars,
        cuts: &cuts,
        run_end: run.end,
        piece: &piece,
        memo: vec![None; cuts.len() + 1],
    }
    .pieces(cuts.len(), run.start)
    .unwrap_or_default()
}

/// The search for a cut of a run into valid numbers, remembering what each start gave.
struct Cutter<'a> {
    chars: &'a [char],
    cuts: &'a [(usize, usize)],
    run_end: usize,
    piece: &'a dyn Fn(usize, usize) -> Option<Piece>,
    /// By cut index (the run's start at `cuts.len()`): the pieces from there, once known.
    memo: Vec<Option<Option<Vec<Piece>>>>,
}

impl Cutter<'_> {
    fn pieces(&mut self, key: usize, start: usize) -> Option<Vec<Piece>> {
        if let Some(known) = &self.memo[key] {
            return known.clone();
        }
        let mut found = (self.piece)(start, self.run_end).map(|whole| vec![whole]);
        for (k, &(end, next)) in self.cuts.iter().enumerate() {
            if found.is_some() {
                break;
            }
            if end <= start {
                continue;
            }
            // Longer pieces only grow from here: no number has this many digits (which also
            // keeps a hostile run of many short groups from costing more than a few cuts).
            if self.chars[start..end]
                .iter()
                .filter(|c| c.is_ascii_digit())
                .count()
                > MAX_DIGITS
            {
                break;
            }
            let Some(first) = (self.piece)(start, end) else {
                continue;
            };
            if let Some(mut rest) = self.pieces(k, next) {
                rest.insert(0, first);
                found = Some(rest);
            }
        }
        self.memo[key] = Some(found.clone());
        found
    }
}

/// Parses `text` as a phone number, reading national numbers as numbers of `default_region`.
///
/// When the text holds several digit runs (`〒100-0001 TEL 03-1234-5678`) or several numbers,
/// the first valid number wins; when there is none, the error is about the run `scan` would
/// pick.
pub(super) fn parse(text: &str, default_region: &str) -> Result<PhoneNumber, PhoneError> {
    let folded = fold_text(text)?;
    let runs = folded.runs();
    let preferred = folded.preferred(&runs);
    let mut first_error = None;
    for (index, run) in runs.iter().enumerate() {
        let whole = folded.scanned(run.start, run.end, run.extension.clone());
        match resolve(whole, default_region) {
            Ok(number) => return Ok(number),
            Err(error) => {
                if let Some(piece) = numbers_in_run(&folded, run, default_region)
                    .into_iter()
                    .next()
                {
                    return Ok(piece.number);
                }
                if index == preferred {
                    first_error.get_or_insert(error);
                }
            }
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
