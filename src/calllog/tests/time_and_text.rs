//! Dates in the user's time zone, timestamps, and the text rules.

use super::*;
use crate::calllog::text::{multi_line, single_line, truncate_utf16};

#[test]
fn activity_date_is_the_local_date_of_the_call() {
    // 23:30 JST on the 26th is 14:30 UTC the same day.
    assert_eq!(civil_date(T_2330_JST, 540), "2026-11-26");
    assert_eq!(civil_date(T_2330_JST, 0), "2026-11-26");
    // 00:30 JST on the 27th is still the 26th in UTC.
    let t_0030_jst = T_2330_JST + 3_600_000;
    assert_eq!(civil_date(t_0030_jst, 540), "2026-11-27");
    assert_eq!(civil_date(t_0030_jst, 0), "2026-11-26");
    // West of UTC, the same instant can be a day earlier.
    assert_eq!(
        civil_date(T_2330_JST - 14 * 3_600_000 - 60_000, -300),
        "2026-11-25"
    );
}

#[test]
fn the_draft_uses_the_local_date_of_the_answer() {
    let mut c = call();
    c.dial_started_ms = T_2330_JST + 3_600_000 - 20_000; // 00:29:40 JST on the 27th
    c.answered_ms = Some(T_2330_JST + 3_600_000); // 00:30 JST on the 27th
    c.ended_ms = Some(T_2330_JST + 3_660_000);
    let d = TaskDraft::from_call(&c, &mapping(), &full_access(), &user(Locale::Ja));
    assert_eq!(d.body["ActivityDate"], "2026-11-27");
    let mut utc = user(Locale::Ja);
    utc.utc_offset_minutes = 0;
    let d = TaskDraft::from_call(&c, &mapping(), &full_access(), &utc);
    assert_eq!(d.body["ActivityDate"], "2026-11-26");
}

#[test]
fn datetimes_are_iso_utc_with_milliseconds() {
    assert_eq!(iso_utc(1_795_669_443_250), "2026-11-26T05:04:03.250Z");
    assert_eq!(iso_utc(0), "1970-01-01T00:00:00.000Z");
    assert_eq!(iso_utc(-1), "1969-12-31T23:59:59.999Z");
    assert_eq!(civil_date(951_782_400_000, 0), "2000-02-29");
}

#[test]
fn duration_rounds_to_the_second_and_never_goes_negative() {
    let mut c = call();
    assert_eq!(c.duration_seconds(), 192);
    c.ended_ms = Some(T_2330_JST + 500);
    assert_eq!(c.duration_seconds(), 1);
    c.ended_ms = Some(T_2330_JST - 5_000);
    assert_eq!(c.duration_seconds(), 0);
    c.ended_ms = None;
    assert_eq!(c.duration_seconds(), 0);
}

#[test]
fn single_and_multi_line_text() {
    assert_eq!(single_line("  a\n\tb\u{1b}[31m  c "), "a b[31m c");
    assert_eq!(multi_line("a\r\nb\rc\u{0}\u{2066}d\te"), "a\nb\ncd\te");
}

#[test]
fn truncation_counts_utf16_and_keeps_the_marker_inside_the_limit() {
    assert_eq!(truncate_utf16("abc", 3, "…"), "abc");
    assert_eq!(truncate_utf16("abcd", 3, "…"), "ab…");
    // A surrogate pair is never split.
    assert_eq!(truncate_utf16("a😀b", 3, ""), "a😀");
    assert_eq!(truncate_utf16("a😀b", 2, ""), "a");
}

#[test]
fn subject_placeholders_are_documented_and_filled_once() {
    let values = SubjectValues {
        direction: "{name}",
        name: "{number}",
        number: "1",
    };
    assert_eq!(
        render_subject("{direction}/{name}", values),
        "{name}/{number}"
    );
    assert_eq!(render_subject("{{name}}", values), "{name}");
    assert_eq!(render_subject("}{", values), "}{");
    for p in SUBJECT_PLACEHOLDERS {
        assert_ne!(render_subject(p, values), p);
    }
}

#[test]
fn the_options_page_can_point_out_unknown_placeholders() {
    assert!(unknown_placeholders("{direction}: {name} ({number})").is_empty());
    assert!(unknown_placeholders("{ {name}").is_empty());
    assert_eq!(
        unknown_placeholders("{nmae} {{literal}} {nmae} {会社} {"),
        ["{nmae}", "{会社}"]
    );
}
