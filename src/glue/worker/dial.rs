//! Click-to-call in the worker: degraded mode's scanning decisions. When a page's CSP forbids
//! wasm in the content script, its small JS walker sends candidate values here, and the number
//! engine and record rules run in this extension context instead.

use crate::clicktocall::degraded;
use crate::clicktocall::PageFacts;
use crate::protocol::{CandidateField, Dialable};

/// Which candidates are dialable, with the number and record each dials.
pub fn candidates(page: &PageFacts, fields: &[CandidateField], region: &str) -> Dialable {
    Dialable {
        fields: degraded::answer_all(page, fields, region),
    }
}
