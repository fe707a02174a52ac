//! Text we write into Task fields: the subject template, stripping what must not reach a
//! record (control characters, bidi overrides), and Salesforce's length limits.
//!
//! The API body is JSON, not HTML: markup in a name stays text and is not escaped here.
//! Whoever shows the text later escapes it for their medium.

use super::record::Direction;
use super::settings::Locale;

/// The placeholders a subject template may use. `{{` and `}}` write literal braces; any other
/// `{...}` is kept as typed, so an admin's typo shows up in the subject instead of vanishing.
pub const SUBJECT_PLACEHOLDERS: [&str; 3] = ["{direction}", "{name}", "{number}"];

/// Salesforce's limit for `Subject`.
pub(crate) const SUBJECT_MAX: usize = 255;
/// Salesforce's limit for `Description` (textarea).
pub(crate) const DESCRIPTION_MAX: usize = 32_000;
/// Salesforce's limit for `CallObject`.
pub(crate) const CALL_OBJECT_MAX: usize = 255;

/// The values a subject template is filled with, already sanitised by the caller or not:
/// [`render_subject`] sanitises the result as a whole.
#[derive(Debug, Clone, Copy)]
pub struct SubjectValues<'a> {
    pub direction: &'a str,
    pub name: &'a str,
    pub number: &'a str,
}

/// Fills the template in one pass: a value that itself contains `{number}` stays literal,
/// so a hostile record name cannot pull other values in or grow the subject recursively.
/// The result is one line, free of control characters, at most 255 UTF-16 units.
pub fn render_subject(template: &str, values: SubjectValues<'_>) -> String {
    let mut out = String::with_capacity(template.len() + values.name.len());
    let mut rest = template;
    while let Some(pos) = rest.find(['{', '}']) {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        let filled = [
            ("{direction}", values.direction),
            ("{name}", values.name),
            ("{number}", values.number),
        ]
        .into_iter()
        .find(|(placeholder, _)| tail.starts_with(placeholder));
        match filled {
            Some((placeholder, value)) => {
                out.push_str(value);
                rest = &tail[placeholder.len()..];
            }
            None => {
                // '{' and '}' are one byte, so slicing after them stays on a char boundary.
                out.push_str(&tail[..1]);
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    truncate_utf16(&single_line(&out), SUBJECT_MAX, "…")
}

/// The `{...}` in a template that are not placeholders, for the options page to point out
/// before they show up in subjects (`{{`/`}}` are literal braces, not mistakes).
pub fn unknown_placeholders(template: &str) -> Vec<String> {
    let mut unknown = Vec::new();
    let mut rest = template;
    while let Some(pos) = rest.find('{') {
        let tail = &rest[pos..];
        if let Some(after) = tail.strip_prefix("{{") {
            rest = after;
            continue;
        }
        let Some(end) = tail.find('}') else { break };
        // '}' is one byte, so `end + 1` is a char boundary.
        let candidate = &tail[..end + 1];
        if candidate[1..].contains('{') {
            // `{ {name}`: the first brace is plain text, as render_subject reads it.
            rest = &tail[1..];
            continue;
        }
        if !SUBJECT_PLACEHOLDERS.contains(&candidate) && !unknown.iter().any(|u| u == candidate) {
            unknown.push(candidate.to_string());
        }
        rest = &tail[end + 1..];
    }
    unknown
}

/// The locale's default template for a call.
pub(crate) fn default_subject_template(
    locale: Locale,
    direction: Direction,
    answered: bool,
) -> &'static str {
    match (locale, direction, answered) {
        (Locale::Ja, Direction::Outbound, _) => "発信: {name}",
        (Locale::Ja, Direction::Inbound, true) => "着信: {name}",
        (Locale::Ja, Direction::Inbound, false) => "不在着信: {name}",
        (Locale::Ja, Direction::Internal, _) => "内線: {name}",
        (Locale::En, Direction::Outbound, _) => "Call to {name}",
        (Locale::En, Direction::Inbound, true) => "Call from {name}",
        (Locale::En, Direction::Inbound, false) => "Missed call from {name}",
        (Locale::En, Direction::Internal, _) => "Internal call: {name}",
    }
}

/// The word `{direction}` stands for.
pub(crate) fn direction_word(locale: Locale, direction: Direction, answered: bool) -> &'static str {
    match (locale, direction, answered) {
        (Locale::Ja, Direction::Outbound, _) => "発信",
        (Locale::Ja, Direction::Inbound, true) => "着信",
        (Locale::Ja, Direction::Inbound, false) => "不在着信",
        (Locale::Ja, Direction::Internal, _) => "内線",
        (Locale::En, Direction::Outbound, _) => "Outbound",
        (Locale::En, Direction::Inbound, true) => "Inbound",
        (Locale::En, Direction::Inbound, false) => "Missed",
        (Locale::En, Direction::Internal, _) => "Internal",
    }
}

/// The heading the transcript goes under in `Description`.
pub(crate) fn transcript_heading(locale: Locale) -> &'static str {
    match locale {
        Locale::Ja => "【音声認識結果】",
        Locale::En => "[Transcript]",
    }
}

/// The line a transferred call's Task starts its comments with.
pub(crate) fn transferred_to(locale: Locale, target: &str) -> String {
    // E.164 when the phone could read it (`record_of`).
    let target = crate::number::PhoneNumber::parse(target, crate::number::DEFAULT_REGION)
        .map(|n| n.display())
        .unwrap_or_else(|_| target.to_string());
    match locale {
        Locale::Ja => format!("{target} に転送しました。"),
        Locale::En => format!("Transferred to {target}."),
    }
}

/// What marks a description we had to cut.
pub(crate) fn truncation_marker(locale: Locale) -> &'static str {
    match locale {
        Locale::Ja => "\n…(文字数の上限のため以下省略)",
        Locale::En => "\n…(truncated: Salesforce's length limit)",
    }
}

/// Bidi embedding/override/isolate controls: invisible, and able to make a subject read
/// differently from what it says.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// One line of text: line breaks and tabs become spaces (collapsed), other control
/// characters and bidi controls go, and the ends are trimmed.
pub(crate) fn single_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_whitespace() {
            if !out.ends_with(' ') {
                out.push(' ');
            }
        } else if !c.is_control() && !is_bidi_control(c) {
            out.push(c);
        }
    }
    out.trim().to_string()
}

/// Multi-line text: keeps line breaks (CRLF and CR become LF) and tabs, drops every other
/// control character and bidi control.
pub(crate) fn multi_line(text: &str) -> String {
    let normalised = text.replace("\r\n", "\n").replace('\r', "\n");
    normalised
        .chars()
        .filter(|&c| c == '\n' || c == '\t' || !(c.is_control() || is_bidi_control(c)))
        .collect()
}

/// Cuts `text` to at most `max` UTF-16 code units, `marker` included, on a char boundary.
///
/// Salesforce counts length in UTF-16 units (Java strings); counting them here is never more
/// lenient than counting characters, so the result fits whichever way the org counts.
pub(crate) fn truncate_utf16(text: &str, max: usize, marker: &str) -> String {
    if text.encode_utf16().count() <= max {
        return text.to_string();
    }
    let budget = max.saturating_sub(marker.encode_utf16().count());
    let mut used = 0;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        if used + c.len_utf16() > budget {
            break;
        }
        used += c.len_utf16();
        end = i + c.len_utf8();
    }
    let mut out = text[..end].to_string();
    out.push_str(marker);
    out
}
