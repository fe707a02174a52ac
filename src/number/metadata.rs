//! Compact per-region numbering metadata: what the engine knows about each supported region.
//!
//! From Google's libphonenumber (v9 metadata): the lengths and ranges (what numbers exist) are
//! generated into `ranges.rs` by tests/tools/gen_region_tables.py; prefixes, trunk and carrier
//! codes and display groupings are condensed here by hand. `tests/phone_vs_libphonenumber.rs`
//! checks both against libphonenumber itself, so a rule that drifts shows up there.
//!
//! Leading-digit patterns are a tiny pattern language instead of regexes (which would cost more
//! wasm than the whole engine): a sequence of ASCII digits and `[..]` classes with ranges, e.g.
//! `1[0-79]` matches a number starting with 1 followed by any digit but 8.

use super::ranges;

/// A display rule: numbers whose national significant number (NSN) has `len` digits (0 = any)
/// and starts with `leading` are written through `template`, where each `x` takes one digit,
/// `*` takes the rest and anything else is written as is (`"xxx-xxx-*"`).
pub(super) struct Grouping {
    pub leading: &'static str,
    pub len: u8,
    pub template: &'static str,
}

/// One numbering region (or the main region of a shared country code, such as US for +1).
pub(super) struct Region {
    /// ISO 3166 code, upper case.
    pub code: &'static str,
    pub country_code: u16,
    /// International (IDD) prefixes dialled before a country code, as leading-digit patterns.
    pub idd: &'static [&'static str],
    /// The trunk prefix dialled before national numbers, if the region has one.
    pub trunk: Option<&'static str>,
    /// Carrier-selection codes that may follow the trunk prefix (KR, BR) and are not part of
    /// the number.
    pub carriers: &'static [&'static str],
    /// Which NSNs exist: lengths and digit-prefix ranges, generated from libphonenumber.
    pub ranges: &'static Ranges,
    /// Display rules, first match wins; numbers matching none are shown ungrouped.
    pub groupings: &'static [Grouping],
}

const fn g(leading: &'static str, len: u8, template: &'static str) -> Grouping {
    Grouping {
        leading,
        len,
        template,
    }
}

/// A region's lengths and ranges (generated into `ranges.rs` from libphonenumber's metadata).
/// A range rule is a leading-digit pattern and a bit set of NSN lengths (bit n: n digits): an
/// NSN of a length in the set that starts with the pattern is in the range.
pub(super) struct Ranges {
    /// NSN lengths libphonenumber calls possible for the region, ascending.
    pub lengths: &'static [u8],
    /// NSN lengths that are only dialable locally (without an area code): never an NSN we
    /// strip a trunk prefix down to.
    pub local_lengths: &'static [u8],
    /// libphonenumber's general pattern: an NSN is viable when a rule holds. Parsing decisions
    /// (is this a trunk prefix? a country code typed without +?) use exactly this, as
    /// libphonenumber does, so they agree with it.
    pub general: &'static [(&'static str, u32)],
    /// libphonenumber's `is_valid_number`: the general pattern and lengths and one number
    /// type's pattern and lengths, in any region of the country code (+1 covers all of NANPA).
    pub valid: &'static [(&'static str, u32)],
}

pub(super) const REGIONS: &[Region] = &[
    Region {
        code: "JP",
        country_code: 81,
        idd: &["010"],
        trunk: Some("0"),
        carriers: &[],
        ranges: &ranges::JP,
        // Japanese numbers are grouped by `format::japanese_groups`, which knows the area codes.
        groupings: &[],
    },
    Region {
        code: "US",
        country_code: 1,
        idd: &["011"],
        trunk: Some("1"),
        carriers: &[],
        ranges: &ranges::US,
        groupings: &[g("", 10, "xxx-xxx-*")],
    },
    Region {
        code: "GB",
        country_code: 44,
        idd: &["00"],
        trunk: Some("0"),
        carriers: &[],
        ranges: &ranges::GB,
        groupings: &[
            g("800", 7, "xxx *"),
            g("[18]", 9, "xxx *"),
            g("1[02-9]1", 10, "xxx xxx *"),
            g("11", 10, "xxx xxx *"),
            g("1", 10, "xxxx *"),
            g("2", 10, "xx xxxx *"),
            g("5", 10, "xx xxxx *"),
            g("[389]", 10, "xxx xxx *"),
            g("7[1-57-9]", 10, "xxxx *"),
            g("7", 10, "xx xxxx *"),
        ],
    },
    Region {
        code: "DE",
        country_code: 49,
        idd: &["00"],
        trunk: Some("0"),
        carriers: &[],
        ranges: &ranges::DE,
        // German area codes are 2-5 digits; only the common shapes are grouped.
        groupings: &[
            g("800", 0, "xxx *"),
            g("700", 0, "xxx xxxx *"),
            g("180", 0, "xxx x *"),
            g("18[5-9]", 0, "xxxxx *"),
            // Pagers are written without grouping.
            g("164", 0, "*"),
            g("900", 0, "xxx x *"),
            g("1[5-7]", 0, "xxxx *"),
            g("1", 0, "xxx *"),
            g("[3689]0", 0, "xx *"),
            g("[2-9]0", 0, "xxx *"),
            g("[2-9]", 0, "xxx *"),
        ],
    },
    Region {
        code: "FR",
        country_code: 33,
        idd: &["00"],
        trunk: Some("0"),
        carriers: &[],
        ranges: &ranges::FR,
        groupings: &[g("8", 9, "xxx xx xx *"), g("", 9, "x xx xx xx *")],
    },
    Region {
        code: "AU",
        country_code: 61,
        idd: &["001[14-689]", "14[0-9][0-9]0011"],
        trunk: Some("0"),
        carriers: &[],
        ranges: &ranges::AU,
        groupings: &[
            g("1", 10, "xxxx xxx *"),
            g("16", 0, "xx xxx *"),
            g("[2378]", 9, "x xxxx *"),
            g("[14]", 9, "xxx xxx *"),
        ],
    },
    Region {
        code: "SG",
        country_code: 65,
        idd: &["0[0-3][0-9]"],
        trunk: None,
        carriers: &[],
        ranges: &ranges::SG,
        groupings: &[
            g("", 8, "xxxx *"),
            g("1", 11, "xxxx xxx *"),
            g("", 11, "xxxx xxxx *"),
        ],
    },
    Region {
        code: "KR",
        country_code: 82,
        idd: &[
            "00[125689]",
            "003[46]5",
            "00391",
            "00700",
            "00727",
            "0073",
            "00755",
            "0076[126]",
        ],
        trunk: Some("0"),
        carriers: &["8[1-46-8]", "85[0-9][0-9]"],
        ranges: &ranges::KR,
        groupings: &[
            g("1[4-9]", 8, "xxxx-*"),
            g("2", 8, "x-xxx-*"),
            g("2", 9, "x-xxxx-*"),
            g("", 9, "xx-xxx-*"),
            g("", 10, "xx-xxxx-*"),
        ],
    },
    Region {
        code: "CN",
        country_code: 86,
        idd: &["00", "1[12][0-9][0-9][0-9]00", "179[0-9][0-9]00"],
        trunk: Some("0"),
        carriers: &[],
        ranges: &ranges::CN,
        groupings: &[
            g("1", 11, "xxx xxxx *"),
            g("[48]00", 10, "xxx xxx *"),
            g("[12]", 10, "xx xxxx *"),
            g("", 11, "xxx xxxx *"),
            g("", 10, "xxx xxx *"),
        ],
    },
    Region {
        code: "IN",
        country_code: 91,
        idd: &["00"],
        trunk: Some("0"),
        carriers: &[],
        ranges: &ranges::IN,
        groupings: &[
            g("18[06]0", 10, "xxxx xx *"),
            g("18[06]0", 11, "xxxx xxx *"),
            g("1", 13, "xxxx xxx xxx *"),
            g("1", 10, "xxx xxx *"),
            g("[2-9]", 10, "xxxxx *"),
        ],
    },
    Region {
        code: "BR",
        country_code: 55,
        idd: &[
            "001[245]",
            "002[1-35]",
            "0031",
            "004[13]",
            "00[56]5",
            "0099",
        ],
        trunk: Some("0"),
        carriers: &["1[245]", "2[1-35]", "31", "4[13]", "[56]5", "99"],
        ranges: &ranges::BR,
        groupings: &[
            g("[3-9]00", 9, "xxx xx *"),
            g("[34]", 8, "xxxx-*"),
            g("[1-9][1-9]", 10, "xx xxxx-*"),
            g("[1-9][1-9]", 11, "xx xxxxx-*"),
        ],
    },
];

/// Every country calling code in use (libphonenumber's list), so a `+CC` outside the regions
/// above still parses to E.164 instead of being rejected.
const COUNTRY_CODES: &[u16] = &[
    1, 7, 20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54,
    55, 56, 57, 58, 60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98, 211,
    212, 213, 216, 218, 220, 221, 222, 223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234,
    235, 236, 237, 238, 239, 240, 241, 242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253,
    254, 255, 256, 257, 258, 260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 290, 291, 297, 298,
    299, 350, 351, 352, 353, 354, 355, 356, 357, 358, 359, 370, 371, 372, 373, 374, 375, 376, 377,
    378, 380, 381, 382, 383, 385, 386, 387, 389, 420, 421, 423, 500, 501, 502, 503, 504, 505, 506,
    507, 508, 509, 590, 591, 592, 593, 594, 595, 596, 597, 598, 599, 670, 672, 673, 674, 675, 676,
    677, 678, 679, 680, 681, 682, 683, 685, 686, 687, 688, 689, 690, 691, 692, 800, 808, 850, 852,
    853, 855, 856, 870, 878, 880, 881, 882, 883, 886, 888, 960, 961, 962, 963, 964, 965, 966, 967,
    968, 970, 971, 972, 973, 974, 975, 976, 977, 979, 992, 993, 994, 995, 996, 998,
];

/// The region for a region code such as `"jp"` or `"JP"`.
pub(super) fn region_by_code(code: &str) -> Option<&'static Region> {
    REGIONS
        .iter()
        .find(|r| r.code.eq_ignore_ascii_case(code.trim()))
}

/// The region whose metadata describes numbers under a country calling code.
pub(super) fn region_by_country_code(country_code: u16) -> Option<&'static Region> {
    REGIONS.iter().find(|r| r.country_code == country_code)
}

/// Splits a country calling code (1-3 digits, never starting with 0) off the front of `digits`.
pub(super) fn split_country_code(digits: &str) -> Option<(u16, &str)> {
    (1..=3.min(digits.len())).find_map(|len| {
        let code: u16 = digits.get(..len)?.parse().ok()?;
        let known = !digits.starts_with('0') && COUNTRY_CODES.binary_search(&code).is_ok();
        known.then(|| (code, &digits[len..]))
    })
}

/// Whether `digits` starts with something `pattern` matches; returns the matched length.
pub(super) fn match_prefix(pattern: &str, digits: &str) -> Option<usize> {
    let pattern = pattern.as_bytes();
    let digits = digits.as_bytes();
    let (mut p, mut d) = (0, 0);
    while p < pattern.len() {
        let digit = *digits.get(d)?;
        if pattern[p] == b'[' {
            let close = p + pattern[p..].iter().position(|&b| b == b']')?;
            if !class_contains(&pattern[p + 1..close], digit) {
                return None;
            }
            p = close + 1;
        } else {
            if pattern[p] != digit {
                return None;
            }
            p += 1;
        }
        d += 1;
    }
    Some(d)
}

/// Whether a class body such as `0-46-9` (from `[0-46-9]`) contains `digit`.
fn class_contains(class: &[u8], digit: u8) -> bool {
    let mut i = 0;
    while i < class.len() {
        if class.get(i + 1) == Some(&b'-') && i + 2 < class.len() {
            if (class[i]..=class[i + 2]).contains(&digit) {
                return true;
            }
            i += 3;
        } else {
            if class[i] == digit {
                return true;
            }
            i += 1;
        }
    }
    false
}

fn matches_any(rules: &[(&str, u32)], nsn: &str) -> bool {
    let Some(bit) = u32::try_from(nsn.len())
        .ok()
        .and_then(|len| 1u32.checked_shl(len))
    else {
        return false;
    };
    let digits = nsn.as_bytes();
    rules.iter().any(|&(leading, lengths)| {
        lengths & bit != 0
            && plain_digits_agree(leading.as_bytes(), digits)
            && match_prefix(leading, nsn).is_some()
    })
}

/// Whether the plain digits a pattern starts with (up to two, before any class) agree with
/// `digits`: most rules fail there, and telling them without the pattern walk keeps the big
/// tables (hundreds of rules for +1) cheap.
fn plain_digits_agree(pattern: &[u8], digits: &[u8]) -> bool {
    pattern
        .iter()
        .take(2)
        .take_while(|b| b.is_ascii_digit())
        .zip(digits)
        .all(|(p, d)| p == d)
}

impl Region {
    /// Whether `nsn` is shaped like a number of this region (libphonenumber's general pattern).
    pub(super) fn is_viable(&self, nsn: &str) -> bool {
        matches_any(self.ranges.general, nsn)
    }

    /// Whether `nsn` is a number of this region (or of another region of its country code),
    /// as libphonenumber's `is_valid_number` decides.
    pub(super) fn is_valid(&self, nsn: &str) -> bool {
        matches_any(self.ranges.valid, nsn)
    }

    /// libphonenumber's length test, which decides whether stripping a prefix is plausible.
    pub(super) fn length_check(&self, nsn: &str) -> LengthCheck {
        let len = nsn.len();
        let min = self.ranges.lengths.first().map_or(0, |&l| usize::from(l));
        let max = self.ranges.lengths.last().map_or(0, |&l| usize::from(l));
        if self
            .ranges
            .local_lengths
            .iter()
            .any(|&l| usize::from(l) == len)
        {
            LengthCheck::LocalOnly
        } else if len < min {
            LengthCheck::TooShort
        } else if len > max {
            LengthCheck::TooLong
        } else if self.ranges.lengths.iter().any(|&l| usize::from(l) == len) {
            LengthCheck::Possible
        } else {
            LengthCheck::InvalidLength
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LengthCheck {
    Possible,
    LocalOnly,
    TooShort,
    TooLong,
    InvalidLength,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_patterns_match_digits_and_classes() {
        assert_eq!(match_prefix("1[0-79]", "1912"), Some(2));
        assert_eq!(match_prefix("1[0-79]", "1812"), None);
        assert_eq!(match_prefix("0[0-3][0-9]", "0219"), Some(3));
        assert_eq!(match_prefix("010", "01"), None);
        assert_eq!(match_prefix("", "5"), Some(0));
        assert_eq!(match_prefix("[0-46-9]", "5"), None);
        assert_eq!(match_prefix("[0-46-9]", "6"), Some(1));
    }

    #[test]
    fn country_codes_split_at_the_shortest_known_code() {
        assert_eq!(split_country_code("81312345678"), Some((81, "312345678")));
        assert_eq!(split_country_code("16502530000"), Some((1, "6502530000")));
        assert_eq!(
            split_country_code("8801712345678"),
            Some((880, "1712345678"))
        );
        assert_eq!(split_country_code("0812"), None);
        assert_eq!(split_country_code("2"), None);
    }

    #[test]
    fn tables_are_well_formed() {
        assert!(COUNTRY_CODES.windows(2).all(|w| w[0] < w[1]));
        for region in REGIONS {
            assert!(
                region.ranges.lengths.windows(2).all(|w| w[0] < w[1]),
                "{}",
                region.code
            );
            assert!(split_country_code(&region.country_code.to_string()).is_some());
        }
    }
}
