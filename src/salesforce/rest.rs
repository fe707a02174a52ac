//! REST API responses as types: the resource map and the error body every failure carries.

use serde::Deserialize;

use super::id::RecordId;

/// One element of the error array Salesforce returns for every failed request.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ApiErrorItem {
    #[serde(rename = "errorCode")]
    pub error_code: String,
    pub message: String,
    #[serde(default)]
    pub fields: Vec<String>,
}

/// A failed REST request, classified by what the product should do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestError {
    /// The server answered with an error array.
    Api {
        status: u16,
        errors: Vec<ApiErrorItem>,
    },
    /// The body was not what the API documents (truncated, HTML error page, wrong shape).
    BadResponse { status: u16, detail: String },
}

impl RestError {
    /// The first error code, or a stable code of our own; shown in diagnostics and used by the UI
    /// to choose its message.
    pub fn code(&self) -> &str {
        match self {
            RestError::Api { errors, status } => errors
                .first()
                .map(|e| e.error_code.as_str())
                .unwrap_or(if *status == 401 {
                    "INVALID_SESSION_ID"
                } else {
                    "BAD_RESPONSE"
                }),
            RestError::BadResponse { .. } => "BAD_RESPONSE",
        }
    }

    /// Classifies a non-2xx response from its status and body.
    pub fn from_response(status: u16, body: &str) -> RestError {
        match serde_json::from_str::<Vec<ApiErrorItem>>(body) {
            Ok(errors) if !errors.is_empty() => RestError::Api { status, errors },
            Ok(_) if status == 401 => RestError::Api {
                status,
                errors: vec![],
            },
            _ => RestError::BadResponse {
                status,
                detail: format!("HTTP {status}: the body is not a Salesforce error array"),
            },
        }
    }
}

/// What `GET /services/data/v51.0/` tells us: that the session works, and who the user is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiResources {
    pub user_id: Option<RecordId>,
    pub resource_count: usize,
}

/// Parses the resource map. `identity` is an absolute URL ending in `/id/{orgId}/{userId}`.
pub fn parse_resources(body: &str) -> Result<ApiResources, RestError> {
    let bad = |detail: &str| RestError::BadResponse {
        status: 200,
        detail: detail.to_string(),
    };
    let map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(body).map_err(|_| bad("the resource map is not a JSON object"))?;
    if !map.contains_key("sobjects") {
        return Err(bad("the resource map has no sobjects entry"));
    }
    let user_id = map
        .get("identity")
        .and_then(|v| v.as_str())
        .and_then(|url| url.rsplit('/').next())
        .and_then(|id| RecordId::parse(id).ok())
        .filter(|id| id.object_name() == Some("User"));
    Ok(ApiResources {
        user_id,
        resource_count: map.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_user_id_from_the_identity_url() {
        let body = r#"{"sobjects":"/services/data/v51.0/sobjects","query":"/services/data/v51.0/query",
            "identity":"https://acme.my.salesforce.com/id/00D5g000004ABCDEA4/0055g00000AbCdEAAV"}"#;
        let resources = parse_resources(body).unwrap();
        assert_eq!(resources.resource_count, 3);
        assert_eq!(
            resources.user_id.unwrap().as_str(),
            RecordId::parse("0055g00000AbCdE").unwrap().as_str()
        );
    }

    #[test]
    fn a_truncated_or_foreign_body_is_a_clear_error() {
        for body in [
            r#"{"sobjects":"/serv"#,
            "<html>Maintenance</html>",
            "[]",
            "{}",
        ] {
            assert_eq!(
                parse_resources(body).unwrap_err().code(),
                "BAD_RESPONSE",
                "{body}"
            );
        }
    }

    #[test]
    fn error_arrays_keep_their_code_and_fields() {
        let err = RestError::from_response(
            401,
            r#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#,
        );
        assert_eq!(err.code(), "INVALID_SESSION_ID");
        let err = RestError::from_response(
            400,
            r#"[{"errorCode":"INVALID_EMAIL_ADDRESS","message":"Email: invalid","fields":["Email"]}]"#,
        );
        match err {
            RestError::Api { errors, .. } => assert_eq!(errors[0].fields, vec!["Email"]),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            RestError::from_response(503, "<html>").code(),
            "BAD_RESPONSE"
        );
    }
}
