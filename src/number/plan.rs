//! The user's dial plan: the region national numbers belong to (the country the phone is in)
//! and the outside-line prefix a PBX may need before an outside number.

use super::metadata::{region_by_code, REGIONS};

/// The region codes the phone knows, for the options page's choice.
pub fn regions() -> impl Iterator<Item = &'static str> {
    REGIONS.iter().map(|r| r.code)
}

/// The region as the rest of the engine compares it (`"us"` → `"US"`), if it is one we know.
pub fn canonical_region(code: &str) -> Option<&'static str> {
    region_by_code(code).map(|r| r.code)
}

pub fn valid_region(code: &str) -> bool {
    canonical_region(code).is_some()
}

/// The region a first run assumes from the browser's language (`ja` → JP, `en-US` → US,
/// `pt-BR` → BR): the country the tag names when we know it, else the language's main
/// country, else Japan, where most of our users are.
pub fn region_for_locale(tag: &str) -> &'static str {
    let mut parts = tag.split(['-', '_']);
    let language = parts.next().unwrap_or("").to_ascii_lowercase();
    if let Some(region) = parts.filter(|p| p.len() == 2).find_map(canonical_region) {
        return region;
    }
    let main = match language.as_str() {
        "ja" => "JP",
        "en" => "US",
        "de" => "DE",
        "fr" => "FR",
        "ko" => "KR",
        "zh" => "CN",
        "pt" => "BR",
        "hi" => "IN",
        _ => "JP",
    };
    canonical_region(main).unwrap_or("JP")
}

/// What an outside-line prefix may be: up to four of the keys of a phone pad.
pub fn valid_outside_prefix(prefix: &str) -> bool {
    (1..=4).contains(&prefix.len())
        && prefix
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'*' || b == b'#')
}

/// Shortest number that counts as an outside line: shorter ones are extensions of the PBX,
/// dialled as they are.
const OUTSIDE_MIN_DIGITS: usize = 7;

/// `target` (a dial target: digits, `+` and E.164, or a SIP address) as the PBX wants it:
/// outside numbers after `prefix`, extensions and SIP addresses as they are.
pub fn with_outside_prefix(target: &str, prefix: &str) -> String {
    let digits = target.strip_prefix('+').unwrap_or(target);
    let outside = digits.len() >= OUTSIDE_MIN_DIGITS && digits.bytes().all(|b| b.is_ascii_digit());
    if prefix.is_empty() || !outside {
        target.to_string()
    } else {
        format!("{prefix}{target}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_run_takes_the_region_from_the_browser_language() {
        for (tag, region) in [
            ("ja", "JP"),
            ("ja-JP", "JP"),
            ("en-US", "US"),
            ("en-GB", "GB"),
            ("en_AU", "AU"),
            ("en", "US"),
            ("de-AT", "DE"),
            ("pt-BR", "BR"),
            ("zh-CN", "CN"),
            ("ko", "KR"),
            ("fr-CA", "FR"),
            ("xx", "JP"),
            ("", "JP"),
        ] {
            assert_eq!(region_for_locale(tag), region, "{tag}");
        }
    }

    #[test]
    fn outside_numbers_get_the_prefix_extensions_and_addresses_do_not() {
        assert_eq!(with_outside_prefix("0312345678", "0"), "00312345678");
        assert_eq!(with_outside_prefix("+14155550100", "9"), "9+14155550100");
        assert_eq!(with_outside_prefix("1002", "0"), "1002");
        assert_eq!(
            with_outside_prefix("sip:1002@pbx.example", "0"),
            "sip:1002@pbx.example"
        );
        assert_eq!(with_outside_prefix("0312345678", ""), "0312345678");
    }

    #[test]
    fn only_phone_keys_make_a_prefix() {
        assert!(valid_outside_prefix("0"));
        assert!(valid_outside_prefix("*9#"));
        assert!(!valid_outside_prefix(""));
        assert!(!valid_outside_prefix("00000"));
        assert!(!valid_outside_prefix("0; x"));
        assert!(valid_region("us") && !valid_region("XX"));
    }
}
