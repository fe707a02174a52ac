//! What the engines need to know about the org, supplied by the caller: objects and fields as the
//! current user sees them, and a way to reach records.

use serde_json::Value;

/// Field types the engines treat differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Id,
    /// A lookup's id field (`AccountId`, `WhoId`).
    Reference,
    String,
    /// Long text: not filterable or sortable in SOQL.
    TextArea,
    Phone,
    Email,
    Url,
    Picklist,
    Boolean,
    Int,
    Double,
    Currency,
    Percent,
    Date,
    DateTime,
}

impl FieldType {
    pub fn is_text(self) -> bool {
        matches!(
            self,
            FieldType::Id
                | FieldType::Reference
                | FieldType::String
                | FieldType::TextArea
                | FieldType::Phone
                | FieldType::Email
                | FieldType::Url
                | FieldType::Picklist
        )
    }

    pub fn is_number(self) -> bool {
        matches!(
            self,
            FieldType::Int | FieldType::Double | FieldType::Currency | FieldType::Percent
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct FieldInfo {
    /// API name in canonical casing.
    pub name: String,
    pub kind: FieldType,
    /// Searched by SOSL `IN NAME FIELDS` (Name, FirstName, LastName, Company…).
    pub name_field: bool,
}

impl FieldInfo {
    pub fn new(name: &str, kind: FieldType) -> FieldInfo {
        FieldInfo {
            name: name.into(),
            kind,
            name_field: false,
        }
    }

    pub fn name_field(name: &str) -> FieldInfo {
        FieldInfo {
            name_field: true,
            ..FieldInfo::new(name, FieldType::String)
        }
    }
}

/// A parent relationship: `Account` via `AccountId`, or polymorphic `Who` via `WhoId`.
#[derive(Debug, Clone, PartialEq)]
pub struct RelationshipInfo {
    /// Canonical relationship name (`Account`, `Owner`, `Who`).
    pub name: String,
    /// The field holding the parent's id (`AccountId`).
    pub id_field: String,
    /// Possible parent objects; more than one makes it polymorphic.
    pub targets: Vec<String>,
}

/// An object as the current user sees it: only readable fields are listed, so unreadable ones
/// are reported as non-existent, as Salesforce does.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectInfo {
    pub name: String,
    pub fields: Vec<FieldInfo>,
    pub relationships: Vec<RelationshipInfo>,
}

impl ObjectInfo {
    pub fn field(&self, name: &str) -> Option<&FieldInfo> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    pub fn relationship(&self, name: &str) -> Option<&RelationshipInfo> {
        self.relationships
            .iter()
            .find(|r| r.name.eq_ignore_ascii_case(name))
    }
}

/// The org's metadata for the current user. `None` for an object that does not exist or that
/// the user cannot access (Salesforce answers both the same way).
pub trait Schema {
    fn object(&self, name: &str) -> Option<ObjectInfo>;

    /// Objects searched by a SOSL query without RETURNING.
    fn searchable_objects(&self) -> Vec<String> {
        Vec::new()
    }
}

/// Where the records live. Records are JSON objects with `attributes.type` and an 18-char `Id`.
pub trait RecordStore {
    /// Every record of one object (canonical name), in storage order.
    fn records_of(&self, object: &str) -> Vec<&Value>;
    /// The record with this 15- or 18-char id, whatever its object.
    fn record_by_id(&self, id: &str) -> Option<&Value>;
}

/// The devorg keeps every record in one `Vec<Value>` (`OrgState::records`).
impl RecordStore for [Value] {
    fn records_of(&self, object: &str) -> Vec<&Value> {
        self.iter()
            .filter(|r| {
                r["attributes"]["type"]
                    .as_str()
                    .is_some_and(|t| t.eq_ignore_ascii_case(object))
            })
            .collect()
    }

    fn record_by_id(&self, id: &str) -> Option<&Value> {
        let id15 = id.get(..15)?;
        self.iter()
            .find(|r| r["Id"].as_str().and_then(|i| i.get(..15)) == Some(id15))
    }
}

impl RecordStore for Vec<Value> {
    fn records_of(&self, object: &str) -> Vec<&Value> {
        self.as_slice().records_of(object)
    }

    fn record_by_id(&self, id: &str) -> Option<&Value> {
        self.as_slice().record_by_id(id)
    }
}

/// A field's value on a record, found case-insensitively; absent means null.
pub fn field_value<'v>(record: &'v Value, name: &str) -> &'v Value {
    static NULL: Value = Value::Null;
    match record.get(name) {
        Some(v) => v,
        None => record
            .as_object()
            .and_then(|m| m.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
            .map_or(&NULL, |(_, v)| v),
    }
}
