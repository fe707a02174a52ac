//! The SOQL engine: parses the supported subset, checks it against what the current user may
//! see, runs it over the org's records, and pages the result.
//!
//! Wiring, for the HTTP layer (`GET /query?q=` and `GET /query/<locator>`):
//!
//! ```text
//! let result = soql::query(&q, &schema_for_user, records.as_slice())?;  // Err(ApiError) → 400
//! let batch = soql::batch_size_from_header(headers.get("Sforce-Query-Options"));
//! let (page, cursor) = soql::first_batch(result, batch, next_locator_seq);
//! if let Some(c) = cursor { cursors.insert(c.key(), c); }                // key = "01g…-2000"
//! respond(200, page.to_json());
//! // later: cursors.remove(locator) → c.next_batch() → (page, Option<next cursor>)
//! // unknown or used-up locator: respond with ApiError::invalid_query_locator() (UNCONFIRMED wording)
//! // errors: respond(err.status, err.body())                             // [{"message","errorCode"}]
//! ```

mod ast;
mod compare;
mod cursor;
mod error;
mod eval;
pub(crate) mod lexer;
pub(crate) mod parser;
mod schema;

#[cfg(test)]
pub(crate) mod fixture;
#[cfg(test)]
mod tests;

pub use ast::{CompareOp, Condition, FieldRef, Literal, Operand, OrderItem, Query, SelectItem};
pub use cursor::{
    batch_size_from_header, first_batch, locator_id, QueryCursor, QueryPage, DEFAULT_BATCH_SIZE,
    MAX_BATCH_SIZE, MIN_BATCH_SIZE,
};
pub use error::{
    ApiError, INVALID_FIELD, INVALID_QUERY_FILTER_OPERATOR, INVALID_QUERY_LOCATOR, INVALID_TYPE,
    MALFORMED_QUERY, MALFORMED_SEARCH, NUMBER_OUTSIDE_VALID_RANGE,
};
pub use eval::{execute, QueryResult, ResolvedField, API_VERSION};
pub(crate) use eval::{
    invalid_type, project, resolve_filter, resolve_order, resolve_select, sort, test,
};
pub use parser::parse;
pub use schema::{
    field_value, FieldInfo, FieldType, ObjectInfo, RecordStore, RelationshipInfo, Schema,
};

/// Parses and runs `text` in one step: what `GET /query?q=` needs before paging.
pub fn query(
    text: &str,
    schema: &(impl Schema + ?Sized),
    store: &(impl RecordStore + ?Sized),
) -> Result<QueryResult, ApiError> {
    execute(&parse(text)?, schema, store)
}
