//! The REST API v51.0 as one function from a request to a response, so the HTTP layer and the
//! composite resource (whose subrequests are REST requests too) share every rule.

use serde_json::{json, Value};

use crate::org::{Org, User};
use crate::sobjects;

pub const BASE: &str = "/services/data/v51.0";

/// A REST response before it becomes HTTP.
#[derive(Debug, Clone, PartialEq)]
pub struct RestResponse {
    pub status: u16,
    pub body: Option<Value>,
    pub location: Option<String>,
}

impl RestResponse {
    pub fn ok(body: Value) -> Self {
        RestResponse {
            status: 200,
            body: Some(body),
            location: None,
        }
    }

    pub fn created(id: &str, location: String) -> Self {
        RestResponse {
            status: 201,
            body: Some(json!({"id": id, "success": true, "errors": []})),
            location: Some(location),
        }
    }

    pub fn no_content() -> Self {
        RestResponse {
            status: 204,
            body: None,
            location: None,
        }
    }
}

/// One entry of the error array every failure carries.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
    /// Present on DML errors (possibly empty), absent on query and session errors.
    pub fields: Option<Vec<String>>,
}

impl ApiError {
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.into(),
            message: message.into(),
            fields: None,
        }
    }

    pub fn dml(code: &str, message: impl Into<String>, fields: &[&str]) -> Self {
        ApiError {
            status: 400,
            code: code.into(),
            message: message.into(),
            fields: Some(fields.iter().map(|f| f.to_string()).collect()),
        }
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    pub fn not_found() -> Self {
        ApiError::new(404, "NOT_FOUND", "The requested resource does not exist")
    }

    pub fn to_json(&self) -> Value {
        let mut item = json!({"message": self.message, "errorCode": self.code});
        if let Some(fields) = &self.fields {
            item["fields"] = json!(fields);
        }
        item
    }

    pub fn into_response(self) -> RestResponse {
        RestResponse {
            status: self.status,
            body: Some(json!([self.to_json()])),
            location: None,
        }
    }
}

/// The JSON object body a write needs, or the error Salesforce gives without one.
pub fn object_body(body: Option<&Value>) -> Result<&serde_json::Map<String, Value>, ApiError> {
    body.and_then(Value::as_object).ok_or_else(|| {
        ApiError::new(
            400,
            "JSON_PARSER_ERROR",
            "The request body must be a JSON object",
        )
    })
}

/// A request as the dispatcher sees it: path relative to `/services/data/v51.0`.
pub struct RestRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub body: Option<&'a Value>,
    /// The `Sforce-Query-Options` header (`batchSize=N`), for queries.
    pub query_options: Option<&'a str>,
}

/// Runs a REST request for `user`. Authentication, API access and counting happen before.
pub fn dispatch(org: &Org, user: &User, request: &RestRequest) -> RestResponse {
    let segments: Vec<&str> = request
        .path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let outcome = match (request.method, segments.as_slice()) {
        ("GET", []) => Ok(RestResponse::ok(resources(org, user))),
        ("GET", ["limits"]) => Ok(RestResponse::ok(limits(org))),
        (_, ["sobjects", rest @ ..]) => sobjects::handle(org, user, request, rest),
        (_, ["composite", rest @ ..]) => crate::composite::handle(org, user, request, rest),
        (_, ["query", rest @ ..]) => crate::query::query(org, user, request, rest),
        ("GET", ["search"]) => crate::query::search(org, user, request),
        (_, ["parameterizedSearch"]) => crate::query::parameterized_search(org, user, request),
        _ => Err(ApiError::not_found()),
    };
    outcome.unwrap_or_else(ApiError::into_response)
}

fn resources(org: &Org, user: &User) -> Value {
    let mut map = serde_json::Map::new();
    for name in [
        "tooling",
        "metadata",
        "eclair",
        "folders",
        "prechatForms",
        "jsonxform",
        "chatter",
        "tabs",
        "appMenu",
        "quickActions",
        "queryAll",
        "commerce",
        "wave",
        "iot",
        "analytics",
        "search",
        "smartdatadiscovery",
        "composite",
        "parameterizedSearch",
        "fingerprint",
        "theme",
        "nouns",
        "event",
        "serverTime",
        "recent",
        "connect",
        "licensing",
        "limits",
        "process",
        "dedupe",
        "async-queries",
        "query",
        "match",
        "emailConnect",
        "compactLayouts",
        "knowledgeManagement",
        "sobjects",
        "actions",
        "support",
    ] {
        map.insert(name.into(), json!(format!("{BASE}/{name}")));
    }
    map.insert(
        "identity".into(),
        json!(format!(
            "https://{}/id/{}/{}",
            org.api_host(),
            org.org_id18,
            user.id
        )),
    );
    Value::Object(map)
}

fn limits(org: &Org) -> Value {
    let state = org.lock();
    json!({
        "DailyApiRequests": {"Max": state.api_max, "Remaining": state.api_max.saturating_sub(state.api_used)},
        "DataStorageMB": {"Max": 5, "Remaining": 5},
    })
}
