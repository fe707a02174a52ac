//! An unknown caller made a Lead or a Contact from the wrap-up: the record's body (one POST)
//! and the name the panel shows for it until Salesforce is asked again.

use serde_json::{json, Value};

use crate::calllog::Locale;
use crate::number::{PhoneNumber, DEFAULT_REGION};
use crate::protocol::{NewRecordKind, PanelNewRecord};

/// A person's name as people read it: family name first for a Japanese name (written in kanji
/// or kana, whatever the browser's language) and in a Japanese browser, given name first
/// otherwise.
pub fn full_name(first: &str, last: &str, locale: Locale) -> String {
    let japanese = |s: &str| {
        s.chars().any(|c| {
            matches!(c as u32, 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xFF66..=0xFF9D)
        })
    };
    match (first.trim(), last.trim()) {
        ("", last) => last.to_string(),
        (first, last) if locale == Locale::Ja || japanese(first) || japanese(last) => {
            format!("{last} {first}")
        }
        (first, last) => format!("{first} {last}"),
    }
}

/// The body of the new Lead or Contact: the names, the company (a Lead's required field) and
/// the call's number as people write it.
pub fn new_record_body(request: &PanelNewRecord, number: &str) -> Value {
    let phone = PhoneNumber::parse(number, DEFAULT_REGION)
        .map(|n| n.display())
        .unwrap_or_else(|_| number.to_string());
    let mut body = json!({"LastName": request.last_name.trim(), "Phone": phone});
    if !request.first_name.trim().is_empty() {
        body["FirstName"] = json!(request.first_name.trim());
    }
    if request.object == NewRecordKind::Lead {
        body["Company"] = json!(request.company.trim());
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(object: NewRecordKind, last: &str, first: &str, company: &str) -> PanelNewRecord {
        PanelNewRecord {
            call_id: "c@pbx".into(),
            object,
            last_name: last.into(),
            first_name: first.into(),
            company: company.into(),
        }
    }

    #[test]
    fn a_japanese_name_reads_family_name_first_in_any_browser() {
        assert_eq!(full_name("太郎", "新規", Locale::En), "新規 太郎");
        assert_eq!(full_name("タロウ", "シンキ", Locale::En), "シンキ タロウ");
        assert_eq!(full_name("Jane", "Doe", Locale::En), "Jane Doe");
        assert_eq!(full_name("Jane", "Doe", Locale::Ja), "Doe Jane");
        assert_eq!(full_name(" ", "Doe", Locale::En), "Doe");
    }

    #[test]
    fn the_body_has_the_number_as_people_write_it_and_a_leads_company() {
        let lead = new_record_body(
            &request(NewRecordKind::Lead, " 新規 ", "", "<b>新規商事</b>"),
            "+81312345678",
        );
        assert_eq!(
            lead,
            json!({"LastName": "新規", "Phone": "03-1234-5678", "Company": "<b>新規商事</b>"})
        );
        let contact = new_record_body(&request(NewRecordKind::Contact, "Doe", "Jane", "x"), "2003");
        assert_eq!(
            contact,
            json!({"LastName": "Doe", "FirstName": "Jane", "Phone": "2003"})
        );
    }
}
