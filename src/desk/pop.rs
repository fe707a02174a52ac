//! The screen pop: an incoming call's record opened in Lightning, once the desk knows which
//! record the caller is (the card found exactly one, or the user picked one), at the moment the
//! user's setting names (when the call rings, or when it is answered). The desk says each
//! moment once per call; the glue opens the record if the setting is that moment, in the
//! Lightning tab in front (or the newest panel tab of the logging org).

use serde::{Deserialize, Serialize};

use super::{Desk, Effect, Plan};
use crate::call::CallPhase;

/// Pops remembered (each moment of each call pops once).
const POPPED_KEPT: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PopMoment {
    Ring,
    Answer,
}

impl Desk {
    pub(super) fn screen_pop(&mut self, plan: &mut Plan) {
        let Some(call) = self
            .phone
            .live_call()
            .filter(|c| !c.outgoing && !c.call_id.is_empty())
        else {
            return;
        };
        let moment = match call.phase {
            CallPhase::Incoming => PopMoment::Ring,
            CallPhase::Connecting | CallPhase::Connected => PopMoment::Answer,
            _ => return,
        };
        let Some(card) = self.card_of(&call.call_id) else {
            return;
        };
        // Only a record the desk is sure of: several matches wait for the user's pick.
        let sure = card.matches.len() == 1 || (card.picked && !card.matches.is_empty());
        if !sure {
            return;
        }
        let key = format!("{moment:?}:{}", call.call_id);
        if self.popped.contains(&key) {
            return;
        }
        let url = card.matches[0].url.clone();
        self.popped.push(key);
        let excess = self.popped.len().saturating_sub(POPPED_KEPT);
        self.popped.drain(..excess);
        plan.save_desk = true;
        let tab = self.logging_tab();
        plan.actions.push(Effect::ScreenPop { moment, url, tab });
    }
}
