//! `/query` (with `nextRecordsUrl` paging), `/search` and `/parameterizedSearch`: the SOQL and
//! SOSL engines run against the org as the calling user sees it.

use serde_json::Value;

use crate::access::{FieldAccess, Permissions};
use crate::org::{Org, User};
use crate::page::decode_component;
use crate::rest::{ApiError, RestRequest, RestResponse};
use crate::schema::{self, ObjectDef};
use crate::{soql, sosl};

/// The org's metadata filtered by one user's licence, profile and field-level security.
pub struct UserSchema<'a> {
    pub objects: &'a [ObjectDef],
    pub permissions: &'a Permissions,
}

fn engine_type(ty: schema::FieldType) -> soql::FieldType {
    use schema::FieldType as S;
    use soql::FieldType as E;
    match ty {
        S::Id => E::Id,
        S::Reference => E::Reference,
        S::String | S::Combobox => E::String,
        S::Textarea => E::TextArea,
        S::Picklist | S::MultiPicklist => E::Picklist,
        S::Boolean => E::Boolean,
        S::Int => E::Int,
        S::Currency => E::Currency,
        S::Date => E::Date,
        S::DateTime => E::DateTime,
        S::Phone => E::Phone,
        S::Email => E::Email,
    }
}

impl soql::Schema for UserSchema<'_> {
    fn object(&self, name: &str) -> Option<soql::ObjectInfo> {
        let def = self
            .objects
            .iter()
            .find(|o| o.name.eq_ignore_ascii_case(name))
            .filter(|o| self.permissions.can_read_object(o))?;
        let readable: Vec<_> = def
            .fields
            .iter()
            .filter(|f| self.permissions.field_access(def, f) != FieldAccess::Hidden)
            .collect();
        let fields = readable
            .iter()
            .map(|f| soql::FieldInfo {
                name: f.name.to_string(),
                kind: engine_type(f.ty),
                name_field: matches!(f.name, "Name" | "FirstName" | "LastName" | "Company"),
            })
            .collect();
        let relationships = readable
            .iter()
            .filter_map(|f| {
                Some(soql::RelationshipInfo {
                    name: f.relationship_name?.to_string(),
                    id_field: f.name.to_string(),
                    targets: f.reference_to.iter().map(|t| t.to_string()).collect(),
                })
            })
            .collect();
        Some(soql::ObjectInfo {
            name: def.name.to_string(),
            fields,
            relationships,
        })
    }

    fn searchable_objects(&self) -> Vec<String> {
        ["Account", "Contact", "Lead", "Opportunity", "Case"]
            .iter()
            .filter(|name| self.object(name).is_some())
            .map(|s| s.to_string())
            .collect()
    }
}

/// Records plus users (users live apart from records but `Owner.Name` reaches them).
fn store(org: &Org) -> Vec<Value> {
    let state = org.lock();
    let mut all = state.records.clone();
    all.extend(state.users.iter().map(crate::org::User::as_record));
    all
}

fn param<'a>(query: &'a str, name: &str) -> Option<String> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| decode_component(k) == name)
        .map(|(_, v): (&'a str, &'a str)| decode_component(v))
}

fn params(query: &str, name: &str) -> Vec<String> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(k, _)| decode_component(k) == name)
        .map(|(_, v)| decode_component(v))
        .collect()
}

fn engine_error(e: soql::ApiError) -> ApiError {
    ApiError::new(e.status, e.error_code, e.message)
}

pub fn query(
    org: &Org,
    user: &User,
    request: &RestRequest,
    rest: &[&str],
) -> Result<RestResponse, ApiError> {
    if request.method != "GET" {
        return Err(ApiError::new(
            405,
            "METHOD_NOT_ALLOWED",
            format!(
                "HTTP Method '{}' not allowed. Allowed are GET",
                request.method
            ),
        ));
    }
    if let [locator] = rest {
        let cursor = org.lock().cursors.remove(*locator);
        let cursor = cursor.ok_or_else(|| engine_error(soql::ApiError::invalid_query_locator()))?;
        let (page, next) = cursor.next_batch();
        if let Some(next) = next {
            org.lock().cursors.insert(next.key(), next);
        }
        return Ok(RestResponse::ok(page.to_json()));
    }
    let text = param(request.query, "q").unwrap_or_default();
    let objects = org.lock().objects.clone();
    let schema = UserSchema {
        objects: &objects,
        permissions: &user.permissions,
    };
    let records = store(org);
    let result = soql::query(&text, &schema, records.as_slice()).map_err(engine_error)?;
    let batch = soql::batch_size_from_header(request.query_options);
    let seq = {
        let mut state = org.lock();
        state.next_locator += 1;
        state.next_locator
    };
    let (page, cursor) = soql::first_batch(result, batch, seq);
    if let Some(cursor) = cursor {
        org.lock().cursors.insert(cursor.key(), cursor);
    }
    Ok(RestResponse::ok(page.to_json()))
}

fn run_search(org: &Org, user: &User, text: &str) -> Result<RestResponse, ApiError> {
    let objects = org.lock().objects.clone();
    let schema = UserSchema {
        objects: &objects,
        permissions: &user.permissions,
    };
    let records = store(org);
    let matching = org.lock().phone_matching;
    let result = sosl::search(text, &schema, records.as_slice(), matching).map_err(engine_error)?;
    Ok(RestResponse::ok(result.to_json()))
}

pub fn search(org: &Org, user: &User, request: &RestRequest) -> Result<RestResponse, ApiError> {
    let text = param(request.query, "q").unwrap_or_default();
    run_search(org, user, &text)
}

/// Backslash-escapes SOSL's reserved characters, so plain text is searched literally.
fn escape_sosl(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if sosl::RESERVED.contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// One object of a parameterized search, as GET parameters or a POST body give it.
struct SearchObject {
    name: String,
    fields: Vec<String>,
    limit: Option<u64>,
}

/// `parameterizedSearch`: plain text (no SOSL clauses), translated into the equivalent SOSL.
pub fn parameterized_search(
    org: &Org,
    user: &User,
    request: &RestRequest,
) -> Result<RestResponse, ApiError> {
    let (q, scope, objects, default_fields, overall) = match (request.method, request.body) {
        ("POST", Some(body)) => {
            let list = |v: &Value| -> Vec<String> {
                v.as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|s| s.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let objects: Vec<SearchObject> = body["sobjects"]
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .map(|o| SearchObject {
                            name: o["name"].as_str().unwrap_or_default().to_string(),
                            fields: list(&o["fields"]),
                            limit: o["limit"].as_u64().or(body["defaultLimit"].as_u64()),
                        })
                        .collect()
                })
                .unwrap_or_default();
            (
                body["q"].as_str().unwrap_or_default().to_string(),
                body["in"].as_str().unwrap_or("ALL").to_string(),
                objects,
                list(&body["fields"]),
                body["overallLimit"].as_u64(),
            )
        }
        ("GET", _) => {
            let default_limit = param(request.query, "defaultLimit").and_then(|l| l.parse().ok());
            let objects = params(request.query, "sobject")
                .into_iter()
                .map(|name| SearchObject {
                    fields: param(request.query, &format!("{name}.fields"))
                        .map(|f| f.split(',').map(str::to_string).collect())
                        .unwrap_or_default(),
                    limit: param(request.query, &format!("{name}.limit"))
                        .and_then(|l| l.parse().ok())
                        .or(default_limit),
                    name,
                })
                .collect();
            (
                param(request.query, "q").unwrap_or_default(),
                param(request.query, "in").unwrap_or_else(|| "ALL".into()),
                objects,
                param(request.query, "fields")
                    .map(|f| f.split(',').map(str::to_string).collect())
                    .unwrap_or_default(),
                param(request.query, "overallLimit").and_then(|l| l.parse().ok()),
            )
        }
        _ => {
            return Err(ApiError::new(
                400,
                "INVALID_API_INPUT",
                "parameterizedSearch takes GET parameters or a POST body",
            ))
        }
    };
    if q.trim().is_empty() {
        return Err(ApiError::new(
            400,
            "MISSING_ARGUMENT",
            "q parameter is required",
        ));
    }
    let scope = match scope.to_ascii_uppercase().as_str() {
        s @ ("ALL" | "NAME" | "EMAIL" | "PHONE" | "SIDEBAR") => s.to_string(),
        _ => {
            return Err(ApiError::new(
                400,
                "INVALID_SEARCH_SCOPE",
                format!("invalid search scope: {scope}"),
            ))
        }
    };
    let returning: Vec<String> = objects
        .iter()
        .map(|o| {
            let fields = if o.fields.is_empty() {
                &default_fields
            } else {
                &o.fields
            };
            let fields = if fields.is_empty() {
                "Id".to_string()
            } else {
                fields.join(",")
            };
            match o.limit {
                Some(limit) => format!("{}({fields} LIMIT {limit})", o.name),
                None => format!("{}({fields})", o.name),
            }
        })
        .collect();
    let mut sosl = format!("FIND {{{}}} IN {scope} FIELDS", escape_sosl(q.trim()));
    if !returning.is_empty() {
        sosl.push_str(&format!(" RETURNING {}", returning.join(", ")));
    }
    if let Some(limit) = overall {
        sosl.push_str(&format!(" LIMIT {}", limit.min(2000)));
    }
    run_search(org, user, &sosl)
}

#[cfg(test)]
mod tests {
    use super::escape_sosl;

    #[test]
    fn plain_text_is_escaped_for_sosl() {
        assert_eq!(escape_sosl("+81 3-1234"), "\\+81 3\\-1234");
        assert_eq!(escape_sosl("a{b}"), "a\\{b\\}");
    }
}
