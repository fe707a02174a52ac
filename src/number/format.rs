//! Writing a parsed number for people: Japanese numbers the Japanese way (`03-1234-5678`),
//! others in international form with their region's grouping (`+44 20 7946 0958`).

use super::jp_area::{AREA_PREFIXES, DEFAULT_AREA_LEN};
use super::metadata::{self, Region};
use super::PhoneNumber;

/// The display form: national for Japanese numbers (our users' own), international otherwise.
pub(super) fn display(number: &PhoneNumber) -> String {
    if number.country_code == 81 {
        japanese_national(&number.national)
    } else {
        international(number)
    }
}

/// `+CC` and the grouped national significant number.
pub(super) fn international(number: &PhoneNumber) -> String {
    let grouped = if number.country_code == 81 {
        japanese_groups(&number.national).join("-")
    } else {
        metadata::region_by_country_code(number.country_code)
            .and_then(|region| apply_grouping(region, &number.national))
            .unwrap_or_else(|| number.national.clone())
    };
    format!("+{} {}", number.country_code, grouped)
}

fn apply_grouping(region: &Region, nsn: &str) -> Option<String> {
    let rule = region.groupings.iter().find(|rule| {
        (rule.len == 0 || usize::from(rule.len) == nsn.len())
            && metadata::match_prefix(rule.leading, nsn).is_some()
    })?;
    let mut digits = nsn.chars();
    let mut out = String::with_capacity(rule.template.len() + nsn.len());
    for c in rule.template.chars() {
        match c {
            'x' => out.push(digits.next()?),
            '*' => out.extend(digits.by_ref()),
            _ => out.push(c),
        }
    }
    // A template that leaves digits over, or ends on a separator, does not fit this number.
    (digits.next().is_none() && out.ends_with(|c: char| c.is_ascii_digit())).then_some(out)
}

/// A Japanese number as dialled at home: trunk 0, then area code, exchange and line number.
fn japanese_national(nsn: &str) -> String {
    let groups = japanese_groups(nsn);
    // Numbers whose NSN starts with 0 (carrier toll-free 0037..., 0077...) take no trunk 0.
    let trunk = if nsn.starts_with('0') { "" } else { "0" };
    format!("{trunk}{}", groups.join("-"))
}

/// The groups of a Japanese NSN: fixed lines by area code (1-4 digits, then the exchange, then
/// 4 digits), 10-digit mobile/IP/pager numbers 2-4-4, 0800 numbers 3-3-4, 0120/0570/0990
/// numbers 3-3-3.
fn japanese_groups(nsn: &str) -> Vec<&str> {
    let sizes: &[usize] = match nsn.len() {
        9 => match area_len(nsn) {
            Some(0) => &[3, 3, 3],
            Some(1) => &[1, 4, 4],
            Some(2) => &[2, 3, 4],
            Some(3) => &[3, 2, 4],
            Some(4) => &[4, 1, 4],
            _ => &[9],
        },
        10 if nsn.starts_with("800") => &[3, 3, 4],
        10 if matches!(nsn.as_bytes()[0], b'2' | b'5'..=b'9') => &[2, 4, 4],
        n => return vec![&nsn[..n]],
    };
    let mut groups = Vec::with_capacity(sizes.len());
    let mut at = 0;
    for &size in sizes {
        groups.push(&nsn[at..at + size]);
        at += size;
    }
    groups
}

/// The area-code length of a 9-digit fixed-line NSN: the longest prefix in the table wins.
fn area_len(nsn: &str) -> Option<u8> {
    let mut best: (usize, Option<u8>) = (0, Some(DEFAULT_AREA_LEN));
    for (len, prefixes) in AREA_PREFIXES {
        for prefix in prefixes.split(' ') {
            if prefix.len() > best.0 && nsn.starts_with(prefix) {
                best = (prefix.len(), len);
            }
        }
    }
    best.1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_fixed_lines_follow_the_area_code() {
        assert_eq!(japanese_national("312345678"), "03-1234-5678");
        assert_eq!(japanese_national("612345678"), "06-1234-5678");
        assert_eq!(japanese_national("451234567"), "045-123-4567");
        assert_eq!(japanese_national("466123456"), "0466-12-3456");
        assert_eq!(japanese_national("126723456"), "01267-2-3456");
        assert_eq!(japanese_national("112345678"), "011-234-5678");
    }

    #[test]
    fn japanese_services_and_mobiles() {
        assert_eq!(japanese_national("9012345678"), "090-1234-5678");
        assert_eq!(japanese_national("5012345678"), "050-1234-5678");
        assert_eq!(japanese_national("120123456"), "0120-123-456");
        assert_eq!(japanese_national("570123456"), "0570-123-456");
        assert_eq!(japanese_national("8001234567"), "0800-123-4567");
        assert_eq!(japanese_national("601234567"), "060-123-4567");
    }

    #[test]
    fn templates_that_do_not_fit_are_not_used() {
        let us = metadata::region_by_code("US").expect("US is in the table");
        assert_eq!(
            apply_grouping(us, "6502530000").as_deref(),
            Some("650-253-0000")
        );
        assert_eq!(apply_grouping(us, "650253"), None);
    }
}
