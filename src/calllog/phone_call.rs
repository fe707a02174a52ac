//! From the phone's finished call to the call record the outbox logs: which calls become a
//! Task, and what the record carries (the record the user dialled from, the number in E.164).

use serde::{Deserialize, Serialize};

use super::record::{CallRecord, Direction, KnownRecord};
use crate::call::{CallEnd, CallPhase, CallView};
use crate::phone::PhoneNumber;

/// A click-to-call the worker remembers until the phone places it: the number and the record
/// on the page it came from, and that page's org.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DialContext {
    /// What the phone was asked to dial (the number engine's dial form).
    pub dialled: String,
    #[serde(default)]
    pub record: Option<KnownRecord>,
    #[serde(default)]
    pub org_id: Option<String>,
    pub at_ms: u64,
}

/// A dial context older than this when the call starts belongs to another call.
const CONTEXT_MAX_AGE_MS: u64 = 60_000;

impl DialContext {
    /// Whether `call` is the one this click asked for: outgoing, to the same digits, placed soon
    /// after the click.
    pub fn matches(&self, call: &CallView) -> bool {
        let digits = |s: &str| -> String { s.chars().filter(|c| c.is_ascii_digit()).collect() };
        call.outgoing
            && !digits(&call.peer).is_empty()
            && digits(&call.peer) == digits(&self.dialled)
            && call.started_at_ms + 1_000 >= self.at_ms
            && call.started_at_ms <= self.at_ms + CONTEXT_MAX_AGE_MS
    }
}

/// The call record for a finished call, or `None` when the call is not one to log: still
/// going, never sent (no SIP Call-ID: hung up while the microphone opened, no microphone), or
/// an outgoing attempt that reached nobody (a wrong number, a server error).
///
/// Logged: every answered call; every incoming call (a missed customer is worth a Task);
/// outgoing calls that rang or were refused by the person called (cancelled while ringing,
/// busy, declined, no answer), because sales teams count attempts.
pub fn record_of(
    call: &CallView,
    context: Option<&DialContext>,
    home_region: &str,
) -> Option<CallRecord> {
    if call.phase != CallPhase::Ended || call.call_id.is_empty() {
        return None;
    }
    let answered = call.answered_at_ms.is_some();
    let attempt_reached_someone = matches!(
        call.end,
        Some(CallEnd::Cancelled | CallEnd::Busy | CallEnd::Declined | CallEnd::NoAnswer)
    );
    if call.outgoing && !answered && !attempt_reached_someone {
        return None;
    }
    let context = context.filter(|c| c.matches(call));
    let remote_number = PhoneNumber::parse(&call.peer, home_region)
        .map(|n| n.e164())
        .unwrap_or_else(|_| call.peer.clone());
    let ms = |t: u64| t as i64;
    Some(CallRecord {
        call_id: call.call_id.clone(),
        direction: if call.outgoing {
            Direction::Outbound
        } else {
            Direction::Inbound
        },
        remote_number,
        dial_started_ms: ms(call.started_at_ms),
        answered_ms: call.answered_at_ms.map(ms),
        ended_ms: Some(ms(call.ended_at_ms.unwrap_or(call.started_at_ms))),
        record: context.and_then(|c| c.record.clone()),
        lookup_done: false,
        local_extension: None,
        memo_tags: vec![],
        comments: String::new(),
        transcript: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::salesforce::id::RecordId;

    fn ended(outgoing: bool, answered: bool, end: CallEnd) -> CallView {
        CallView {
            id: 4,
            call_id: "a84b4c76e66710@pc33.example".into(),
            outgoing,
            peer: "0312345678".into(),
            peer_name: None,
            phase: CallPhase::Ended,
            started_at_ms: 1_700_000_000_000,
            answered_at_ms: answered.then_some(1_700_000_005_000),
            muted: false,
            held: false,
            end: Some(end),
            ended_at_ms: Some(1_700_000_185_000),
        }
    }

    fn context(dialled: &str, at_ms: u64) -> DialContext {
        DialContext {
            dialled: dialled.into(),
            record: Some(KnownRecord {
                object: "Contact".into(),
                id: RecordId::parse("0035g00000Yam4dAAB").unwrap(),
                name: "山田 太郎".into(),
                account_id: None,
            }),
            org_id: Some("00D5g000004XYZAEA4".into()),
            at_ms,
        }
    }

    #[test]
    fn an_answered_outgoing_call_carries_the_record_it_was_dialled_from() {
        let call = ended(true, true, CallEnd::RemoteHungUp);
        let ctx = context("03-1234-5678", call.started_at_ms - 200);
        let record = record_of(&call, Some(&ctx), "JP").unwrap();
        assert_eq!(record.call_id, "a84b4c76e66710@pc33.example");
        assert_eq!(record.direction, Direction::Outbound);
        assert_eq!(record.remote_number, "+81312345678");
        assert_eq!(record.duration_seconds(), 180);
        assert_eq!(record.record.unwrap().name, "山田 太郎");
    }

    #[test]
    fn a_context_for_another_number_or_an_old_click_is_not_used() {
        let call = ended(true, true, CallEnd::HungUp);
        let other = context("0398765432", call.started_at_ms);
        assert!(record_of(&call, Some(&other), "JP")
            .unwrap()
            .record
            .is_none());
        let stale = context("0312345678", call.started_at_ms - 61_000);
        assert!(record_of(&call, Some(&stale), "JP")
            .unwrap()
            .record
            .is_none());
        let incoming = ended(false, true, CallEnd::HungUp);
        let ctx = context("0312345678", incoming.started_at_ms);
        assert!(record_of(&incoming, Some(&ctx), "JP")
            .unwrap()
            .record
            .is_none());
    }

    #[test]
    fn attempts_that_reached_someone_are_logged_and_others_are_not() {
        for end in [
            CallEnd::Cancelled,
            CallEnd::Busy,
            CallEnd::Declined,
            CallEnd::NoAnswer,
        ] {
            let record = record_of(&ended(true, false, end), None, "JP").unwrap();
            assert_eq!(record.answered_ms, None, "{end:?}");
            assert_eq!(record.duration_seconds(), 0);
        }
        for end in [
            CallEnd::NotFound,
            CallEnd::Failed,
            CallEnd::Unavailable,
            CallEnd::NoMicrophone,
            CallEnd::ConnectionLost,
        ] {
            assert!(
                record_of(&ended(true, false, end), None, "JP").is_none(),
                "{end:?}"
            );
        }
    }

    #[test]
    fn every_incoming_call_is_logged_missed_ones_too() {
        let missed = record_of(&ended(false, false, CallEnd::Missed), None, "JP").unwrap();
        assert_eq!(missed.direction, Direction::Inbound);
        assert_eq!(missed.answered_ms, None);
    }

    #[test]
    fn calls_not_over_or_never_sent_are_not_logged() {
        let mut live = ended(true, true, CallEnd::HungUp);
        live.phase = CallPhase::Connected;
        assert!(record_of(&live, None, "JP").is_none());
        let mut unsent = ended(true, false, CallEnd::Cancelled);
        unsent.call_id.clear();
        assert!(record_of(&unsent, None, "JP").is_none());
    }

    #[test]
    fn a_caller_id_that_is_not_a_number_is_kept_as_received() {
        let mut call = ended(false, true, CallEnd::HungUp);
        call.peer = "alice".into();
        assert_eq!(record_of(&call, None, "JP").unwrap().remote_number, "alice");
    }
}
