//! A small org for the engines' tests: Accounts, Contacts, Leads, Users and Tasks with Japanese
//! names and the same number stored in five different ways.

use serde_json::{json, Value};

use super::schema::{FieldInfo, FieldType, ObjectInfo, RelationshipInfo, Schema};

pub const ACME: &str = "0015g00000Acme1AAA";
pub const GLOBEX: &str = "0015g00000Glbx1AAA";
pub const INITECH: &str = "0015g00000Init1AAA";
pub const YAMADA: &str = "0035g00000Yama1AAA";
pub const SUZUKI: &str = "0035g00000Suzk1AAA";
pub const OBRIEN: &str = "0035g00000Obrn1AAA";
pub const SATO: &str = "0035g00000Sato1AAA";
pub const TAKAHASHI: &str = "0035g00000Taka1AAA";
pub const TANAKA: &str = "00Q5g00000Tnka1AAA";
pub const SMITH: &str = "00Q5g00000Smth1AAA";
pub const USER: &str = "0055g00000AbCdEAAV";

/// The current user's view of the schema; `hidden` lists `Object.Field`s without read access,
/// `no_access` objects the user cannot see at all.
#[derive(Default)]
pub struct TestSchema {
    pub hidden: Vec<&'static str>,
    pub no_access: Vec<&'static str>,
}

fn rel(name: &str, id_field: &str, targets: &[&str]) -> RelationshipInfo {
    RelationshipInfo {
        name: name.into(),
        id_field: id_field.into(),
        targets: targets.iter().map(|t| t.to_string()).collect(),
    }
}

impl Schema for TestSchema {
    fn object(&self, name: &str) -> Option<ObjectInfo> {
        use FieldType::*;
        let f = FieldInfo::new;
        let (canonical, fields, relationships) = match name.to_ascii_lowercase().as_str() {
            "account" => (
                "Account",
                vec![
                    f("Id", Id),
                    FieldInfo::name_field("Name"),
                    f("Phone", Phone),
                    f("Industry", Picklist),
                    f("Description", TextArea),
                    f("AnnualRevenue", Currency),
                    f("NumberOfEmployees", Int),
                    f("CreatedDate", DateTime),
                    f("OwnerId", Reference),
                ],
                vec![rel("Owner", "OwnerId", &["User"])],
            ),
            "contact" => (
                "Contact",
                vec![
                    f("Id", Id),
                    FieldInfo::name_field("Name"),
                    FieldInfo::name_field("FirstName"),
                    FieldInfo::name_field("LastName"),
                    f("Phone", Phone),
                    f("MobilePhone", Phone),
                    f("Email", Email),
                    f("AccountId", Reference),
                    f("Birthdate", Date),
                    f("DoNotCall", Boolean),
                    f("Secret__c", String),
                ],
                vec![rel("Account", "AccountId", &["Account"])],
            ),
            "lead" => (
                "Lead",
                vec![
                    f("Id", Id),
                    FieldInfo::name_field("Name"),
                    FieldInfo::name_field("FirstName"),
                    FieldInfo::name_field("LastName"),
                    FieldInfo::name_field("Company"),
                    f("Phone", Phone),
                    f("MobilePhone", Phone),
                    f("Email", Email),
                    f("Status", Picklist),
                    f("OwnerId", Reference),
                ],
                vec![rel("Owner", "OwnerId", &["User", "Group"])],
            ),
            "user" => (
                "User",
                vec![
                    f("Id", Id),
                    FieldInfo::name_field("Name"),
                    f("Email", Email),
                ],
                vec![],
            ),
            "task" => (
                "Task",
                vec![
                    f("Id", Id),
                    f("Subject", String),
                    f("Description", TextArea),
                    f("WhoId", Reference),
                    f("CallDurationInSeconds", Int),
                    f("ActivityDate", Date),
                ],
                vec![rel("Who", "WhoId", &["Contact", "Lead"])],
            ),
            _ => return None,
        };
        if self.no_access.contains(&canonical) {
            return None;
        }
        let fields = fields
            .into_iter()
            .filter(|fi| {
                !self
                    .hidden
                    .contains(&format!("{canonical}.{}", fi.name).as_str())
            })
            .collect();
        Some(ObjectInfo {
            name: canonical.into(),
            fields,
            relationships,
        })
    }

    fn searchable_objects(&self) -> Vec<String> {
        vec!["Account".into(), "Contact".into(), "Lead".into()]
    }
}

fn record(kind: &str, id: &str, fields: Value) -> Value {
    let mut r = fields;
    r["attributes"] = json!({ "type": kind });
    r["Id"] = json!(id);
    r
}

pub fn records() -> Vec<Value> {
    vec![
        record(
            "Account",
            ACME,
            json!({"Name": "株式会社アクメ", "Phone": "03-1234-5678", "Industry": "Technology",
            "Description": "長い説明", "AnnualRevenue": 1000000.0, "NumberOfEmployees": 50,
            "CreatedDate": "2026-11-20T09:00:00.000+0000", "OwnerId": USER}),
        ),
        record(
            "Account",
            GLOBEX,
            json!({"Name": "Globex Corporation", "Phone": "+81 3-1234-5678",
            "NumberOfEmployees": 10, "CreatedDate": "2026-11-26T00:00:00.000+0000", "OwnerId": USER}),
        ),
        record(
            "Account",
            INITECH,
            json!({"Name": "Initech", "Phone": null, "NumberOfEmployees": null,
            "CreatedDate": "2026-11-26T12:00:00.000+0000"}),
        ),
        record(
            "Contact",
            YAMADA,
            json!({"Name": "山田 太郎", "FirstName": "太郎", "LastName": "山田",
            "Phone": "03-1234-5678", "MobilePhone": "090-1234-5678", "Email": "taro@acme.example",
            "AccountId": ACME, "Birthdate": "1980-05-01", "DoNotCall": false, "Secret__c": "hidden"}),
        ),
        record(
            "Contact",
            SUZUKI,
            json!({"Name": "鈴木 一郎", "FirstName": "一郎", "LastName": "鈴木",
            "Phone": "0312345678", "AccountId": GLOBEX, "DoNotCall": true}),
        ),
        record(
            "Contact",
            OBRIEN,
            json!({"Name": "John O'Brien", "FirstName": "John", "LastName": "O'Brien",
            "Phone": "(03)1234-5678", "AccountId": null, "Email": "john+cti@example.com", "DoNotCall": false}),
        ),
        record(
            "Contact",
            SATO,
            json!({"Name": "佐藤 花子", "FirstName": "花子", "LastName": "佐藤",
            "Phone": "+81 3-1234-5678", "AccountId": ACME, "DoNotCall": false}),
        ),
        record(
            "Contact",
            TAKAHASHI,
            json!({"Name": "高橋 次郎", "FirstName": "次郎", "LastName": "高橋",
            "Phone": "０３－１２３４－５６７８", "AccountId": null, "DoNotCall": false}),
        ),
        record(
            "Lead",
            TANAKA,
            json!({"Name": "田中 三郎", "Company": "株式会社テスト", "Phone": "06-1111-2222",
            "Status": "Open", "OwnerId": USER}),
        ),
        record(
            "Lead",
            SMITH,
            json!({"Name": "Jane Smith", "Company": "Smith & Co", "Phone": "+1 (415) 555-1212",
            "Email": "jane@smith.example", "Status": "Working"}),
        ),
        record(
            "User",
            USER,
            json!({"Name": "佐藤 花子", "Email": "sato@acme.example"}),
        ),
        record(
            "Task",
            "00T5g00000Tsk01AAA",
            json!({"Subject": "Call", "Description": "memo", "WhoId": YAMADA,
            "CallDurationInSeconds": 120, "ActivityDate": "2026-11-26"}),
        ),
        record(
            "Task",
            "00T5g00000Tsk02AAA",
            json!({"Subject": "Call back", "WhoId": TANAKA,
            "CallDurationInSeconds": 30, "ActivityDate": "2026-11-25"}),
        ),
        record(
            "Task",
            "00T5g00000Tsk03AAA",
            json!({"Subject": "Note", "WhoId": null}),
        ),
    ]
}
