//! Call logging: one phone call becomes exactly one Salesforce Task, within the API-call budget
//! the seed promises (1 call to log, 1 to look up and log, 1 per transcript or memo change).
//!
//! Pure and sans-I/O like the other core modules: the glue passes in the call, the admin's
//! mapping, what the user may write (from describe) and the clock's readings as Unix
//! milliseconds; this module returns JSON bodies and request descriptions, and reads responses.
//!
//! - `record`: the call as the phone saw it ([`CallRecord`]).
//! - `settings`: the admin's [`FieldMapping`], the user's [`TaskFieldAccess`], [`Locale`].
//! - `text`: subject templates, control-character stripping, length limits.
//! - `time`: civil dates and ISO-8601 timestamps from Unix milliseconds.
//! - `draft`: [`TaskDraft::from_call`], the Task body and every field it had to leave out.
//! - `requests`: [`ApiRequest`], the one-request plans and the [`ApiBudget`].
//! - `composite`: lookup and logging in a single `/composite` request, and reading its answer.
//! - `phone_call`: which of the phone's finished calls are logged, as what record.
//! - `notes`: the popup's caller card and the Task's fate, as the panel shows them.

mod composite;
mod draft;
mod history;
mod mapping_check;
mod notes;
mod phone_call;
mod record;
mod requests;
mod settings;
mod text;
mod time;

pub use composite::{
    interpret_composite, lookup_and_log, soql_escape, CompositeOutcome, CompositePlan,
    InterpretError, LinkEffect, LinkStep, LookupAccess, SubrequestError,
};
pub use draft::{DropReason, DroppedField, TaskDraft, UserContext};
pub use history::{
    history_request, parse_history, HistoryCall, RecordHistory, HISTORY_LIMIT, HISTORY_OBJECTS,
};
pub use mapping_check::{check_mapping, MappingProblem, TaskDescribe};
pub use notes::{
    CallLogNote, CallNotes, CallerCard, CallerMatch, CardStatus, DialConfirm, LoggingNote,
    NoteStatus, RecentCall, WrapUpView, CARD_MATCHES,
};
pub use phone_call::{logs_call, record_of, DialContext};
pub use record::{CallRecord, Direction, KnownRecord};
pub use requests::{
    link_update, log_known, memo_update, plan_logging, subject_for, subject_update,
    transcript_update, ApiBudget, ApiRequest, HttpMethod, LoggingPlan, TaskUpdate,
};
pub use settings::{AssigneeRule, FieldMapping, Locale, TaskFieldAccess};
pub(crate) use text::single_line;
pub use text::{render_subject, unknown_placeholders, SubjectValues, SUBJECT_PLACEHOLDERS};
pub use time::{civil_date, iso_utc};

#[cfg(test)]
pub(crate) mod tests;
