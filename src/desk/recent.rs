//! The last few calls stay reachable: the panel lists them, and the user may bring one back to
//! its wrap-up (memo tags, notes, subject, record, Retry) while no call is live. The call a
//! tab's panel shows is then that one; a new call takes the panel back.

use super::{Desk, Log, Plan, Reply};
use crate::call::{CallEnd, CallPhase, CallView};
use crate::calllog::Direction;

/// How many calls the panel lists.
pub const RECENT_SHOWN: usize = 5;

impl Desk {
    /// The logging org's last calls, newest first.
    pub fn recent_calls(&self) -> Vec<&Log> {
        let Some(org) = self.logging_org.as_deref() else {
            return vec![];
        };
        let mut logs: Vec<&Log> = self
            .logs
            .values()
            .filter(|l| l.entry.org_id == org && l.call.ended_ms.is_some())
            .collect();
        logs.sort_by_key(|l| std::cmp::Reverse((l.call.dial_started_ms, l.entry.call_id.clone())));
        logs.truncate(RECENT_SHOWN);
        logs
    }

    /// The panel of `tab` shows this earlier call (`None`: the phone's own last call again).
    /// Only a logging org's panel, only one of its recent calls, and only while no call is live.
    pub(super) fn show_call(
        &mut self,
        tab: i32,
        call_id: Option<String>,
        plan: &mut Plan,
    ) -> Reply {
        let Some(call_id) = call_id else {
            if self.shown.remove(&tab).is_some() {
                plan.save_desk = true;
                plan.broadcast = true;
            }
            return Reply::Ack;
        };
        if !self.shows_notes(tab) {
            return Reply::Error("NO_CARD");
        }
        if self.phone.live_call().is_some() || self.phone.live_other().is_some() {
            return Reply::Error("CALL_OVER");
        }
        let recent = self.recent_calls().iter().any(|l| l.shown_id() == call_id);
        if !recent {
            return Reply::Error("UNKNOWN_CALL");
        }
        self.shown.insert(tab, call_id);
        plan.save_desk = true;
        plan.broadcast = true;
        Reply::Ack
    }

    /// The earlier call the panel of `tab` shows, as the panel shows a call (ended); `None`
    /// while a call is live or none was chosen.
    pub fn shown_in(&self, tab: i32) -> Option<CallView> {
        if self.phone.live_call().is_some() || !self.shows_notes(tab) {
            return None;
        }
        let log = self.log_of(self.shown.get(&tab)?)?;
        Some(view_of(log))
    }

    /// A call rings or is dialled: every panel shows it.
    pub(super) fn forget_shown(&mut self, plan: &mut Plan) {
        if !self.shown.is_empty() {
            self.shown.clear();
            plan.save_desk = true;
        }
    }
}

/// An ended call as the panel shows it, from its log.
fn view_of(log: &Log) -> CallView {
    let call = &log.call;
    let started = u64::try_from(call.dial_started_ms).unwrap_or_default();
    let answered = call.answered_ms.and_then(|t| u64::try_from(t).ok());
    let mut view = CallView::new(
        0,
        call.direction == Direction::Outbound,
        &call.remote_number,
        CallPhase::Ended,
        started,
    );
    view.call_id = log.shown_id().to_string();
    view.answered_at_ms = answered;
    view.ended_at_ms = call.ended_ms.and_then(|t| u64::try_from(t).ok());
    view.end = Some(match (answered, call.direction) {
        (Some(_), _) => CallEnd::HungUp,
        (None, Direction::Inbound) => CallEnd::Missed,
        (None, _) => CallEnd::NoAnswer,
    });
    view
}
