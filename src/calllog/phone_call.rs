//! From the phone's calls to what Salesforce sees of them: the incoming-call popup's card (who
//! is calling, as the org knows them), and for a finished call the record the outbox logs:
//! which calls become a Task, and what it carries (the record dialled from or popped, the
//! number in E.164).

use serde::{Deserialize, Serialize};

use super::record::{CallRecord, Direction, KnownRecord};
use crate::call::{CallEnd, CallPhase, CallView};
use crate::outbox::Delivery;
use crate::phone::PhoneNumber;
use crate::salesforce::id::RecordId;
use crate::salesforce::lookup::Candidate;

/// The most records a popup card lists.
pub const CARD_MATCHES: usize = 3;

/// The incoming-call popup: who is calling, as the org knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallerCard {
    /// The SIP Call-ID of the call it is about.
    pub call_id: String,
    /// `LOOKING`, `FOUND`, `NOT_FOUND`, or the code of why no lookup could run
    /// (`NOT_LOGGED_IN`, `API_DISABLED`, `REQUEST_LIMIT_EXCEEDED`, …), which the panel names.
    pub status: String,
    /// Best first (the admin's object order); only records whose phone is the number.
    #[serde(default)]
    pub matches: Vec<CallerMatch>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallerMatch {
    pub object: String,
    pub id: RecordId,
    pub name: String,
    /// A Contact's account, for the Task's WhatId.
    #[serde(default)]
    pub account_id: Option<RecordId>,
    /// What tells people apart: a Contact's account name, a Lead's company.
    #[serde(default)]
    pub detail: Option<String>,
    /// The record in Lightning.
    pub url: String,
}

impl CallerCard {
    pub fn looking(call_id: &str) -> CallerCard {
        CallerCard::unavailable(call_id, "LOOKING")
    }

    pub fn unavailable(call_id: &str, code: &str) -> CallerCard {
        CallerCard {
            call_id: call_id.to_string(),
            status: code.to_string(),
            matches: vec![],
        }
    }

    /// The card for a lookup's ranked candidates. A token match without the number in a
    /// phone field is not the caller.
    pub fn from_candidates(call_id: &str, ranked: &[Candidate], ui_host: &str) -> CallerCard {
        let matches: Vec<CallerMatch> = ranked
            .iter()
            .filter(|c| c.exact)
            .take(CARD_MATCHES)
            .map(|c| CallerMatch {
                object: c.object.clone(),
                id: c.id.clone(),
                name: c.name.clone(),
                account_id: c.account_id.clone(),
                detail: c.account_name.clone().or_else(|| c.company.clone()),
                url: format!(
                    "https://{ui_host}/lightning/r/{}/{}/view",
                    c.object,
                    c.id.as_str()
                ),
            })
            .collect();
        CallerCard {
            call_id: call_id.to_string(),
            status: if matches.is_empty() {
                "NOT_FOUND"
            } else {
                "FOUND"
            }
            .into(),
            matches,
        }
    }

    /// The lookup ran (found or not): logging must not spend another one on this call.
    pub fn looked_up(&self) -> bool {
        self.status == "FOUND" || self.status == "NOT_FOUND"
    }

    /// The record the call is logged on: the best match.
    pub fn best(&self) -> Option<KnownRecord> {
        self.matches.first().map(|m| KnownRecord {
            object: m.object.clone(),
            id: m.id.clone(),
            name: m.name.clone(),
            account_id: m.account_id.clone(),
        })
    }
}

/// What the panel says about a finished call's Task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallLogNote {
    /// The SIP Call-ID of the call it is about.
    pub call_id: String,
    /// `LOGGED`, `WAITING` (to be retried by the outbox), or why it is not logged: the code the
    /// connection row names (`INVALID_SESSION_ID`, `REQUEST_LIMIT_EXCEEDED`, …).
    pub status: String,
    /// While `WAITING`: what holds it up, when the org's connection says (an expired session
    /// waits for the user to log in again).
    #[serde(default)]
    pub reason: Option<String>,
    /// The Task in Lightning, once written.
    #[serde(default)]
    pub task_url: Option<String>,
}

impl CallLogNote {
    /// `org_state` is the org's connection state (`CONNECTED` or an error code).
    pub fn of(
        sip_call_id: &str,
        delivery: &Delivery,
        ui_host: &str,
        org_state: &str,
    ) -> CallLogNote {
        let (status, task_url) = match delivery {
            Delivery::Done { task_id } => (
                "LOGGED".to_string(),
                RecordId::parse(task_id)
                    .ok()
                    .map(|id| format!("https://{ui_host}/lightning/r/Task/{}/view", id.as_str())),
            ),
            Delivery::Pending | Delivery::Sent => ("WAITING".to_string(), None),
            Delivery::Failed { code } => (code.clone(), None),
        };
        let reason = (status == "WAITING" && org_state != "CONNECTED" && !org_state.is_empty())
            .then(|| org_state.to_string());
        CallLogNote {
            call_id: sip_call_id.to_string(),
            status,
            reason,
            task_url,
        }
    }

    /// No log could even be queued (no org to log in).
    pub fn not_logged(sip_call_id: &str, code: &str) -> CallLogNote {
        CallLogNote {
            call_id: sip_call_id.to_string(),
            status: code.to_string(),
            reason: None,
            task_url: None,
        }
    }
}

/// What the worker adds to the phone's state for the panel: who is calling (the popup), and
/// what became of the call's Task.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallNotes {
    #[serde(default)]
    pub caller: Option<CallerCard>,
    #[serde(default)]
    pub log: Option<CallLogNote>,
}

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
        let record = record_of(&call, Some(&ctx), None, "JP").unwrap();
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
        assert!(record_of(&call, Some(&other), None, "JP")
            .unwrap()
            .record
            .is_none());
        let stale = context("0312345678", call.started_at_ms - 61_000);
        assert!(record_of(&call, Some(&stale), None, "JP")
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

    fn candidate(object: &str, id: &str, name: &str, exact: bool) -> Candidate {
        Candidate {
            object: object.into(),
            id: RecordId::parse(id).unwrap(),
            name: name.into(),
            phones: vec!["Phone".into()],
            account_id: None,
            account_name: (object == "Contact").then(|| "Acme 株式会社".into()),
            company: (object == "Lead").then(|| "<b>Bold</b> & Co".into()),
            last_modified: String::new(),
            exact,
        }
    }

    #[test]
    fn the_card_lists_exact_matches_best_first_with_their_lightning_links() {
        let ranked = [
            candidate("Contact", "0035g00000Yam4dAAB", "山田 太郎", true),
            candidate("Lead", "00Q5g00000LeadA", "Sato", false),
            candidate("Lead", "00Q5g00000LeadB", "Suzuki", true),
        ];
        let card = CallerCard::from_candidates("c1", &ranked, "acme.lightning.force.com");
        assert_eq!(card.status, "FOUND");
        let names: Vec<_> = card.matches.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["山田 太郎", "Suzuki"]);
        assert_eq!(
            card.matches[0].url,
            "https://acme.lightning.force.com/lightning/r/Contact/0035g00000Yam4dAAB/view"
        );
        assert_eq!(card.matches[0].detail.as_deref(), Some("Acme 株式会社"));
        assert_eq!(card.matches[1].detail.as_deref(), Some("<b>Bold</b> & Co"));
        let many: Vec<_> = (0..5)
            .map(|i| candidate("Contact", &format!("0035g00000Yam4{i}"), "x", true))
            .collect();
        assert_eq!(
            CallerCard::from_candidates("c1", &many, "h").matches.len(),
            CARD_MATCHES
        );
    }

    #[test]
    fn an_incoming_call_is_logged_on_the_popped_record_without_a_second_lookup() {
        let call = ended(false, true, CallEnd::HungUp);
        let found = CallerCard::from_candidates(
            &call.call_id,
            &[candidate(
                "Contact",
                "0035g00000Yam4dAAB",
                "山田 太郎",
                true,
            )],
            "h",
        );
        let record = record_of(&call, None, Some(&found), "JP").unwrap();
        assert_eq!(record.record.unwrap().name, "山田 太郎");
        assert!(!record.lookup_done);

        let nobody = CallerCard::from_candidates(&call.call_id, &[], "h");
        assert_eq!(nobody.status, "NOT_FOUND");
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

    #[test]
    fn the_log_note_links_the_written_task_or_says_why_not() {
        let done = Delivery::Done {
            task_id: "00T5g00000AbCdE".into(),
        };
        let note = CallLogNote::of("c1", &done, "acme.lightning.force.com", "CONNECTED");
        assert_eq!(note.status, "LOGGED");
        assert_eq!(
            note.task_url.as_deref(),
            Some("https://acme.lightning.force.com/lightning/r/Task/00T5g00000AbCdEEAV/view")
        );
        let waiting = CallLogNote::of("c1", &Delivery::Pending, "h", "INVALID_SESSION_ID");
        assert_eq!(waiting.status, "WAITING");
        assert_eq!(waiting.reason.as_deref(), Some("INVALID_SESSION_ID"));
        assert_eq!(
            CallLogNote::of("c1", &Delivery::Sent, "h", "CONNECTED").reason,
            None
        );
        let failed = Delivery::Failed {
            code: "INVALID_SESSION_ID".into(),
        };
        let note = CallLogNote::of("c1", &failed, "h", "INVALID_SESSION_ID");
        assert_eq!(
            (note.status.as_str(), note.task_url),
            ("INVALID_SESSION_ID", None)
        );
    }
}
