//! The org's metadata: objects and fields as `describe` reports them, including the Task
//! call-centre fields and the admin's custom Activity fields the field mapping writes to.

use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Id,
    String,
    Textarea,
    Picklist,
    MultiPicklist,
    Combobox,
    Reference,
    Boolean,
    Int,
    Currency,
    Date,
    DateTime,
    Phone,
    Email,
}

impl FieldType {
    pub fn api_name(self) -> &'static str {
        match self {
            FieldType::Id => "id",
            FieldType::String => "string",
            FieldType::Textarea => "textarea",
            FieldType::Picklist => "picklist",
            FieldType::MultiPicklist => "multipicklist",
            FieldType::Combobox => "combobox",
            FieldType::Reference => "reference",
            FieldType::Boolean => "boolean",
            FieldType::Int => "int",
            FieldType::Currency => "currency",
            FieldType::Date => "date",
            FieldType::DateTime => "datetime",
            FieldType::Phone => "phone",
            FieldType::Email => "email",
        }
    }
}

#[derive(Debug, Clone)]
pub struct FieldDef {
    pub name: &'static str,
    pub label: &'static str,
    pub ty: FieldType,
    pub length: u32,
    pub createable: bool,
    pub updateable: bool,
    pub nillable: bool,
    pub defaulted_on_create: bool,
    pub default_value: Option<&'static str>,
    pub picklist: Vec<&'static str>,
    pub restricted_picklist: bool,
    pub reference_to: Vec<&'static str>,
    pub relationship_name: Option<&'static str>,
    pub custom: bool,
    /// Call-centre Task fields are not subject to field-level security.
    pub exempt_from_fls: bool,
}

impl FieldDef {
    fn new(name: &'static str, label: &'static str, ty: FieldType) -> FieldDef {
        let length = match ty {
            FieldType::Id | FieldType::Reference => 18,
            FieldType::String | FieldType::Combobox => 255,
            FieldType::Textarea => 32_000,
            FieldType::Picklist | FieldType::Phone => 40,
            FieldType::MultiPicklist => 4_099,
            FieldType::Email => 80,
            _ => 0,
        };
        FieldDef {
            name,
            label,
            ty,
            length,
            createable: ty != FieldType::Id,
            updateable: ty != FieldType::Id,
            nillable: ty != FieldType::Id && ty != FieldType::Boolean,
            defaulted_on_create: false,
            default_value: None,
            picklist: vec![],
            restricted_picklist: false,
            reference_to: vec![],
            relationship_name: None,
            custom: name.ends_with("__c"),
            exempt_from_fls: false,
        }
    }

    fn length(mut self, length: u32) -> Self {
        self.length = length;
        self
    }

    fn read_only(mut self) -> Self {
        self.createable = false;
        self.updateable = false;
        self
    }

    fn create_only(mut self) -> Self {
        self.updateable = false;
        self
    }

    fn required(mut self) -> Self {
        self.nillable = false;
        self
    }

    fn default(mut self, value: &'static str) -> Self {
        self.defaulted_on_create = true;
        self.default_value = Some(value);
        self.nillable = false;
        self
    }

    fn values(mut self, values: &[&'static str], restricted: bool) -> Self {
        self.picklist = values.to_vec();
        self.restricted_picklist = restricted;
        self
    }

    fn reference(mut self, to: &[&'static str], relationship: &'static str) -> Self {
        self.reference_to = to.to_vec();
        self.relationship_name = Some(relationship);
        self
    }

    fn call_centre(mut self) -> Self {
        self.exempt_from_fls = true;
        self
    }

    pub fn describe(&self, createable: bool, updateable: bool) -> Value {
        json!({
            "name": self.name,
            "label": self.label,
            "type": self.ty.api_name(),
            "length": self.length,
            "createable": createable,
            "updateable": updateable,
            "nillable": self.nillable,
            "defaultedOnCreate": self.defaulted_on_create,
            "defaultValue": self.default_value,
            "custom": self.custom,
            "filterable": self.ty != FieldType::Textarea,
            "sortable": self.ty != FieldType::Textarea && self.ty != FieldType::MultiPicklist,
            "calculated": false,
            "nameField": self.name == "Name",
            "restrictedPicklist": self.restricted_picklist,
            "picklistValues": self.picklist.iter().map(|v| json!({
                "active": true,
                "defaultValue": Some(*v) == self.default_value,
                "label": v,
                "validFor": null,
                "value": v,
            })).collect::<Vec<_>>(),
            "referenceTo": self.reference_to,
            "relationshipName": self.relationship_name,
            "polymorphicForeignKey": self.reference_to.len() > 1,
            "soapType": soap_type(self.ty),
        })
    }
}

fn soap_type(ty: FieldType) -> &'static str {
    match ty {
        FieldType::Id | FieldType::Reference => "tns:ID",
        FieldType::Boolean => "xsd:boolean",
        FieldType::Int => "xsd:int",
        FieldType::Currency => "xsd:double",
        FieldType::Date => "xsd:date",
        FieldType::DateTime => "xsd:dateTime",
        _ => "xsd:string",
    }
}

#[derive(Debug, Clone)]
pub struct ObjectDef {
    pub name: &'static str,
    pub label: &'static str,
    pub label_plural: &'static str,
    pub key_prefix: &'static str,
    pub fields: Vec<FieldDef>,
}

impl ObjectDef {
    pub fn field(&self, name: &str) -> Option<&FieldDef> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// The field behind a relationship name (`Account` → `AccountId`, `Who` → `WhoId`).
    pub fn relationship(&self, name: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| {
            f.relationship_name
                .is_some_and(|r| r.eq_ignore_ascii_case(name))
        })
    }
}

use FieldType as T;

fn common(fields: Vec<FieldDef>) -> Vec<FieldDef> {
    let mut all = vec![FieldDef::new("Id", "Record ID", T::Id).read_only()];
    all.extend(fields);
    all.push(
        FieldDef::new("OwnerId", "Owner ID", T::Reference)
            .reference(&["User"], "Owner")
            .default(""),
    );
    // Who created the record: set by the org on create and never changed (a Task handed to
    // another owner keeps it), which is what the outbox verifies a write by.
    all.push(
        FieldDef::new("CreatedById", "Created By ID", T::Reference)
            .reference(&["User"], "CreatedBy")
            .read_only(),
    );
    all.push(FieldDef::new("CreatedDate", "Created Date", T::DateTime).read_only());
    all.push(FieldDef::new("LastModifiedDate", "Last Modified Date", T::DateTime).read_only());
    all
}

pub fn objects() -> Vec<ObjectDef> {
    vec![
        ObjectDef {
            name: "Account",
            label: "Account",
            label_plural: "Accounts",
            key_prefix: "001",
            fields: common(vec![
                FieldDef::new("Name", "Account Name", T::String).required(),
                FieldDef::new("Phone", "Account Phone", T::Phone),
                FieldDef::new("Fax", "Account Fax", T::Phone),
                FieldDef::new("Industry", "Industry", T::Picklist)
                    .values(&["Manufacturing", "Technology", "Finance", "Retail"], false),
            ]),
        },
        ObjectDef {
            name: "Contact",
            label: "Contact",
            label_plural: "Contacts",
            key_prefix: "003",
            fields: common(vec![
                FieldDef::new("LastName", "Last Name", T::String)
                    .length(80)
                    .required(),
                FieldDef::new("FirstName", "First Name", T::String).length(40),
                FieldDef::new("Name", "Full Name", T::String)
                    .length(121)
                    .read_only(),
                FieldDef::new("Phone", "Business Phone", T::Phone),
                FieldDef::new("MobilePhone", "Mobile Phone", T::Phone),
                FieldDef::new("Email", "Email", T::Email),
                FieldDef::new("Title", "Title", T::String).length(128),
                FieldDef::new("AccountId", "Account ID", T::Reference)
                    .reference(&["Account"], "Account"),
            ]),
        },
        ObjectDef {
            name: "Lead",
            label: "Lead",
            label_plural: "Leads",
            key_prefix: "00Q",
            fields: common(vec![
                FieldDef::new("LastName", "Last Name", T::String)
                    .length(80)
                    .required(),
                FieldDef::new("FirstName", "First Name", T::String).length(40),
                FieldDef::new("Name", "Full Name", T::String)
                    .length(121)
                    .read_only(),
                FieldDef::new("Company", "Company", T::String).required(),
                FieldDef::new("Phone", "Phone", T::Phone),
                FieldDef::new("MobilePhone", "Mobile Phone", T::Phone),
                FieldDef::new("Email", "Email", T::Email),
                FieldDef::new("Status", "Status", T::Picklist)
                    .values(&["Open - Not Contacted", "Working - Contacted"], false)
                    .default("Open - Not Contacted"),
            ]),
        },
        ObjectDef {
            name: "User",
            label: "User",
            label_plural: "Users",
            key_prefix: "005",
            fields: vec![
                FieldDef::new("Id", "User ID", T::Id).read_only(),
                FieldDef::new("Username", "Username", T::String).length(80),
                FieldDef::new("Name", "Full Name", T::String)
                    .length(121)
                    .read_only(),
                FieldDef::new("Email", "Email", T::Email),
                FieldDef::new("Phone", "Phone", T::Phone),
                FieldDef::new("Extension", "Extension", T::Phone),
                FieldDef::new("IsActive", "Active", T::Boolean),
                FieldDef::new("UserType", "User Type", T::Picklist)
                    .values(&["Standard", "PowerPartner", "CsnOnly", "Guest"], true)
                    .read_only(),
                FieldDef::new("LastModifiedDate", "Last Modified Date", T::DateTime).read_only(),
            ],
        },
        ObjectDef {
            name: "Opportunity",
            label: "Opportunity",
            label_plural: "Opportunities",
            key_prefix: "006",
            fields: common(vec![
                FieldDef::new("Name", "Name", T::String)
                    .length(120)
                    .required(),
                FieldDef::new("AccountId", "Account ID", T::Reference)
                    .reference(&["Account"], "Account"),
                FieldDef::new("StageName", "Stage", T::Picklist)
                    .values(&["Prospecting", "Closed Won", "Closed Lost"], false)
                    .required(),
                FieldDef::new("CloseDate", "Close Date", T::Date).required(),
                FieldDef::new("Amount", "Amount", T::Currency),
            ]),
        },
        ObjectDef {
            name: "Case",
            label: "Case",
            label_plural: "Cases",
            key_prefix: "500",
            fields: common(vec![
                FieldDef::new("CaseNumber", "Case Number", T::String)
                    .length(30)
                    .read_only(),
                FieldDef::new("Subject", "Subject", T::String),
                FieldDef::new("Status", "Status", T::Picklist)
                    .values(&["New", "Working", "Closed"], false)
                    .default("New"),
                FieldDef::new("ContactId", "Contact ID", T::Reference)
                    .reference(&["Contact"], "Contact"),
                FieldDef::new("AccountId", "Account ID", T::Reference)
                    .reference(&["Account"], "Account"),
                FieldDef::new("SuppliedPhone", "Web Phone", T::String).length(40),
            ]),
        },
        task(),
        ObjectDef {
            name: "Organization",
            label: "Organization",
            label_plural: "Organizations",
            key_prefix: "00D",
            fields: vec![
                FieldDef::new("Id", "Organization ID", T::Id).read_only(),
                FieldDef::new("Name", "Name", T::String).read_only(),
                FieldDef::new("OrganizationType", "Edition", T::Picklist)
                    .values(
                        &[
                            "Team Edition",
                            "Professional Edition",
                            "Enterprise Edition",
                            "Developer Edition",
                            "Unlimited Edition",
                        ],
                        true,
                    )
                    .read_only(),
                FieldDef::new("IsSandbox", "Is Sandbox", T::Boolean).read_only(),
                FieldDef::new("InstanceName", "Instance Name", T::String)
                    .length(5)
                    .read_only(),
            ],
        },
    ]
}

/// Task as v51 describes it (reference §5), plus the admin's custom Activity fields.
fn task() -> ObjectDef {
    ObjectDef {
        name: "Task",
        label: "Task",
        label_plural: "Tasks",
        key_prefix: "00T",
        fields: common(vec![
            FieldDef::new("Subject", "Subject", T::Combobox)
                .values(&["Call", "Send Letter", "Send Quote", "Other"], false),
            FieldDef::new("Status", "Status", T::Picklist)
                .values(
                    &[
                        "Not Started",
                        "In Progress",
                        "Completed",
                        "Waiting on someone else",
                        "Deferred",
                    ],
                    false,
                )
                .default("Not Started"),
            FieldDef::new("IsClosed", "Closed", T::Boolean).read_only(),
            FieldDef::new("Priority", "Priority", T::Picklist)
                .values(&["High", "Normal", "Low"], false)
                .default("Normal"),
            FieldDef::new("Description", "Comments", T::Textarea),
            FieldDef::new("WhoId", "Name ID", T::Reference).reference(&["Contact", "Lead"], "Who"),
            FieldDef::new("WhatId", "Related To ID", T::Reference)
                .reference(&["Account", "Opportunity", "Case"], "What"),
            FieldDef::new("AccountId", "Account ID", T::Reference)
                .reference(&["Account"], "Account")
                .read_only(),
            FieldDef::new("ActivityDate", "Due Date Only", T::Date),
            FieldDef::new("CallDurationInSeconds", "Call Duration", T::Int).call_centre(),
            FieldDef::new("CallType", "Call Type", T::Picklist)
                .values(&["Inbound", "Internal", "Outbound"], true)
                .call_centre(),
            FieldDef::new("CallObject", "Call Object Identifier", T::String).call_centre(),
            FieldDef::new("CallDisposition", "Call Result", T::String).call_centre(),
            FieldDef::new("TaskSubtype", "Task Subtype", T::Picklist)
                .values(&["Task", "Email", "ListEmail", "Cadence", "Call"], true)
                .create_only(),
            FieldDef::new("Type", "Type", T::Picklist).values(&["Call", "Meeting", "Other"], false),
            FieldDef::new("CompletedDateTime", "Completed Date/Time", T::DateTime).read_only(),
            FieldDef::new("DialStart__c", "Dial start", T::DateTime),
            FieldDef::new("CallStart__c", "Call start", T::DateTime),
            FieldDef::new("CallEnd__c", "Call end", T::DateTime),
            FieldDef::new("CallMemo__c", "Call memo", T::MultiPicklist).values(
                &["折り返し希望", "見積依頼", "資料送付", "クレーム", "不在"],
                false,
            ),
        ]),
    }
}

/// Task statuses that close a Task.
pub const CLOSED_TASK_STATUSES: &[&str] = &["Completed"];
