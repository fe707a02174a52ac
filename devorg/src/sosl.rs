//! The SOSL engine: `FIND {term} … RETURNING …` parsed, matched over the org's records (phone
//! fields by digits, under switchable rules), and shaped as `{"searchRecords":[…]}`.
//!
//! Wiring, for the HTTP layer (`GET /search?q=`):
//!
//! ```text
//! let found = sosl::search(&q, &schema_for_user, records.as_slice(), PhoneMatching::default())?;
//! respond(200, found.to_json());                 // {"searchRecords":[…]}
//! // errors: respond(err.status, err.body())      // MALFORMED_SEARCH, INVALID_SEARCH (too short), …
//! ```

mod eval;
mod matcher;
mod parser;
mod phone;
mod term;

#[cfg(test)]
mod tests;

pub use eval::{execute, SearchResult, MAX_SEARCH_RESULTS};
pub use parser::{parse, Returning, Scope, Search};
pub use phone::{numbers_match, phone_digits, PhoneMatching};
pub use term::{Piece, Term, Word, RESERVED, SEARCH_TERM_TOO_SHORT, SEARCH_TERM_TOO_SHORT_MESSAGE};

use crate::soql::{ApiError, RecordStore, Schema};

/// Parses and runs `text` in one step: what `GET /search?q=` needs.
pub fn search(
    text: &str,
    schema: &(impl Schema + ?Sized),
    store: &(impl RecordStore + ?Sized),
    phone: PhoneMatching,
) -> Result<SearchResult, ApiError> {
    execute(&parse(text)?, schema, store, phone)
}
