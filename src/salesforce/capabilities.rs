//! What this org and user allow, learnt once and cached with an expiry: API access, which of
//! Contact / Account / Lead are readable, which Task fields are writable, the user id. The UI
//! says why a feature is off from these facts, and nothing is attempted that cannot work.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::rest::RestError;

/// Capabilities are re-checked after this long (a profile change shows up within the day).
pub const CAPABILITY_TTL_MS: u64 = 6 * 60 * 60 * 1000;

/// The objects a lookup can return, in the default priority order (the seed vendor's).
pub const LOOKUP_OBJECTS: [&str; 3] = ["Contact", "Account", "Lead"];

/// A lookup priority the user may choose: every lookup object exactly once.
pub fn valid_priority(priority: &[String]) -> bool {
    priority.len() == LOOKUP_OBJECTS.len()
        && LOOKUP_OBJECTS
            .iter()
            .all(|o| priority.iter().filter(|p| p == o).count() == 1)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE", tag = "state")]
pub enum ApiAccess {
    Available,
    /// `API_DISABLED_FOR_ORG` (Essentials, Professional without API) or `API_CURRENTLY_DISABLED`.
    Disabled {
        code: String,
    },
}

/// Task fields as this user may write them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskFields {
    pub createable: BTreeSet<String>,
    pub updateable: BTreeSet<String>,
    /// The Status value that closes a Task, when the picklist has one we recognise.
    pub closed_status: Option<String>,
    /// Values of every picklist field (CallType, the memo field…), by field name.
    pub picklists: std::collections::BTreeMap<String, Vec<String>>,
    /// Every readable field's describe type (`datetime`, `multipicklist`…), by field name.
    #[serde(default)]
    pub types: std::collections::BTreeMap<String, String>,
    /// The user's default Task record type, when it is not the master: its picklists may
    /// offer fewer values (read from `describe/layouts/`, see [`TaskFields::narrow_to`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_type: Option<String>,
}

impl TaskFields {
    /// The picklists as the record type offers them (`describe/layouts/`'s mapping for it):
    /// each field it lists keeps only its active values there, in its order.
    pub fn narrow_to(&mut self, layouts: &Value) {
        let Some(record_type) = self.record_type.as_deref() else {
            return;
        };
        let Some(mapping) = layouts["recordTypeMappings"]
            .as_array()
            .and_then(|m| m.iter().find(|m| m["recordTypeId"] == record_type))
        else {
            return;
        };
        for list in mapping["picklistsForRecordType"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let Some(name) = list["picklistName"].as_str() else {
                continue;
            };
            let Some(values) = self.picklists.get_mut(name) else {
                continue;
            };
            let offered: Vec<String> = list["picklistValues"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|v| v["active"] != false)
                .filter_map(|v| v["value"].as_str().map(str::to_string))
                .collect();
            *values = offered;
        }
    }
}

/// The user's default record type of an object's describe, unless it is the master (whose
/// picklists are the describe's own).
fn default_record_type(describe: &Value) -> Option<String> {
    describe["recordTypeInfos"]
        .as_array()?
        .iter()
        .find(|r| r["defaultRecordTypeMapping"] == true && r["available"] != false)
        .filter(|r| r["master"] != true)
        .and_then(|r| r["recordTypeId"].as_str())
        .map(str::to_string)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Capabilities {
    pub api: ApiAccess,
    /// Of `LOOKUP_OBJECTS`, those describe global lists for this user.
    pub readable: Vec<String>,
    pub task: Option<TaskFields>,
    pub user_id: Option<String>,
    pub checked_at_ms: u64,
    /// Of the wrap-up's search objects (`search::SEARCH_OBJECTS`), those the user can read.
    #[serde(default)]
    pub searchable: Vec<String>,
    /// Of Lead and Contact, those the user can create (an unknown caller becomes one).
    #[serde(default)]
    pub createable: Vec<String>,
    /// The fields the permissions checklist asks about, as the lookup objects' and User's
    /// describes showed them readable (a field FLS hides is absent from its describe).
    #[serde(default)]
    pub described: Vec<super::permissions::ObjectFields>,
    /// The user's licence has no Lead at all (Lightning Platform Starter / Plus): seen as no
    /// Lead, Opportunity or Case in describe global, which only such a licence removes
    /// together. A Lead to grant is then nothing to grant.
    #[serde(default)]
    pub no_lead_licence: bool,
}

impl Capabilities {
    pub fn disabled(code: &str, now_ms: u64) -> Capabilities {
        Capabilities {
            api: ApiAccess::Disabled { code: code.into() },
            readable: vec![],
            task: None,
            user_id: None,
            checked_at_ms: now_ms,
            searchable: vec![],
            createable: vec![],
            described: vec![],
            no_lead_licence: false,
        }
    }

    pub fn is_fresh(&self, now_ms: u64) -> bool {
        now_ms.saturating_sub(self.checked_at_ms) < CAPABILITY_TTL_MS
    }

    /// Why record lookup can't run, as an error code the UI translates; `None` if it can.
    pub fn lookup_blocked(&self) -> Option<&str> {
        match &self.api {
            ApiAccess::Disabled { code } => Some(code),
            ApiAccess::Available if self.readable.is_empty() => Some("NO_READABLE_OBJECTS"),
            ApiAccess::Available => None,
        }
    }

    /// Why call logging can't run; `None` if it can.
    pub fn logging_blocked(&self) -> Option<&str> {
        match (&self.api, &self.task) {
            (ApiAccess::Disabled { code }, _) => Some(code),
            (ApiAccess::Available, Some(task)) if task.createable.contains("Subject") => None,
            _ => Some("TASK_NOT_CREATEABLE"),
        }
    }
}

fn bad(detail: &str) -> RestError {
    RestError::BadResponse {
        status: 200,
        detail: detail.into(),
    }
}

/// From `GET /sobjects/`: of `objects`, those this user can query (`createable`: create).
pub fn objects_with(describe_global: &Value, objects: &[&str], createable: bool) -> Vec<String> {
    let listed = describe_global["sobjects"].as_array();
    objects
        .iter()
        .filter(|name| {
            listed.is_some_and(|l| {
                l.iter().any(|o| {
                    o["name"] == **name
                        && o["queryable"].as_bool().unwrap_or(true)
                        && (!createable || o["createable"].as_bool() == Some(true))
                })
            })
        })
        .map(|s| s.to_string())
        .collect()
}

/// From `GET /sobjects/`: which lookup objects this user can see.
pub fn readable_objects(describe_global: &Value) -> Result<Vec<String>, RestError> {
    let listed = describe_global["sobjects"]
        .as_array()
        .ok_or_else(|| bad("describe global has no sobjects list"))?;
    Ok(LOOKUP_OBJECTS
        .iter()
        .filter(|name| {
            listed
                .iter()
                .any(|o| o["name"] == **name && o["queryable"].as_bool().unwrap_or(true))
        })
        .map(|s| s.to_string())
        .collect())
}

/// From `GET /sobjects/Task/describe`.
pub fn task_fields(describe: &Value) -> Result<TaskFields, RestError> {
    let fields = describe["fields"]
        .as_array()
        .ok_or_else(|| bad("the Task describe has no fields"))?;
    let mut out = TaskFields {
        record_type: default_record_type(describe),
        ..TaskFields::default()
    };
    for field in fields {
        let Some(name) = field["name"].as_str() else {
            continue;
        };
        if let Some(ty) = field["type"].as_str() {
            out.types.insert(name.to_string(), ty.to_string());
        }
        if field["createable"] == true {
            out.createable.insert(name.to_string());
        }
        if field["updateable"] == true {
            out.updateable.insert(name.to_string());
        }
        if let Some(values) = field["picklistValues"].as_array().filter(|v| !v.is_empty()) {
            let values: Vec<String> = values
                .iter()
                .filter(|v| v["active"] != false)
                .filter_map(|v| v["value"].as_str().map(str::to_string))
                .collect();
            if name == "Status" {
                out.closed_status = closed_status(&values);
            }
            out.picklists.insert(name.to_string(), values);
        }
    }
    Ok(out)
}

/// Describe does not say which statuses close a Task (TaskStatus does, at another API call):
/// the standard closed value, or an org's own value that reads as "completed".
fn closed_status(values: &[String]) -> Option<String> {
    values
        .iter()
        .find(|v| *v == "Completed")
        .or_else(|| {
            values.iter().find(|v| {
                let lower = v.to_lowercase();
                lower.contains("complete") || lower.contains("done") || v.contains("完了")
            })
        })
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn searchable_and_createable_objects_come_from_describe_global() {
        let global = json!({"sobjects": [
            {"name": "Contact", "createable": true},
            {"name": "Lead", "createable": false},
            {"name": "Case", "queryable": false, "createable": true},
            {"name": "Opportunity"}]});
        let search = crate::salesforce::search::SEARCH_OBJECTS;
        assert_eq!(
            objects_with(&global, &search, false),
            ["Contact", "Lead", "Opportunity"]
        );
        assert_eq!(
            objects_with(&global, &["Lead", "Contact"], true),
            ["Contact"]
        );
        assert!(objects_with(&json!({}), &search, false).is_empty());
    }

    #[test]
    fn a_record_type_of_the_users_own_narrows_the_memo_values() {
        let memo = json!({"name": "CallMemo__c", "createable": true, "updateable": true,
            "picklistValues": [{"value": "折り返し希望"}, {"value": "見積依頼"}, {"value": "クレーム"},
                               {"value": "旧区分", "active": false}]});
        // The master record type only: the describe's values, and no further call needed.
        let master = json!({"fields": [memo], "recordTypeInfos": [
            {"recordTypeId": "012000000000000AAA", "master": true, "defaultRecordTypeMapping": true, "available": true}]});
        let task = task_fields(&master).unwrap();
        assert_eq!(task.record_type, None);
        assert_eq!(
            task.picklists["CallMemo__c"],
            ["折り返し希望", "見積依頼", "クレーム"]
        );
        // The admin's record type is the user's default: its own values, in its order.
        let own = json!({"fields": [memo], "recordTypeInfos": [
            {"recordTypeId": "0125g000000SupAAA", "master": false, "defaultRecordTypeMapping": true, "available": true},
            {"recordTypeId": "012000000000000AAA", "master": true, "defaultRecordTypeMapping": false, "available": true}]});
        let mut task = task_fields(&own).unwrap();
        assert_eq!(task.record_type.as_deref(), Some("0125g000000SupAAA"));
        let layouts = json!({"layouts": [], "recordTypeMappings": [
            {"recordTypeId": "012000000000000AAA", "picklistsForRecordType": [
                {"picklistName": "CallMemo__c", "picklistValues": [{"value": "クレーム", "active": true}]}]},
            {"recordTypeId": "0125g000000SupAAA", "picklistsForRecordType": [
                {"picklistName": "CallMemo__c", "picklistValues": [
                    {"value": "見積依頼", "active": true}, {"value": "折り返し希望", "active": true},
                    {"value": "旧区分", "active": false}]},
                {"picklistName": "NotOnTask__c", "picklistValues": [{"value": "x", "active": true}]}]}]});
        task.narrow_to(&layouts);
        assert_eq!(task.picklists["CallMemo__c"], ["見積依頼", "折り返し希望"]);
        assert!(!task.picklists.contains_key("NotOnTask__c"));
        // A mapping that does not name the record type changes nothing.
        let mut again = task_fields(&own).unwrap();
        again.narrow_to(&json!({"recordTypeMappings": []}));
        assert_eq!(again.picklists["CallMemo__c"].len(), 3);
    }

    #[test]
    fn a_platform_starter_user_has_no_lead() {
        let global =
            json!({"sobjects": [{"name": "Account"}, {"name": "Contact"}, {"name": "Task"}]});
        assert_eq!(
            readable_objects(&global).unwrap(),
            vec!["Contact", "Account"]
        );
        let full =
            json!({"sobjects": [{"name": "Lead"}, {"name": "Account"}, {"name": "Contact"}]});
        assert_eq!(
            readable_objects(&full).unwrap(),
            vec!["Contact", "Account", "Lead"]
        );
        assert!(readable_objects(&json!({})).is_err());
    }

    #[test]
    fn task_describe_gives_writable_fields_and_the_closed_status() {
        let describe = json!({"fields": [
            {"name": "Subject", "createable": true, "updateable": true},
            {"name": "TaskSubtype", "createable": true, "updateable": false},
            {"name": "Description", "createable": false, "updateable": false},
            {"name": "Status", "createable": true, "updateable": true, "picklistValues": [
                {"value": "Not Started", "active": true}, {"value": "Completed", "active": true}]},
            {"name": "CallType", "createable": true, "updateable": true, "picklistValues": [
                {"value": "Inbound"}, {"value": "Outbound"}, {"value": "Internal"}]},
        ]});
        let task = task_fields(&describe).unwrap();
        assert!(task.createable.contains("TaskSubtype"));
        assert!(!task.updateable.contains("TaskSubtype"));
        assert!(!task.createable.contains("Description"));
        assert_eq!(task.closed_status.as_deref(), Some("Completed"));
        assert_eq!(task.picklists["CallType"].len(), 3);
    }

    #[test]
    fn an_org_with_its_own_closed_status() {
        assert_eq!(
            closed_status(&["未着手".into(), "完了".into()]).as_deref(),
            Some("完了")
        );
        assert_eq!(closed_status(&["Open".into()]), None);
    }

    #[test]
    fn a_priority_names_each_object_once() {
        let p = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(valid_priority(&p(&["Lead", "Contact", "Account"])));
        assert!(!valid_priority(&p(&["Lead", "Lead", "Account"])));
        assert!(!valid_priority(&p(&["Contact", "Account"])));
        assert!(!valid_priority(&p(&["Contact", "Account", "User"])));
    }

    #[test]
    fn blocked_features_say_why() {
        let off = Capabilities::disabled("API_DISABLED_FOR_ORG", 0);
        assert_eq!(off.lookup_blocked(), Some("API_DISABLED_FOR_ORG"));
        assert_eq!(off.logging_blocked(), Some("API_DISABLED_FOR_ORG"));
        assert!(off.is_fresh(CAPABILITY_TTL_MS - 1));
        assert!(!off.is_fresh(CAPABILITY_TTL_MS));
    }
}
