//! Durable, idempotent delivery of call logs: every call becomes exactly one Task, even when the
//! worker is stopped mid-request or the network drops after Salesforce committed the write.
//!
//! The rule that makes it exact: an entry is written to storage before its request is sent, and
//! marked `Sent` while the request is in flight. An entry found `Sent` later (the worker died, or
//! the answer was lost) has an unknown outcome, so before sending again we ask Salesforce whether
//! a Task with this call's `CallObject` exists — one extra call, only on this failure path.

use serde::{Deserialize, Serialize};

/// How many times a log is tried before it is shown as failed (the user can retry it).
pub const MAX_ATTEMPTS: u32 = 6;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE", tag = "state")]
pub enum Delivery {
    /// Waiting to be sent (first time, or after a failure known not to have written).
    Pending,
    /// A request is (or was) in flight: its outcome is unknown until answered.
    Sent,
    /// Written: the Task's id.
    Done {
        #[serde(rename = "taskId")]
        task_id: String,
    },
    /// Given up, with the code that says why (shown to the user, who can retry).
    Failed { code: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxEntry {
    /// The call's unique id, also written to `Task.CallObject`.
    pub call_id: String,
    pub org_id: String,
    pub delivery: Delivery,
    pub attempts: u32,
    /// Not before this time (back-off).
    pub next_at_ms: u64,
}

/// What to do with an entry now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Send the log (create the Task).
    Send,
    /// The last send's outcome is unknown: look for the Task by `CallObject` first.
    Verify,
    /// Not yet (back-off), or nothing to do.
    Wait,
}

/// How a send or a verification ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Written {
        task_id: String,
    },
    /// The request failed before Salesforce could have written (a 4xx, or a refusal).
    NotWritten {
        code: String,
        retryable: bool,
    },
    /// No answer (network lost, worker stopped): it may or may not have been written.
    Unknown,
    /// Verification found no Task for this call.
    Absent,
}

impl OutboxEntry {
    pub fn new(call_id: &str, org_id: &str, now_ms: u64) -> Self {
        OutboxEntry {
            call_id: call_id.into(),
            org_id: org_id.into(),
            delivery: Delivery::Pending,
            attempts: 0,
            next_at_ms: now_ms,
        }
    }

    pub fn step(&self, now_ms: u64) -> Step {
        if now_ms < self.next_at_ms {
            return Step::Wait;
        }
        match self.delivery {
            Delivery::Pending => Step::Send,
            Delivery::Sent => Step::Verify,
            Delivery::Done { .. } | Delivery::Failed { .. } => Step::Wait,
        }
    }

    /// Before the request leaves: from now on the outcome is unknown until answered.
    pub fn mark_sent(&mut self) {
        self.delivery = Delivery::Sent;
        self.attempts += 1;
    }

    pub fn record(&mut self, outcome: Outcome, now_ms: u64) {
        match outcome {
            Outcome::Written { task_id } => self.delivery = Delivery::Done { task_id },
            Outcome::Absent => self.delivery = Delivery::Pending,
            Outcome::Unknown => {
                self.delivery = Delivery::Sent;
                self.next_at_ms =
                    now_ms + crate::salesforce::retry::backoff_ms(self.attempts, None);
            }
            Outcome::NotWritten { code, retryable } => {
                if retryable && self.attempts < MAX_ATTEMPTS {
                    self.delivery = Delivery::Pending;
                    self.next_at_ms =
                        now_ms + crate::salesforce::retry::backoff_ms(self.attempts, None);
                } else {
                    self.delivery = Delivery::Failed { code };
                }
            }
        }
        if self.attempts >= MAX_ATTEMPTS && self.delivery == Delivery::Sent {
            self.delivery = Delivery::Failed {
                code: "NO_ANSWER".into(),
            };
        }
    }

    /// The user asks to try a failed log again.
    pub fn retry(&mut self, now_ms: u64) {
        if matches!(self.delivery, Delivery::Failed { .. }) {
            self.delivery = Delivery::Pending;
            self.attempts = 0;
            self.next_at_ms = now_ms;
        }
    }
}

/// The SOQL that verifies a send with unknown outcome. Call ids are SIP Call-IDs (printable
/// ASCII, quotes and backslashes included) or ours: escaped, nothing in them changes the query.
pub fn verify_query(call_id: &str) -> String {
    let escaped = crate::calllog::soql_escape(call_id);
    format!("SELECT Id FROM Task WHERE CallObject = '{escaped}' LIMIT 1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_normal_delivery_is_one_send() {
        let mut entry = OutboxEntry::new("call-1", "00D5g000004ABCD", 0);
        assert_eq!(entry.step(0), Step::Send);
        entry.mark_sent();
        entry.record(
            Outcome::Written {
                task_id: "00T1".into(),
            },
            1,
        );
        assert_eq!(entry.step(2), Step::Wait);
        assert_eq!(
            entry.delivery,
            Delivery::Done {
                task_id: "00T1".into()
            }
        );
    }

    #[test]
    fn a_worker_stopped_mid_request_verifies_before_sending_again() {
        let mut entry = OutboxEntry::new("call-2", "org", 0);
        entry.mark_sent();
        // The worker restarts and finds the entry still `Sent`.
        assert_eq!(entry.step(10), Step::Verify);
        entry.record(
            Outcome::Written {
                task_id: "00T2".into(),
            },
            11,
        );
        assert_eq!(entry.step(12), Step::Wait, "found: never written twice");

        let mut lost = OutboxEntry::new("call-3", "org", 0);
        lost.mark_sent();
        lost.record(Outcome::Absent, 5);
        assert_eq!(
            lost.step(5),
            Step::Send,
            "not found: sent again, never lost"
        );
    }

    #[test]
    fn unknown_outcomes_back_off_and_end_visible() {
        let mut entry = OutboxEntry::new("call-4", "org", 0);
        let mut now = 0;
        for _ in 0..MAX_ATTEMPTS {
            entry.mark_sent();
            entry.record(Outcome::Unknown, now);
            assert!(entry.next_at_ms > now || matches!(entry.delivery, Delivery::Failed { .. }));
            now = entry.next_at_ms;
            if entry.step(now) == Step::Verify {
                entry.record(Outcome::Absent, now);
            }
        }
        assert_eq!(
            entry.delivery,
            Delivery::Failed {
                code: "NO_ANSWER".into()
            }
        );
        entry.retry(now);
        assert_eq!(entry.step(now), Step::Send);
    }

    #[test]
    fn a_refused_write_fails_at_once_unless_retryable() {
        let mut entry = OutboxEntry::new("call-5", "org", 0);
        entry.mark_sent();
        entry.record(
            Outcome::NotWritten {
                code: "FIELD_CUSTOM_VALIDATION_EXCEPTION".into(),
                retryable: false,
            },
            1,
        );
        assert_eq!(
            entry.delivery,
            Delivery::Failed {
                code: "FIELD_CUSTOM_VALIDATION_EXCEPTION".into()
            }
        );
        let mut limited = OutboxEntry::new("call-6", "org", 0);
        limited.mark_sent();
        limited.record(
            Outcome::NotWritten {
                code: "REQUEST_LIMIT_EXCEEDED".into(),
                retryable: true,
            },
            1,
        );
        assert_eq!(limited.step(1), Step::Wait);
        assert_eq!(limited.step(limited.next_at_ms), Step::Send);
    }

    #[test]
    fn the_verify_query_escapes_the_call_id() {
        assert_eq!(
            verify_query("abc'); DELETE"),
            "SELECT Id FROM Task WHERE CallObject = 'abc\\'); DELETE' LIMIT 1"
        );
    }
}
