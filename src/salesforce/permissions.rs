//! The permissions checklist the options page shows: per feature, each access the seed's table
//! says the integrating user needs, and whether this user has it, worked out from what
//! capability detection already learnt (no request of its own).
//!
//! An item whose parent is missing is left out: without "API Enabled" nothing else can be read,
//! and without read on an object (or create on Task) its fields describe nothing, so listing
//! them would tell the admin to grant what is not the fix. An object whose fields were not
//! described lists no field items either: unknown is neither granted nor missing.

use serde::{Deserialize, Serialize};

use super::capabilities::{ApiAccess, Capabilities, TaskFields, LOOKUP_OBJECTS};
use crate::calllog::FieldMapping;
use crate::codes::ErrorCode;

/// A feature of the seed's table, as the checklist groups its items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Feature {
    Lookup,
    Logging,
    Assignee,
    Memo,
}

/// The fields of one object that its describe showed readable to the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectFields {
    pub object: String,
    pub readable: Vec<String>,
}

/// One line of the checklist: `item` names the access (`Read Lead.Phone`), `missing_code` the
/// [`ErrorCode`] that says what to do when it is not `ok`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    pub feature: Feature,
    pub item: String,
    pub ok: bool,
    #[serde(default)]
    pub missing_code: Option<ErrorCode>,
}

/// The fields a lookup reads, per lookup object (the seed's "common" table).
const LOOKUP_FIELDS: [(&str, &[&str]); 3] = [
    ("Contact", &["Phone", "MobilePhone", "AccountId", "Name"]),
    ("Account", &["Phone", "Name"]),
    ("Lead", &["Phone", "MobilePhone", "Company", "Name"]),
];

/// The standard Task fields a logged call writes (`calllog::draft`), and whether a later PATCH
/// writes them again (the composite's links, the subject, the transcript): those need edit as
/// well as create. The seed's table says "read" for some of them, but the product writes them,
/// and a field left out of the insert is silently missing from the Task.
const LOGGED_FIELDS: [(&str, bool); 10] = [
    ("Subject", true),
    ("Status", false),
    ("Description", true),
    ("WhoId", true),
    ("WhatId", true),
    ("TaskSubtype", false),
    ("ActivityDate", false),
    ("CallDurationInSeconds", false),
    ("CallType", false),
    ("CallObject", false),
];

/// Editions that have no Lead object at all (`Organization.OrganizationType`).
const EDITIONS_WITHOUT_LEAD: [&str; 1] = ["Contact Manager Edition"];

/// The checklist for this user. `described`: the readable fields of Contact, Account, Lead and
/// User, when they were described. `lead_in_edition`: false when the caller knows the user's
/// edition or licence has no Lead (Lightning Platform Starter / Plus is a user licence inside
/// an Enterprise org, which `edition` cannot show); a Lead that cannot be read is then
/// `NOT_IN_EDITION`, not a permission to grant.
pub fn checklist(
    caps: &Capabilities,
    described: Option<&[ObjectFields]>,
    mapping: &FieldMapping,
    edition: Option<&str>,
    lead_in_edition: bool,
) -> Vec<Check> {
    let mut features = vec![Feature::Lookup, Feature::Logging, Feature::Assignee];
    if FieldMapping::mapped(&mapping.memo_field).is_some() {
        features.push(Feature::Memo);
    }
    let mut out = vec![];
    if let ApiAccess::Disabled { code } = &caps.api {
        // The edition's lack of API and the user's lack of the permission are different fixes.
        let code = match code.as_str() {
            "API_CURRENTLY_DISABLED" => ErrorCode::ApiCurrentlyDisabled,
            _ => ErrorCode::ApiDisabledForOrg,
        };
        for feature in features {
            out.push(check(feature, "API Enabled".into(), false, code));
        }
        return out;
    }
    for feature in &features {
        out.push(check(
            *feature,
            "API Enabled".into(),
            true,
            ErrorCode::ApiDisabledForOrg,
        ));
    }
    let fields_of = |object: &str| {
        described.and_then(|d| d.iter().find(|o| o.object == object).map(|o| &o.readable))
    };
    let lead_exists =
        lead_in_edition && edition.is_none_or(|e| !EDITIONS_WITHOUT_LEAD.contains(&e));
    for (object, fields) in LOOKUP_FIELDS {
        let readable = caps.readable.iter().any(|r| r == object);
        let code = if object == "Lead" && !lead_exists {
            ErrorCode::NotInEdition
        } else {
            ErrorCode::ObjectNotReadable
        };
        out.push(check(
            Feature::Lookup,
            format!("Read {object}"),
            readable,
            code,
        ));
        if let (true, Some(seen)) = (readable, fields_of(object)) {
            read_fields(&mut out, Feature::Lookup, object, fields, seen);
        }
    }
    if let Some(seen) = fields_of("User") {
        read_fields(&mut out, Feature::Assignee, "User", &["Name"], seen);
    }

    // A user without "create" on Task has no createable Task field at all; one field that is
    // not createable is that field's FLS, listed below as itself.
    let task = caps.task.as_ref().filter(|t| !t.createable.is_empty());
    for feature in features.iter().filter(|f| **f != Feature::Lookup) {
        out.push(check(
            *feature,
            "Create Task".into(),
            task.is_some(),
            ErrorCode::TaskNotCreateable,
        ));
    }
    let Some(task) = task else {
        return out;
    };
    for (field, edited) in LOGGED_FIELDS {
        edit_field(&mut out, Feature::Logging, task, field, edited);
    }
    let times = [
        &mapping.dial_start_field,
        &mapping.call_start_field,
        &mapping.call_end_field,
    ];
    for field in times.into_iter().filter_map(FieldMapping::mapped) {
        edit_field(&mut out, Feature::Logging, task, field, false);
    }
    // The assignee is handed the Task by a PATCH when the owner is only known once the
    // composite found the record.
    edit_field(&mut out, Feature::Assignee, task, "OwnerId", true);
    if let Some(field) = FieldMapping::mapped(&mapping.memo_field) {
        // Each memo tag added or removed after logging is one PATCH.
        edit_field(&mut out, Feature::Memo, task, field, true);
    }
    out
}

fn check(feature: Feature, item: String, ok: bool, code: ErrorCode) -> Check {
    Check {
        feature,
        item,
        ok,
        missing_code: (!ok).then_some(code),
    }
}

fn read_fields(
    out: &mut Vec<Check>,
    feature: Feature,
    object: &str,
    fields: &[&str],
    seen: &[String],
) {
    for field in fields {
        let ok = seen.iter().any(|s| s == field);
        let item = format!("Read {object}.{field}");
        out.push(check(feature, item, ok, ErrorCode::FieldNotReadable));
    }
}

fn edit_field(
    out: &mut Vec<Check>,
    feature: Feature,
    task: &TaskFields,
    field: &str,
    edited: bool,
) {
    let ok = task.createable.contains(field) && (!edited || task.updateable.contains(field));
    let item = format!("Edit Task.{field}");
    out.push(check(feature, item, ok, ErrorCode::FieldNotWritable));
}

/// The lookup objects, for a caller that describes them (plus `User`) to fill [`ObjectFields`].
pub fn described_objects() -> [&'static str; 4] {
    [
        LOOKUP_OBJECTS[0],
        LOOKUP_OBJECTS[1],
        LOOKUP_OBJECTS[2],
        "User",
    ]
}

/// What the checklist needs of one object's describe: which of the fields it asks about are
/// there (readable). `None` for an object it asks nothing of, or a describe of no fields.
pub fn fields_of_describe(object: &str, describe: &serde_json::Value) -> Option<ObjectFields> {
    let wanted: &[&str] = match object {
        "User" => &["Name"],
        _ => LOOKUP_FIELDS.iter().find(|(o, _)| *o == object)?.1,
    };
    let fields = describe["fields"].as_array()?;
    let readable = wanted
        .iter()
        .filter(|w| fields.iter().any(|f| f["name"].as_str() == Some(**w)))
        .map(|w| w.to_string())
        .collect();
    Some(ObjectFields {
        object: object.to_string(),
        readable,
    })
}

/// The checklist of an org as capability detection left it.
pub fn checklist_of(
    caps: &Capabilities,
    mapping: &FieldMapping,
    edition: Option<&str>,
) -> Vec<Check> {
    let described = (!caps.described.is_empty()).then_some(caps.described.as_slice());
    checklist(caps, described, mapping, edition, !caps.no_lead_licence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calllog::AssigneeRule;

    fn set(names: &[&str]) -> std::collections::BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    const ALL_TASK: [&str; 15] = [
        "Subject",
        "Status",
        "Description",
        "WhoId",
        "WhatId",
        "TaskSubtype",
        "ActivityDate",
        "CallDurationInSeconds",
        "CallType",
        "CallObject",
        "OwnerId",
        "DialStart__c",
        "CallStart__c",
        "CallEnd__c",
        "CallMemo__c",
    ];

    fn full() -> Capabilities {
        let mut updateable = set(&ALL_TASK);
        // Salesforce never lets TaskSubtype change: the checklist must not ask for it.
        updateable.remove("TaskSubtype");
        Capabilities {
            api: ApiAccess::Available,
            readable: vec!["Contact".into(), "Account".into(), "Lead".into()],
            task: Some(TaskFields {
                createable: set(&ALL_TASK),
                updateable,
                ..TaskFields::default()
            }),
            user_id: Some("0055g00000AbCdEAAV".into()),
            checked_at_ms: 0,
            searchable: vec![],
            createable: vec![],
            described: vec![],
            no_lead_licence: false,
        }
    }

    fn described() -> Vec<ObjectFields> {
        let of = |object: &str, fields: &[&str]| ObjectFields {
            object: object.into(),
            readable: fields.iter().map(|s| s.to_string()).collect(),
        };
        vec![
            of(
                "Contact",
                &["Id", "Phone", "MobilePhone", "AccountId", "Name"],
            ),
            of("Account", &["Id", "Phone", "Name"]),
            of("Lead", &["Id", "Phone", "MobilePhone", "Company", "Name"]),
            of("User", &["Id", "Name"]),
        ]
    }

    fn mapping() -> FieldMapping {
        FieldMapping {
            dial_start_field: Some("DialStart__c".into()),
            call_start_field: Some("CallStart__c".into()),
            call_end_field: Some(" CallEnd__c ".into()),
            memo_field: Some("CallMemo__c".into()),
            subject_template: None,
            assignee: AssigneeRule::CurrentUser,
        }
    }

    fn find<'a>(checks: &'a [Check], feature: Feature, item: &str) -> &'a Check {
        checks
            .iter()
            .find(|c| c.feature == feature && c.item == item)
            .unwrap_or_else(|| panic!("no {feature:?} {item} in {checks:#?}"))
    }

    fn failing(checks: &[Check]) -> Vec<(Feature, &str, &str)> {
        checks
            .iter()
            .filter(|c| !c.ok)
            .map(|c| {
                (
                    c.feature,
                    c.item.as_str(),
                    c.missing_code.map_or("?", ErrorCode::as_str),
                )
            })
            .collect()
    }

    #[test]
    fn full_access_is_all_ok_and_lists_every_item() {
        let d = described();
        let checks = checklist(
            &full(),
            Some(&d),
            &mapping(),
            Some("Enterprise Edition"),
            true,
        );
        assert_eq!(failing(&checks), vec![]);
        assert!(checks.iter().all(|c| c.missing_code.is_none()));
        for (feature, item) in [
            (Feature::Lookup, "API Enabled"),
            (Feature::Lookup, "Read Lead.Phone"),
            (Feature::Lookup, "Read Contact.AccountId"),
            (Feature::Logging, "Create Task"),
            (Feature::Logging, "Edit Task.CallDurationInSeconds"),
            (Feature::Logging, "Edit Task.TaskSubtype"),
            (Feature::Logging, "Edit Task.DialStart__c"),
            (Feature::Logging, "Edit Task.CallEnd__c"),
            (Feature::Assignee, "Read User.Name"),
            (Feature::Assignee, "Edit Task.OwnerId"),
            (Feature::Memo, "Edit Task.CallMemo__c"),
        ] {
            find(&checks, feature, item);
        }
        // Each feature says for itself that it needs the API.
        assert_eq!(checks.iter().filter(|c| c.item == "API Enabled").count(), 4);
    }

    #[test]
    fn an_unmapped_memo_is_no_feature_and_undescribed_fields_are_not_guessed() {
        let unmapped = FieldMapping {
            memo_field: Some("  ".into()),
            ..FieldMapping::default()
        };
        let checks = checklist(&full(), None, &unmapped, None, true);
        assert!(checks.iter().all(|c| c.feature != Feature::Memo));
        assert!(checks.iter().all(|c| !c.item.starts_with("Read Lead.")));
        assert!(checks.iter().all(|c| !c.item.contains("__c")));
        assert_eq!(failing(&checks), vec![]);
    }

    #[test]
    fn api_disabled_is_the_one_item_of_each_feature() {
        let d = described();
        for (code, expect) in [
            ("API_DISABLED_FOR_ORG", "API_DISABLED_FOR_ORG"),
            ("API_CURRENTLY_DISABLED", "API_CURRENTLY_DISABLED"),
            ("SOMETHING_ELSE", "API_DISABLED_FOR_ORG"),
        ] {
            let off = Capabilities::disabled(code, 0);
            let checks = checklist(&off, Some(&d), &mapping(), None, true);
            assert_eq!(
                failing(&checks),
                vec![
                    (Feature::Lookup, "API Enabled", expect),
                    (Feature::Logging, "API Enabled", expect),
                    (Feature::Assignee, "API Enabled", expect),
                    (Feature::Memo, "API Enabled", expect),
                ]
            );
            assert_eq!(checks.len(), 4);
        }
    }

    #[test]
    fn lead_fls_hiding_phone_names_exactly_that_field() {
        let mut d = described();
        d[2].readable.retain(|f| f != "Phone");
        let checks = checklist(&full(), Some(&d), &mapping(), None, true);
        assert_eq!(
            failing(&checks),
            vec![(Feature::Lookup, "Read Lead.Phone", "FIELD_NOT_READABLE")]
        );
    }

    #[test]
    fn an_unreadable_object_is_the_fix_not_its_fields() {
        let mut caps = full();
        caps.readable.retain(|o| o != "Account");
        let d = described();
        let checks = checklist(&caps, Some(&d), &mapping(), None, true);
        assert_eq!(
            failing(&checks),
            vec![(Feature::Lookup, "Read Account", "OBJECT_NOT_READABLE")]
        );
        assert!(checks.iter().all(|c| !c.item.starts_with("Read Account.")));
    }

    #[test]
    fn no_edit_on_a_mapped_field_names_it_under_its_feature() {
        let mut caps = full();
        if let Some(task) = caps.task.as_mut() {
            task.updateable.remove("CallMemo__c");
            task.createable.remove("DialStart__c");
            task.updateable.remove("WhoId");
        }
        let d = described();
        let checks = checklist(&caps, Some(&d), &mapping(), None, true);
        assert_eq!(
            failing(&checks),
            vec![
                (Feature::Logging, "Edit Task.WhoId", "FIELD_NOT_WRITABLE"),
                (
                    Feature::Logging,
                    "Edit Task.DialStart__c",
                    "FIELD_NOT_WRITABLE"
                ),
                (Feature::Memo, "Edit Task.CallMemo__c", "FIELD_NOT_WRITABLE"),
            ]
        );
    }

    #[test]
    fn no_task_create_is_the_one_fix_for_every_task_feature() {
        let mut caps = full();
        if let Some(task) = caps.task.as_mut() {
            task.createable.clear();
        }
        let checks = checklist(&caps, None, &mapping(), None, true);
        assert_eq!(
            failing(&checks),
            vec![
                (Feature::Logging, "Create Task", "TASK_NOT_CREATEABLE"),
                (Feature::Assignee, "Create Task", "TASK_NOT_CREATEABLE"),
                (Feature::Memo, "Create Task", "TASK_NOT_CREATEABLE"),
            ]
        );
        caps.task = None;
        assert_eq!(
            failing(&checklist(&caps, None, &mapping(), None, true)).len(),
            3
        );
    }

    #[test]
    fn platform_starter_has_no_lead_to_grant() {
        let mut caps = full();
        caps.readable = vec!["Contact".into(), "Account".into()];
        let d: Vec<ObjectFields> = described()
            .into_iter()
            .filter(|o| o.object != "Lead")
            .collect();
        let checks = checklist(
            &caps,
            Some(&d),
            &mapping(),
            Some("Enterprise Edition"),
            false,
        );
        assert_eq!(
            failing(&checks),
            vec![(Feature::Lookup, "Read Lead", "NOT_IN_EDITION")]
        );
        // The same missing Lead in a licence that has Leads is a permission to grant.
        let checks = checklist(
            &caps,
            Some(&d),
            &mapping(),
            Some("Enterprise Edition"),
            true,
        );
        assert_eq!(
            find(&checks, Feature::Lookup, "Read Lead").missing_code,
            Some(ErrorCode::ObjectNotReadable)
        );
        let checks = checklist(
            &caps,
            Some(&d),
            &mapping(),
            Some("Contact Manager Edition"),
            true,
        );
        assert_eq!(
            find(&checks, Feature::Lookup, "Read Lead").missing_code,
            Some(ErrorCode::NotInEdition)
        );
    }

    #[test]
    fn every_kind_of_missing_access_is_raised() {
        let mut caps = full();
        caps.readable.clear();
        let mut d = described();
        d.iter_mut().for_each(|o| o.readable.clear());
        let disabled = Capabilities::disabled("API_CURRENTLY_DISABLED", 0);
        let no_task = Capabilities {
            task: None,
            ..full()
        };
        let mut codes = vec![];
        for lead in [true, false] {
            for checks in [
                checklist(&caps, Some(&d), &mapping(), None, lead),
                checklist(&disabled, None, &mapping(), None, lead),
                checklist(&no_task, None, &mapping(), None, lead),
                checklist(&full(), Some(&d), &mapping(), None, lead),
            ] {
                codes.extend(checks.into_iter().filter_map(|c| c.missing_code));
            }
        }
        if let Some(task) = caps.task.as_mut() {
            task.updateable.clear();
        }
        let checks = checklist(&caps, None, &mapping(), None, true);
        codes.extend(checks.into_iter().filter_map(|c| c.missing_code));
        for code in [
            ErrorCode::ObjectNotReadable,
            ErrorCode::FieldNotReadable,
            ErrorCode::FieldNotWritable,
            ErrorCode::NotInEdition,
            ErrorCode::TaskNotCreateable,
            ErrorCode::ApiCurrentlyDisabled,
        ] {
            assert!(codes.contains(&code), "{code:?} never raised");
        }
    }

    #[test]
    fn a_describe_gives_the_asked_fields_it_shows() {
        let describe = serde_json::json!({"fields": [
            {"name": "Id"}, {"name": "MobilePhone"}, {"name": "Company"}, {"name": "Name"}
        ]});
        let lead = fields_of_describe("Lead", &describe).unwrap();
        // Phone hidden by FLS is absent from the describe: not readable.
        assert_eq!(lead.readable, vec!["MobilePhone", "Company", "Name"]);
        assert_eq!(fields_of_describe("Task", &describe), None);
        assert_eq!(
            fields_of_describe("Lead", &serde_json::json!({"errorCode": "NOT_FOUND"})),
            None
        );
        let mut caps = full();
        caps.described = vec![lead];
        let checks = checklist_of(&caps, &mapping(), None);
        assert_eq!(
            failing(&checks),
            vec![(Feature::Lookup, "Read Lead.Phone", "FIELD_NOT_READABLE")]
        );
        caps.readable.retain(|o| o != "Lead");
        caps.no_lead_licence = true;
        let checks = checklist_of(&caps, &mapping(), None);
        assert_eq!(
            failing(&checks),
            vec![(Feature::Lookup, "Read Lead", "NOT_IN_EDITION")]
        );
    }

    #[test]
    fn a_check_reads_back() {
        let check = Check {
            feature: Feature::Lookup,
            item: "Read Lead.Phone".into(),
            ok: false,
            missing_code: Some(ErrorCode::FieldNotReadable),
        };
        let json = serde_json::to_string(&check).unwrap();
        assert!(
            json.contains("\"missingCode\":\"FIELD_NOT_READABLE\""),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<Check>(&json).unwrap(), check);
        let ok: Check = serde_json::from_str(r#"{"feature":"Memo","item":"x","ok":true}"#).unwrap();
        assert_eq!(ok.missing_code, None);
    }
}
