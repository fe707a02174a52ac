//! Phone numbers as they appear on Salesforce pages.
//!
//! For now only what the page scanner needs to decide that a `tel:` link is dialable and what
//! to dial; the full number engine (E.164, regions, display) grows here.

/// Extracts the dialable part of a `tel:` value or a typed number: ASCII digits and a leading
/// `+`, with full-width digits folded (`０３` → `03`). Returns `None` when fewer than 3 digits
/// remain, which is never a number worth a dial button.
pub fn dial_string(raw: &str) -> Option<String> {
    let raw = raw.strip_prefix("tel:").unwrap_or(raw);
    let raw = percent_decode(raw);
    // An extension is not part of what we dial first.
    let main = raw
        .split([',', ';', '#', 'x', 'X'])
        .next()
        .unwrap_or_default();
    let main = main.split("ext").next().unwrap_or_default();
    let main = main.split("内線").next().unwrap_or_default();
    let mut out = String::new();
    for c in main.chars() {
        match c {
            '0'..='9' => out.push(c),
            '０'..='９' => out.push(char::from(b'0' + (c as u32 - '０' as u32) as u8)),
            '+' | '＋' if out.is_empty() => out.push('+'),
            _ => {}
        }
    }
    let digits = out.trim_start_matches('+').len();
    (digits >= 3).then_some(out)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(value) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(value);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::dial_string;

    #[test]
    fn keeps_digits_and_a_leading_plus() {
        assert_eq!(
            dial_string("tel:03-1234-5678").as_deref(),
            Some("0312345678")
        );
        assert_eq!(
            dial_string("tel:+81%203-1234-5678").as_deref(),
            Some("+81312345678")
        );
        assert_eq!(dial_string("(03)1234-5678").as_deref(), Some("0312345678"));
    }

    #[test]
    fn folds_full_width_digits_and_drops_extensions() {
        assert_eq!(
            dial_string("０３－１２３４－５６７８").as_deref(),
            Some("0312345678")
        );
        assert_eq!(
            dial_string("03-1234-5678 内線 123").as_deref(),
            Some("0312345678")
        );
        assert_eq!(
            dial_string("tel:1234567890 ext. 225").as_deref(),
            Some("1234567890")
        );
    }

    #[test]
    fn rejects_what_is_not_a_number() {
        assert_eq!(dial_string("tel:"), None);
        assert_eq!(dial_string("tel:%"), None);
        assert_eq!(dial_string("<script>12</script>"), None);
        assert_eq!(dial_string("+"), None);
    }
}
