//! Phone numbers as people type them and Salesforce stores them: parsing to E.164, display,
//! and the spellings a record lookup must try. Pure Rust, no browser types, no regex: the
//! engine has to stay small enough to ship in wasm.
//!
//! `parse` finds the numbers in text (several in one field, each with its span), `metadata`
//! knows the regions (JP, US, GB, DE, FR, AU, SG, KR, CN, IN, BR; any other `+CC` parses to
//! E.164 unvalidated) with their lengths and ranges generated from libphonenumber into
//! `ranges`, `format` writes a number for people and `variants` for SOSL.

mod format;
mod jp_area;
mod metadata;
mod parse;
pub mod plan;
// Generated; kept as the generator writes it, so the freshness test can compare bytes.
#[rustfmt::skip]
mod ranges;
mod variants;

use std::fmt;

pub use parse::FoundNumber;

/// The pause of a dial string (`0312345678,123`): what follows is dialled as DTMF once the
/// call is answered, after a pause per comma.
pub const PAUSE: char = ',';

/// The region national numbers belong to when the caller names none: our users are in Japan.
pub const DEFAULT_REGION: &str = "JP";

/// A phone number resolved to its country: E.164 is `+{country_code}{national}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber {
    /// Country calling code, e.g. 81.
    pub country_code: u16,
    /// National significant number: the digits after the country code, without trunk prefix.
    pub national: String,
    /// Extension digits (`内線 123`, `ext. 123`), dialled after the call connects.
    pub extension: Option<String>,
    /// The region whose rules validated the number (the main region of a shared country code,
    /// e.g. US for +1); `None` for country codes the engine has no metadata for.
    pub region: Option<&'static str>,
}

/// Why text is not a phone number. `code()` is stable and crosses into JS and chrome messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneError {
    /// No number in the text at all (no digits, or a single one).
    NotANumber,
    /// Fewer digits than any number of the region.
    TooShort,
    /// More digits than any number of the region, or text too long to be a phone number.
    TooLong,
    /// A `+`/international prefix followed by no known country code, or an unknown default
    /// region for a national number.
    InvalidCountryCode,
    /// A plausible length, but no number of the region starts that way.
    InvalidForRegion,
}

impl PhoneError {
    /// The stable UPPER_SNAKE code.
    pub fn code(self) -> &'static str {
        match self {
            PhoneError::NotANumber => "NOT_A_NUMBER",
            PhoneError::TooShort => "TOO_SHORT",
            PhoneError::TooLong => "TOO_LONG",
            PhoneError::InvalidCountryCode => "INVALID_COUNTRY_CODE",
            PhoneError::InvalidForRegion => "INVALID_FOR_REGION",
        }
    }
}

impl fmt::Display for PhoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl std::error::Error for PhoneError {}

/// Why a call to a number may cost the caller dearly: such a dial asks for a confirmation in
/// the panel before it goes (toll fraud dials exactly these).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Costly {
    /// A premium-rate service (JP 0990, US 900, GB 09, DE 0900, FR 089, AU 190, +979).
    PremiumRate,
    /// A satellite or international network (+870, +881, +882, +883), charged far above
    /// an ordinary international call.
    InternationalNetwork,
    /// Another country than the user's (asked only when the user wants it).
    Abroad,
}

impl Costly {
    pub fn code(self) -> &'static str {
        match self {
            Costly::PremiumRate => "PREMIUM_RATE",
            Costly::InternationalNetwork => "INTERNATIONAL_NETWORK",
            Costly::Abroad => "ABROAD",
        }
    }
}

/// The country calling code of a region we know (`"JP"` → 81).
pub fn country_code_of(region: &str) -> Option<u16> {
    metadata::region_by_code(region).map(|r| r.country_code)
}

impl PhoneNumber {
    /// Whether calling this number may cost far more than a call: premium-rate ranges (as
    /// libphonenumber's metadata lists them, for the regions we know) and the international
    /// networks.
    pub fn costly(&self) -> Option<Costly> {
        let n = self.national.as_str();
        let starts = |prefixes: &[&str]| prefixes.iter().any(|p| n.starts_with(p));
        let premium = match self.country_code {
            870 | 881 | 882 | 883 => return Some(Costly::InternationalNetwork),
            979 => true,
            81 => starts(&["990"]),
            1 => starts(&["900", "976"]),
            44 => starts(&["90", "91", "98"]),
            49 => starts(&["900", "137"]),
            33 => starts(&["89"]),
            61 => starts(&["190"]),
            _ => false,
        };
        premium.then_some(Costly::PremiumRate)
    }

    /// Parses `text` (typed, pasted, or a `tel:` value), reading numbers without a country
    /// code as numbers of `default_region` (an ISO code such as `"JP"`).
    pub fn parse(text: &str, default_region: &str) -> Result<PhoneNumber, PhoneError> {
        parse::parse(text, default_region)
    }

    /// Every number in `text`, in order, each with where it is written: a field may hold
    /// several (`03-1234-5678 / 090-1111-2222`, `030/123456, 0171 2345678`), and each is
    /// offered on its own. Text that holds no valid number gives none.
    pub fn find_all(text: &str, default_region: &str) -> Vec<FoundNumber> {
        parse::find_all(text, default_region)
    }

    /// The number for dialling: `+81312345678`. The extension is not part of it.
    pub fn e164(&self) -> String {
        format!("+{}{}", self.country_code, self.national)
    }

    /// For people: `03-1234-5678` for Japanese numbers, `+1 650-253-0000` for others.
    pub fn display(&self) -> String {
        format::display(self)
    }

    /// International form with grouping: `+81 3-1234-5678`, `+44 20 7946 0958`.
    pub fn international(&self) -> String {
        format::international(self)
    }

    /// What the phone dials for this number from `home_region`: numbers of that country in the
    /// national form people and PBX dial plans use (`0312345678`), others in E.164. The
    /// extension is not part of it.
    pub fn dial_digits(&self, home_region: &str) -> String {
        if self.region == Some(home_region) {
            self.national_digits()
        } else {
            self.e164()
        }
    }

    /// [`Self::dial_digits`], then the extension after a dialling pause, as desk phones dial
    /// it once the call is answered: `0312345678,123`.
    pub fn dial_with_extension(&self, home_region: &str) -> String {
        let main = self.dial_digits(home_region);
        match self.extension.as_deref().filter(|e| !e.is_empty()) {
            Some(extension) => format!("{main}{PAUSE}{extension}"),
            None => main,
        }
    }

    /// The digits dialled inside the number's own country: `0312345678`.
    pub fn national_digits(&self) -> String {
        variants::national_digits(self)
    }

    /// Every digit spelling a Salesforce record may hold for this number, most common first.
    pub fn lookup_variants(&self) -> Vec<String> {
        variants::lookup_variants(self)
    }

    /// The variants as one SOSL `FIND` term (`0312345678 OR \+81312345678 OR ...`), reserved
    /// characters escaped.
    pub fn sosl_term(&self) -> String {
        variants::sosl_term(self)
    }
}

/// What the phone sends to the PBX for a number click-to-call found: numbers of the user's own
/// country in the national form people and PBX dial plans use (`0312345678`), others in E.164.
/// Anything the engine cannot read is dialled as given.
/// An extension the text holds survives as a dialling pause and its digits (`0312345678,123`).
pub fn dial_form(number: &str, home_region: &str) -> String {
    match PhoneNumber::parse(number, home_region) {
        Ok(parsed) => parsed.dial_with_extension(home_region),
        Err(_) => number.to_string(),
    }
}

/// [`dial_form`] of `number` with `extension` (digits) dialled after it: `0312345678,123`.
/// An extension given replaces one the text may hold.
pub fn dial_form_with(number: &str, extension: Option<&str>, home_region: &str) -> String {
    match (PhoneNumber::parse(number, home_region), extension) {
        (Ok(mut parsed), Some(extension)) => {
            parsed.extension = Some(extension.to_string());
            parsed.dial_with_extension(home_region)
        }
        (_, Some(extension)) => format!("{number}{PAUSE}{extension}"),
        (_, None) => dial_form(number, home_region),
    }
}

/// A number and its extension as people read them: `03-1234-5678 内線 123`, with `word` the
/// user's word for an extension (`内線`, `ext.`); the number alone when it has none.
pub fn display_with_extension(display: &str, extension: Option<&str>, word: &str) -> String {
    match extension.filter(|e| !e.is_empty()) {
        Some(extension) => format!("{display} {word} {extension}"),
        None => display.to_string(),
    }
}

/// Extracts the dialable part of a `tel:` value or a typed number: ASCII digits and a leading
/// `+`, with full-width digits folded (`０３` → `03`) and any extension or stray text dropped.
/// Returns `None` when fewer than 3 digits remain, which is never a number worth a dial button.
///
/// Deliberately lenient (no region rules): a link on a Salesforce page is dialable even when
/// the engine could not place its country. Use [`PhoneNumber::parse`] to validate.
pub fn dial_string(raw: &str) -> Option<String> {
    let scanned = parse::scan(raw).ok()?;
    if scanned.digits.len() < 3 {
        return None;
    }
    let plus = if scanned.plus { "+" } else { "" };
    Some(format!("{plus}{}", scanned.digits))
}

#[cfg(test)]
mod tests;
