//! `/composite` (subrequests with references, `allOrNone`, the 25 / 5 limits and the v51
//! unresolved-reference behaviour); `/composite/sobjects` is sObject Collections
//! (`crate::collections`).

use serde_json::{json, Map, Value};

use crate::org::{Org, User};
use crate::rest::{dispatch, ApiError, RestRequest, RestResponse};

const MAX_SUBREQUESTS: usize = 25;
const MAX_QUERY_OR_COLLECTION: usize = 5;
const ROLLED_BACK: &str =
    "The transaction was rolled back since another operation in the same transaction failed.";

pub fn handle(
    org: &Org,
    user: &User,
    request: &RestRequest,
    rest: &[&str],
) -> Result<RestResponse, ApiError> {
    match (request.method, rest) {
        ("GET", []) => Ok(RestResponse::ok(json!({
            "tree": format!("{}/composite/tree", crate::rest::BASE),
            "batch": format!("{}/composite/batch", crate::rest::BASE),
            "sobjects": format!("{}/composite/sobjects", crate::rest::BASE),
            "graph": format!("{}/composite/graph", crate::rest::BASE),
        }))),
        ("POST", []) => composite(org, user, request.body),
        (_, ["sobjects", rest @ ..]) => crate::collections::handle(org, user, request, rest),
        _ => Err(ApiError::not_found()),
    }
}

fn input_error(message: &str) -> ApiError {
    ApiError::new(400, "INVALID_API_INPUT", message)
}

struct Subrequest {
    method: String,
    url: String,
    reference_id: String,
    body: Option<Value>,
}

fn parse_subrequests(body: Option<&Value>) -> Result<(bool, Vec<Subrequest>), ApiError> {
    let (all_or_none, list) = crate::collections::flag_and_list(body, "compositeRequest")?;
    let list = list.ok_or_else(|| input_error("compositeRequest is required"))?;
    if list.len() > MAX_SUBREQUESTS {
        return Err(input_error(&format!(
            "Composite request can contain at most {MAX_SUBREQUESTS} subrequests"
        )));
    }
    let mut out = vec![];
    let mut heavy = 0;
    for item in list {
        let method = item["method"].as_str().unwrap_or_default().to_string();
        let url = item["url"].as_str().unwrap_or_default().to_string();
        let reference_id = item["referenceId"].as_str().unwrap_or_default().to_string();
        if !["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&method.as_str()) {
            return Err(input_error(&format!("Invalid method: {method}")));
        }
        if reference_id.is_empty() {
            return Err(input_error("referenceId is required for every subrequest"));
        }
        if let Some(headers) = item.get("httpHeaders").and_then(Value::as_object) {
            if headers.keys().any(|h| {
                ["accept", "authorization", "content-type"]
                    .contains(&h.to_ascii_lowercase().as_str())
            }) {
                return Err(input_error(
                    "Accept, Authorization and Content-Type headers are not allowed in subrequests",
                ));
            }
        }
        let path = url.split('?').next().unwrap_or_default();
        if path.contains("/query")
            || path.contains("/queryAll")
            || path.contains("/composite/sobjects")
        {
            heavy += 1;
        }
        out.push(Subrequest {
            method,
            url,
            reference_id,
            body: item.get("body").cloned(),
        });
    }
    if heavy > MAX_QUERY_OR_COLLECTION {
        return Err(input_error(&format!(
            "Composite request can contain at most {MAX_QUERY_OR_COLLECTION} query or sObject Collections operations"
        )));
    }
    Ok((all_or_none, out))
}

fn valid_reference_id(id: &str) -> bool {
    id.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Looks up `refId.a.b[0].c` in the earlier results.
fn lookup(results: &Map<String, Value>, expression: &str) -> Option<Value> {
    let (reference, path) = match expression.find(['.', '[']) {
        Some(i) => (&expression[..i], &expression[i..]),
        None => (expression, ""),
    };
    let mut value = results.get(reference)?;
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            value = value.get(&after[..end])?;
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']')?;
            let index: usize = after[..end].parse().ok()?;
            value = value.get(index)?;
            rest = &after[end + 1..];
        } else {
            return None;
        }
    }
    // v51: a null value is unresolvable (v52+ substitutes null).
    (!value.is_null()).then(|| value.clone())
}

fn unresolved(expression: &str) -> ApiError {
    let reference = expression.split(['.', '[']).next().unwrap_or_default();
    ApiError::new(
        400,
        "PROCESSING_HALTED",
        format!("Invalid reference specified. No value for {expression} found in {reference}. Provided referenceId ('{expression}') must start with a letter or a number, and it can contain only letters, numbers and underscores ('_')."),
    )
}

/// Replaces every `@{…}` in a string; a string that is exactly one reference keeps its type.
fn resolve_string(text: &str, results: &Map<String, Value>) -> Result<Value, ApiError> {
    if let Some(inner) = text.strip_prefix("@{").and_then(|t| t.strip_suffix('}')) {
        if !inner.contains("@{") {
            return lookup(results, inner).ok_or_else(|| unresolved(inner));
        }
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("@{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or_else(|| unresolved(after))?;
        let expression = &after[..end];
        let value = lookup(results, expression).ok_or_else(|| unresolved(expression))?;
        match value {
            Value::String(s) => out.push_str(&s),
            other => out.push_str(&other.to_string()),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(Value::String(out))
}

fn resolve_value(value: &Value, results: &Map<String, Value>) -> Result<Value, ApiError> {
    Ok(match value {
        Value::String(s) => resolve_string(s, results)?,
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| resolve_value(v, results))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), resolve_value(v, results)?)))
                .collect::<Result<_, ApiError>>()?,
        ),
        other => other.clone(),
    })
}

fn entry(reference_id: &str, response: &RestResponse) -> Value {
    let mut headers = Map::new();
    if let Some(location) = &response.location {
        headers.insert("Location".into(), json!(location));
    }
    json!({
        "body": response.body.clone().unwrap_or(Value::Null),
        "httpHeaders": headers,
        "httpStatusCode": response.status,
        "referenceId": reference_id,
    })
}

fn composite(org: &Org, user: &User, body: Option<&Value>) -> Result<RestResponse, ApiError> {
    let (all_or_none, subrequests) = parse_subrequests(body)?;
    let checkpoint = all_or_none.then(|| crate::collections::Checkpoint::take(org));
    let mut results = Map::new();
    let mut entries = vec![];
    let mut failed = false;
    for sub in &subrequests {
        let response = run_subrequest(org, user, sub, &results, all_or_none);
        if fails(&response) {
            failed = true;
        } else if let Some(body) = &response.body {
            results.insert(sub.reference_id.clone(), body.clone());
        }
        entries.push((sub.reference_id.clone(), response));
        if failed && all_or_none {
            break;
        }
    }
    if failed && all_or_none {
        if let Some(checkpoint) = checkpoint {
            checkpoint.restore(org);
        }
        let halted = ApiError::new(400, "PROCESSING_HALTED", ROLLED_BACK).into_response();
        let failed_id = entries.last().map(|(id, _)| id.clone()).unwrap_or_default();
        let out: Vec<Value> = subrequests
            .iter()
            .map(
                |sub| match entries.iter().find(|(id, _)| *id == sub.reference_id) {
                    Some((id, response)) if *id == failed_id => entry(id, response),
                    _ => entry(&sub.reference_id, &halted),
                },
            )
            .collect();
        return Ok(RestResponse::ok(json!({ "compositeResponse": out })));
    }
    let out: Vec<Value> = entries.iter().map(|(id, r)| entry(id, r)).collect();
    Ok(RestResponse::ok(json!({ "compositeResponse": out })))
}

/// A subrequest failed: an error status, or an sObject Collections result with a failed record.
fn fails(response: &RestResponse) -> bool {
    response.status >= 400
        || response
            .body
            .as_ref()
            .and_then(Value::as_array)
            .is_some_and(|items| {
                items
                    .iter()
                    .any(|i| i.get("success") == Some(&json!(false)))
            })
}

fn run_subrequest(
    org: &Org,
    user: &User,
    sub: &Subrequest,
    results: &Map<String, Value>,
    all_or_none: bool,
) -> RestResponse {
    if !valid_reference_id(&sub.reference_id) {
        return unresolved(&sub.reference_id).into_response();
    }
    let url = match resolve_string(&sub.url, results) {
        Ok(Value::String(url)) => url,
        Ok(other) => other.to_string(),
        Err(e) => return e.into_response(),
    };
    let mut body = match sub
        .body
        .as_ref()
        .map(|b| resolve_value(b, results))
        .transpose()
    {
        Ok(body) => body,
        Err(e) => return e.into_response(),
    };
    let Some(relative) = url.strip_prefix(crate::rest::BASE) else {
        return input_error("Subrequest URLs must start with /services/data/v51.0/")
            .into_response();
    };
    let (path, query) = relative.split_once('?').unwrap_or((relative, ""));
    let resource = path
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default();
    if !["sobjects", "query", "queryAll", "composite"].contains(&resource)
        || (resource == "composite" && !path.starts_with("/composite/sobjects"))
    {
        return input_error(&format!(
            "The resource /{resource} is not supported in a composite request"
        ))
        .into_response();
    }
    // The composite's allOrNone overrides its sObject Collections subrequests' own.
    let forced_query;
    let query = if all_or_none && path.starts_with("/composite/sobjects") {
        if let Some(Value::Object(map)) = body.as_mut() {
            map.insert("allOrNone".into(), json!(true));
        }
        forced_query = query
            .split('&')
            .filter(|pair| !pair.is_empty() && !pair.starts_with("allOrNone="))
            .chain(["allOrNone=true"])
            .collect::<Vec<_>>()
            .join("&");
        forced_query.as_str()
    } else {
        query
    };
    dispatch(
        org,
        user,
        &RestRequest {
            method: &sub.method,
            path,
            query,
            body: body.as_ref(),
            query_options: None,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_resolve_through_fields_and_indexes() {
        let mut results = Map::new();
        results.insert(
            "lookup".into(),
            json!({"records": [{"Id": "003A", "Account": {"Name": "株式会社アクメ"}}]}),
        );
        results.insert("newTask".into(), json!({"id": "00TB"}));
        assert_eq!(
            lookup(&results, "lookup.records[0].Id"),
            Some(json!("003A"))
        );
        assert_eq!(
            lookup(&results, "lookup.records[0].Account.Name"),
            Some(json!("株式会社アクメ"))
        );
        assert_eq!(lookup(&results, "newTask.id"), Some(json!("00TB")));
        assert_eq!(lookup(&results, "lookup.records[1].Id"), None);
        assert_eq!(
            resolve_string("/services/data/v51.0/sobjects/Task/@{newTask.id}", &results).unwrap(),
            json!("/services/data/v51.0/sobjects/Task/00TB")
        );
        let err = resolve_string("@{lookup.records[3].Id}", &results).unwrap_err();
        assert_eq!(err.code, "PROCESSING_HALTED");
        assert!(err.message.starts_with(
            "Invalid reference specified. No value for lookup.records[3].Id found in lookup."
        ));
    }

    #[test]
    fn reference_ids_are_letters_digits_and_underscores() {
        assert!(valid_reference_id("newTask_1"));
        assert!(!valid_reference_id("_x"));
        assert!(!valid_reference_id("new-task"));
    }
}
