//! What a phone field is on a Lightning page, and what it dials.

use std::ops::Range;

use crate::number::PhoneNumber;

/// Set on every phone field the scanner found: empty while it waits to be decorated, the E.164
/// number once it is dialable, [`NOT_DIALABLE`] when the number engine refused it. A field that
/// carries it is never taken again, which is what makes decoration happen exactly once.
pub const FIELD_ATTRIBUTE: &str = "data-sfphone-field";
/// The attribute value of a field whose text is not a number we can dial.
pub const NOT_DIALABLE: &str = "-";

/// Markup that renders a phone value, found with one `querySelectorAll` per root. Fields already
/// taken are excluded by the selector itself, so a rescan only returns what is new.
///
/// - `a[href^="tel:"]`: `lightning-formatted-phone` renders one (in its shadow root or, under
///   synthetic shadow, as a plain child), and so do hand-written pages;
/// - `lightning-click-to-dial`: renders text only until an Open CTI softphone enables it, so the
///   host's `value` attribute is the field.
pub const FIELD_SELECTOR: &str =
    "a[href^=\"tel:\" i]:not([data-sfphone-field]),lightning-click-to-dial:not([data-sfphone-field])";

/// Hosts whose own rendering we never look into: their value attribute is the field, and a
/// `tel:` link inside would be the same number a second time.
pub const OPAQUE_HOSTS: &[&str] = &["lightning-click-to-dial"];

/// How a field carries its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// `<a href="tel:…">`: the `href` holds the raw value.
    TelLink,
    /// A component host (`lightning-click-to-dial`) whose `value` attribute holds the number.
    ValueHost,
}

impl FieldKind {
    /// The kind of an element the selector returned, from its lower-case tag name.
    pub fn of_tag(tag: &str) -> FieldKind {
        if tag.eq_ignore_ascii_case("a") {
            FieldKind::TelLink
        } else {
            FieldKind::ValueHost
        }
    }

    /// The attribute that holds the raw value.
    pub fn value_attribute(self) -> &'static str {
        match self {
            FieldKind::TelLink => "href",
            FieldKind::ValueHost => "value",
        }
    }
}

/// A number in a field that can be dialled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialable {
    /// `+81312345678`: what the phone dials and what crosses to the worker.
    pub e164: String,
    /// `03-1234-5678`: what the button's label reads out (the extension apart: its word is
    /// the user's language, see [`crate::number::display_with_extension`]).
    pub display: String,
    /// `123` of `03-1234-5678 内線 123`: digits dialled once the call is answered.
    pub extension: Option<String>,
    /// Where the number is written in the value it was read from, in UTF-16 code units (the
    /// unit of DOM offsets, `Text.splitText`, `Range.setStart`): a button can go right after it.
    pub span_utf16: Range<u32>,
}

/// Decides whether a raw field value (`tel:03-1234-5678`, `+81 90…`, `0120-123-456 内線 12`) is a
/// number the phone can dial, reading national numbers as numbers of `region`. A value holding
/// several numbers dials its first here; [`dial_targets`] gives them all.
pub fn dial_target(raw: &str, region: &str) -> Option<Dialable> {
    dial_targets(raw, region).into_iter().next()
}

/// Every number a raw field value holds, in order, each its own dial
/// (`03-1234-5678 / 090-1111-2222` gives two; `030/123456` one). Empty when none is a number.
/// National numbers are read as numbers of `region` (the user's dial plan).
pub fn dial_targets(raw: &str, region: &str) -> Vec<Dialable> {
    // The engine reads `tel:` values itself (percent escapes, `;ext=`).
    let utf16 = |byte: usize| raw[..byte].encode_utf16().count() as u32;
    PhoneNumber::find_all(raw, region)
        .into_iter()
        .map(|found| Dialable {
            e164: found.number.e164(),
            display: found.number.display(),
            extension: found.number.extension.clone(),
            span_utf16: utf16(found.span.start)..utf16(found.span.end),
        })
        .collect()
}

impl Dialable {
    /// What the button keeps and a click sends on: the E.164 number, and its extension after a
    /// pause (`+81312345678,123`). Read back with [`split_dial_key`].
    pub fn dial_key(&self) -> String {
        match &self.extension {
            Some(extension) => format!("{}{}{extension}", self.e164, crate::number::PAUSE),
            None => self.e164.clone(),
        }
    }

    /// The number as the button's label reads it, with `word` the user's word for an
    /// extension: `03-1234-5678 内線 123`, `03-1234-5678 ext. 123`.
    pub fn shown(&self, word: &str) -> String {
        crate::number::display_with_extension(&self.display, self.extension.as_deref(), word)
    }
}

/// A [`Dialable::dial_key`] as the `ContentDial` message carries it: the number and the
/// extension apart.
pub fn split_dial_key(key: &str) -> (String, Option<String>) {
    match key.split_once(crate::number::PAUSE) {
        Some((number, extension)) => (number.to_string(), Some(extension.to_string())),
        None => (key.to_string(), None),
    }
}

/// Whether an element must be left alone although it matched: a field the user is editing
/// (inline edit, rich text) must not gain a button in the middle of their text.
pub fn is_editable_context(contenteditable: Option<&str>) -> bool {
    matches!(contenteditable, Some(v) if !v.eq_ignore_ascii_case("false"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lightning_values_become_e164() {
        let cases = [
            ("tel:03-1234-5678", "+81312345678"),
            ("tel:+81%2090-1234-5678", "+819012345678"),
            ("tel:0120-123-456 内線 12", "+81120123456"),
            ("+81 6-3000-0001", "+81630000001"),
            ("090-2000-0001", "+819020000001"),
            ("０３－１２３４－５６７８", "+81312345678"),
        ];
        for (raw, e164) in cases {
            assert_eq!(
                dial_target(raw, "JP").map(|d| d.e164).as_deref(),
                Some(e164),
                "{raw}"
            );
        }
        assert_eq!(
            dial_target("tel:03-1234-5678", "JP").unwrap().display,
            "03-1234-5678"
        );
    }

    #[test]
    fn an_extension_rides_along_and_is_shown() {
        let ja = dial_target("tel:03-1234-5678 内線 123", "JP").expect("dialable");
        assert_eq!(ja.e164, "+81312345678", "the main number alone");
        assert_eq!(ja.extension.as_deref(), Some("123"));
        assert_eq!(ja.display, "03-1234-5678");
        assert_eq!(ja.shown("内線"), "03-1234-5678 内線 123");
        assert_eq!(ja.dial_key(), "+81312345678,123");
        assert_eq!(
            split_dial_key(&ja.dial_key()),
            ("+81312345678".to_string(), Some("123".to_string()))
        );
        let en = dial_target("+1 650-253-0000 ext. 45", "JP").expect("dialable");
        assert_eq!(en.e164, "+16502530000");
        assert_eq!(en.shown("ext."), "+1 650-253-0000 ext. 45");
        let x = dial_target("0120-123-456 x45", "JP").expect("dialable");
        assert_eq!(
            (x.e164.as_str(), x.extension.as_deref()),
            ("+81120123456", Some("45"))
        );
        let tel = dial_target("tel:+81312345678;ext=123", "JP").expect("dialable");
        assert_eq!(tel.dial_key(), "+81312345678,123");
        // The span covers the extension: the button goes after all of it.
        let raw = "03-1234-5678 内線 123 (代表)";
        let t = dial_target(raw, "JP").unwrap();
        let units: Vec<u16> = raw.encode_utf16().collect();
        let span = &units[t.span_utf16.start as usize..t.span_utf16.end as usize];
        assert_eq!(String::from_utf16_lossy(span), "03-1234-5678 内線 123");
        let plain = dial_target("tel:03-1234-5678", "JP").unwrap();
        assert_eq!(plain.extension, None);
        assert_eq!(plain.shown("内線"), "03-1234-5678");
        assert_eq!(plain.dial_key(), "+81312345678");
        assert_eq!(
            split_dial_key("+81312345678"),
            ("+81312345678".into(), None)
        );
    }

    #[test]
    fn a_field_with_several_numbers_dials_each() {
        let raw = "tel:０３-1234-5678 / 090-1111-2222";
        let targets = dial_targets(raw, "JP");
        let numbers: Vec<&str> = targets.iter().map(|t| t.e164.as_str()).collect();
        assert_eq!(numbers, ["+81312345678", "+819011112222"]);
        assert_eq!(targets[1].display, "090-1111-2222");
        // UTF-16 offsets: the full-width digit is one unit, as in the DOM.
        let units: Vec<u16> = raw.encode_utf16().collect();
        let second =
            &units[targets[1].span_utf16.start as usize..targets[1].span_utf16.end as usize];
        assert_eq!(String::from_utf16_lossy(second), "090-1111-2222");
        assert_eq!(targets[0].span_utf16, 4..16);
        assert_eq!(
            dial_target(raw, "JP").map(|t| t.e164).as_deref(),
            Some("+81312345678")
        );
        assert_eq!(
            dial_targets("tel:030/123456", "JP").len(),
            0,
            "Japanese by default: no such number"
        );
    }

    #[test]
    fn national_numbers_are_read_in_the_users_region() {
        let us = "(415) 555-0100";
        assert_eq!(
            dial_target(us, "US").map(|t| t.e164).as_deref(),
            Some("+14155550100")
        );
        assert_eq!(dial_target(us, "JP").map(|t| t.e164), None);
        // International numbers read the same anywhere.
        assert_eq!(
            dial_target("+81 3-1234-5678", "US")
                .map(|t| t.e164)
                .as_deref(),
            Some("+81312345678")
        );
    }

    #[test]
    fn what_is_not_a_number_is_not_dialable() {
        for raw in [
            "tel:",
            "tel:12",
            "",
            "tel:hello",
            "03-1234-5678-9999-0000-1111",
        ] {
            assert_eq!(dial_target(raw, "JP"), None, "{raw}");
        }
    }

    #[test]
    fn the_selector_takes_each_field_once() {
        assert!(FIELD_SELECTOR.matches(":not([data-sfphone-field])").count() == 2);
        assert!(FIELD_SELECTOR.contains(FIELD_ATTRIBUTE));
        assert_eq!(FieldKind::of_tag("A"), FieldKind::TelLink);
        assert_eq!(
            FieldKind::of_tag("lightning-click-to-dial").value_attribute(),
            "value"
        );
    }

    #[test]
    fn editable_regions_are_left_alone() {
        assert!(is_editable_context(Some("")));
        assert!(is_editable_context(Some("true")));
        assert!(is_editable_context(Some("plaintext-only")));
        assert!(!is_editable_context(Some("false")));
        assert!(!is_editable_context(None));
    }
}
