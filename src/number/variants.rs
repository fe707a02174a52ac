//! The spellings of one number that a Salesforce record may hold, for a SOSL phone lookup.
//!
//! Salesforce stores phone fields as typed, and SOSL's phone search matches digit sequences, so
//! one call has to ask for every way the number is commonly written: national with the trunk
//! prefix, with `+` and the country code, the country code without `+`, and without the trunk
//! prefix.

use super::metadata;
use super::PhoneNumber;

/// Digit spellings, most common first, without duplicates: for `+81 3-1234-5678`,
/// `0312345678`, `+81312345678`, `81312345678`, `312345678`.
pub(super) fn lookup_variants(number: &PhoneNumber) -> Vec<String> {
    let nsn = &number.national;
    let cc = number.country_code;
    let candidates = [
        national_digits(number),
        format!("+{cc}{nsn}"),
        format!("{cc}{nsn}"),
        nsn.clone(),
    ];
    let mut out: Vec<String> = Vec::with_capacity(candidates.len());
    for candidate in candidates {
        if !out.contains(&candidate) {
            out.push(candidate);
        }
    }
    out
}

/// The number as dialled inside its own country: trunk prefix and NSN.
pub(super) fn national_digits(number: &PhoneNumber) -> String {
    let trunk = metadata::region_by_country_code(number.country_code)
        .and_then(|region| region.trunk)
        // An NSN that starts with 0 (Japanese carrier toll-free numbers) is dialled as is.
        .filter(|_| !number.national.starts_with('0'))
        .unwrap_or_default();
    format!("{trunk}{}", number.national)
}

/// A SOSL `FIND` term matching any of the variants: `{0312345678 OR \+81312345678 OR ...}`
/// without the braces. `+` is reserved in SOSL and is escaped; the variants hold nothing else
/// but digits.
pub(super) fn sosl_term(number: &PhoneNumber) -> String {
    lookup_variants(number)
        .iter()
        .map(|v| v.replace('+', "\\+"))
        .collect::<Vec<_>>()
        .join(" OR ")
}
