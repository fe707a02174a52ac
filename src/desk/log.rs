//! One call's log: its outbox entry, the call record the Task is made from, and which of the
//! record's later changes (memo, transcript) the Task has. Stored under its own key, so one
//! unreadable log never costs another, and no writer can lose another's change.

use serde::{Deserialize, Serialize};

use crate::calllog::{CallRecord, DroppedField, KnownRecord};
use crate::outbox::{Delivery, OutboxEntry, LEASE_MS};

/// The storage key prefix of a call's log (`log:<call id>`).
pub const LOG_KEY_PREFIX: &str = "log:";

/// Salesforce's field limits, so a stored log can always be written: `Description` (the
/// transcript) holds 32,000 characters; memo tags are picklist values (255 each).
pub const MAX_TRANSCRIPT_CHARS: usize = 32_000;
/// A user's notes: what `Description` holds (32,000), cut there with a marker if the
/// transcript makes the whole longer.
pub const MAX_NOTES_CHARS: usize = 32_000;
pub const MAX_MEMO_TAGS: usize = 20;
pub const MAX_SUBJECT_CHARS: usize = 255;
pub const MAX_MEMO_TAG_CHARS: usize = 255;
/// Warnings kept on one log.
const MAX_WARNINGS: usize = 10;

/// A change to a written Task: each costs one API call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Change {
    Memo,
    /// `Description`: the user's notes and the transcript (one field, so one change).
    Transcript,
    Subject,
    /// The record the Task is on (`WhoId` / `WhatId`).
    Record,
}

/// The record goes first: the others name nothing that depends on it, but a user who moved
/// the Task wants it found on the right record soonest.
pub const CHANGES: [Change; 4] = [
    Change::Record,
    Change::Memo,
    Change::Transcript,
    Change::Subject,
];

/// Revisions of the record's changeable parts: each change bumps its own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Revisions {
    pub memo: u32,
    pub transcript: u32,
    pub subject: u32,
    pub record: u32,
}

impl Revisions {
    pub fn of(&self, change: Change) -> u32 {
        match change {
            Change::Memo => self.memo,
            Change::Transcript => self.transcript,
            Change::Subject => self.subject,
            Change::Record => self.record,
        }
    }

    fn set(&mut self, change: Change, rev: u32) {
        match change {
            Change::Memo => self.memo = rev,
            Change::Transcript => self.transcript = rev,
            Change::Subject => self.subject = rev,
            Change::Record => self.record = rev,
        }
    }
}

/// An update of a written Task in flight: one at a time per log, so two memo changes can
/// never reach Salesforce out of order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateInFlight {
    pub change: Change,
    pub rev: u32,
    pub lease_until_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Log {
    pub entry: OutboxEntry,
    pub call: CallRecord,
    #[serde(default)]
    pub linked: Option<KnownRecord>,
    #[serde(default)]
    pub dropped: Vec<DroppedField>,
    /// Problems that did not stop the Task from being written (a link refused, …).
    #[serde(default)]
    pub warnings: Vec<String>,
    /// The record's revisions, what the last create carried, and what the Task has.
    #[serde(default)]
    pub revisions: Revisions,
    #[serde(default)]
    pub sent_revisions: Revisions,
    #[serde(default)]
    pub synced: Revisions,
    #[serde(default)]
    pub update: Option<UpdateInFlight>,
    /// The SIP Call-ID the log is about (the log's id is its hash when it does not fit).
    #[serde(default)]
    pub sip_call_id: String,
    /// Not before this time is an update tried again (after a transient failure).
    #[serde(default)]
    pub update_at_ms: u64,
    /// No update before this, whatever wakes the log: the lease of an update given up on.
    #[serde(default)]
    pub update_settle_at_ms: u64,
    /// The wrap-up time (the auto-log policy): the Task is not created before this, unless the
    /// user says "Log now"; what they do until then rides in the create.
    #[serde(default)]
    pub hold_until_ms: u64,
}

impl Log {
    /// The id the panels know the call by: its SIP Call-ID, or the log's own id for a log
    /// made without one.
    pub fn shown_id(&self) -> &str {
        if self.sip_call_id.is_empty() {
            &self.entry.call_id
        } else {
            &self.sip_call_id
        }
    }

    pub fn new(call: CallRecord, sip_call_id: &str, org_id: Option<&str>, now_ms: u64) -> Log {
        Log {
            entry: OutboxEntry::new(&call.call_id, org_id, now_ms),
            call,
            linked: None,
            dropped: vec![],
            warnings: vec![],
            revisions: Revisions::default(),
            sent_revisions: Revisions::default(),
            synced: Revisions::default(),
            update: None,
            sip_call_id: sip_call_id.to_string(),
            update_at_ms: 0,
            update_settle_at_ms: 0,
            hold_until_ms: 0,
        }
    }

    pub fn key(&self) -> String {
        format!("{LOG_KEY_PREFIX}{}", self.entry.call_id)
    }

    pub fn task_id(&self) -> Option<&str> {
        match &self.entry.delivery {
            Delivery::Done { task_id } => Some(task_id),
            _ => None,
        }
    }

    /// The memo tags changed: bounded as the picklist takes them.
    pub fn set_memo(&mut self, tags: Vec<String>) {
        let tags: Vec<String> = tags
            .into_iter()
            .take(MAX_MEMO_TAGS)
            .map(|t| t.chars().take(MAX_MEMO_TAG_CHARS).collect())
            .collect();
        if tags != self.call.memo_tags {
            self.call.memo_tags = tags;
            self.revisions.memo += 1;
        }
    }

    /// The transcript arrived (or grew): bounded as `Description` takes it.
    pub fn set_transcript(&mut self, text: &str) {
        let text: String = text.chars().take(MAX_TRANSCRIPT_CHARS).collect();
        if self.call.transcript.as_deref() != Some(text.as_str()) {
            self.call.transcript = Some(text);
            self.revisions.transcript += 1;
        }
    }

    /// The user's notes on the call, the comments of `Description` (beside the transcript:
    /// both are that one field, so they share its revision and its one PATCH per change).
    pub fn set_notes(&mut self, text: &str) {
        let text: String = text.chars().take(MAX_NOTES_CHARS).collect();
        if self.call.comments != text {
            self.call.comments = text;
            self.revisions.transcript += 1;
        }
    }

    /// The user's subject (empty: the admin's template again), on one line, as `Subject`
    /// holds it.
    pub fn set_subject(&mut self, text: &str) {
        let text = crate::calllog::single_line(text);
        let text = text.trim();
        let subject = (!text.is_empty()).then(|| text.chars().take(MAX_SUBJECT_CHARS).collect());
        if self.call.subject != subject {
            self.call.subject = subject;
            self.revisions.subject += 1;
        }
    }

    /// The Task goes on `record` (the user's choice in the wrap-up): no lookup is spent on it.
    pub fn set_record(&mut self, record: KnownRecord) {
        if self.call.record.as_ref() != Some(&record) {
            self.call.record = Some(record);
            self.call.lookup_done = true;
            self.revisions.record += 1;
        }
    }

    /// The record the Task is on now, or will be once its changes are written.
    pub fn record(&self) -> Option<&KnownRecord> {
        if self.revisions.record > self.synced.record {
            return self.call.record.as_ref();
        }
        self.linked.as_ref().or(self.call.record.as_ref())
    }

    /// The create is about to leave: it carries the record as it is now.
    pub fn sending(&mut self) {
        self.sent_revisions = self.revisions;
    }

    /// The Task exists: it has what its create carried.
    pub fn written(&mut self) {
        self.synced = self.sent_revisions;
    }

    /// The next update the Task needs, when none is in flight (or its lease expired).
    pub fn due_update(&self, now_ms: u64) -> Option<Change> {
        self.task_id()?;
        if let Some(flight) = &self.update {
            if now_ms < flight.lease_until_ms {
                return None;
            }
        }
        if now_ms < self.update_at_ms.max(self.update_settle_at_ms) {
            return None;
        }
        CHANGES
            .into_iter()
            .find(|c| self.revisions.of(*c) > self.synced.of(*c))
    }

    /// Still in its wrap-up time: not to be sent yet.
    pub fn held(&self, now_ms: u64) -> bool {
        self.entry.delivery == Delivery::Pending && now_ms < self.hold_until_ms
    }

    /// When something about this log is due next (a send, a verification, an update).
    pub fn next_wake(&self, now_ms: u64) -> Option<u64> {
        let entry = match self.entry.step(now_ms) {
            crate::outbox::Step::Wait(at) => at,
            crate::outbox::Step::Send if self.held(now_ms) => Some(self.hold_until_ms),
            _ => Some(now_ms),
        };
        let update = self.task_id().and_then(|_| {
            let owed = CHANGES
                .into_iter()
                .any(|c| self.revisions.of(c) > self.synced.of(c));
            owed.then(|| {
                let lease = self.update.as_ref().map_or(0, |f| f.lease_until_ms);
                lease
                    .max(self.update_at_ms)
                    .max(self.update_settle_at_ms)
                    .max(now_ms)
            })
        });
        [entry, update].into_iter().flatten().min()
    }

    pub fn start_update(&mut self, change: Change, now_ms: u64) -> u32 {
        let rev = self.revisions.of(change);
        self.update = Some(UpdateInFlight {
            change,
            rev,
            lease_until_ms: now_ms + LEASE_MS,
        });
        rev
    }

    /// An update's answer. `Ok`: the Task has revision `rev`. `Err(retryable, code)`.
    pub fn updated(
        &mut self,
        change: Change,
        rev: u32,
        result: Result<(), (bool, String)>,
        now_ms: u64,
    ) {
        let mut lease_end = 0;
        if let Some(flight) = self
            .update
            .as_ref()
            .filter(|f| f.change == change && f.rev == rev)
        {
            lease_end = flight.lease_until_ms;
            self.update = None;
        }
        match result {
            Ok(()) => {
                if rev > self.synced.of(change) {
                    self.synced.set(change, rev);
                    if change == Change::Record && rev == self.revisions.record {
                        self.linked = self.call.record.clone();
                    }
                }
            }
            // No answer: Salesforce may still carry it out until its lease ends, and a newer
            // change sent before then could be overwritten by it.
            Err((true, code)) => {
                self.update_at_ms = now_ms + 5_000;
                if code == "TIMEOUT" {
                    self.update_settle_at_ms = self.update_settle_at_ms.max(lease_end);
                }
            }
            Err((false, code)) => {
                // Refused for good (a field the profile may not write, …): said, not retried.
                self.synced.set(change, rev.max(self.synced.of(change)));
                self.warn(format!("{change:?} not written: {code}"));
            }
        }
    }

    pub fn warn(&mut self, warning: String) {
        if self.warnings.len() < MAX_WARNINGS && !self.warnings.contains(&warning) {
            self.warnings.push(warning);
        }
    }

    /// A request about this log is in flight or due now: its answer is worth waiting for.
    pub fn awaiting_answer(&self, now_ms: u64) -> bool {
        matches!(self.entry.delivery, Delivery::Sent { .. })
            || self
                .update
                .as_ref()
                .is_some_and(|u| u.lease_until_ms > now_ms)
            || (self.entry.delivery == Delivery::Pending
                && self.entry.next_at_ms <= now_ms
                && !self.held(now_ms))
    }

    /// Owes Salesforce nothing: written with every change, or failed.
    pub fn settled(&self) -> bool {
        match &self.entry.delivery {
            Delivery::Done { .. } => CHANGES
                .into_iter()
                .all(|c| self.revisions.of(c) <= self.synced.of(c)),
            Delivery::Failed { .. } => true,
            _ => false,
        }
    }
}
