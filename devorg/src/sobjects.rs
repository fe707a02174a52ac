//! `/sobjects`: describe global, describe, and create / get / update / delete with the org's
//! field-level security and the Task rules real orgs enforce.

use serde_json::{json, Map, Value};

use crate::access::FieldAccess;
use crate::org::{derive_fields, now_ms, timestamp, Org, User};
use crate::rest::{ApiError, RestRequest, RestResponse, BASE};
use crate::schema::{FieldType, ObjectDef, CLOSED_TASK_STATUSES};

pub fn handle(
    org: &Org,
    user: &User,
    request: &RestRequest,
    rest: &[&str],
) -> Result<RestResponse, ApiError> {
    match (request.method, rest) {
        ("GET", []) => Ok(RestResponse::ok(describe_global(org, user))),
        ("GET", [object, "describe"]) => {
            let def = visible_object(org, user, object)?;
            let mut out = describe(&def, user);
            if def.name == "Task" {
                out["recordTypeInfos"] = task_record_types(org);
            }
            Ok(RestResponse::ok(out))
        }
        ("GET", [object, "describe", "layouts"] | [object, "describe", "layouts", ""]) => {
            let def = visible_object(org, user, object)?;
            Ok(RestResponse::ok(describe_layouts(org, &def)))
        }
        ("GET", [object]) => {
            let def = visible_object(org, user, object)?;
            Ok(RestResponse::ok(json!({"objectDescribe": summary(&def)})))
        }
        ("POST", [object]) => {
            let def = visible_object(org, user, object)?;
            let body = crate::rest::object_body(request.body)?;
            let id = create(org, user, &def, body)?;
            Ok(RestResponse::created(
                &id,
                format!("{BASE}/sobjects/{}/{id}", def.name),
            ))
        }
        ("GET", [object, id]) => {
            let def = visible_object(org, user, object)?;
            let fields = query_param(request.query, "fields");
            get(org, user, &def, id, fields.as_deref()).map(RestResponse::ok)
        }
        ("PATCH", [object, id]) => {
            let def = visible_object(org, user, object)?;
            let body = crate::rest::object_body(request.body)?;
            update(org, user, &def, id, body).map(|_| RestResponse::no_content())
        }
        ("DELETE", [object, id]) => {
            let def = visible_object(org, user, object)?;
            delete(org, &def, id).map(|_| RestResponse::no_content())
        }
        _ => Err(ApiError::not_found()),
    }
}

/// A query-string parameter, decoded.
pub fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key == name).then(|| crate::page::decode_component(value))
    })
}

/// The object if this user's licence and profile let them see it; otherwise it doesn't exist.
pub fn visible_object(org: &Org, user: &User, name: &str) -> Result<ObjectDef, ApiError> {
    org.lock()
        .objects
        .iter()
        .find(|o| o.name.eq_ignore_ascii_case(name))
        .filter(|o| user.permissions.can_read_object(o))
        .cloned()
        .ok_or_else(ApiError::not_found)
}

fn summary(def: &ObjectDef) -> Value {
    json!({
        "name": def.name, "label": def.label, "labelPlural": def.label_plural,
        "keyPrefix": def.key_prefix, "custom": false, "createable": true, "updateable": true,
        "deletable": true, "queryable": true, "searchable": def.name != "User" && def.name != "Task",
        "retrieveable": true, "layoutable": true,
        "urls": {
            "sobject": format!("{BASE}/sobjects/{}", def.name),
            "describe": format!("{BASE}/sobjects/{}/describe", def.name),
            "rowTemplate": format!("{BASE}/sobjects/{}/{{ID}}", def.name),
        },
    })
}

fn describe_global(org: &Org, user: &User) -> Value {
    let state = org.lock();
    let sobjects: Vec<Value> = state
        .objects
        .iter()
        .filter(|o| user.permissions.can_read_object(o))
        .map(summary)
        .collect();
    json!({"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": sobjects})
}

fn describe(def: &ObjectDef, user: &User) -> Value {
    let fields: Vec<Value> = def
        .fields
        .iter()
        .filter_map(|f| match user.permissions.field_access(def, f) {
            FieldAccess::Hidden => None,
            FieldAccess::Read => Some(f.describe(false, false)),
            FieldAccess::Edit => Some(f.describe(f.createable, f.updateable)),
        })
        .collect();
    let mut out = summary(def);
    out["fields"] = json!(fields);
    out["childRelationships"] = json!([]);
    out["recordTypeInfos"] = json!([]);
    out
}

/// The master record type id every object has.
const MASTER_RECORD_TYPE: &str = "012000000000000AAA";

/// Task's record types: the master only, or the admin's, the default for every user.
fn task_record_types(org: &Org) -> Value {
    let master = |default: bool| {
        json!({"available": true, "defaultRecordTypeMapping": default, "developerName": "Master",
               "master": true, "name": "Master", "recordTypeId": MASTER_RECORD_TYPE})
    };
    match &org.lock().task_record_type {
        None => json!([master(true)]),
        Some(rt) => json!([
            {"available": true, "defaultRecordTypeMapping": true, "developerName": rt.name,
             "master": false, "name": rt.name, "recordTypeId": rt.id},
            master(false),
        ]),
    }
}

/// `describe/layouts/`: the layouts (left empty here) and the record type mappings with the
/// values each picklist offers under each record type (the master's: all active values).
fn describe_layouts(org: &Org, def: &ObjectDef) -> Value {
    let picklists = |only: Option<&std::collections::BTreeMap<String, Vec<String>>>| -> Value {
        let lists: Vec<Value> = def
            .fields
            .iter()
            .filter(|f| !f.picklist.is_empty())
            .map(|f| {
                let values: Vec<Value> = f
                    .picklist
                    .iter()
                    .filter(|v| {
                        only.and_then(|o| o.get(f.name))
                            .is_none_or(|o| o.iter().any(|x| x == *v))
                    })
                    .map(|v| json!({"active": true, "defaultValue": false, "label": v, "validFor": null, "value": v}))
                    .collect();
                json!({"picklistName": f.name, "picklistValues": values})
            })
            .collect();
        json!(lists)
    };
    let rt = if def.name == "Task" {
        org.lock().task_record_type.clone()
    } else {
        None
    };
    let mut mappings = vec![json!({
        "available": true, "defaultRecordTypeMapping": rt.is_none(), "layoutId": null,
        "master": true, "name": "Master", "recordTypeId": MASTER_RECORD_TYPE,
        "picklistsForRecordType": picklists(None),
    })];
    if let Some(rt) = &rt {
        mappings.insert(
            0,
            json!({
                "available": true, "defaultRecordTypeMapping": true, "layoutId": null,
                "master": false, "name": rt.name, "recordTypeId": rt.id,
                "picklistsForRecordType": picklists(Some(&rt.picklists)),
            }),
        );
    }
    json!({"layouts": [], "recordTypeMappings": mappings, "recordTypeSelectorRequired": [false]})
}

fn no_such_field(def: &ObjectDef, field: &str) -> ApiError {
    ApiError::dml(
        "INVALID_FIELD",
        format!("No such column '{field}' on sobject of type {}", def.name),
        &[],
    )
}

/// Checks every written field: it exists for this user, may be written in this operation, and
/// holds a value of its type. Returns the normalised values.
fn validate_write(
    org: &Org,
    user: &User,
    def: &ObjectDef,
    body: &Map<String, Value>,
    creating: bool,
) -> Result<Map<String, Value>, ApiError> {
    let mut out = Map::new();
    let mut unwritable = vec![];
    for (name, value) in body {
        if name == "attributes" {
            continue;
        }
        let field = def.field(name).ok_or_else(|| no_such_field(def, name))?;
        let access = user.permissions.field_access(def, field);
        if access == FieldAccess::Hidden {
            return Err(no_such_field(def, name));
        }
        let allowed = if creating {
            field.createable
        } else {
            field.updateable
        };
        if !allowed || access == FieldAccess::Read {
            unwritable.push(field.name);
            continue;
        }
        out.insert(field.name.to_string(), check_value(org, def, field, value)?);
    }
    if !unwritable.is_empty() {
        return Err(ApiError::dml(
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            format!(
                "Unable to create/update fields: {}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.",
                unwritable.join(", ")
            ),
            &unwritable,
        ));
    }
    Ok(out)
}

fn check_value(
    org: &Org,
    def: &ObjectDef,
    field: &crate::schema::FieldDef,
    value: &Value,
) -> Result<Value, ApiError> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    let bad_type = || {
        ApiError::dml(
            "JSON_PARSER_ERROR",
            format!(
                "Cannot deserialize instance of {} from {value}",
                field.ty.api_name()
            ),
            &[field.name],
        )
    };
    match field.ty {
        FieldType::Int => value.as_i64().map(|n| json!(n)).ok_or_else(bad_type),
        FieldType::Currency => value.as_f64().map(|n| json!(n)).ok_or_else(bad_type),
        FieldType::Boolean => value.as_bool().map(Value::Bool).ok_or_else(bad_type),
        FieldType::Reference => {
            let id = value.as_str().ok_or_else(bad_type)?;
            let target = org.lock().records.iter().find(|r| same_id(r, id)).cloned();
            let target_type = target
                .as_ref()
                .and_then(|r| r["attributes"]["type"].as_str().map(str::to_string));
            match target_type {
                Some(t) if field.reference_to.contains(&t.as_str()) => {
                    Ok(target.map(|r| r["Id"].clone()).unwrap_or(Value::Null))
                }
                _ if field.name == "OwnerId"
                    && org
                        .lock()
                        .users
                        .iter()
                        .any(|u| u.id.get(..15) == id.get(..15) && !u.active) =>
                {
                    // Salesforce: "operation performed with inactive user … as owner of task".
                    Err(ApiError::dml(
                        "INACTIVE_OWNER_OR_USER",
                        format!("operation performed with inactive user [{id}] as owner of task"),
                        &[],
                    ))
                }
                _ if field.name == "OwnerId"
                    && org
                        .lock()
                        .users
                        .iter()
                        .any(|u| u.id.get(..15) == id.get(..15)) =>
                {
                    Ok(json!(full_user_id(org, id)))
                }
                _ => Err(ApiError::dml(
                    "FIELD_INTEGRITY_EXCEPTION",
                    format!("{}: id value of incorrect type: {id}", field.label),
                    &[field.name],
                )),
            }
        }
        _ => {
            let text = value.as_str().ok_or_else(bad_type)?;
            // Salesforce counts lengths in UTF-16 code units (Java strings): an emoji is two.
            if field.length > 0 && text.encode_utf16().count() > field.length as usize {
                return Err(ApiError::dml(
                    "STRING_TOO_LONG",
                    format!(
                        "{}: data value too large: {} (max length={})",
                        field.label,
                        excerpt(text),
                        field.length
                    ),
                    &[field.name],
                ));
            }
            if field.restricted_picklist && !field.picklist.contains(&text) {
                return Err(ApiError::dml(
                    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                    format!(
                        "{}: bad value for restricted picklist field: {text}",
                        field.label
                    ),
                    &[field.name],
                ));
            }
            if field.ty == FieldType::MultiPicklist {
                if let Some(bad) = text.split(';').find(|v| !field.picklist.contains(v)) {
                    return Err(ApiError::dml(
                        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                        format!(
                            "{}: bad value for restricted picklist field: {bad}",
                            field.label
                        ),
                        &[field.name],
                    ));
                }
            }
            let _ = def;
            Ok(Value::String(text.to_string()))
        }
    }
}

fn excerpt(text: &str) -> String {
    text.chars().take(40).collect::<String>() + "..."
}

fn full_user_id(org: &Org, id: &str) -> String {
    org.lock()
        .users
        .iter()
        .find(|u| u.id.get(..15) == id.get(..15))
        .map(|u| u.id.clone())
        .unwrap_or_default()
}

pub fn same_id(record: &Value, id: &str) -> bool {
    let (Some(a), Some(b)) = (
        record["Id"].as_str().and_then(|i| i.get(..15)),
        id.get(..15),
    ) else {
        return false;
    };
    a == b && (id.len() == 15 || id.len() == 18)
}

/// Task rules: Lead ⇒ no WhatId, AccountId derived, IsClosed from Status.
fn apply_task_rules(org: &Org, record: &mut Value) -> Result<(), ApiError> {
    let who = record["WhoId"].as_str().map(str::to_string);
    let what = record["WhatId"].as_str().map(str::to_string);
    let type_of = |id: &Option<String>| -> Option<(String, Value)> {
        let id = id.as_ref()?;
        let state = org.lock();
        let r = state.records.iter().find(|r| same_id(r, id))?;
        Some((r["attributes"]["type"].as_str()?.to_string(), r.clone()))
    };
    let who_record = type_of(&who);
    let what_record = type_of(&what);
    if who_record.as_ref().is_some_and(|(t, _)| t == "Lead") && what.is_some() {
        return Err(ApiError::dml(
            "FIELD_INTEGRITY_EXCEPTION",
            "Related To ID: id value of incorrect type: a Task whose Name is a Lead cannot be related to another record",
            &["WhatId"],
        ));
    }
    let account = match (&what_record, &who_record) {
        (Some((t, r)), _) if t == "Account" => r["Id"].clone(),
        (Some((t, r)), _) if t == "Opportunity" || t == "Case" => r["AccountId"].clone(),
        (_, Some((t, r))) if t == "Contact" => r["AccountId"].clone(),
        _ => Value::Null,
    };
    record["AccountId"] = account;
    let status = record["Status"].as_str().unwrap_or("Not Started");
    let closed = CLOSED_TASK_STATUSES.contains(&status);
    record["IsClosed"] = json!(closed);
    if closed && record["CompletedDateTime"].is_null() {
        record["CompletedDateTime"] = json!(timestamp(now_ms()));
    }
    Ok(())
}

fn check_validation_rules(org: &Org, def: &ObjectDef, record: &Value) -> Result<(), ApiError> {
    let rules = org.lock().validation_rules.clone();
    for rule in rules.iter().filter(|r| r.object == def.name) {
        let value = record[rule.field.as_str()].as_str().unwrap_or_default();
        if !rule.forbidden_substring.is_empty() && value.contains(&rule.forbidden_substring) {
            return Err(ApiError::dml(
                "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                rule.message.clone(),
                &[],
            ));
        }
    }
    Ok(())
}

pub fn create(
    org: &Org,
    user: &User,
    def: &ObjectDef,
    body: &Map<String, Value>,
) -> Result<String, ApiError> {
    let values = validate_write(org, user, def, body, true)?;
    let mut record = json!({"attributes": {"type": def.name}});
    for field in def.fields.iter() {
        if let Some(default) = field.default_value {
            record[field.name] = if field.name == "OwnerId" {
                json!(user.id)
            } else {
                json!(default)
            };
        }
    }
    for (k, v) in values {
        record[k.as_str()] = v;
    }
    let missing: Vec<&str> = def
        .fields
        .iter()
        .filter(|f| !f.nillable && f.createable && record[f.name].is_null())
        .map(|f| f.name)
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::dml(
            "REQUIRED_FIELD_MISSING",
            format!("Required fields are missing: [{}]", missing.join(", ")),
            &missing,
        ));
    }
    if def.name == "Task" {
        apply_task_rules(org, &mut record)?;
    }
    check_validation_rules(org, def, &record)?;
    let id = org.new_record_id(def.key_prefix);
    record["Id"] = json!(id);
    record["CreatedById"] = json!(user.id);
    derive_fields(&mut record, &timestamp(now_ms()));
    org.lock().records.push(record);
    Ok(id)
}

pub fn get(
    org: &Org,
    user: &User,
    def: &ObjectDef,
    id: &str,
    fields: Option<&str>,
) -> Result<Value, ApiError> {
    let record = find(org, def, id)?;
    let wanted = readable_fields(user, def, fields)?;
    Ok(shape(def, &record, &wanted))
}

/// The fields a read returns: those named (checked: each must exist and be visible to the user,
/// else the whole request fails with INVALID_FIELD), or every visible field.
pub fn readable_fields(
    user: &User,
    def: &ObjectDef,
    fields: Option<&str>,
) -> Result<Vec<String>, ApiError> {
    let Some(list) = fields else {
        return Ok(def
            .fields
            .iter()
            .filter(|f| user.permissions.field_access(def, f) != FieldAccess::Hidden)
            .map(|f| f.name.to_string())
            .collect());
    };
    let mut names = vec![];
    for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let field = def
            .field(name)
            .filter(|f| user.permissions.field_access(def, f) != FieldAccess::Hidden)
            .ok_or_else(|| {
                ApiError::new(400, "INVALID_FIELD", format!("No such column '{name}' on entity '{}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.", def.name))
            })?;
        names.push(field.name.to_string());
    }
    Ok(names)
}

/// A stored record as a read returns it: `attributes`, then the wanted fields.
pub fn shape(def: &ObjectDef, record: &Value, wanted: &[String]) -> Value {
    let id18 = record["Id"].as_str().unwrap_or_default();
    let mut out = json!({"attributes": {"type": def.name, "url": format!("{BASE}/sobjects/{}/{id18}", def.name)}});
    for name in wanted {
        out[name.as_str()] = record.get(name).cloned().unwrap_or(Value::Null);
    }
    out
}

pub fn find(org: &Org, def: &ObjectDef, id: &str) -> Result<Value, ApiError> {
    let state = org.lock();
    if state.deleted.iter().any(|d| d.get(..15) == id.get(..15)) {
        return Err(ApiError::dml("ENTITY_IS_DELETED", "entity is deleted", &[]).with_status(404));
    }
    if def.name == "User" {
        // Users live beside the records (sessions need them); read them in record form.
        return state
            .users
            .iter()
            .find(|u| u.id.get(..15) == id.get(..15))
            .map(User::as_record)
            .ok_or_else(ApiError::not_found);
    }
    state
        .records
        .iter()
        .find(|r| r["attributes"]["type"] == def.name && same_id(r, id))
        .cloned()
        .ok_or_else(ApiError::not_found)
}

pub fn update(
    org: &Org,
    user: &User,
    def: &ObjectDef,
    id: &str,
    body: &Map<String, Value>,
) -> Result<(), ApiError> {
    let mut record = find(org, def, id)?;
    let values = validate_write(org, user, def, body, false)?;
    for (k, v) in values {
        record[k.as_str()] = v;
    }
    if def.name == "Task" {
        apply_task_rules(org, &mut record)?;
    }
    check_validation_rules(org, def, &record)?;
    derive_fields(&mut record, &timestamp(now_ms()));
    let mut state = org.lock();
    if let Some(slot) = state.records.iter_mut().find(|r| same_id(r, id)) {
        *slot = record;
    }
    Ok(())
}

pub fn delete(org: &Org, def: &ObjectDef, id: &str) -> Result<(), ApiError> {
    let record = find(org, def, id)?;
    let mut state = org.lock();
    state.records.retain(|r| !same_id(r, id));
    if let Some(id) = record["Id"].as_str() {
        state.deleted.push(id.to_string());
    }
    Ok(())
}
