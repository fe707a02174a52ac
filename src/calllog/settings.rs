//! What the admin chose (the field mapping) and what the user may write (from describe).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::salesforce::id::RecordId;

/// The language of the text we write into Salesforce (subject defaults, headings, markers).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    /// Our users read Salesforce in Japanese, so this is the default.
    #[default]
    Ja,
    En,
}

/// The Task fields this user may write, as the worker's capability detection found them in
/// `GET /sobjects/Task/describe` (field `createable` / `updateable`, picklist values).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskFieldAccess {
    /// API names of fields the user may set on insert.
    #[serde(default)]
    pub createable: BTreeSet<String>,
    /// API names of fields the user may change afterwards (PATCH).
    #[serde(default)]
    pub updateable: BTreeSet<String>,
    /// The first `Status` picklist value that is a closed status; `None` when describe did
    /// not reveal one.
    #[serde(default)]
    pub closed_status: Option<String>,
    /// Active `CallType` values, when known.
    #[serde(default)]
    pub call_type_values: Option<Vec<String>>,
    /// Active values of the mapped memo multi-select picklist, when known.
    #[serde(default)]
    pub memo_values: Option<Vec<String>>,
}

impl TaskFieldAccess {
    pub fn can_create(&self, field: &str) -> bool {
        self.createable.contains(field)
    }

    pub fn can_update(&self, field: &str) -> bool {
        self.updateable.contains(field)
    }
}

/// Which Salesforce user a logged Task is assigned to (the seed's 活動履歴任命先設定).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AssigneeRule {
    /// The user whose session logs the call.
    #[default]
    CurrentUser,
    /// A Salesforce user per phone extension; extensions not in the map fall back to the
    /// current user, so an unmapped phone still logs its calls.
    ByExtension { users: BTreeMap<String, RecordId> },
    /// One Salesforce user for every call (checked active and able to own Tasks when saved).
    User { id: RecordId, name: String },
    /// The owner of the record the call is on, when it is known (the card's and the search's
    /// records carry it); the current user otherwise.
    RecordOwner,
}

impl AssigneeRule {
    pub fn owner_for<'a>(
        &'a self,
        extension: Option<&str>,
        record_owner: Option<&'a RecordId>,
        current_user: &'a RecordId,
    ) -> &'a RecordId {
        match (self, extension) {
            (AssigneeRule::ByExtension { users }, Some(ext)) => {
                users.get(ext.trim()).unwrap_or(current_user)
            }
            (AssigneeRule::User { id, .. }, _) => id,
            (AssigneeRule::RecordOwner, _) => record_owner.unwrap_or(current_user),
            _ => current_user,
        }
    }
}

/// The admin's integration settings (the seed's 項目マッピング). Field names are API names of
/// custom Activity fields, e.g. `DialStart__c`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldMapping {
    /// Date/Time field for when dialling or ringing started.
    #[serde(default)]
    pub dial_start_field: Option<String>,
    /// Date/Time field for when the call was answered.
    #[serde(default)]
    pub call_start_field: Option<String>,
    /// Date/Time field for when the call ended.
    #[serde(default)]
    pub call_end_field: Option<String>,
    /// Multi-select picklist field for the call-memo tags.
    #[serde(default)]
    pub memo_field: Option<String>,
    /// Subject template (see [`crate::calllog::SUBJECT_PLACEHOLDERS`]); `None` uses the
    /// locale's default.
    #[serde(default)]
    pub subject_template: Option<String>,
    #[serde(default)]
    pub assignee: AssigneeRule,
}

impl FieldMapping {
    /// A field name the admin typed, trimmed; blank counts as unmapped.
    pub(crate) fn mapped(field: &Option<String>) -> Option<&str> {
        field.as_deref().map(str::trim).filter(|f| !f.is_empty())
    }
}
