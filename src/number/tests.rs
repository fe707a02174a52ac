//! The engine's behaviour on what people type and what hostile pages contain.

use super::*;

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

fn e164(text: &str) -> Result<String, &'static str> {
    PhoneNumber::parse(text, "JP")
        .map(|n| n.e164())
        .map_err(PhoneError::code)
}

fn display(text: &str, region: &str) -> String {
    match PhoneNumber::parse(text, region) {
        Ok(n) => n.display(),
        Err(e) => e.code().to_owned(),
    }
}

#[test]
fn japanese_spellings_all_reach_the_same_number() {
    for text in [
        "03-1234-5678",
        "0312345678",
        "03 1234 5678",
        "(03)1234-5678",
        "03(1234)5678",
        "03.1234.5678",
        "０３－１２３４－５６７８",
        "０３ー１２３４ー５６７８",
        "03‐1234‐5678",
        "03−1234−5678",
        "０３（１２３４）５６７８",
        "+81 3-1234-5678",
        "+81-3-1234-5678",
        "+81 (0)3 1234 5678",
        "＋８１３１２３４５６７８",
        "81312345678",
        "010 81 3 1234 5678",
        "tel:+81-3-1234-5678",
        "tel:+81%203-1234-5678",
        "TEL: 03-1234-5678 (代表)",
        "電話 03-1234-5678",
        "TEL／FAX ０３－１２３４－５６７８",
        "2F受付 03-1234-5678",
        "〒100-0001 東京都千代田区 TEL 03-1234-5678",
        "\u{3000}03-1234-5678\u{3000}",
    ] {
        assert_eq!(e164(text).as_deref(), Ok("+81312345678"), "{text}");
    }
}

#[test]
fn japanese_number_kinds_display_the_japanese_way() {
    for (text, shown) in [
        ("0312345678", "03-1234-5678"),
        ("09012345678", "090-1234-5678"),
        ("080-1234-5678", "080-1234-5678"),
        ("0120123456", "0120-123-456"),
        ("0612345678", "06-1234-5678"),
        ("0451234567", "045-123-4567"),
        ("05012345678", "050-1234-5678"),
        ("08001234567", "0800-123-4567"),
        ("0570-123-456", "0570-123-456"),
        ("0466-12-3456", "0466-12-3456"),
        ("011 234 5678", "011-234-5678"),
        ("+81 90 1234 5678", "090-1234-5678"),
    ] {
        assert_eq!(display(text, "JP"), shown, "{text}");
    }
}

#[test]
fn other_regions_display_internationally() {
    for (text, region, shown) in [
        ("(650) 253-0000", "US", "+1 650-253-0000"),
        ("1-650-253-0000", "US", "+1 650-253-0000"),
        ("+1 650 253 0000", "JP", "+1 650-253-0000"),
        ("010 1 650 253 0000", "JP", "+1 650-253-0000"),
        ("011 81 3 1234 5678", "US", "03-1234-5678"),
        ("020 7946 0958", "GB", "+44 20 7946 0958"),
        ("+44 (0)20 7946 0958", "JP", "+44 20 7946 0958"),
        ("01 23 45 67 89", "FR", "+33 1 23 45 67 89"),
        ("0412 345 678", "AU", "+61 412 345 678"),
        ("6123 4567", "SG", "+65 6123 4567"),
        ("02-212-3456", "KR", "+82 2-212-3456"),
        ("131 2345 6789", "CN", "+86 131 2345 6789"),
        ("081234 56789", "IN", "+91 81234 56789"),
        ("(11) 96123-4567", "BR", "+55 11 96123-4567"),
        ("030 123456", "DE", "+49 30 123456"),
    ] {
        assert_eq!(display(text, region), shown, "{text} in {region}");
    }
}

#[test]
fn the_first_valid_number_in_the_text_wins() {
    let text = "〒100-0001 TEL 03-1234-5678 / 090-1234-5678";
    assert_eq!(e164(text).as_deref(), Ok("+81312345678"));
    // dial_string stays lenient: the first run of three or more digits.
    assert_eq!(dial_string(text).as_deref(), Some("1000001"));
    assert_eq!(e164("〒100-0001"), Err("TOO_SHORT"));
}

#[test]
fn the_default_region_decides_national_numbers() {
    let jp = PhoneNumber::parse("0312345678", DEFAULT_REGION).expect("valid in JP");
    assert_eq!(jp.region, Some("JP"));
    let us = PhoneNumber::parse("6502530000", "us").expect("valid in US");
    assert_eq!(us.e164(), "+16502530000");
    assert_eq!(
        PhoneNumber::parse("6502530000", "JP"),
        Err(PhoneError::InvalidForRegion)
    );
    assert_eq!(
        PhoneNumber::parse("0312345678", "XX"),
        Err(PhoneError::InvalidCountryCode)
    );
    // A + number needs no default region.
    let any = PhoneNumber::parse("+81312345678", "").expect("international");
    assert_eq!(any.e164(), "+81312345678");
}

#[test]
fn extensions_are_kept_apart() {
    for (text, ext) in [
        ("03-1234-5678 内線 123", Some("123")),
        ("03-1234-5678（内線１２３）", Some("123")),
        ("03-1234-5678 内線：123", Some("123")),
        ("03-1234-5678 ext. 123", Some("123")),
        ("03-1234-5678 Ext 123", Some("123")),
        ("03-1234-5678 x123", Some("123")),
        ("03-1234-5678#123", Some("123")),
        ("03-1234-5678,123", Some("123")),
        ("tel:+81-3-1234-5678;ext=123", Some("123")),
        ("03-1234-5678 (代表)", None),
    ] {
        let number = PhoneNumber::parse(text, "JP").expect(text);
        assert_eq!(number.e164(), "+81312345678", "{text}");
        assert_eq!(number.extension.as_deref(), ext, "{text}");
    }
}

#[test]
fn lookup_variants_cover_how_records_store_numbers() {
    let number = PhoneNumber::parse("03-1234-5678", "JP").expect("valid");
    assert_eq!(
        number.lookup_variants(),
        ["0312345678", "+81312345678", "81312345678", "312345678"]
    );
    assert_eq!(
        number.sosl_term(),
        "0312345678 OR \\+81312345678 OR 81312345678 OR 312345678"
    );
    let us = PhoneNumber::parse("+1 650-253-0000", "JP").expect("valid");
    assert_eq!(
        us.lookup_variants(),
        ["16502530000", "+16502530000", "6502530000"]
    );
    let sg = PhoneNumber::parse("+65 6123 4567", "JP").expect("valid");
    assert_eq!(
        sg.lookup_variants(),
        ["61234567", "+6561234567", "6561234567"]
    );
}

#[test]
fn invalid_numbers_say_why() {
    for (text, region, code) in [
        ("", "JP", "NOT_A_NUMBER"),
        ("代表", "JP", "NOT_A_NUMBER"),
        ("+", "JP", "NOT_A_NUMBER"),
        ("7", "JP", "NOT_A_NUMBER"),
        ("03-1234", "JP", "TOO_SHORT"),
        ("03-1234-5678-9012-3456-78", "JP", "TOO_LONG"),
        ("090-1234-5678-9", "JP", "INVALID_FOR_REGION"),
        ("+999 1234 5678", "JP", "INVALID_COUNTRY_CODE"),
        ("+0 1234 5678", "JP", "INVALID_COUNTRY_CODE"),
        ("12345", "", "INVALID_COUNTRY_CODE"),
        ("(123) 456-7890", "US", "INVALID_FOR_REGION"),
        ("(650) 153-0000", "US", "INVALID_FOR_REGION"),
        ("06561234567", "JP", "INVALID_FOR_REGION"),
        ("(11) 86123-4567", "BR", "INVALID_FOR_REGION"),
        ("+44 20 7946 095", "JP", "INVALID_FOR_REGION"),
    ] {
        assert_eq!(display(text, region), code, "{text:?} in {region}");
    }
}

#[test]
fn country_codes_without_metadata_still_reach_e164() {
    let number = PhoneNumber::parse("+33 1 23 45 67 89", "JP").expect("FR");
    assert_eq!(number.e164(), "+33123456789");
    let italy = PhoneNumber::parse("+39 06 1234 5678", "JP").expect("IT");
    assert_eq!(italy.e164(), "+390612345678");
    assert_eq!(italy.region, None);
    assert_eq!(italy.display(), "+39 0612345678");
}

#[test]
fn hostile_input_never_panics() {
    let long_digits = "1".repeat(10_000);
    let long_text = "電話".repeat(5_000);
    let hostile = [
        long_digits.as_str(),
        long_text.as_str(),
        "\0\u{1}\u{7f}03-1234-5678\u{1b}[0m",
        "📞 03-1234-5678 📞",
        "👍🏽👍🏽👍🏽",
        "? & | ! { } [ ] ( ) ^ ~ * : \\ \" ' + -",
        "03-1234-5678 OR 1=1; DELETE",
        "{03-1234-5678}",
        "+81\u{0}3\u{0}1234\u{0}5678",
        "tel:%",
        "tel:%F0%9F",
        "tel:%E3%80%80%EF%BC%90",
        "内線",
        "ext.",
        "x",
        "#",
        "++++++",
        "0000000000000000",
        "+8",
        "010",
        "0101",
        "\u{202e}8765-4321-30",
        "٠٣١٢٣٤٥٦٧٨",
    ];
    for text in hostile {
        for region in [
            "JP", "US", "GB", "DE", "FR", "AU", "SG", "KR", "CN", "IN", "BR", "", "??",
        ] {
            if let Ok(number) = PhoneNumber::parse(text, region) {
                let _ = (number.display(), number.international(), number.sosl_term());
            }
        }
        let _ = dial_string(text);
    }
    assert_eq!(
        PhoneNumber::parse(&long_digits, "JP"),
        Err(PhoneError::TooLong)
    );
}

/// xorshift64*: a fixed-seed byte source, enough to shake the parser without a crate.
struct Shaker(u64);

impl Shaker {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[test]
fn parse_never_panics_on_random_text() {
    // Bytes biased towards what matters to the parser: digits, punctuation, markers.
    const ALPHABET: &[&str] = &[
        "0", "1", "3", "8", "9", "+", "-", " ", "(", ")", "#", "x", "ext", "内線", "０", "－",
        "ー", "tel:", "%", "%2", "%20", ";", ",", "\u{0}", "é", "📞", "~", ".",
    ];
    let mut shaker = Shaker(0x5EED_F00D_CAFE_BEEF);
    let mut parsed = 0;
    for _ in 0..20_000 {
        let len = (shaker.next() % 40) as usize;
        let mut text = String::new();
        for _ in 0..len {
            let r = shaker.next();
            if r % 4 == 0 {
                // Raw bytes, made into text the way a page would: lossily.
                let bytes = r.to_le_bytes();
                text.push_str(&String::from_utf8_lossy(&bytes[..(r >> 60) as usize % 8]));
            } else {
                text.push_str(ALPHABET[(r >> 8) as usize % ALPHABET.len()]);
            }
        }
        let region = ["JP", "US", "KR", "BR"][(shaker.next() % 4) as usize];
        if let Ok(number) = PhoneNumber::parse(&text, region) {
            parsed += 1;
            assert!(number.e164().len() <= 19, "{text:?}");
            let _ = (number.display(), number.lookup_variants());
        }
        let _ = dial_string(&text);
    }
    assert!(parsed > 0, "the generator should produce some numbers");
}

#[test]
fn click_to_call_dials_home_numbers_nationally() {
    use super::dial_form;
    assert_eq!(dial_form("+81312345678", "JP"), "0312345678");
    assert_eq!(dial_form("+819012345678", "JP"), "09012345678");
    assert_eq!(dial_form("+16502530000", "JP"), "+16502530000");
    assert_eq!(dial_form("2001", "JP"), "2001");
}

#[test]
fn premium_rate_and_international_network_numbers_are_costly() {
    let costly = |text: &str| PhoneNumber::parse(text, "JP").unwrap().costly();
    for premium in [
        "0990-123-456",
        "+81 990 123 456",
        "+1 900 555 0100",
        "+44 909 876 5432",
        "+49 900 1234567",
        "+33 8 99 12 34 56",
        "+61 1900 123 456",
        "+979 123456789",
    ] {
        assert_eq!(costly(premium), Some(Costly::PremiumRate), "{premium}");
    }
    for network in ["+882 16 1234 5678", "+881 6 1234 5678", "+870 772 123 456"] {
        assert_eq!(
            costly(network),
            Some(Costly::InternationalNetwork),
            "{network}"
        );
    }
    for ordinary in [
        "03-1234-5678",
        "090-1234-5678",
        "0120-123-456",
        "0570-123-456",
        "+1 415 555 0100",
        "+44 20 7946 0958",
        "+49 30 1234567",
    ] {
        assert_eq!(costly(ordinary), None, "{ordinary}");
    }
}

#[test]
fn german_slash_notation_is_one_number() {
    for (text, want) in [
        ("030/123456", "+4930123456"),
        ("01512/3456789", "+4915123456789"),
        ("0800 / 1234567890", "+498001234567890"),
        ("Tel. 0171/2345678", "+491712345678"),
    ] {
        let found = PhoneNumber::find_all(text, "DE");
        let e164: Vec<String> = found.iter().map(|f| f.number.e164()).collect();
        assert_eq!(e164, [want], "{text}");
        assert_eq!(
            PhoneNumber::parse(text, "DE").map(|n| n.e164()).as_deref(),
            Ok(want)
        );
    }
}

#[test]
fn numbers_invalid_in_their_region_are_refused() {
    for (text, region) in [
        ("6123 4567 89012", "SG"),
        ("+65 6123 4567 89012", "JP"),
        ("090-1234-5678", "DE"),
        ("(555) 253-0000", "US"),
        ("+1 555 253 0000", "JP"),
        ("01 23 45 67 89", "CN"),
    ] {
        assert!(
            PhoneNumber::parse(text, region).is_err(),
            "{text} in {region}"
        );
        assert!(PhoneNumber::find_all(text, region).is_empty(), "{text}");
    }
}

#[test]
fn a_field_with_several_numbers_offers_each_with_its_span() {
    for (text, region, want) in [
        (
            "03-1234-5678 / 090-1111-2222",
            "JP",
            &["03-1234-5678", "090-1111-2222"][..],
        ),
        (
            "030/123456, 0171 2345678",
            "DE",
            &["030/123456", "0171 2345678"],
        ),
        (
            "(650) 253-0000 (754) 223-3321",
            "US",
            &["(650) 253-0000", "(754) 223-3321"],
        ),
        ("3324451234 8002341234", "US", &["3324451234", "8002341234"]),
        (
            "TEL ０３－１２３４－５６７８ 携帯 090-1111-2222 内線 12",
            "JP",
            &["０３－１２３４－５６７８", "090-1111-2222 内線 12"],
        ),
        (
            "tel:03-1234-5678%2F090-1111-2222",
            "JP",
            &["03-1234-5678", "090-1111-2222"],
        ),
        ("03-1234-5678,123", "JP", &["03-1234-5678,123"]),
    ] {
        let found = PhoneNumber::find_all(text, region);
        let spans: Vec<&str> = found.iter().map(|f| &text[f.span.clone()]).collect();
        assert_eq!(spans, want, "{text}");
    }
    let pair = PhoneNumber::find_all("03-1234-5678 / 090-1111-2222", "JP");
    assert_eq!(pair[1].number.e164(), "+819011112222");
    // One number, however the field spells it.
    assert_eq!(PhoneNumber::find_all("+81 3-1234-5678", "JP").len(), 1);
    assert_eq!(PhoneNumber::find_all("代表", "JP"), []);
}

#[test]
fn many_short_groups_are_not_many_numbers() {
    // One long run of short groups: cut into pieces only where each is a valid number.
    let groups = "12 ".repeat(80);
    assert_eq!(PhoneNumber::find_all(&groups, "JP"), []);
    let slashes = "1/".repeat(120);
    assert_eq!(PhoneNumber::find_all(&slashes, "JP"), []);
    let pairs = "03-1234-5678 / ".repeat(15);
    assert_eq!(PhoneNumber::find_all(&pairs, "JP").len(), 15);
}

#[test]
fn every_spelling_of_an_extension_is_read() {
    for (text, region, e164, ext) in [
        ("03-1234-5678 内線 123", "JP", "+81312345678", "123"),
        ("03-1234-5678 内線123", "JP", "+81312345678", "123"),
        ("03-1234-5678 内線　１２３", "JP", "+81312345678", "123"),
        (
            "０３－１２３４－５６７８　内線１２３",
            "JP",
            "+81312345678",
            "123",
        ),
        ("+1 650-253-0000 ext. 45", "JP", "+16502530000", "45"),
        ("+1 650-253-0000 ext.45", "JP", "+16502530000", "45"),
        ("+1 650-253-0000 ext45", "JP", "+16502530000", "45"),
        ("650-253-0000 EXT 45", "US", "+16502530000", "45"),
        ("0120-123-456 x45", "JP", "+81120123456", "45"),
        ("0120-123-456x45", "JP", "+81120123456", "45"),
        ("0120-123-456 X 45", "JP", "+81120123456", "45"),
        ("tel:+81312345678;ext=123", "JP", "+81312345678", "123"),
        ("tel:+81-3-1234-5678;ext=123", "JP", "+81312345678", "123"),
        ("0312345678,123", "JP", "+81312345678", "123"),
    ] {
        let number = PhoneNumber::parse(text, region).expect(text);
        assert_eq!(number.e164(), e164, "{text}");
        assert_eq!(number.extension.as_deref(), Some(ext), "{text}");
        let found = PhoneNumber::find_all(text, region);
        assert_eq!(found.len(), 1, "{text}");
        assert_eq!(found[0].number.extension.as_deref(), Some(ext), "{text}");
    }
}

#[test]
fn an_extension_survives_in_the_dial_form_after_a_pause() {
    assert_eq!(dial_form("03-1234-5678 内線 123", "JP"), "0312345678,123");
    assert_eq!(
        dial_form("+1 650-253-0000 ext. 45", "JP"),
        "+16502530000,45"
    );
    assert_eq!(dial_form("+81312345678", "JP"), "0312345678");
    assert_eq!(dial_form("sip:1001@pbx", "JP"), "sip:1001@pbx");
    assert_eq!(
        dial_form_with("+81312345678", Some("123"), "JP"),
        "0312345678,123"
    );
    assert_eq!(
        dial_form_with("+16502530000", Some("45"), "JP"),
        "+16502530000,45"
    );
    assert_eq!(dial_form_with("+81312345678", None, "JP"), "0312345678");
    let number = PhoneNumber::parse("0120-123-456 x45", "JP").unwrap();
    assert_eq!(number.dial_digits("JP"), "0120123456");
    assert_eq!(number.dial_with_extension("JP"), "0120123456,45");
    assert_eq!(number.e164(), "+81120123456", "E.164 never holds it");
}

#[test]
fn an_extension_is_shown_with_the_users_word_for_it() {
    assert_eq!(
        display_with_extension("03-1234-5678", Some("123"), "内線"),
        "03-1234-5678 内線 123"
    );
    assert_eq!(
        display_with_extension("+1 650-253-0000", Some("45"), "ext."),
        "+1 650-253-0000 ext. 45"
    );
    assert_eq!(
        display_with_extension("03-1234-5678", None, "内線"),
        "03-1234-5678"
    );
}
