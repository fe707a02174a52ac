//! The call desk: the one owner of every call's life, from the phone's first report (or the
//! user's click) to the call's one Task and its later memo and transcript.
//!
//! Pure and sans-I/O. The worker feeds it [`Input`]s with the clock's reading, one at a time
//! (one serial runner: the desk has exactly one writer), and carries out the [`Effect`]s it
//! returns, in order: every persist comes before any request, so nothing a request depends on
//! is ever only in memory. Its state is one versioned snapshot ([`Desk`], key `desk`) plus one
//! key per call log ([`Log`], `log:<id>`): a stopped worker resumes from storage alone.
//!
//! Proven by the seeded simulator in [`sim`]: thousands of call lifecycles with a faulty
//! Salesforce, a worker killed at random points, duplicated and reordered reports.

pub mod log;
pub mod notice;
pub mod pop;
mod recent;
#[cfg(not(target_arch = "wasm32"))]
pub mod sim;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
pub mod wrapup;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use self::notice::{Notice, NoticeAction};
use self::pop::PopMoment;
use crate::call::{CallEnd, CallPhase, CallView, PhoneCommand, PhoneState};
use crate::calllog::{
    logs_call, record_of, CallRecord, CallerCard, DialContext, DroppedField, KnownRecord,
};
use crate::number::{Costly, PhoneNumber, DEFAULT_REGION};
use crate::outbox::{Delivery, Outcome, Step};
use crate::salesforce::id::RecordId;

pub use log::{Change, Log, LOG_KEY_PREFIX};
pub use wrapup::{Edit, Pending, Pin};

/// The snapshot's shape; a snapshot of another version is set aside, never misread.
pub const SNAPSHOT_VERSION: u32 = 1;
/// Storage key of the desk's snapshot.
pub const DESK_KEY: &str = "desk";
/// A browser rarely has more Lightning tabs open; the oldest are forgotten first.
const TABS_KEPT: usize = 50;
/// Cards of the last calls that rang (the live one, and a few just ended).
const CARDS_KEPT: usize = 5;
/// Orgs whose user is remembered.
const ORGS_KEPT: usize = 10;
/// A click whose call never came is forgotten after this long.
const DIAL_MAX_AGE_MS: u64 = 10 * 60_000;
const DIALS_KEPT: usize = 5;
const DIALLED_KEPT: usize = 50;
/// Written logs kept for the options page's history.
const DONE_KEPT: usize = 200;
/// A failed log is shown for this long (the options page lists it, with Retry), then pruned.
const FAILED_KEPT_MS: u64 = 30 * 24 * 3_600_000;

/// Calls not to be logged that the desk remembers (far more than reports are re-sent for).
const UNLOGGED_KEPT: usize = 50;
/// Dials one tab may make in `DIAL_RATE_WINDOW_MS`: a person clicks a few numbers a minute; a
/// script that got a click through would dial on and on.
pub const DIALS_PER_WINDOW: usize = 5;
pub const DIAL_RATE_WINDOW_MS: u64 = 60_000;
/// A costly number's confirmation waits this long for the user.
pub const CONFIRM_MAX_AGE_MS: u64 = 60_000;

/// How clicked numbers are read and which ask for the user's yes in the panel before they are
/// dialled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DialRules {
    /// Premium-rate and international-network numbers (on unless the user turns it off).
    pub confirm_costly: bool,
    /// Numbers of another country than the user's.
    pub confirm_abroad: bool,
    /// The country national numbers belong to (`JP`); none: [`DEFAULT_REGION`] (a first run
    /// sets it from the browser's language).
    #[serde(default)]
    pub region: Option<String>,
}

impl Default for DialRules {
    fn default() -> Self {
        DialRules {
            confirm_costly: true,
            confirm_abroad: false,
            region: None,
        }
    }
}

impl DialRules {
    /// The user's region, as the number engine names it.
    pub fn region(&self) -> &'static str {
        self.region
            .as_deref()
            .and_then(crate::number::plan::canonical_region)
            .unwrap_or(DEFAULT_REGION)
    }

    /// Why `number` (a dial form) must be confirmed, if it must.
    pub fn asks(&self, number: &str) -> Option<Costly> {
        let region = self.region();
        let parsed = PhoneNumber::parse(number, region).ok()?;
        match parsed.costly() {
            Some(costly) if self.confirm_costly => Some(costly),
            _ => {
                let home = crate::number::country_code_of(region);
                (self.confirm_abroad && Some(parsed.country_code) != home).then_some(Costly::Abroad)
            }
        }
    }
}

/// When a call's Task is created: when the call ends, or after a wrap-up time in which the
/// user's memo, notes, subject and record ride in the one create (the panel counts down, with
/// "Log now").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogPolicy {
    pub after_wrap_up: bool,
    pub wrap_up_secs: u32,
}

/// The wrap-up time's bounds: long enough to tag a call, short enough that a Task is never
/// far behind.
pub const WRAP_UP_SECS: std::ops::RangeInclusive<u32> = 10..=600;

impl Default for LogPolicy {
    fn default() -> Self {
        LogPolicy {
            after_wrap_up: false,
            wrap_up_secs: 60,
        }
    }
}

impl LogPolicy {
    /// How long a new log waits.
    pub fn hold_ms(&self) -> u64 {
        if self.after_wrap_up {
            u64::from(
                self.wrap_up_secs
                    .clamp(*WRAP_UP_SECS.start(), *WRAP_UP_SECS.end()),
            ) * 1000
        } else {
            0
        }
    }
}

/// A dial that waits for the user's yes in the panel (a premium-rate or network number).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Confirming {
    pub dial: Dial,
    pub costly: Costly,
    /// The tab it was clicked in: its panel asks.
    #[serde(default)]
    pub tab: Option<i32>,
}

/// A dial a tab made, for the rate limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecentDial {
    pub tab: i32,
    pub at_ms: u64,
}

/// An org with a working session, as a Salesforce page showed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrgSession {
    pub org_id: String,
    #[serde(default)]
    pub user_id: Option<String>,
}

/// A click-to-call on its way to the phone: its own id travels with the dial and comes back
/// in the call's reports, so the call is joined to its record by id, not by guesswork.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dial {
    pub dial_id: String,
    pub number: String,
    #[serde(default)]
    pub record: Option<KnownRecord>,
    #[serde(default)]
    pub org_id: Option<String>,
    pub at_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Desk {
    pub version: u32,
    /// The engine's last state, as the panels show it.
    #[serde(default)]
    pub phone: PhoneState,
    /// The sequence number of that report (0: the engine just started).
    #[serde(default)]
    pub phone_seq: u64,
    /// The tabs running the panel.
    #[serde(default)]
    pub tabs: Vec<i32>,
    #[serde(default)]
    pub dials: Vec<Dial>,
    /// The ids of the last dials handed to the phone: a click delivered twice dials once.
    #[serde(default)]
    pub dialled: Vec<String>,
    /// Calls decided not to be logged (dialled from another org's page): a repeated report of
    /// one, its dial long forgotten, must not log it after all.
    #[serde(default)]
    pub unlogged: Vec<String>,
    /// The last minute's dials, by tab (the rate limit).
    #[serde(default)]
    pub recent_dials: Vec<RecentDial>,
    /// A costly number's dial, until the user says yes or no.
    #[serde(default)]
    pub confirming: Option<Confirming>,
    /// The user's own dial rules and log policy; [`Desk::dial_rules`] and
    /// [`Desk::log_policy`] are what applies, the administrator's `policy` over them.
    #[serde(default)]
    pub dial_rules: DialRules,
    #[serde(default)]
    pub log_policy: LogPolicy,
    /// What the administrator set by Chrome policy (read again at every start).
    #[serde(default)]
    pub policy: crate::policy::Policy,
    /// The logging org: where calls are looked up and logged. The user's choice on the options
    /// page; until then the first org a Salesforce page showed with a session. Pages of other
    /// orgs get click-to-call, but no caller cards and no logs.
    #[serde(default, alias = "org")]
    pub logging_org: Option<String>,
    /// The org of each panel's tab (none: a page without a session).
    #[serde(default)]
    pub tab_orgs: BTreeMap<i32, String>,
    #[serde(default)]
    pub orgs: Vec<OrgSession>,
    /// The popup's cards, newest last.
    #[serde(default)]
    pub cards: Vec<CallerCard>,
    /// The desktop notifications shown (see `notice`).
    #[serde(default)]
    pub notices: Vec<Notice>,
    /// The ids of notifications the user closed.
    #[serde(default)]
    pub closed_notices: Vec<String>,
    /// The wrap-up of live calls (see `wrapup`), until each ends and becomes its log.
    #[serde(default)]
    pub pending: Vec<Pending>,
    /// What an older snapshot kept of it (notes alone): read into `pending`.
    #[serde(default, skip_serializing)]
    pending_notes: Vec<(String, String)>,
    /// "Always use this record for this number", per org.
    #[serde(default)]
    pub pins: Vec<Pin>,
    /// The screen pops made (`<moment>:<Call-ID>`).
    #[serde(default)]
    pub popped: Vec<String>,
    /// The earlier call a tab's panel shows instead of the last one (`recent`), by tab.
    #[serde(default)]
    pub shown: BTreeMap<i32, String>,
    /// The call logs, by log id (each stored under its own key).
    #[serde(skip)]
    pub logs: BTreeMap<String, Log>,
    /// Stored logs that could not be read: kept in storage untouched, and reported.
    #[serde(skip)]
    pub unreadable: Vec<String>,
}

impl Default for Desk {
    fn default() -> Self {
        Desk {
            version: SNAPSHOT_VERSION,
            phone: PhoneState::default(),
            phone_seq: 0,
            tabs: vec![],
            dials: vec![],
            dialled: vec![],
            unlogged: vec![],
            recent_dials: vec![],
            confirming: None,
            dial_rules: DialRules::default(),
            log_policy: LogPolicy::default(),
            policy: crate::policy::Policy::default(),
            logging_org: None,
            tab_orgs: BTreeMap::new(),
            orgs: vec![],
            cards: vec![],
            notices: vec![],
            closed_notices: vec![],
            pending: vec![],
            pending_notes: vec![],
            pins: vec![],
            popped: vec![],
            shown: BTreeMap::new(),
            logs: BTreeMap::new(),
            unreadable: vec![],
        }
    }
}

/// What a request for a log ended with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub outcome: Outcome,
    pub linked: Option<KnownRecord>,
    pub dropped: Vec<DroppedField>,
    pub warnings: Vec<String>,
}

impl Answer {
    pub fn of(outcome: Outcome) -> Answer {
        Answer {
            outcome,
            linked: None,
            dropped: vec![],
            warnings: vec![],
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// The worker started (or woke on its alarm): whatever is due goes.
    Wake,
    /// The engine's state; `ended` holds the calls that ended and that the desk has not
    /// acknowledged yet (the engine sends them until it has).
    PhoneReport {
        state: PhoneState,
        seq: u64,
        ended: Vec<CallView>,
    },
    /// The engine (re)started: a call the desk thought live is gone with the old one.
    EngineStarted,
    /// A panel started in `tab`, on a page of `org_id` (none: no session there).
    PanelHello {
        tab: i32,
        org_id: Option<String>,
    },
    /// The user chose the org calls are looked up and logged in.
    ChooseLoggingOrg {
        org_id: String,
    },
    TabGone {
        tab: i32,
    },
    /// A click-to-call from a Salesforce page of `org_id`, in `tab`.
    Dial {
        dial_id: String,
        number: String,
        record: Option<KnownRecord>,
        org_id: Option<String>,
        tab: Option<i32>,
    },
    /// The user's choice of which dials ask first (the options page).
    SetDialRules {
        rules: DialRules,
    },
    /// The administrator's Chrome policy, read at start and whenever it changes.
    SetPolicy {
        policy: crate::policy::Policy,
    },
    /// When calls are logged (the options page).
    SetLogPolicy {
        policy: LogPolicy,
    },
    /// The user's answer to "call this costly number?".
    ConfirmDial {
        dial_id: String,
        dial: bool,
    },
    /// A Salesforce page of this org, with a working session, is open.
    PageSession {
        org_id: String,
        user_id: Option<String>,
    },
    LookedUp {
        card: CallerCard,
    },
    /// In the panel of `tab`, the user says which record of the card the caller is.
    Pick {
        call_id: String,
        record_id: RecordId,
        tab: Option<i32>,
    },
    /// The memo tags of a call (live, or ended).
    Memo {
        call_id: String,
        tags: Vec<String>,
    },
    /// The user's notes on a call (live, or ended): its Task's comments.
    Notes {
        call_id: String,
        text: String,
    },
    /// The user's subject for a call's Task (empty: the admin's template).
    Subject {
        call_id: String,
        text: String,
    },
    /// The Task of a call goes on this record (the worker checked it is one of the org's).
    Relink {
        call_id: String,
        record: crate::calllog::CallerMatch,
    },
    /// "Always use this record for this number", for the number of this call: on (its
    /// record as it is now) or off.
    Pin {
        call_id: String,
        on: bool,
    },
    /// The panel of `tab` shows this earlier call (one of `recent_calls`), or the last one
    /// again (`None`).
    ShowCall {
        tab: i32,
        call_id: Option<String>,
    },

    Transcript {
        call_id: String,
        text: String,
    },
    Retry {
        call_id: String,
    },
    /// The user pressed a button of notification `id`, clicked it, or closed it.
    NoticeAction {
        id: String,
        action: NoticeAction,
    },
    /// A finished call from an extension page (the options page's test call).
    LogCall {
        org_id: String,
        call: CallRecord,
    },
    /// A create's (`verify: false`) or a verification's answer.
    Delivered {
        call_id: String,
        verify: bool,
        answer: Answer,
    },
    /// An update's answer: `Err((retryable, code))`.
    Updated {
        call_id: String,
        change: Change,
        rev: u32,
        result: Result<(), (bool, String)>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Store the desk's snapshot.
    SaveDesk,
    /// Store this log (key `log:<id>`).
    SaveLog(String),
    /// Remove this log (retention; key `log:<id>`).
    RemoveLog(String),
    /// Tell every panel the phone's state and its notes.
    Broadcast,
    /// Look the caller up (one SOSL request) in `org_id`; answer with `LookedUp`.
    LookUp {
        call_id: String,
        number: String,
        org_id: String,
    },
    /// Create the log's Task; answer with `Delivered { verify: false }`.
    Create { call_id: String },
    /// Look for the log's Task; answer with `Delivered { verify: true }`.
    Verify {
        call_id: String,
        created_by: Option<String>,
    },
    /// Write one change to the log's Task; answer with `Updated`.
    Update {
        call_id: String,
        change: Change,
        rev: u32,
    },
    /// Hand a command to the phone engine.
    Phone(PhoneCommand),
    /// Show this notification (`fresh`: a new one, shown if the user's setting wants it now),
    /// or update it in place if it is still shown.
    Notify { notice: Notice, fresh: bool },
    /// Take this notification away.
    Unnotify(String),
    /// Open the caller's record (`url`, in the logging org's Lightning) if the user's setting
    /// pops at this moment: in the Lightning tab in front, or else in `tab`.
    ScreenPop {
        moment: PopMoment,
        url: String,
        tab: Option<i32>,
    },
    /// Bring the user to the phone: focus this panel's tab (and its window), or open a
    /// Lightning tab of this org when there is none.
    ShowPanel {
        tab: Option<i32>,
        org_id: Option<String>,
    },
    /// Wake the worker at this time (the alarm), if nothing happens before.
    WakeAt(u64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Ack,
    /// The ended calls now stored durably (or known not to need a log): the engine stops
    /// sending them.
    Stored(Vec<String>),
    /// The log this input was about (its log id).
    Log(String),
    Error(&'static str),
}

/// What one input led to.
#[derive(Debug)]
pub struct Turn {
    pub effects: Vec<Effect>,
    pub reply: Reply,
}

/// Collects a turn's effects in the order the runner must carry them out: persists, then the
/// broadcast, then requests and commands, then the wake-up.
#[derive(Default)]
struct Plan {
    save_desk: bool,
    saves: BTreeSet<String>,
    removes: BTreeSet<String>,
    broadcast: bool,
    actions: Vec<Effect>,
    /// Incoming calls this turn reported missed (one waiting beside a call among them).
    missed: Vec<CallView>,
}

impl Plan {
    fn effects(self, wake: Option<u64>) -> Vec<Effect> {
        let mut effects: Vec<Effect> = self.saves.into_iter().map(Effect::SaveLog).collect();
        effects.extend(self.removes.into_iter().map(Effect::RemoveLog));
        if self.save_desk {
            effects.push(Effect::SaveDesk);
        }
        if self.broadcast {
            effects.push(Effect::Broadcast);
        }
        effects.extend(self.actions);
        effects.extend(wake.map(Effect::WakeAt));
        effects
    }
}

/// What restoring the stored state found.
pub struct Restored {
    pub desk: Desk,
    /// The snapshot itself could not be read (kept aside under this key by the runner).
    pub snapshot_unreadable: bool,
}

impl Desk {
    /// The desk from storage: the snapshot (if any) and every stored `log:` key. What cannot
    /// be read is reported, never dropped, and never overwritten (its key is not written).
    pub fn restore(
        snapshot: Option<serde_json::Value>,
        logs: Vec<(String, serde_json::Value)>,
    ) -> Restored {
        let mut snapshot_unreadable = false;
        let mut desk = match snapshot {
            None => Desk::default(),
            Some(value) => match serde_json::from_value::<Desk>(value) {
                Ok(desk) if desk.version == SNAPSHOT_VERSION => desk,
                _ => {
                    snapshot_unreadable = true;
                    Desk::default()
                }
            },
        };
        for (call_id, text) in std::mem::take(&mut desk.pending_notes) {
            desk.pending.push(Pending {
                call_id,
                notes: Some(text),
                ..Pending::default()
            });
        }
        for (key, value) in logs {
            match serde_json::from_value::<Log>(value) {
                Ok(log) if key == log.key() => {
                    desk.logs.insert(log.entry.call_id.clone(), log);
                }
                _ => desk.unreadable.push(key),
            }
        }
        Restored {
            desk,
            snapshot_unreadable,
        }
    }

    /// The log a call id names: the log's own id, or the SIP Call-ID it logs.
    pub fn log_of(&self, call_id: &str) -> Option<&Log> {
        self.logs.get(call_id).or_else(|| {
            self.logs.values().find(|l| {
                !call_id.is_empty() && (l.sip_call_id == call_id || logs_call(&l.call, call_id))
            })
        })
    }

    fn log_id_of(&self, call_id: &str) -> Option<String> {
        self.log_of(call_id).map(|l| l.entry.call_id.clone())
    }

    /// The popup's card for this SIP Call-ID.
    pub fn card_of(&self, sip_call_id: &str) -> Option<&CallerCard> {
        if sip_call_id.is_empty() {
            return None;
        }
        self.cards.iter().rev().find(|c| c.call_id == sip_call_id)
    }

    fn user_of(&self, org_id: &str) -> Option<String> {
        self.orgs
            .iter()
            .find(|o| o.org_id == org_id)
            .and_then(|o| o.user_id.clone())
    }

    pub fn handle(&mut self, input: Input, now_ms: u64) -> Turn {
        let mut plan = Plan::default();
        let reply = self.apply(input, now_ms, &mut plan);
        self.notify(&mut plan);
        self.screen_pop(&mut plan);
        self.drive(now_ms, &mut plan);
        let wake = self.logs.values().filter_map(|l| l.next_wake(now_ms)).min();
        Turn {
            effects: plan.effects(wake),
            reply,
        }
    }

    fn apply(&mut self, input: Input, now_ms: u64, plan: &mut Plan) -> Reply {
        match input {
            Input::Wake => {
                self.prune(now_ms, plan);
                Reply::Ack
            }
            Input::PhoneReport { state, seq, ended } => {
                self.report(state, seq, ended, now_ms, plan)
            }
            Input::EngineStarted => {
                self.phone_seq = 0;
                let mut lost = self.phone.clone();
                if let Some(call) = lost.call.as_mut().filter(|c| c.phase != CallPhase::Ended) {
                    // The old engine took this call with it: it ended when it was last seen.
                    call.phase = CallPhase::Ended;
                    call.end = Some(CallEnd::ConnectionLost);
                    call.ended_at_ms = Some(now_ms);
                    let call = call.clone();
                    self.phone = lost;
                    self.log_ended(&call, now_ms, plan);
                    plan.save_desk = true;
                    plan.broadcast = true;
                }
                Reply::Ack
            }
            Input::PanelHello { tab, org_id } => {
                self.tabs.retain(|t| *t != tab);
                self.tabs.push(tab);
                let excess = self.tabs.len().saturating_sub(TABS_KEPT);
                self.tabs.drain(..excess);
                match org_id {
                    Some(org_id) => self.tab_orgs.insert(tab, org_id),
                    None => self.tab_orgs.remove(&tab),
                };
                let tabs = &self.tabs;
                self.tab_orgs.retain(|t, _| tabs.contains(t));
                plan.save_desk = true;
                Reply::Ack
            }
            Input::TabGone { tab } => {
                let before = self.tabs.len();
                self.tabs.retain(|t| *t != tab);
                self.tab_orgs.remove(&tab);
                plan.save_desk |= self.tabs.len() != before;
                Reply::Ack
            }
            Input::ChooseLoggingOrg { org_id } => {
                if !self.policy.allows_org(&org_id) {
                    return Reply::Error("SET_BY_ADMIN");
                }
                self.logging_org = Some(org_id.clone());
                self.place_waiting(&org_id, now_ms, plan);
                plan.save_desk = true;
                plan.broadcast = true;
                Reply::Ack
            }
            Input::Dial {
                dial_id,
                number,
                record,
                org_id,
                tab,
            } => {
                if self.dialled.contains(&dial_id) {
                    return Reply::Ack;
                }
                self.dialled.push(dial_id.clone());
                let excess = self.dialled.len().saturating_sub(DIALLED_KEPT);
                self.dialled.drain(..excess);
                plan.save_desk = true;
                if let Some(tab) = tab {
                    self.recent_dials
                        .retain(|d| d.at_ms + DIAL_RATE_WINDOW_MS > now_ms);
                    let recent = self.recent_dials.iter().filter(|d| d.tab == tab).count();
                    if recent >= DIALS_PER_WINDOW {
                        return Reply::Error("TOO_MANY_DIALS");
                    }
                    self.recent_dials.push(RecentDial { tab, at_ms: now_ms });
                }
                let dial = Dial {
                    dial_id,
                    number,
                    record,
                    org_id,
                    at_ms: now_ms,
                };
                match self.dial_rules().asks(&dial.number) {
                    Some(costly) => {
                        self.confirming = Some(Confirming { dial, costly, tab });
                        plan.broadcast = true;
                    }
                    None => self.place_dial(dial, now_ms, plan),
                }
                Reply::Ack
            }
            Input::SetDialRules { rules } => {
                self.dial_rules = rules;
                plan.save_desk = true;
                Reply::Ack
            }
            Input::SetPolicy { policy } => {
                if self.set_policy(policy) {
                    plan.save_desk = true;
                    plan.broadcast = true;
                }
                Reply::Ack
            }
            Input::SetLogPolicy { policy } => {
                self.log_policy = policy;
                plan.save_desk = true;
                Reply::Ack
            }
            Input::ConfirmDial { dial_id, dial } => {
                let Some(waiting) = self.confirming.take_if(|c| c.dial.dial_id == dial_id) else {
                    return Reply::Error("NO_DIAL");
                };
                plan.save_desk = true;
                plan.broadcast = true;
                if !dial {
                    return Reply::Ack;
                }
                if waiting.dial.at_ms + CONFIRM_MAX_AGE_MS <= now_ms {
                    return Reply::Error("NO_DIAL");
                }
                self.place_dial(waiting.dial, now_ms, plan);
                Reply::Ack
            }
            Input::PageSession { org_id, user_id } => {
                self.orgs.retain(|o| o.org_id != org_id);
                self.orgs.push(OrgSession {
                    org_id: org_id.clone(),
                    user_id,
                });
                let excess = self.orgs.len().saturating_sub(ORGS_KEPT);
                self.orgs.drain(..excess);
                let allowed = self.policy.allows_org(&org_id);
                if allowed && self.logging_org.is_none() {
                    // The first org the user connects is the logging org until they choose.
                    self.logging_org = Some(org_id.clone());
                    plan.broadcast = true;
                }
                plan.save_desk = true;
                self.place_waiting(&org_id, now_ms, plan);
                Reply::Ack
            }
            Input::LookedUp { card } => {
                match self
                    .cards
                    .iter_mut()
                    .rev()
                    .find(|c| c.call_id == card.call_id)
                {
                    // A pick made while looking (impossible today) is not undone.
                    Some(slot) if !slot.looked_up() => *slot = card.clone(),
                    Some(_) => return Reply::Ack,
                    None => return Reply::Ack,
                }
                plan.save_desk = true;
                // The card of the call in front, or of one beside it (waiting or held).
                let beside = self
                    .phone
                    .other
                    .as_ref()
                    .is_some_and(|c| c.call_id == card.call_id);
                plan.broadcast |= self.is_current(&card.call_id) || beside;
                Reply::Ack
            }
            Input::Pick {
                call_id,
                record_id,
                tab,
            } => {
                // Only a tab that was shown the card (the logging org's) picks from it.
                if !tab.is_some_and(|t| self.shows_notes(t)) {
                    return Reply::Error("NO_CARD");
                }
                let live = self
                    .phone
                    .live_call()
                    .is_some_and(|c| !call_id.is_empty() && c.call_id == call_id);
                if !live {
                    return Reply::Error("CALL_OVER");
                }
                let Some(card) = self.cards.iter_mut().rev().find(|c| c.call_id == call_id) else {
                    return Reply::Error("NO_CARD");
                };
                if !card.pick(&record_id) {
                    return Reply::Error("NOT_ON_CARD");
                }
                // The user's last choice wins: a record found by search before is let go.
                if let Some(pending) = self.pending.iter_mut().find(|p| p.call_id == call_id) {
                    pending.record = None;
                }
                plan.save_desk = true;
                plan.broadcast = true;
                Reply::Ack
            }
            Input::Memo { call_id, tags } => self.wrap_up(&call_id, Edit::Memo(tags), plan),
            Input::Notes { call_id, text } => self.wrap_up(&call_id, Edit::Notes(text), plan),
            Input::Subject { call_id, text } => self.wrap_up(&call_id, Edit::Subject(text), plan),
            Input::Relink { call_id, record } => self.wrap_up(&call_id, Edit::Record(record), plan),
            Input::Pin { call_id, on } => self.pin(&call_id, on, plan),
            Input::ShowCall { tab, call_id } => self.show_call(tab, call_id, plan),
            Input::Transcript { call_id, text } => {
                self.change(&call_id, plan, |l| l.set_transcript(&text))
            }
            Input::NoticeAction { id, action } => {
                self.notice_action(&id, action, plan);
                Reply::Ack
            }
            Input::Retry { call_id } => {
                let Some(id) = self.log_id_of(&call_id) else {
                    return Reply::Error("UNKNOWN_CALL");
                };
                if let Some(log) = self.logs.get_mut(&id) {
                    log.entry.retry(now_ms);
                    // "Log now" in the wrap-up time.
                    log.hold_until_ms = 0;
                    plan.saves.insert(id.clone());
                    plan.broadcast |= self.is_current_log(&id);
                }
                Reply::Log(id)
            }
            Input::LogCall { org_id, call } => {
                let id = call.call_id.clone();
                if !self.logs.contains_key(&id) {
                    let log = Log::new(call, &id, Some(&org_id), now_ms);
                    self.logs.insert(id.clone(), log);
                    plan.saves.insert(id.clone());
                }
                Reply::Log(id)
            }
            Input::Delivered {
                call_id,
                verify,
                answer,
            } => {
                self.delivered(&call_id, verify, answer, now_ms, plan);
                Reply::Ack
            }
            Input::Updated {
                call_id,
                change,
                rev,
                result,
            } => {
                if let Some(log) = self.logs.get_mut(&call_id) {
                    log.updated(change, rev, result, now_ms);
                    plan.saves.insert(call_id);
                }
                Reply::Ack
            }
        }
    }

    fn change(&mut self, call_id: &str, plan: &mut Plan, f: impl FnOnce(&mut Log)) -> Reply {
        let Some(id) = self.log_id_of(call_id) else {
            return Reply::Error("UNKNOWN_CALL");
        };
        if let Some(log) = self.logs.get_mut(&id) {
            let before = log.revisions;
            f(log);
            if log.revisions != before {
                // Stored before any request: the change is never only in memory.
                plan.saves.insert(id.clone());
                plan.broadcast |= self.is_current_log(&id);
            }
        }
        Reply::Log(id)
    }

    fn is_current(&self, sip_call_id: &str) -> bool {
        self.phone
            .call
            .as_ref()
            .is_some_and(|c| !c.call_id.is_empty() && c.call_id == sip_call_id)
    }

    fn is_current_log(&self, log_id: &str) -> bool {
        self.phone
            .call
            .as_ref()
            .and_then(|c| self.log_of(&c.call_id))
            .is_some_and(|l| l.entry.call_id == log_id)
    }

    fn report(
        &mut self,
        state: PhoneState,
        seq: u64,
        ended: Vec<CallView>,
        now_ms: u64,
        plan: &mut Plan,
    ) -> Reply {
        let mut stored = vec![];
        // The calls that ended, first: they are stored before any tab hears of them.
        let current_ended = state
            .call
            .clone()
            .filter(|c| c.phase == CallPhase::Ended && !c.call_id.is_empty());
        for call in ended.iter().chain(current_ended.iter()) {
            if call.phase != CallPhase::Ended || call.call_id.is_empty() {
                continue;
            }
            self.log_ended(call, now_ms, plan);
            if !call.outgoing && call.end == Some(CallEnd::Missed) {
                plan.missed.push(call.clone());
            }
            if !stored.contains(&call.call_id) {
                stored.push(call.call_id.clone());
            }
        }
        // A duplicated or late report of an older state changes nothing the panels show.
        let stale = seq != 0 && seq <= self.phone_seq;
        let regress = self.phone.call.as_ref().is_some_and(|now| {
            now.phase == CallPhase::Ended
                && state.call.as_ref().is_some_and(|c| {
                    c.call_id == now.call_id && !c.call_id.is_empty() && c.phase != CallPhase::Ended
                })
        });
        if !stale && !regress {
            // A call rings or is dialled: every panel shows it, not an earlier one.
            if state.live_call().is_some() {
                self.forget_shown(plan);
            }
            if self.phone != state {
                self.phone = state;
                plan.broadcast = true;
            }
            self.phone_seq = seq;
            plan.save_desk = true;
            self.ring(now_ms, plan);
        }
        Reply::Stored(stored)
    }

    /// A click-to-call goes to the phone, remembered by its id until its call reports.
    fn place_dial(&mut self, mut dial: Dial, now_ms: u64, plan: &mut Plan) {
        dial.at_ms = now_ms;
        self.dials.retain(|d| d.at_ms + DIAL_MAX_AGE_MS > now_ms);
        let command = PhoneCommand::Dial {
            number: dial.number.clone(),
            dial_id: Some(dial.dial_id.clone()),
        };
        self.dials.push(dial);
        let excess = self.dials.len().saturating_sub(DIALS_KEPT);
        self.dials.drain(..excess);
        plan.save_desk = true;
        plan.actions.push(Effect::Phone(command));
    }

    /// The dial rules that apply: the user's, under the administrator's.
    pub fn dial_rules(&self) -> DialRules {
        self.policy.dial_rules(self.dial_rules.clone())
    }

    /// The region national numbers are read in.
    pub fn region(&self) -> &'static str {
        self.dial_rules().region()
    }

    /// When calls are logged: the user's choice, under the administrator's.
    pub fn log_policy(&self) -> LogPolicy {
        self.policy.log_policy(self.log_policy)
    }

    /// The administrator's policy from now on; whether it changed anything. A logging org
    /// the policy does not list gives way to the first listed org a page has shown (none until
    /// one does: nothing is logged where the administrator said not to).
    pub fn set_policy(&mut self, policy: crate::policy::Policy) -> bool {
        if self.policy == policy {
            return false;
        }
        self.policy = policy;
        self.follow_policy();
        true
    }

    fn follow_policy(&mut self) {
        let allowed = |org: &str| self.policy.allows_org(org);
        if self.logging_org.as_deref().is_none_or(allowed) {
            return;
        }
        self.logging_org = self.policy.logging_orgs.as_ref().and_then(|listed| {
            listed.iter().find_map(|id| {
                self.orgs
                    .iter()
                    .find(|o| o.org_id.get(..15) == Some(id.as_str()))
                    .map(|o| o.org_id.clone())
            })
        });
    }

    /// The costly dial the panel of `tab` asks about, while it may still be confirmed.
    pub fn confirming_in(&self, tab: Option<i32>, now_ms: u64) -> Option<&Confirming> {
        self.confirming
            .as_ref()
            .filter(|c| c.tab == tab && c.dial.at_ms + CONFIRM_MAX_AGE_MS > now_ms)
    }

    /// A session of `org_id` is there: what waits for it goes now (the logs of that org, and
    /// those that wait for any org, when it is the logging org).
    fn place_waiting(&mut self, org_id: &str, now_ms: u64, plan: &mut Plan) {
        let logging = self.logging_org.as_deref() == Some(org_id);
        for log in self.logs.values_mut() {
            let before = log.entry.clone();
            if logging {
                log.entry.place(org_id, now_ms);
            }
            if log.entry.org_id == org_id {
                log.entry.wake(now_ms);
                log.update_at_ms = log.update_at_ms.min(now_ms);
            }
            if log.entry != before {
                plan.saves.insert(log.entry.call_id.clone());
            }
        }
    }

    /// Whether a panel's tab shows the caller card and the call's Task: only a tab of the
    /// logging org (another org's page must not see this org's record names).
    pub fn shows_notes(&self, tab: i32) -> bool {
        self.logging_org.is_some() && self.tab_orgs.get(&tab) == self.logging_org.as_ref()
    }

    /// The newest tab whose panel is on a page of the logging org.
    pub fn logging_tab(&self) -> Option<i32> {
        self.tabs
            .iter()
            .rev()
            .find(|t| self.shows_notes(**t))
            .copied()
    }

    /// Whether the panel of `tab` shows the call `call_id` with its notes (a page of the
    /// logging org, and the call in front or beside it): what a panel may act on.
    pub fn panel_shows(&self, tab: Option<i32>, call_id: &str) -> bool {
        let Some(tab) = tab.filter(|t| self.shows_notes(*t)) else {
            return false;
        };
        if let Some(shown) = self.shown_in(tab) {
            return shown.call_id == call_id;
        }
        [self.phone.call.as_ref(), self.phone.other.as_ref()]
            .into_iter()
            .flatten()
            .any(|c| c.call_id == call_id)
    }

    /// A call rings that nobody looked up yet: show "looking", look it up once.
    fn ring(&mut self, _now_ms: u64, plan: &mut Plan) {
        // The call that rings: the one in front, or a second one waiting beside it.
        let Some(call) = self
            .phone
            .ringing()
            .filter(|c| !c.outgoing && !c.call_id.is_empty())
            .cloned()
        else {
            return;
        };
        if self.card_of(&call.call_id).is_some() {
            return;
        }
        let pinned = self
            .logging_org
            .as_deref()
            .and_then(|org| self.pin_of(org, &call.peer))
            .cloned();
        let card = match &self.logging_org {
            // The user said which record this number is: no lookup (the seed's budget).
            Some(_) if pinned.is_some() => {
                CallerCard::pinned(&call.call_id, pinned.expect("checked above"))
            }
            Some(org_id) => {
                plan.actions.push(Effect::LookUp {
                    call_id: call.call_id.clone(),
                    number: call.peer.clone(),
                    org_id: org_id.clone(),
                });
                CallerCard::looking(&call.call_id)
            }
            None => CallerCard::unavailable(&call.call_id, "NOT_LOGGED_IN"),
        };
        self.cards.push(card);
        let excess = self.cards.len().saturating_sub(CARDS_KEPT);
        self.cards.drain(..excess);
        plan.save_desk = true;
        plan.broadcast = true;
    }

    /// The click-to-call a call came from, as logging needs it.
    fn dial_context(&self, call: &CallView) -> Option<DialContext> {
        let dial = call
            .dial_id
            .as_deref()
            .and_then(|id| self.dials.iter().find(|d| d.dial_id == id))?;
        Some(DialContext {
            dialled: dial.number.clone(),
            record: dial.record.clone(),
            org_id: dial.org_id.clone(),
            dial_id: Some(dial.dial_id.clone()),
            at_ms: dial.at_ms,
        })
    }

    /// The call record a call has, or would have if it ended now (the wrap-up's preview of
    /// the subject): its log's, or one made from the live call with its kept wrap-up.
    pub fn draft_record(&self, sip_call_id: &str, now_ms: u64) -> Option<CallRecord> {
        if let Some(log) = self.log_of(sip_call_id) {
            return Some(log.call.clone());
        }
        // An ended call without a log is one that is not logged (never reached, or another
        // org's): it has no wrap-up.
        let mut call = [self.phone.call.as_ref(), self.phone.other.as_ref()]
            .into_iter()
            .flatten()
            .find(|c| {
                c.call_id == sip_call_id && !c.call_id.is_empty() && c.phase != CallPhase::Ended
            })?
            .clone();
        call.phase = CallPhase::Ended;
        call.ended_at_ms.get_or_insert(now_ms);
        if call.answered_at_ms.is_none() && call.outgoing {
            // Still dialling: previewed as the answered call it will likely be.
            call.answered_at_ms = Some(now_ms);
        }
        let card = self.card_of(sip_call_id);
        let mut record = record_of(
            &call,
            self.dial_context(&call).as_ref(),
            card,
            self.region(),
        )?;
        if let Some(pending) = self.pending_of(sip_call_id) {
            if let Some(m) = &pending.record {
                record.record = Some(m.known());
            }
            record.subject = pending.subject.clone();
        }
        if record.record.is_none() {
            let org = self.logging_org.as_deref();
            if let Some(pin) = org.and_then(|o| self.pin_of(o, &call.peer)) {
                record.record = Some(pin.known());
            }
        }
        Some(record)
    }

    /// An ended call becomes one log (once: a repeated report finds it) in the logging org;
    /// none known yet, it waits. A call dialled from a page of another org is not logged.
    fn log_ended(&mut self, call: &CallView, now_ms: u64, plan: &mut Plan) {
        if self.log_of(&call.call_id).is_some() || self.unlogged.contains(&call.call_id) {
            return;
        }
        let context = self.dial_context(call);
        let card = self.card_of(&call.call_id).cloned();
        let Some(mut record) = record_of(call, context.as_ref(), card.as_ref(), self.region())
        else {
            return;
        };
        // A number the user pinned to a record: logged there, with no lookup.
        if record.record.is_none() && !record.lookup_done {
            let org = self.logging_org.as_deref();
            if let Some(pin) = org.and_then(|o| self.pin_of(o, &call.peer)) {
                record.record = Some(pin.known());
                record.lookup_done = true;
            }
        }
        let dialled_in = context
            .as_ref()
            .filter(|c| c.matches(call))
            .and_then(|c| c.org_id.clone());
        let org = match (dialled_in, &self.logging_org) {
            (Some(page), Some(logging)) if &page != logging => {
                if let Some(dial_id) = &call.dial_id {
                    self.dials.retain(|d| &d.dial_id != dial_id);
                }
                self.unlogged.push(call.call_id.clone());
                let excess = self.unlogged.len().saturating_sub(UNLOGGED_KEPT);
                self.unlogged.drain(..excess);
                plan.save_desk = true;
                return;
            }
            (page, logging) => logging.clone().or(page),
        };
        let mut log = Log::new(record, &call.call_id, org.as_deref(), now_ms);
        log.hold_until_ms = now_ms + self.log_policy().hold_ms();
        // The wrap-up done during the call rides along in the create (no extra request).
        if let Some(pending) = self.take_pending(&call.call_id) {
            pending.into_log(&mut log);
            plan.save_desk = true;
        }
        let id = log.entry.call_id.clone();
        self.logs.insert(id.clone(), log);
        plan.saves.insert(id);
        if let Some(dial_id) = &call.dial_id {
            self.dials.retain(|d| &d.dial_id != dial_id);
            plan.save_desk = true;
        }
        plan.broadcast |= self.is_current(&call.call_id);
    }

    fn delivered(
        &mut self,
        call_id: &str,
        verify: bool,
        answer: Answer,
        now_ms: u64,
        plan: &mut Plan,
    ) {
        let current = self.is_current_log(call_id);
        let Some(log) = self.logs.get_mut(call_id) else {
            return;
        };
        let written = matches!(answer.outcome, Outcome::Written { .. });
        // That the Task exists is news whenever it comes; any other answer is only about the
        // request in flight (a late one, whose lease was taken over, tells nothing).
        let accept = if written {
            log.task_id().is_none()
        } else {
            matches!(log.entry.delivery, Delivery::Sent { .. })
        };
        if !accept {
            return;
        }
        if !verify {
            log.dropped = answer.dropped;
            log.linked = answer.linked;
            for warning in answer.warnings {
                log.warn(warning);
            }
        }
        log.entry.record(answer.outcome, !verify, now_ms);
        if written {
            log.written();
            if verify && log.linked.is_none() {
                log.linked = log.call.record.clone();
            }
        }
        plan.saves.insert(call_id.to_string());
        plan.broadcast |= current;
    }

    /// Whatever is due goes: sends, verifications, updates. Each is marked (and stored) before
    /// its request is asked for.
    fn drive(&mut self, now_ms: u64, plan: &mut Plan) {
        let ids: Vec<String> = self.logs.keys().cloned().collect();
        for id in ids {
            let user = {
                let log = &self.logs[&id];
                self.user_of(&log.entry.org_id)
            };
            let log = self.logs.get_mut(&id).expect("listed above");
            match log.entry.step(now_ms) {
                Step::Send if log.held(now_ms) => {}
                Step::Send => {
                    log.entry.mark_sent(user.as_deref(), now_ms);
                    log.sending();
                    plan.saves.insert(id.clone());
                    plan.actions.push(Effect::Create {
                        call_id: id.clone(),
                    });
                }
                Step::Verify => {
                    log.entry.mark_verifying(now_ms);
                    plan.saves.insert(id.clone());
                    plan.actions.push(Effect::Verify {
                        call_id: id.clone(),
                        created_by: log.entry.sent_as.clone(),
                    });
                }
                Step::Wait(_) => {}
            }
            if let Some(change) = log.due_update(now_ms) {
                let rev = log.start_update(change, now_ms);
                plan.saves.insert(id.clone());
                plan.actions.push(Effect::Update {
                    call_id: id.clone(),
                    change,
                    rev,
                });
            }
        }
    }

    /// Retention: the last written logs are kept for the history, failed ones for a month.
    fn prune(&mut self, now_ms: u64, plan: &mut Plan) {
        let mut done: Vec<(u64, String)> = self
            .logs
            .values()
            .filter(|l| l.settled() && l.task_id().is_some())
            .map(|l| (l.entry.stored_at_ms, l.entry.call_id.clone()))
            .collect();
        done.sort();
        let excess = done.len().saturating_sub(DONE_KEPT);
        let mut gone: Vec<String> = done.into_iter().take(excess).map(|(_, id)| id).collect();
        gone.extend(
            self.logs
                .values()
                .filter(|l| {
                    matches!(l.entry.delivery, Delivery::Failed { .. })
                        && l.entry.stored_at_ms + FAILED_KEPT_MS < now_ms
                })
                .map(|l| l.entry.call_id.clone()),
        );
        for id in gone {
            if let Some(log) = self.logs.remove(&id) {
                plan.saves.remove(&id);
                plan.removes.insert(log.entry.call_id);
            }
        }
    }
}
