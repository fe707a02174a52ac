//! The worker's side of degraded mode: when a page's CSP forbids wasm in the content script, a
//! small JS walker sends candidate values here and these decisions run in the worker instead.

use super::field::dial_target;
use super::record::{resolve_record, PageFacts};
use crate::protocol::{CandidateField, DialReport};

/// What each candidate dials (number and record), in order; `None` for what is not a number.
pub fn answer(page: &PageFacts, fields: &[CandidateField]) -> Vec<Option<DialReport>> {
    fields
        .iter()
        .map(|field| {
            let target = dial_target(&field.value)?;
            Some(DialReport {
                number: target.e164,
                record: resolve_record(page, &field.facts),
            })
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
        let answer = answer(&page, &fields);
        assert_eq!(answer.len(), 2);
        let first = answer[0].as_ref().unwrap();
        assert_eq!(first.number, "+81312345678");
        assert_eq!(
            first.record.as_ref().unwrap().display_name.as_deref(),
            Some("山田 太郎")
        );
        assert_eq!(answer[1], None);
    }
}
