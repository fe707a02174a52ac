//! The desktop notifications of calls, decided by the desk: one for a call ringing for us
//! (with Answer and Decline), updated when the caller's card answers, gone when the call stops
//! ringing; one for each missed call, until the user closes or clicks it. The desk keeps what
//! it has shown in its snapshot, so a stopped worker still clears the notification of a call
//! that stopped ringing meanwhile.
//!
//! Whether one is shown at all (always, when no Lightning tab is in front, never) is the
//! glue's check when it creates one: only the browser knows which tab is in front.

use serde::{Deserialize, Serialize};

use super::{Desk, Effect, Plan};
use crate::call::{CallEnd, CallPhase};
use crate::calllog::{CallerCard, CardStatus};
use crate::number::PhoneNumber;

/// Missed-call notifications shown at most (the oldest goes first).
const MISSED_KEPT: usize = 5;
/// Notifications the user closed, remembered so they do not come back.
const CLOSED_KEPT: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NoticeKind {
    Ringing,
    Missed,
}

/// What the caller's card knew when the notice was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NoticeCaller {
    /// No lookup (no logging org, or it could not run): the number alone.
    Unknown,
    Looking,
    NotFound,
    /// The best record: its name, what tells it apart (account, company), and how many
    /// records have the number in all.
    Found {
        name: String,
        detail: Option<String>,
        records: usize,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notice {
    /// The notification's id: `ring:<Call-ID>` or `missed:<Call-ID>`.
    pub id: String,
    pub kind: NoticeKind,
    pub call_id: String,
    /// The caller's number as people write it (`03-1234-5678`), or what the caller presented.
    pub number: String,
    pub caller: NoticeCaller,
}

/// What the user did with a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeAction {
    Answer,
    Decline,
    /// Clicked its body: show the panel.
    Open,
    /// Closed it.
    Closed,
}

impl Notice {
    /// Parses a notification id back: its kind and Call-ID.
    pub fn parse_id(id: &str) -> Option<(NoticeKind, &str)> {
        if let Some(call_id) = id.strip_prefix("ring:") {
            return Some((NoticeKind::Ringing, call_id));
        }
        id.strip_prefix("missed:")
            .map(|call_id| (NoticeKind::Missed, call_id))
    }
}

fn caller_of(card: Option<&CallerCard>) -> NoticeCaller {
    let Some(card) = card else {
        return NoticeCaller::Unknown;
    };
    match (&card.status, card.matches.first()) {
        (CardStatus::Looking, _) => NoticeCaller::Looking,
        (CardStatus::Found, Some(best)) => NoticeCaller::Found {
            name: best.name.clone(),
            detail: best.detail.clone(),
            records: card.matches.len(),
        },
        (CardStatus::Found | CardStatus::NotFound, _) => NoticeCaller::NotFound,
        (CardStatus::Unavailable(_), _) => NoticeCaller::Unknown,
    }
}

fn shown_number(peer: &str, region: &str) -> String {
    PhoneNumber::parse(peer, region)
        .map(|n| n.display())
        .unwrap_or_else(|_| peer.to_string())
}

impl Desk {
    /// The notices the calls call for now; what changed since the last turn goes to the glue.
    pub(super) fn notify(&mut self, plan: &mut Plan) {
        let mut wanted: Vec<Notice> = self
            .notices
            .iter()
            .filter(|n| n.kind == NoticeKind::Missed && !self.closed_notices.contains(&n.id))
            .cloned()
            .collect();
        let call = self.phone.ringing().or(self.phone.call.as_ref());
        if let Some(call) = call.filter(|c| !c.call_id.is_empty()) {
            let kind = match (call.phase, call.end) {
                (CallPhase::Incoming, _) => Some(NoticeKind::Ringing),
                (CallPhase::Ended, Some(CallEnd::Missed)) if !call.outgoing => {
                    Some(NoticeKind::Missed)
                }
                _ => None,
            };
            if let Some(kind) = kind {
                let prefix = match kind {
                    NoticeKind::Ringing => "ring",
                    NoticeKind::Missed => "missed",
                };
                let notice = Notice {
                    id: format!("{prefix}:{}", call.call_id),
                    kind,
                    call_id: call.call_id.clone(),
                    number: shown_number(&call.peer, self.region()),
                    caller: caller_of(self.card_of(&call.call_id)),
                };
                if !self.closed_notices.contains(&notice.id) {
                    wanted.retain(|n| n.id != notice.id);
                    wanted.push(notice);
                }
            }
        }
        // Calls reported missed this turn, the one in front or one that waited beside it.
        for call in std::mem::take(&mut plan.missed) {
            let id = format!("missed:{}", call.call_id);
            if wanted.iter().any(|n| n.id == id) || self.closed_notices.contains(&id) {
                continue;
            }
            wanted.push(Notice {
                id,
                kind: NoticeKind::Missed,
                number: shown_number(&call.peer, self.region()),
                caller: caller_of(self.card_of(&call.call_id)),
                call_id: call.call_id,
            });
        }
        let missed = wanted
            .iter()
            .filter(|n| n.kind == NoticeKind::Missed)
            .count();
        let mut excess = missed.saturating_sub(MISSED_KEPT);
        let mut dropped = vec![];
        wanted.retain(|n| {
            let drop = excess > 0 && n.kind == NoticeKind::Missed;
            excess -= usize::from(drop);
            if drop {
                dropped.push(n.id.clone());
            }
            !drop
        });
        // Gone for good: a repeated report of the call does not bring it back.
        for id in dropped {
            self.close_notice(&id, plan);
        }
        if wanted == self.notices {
            return;
        }
        for gone in self
            .notices
            .iter()
            .filter(|n| !wanted.iter().any(|w| w.id == n.id))
        {
            plan.actions.push(Effect::Unnotify(gone.id.clone()));
        }
        for notice in &wanted {
            match self.notices.iter().find(|n| n.id == notice.id) {
                Some(shown) if shown == notice => {}
                shown => plan.actions.push(Effect::Notify {
                    notice: notice.clone(),
                    fresh: shown.is_none(),
                }),
            }
        }
        self.notices = wanted;
        plan.save_desk = true;
    }

    /// The user pressed a notification's button, clicked it or closed it.
    pub(super) fn notice_action(&mut self, id: &str, action: NoticeAction, plan: &mut Plan) {
        let Some((kind, call_id)) = Notice::parse_id(id) else {
            return;
        };
        let ringing = self.phone.ringing().is_some_and(|c| c.call_id == call_id);
        match action {
            // Only the call it is about, while it still rings: a late press does nothing.
            NoticeAction::Answer | NoticeAction::Decline
                if kind == NoticeKind::Ringing && ringing =>
            {
                let command = if action == NoticeAction::Answer {
                    crate::call::PhoneCommand::Answer
                } else {
                    crate::call::PhoneCommand::Decline
                };
                plan.actions.push(Effect::Phone(command));
                if action == NoticeAction::Answer {
                    self.show_panel(plan);
                }
            }
            NoticeAction::Answer | NoticeAction::Decline => {}
            NoticeAction::Open => {
                self.show_panel(plan);
                if kind == NoticeKind::Missed {
                    self.close_notice(id, plan);
                }
            }
            NoticeAction::Closed => self.close_notice(id, plan),
        }
    }

    fn close_notice(&mut self, id: &str, plan: &mut Plan) {
        if !self.closed_notices.iter().any(|c| c == id) {
            self.closed_notices.push(id.to_string());
            let excess = self.closed_notices.len().saturating_sub(CLOSED_KEPT);
            self.closed_notices.drain(..excess);
        }
        plan.save_desk = true;
    }

    /// Brings the user to the phone: a tab of the logging org that runs the panel (the newest),
    /// or any tab with the panel, or a new Lightning tab of the logging org.
    fn show_panel(&self, plan: &mut Plan) {
        let of_logging_org = self.logging_tab().or(self.tabs.last().copied());
        plan.actions.push(Effect::ShowPanel {
            tab: of_logging_org,
            org_id: self.logging_org.clone(),
        });
    }
}
