//! From the phone's finished call to the record the outbox logs: which calls become a Task, and
//! what it carries (the record dialled from or popped, the number in E.164, the Call-ID).

use serde::{Deserialize, Serialize};

use super::notes::CallerCard;
use super::record::{CallRecord, Direction, KnownRecord};
use crate::call::{CallEnd, CallPhase, CallView};
use crate::number::PhoneNumber;

/// A click-to-call the call desk remembers until the phone places it: the number and the
/// record on the page it came from, that page's org, and the dial's own id, which the phone
/// echoes in the call's reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DialContext {
    /// What the phone was asked to dial (the number engine's dial form).
    pub dialled: String,
    #[serde(default)]
    pub record: Option<KnownRecord>,
    #[serde(default)]
    pub org_id: Option<String>,
    #[serde(default)]
    pub dial_id: Option<String>,
    pub at_ms: u64,
}

impl DialContext {
    /// Whether `call` is the one this click asked for: the phone placed it for this dial id.
    /// (Not "same digits, soon after": two clicks on one number, or a number typed in the
    /// panel after a click, would be joined to the wrong record.)
    pub fn matches(&self, call: &CallView) -> bool {
        call.outgoing && self.dial_id.is_some() && call.dial_id == self.dial_id
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
    caller: Option<&CallerCard>,
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
    // The popup's lookup, when it ran for this call: its record, and no second lookup.
    let caller = caller.filter(|c| !call.outgoing && c.call_id == call.call_id && c.looked_up());
    let record = match (context, caller) {
        (Some(c), _) => c.record.clone(),
        (None, Some(card)) => card.best(),
        (None, None) => None,
    };
    let remote_number = PhoneNumber::parse(&call.peer, home_region)
        .map(|n| n.e164())
        .unwrap_or_else(|_| call.peer.clone());
    let ms = |t: u64| t as i64;
    Some(CallRecord {
        call_id: log_id(&call.call_id),
        direction: if call.outgoing {
            Direction::Outbound
        } else {
            Direction::Inbound
        },
        remote_number,
        dial_started_ms: ms(call.started_at_ms),
        answered_ms: call.answered_at_ms.map(ms),
        ended_ms: Some(ms(call.ended_at_ms.unwrap_or(call.started_at_ms))),
        lookup_done: caller.is_some() && record.is_none(),
        record,
        local_extension: None,
        memo_tags: vec![],
        comments: String::new(),
        transcript: None,
        transferred_to: call
            .transfer
            .as_ref()
            .filter(|_| call.end == Some(CallEnd::Transferred))
            .map(|t| {
                PhoneNumber::parse(&t.target, home_region)
                    .map(|n| n.e164())
                    .unwrap_or_else(|_| t.target.clone())
            }),
        subject: None,
    })
}

/// Whether `record` is the log of the phone call with this SIP Call-ID.
pub fn logs_call(record: &CallRecord, sip_call_id: &str) -> bool {
    record.call_id == log_id(sip_call_id)
}

/// The id the Task is written and verified under: the SIP Call-ID, which is what the PBX's own
/// records carry; one that `CallObject` (255 characters, printable) cannot hold whole becomes
/// its SHA-256, so verifying the write still finds exactly this call.
fn log_id(sip_call_id: &str) -> String {
    if crate::protocol::valid_call_id(sip_call_id) {
        return sip_call_id.to_string();
    }
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(sip_call_id.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256-{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calllog::notes::CallerMatch;
    use crate::salesforce::id::RecordId;

    fn ended(outgoing: bool, answered: bool, end: CallEnd) -> CallView {
        CallView {
            id: 4,
            call_id: "a84b4c76e66710@pc33.example".into(),
            dial_id: outgoing.then(|| "dial-1".into()),
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
            extension: None,
            transfer: None,
            recording: false,
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
                owner_id: None,
            }),
            org_id: Some("00D5g000004XYZAEA4".into()),
            dial_id: Some("dial-1".into()),
            at_ms,
        }
    }

    #[test]
    fn an_answered_outgoing_call_carries_the_record_it_was_dialled_from() {
        let call = ended(true, true, CallEnd::RemoteHungUp);
        let ctx = context("03-1234-5678", call.started_at_ms - 200);
        let record = record_of(&call, Some(&ctx), None, "JP").unwrap();
        assert_eq!(record.call_id, "a84b4c76e66710@pc33.example");
        assert_eq!(record.direction, Direction::Outbound);
        assert_eq!(record.remote_number, "+81312345678");
        assert_eq!(record.duration_seconds(), 180);
        assert_eq!(record.record.unwrap().name, "山田 太郎");
    }

    #[test]
    fn a_context_of_another_dial_is_not_used_even_for_the_same_number() {
        let call = ended(true, true, CallEnd::HungUp);
        let mut other = context("0312345678", call.started_at_ms);
        other.dial_id = Some("dial-2".into());
        assert!(record_of(&call, Some(&other), None, "JP")
            .unwrap()
            .record
            .is_none());
        let mut typed = call.clone();
        typed.dial_id = None;
        let ctx = context("0312345678", call.started_at_ms);
        assert!(record_of(&typed, Some(&ctx), None, "JP")
            .unwrap()
            .record
            .is_none());
        let incoming = ended(false, true, CallEnd::HungUp);
        let ctx = context("0312345678", incoming.started_at_ms);
        assert!(record_of(&incoming, Some(&ctx), None, "JP")
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
            let record = record_of(&ended(true, false, end), None, None, "JP").unwrap();
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
                record_of(&ended(true, false, end), None, None, "JP").is_none(),
                "{end:?}"
            );
        }
    }

    #[test]
    fn every_incoming_call_is_logged_missed_ones_too() {
        let missed = record_of(&ended(false, false, CallEnd::Missed), None, None, "JP").unwrap();
        assert_eq!(missed.direction, Direction::Inbound);
        assert_eq!(missed.answered_ms, None);
    }

    #[test]
    fn calls_not_over_or_never_sent_are_not_logged() {
        let mut live = ended(true, true, CallEnd::HungUp);
        live.phase = CallPhase::Connected;
        assert!(record_of(&live, None, None, "JP").is_none());
        let mut unsent = ended(true, false, CallEnd::Cancelled);
        unsent.call_id.clear();
        assert!(record_of(&unsent, None, None, "JP").is_none());
    }

    #[test]
    fn a_caller_id_that_is_not_a_number_is_kept_as_received() {
        let mut call = ended(false, true, CallEnd::HungUp);
        call.peer = "alice".into();
        assert_eq!(
            record_of(&call, None, None, "JP").unwrap().remote_number,
            "alice"
        );
    }

    #[test]
    fn an_incoming_call_is_logged_on_the_popped_record_without_a_second_lookup() {
        let call = ended(false, true, CallEnd::HungUp);
        let found = CallerCard {
            call_id: call.call_id.clone(),
            status: crate::calllog::CardStatus::Found,
            matches: vec![CallerMatch {
                object: "Contact".into(),
                id: RecordId::parse("0035g00000Yam4dAAB").unwrap(),
                name: "山田 太郎".into(),
                account_id: None,
                detail: None,
                url: "https://h/lightning/r/Contact/0035g00000Yam4dAAB/view".into(),
                owner_id: None,
            }],
            picked: false,
        };
        let record = record_of(&call, None, Some(&found), "JP").unwrap();
        assert_eq!(record.record.unwrap().name, "山田 太郎");
        assert!(!record.lookup_done);

        let nobody = CallerCard::from_candidates(&call.call_id, &[], "h");
        assert_eq!(nobody.status, crate::calllog::CardStatus::NotFound);
        let record = record_of(&call, None, Some(&nobody), "JP").unwrap();
        assert!(record.record.is_none());
        assert!(
            record.lookup_done,
            "the popup looked already: logging does not look again"
        );

        // A lookup that could not run, or a card of another call, changes nothing.
        for card in [
            CallerCard::unavailable(&call.call_id, "REQUEST_LIMIT_EXCEEDED"),
            CallerCard::looking(&call.call_id),
            CallerCard::from_candidates("another-call", &[], "h"),
        ] {
            let record = record_of(&call, None, Some(&card), "JP").unwrap();
            assert!(record.record.is_none() && !record.lookup_done, "{card:?}");
        }
    }

    #[test]
    fn a_call_id_the_task_cannot_hold_is_logged_under_its_digest() {
        let mut call = ended(false, true, CallEnd::HungUp);
        call.call_id = format!("{}@pbx.example", "x".repeat(300));
        let id = record_of(&call, None, None, "JP").unwrap().call_id;
        assert!(id.starts_with("sha256-") && id.len() == 71, "{id}");
        assert!(crate::protocol::valid_call_id(&id));
        assert_eq!(
            record_of(&call, None, None, "JP").unwrap().call_id,
            id,
            "stable"
        );
        call.call_id = "with space@pbx".into();
        assert!(record_of(&call, None, None, "JP")
            .unwrap()
            .call_id
            .starts_with("sha256-"));
    }
}
