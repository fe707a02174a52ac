//! `/composite/sobjects`: sObject Collections. Create (`POST`), update (`PATCH`), delete
//! (`DELETE ?ids=…&allOrNone=`) up to 200 records with one result per record in request order,
//! and retrieve (`POST` with `{"ids","fields"}` or `GET ?ids=&fields=` on
//! `/composite/sobjects/{type}`), which answers one record or `null` per id.
//!
//! With `allOrNone` a failure rolls every change of the request back; the records that did not
//! fail then report `ALL_OR_NONE_OPERATION_ROLLED_BACK`. The whole request is one API call.
//! The error texts for a missing or malformed id follow the SOAP API's (UNCONFIRMED for REST).

use serde_json::{json, Map, Value};

use crate::org::{Org, User};
use crate::rest::{ApiError, RestRequest, RestResponse};
use crate::schema::ObjectDef;
use crate::sobjects;

/// Create, update and delete take at most this many records (ids).
pub const MAX_RECORDS: usize = 200;
/// Retrieve takes at most this many ids.
pub const MAX_RETRIEVE_IDS: usize = 2_000;
const ROLLED_BACK: &str = "Record rolled back because not all records were valid and the request was using AllOrNone header";

pub fn handle(
    org: &Org,
    user: &User,
    request: &RestRequest,
    rest: &[&str],
) -> Result<RestResponse, ApiError> {
    match (request.method, rest) {
        ("POST", []) => {
            let (all_or_none, records) = records_body(request.body)?;
            Ok(run(org, all_or_none, records, |r| Item {
                id: None,
                outcome: create_one(org, user, r),
            }))
        }
        ("PATCH", []) => {
            let (all_or_none, records) = records_body(request.body)?;
            Ok(run(org, all_or_none, records, |r| update_one(org, user, r)))
        }
        ("DELETE", []) => {
            let ids = split_ids(sobjects::query_param(request.query, "ids"));
            if ids.is_empty() {
                return Err(missing("ids"));
            }
            over_limit(ids.len(), MAX_RECORDS)?;
            let all_or_none = sobjects::query_param(request.query, "allOrNone")
                .is_some_and(|v| v.eq_ignore_ascii_case("true"));
            Ok(run(org, all_or_none, &ids, |id| Item {
                id: Some(id.clone()),
                outcome: delete_one(org, user, id),
            }))
        }
        ("POST", [object]) => {
            let body = crate::rest::object_body(request.body)?;
            let strings = |key: &str| -> Vec<String> {
                body.get(key)
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            retrieve(org, user, object, &strings("ids"), &strings("fields"))
        }
        ("GET", [object]) => {
            let ids = split_ids(sobjects::query_param(request.query, "ids"));
            let fields = split_ids(sobjects::query_param(request.query, "fields"));
            retrieve(org, user, object, &ids, &fields)
        }
        _ => Err(ApiError::not_found()),
    }
}

fn split_ids(list: Option<String>) -> Vec<String> {
    list.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn missing(what: &str) -> ApiError {
    ApiError::new(
        400,
        "MISSING_ARGUMENT",
        format!("Required parameter '{what}' is missing"),
    )
}

fn over_limit(count: usize, max: usize) -> Result<(), ApiError> {
    if count > max {
        return Err(ApiError::new(
            400,
            "EXCEEDED_ID_LIMIT",
            format!("record limit reached. cannot submit more than {max} records into this call"),
        ));
    }
    Ok(())
}

/// `{"allOrNone": bool, <key>: [...]}`: the shape of a collections write and of a composite.
pub fn flag_and_list<'a>(
    body: Option<&'a Value>,
    key: &str,
) -> Result<(bool, Option<&'a [Value]>), ApiError> {
    let body = crate::rest::object_body(body)?;
    let all_or_none = body
        .get("allOrNone")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let list = body.get(key).and_then(Value::as_array).map(Vec::as_slice);
    Ok((all_or_none, list))
}

/// `{"allOrNone": bool, "records": [...]}`, at most 200 records.
fn records_body(body: Option<&Value>) -> Result<(bool, &[Value]), ApiError> {
    let (all_or_none, records) = flag_and_list(body, "records")?;
    let records = records.ok_or_else(|| missing("records"))?;
    over_limit(records.len(), MAX_RECORDS)?;
    Ok((all_or_none, records))
}

/// What a write changes, so an all-or-none request can undo it.
pub struct Checkpoint {
    records: Vec<Value>,
    deleted: Vec<String>,
}

impl Checkpoint {
    pub fn take(org: &Org) -> Checkpoint {
        let state = org.lock();
        Checkpoint {
            records: state.records.clone(),
            deleted: state.deleted.clone(),
        }
    }

    pub fn restore(self, org: &Org) {
        let mut state = org.lock();
        state.records = self.records;
        state.deleted = self.deleted;
    }
}

/// One record's result: the id it named (update, delete) and what happened.
struct Item {
    id: Option<String>,
    outcome: Result<String, ApiError>,
}

/// Runs `op` on every input in order and answers the SaveResults / DeleteResults.
fn run<T>(org: &Org, all_or_none: bool, inputs: &[T], op: impl FnMut(&T) -> Item) -> RestResponse {
    let checkpoint = all_or_none.then(|| Checkpoint::take(org));
    let items: Vec<Item> = inputs.iter().map(op).collect();
    let rolled_back = all_or_none && items.iter().any(|i| i.outcome.is_err());
    if rolled_back {
        if let Some(checkpoint) = checkpoint {
            checkpoint.restore(org);
        }
    }
    let results = items
        .into_iter()
        .map(|item| match item.outcome {
            Ok(id) if !rolled_back => json!({"id": id, "success": true, "errors": []}),
            Ok(_) => {
                let error = ApiError::dml("ALL_OR_NONE_OPERATION_ROLLED_BACK", ROLLED_BACK, &[]);
                failure(item.id.as_deref(), &error)
            }
            Err(error) => failure(None, &error),
        })
        .collect();
    RestResponse::ok(Value::Array(results))
}

fn failure(id: Option<&str>, error: &ApiError) -> Value {
    let mut out = json!({"success": false, "errors": [{
        "statusCode": error.code,
        "message": error.message,
        "fields": error.fields.clone().unwrap_or_default(),
    }]});
    if let Some(id) = id {
        out["id"] = json!(id);
    }
    out
}

/// The record's type from `attributes.type`, visible to this user.
fn record_type(org: &Org, user: &User, map: &Map<String, Value>) -> Result<ObjectDef, ApiError> {
    let object = map
        .get("attributes")
        .and_then(|a| a["type"].as_str())
        .ok_or_else(|| ApiError::dml("INVALID_TYPE", "Must send a concrete entity type.", &[]))?;
    sobjects::visible_object(org, user, object).map_err(|_| {
        ApiError::dml(
            "INVALID_TYPE",
            format!("sObject type '{object}' is not supported."),
            &[],
        )
    })
}

fn as_record(record: &Value) -> Result<&Map<String, Value>, ApiError> {
    record.as_object().ok_or_else(|| {
        ApiError::new(
            400,
            "JSON_PARSER_ERROR",
            "Each record must be a JSON object",
        )
    })
}

fn create_one(org: &Org, user: &User, record: &Value) -> Result<String, ApiError> {
    let map = as_record(record)?;
    if map.contains_key("Id") || map.contains_key("id") {
        return Err(ApiError::dml(
            "INVALID_FIELD",
            "cannot specify Id in an insert call",
            &["Id"],
        ));
    }
    let def = record_type(org, user, map)?;
    sobjects::create(org, user, &def, map)
}

fn update_one(org: &Org, user: &User, record: &Value) -> Item {
    let given = record
        .get("id")
        .or_else(|| record.get("Id"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let outcome = (|| {
        let map = as_record(record)?;
        let id = given.as_deref().ok_or_else(|| {
            ApiError::dml(
                "MISSING_ARGUMENT",
                "Id not specified in an update call",
                &[],
            )
        })?;
        let def = record_type(org, user, map)?;
        let id18 = locate(org, &def, id)?;
        let mut values = map.clone();
        for key in ["attributes", "id", "Id"] {
            values.remove(key);
        }
        sobjects::update(org, user, &def, &id18, &values)?;
        Ok(id18)
    })();
    Item { id: given, outcome }
}

fn well_formed(id: &str) -> bool {
    (id.len() == 15 || id.len() == 18) && id.chars().all(|c| c.is_ascii_alphanumeric())
}

/// The full id of a live record of `def` that `id` names, or why it can't be written.
fn locate(org: &Org, def: &ObjectDef, id: &str) -> Result<String, ApiError> {
    if !well_formed(id) || !id.starts_with(def.key_prefix) {
        return Err(ApiError::dml(
            "MALFORMED_ID",
            format!("{} ID: id value of incorrect type: {id}", def.label),
            &["Id"],
        ));
    }
    match sobjects::find(org, def, id) {
        Ok(record) => Ok(record["Id"].as_str().unwrap_or(id).to_string()),
        Err(e) if e.code == "ENTITY_IS_DELETED" => Err(deleted()),
        Err(_) => Err(no_such_record()),
    }
}

fn deleted() -> ApiError {
    ApiError::dml("ENTITY_IS_DELETED", "entity is deleted", &[])
}

fn no_such_record() -> ApiError {
    ApiError::dml(
        "INVALID_CROSS_REFERENCE_KEY",
        "invalid cross reference id",
        &[],
    )
}

fn delete_one(org: &Org, user: &User, id: &str) -> Result<String, ApiError> {
    if !well_formed(id) {
        return Err(ApiError::dml(
            "MALFORMED_ID",
            format!("malformed id {id}"),
            &[],
        ));
    }
    let object = {
        let state = org.lock();
        if state.deleted.iter().any(|d| d.get(..15) == id.get(..15)) {
            return Err(deleted());
        }
        state
            .records
            .iter()
            .find(|r| sobjects::same_id(r, id))
            .and_then(|r| r["attributes"]["type"].as_str().map(str::to_string))
    };
    // A record of a type this user cannot see does not exist for them.
    let def = object
        .and_then(|o| sobjects::visible_object(org, user, &o).ok())
        .ok_or_else(no_such_record)?;
    let id18 = locate(org, &def, id)?;
    sobjects::delete(org, &def, &id18)?;
    Ok(id18)
}

fn retrieve(
    org: &Org,
    user: &User,
    object: &str,
    ids: &[String],
    fields: &[String],
) -> Result<RestResponse, ApiError> {
    let def = sobjects::visible_object(org, user, object)?;
    if ids.is_empty() {
        return Err(missing("ids"));
    }
    if fields.is_empty() {
        return Err(missing("fields"));
    }
    over_limit(ids.len(), MAX_RETRIEVE_IDS)?;
    // A field that doesn't exist or that the user can't read fails the whole request.
    let wanted = sobjects::readable_fields(user, &def, Some(&fields.join(",")))?;
    let records = ids
        .iter()
        .map(|id| match sobjects::find(org, &def, id) {
            Ok(record) if well_formed(id) => sobjects::shape(&def, &record, &wanted),
            _ => Value::Null,
        })
        .collect();
    Ok(RestResponse::ok(Value::Array(records)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_well_formed_at_15_or_18_alphanumerics() {
        assert!(well_formed("0035g00000Yam4d"));
        assert!(well_formed("0035g00000Yam4dAAB"));
        assert!(!well_formed("0035g00000Yam4dAA"));
        assert!(!well_formed("0035g00000Yam4d-AB"));
    }

    #[test]
    fn id_lists_split_on_commas_and_drop_blanks() {
        assert_eq!(
            split_ids(Some(" a,b,,c ".into())),
            vec!["a".to_string(), "b".into(), "c".into()]
        );
        assert!(split_ids(None).is_empty());
    }
}
