//! Durable, idempotent delivery of call logs: every call becomes exactly one Task, even when the
//! worker is stopped mid-request, two wake-ups race, or the network drops after Salesforce
//! committed the write.
//!
//! The rules that make it exact:
//! - an entry is stored before its request is sent, and marked `Sent` with a **lease** while the
//!   request is in flight. Every request is aborted after [`REQUEST_TIMEOUT_MS`], and the lease
//!   is longer, so once the lease has expired no request of ours for it can still arrive;
//! - while the lease holds, nobody else touches the entry: a second wake-up (the alarm and the
//!   worker's start, two tabs loading) waits instead of verifying a request still in flight;
//! - an outcome that is not known (no answer, a lease that expired, a user's retry after "no
//!   answer") is always **verified** before any new send: one query for a Task with this call's
//!   `CallObject` *created by this user*, so neither another owner's reassignment nor another
//!   user's Task with the same call id misleads it.
//!
//! Pure: the caller passes the clock and carries out [`Step`]s.

use serde::{Deserialize, Serialize};

/// How many sends without an answer before the log is shown as failed (the user can retry;
/// the retry verifies first). Refusals that only time fixes (an expired session, the daily
/// limit) do not count: they wait for the org, visibly, as long as it takes.
pub const MAX_ATTEMPTS: u32 = 6;
/// Every Salesforce request is aborted after this long (the glue's `AbortController`).
pub const REQUEST_TIMEOUT_MS: u64 = 30_000;
/// How long a `Sent` entry belongs to its request. Longer than the timeout, so an expired lease
/// means the request is over (answered, aborted, or its worker is gone).
pub const LEASE_MS: u64 = REQUEST_TIMEOUT_MS * 2;
/// The longest wait between two tries of a log that waits for the org.
const WAIT_CAP_MS: u64 = 5 * 60_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE", tag = "state")]
pub enum Delivery {
    /// The call ended while no org was known (no Salesforce page opened since the browser
    /// started): kept, shown as waiting, and placed in the first org that is seen.
    AwaitingOrg,
    /// Waiting to be sent (first time, or after a failure known not to have written).
    Pending,
    /// A request is in flight until `lease_until_ms`; after that its outcome is unknown and is
    /// verified before anything else. (An entry stored by an older version has no lease: 0.)
    Sent {
        #[serde(default, rename = "leaseUntilMs")]
        lease_until_ms: u64,
    },
    /// Written: the Task's id.
    Done {
        #[serde(rename = "taskId")]
        task_id: String,
    },
    /// Given up, with the code that says why (shown to the user, who can retry).
    Failed { code: String },
}

impl Delivery {
    /// Not finished: the outbox still owes Salesforce something.
    pub fn is_open(&self) -> bool {
        matches!(
            self,
            Delivery::AwaitingOrg | Delivery::Pending | Delivery::Sent { .. }
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxEntry {
    /// The call's unique id, also written to `Task.CallObject`.
    pub call_id: String,
    /// Empty while `AwaitingOrg`.
    pub org_id: String,
    pub delivery: Delivery,
    /// Sends whose answer never came (see [`MAX_ATTEMPTS`]).
    pub attempts: u32,
    /// Not before this time (back-off).
    pub next_at_ms: u64,
    /// A send may have written the Task and no verification has said otherwise since: the next
    /// step, whatever asks for it (a user's retry too), is a verification.
    #[serde(default)]
    pub maybe_written: bool,
    /// The user the last send went out as: a Task it wrote has `CreatedById` = this.
    #[serde(default)]
    pub sent_as: Option<String>,
    /// When the call was stored, for retention.
    #[serde(default)]
    pub stored_at_ms: u64,
    /// Nothing before this time, whatever wakes the entry: the lease of a request given up on
    /// (Salesforce may still carry it out until then).
    #[serde(default)]
    pub settle_at_ms: u64,
}

/// What to do with an entry now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Send the log (create the Task).
    Send,
    /// The last send's outcome is unknown: look for the Task by `CallObject` and creator first.
    Verify,
    /// Not now; look again at this time (`None`: nothing more to do until something changes).
    Wait(Option<u64>),
}

/// How a send or a verification ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Written {
        task_id: String,
    },
    /// The request failed before Salesforce could have written (a 4xx, or a refusal).
    /// `retryable`: time or the user can fix it (an expired session, the daily limit).
    NotWritten {
        code: String,
        retryable: bool,
    },
    /// The request is over but its outcome unknown (the connection dropped, the answer cut
    /// off, a 5xx): it may have been written.
    Unknown,
    /// We gave up waiting (our timeout): it may have been written, and may still be, until the
    /// request's lease ends.
    TimedOut,
    /// Verification found no Task for this call: it was not written.
    Absent,
}

/// What a failed request means for the Task, by the code the REST client gave it.
pub fn outcome_of_failure(code: &str) -> Outcome {
    match code {
        // No answer, or a server error after our bytes left: it may have been written.
        "NO_ANSWER" | "NETWORK" | "BAD_RESPONSE" | "SERVER_UNAVAILABLE" => Outcome::Unknown,
        "TIMEOUT" => Outcome::TimedOut,
        "REQUEST_LIMIT_EXCEEDED"
        | "INVALID_SESSION_ID"
        | "NO_API_SESSION"
        | "UNKNOWN_ORG"
        | "STORAGE" => Outcome::NotWritten {
            code: code.into(),
            retryable: true,
        },
        code => Outcome::NotWritten {
            code: code.into(),
            retryable: false,
        },
    }
}

impl OutboxEntry {
    /// A new entry; `org_id` `None` when no org is known yet.
    pub fn new(call_id: &str, org_id: Option<&str>, now_ms: u64) -> Self {
        OutboxEntry {
            call_id: call_id.into(),
            org_id: org_id.unwrap_or_default().into(),
            delivery: if org_id.is_some() {
                Delivery::Pending
            } else {
                Delivery::AwaitingOrg
            },
            attempts: 0,
            next_at_ms: now_ms,
            maybe_written: false,
            sent_as: None,
            stored_at_ms: now_ms,
            settle_at_ms: 0,
        }
    }

    pub fn step(&self, now_ms: u64) -> Step {
        match self.delivery {
            Delivery::AwaitingOrg | Delivery::Done { .. } | Delivery::Failed { .. } => {
                Step::Wait(None)
            }
            Delivery::Sent { lease_until_ms } if now_ms < lease_until_ms => {
                Step::Wait(Some(lease_until_ms))
            }
            _ if now_ms < self.next_at_ms.max(self.settle_at_ms) => {
                Step::Wait(Some(self.next_at_ms.max(self.settle_at_ms)))
            }
            Delivery::Sent { .. } => Step::Verify,
            Delivery::Pending if self.maybe_written => Step::Verify,
            Delivery::Pending => Step::Send,
        }
    }

    /// The first org seen takes a call that ended without one.
    pub fn place(&mut self, org_id: &str, now_ms: u64) {
        if self.delivery == Delivery::AwaitingOrg {
            self.org_id = org_id.into();
            self.delivery = Delivery::Pending;
            self.next_at_ms = now_ms;
        }
    }

    /// Before the request leaves (stored before it is sent): from now on the outcome is unknown
    /// until answered, and the entry is the request's until the lease expires.
    pub fn mark_sent(&mut self, user_id: Option<&str>, now_ms: u64) {
        self.delivery = Delivery::Sent {
            lease_until_ms: now_ms + LEASE_MS,
        };
        self.maybe_written = true;
        self.sent_as = user_id.map(str::to_string).or(self.sent_as.take());
    }

    /// Before a verification leaves: it too holds the entry (a second verification would only
    /// spend a call).
    pub fn mark_verifying(&mut self, now_ms: u64) {
        self.delivery = Delivery::Sent {
            lease_until_ms: now_ms + LEASE_MS,
        };
    }

    /// `from_send`: the outcome is a send's (else a verification's).
    pub fn record(&mut self, outcome: Outcome, from_send: bool, now_ms: u64) {
        let timed_out = outcome == Outcome::TimedOut;
        match outcome {
            Outcome::Written { task_id } => {
                self.delivery = Delivery::Done { task_id };
                self.maybe_written = false;
            }
            Outcome::Absent => {
                self.delivery = Delivery::Pending;
                self.maybe_written = false;
                self.next_at_ms = now_ms;
            }
            Outcome::Unknown | Outcome::TimedOut => {
                if from_send {
                    self.attempts += 1;
                }
                // A request we gave up on (timed out) may still be carried out by Salesforce
                // until its lease ends: only then can a verification tell.
                let lease_end = match self.delivery {
                    Delivery::Sent { lease_until_ms } if from_send && timed_out => lease_until_ms,
                    _ => 0,
                };
                self.settle_at_ms = self.settle_at_ms.max(lease_end);
                self.next_at_ms =
                    now_ms + crate::salesforce::retry::backoff_ms(self.attempts, None);
                self.delivery = if self.attempts >= MAX_ATTEMPTS {
                    Delivery::Failed {
                        code: "NO_ANSWER".into(),
                    }
                } else {
                    Delivery::Pending
                };
            }
            Outcome::NotWritten { code, retryable } => {
                // A refused verification says nothing about the Task: `maybe_written` stays.
                if from_send {
                    self.maybe_written = false;
                }
                if retryable {
                    let wait = if code == "REQUEST_LIMIT_EXCEEDED" {
                        crate::salesforce::retry::LIMIT_WAIT_MS
                    } else {
                        crate::salesforce::retry::backoff_ms(self.attempts + 3, None)
                            .min(WAIT_CAP_MS)
                    };
                    self.delivery = Delivery::Pending;
                    self.next_at_ms = now_ms + wait;
                } else if self.maybe_written {
                    // A refusal of the verification itself: the outcome stays unknown.
                    self.delivery = Delivery::Pending;
                    self.next_at_ms = now_ms + crate::salesforce::retry::backoff_ms(3, None);
                } else {
                    self.delivery = Delivery::Failed { code };
                }
            }
        }
    }

    /// The org has a working session again (a page of it opened): what waited for it goes now.
    pub fn wake(&mut self, now_ms: u64) {
        if self.delivery == Delivery::Pending {
            self.next_at_ms = self.next_at_ms.min(now_ms);
        }
    }

    /// The user asks to try a failed log again. A log that may have been written is verified
    /// first: a retry never writes a second Task.
    pub fn retry(&mut self, now_ms: u64) {
        if matches!(self.delivery, Delivery::Failed { .. }) {
            self.delivery = Delivery::Pending;
            self.attempts = 0;
            // (Still not before the last request's lease has ended: `settle_at_ms`.)
            self.next_at_ms = now_ms;
        }
    }
}

/// The SOQL that verifies a send with unknown outcome: the Task with this `CallObject` that this
/// user created (`CreatedById` does not change when the Task is handed to another owner). Call ids
/// are SIP Call-IDs (printable ASCII, quotes and backslashes included) or ours: escaped, nothing
/// in them changes the query.
pub fn verify_query(call_id: &str, created_by: Option<&str>) -> String {
    let escaped = crate::calllog::soql_escape(call_id);
    match created_by {
        Some(user) => format!(
            "SELECT Id FROM Task WHERE CallObject = '{escaped}' AND CreatedById = '{}' LIMIT 1",
            crate::calllog::soql_escape(user)
        ),
        None => format!("SELECT Id FROM Task WHERE CallObject = '{escaped}' LIMIT 1"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(id: &str) -> Outcome {
        Outcome::Written { task_id: id.into() }
    }

    #[test]
    fn a_redirect_is_a_refusal_not_an_unknown_outcome() {
        // The request did not reach the API (its redirect was not followed): nothing was
        // written, and trying again would only be redirected again.
        assert_eq!(
            outcome_of_failure("REDIRECTED"),
            Outcome::NotWritten {
                code: "REDIRECTED".into(),
                retryable: false
            }
        );
    }

    #[test]
    fn a_normal_delivery_is_one_send() {
        let mut entry = OutboxEntry::new("call-1", Some("00D5g000004ABCD"), 0);
        assert_eq!(entry.step(0), Step::Send);
        entry.mark_sent(Some("005A"), 0);
        entry.record(written("00T1"), true, 1);
        assert_eq!(entry.step(2), Step::Wait(None));
        assert_eq!(
            entry.delivery,
            Delivery::Done {
                task_id: "00T1".into()
            }
        );
    }

    #[test]
    fn an_entry_in_flight_is_left_to_its_request_until_the_lease_expires() {
        let mut entry = OutboxEntry::new("call-2", Some("org"), 0);
        entry.mark_sent(Some("005A"), 0);
        // A second wake-up while the composite is in flight: it must neither send nor verify
        // (Salesforce may not have committed yet).
        assert_eq!(entry.step(1), Step::Wait(Some(LEASE_MS)));
        assert_eq!(entry.step(LEASE_MS - 1), Step::Wait(Some(LEASE_MS)));
        // The worker died: after the lease the outcome is unknown, verified first.
        assert_eq!(entry.step(LEASE_MS), Step::Verify);
        entry.mark_verifying(LEASE_MS);
        entry.record(written("00T2"), false, LEASE_MS + 1);
        assert_eq!(entry.step(LEASE_MS + 2), Step::Wait(None));

        let mut lost = OutboxEntry::new("call-3", Some("org"), 0);
        lost.mark_sent(None, 0);
        lost.record(Outcome::Absent, false, LEASE_MS);
        assert_eq!(lost.step(LEASE_MS), Step::Send, "not found: sent again");
    }

    #[test]
    fn unknown_outcomes_are_verified_back_off_and_end_visible() {
        let mut entry = OutboxEntry::new("call-4", Some("org"), 0);
        let mut now = 0;
        for _ in 0..MAX_ATTEMPTS {
            assert_eq!(entry.step(now), Step::Send);
            entry.mark_sent(None, now);
            entry.record(Outcome::TimedOut, true, now);
            if matches!(entry.delivery, Delivery::Failed { .. }) {
                break;
            }
            // Not before the request's lease ends: Salesforce may still carry it out.
            assert_eq!(
                entry.step(entry.next_at_ms),
                Step::Wait(Some(now + LEASE_MS))
            );
            now = entry.next_at_ms.max(entry.settle_at_ms);
            assert_eq!(
                entry.step(now),
                Step::Verify,
                "never a send after no answer"
            );
            entry.mark_verifying(now);
            entry.record(Outcome::Absent, false, now);
        }
        assert_eq!(
            entry.delivery,
            Delivery::Failed {
                code: "NO_ANSWER".into()
            }
        );
        // The user's retry of a log that may have been written verifies first (once the last
        // request's lease is over).
        entry.retry(now);
        let settled = now.max(entry.settle_at_ms);
        assert_eq!(entry.step(settled), Step::Verify);
    }

    #[test]
    fn a_refused_write_fails_at_once_unless_time_fixes_it() {
        let mut entry = OutboxEntry::new("call-5", Some("org"), 0);
        entry.mark_sent(None, 0);
        entry.record(
            outcome_of_failure("FIELD_CUSTOM_VALIDATION_EXCEPTION"),
            true,
            1,
        );
        assert_eq!(
            entry.delivery,
            Delivery::Failed {
                code: "FIELD_CUSTOM_VALIDATION_EXCEPTION".into()
            }
        );
        entry.retry(2);
        assert_eq!(entry.step(2), Step::Send, "refused: nothing to verify");

        let mut expired = OutboxEntry::new("call-6", Some("org"), 0);
        for i in 0..(MAX_ATTEMPTS * 3) as u64 {
            let now = expired.next_at_ms.max(i);
            assert_eq!(expired.step(now), Step::Send);
            expired.mark_sent(None, now);
            expired.record(outcome_of_failure("INVALID_SESSION_ID"), true, now);
        }
        assert_eq!(expired.delivery, Delivery::Pending, "waits for a login");
        expired.wake(expired.next_at_ms - 1);
        assert_eq!(expired.step(expired.next_at_ms), Step::Send);
    }

    #[test]
    fn a_call_without_an_org_waits_for_one() {
        let mut entry = OutboxEntry::new("call-7", None, 0);
        assert_eq!(entry.delivery, Delivery::AwaitingOrg);
        assert_eq!(entry.step(10), Step::Wait(None));
        entry.place("00Dorg", 20);
        assert_eq!(entry.org_id, "00Dorg");
        assert_eq!(entry.step(20), Step::Send);
    }

    #[test]
    fn an_entry_of_an_older_version_without_a_lease_is_verified() {
        let entry: OutboxEntry = serde_json::from_str(
            r#"{"callId":"c","orgId":"o","delivery":{"state":"SENT"},"attempts":1,"nextAtMs":0}"#,
        )
        .unwrap();
        assert_eq!(entry.step(5), Step::Verify);
    }

    #[test]
    fn the_verify_query_escapes_and_filters_by_the_creating_user() {
        assert_eq!(
            verify_query("abc'); DELETE", None),
            "SELECT Id FROM Task WHERE CallObject = 'abc\\'); DELETE' LIMIT 1"
        );
        assert_eq!(
            verify_query("a@b", Some("005000000000001AAA")),
            "SELECT Id FROM Task WHERE CallObject = 'a@b' AND CreatedById = '005000000000001AAA' LIMIT 1"
        );
    }
}
