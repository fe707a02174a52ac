//! The number engine on arbitrary text, in every region it knows and two it does not. Whatever
//! parses must format without panicking, and its E.164 form must parse back to the same number.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sfphone::number::{dial_form, dial_string, PhoneNumber};

const REGIONS: &[&str] = &[
    "JP", "US", "GB", "DE", "FR", "AU", "SG", "KR", "CN", "IN", "BR", "", "??",
];

fuzz_target!(|data: &[u8]| {
    // The first byte picks the region, the rest is the text.
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let region = REGIONS[usize::from(pick) % REGIONS.len()];
    let _ = dial_string(text);
    let _ = dial_form(text, region);
    let Ok(number) = PhoneNumber::parse(text, region) else {
        return;
    };
    let e164 = number.e164();
    let _ = (
        number.display(),
        number.international(),
        number.national_digits(),
        number.lookup_variants(),
        number.sosl_term(),
    );
    let back = PhoneNumber::parse(&e164, region).expect("an E.164 form we wrote parses");
    assert_eq!(back.e164(), e164, "{text:?} in {region}");
});
