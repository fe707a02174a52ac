//! The API error both engines return, and Salesforce's caret-diagram message format.

use serde_json::{json, Value};

pub const MALFORMED_QUERY: &str = "MALFORMED_QUERY";
pub const MALFORMED_SEARCH: &str = "MALFORMED_SEARCH";
pub const INVALID_FIELD: &str = "INVALID_FIELD";
pub const INVALID_TYPE: &str = "INVALID_TYPE";
/// Salesforce's code for an Id literal that is not an Id (`invalid ID field: abc`).
pub const INVALID_QUERY_FILTER_OPERATOR: &str = "INVALID_QUERY_FILTER_OPERATOR";
/// OFFSET above 2000.
pub const NUMBER_OUTSIDE_VALID_RANGE: &str = "NUMBER_OUTSIDE_VALID_RANGE";
/// A `nextRecordsUrl` locator that is unknown or already used up.
pub const INVALID_QUERY_LOCATOR: &str = "INVALID_QUERY_LOCATOR";

/// One error as the REST API reports it; the HTTP layer renders it with [`ApiError::body`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub error_code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(error_code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status: 400,
            error_code,
            message: message.into(),
        }
    }

    /// An error whose message carries the caret diagram pointing at char index `at` of `text`.
    pub fn at(error_code: &'static str, text: &str, at: usize, detail: &str) -> ApiError {
        ApiError::new(error_code, diagram(text, at, detail))
    }

    /// For `GET /query/<locator>` with a locator the HTTP layer does not hold. UNCONFIRMED
    /// wording and status (recollection of real orgs: 400, "invalid query locator").
    pub fn invalid_query_locator() -> ApiError {
        ApiError::new(INVALID_QUERY_LOCATOR, "invalid query locator")
    }

    /// `[{"message":..,"errorCode":..}]`, the body of every REST error.
    pub fn body(&self) -> Value {
        json!([{ "message": self.message, "errorCode": self.error_code }])
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error_code, self.message)
    }
}

impl std::error::Error for ApiError {}

/// Chars shown on each side of the error position. Inferred from the two real messages in the
/// reference (§2.2): both show at most 35 characters before the caret and 35 from it on.
const WINDOW: usize = 35;

/// `"\n<excerpt>\n<spaces>^\nERROR at Row:<r>:Column:<c>\n<detail>"`, `at` a char index.
pub fn diagram(text: &str, at: usize, detail: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let at = at.min(chars.len());
    let line_start = chars[..at]
        .iter()
        .rposition(|&c| c == '\n')
        .map_or(0, |i| i + 1);
    let row = chars[..at].iter().filter(|&&c| c == '\n').count() + 1;
    let line_end = chars[at..]
        .iter()
        .position(|&c| c == '\n')
        .map_or(chars.len(), |i| at + i);
    let column = at - line_start + 1;
    let start = at.saturating_sub(WINDOW).max(line_start);
    let end = (at + WINDOW).min(line_end);
    let excerpt: String = chars[start..end].iter().collect();
    let pad = " ".repeat(at - start);
    format!("\n{excerpt}\n{pad}^\nERROR at Row:{row}:Column:{column}\n{detail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagram_matches_the_invalid_type_example() {
        let q = "SELECT Id FROM Accountz LIMIT 2";
        assert_eq!(
            diagram(q, 15, "x"),
            "\nSELECT Id FROM Accountz LIMIT 2\n               ^\nERROR at Row:1:Column:16\nx"
        );
    }

    #[test]
    fn diagram_windows_long_queries_like_salesforce() {
        let q = "select Id, Company,Email,LastName,SF_date__c, ConvertedContactId from Lead where x = 1";
        let m = diagram(q, 34, "d");
        assert!(m.starts_with(
            "\nselect Id, Company,Email,LastName,SF_date__c, ConvertedContactId from\n"
        ));
        assert!(m.contains("\nERROR at Row:1:Column:35\nd"));
        // Syntax errors point just past the previous token, as in the reference's example.
        let q2 = "SELECT Id, Name, Phone, Fax, Website, Ty, LastModifiedById, LastModifiedDate, From Account ";
        let m2 = diagram(q2, 77, "unexpected token: 'From'");
        assert_eq!(m2, "\nLastModifiedById, LastModifiedDate, From Account \n                                   ^\nERROR at Row:1:Column:78\nunexpected token: 'From'");
    }

    #[test]
    fn diagram_counts_rows_and_columns_per_line() {
        let q = "SELECT Id\nFROM Accountz";
        assert_eq!(
            diagram(q, 15, "d"),
            "\nFROM Accountz\n     ^\nERROR at Row:2:Column:6\nd"
        );
    }

    #[test]
    fn body_is_an_array_of_message_and_code() {
        let e = ApiError::new(MALFORMED_QUERY, "m");
        assert_eq!(
            e.body(),
            json!([{"message": "m", "errorCode": "MALFORMED_QUERY"}])
        );
        assert_eq!(e.status, 400);
    }
}
