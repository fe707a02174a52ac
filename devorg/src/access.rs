//! Who may see and change what: licences, profiles, object permissions and field-level security.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::schema::{FieldDef, ObjectDef};

/// User licences that change what exists for a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Licence {
    Salesforce,
    /// Lightning Platform Starter / Plus: Accounts, Contacts and Activities, but no Leads,
    /// Opportunities or Cases.
    PlatformStarter,
}

impl Licence {
    pub fn includes(self, object: &str) -> bool {
        match self {
            Licence::Salesforce => true,
            Licence::PlatformStarter => !matches!(object, "Lead" | "Opportunity" | "Case"),
        }
    }
}

/// Field-level security for one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldAccess {
    /// Not readable: the field does not exist for this user.
    Hidden,
    Read,
    Edit,
}

/// A user's permissions: profile plus licence.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Permissions {
    pub licence: Licence,
    /// The "API Enabled" user permission.
    pub api_enabled: bool,
    /// "Object.Field" entries whose access differs from Edit.
    pub hidden_fields: BTreeSet<String>,
    pub read_only_fields: BTreeSet<String>,
    /// Objects the profile removes (no Read), beyond what the licence removes.
    pub hidden_objects: BTreeSet<String>,
}

impl Permissions {
    pub fn full() -> Permissions {
        Permissions {
            licence: Licence::Salesforce,
            api_enabled: true,
            hidden_fields: BTreeSet::new(),
            read_only_fields: BTreeSet::new(),
            hidden_objects: BTreeSet::new(),
        }
    }

    pub fn can_read_object(&self, object: &ObjectDef) -> bool {
        self.licence.includes(object.name) && !self.hidden_objects.contains(object.name)
    }

    pub fn field_access(&self, object: &ObjectDef, field: &FieldDef) -> FieldAccess {
        if field.exempt_from_fls || field.name == "Id" {
            return FieldAccess::Edit;
        }
        let key = format!("{}.{}", object.name, field.name);
        if self.hidden_fields.contains(&key) {
            FieldAccess::Hidden
        } else if self.read_only_fields.contains(&key) {
            FieldAccess::Read
        } else {
            FieldAccess::Edit
        }
    }

    pub fn set_field_access(&mut self, object: &str, field: &str, access: FieldAccess) {
        let key = format!("{object}.{field}");
        self.hidden_fields.remove(&key);
        self.read_only_fields.remove(&key);
        match access {
            FieldAccess::Hidden => {
                self.hidden_fields.insert(key);
            }
            FieldAccess::Read => {
                self.read_only_fields.insert(key);
            }
            FieldAccess::Edit => {}
        }
    }
}
