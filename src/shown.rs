//! Names as the UI shows them. A record name comes from the org (an Account name may be 255
//! characters, any of them), a caller's display name from whoever sent the INVITE: either may
//! carry bidi controls that repaint the text around them (an RLO makes `8765-4321-30` read as a
//! phone number), control characters, or nothing visible at all. Every context shows names
//! through this: controls stripped, whitespace folded, bounded, and `None` when nothing visible
//! is left (the UI shows a placeholder). Layout (one line, ellipsis, the full name on hover)
//! is each page's CSS.

/// The most characters shown of a name: Salesforce's longest name field.
pub const MAX_SHOWN_CHARS: usize = 255;

/// Bidi embeddings, overrides and isolates, and the marks: the name is isolated by the UI
/// (`<bdi>`, `unicode-bidi: isolate`), so none of these is needed and any could mislead.
fn bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Characters that take no room (zero-width spaces and joiners, the BOM, soft hyphens): kept
/// inside a name (a ZWJ in an emoji), but a name of nothing else is empty.
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' | '\u{180E}'
    )
}

/// The name to show, or `None` when nothing visible is left of it.
pub fn shown_name(raw: &str) -> Option<String> {
    let mut out = String::new();
    let mut space = false;
    for c in raw.chars() {
        if bidi_control(c) || (c.is_control() && !c.is_whitespace()) {
            continue;
        }
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    if let Some((cut, _)) = out.char_indices().nth(MAX_SHOWN_CHARS) {
        out.truncate(cut);
        out.push('…');
    }
    out.chars().any(|c| !invisible(c)).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_show_as_they_are_when_they_are_plain() {
        assert_eq!(shown_name("山田 太郎").as_deref(), Some("山田 太郎"));
        assert_eq!(shown_name("  Acme\tCorp \n").as_deref(), Some("Acme Corp"));
        assert_eq!(
            shown_name("👩\u{200D}💻 Dev").as_deref(),
            Some("👩\u{200D}💻 Dev")
        );
        assert_eq!(shown_name("العربية").as_deref(), Some("العربية"));
    }

    #[test]
    fn bidi_controls_cannot_repaint_a_name_as_a_number() {
        // RLO + "8765-4321-30" is painted "03-1234-5678".
        assert_eq!(
            shown_name("\u{202E}8765-4321-30").as_deref(),
            Some("8765-4321-30")
        );
        assert_eq!(
            shown_name("a\u{2067}b\u{2069}\u{200F}c").as_deref(),
            Some("abc")
        );
        assert_eq!(shown_name("x\u{0007}\u{009B}y").as_deref(), Some("xy"));
    }

    #[test]
    fn invisible_or_empty_names_are_none() {
        for raw in [
            "",
            "   ",
            "\u{200B}\u{200B}",
            "\u{202E}",
            "\u{FEFF}\u{00AD}",
            "\u{0000}",
        ] {
            assert_eq!(shown_name(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn long_names_are_bounded() {
        let long = "W".repeat(1000);
        let shown = shown_name(&long).unwrap();
        assert_eq!(shown.chars().count(), MAX_SHOWN_CHARS + 1);
        assert!(shown.ends_with('…'));
        assert_eq!(shown_name(&"漢".repeat(255)).unwrap(), "漢".repeat(255));
        assert_eq!(shown_name(&"漢".repeat(256)).unwrap().chars().count(), 256);
    }
}
