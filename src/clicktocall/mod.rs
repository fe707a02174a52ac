//! Click-to-call decisions, pure and browser-free: which markup is a phone field and what it
//! dials (`field`), which record a field belongs to (`record`), and how DOM changes are batched
//! into work (`batch`). The content glue and the worker's degraded-mode answer both call these.

pub mod batch;
pub mod degraded;
pub mod field;
pub mod hosts;
pub mod record;

pub use field::{dial_target, Dialable, FieldKind};
pub use record::{resolve_record, FieldFacts, PageFacts};
