//! The wrap-up: what the user says about a call, during it and after it: memo tags, notes, the
//! subject, and the record the Task is on, and "always use this record for this number".
//!
//! Before the call's Task exists, an edit is kept (with the call, then with its log) and rides
//! along in the one create; after, each edit is one update of the Task (see `Log::due_update`).

use serde::{Deserialize, Serialize};

use super::{Desk, Log, Plan, Reply};
use crate::calllog::CallerMatch;
use crate::number::PhoneNumber;

/// Calls whose wrap-up waits for the call to end (two lines at most, and a margin).
const PENDING_KEPT: usize = 4;
/// Numbers with a record the user always wants (a person's regular callers, and more).
pub const PINS_KEPT: usize = 500;

/// One edit of a call's wrap-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    Memo(Vec<String>),
    Notes(String),
    Subject(String),
    /// The Task goes on this record (found by search, picked, or just created).
    Record(CallerMatch),
}

impl Edit {
    fn apply(self, log: &mut Log) {
        match self {
            Edit::Memo(tags) => log.set_memo(tags),
            Edit::Notes(text) => log.set_notes(&text),
            Edit::Subject(text) => log.set_subject(&text),
            Edit::Record(record) => log.set_record(record.known()),
        }
    }
}

/// The wrap-up of a call still going: what its log will start with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pending {
    pub call_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memo: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<CallerMatch>,
}

impl Pending {
    fn keep(&mut self, edit: Edit) {
        match edit {
            Edit::Memo(tags) => self.memo = Some(tags),
            Edit::Notes(text) => self.notes = Some(text),
            Edit::Subject(text) => self.subject = Some(text),
            Edit::Record(record) => self.record = Some(record),
        }
    }

    /// The call ended: its log starts with this (no request of its own).
    pub fn into_log(self, log: &mut Log) {
        let edits = [
            self.record.map(Edit::Record),
            self.memo.map(Edit::Memo),
            self.notes.map(Edit::Notes),
            self.subject.map(Edit::Subject),
        ];
        for edit in edits.into_iter().flatten() {
            edit.apply(log);
        }
    }
}

/// "Always use this record for this number", in one org.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pin {
    pub org_id: String,
    /// E.164 when the number reads as one, else as the phone gave it.
    pub number: String,
    pub record: CallerMatch,
}

/// The form a number is pinned under.
pub fn pin_key(number: &str, region: &str) -> String {
    PhoneNumber::parse(number, region)
        .map(|n| n.e164())
        .unwrap_or_else(|_| number.trim().to_string())
}

impl Desk {
    /// An edit of the wrap-up of `call_id`: to its log when it has one, else kept with the
    /// call while it is live (in front or beside).
    pub(super) fn wrap_up(&mut self, call_id: &str, edit: Edit, plan: &mut Plan) -> Reply {
        if self.log_id_of(call_id).is_some() {
            return self.change(call_id, plan, |l| edit.apply(l));
        }
        let live = [self.phone.live_call(), self.phone.live_other()]
            .into_iter()
            .flatten()
            .any(|c| !call_id.is_empty() && c.call_id == call_id);
        if !live {
            return Reply::Error("UNKNOWN_CALL");
        }
        let at = match self.pending.iter().position(|p| p.call_id == call_id) {
            Some(at) => at,
            None => {
                self.pending.push(Pending {
                    call_id: call_id.to_string(),
                    ..Pending::default()
                });
                let excess = self.pending.len().saturating_sub(PENDING_KEPT);
                self.pending.drain(..excess);
                self.pending.len() - 1
            }
        };
        self.pending[at].keep(edit);
        plan.save_desk = true;
        plan.broadcast = true;
        Reply::Ack
    }

    /// The wrap-up kept for a live call.
    pub fn pending_of(&self, sip_call_id: &str) -> Option<&Pending> {
        self.pending.iter().find(|p| p.call_id == sip_call_id)
    }

    /// Takes a live call's kept wrap-up for its new log.
    pub(super) fn take_pending(&mut self, sip_call_id: &str) -> Option<Pending> {
        let at = self.pending.iter().position(|p| p.call_id == sip_call_id)?;
        Some(self.pending.remove(at))
    }

    /// The record the user always wants for `number` in `org_id`.
    pub fn pin_of(&self, org_id: &str, number: &str) -> Option<&CallerMatch> {
        let key = pin_key(number, self.region());
        self.pins
            .iter()
            .find(|p| p.org_id == org_id && p.number == key)
            .map(|p| &p.record)
    }

    /// The record a call is on now: the user's choice, else what the card or the page gave.
    pub fn record_of_call(&self, sip_call_id: &str) -> Option<CallerMatch> {
        if let Some(log) = self.log_of(sip_call_id) {
            let card = self.card_of(sip_call_id);
            return log.record().map(|r| {
                card.and_then(|c| c.matches.iter().find(|m| m.id == r.id).cloned())
                    .unwrap_or_else(|| CallerMatch::of_record(r))
            });
        }
        if let Some(record) = self.pending_of(sip_call_id).and_then(|p| p.record.clone()) {
            return Some(record);
        }
        let call = [self.phone.call.as_ref(), self.phone.other.as_ref()]
            .into_iter()
            .flatten()
            .find(|c| c.call_id == sip_call_id)?;
        if let Some(dial) = call
            .dial_id
            .as_deref()
            .and_then(|id| self.dials.iter().find(|d| d.dial_id == id))
        {
            if let Some(record) = &dial.record {
                return Some(CallerMatch::of_record(record));
            }
        }
        if let Some(m) = self
            .card_of(sip_call_id)
            .and_then(|c| c.matches.first())
            .filter(|_| !call.outgoing)
        {
            return Some(m.clone());
        }
        let org = self.logging_org.as_deref()?;
        self.pin_of(org, &call.peer).cloned()
    }

    /// The number of a call the desk knows (live, or logged).
    fn number_of_call(&self, sip_call_id: &str) -> Option<String> {
        if let Some(log) = self.log_of(sip_call_id) {
            return Some(log.call.remote_number.clone());
        }
        [self.phone.call.as_ref(), self.phone.other.as_ref()]
            .into_iter()
            .flatten()
            .find(|c| c.call_id == sip_call_id)
            .map(|c| c.peer.clone())
    }

    /// "Always use this record for this number" turned on (the call's record, as it is now)
    /// or off, in the logging org.
    pub(super) fn pin(&mut self, call_id: &str, on: bool, plan: &mut Plan) -> Reply {
        let Some(org_id) = self.logging_org.clone() else {
            return Reply::Error("NOT_LOGGED_IN");
        };
        let Some(number) = self.number_of_call(call_id) else {
            return Reply::Error("UNKNOWN_CALL");
        };
        let key = pin_key(&number, self.region());
        self.pins
            .retain(|p| !(p.org_id == org_id && p.number == key));
        if on {
            let Some(record) = self.record_of_call(call_id) else {
                return Reply::Error("NO_RECORD");
            };
            self.pins.push(Pin {
                org_id,
                number: key,
                record,
            });
            let excess = self.pins.len().saturating_sub(PINS_KEPT);
            self.pins.drain(..excess);
        }
        plan.save_desk = true;
        plan.broadcast = true;
        Reply::Ack
    }
}
