//! What the panel is told about a call besides the phone's state: the incoming-call popup's
//! card (who is calling, as the org knows them) and what became of the call's Task.

use serde::{Deserialize, Serialize};

use super::record::KnownRecord;
use crate::outbox::Delivery;
use crate::salesforce::id::RecordId;
use crate::salesforce::lightning::record_url;
use crate::salesforce::lookup::Candidate;

/// The most records a popup card lists.
pub const CARD_MATCHES: usize = 3;

/// Where the popup's lookup stands. On the wire, one string: `LOOKING`, `FOUND`, `NOT_FOUND`,
/// or the code of why no lookup could run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", from = "String")]
pub enum CardStatus {
    Looking,
    Found,
    NotFound,
    /// Why no lookup could run (`NOT_LOGGED_IN`, `API_DISABLED_FOR_ORG`, a limit, …): the code
    /// the connection row names.
    Unavailable(String),
}

impl From<CardStatus> for String {
    fn from(status: CardStatus) -> String {
        match status {
            CardStatus::Looking => "LOOKING".into(),
            CardStatus::Found => "FOUND".into(),
            CardStatus::NotFound => "NOT_FOUND".into(),
            CardStatus::Unavailable(code) => code,
        }
    }
}

impl From<String> for CardStatus {
    fn from(code: String) -> CardStatus {
        match code.as_str() {
            "LOOKING" => CardStatus::Looking,
            "FOUND" => CardStatus::Found,
            "NOT_FOUND" => CardStatus::NotFound,
            _ => CardStatus::Unavailable(code),
        }
    }
}

/// What became of a call's Task, for the panel. On the wire: `LOGGED`, `WAITING`, or the code
/// of why it is not logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", from = "String")]
pub enum NoteStatus {
    Logged,
    /// To be sent (again) by the outbox.
    Waiting,
    /// Not logged, and why: the code the connection row names.
    NotLogged(String),
}

impl From<NoteStatus> for String {
    fn from(status: NoteStatus) -> String {
        match status {
            NoteStatus::Logged => "LOGGED".into(),
            NoteStatus::Waiting => "WAITING".into(),
            NoteStatus::NotLogged(code) => code,
        }
    }
}

impl From<String> for NoteStatus {
    fn from(code: String) -> NoteStatus {
        match code.as_str() {
            "LOGGED" => NoteStatus::Logged,
            "WAITING" => NoteStatus::Waiting,
            _ => NoteStatus::NotLogged(code),
        }
    }
}

/// The incoming-call popup: who is calling, as the org knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallerCard {
    /// The SIP Call-ID of the call it is about.
    pub call_id: String,
    pub status: CardStatus,
    /// Best first (the admin's object order); only records whose phone is the number.
    #[serde(default)]
    pub matches: Vec<CallerMatch>,
    /// The user said which record the caller is (it is the first).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub picked: bool,
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
    /// Its owner (the "record owner" assignee), when the lookup or search returned it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<RecordId>,
}

impl CallerMatch {
    /// A record known by id and name only (its link made by whoever shows it).
    pub fn of_record(record: &KnownRecord) -> CallerMatch {
        CallerMatch {
            object: record.object_name().to_string(),
            id: record.id.clone(),
            name: record.name.clone(),
            account_id: record.account_id.clone(),
            detail: None,
            url: String::new(),
            owner_id: record.owner_id.clone(),
        }
    }

    pub fn known(&self) -> KnownRecord {
        KnownRecord {
            object: self.object.clone(),
            id: self.id.clone(),
            name: self.name.clone(),
            account_id: self.account_id.clone(),
            owner_id: self.owner_id.clone(),
        }
    }
}

impl CallerCard {
    pub fn looking(call_id: &str) -> CallerCard {
        CallerCard {
            call_id: call_id.to_string(),
            status: CardStatus::Looking,
            matches: vec![],
            picked: false,
        }
    }

    /// The card of a number the user pinned to a record: found, without a lookup.
    pub fn pinned(call_id: &str, record: CallerMatch) -> CallerCard {
        CallerCard {
            call_id: call_id.to_string(),
            status: CardStatus::Found,
            matches: vec![record],
            picked: true,
        }
    }

    pub fn unavailable(call_id: &str, code: &str) -> CallerCard {
        CallerCard {
            call_id: call_id.to_string(),
            status: CardStatus::Unavailable(code.to_string()),
            matches: vec![],
            picked: false,
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
                owner_id: c.owner_id.clone(),
                url: record_url(ui_host, &c.object, &c.id),
            })
            .collect();
        CallerCard {
            call_id: call_id.to_string(),
            status: if matches.is_empty() {
                CardStatus::NotFound
            } else {
                CardStatus::Found
            },
            matches,
            picked: false,
        }
    }

    /// The user says the caller is record `id` of this card: it goes first, and the call's
    /// Task goes on it. `false` when the card has no such record.
    pub fn pick(&mut self, id: &RecordId) -> bool {
        let Some(at) = self.matches.iter().position(|m| &m.id == id) else {
            return false;
        };
        let chosen = self.matches.remove(at);
        self.matches.insert(0, chosen);
        self.picked = true;
        true
    }

    /// The lookup ran (found or not): logging must not spend another one on this call.
    pub fn looked_up(&self) -> bool {
        matches!(self.status, CardStatus::Found | CardStatus::NotFound)
    }

    /// The record the call is logged on: the best match.
    pub fn best(&self) -> Option<KnownRecord> {
        self.matches.first().map(CallerMatch::known)
    }
}

/// What the panel says about a finished call's Task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallLogNote {
    /// The SIP Call-ID of the call it is about.
    pub call_id: String,
    pub status: NoteStatus,
    /// While `WAITING`: what holds it up, when the org's connection says (an expired session
    /// waits for the user to log in again).
    #[serde(default)]
    pub reason: Option<String>,
    /// The Task in Lightning, once written.
    #[serde(default)]
    pub task_url: Option<String>,
    /// In its wrap-up time: created at this time (epoch ms), or at once on "Log now".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold_until_ms: Option<u64>,
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
                NoteStatus::Logged,
                RecordId::parse(task_id)
                    .ok()
                    .map(|id| record_url(ui_host, "Task", &id)),
            ),
            Delivery::Pending | Delivery::Sent { .. } | Delivery::AwaitingOrg => {
                (NoteStatus::Waiting, None)
            }
            Delivery::Failed { code } => (NoteStatus::NotLogged(code.clone()), None),
        };
        let reason = if *delivery == Delivery::AwaitingOrg {
            // No Salesforce page opened since the browser started: it goes once one is.
            Some("NOT_LOGGED_IN".to_string())
        } else {
            (status == NoteStatus::Waiting && org_state != "CONNECTED" && !org_state.is_empty())
                .then(|| org_state.to_string())
        };
        CallLogNote {
            call_id: sip_call_id.to_string(),
            status,
            reason,
            task_url,
            hold_until_ms: None,
        }
    }

    /// No log could even be queued (no org to log in).
    pub fn not_logged(sip_call_id: &str, code: &str) -> CallLogNote {
        CallLogNote {
            call_id: sip_call_id.to_string(),
            status: NoteStatus::NotLogged(code.to_string()),
            reason: None,
            task_url: None,
            hold_until_ms: None,
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
    /// The card of the call beside the one in front (waiting, or on hold).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_caller: Option<CallerCard>,
    #[serde(default)]
    pub log: Option<CallLogNote>,
    /// Where calls are logged, and whether it is this tab's org.
    #[serde(default)]
    pub logging: Option<LoggingNote>,
    /// A costly number clicked in this tab, waiting for the user's yes.
    #[serde(default)]
    pub confirm: Option<DialConfirm>,
    /// The wrap-up of the call in front (the logging org's tab only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrapup: Option<WrapUpView>,
    /// The logging org's last calls, newest first, for the panel to bring one back to its
    /// wrap-up (the logging org's tab only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recent: Vec<RecentCall>,
}

/// One of the last calls, as the panel lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecentCall {
    pub call_id: String,
    pub outgoing: bool,
    /// As the call had it (E.164 when the phone could place it): the panel writes it as people do.
    pub number: String,
    /// The record the Task is on, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub started_ms: u64,
    pub answered: bool,
    pub status: NoteStatus,
    /// The call the panel shows now.
    #[serde(default)]
    pub shown: bool,
}

/// What the panel's wrap-up of a call shows: memo chips, the subject, the record and its pin.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WrapUpView {
    pub call_id: String,
    /// The memo picklist's values (none: no memo field mapped, or not writable).
    #[serde(default)]
    pub memo_options: Vec<String>,
    #[serde(default)]
    pub memo: Vec<String>,
    /// The user's subject ("" until they write one), and the template's.
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub subject_auto: String,
    /// The subject can be written (`Subject` createable).
    #[serde(default)]
    pub subject_editable: bool,
    #[serde(default)]
    pub record: Option<CallerMatch>,
    /// "Always use this record for this number" is on.
    #[serde(default)]
    pub pinned: bool,
    /// Objects a caller not in the org can be made (`Lead`, `Contact`).
    #[serde(default)]
    pub can_create: Vec<String>,
    /// The records can be searched (the org's API is there).
    #[serde(default)]
    pub can_search: bool,
    /// The notes as the desk has them (a reloaded tab shows them again).
    #[serde(default)]
    pub notes: String,
}

/// "This is a premium-rate number: call it anyway?"
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DialConfirm {
    pub dial_id: String,
    /// As people write it.
    pub number: String,
    pub costly: crate::number::Costly,
}

/// The logging org as a panel says it: "Logging to acme (00D…)", or, on another org's page,
/// that calls are logged elsewhere (and so no card shows here).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoggingNote {
    pub org_id: String,
    /// The org's My Domain name (`acme` of `acme.lightning.force.com`), or its id.
    pub name: String,
    pub this_org: bool,
}

impl LoggingNote {
    pub fn new(org_id: &str, ui_host: &str, this_org: bool) -> LoggingNote {
        let name = ui_host
            .split('.')
            .next()
            .filter(|n| !n.is_empty())
            .unwrap_or(org_id);
        LoggingNote {
            org_id: org_id.to_string(),
            name: name.to_string(),
            this_org,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            owner_id: None,
        }
    }

    #[test]
    fn statuses_keep_their_wire_form() {
        for (status, wire) in [
            (CardStatus::Looking, "\"LOOKING\""),
            (CardStatus::NotFound, "\"NOT_FOUND\""),
            (
                CardStatus::Unavailable("NOT_LOGGED_IN".into()),
                "\"NOT_LOGGED_IN\"",
            ),
        ] {
            assert_eq!(serde_json::to_string(&status).unwrap(), wire);
            assert_eq!(serde_json::from_str::<CardStatus>(wire).unwrap(), status);
        }
        let waiting: NoteStatus = serde_json::from_str("\"WAITING\"").unwrap();
        assert_eq!(waiting, NoteStatus::Waiting);
    }

    #[test]
    fn the_card_lists_exact_matches_best_first_with_their_lightning_links() {
        let ranked = [
            candidate("Contact", "0035g00000Yam4dAAB", "山田 太郎", true),
            candidate("Lead", "00Q5g00000LeadA", "Sato", false),
            candidate("Lead", "00Q5g00000LeadB", "Suzuki", true),
        ];
        let card = CallerCard::from_candidates("c1", &ranked, "acme.lightning.force.com");
        assert_eq!(card.status, CardStatus::Found);
        let names: Vec<_> = card.matches.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["山田 太郎", "Suzuki"]);
        assert_eq!(
            card.matches[0].url,
            "https://acme.lightning.force.com/lightning/r/Contact/0035g00000Yam4dAAB/view"
        );
        assert_eq!(card.matches[0].detail.as_deref(), Some("Acme 株式会社"));
        assert_eq!(card.matches[1].detail.as_deref(), Some("<b>Bold</b> & Co"));
        let mut picked = card.clone();
        assert!(picked.pick(&RecordId::parse("00Q5g00000LeadB").unwrap()));
        assert_eq!(picked.best().unwrap().name, "Suzuki");
        assert_eq!(picked.matches[1].name, "山田 太郎");
        assert!(
            !picked.pick(&RecordId::parse("00Q5g00000LeadA").unwrap()),
            "not on the card"
        );
        let many: Vec<_> = (0..5)
            .map(|i| candidate("Contact", &format!("0035g00000Yam4{i}"), "x", true))
            .collect();
        assert_eq!(
            CallerCard::from_candidates("c1", &many, "h").matches.len(),
            CARD_MATCHES
        );
    }

    #[test]
    fn the_log_note_links_the_written_task_or_says_why_not() {
        let done = Delivery::Done {
            task_id: "00T5g00000AbCdE".into(),
        };
        let note = CallLogNote::of("c1", &done, "acme.lightning.force.com", "CONNECTED");
        assert_eq!(note.status, NoteStatus::Logged);
        assert_eq!(
            note.task_url.as_deref(),
            Some("https://acme.lightning.force.com/lightning/r/Task/00T5g00000AbCdEEAV/view")
        );
        let waiting = CallLogNote::of("c1", &Delivery::Pending, "h", "INVALID_SESSION_ID");
        assert_eq!(waiting.status, NoteStatus::Waiting);
        assert_eq!(waiting.reason.as_deref(), Some("INVALID_SESSION_ID"));
        assert_eq!(
            CallLogNote::of(
                "c1",
                &Delivery::Sent { lease_until_ms: 0 },
                "h",
                "CONNECTED"
            )
            .reason,
            None
        );
        let failed = Delivery::Failed {
            code: "INVALID_SESSION_ID".into(),
        };
        let note = CallLogNote::of("c1", &failed, "h", "INVALID_SESSION_ID");
        assert_eq!(
            (note.status, note.task_url),
            (NoteStatus::NotLogged("INVALID_SESSION_ID".into()), None)
        );
    }
}
