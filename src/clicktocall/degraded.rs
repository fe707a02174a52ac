//! The worker's side of degraded mode: when a page's CSP forbids wasm in the content script, a
//! small JS walker sends candidate values here and these decisions run in the worker instead.

use super::field::dial_targets;
use super::record::{resolve_record, PageFacts};
use crate::protocol::{CandidateField, DialReport};

/// What each candidate dials (its first number, and its record), in order; `None` for what is
/// not a number.
pub fn answer(
    page: &PageFacts,
    fields: &[CandidateField],
    region: &str,
) -> Vec<Option<DialReport>> {
    answer_all(page, fields, region)
        .into_iter()
        .map(|dials| dials.into_iter().next())
        .collect()
}

/// Every number of each candidate, each its own dial (a field may hold several), in order; an
/// empty list for what holds no number. National numbers are read as numbers of `region`.
pub fn answer_all(
    page: &PageFacts,
    fields: &[CandidateField],
    region: &str,
) -> Vec<Vec<DialReport>> {
    fields
        .iter()
        .map(|field| {
            let record = resolve_record(page, &field.facts);
            dial_targets(&field.value, region)
                .into_iter()
                .map(|target| DialReport {
                    number: target.e164,
                    extension: target.extension,
                    record: record.clone(),
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clicktocall::FieldFacts;

    #[test]
    fn each_candidate_gets_its_number_and_record_or_nothing() {
        let page = PageFacts {
            path: "/lightning/o/Contact/list".into(),
            ..PageFacts::default()
        };
        let row = FieldFacts {
            row_key: Some("0035g00000Yam4dAAB".into()),
            row_name: Some("山田 太郎".into()),
            ..FieldFacts::default()
        };
        let fields = [
            CandidateField {
                value: "tel:03-1234-5678".into(),
                facts: row.clone(),
            },
            CandidateField {
                value: "tel:not a number".into(),
                facts: row,
            },
        ];
        let answer = answer(&page, &fields, "JP");
        assert_eq!(answer.len(), 2);
        let first = answer[0].as_ref().unwrap();
        assert_eq!(first.number, "+81312345678");
        assert_eq!(
            first.record.as_ref().unwrap().display_name.as_deref(),
            Some("山田 太郎")
        );
        assert_eq!(answer[1], None);
    }

    #[test]
    fn each_number_of_a_field_is_its_own_dial_with_the_same_record() {
        let page = PageFacts {
            path: "/lightning/r/Contact/0035g00000Yam4d/view".into(),
            title: "山田 太郎 | Salesforce".into(),
            ..PageFacts::default()
        };
        let fields = [
            CandidateField {
                value: "tel:03-1234-5678 / 090-1111-2222".into(),
                facts: FieldFacts::default(),
            },
            CandidateField {
                value: "tel:hello".into(),
                facts: FieldFacts::default(),
            },
        ];
        let answer = answer_all(&page, &fields, "JP");
        let numbers: Vec<&str> = answer[0].iter().map(|d| d.number.as_str()).collect();
        assert_eq!(numbers, ["+81312345678", "+819011112222"]);
        assert_eq!(answer[0][0].record, answer[0][1].record);
        assert!(answer[0][1].record.is_some());
        assert!(answer[1].is_empty());
        assert_eq!(answer[0][0].extension, None);
    }

    #[test]
    fn an_extension_goes_back_with_its_number() {
        let fields = [CandidateField {
            value: "tel:052-123-4567 内線 123".into(),
            facts: FieldFacts::default(),
        }];
        let answer = answer(&PageFacts::default(), &fields, "JP");
        let dial = answer[0].as_ref().unwrap();
        assert_eq!(dial.number, "+81521234567");
        assert_eq!(dial.extension.as_deref(), Some("123"));
        let wire = serde_json::to_value(dial).unwrap();
        assert_eq!(
            wire["extension"], "123",
            "degraded mode's walker sends it back"
        );
    }
}
