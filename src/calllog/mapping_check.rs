//! The admin's field mapping checked against the org's real Task describe before it is saved:
//! each mapped field must exist, be writable, and have the type its data needs.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::settings::FieldMapping;
use super::text::unknown_placeholders;

/// One thing wrong with a mapping, for the options page to show beside its input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MappingProblem {
    /// Which setting: `dialStartField`, `callStartField`, `callEndField`, `memoField`,
    /// `subjectTemplate`.
    pub setting: String,
    /// `UNKNOWN_FIELD`, `NOT_WRITABLE`, `WRONG_TYPE`, `UNKNOWN_PLACEHOLDER`.
    pub code: String,
    /// The field or placeholder concerned.
    pub detail: String,
}

/// Task fields as describe reports them: API name → type, and which the user may create.
pub struct TaskDescribe<'a> {
    pub types: &'a BTreeMap<String, String>,
    pub createable: &'a BTreeSet<String>,
}

impl TaskDescribe<'_> {
    /// Fields of `kind` (`datetime`, `multipicklist`) the user may write: the mapping's choices.
    pub fn eligible(&self, kind: &str) -> Vec<String> {
        self.types
            .iter()
            .filter(|(name, ty)| ty.as_str() == kind && self.createable.contains(*name))
            .map(|(name, _)| name.clone())
            .collect()
    }
}

pub fn check_mapping(mapping: &FieldMapping, task: &TaskDescribe<'_>) -> Vec<MappingProblem> {
    let mut problems = vec![];
    let slots = [
        ("dialStartField", &mapping.dial_start_field, "datetime"),
        ("callStartField", &mapping.call_start_field, "datetime"),
        ("callEndField", &mapping.call_end_field, "datetime"),
        ("memoField", &mapping.memo_field, "multipicklist"),
    ];
    for (setting, field, kind) in slots {
        let Some(field) = FieldMapping::mapped(field) else {
            continue;
        };
        let problem = |code: &str| MappingProblem {
            setting: setting.into(),
            code: code.into(),
            detail: field.into(),
        };
        match task.types.get(field) {
            None => problems.push(problem("UNKNOWN_FIELD")),
            Some(ty) if ty != kind => problems.push(problem("WRONG_TYPE")),
            Some(_) if !task.createable.contains(field) => problems.push(problem("NOT_WRITABLE")),
            Some(_) => {}
        }
    }
    if let Some(template) = mapping.subject_template.as_deref() {
        for placeholder in unknown_placeholders(template) {
            problems.push(MappingProblem {
                setting: "subjectTemplate".into(),
                code: "UNKNOWN_PLACEHOLDER".into(),
                detail: placeholder,
            });
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn describe() -> (BTreeMap<String, String>, BTreeSet<String>) {
        let types: BTreeMap<String, String> = [
            ("DialStart__c", "datetime"),
            ("CallEnd__c", "datetime"),
            ("Locked__c", "datetime"),
            ("CallMemo__c", "multipicklist"),
            ("Subject", "combobox"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let createable = ["DialStart__c", "CallEnd__c", "CallMemo__c", "Subject"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        (types, createable)
    }

    #[test]
    fn a_good_mapping_has_no_problem_and_choices_come_from_describe() {
        let (types, createable) = describe();
        let task = TaskDescribe {
            types: &types,
            createable: &createable,
        };
        let mapping = FieldMapping {
            dial_start_field: Some("DialStart__c".into()),
            call_end_field: Some(" CallEnd__c ".into()),
            memo_field: Some("CallMemo__c".into()),
            subject_template: Some("{direction} {name}".into()),
            ..FieldMapping::default()
        };
        assert!(check_mapping(&mapping, &task).is_empty());
        assert_eq!(
            task.eligible("datetime"),
            vec!["CallEnd__c", "DialStart__c"]
        );
    }

    #[test]
    fn each_problem_names_its_setting() {
        let (types, createable) = describe();
        let task = TaskDescribe {
            types: &types,
            createable: &createable,
        };
        let mapping = FieldMapping {
            dial_start_field: Some("Nope__c".into()),
            call_start_field: Some("Locked__c".into()),
            call_end_field: Some("Subject".into()),
            memo_field: Some("DialStart__c".into()),
            subject_template: Some("{naem}".into()),
            ..FieldMapping::default()
        };
        let codes: Vec<(String, String)> = check_mapping(&mapping, &task)
            .into_iter()
            .map(|p| (p.setting, p.code))
            .collect();
        let expect = [
            ("dialStartField", "UNKNOWN_FIELD"),
            ("callStartField", "NOT_WRITABLE"),
            ("callEndField", "WRONG_TYPE"),
            ("memoField", "WRONG_TYPE"),
            ("subjectTemplate", "UNKNOWN_PLACEHOLDER"),
        ];
        let expect: Vec<(String, String)> = expect
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        assert_eq!(codes, expect);
    }
}
