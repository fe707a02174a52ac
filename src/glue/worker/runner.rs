//! The one runner of the call desk (`crate::desk`): every input goes through [`submit`], one at
//! a time (the desk's lane), and its effects are carried out in the order the desk gave them:
//! the snapshot and the logs are stored before any tab hears of them and before any request
//! leaves. Requests run outside the lane (a slow Salesforce never holds up the phone's
//! reports); their answers come back as inputs. So there is exactly one writer of the desk's
//! state, one resume per wake-up, and a stopped worker resumes from storage alone.

use std::cell::RefCell;
use std::collections::VecDeque;

use super::client::now_ms;
use super::serial::{turn, Lane};
use super::{connection, logging, notify, phone, store};
use crate::call::{CallPhase, PhoneState};
use crate::calllog::{CallLogNote, CallNotes, CallerCard, DialConfirm, LoggingNote};
use crate::desk::{Desk, Effect, Input, Log, Reply, DESK_KEY, LOG_KEY_PREFIX};
use crate::glue::chrome;
use crate::glue::js::{call, to_js, GlueError};
use crate::number::{PhoneNumber, DEFAULT_REGION};
use crate::protocol::ToTab;

/// The alarm that wakes the worker for what the desk scheduled (and cold-starts it).
pub const WAKE_ALARM: &str = "outbox";
/// The call logs of versions before the desk, one array under one key.
const OLD_OUTBOX: &str = "outbox";

thread_local! {
    /// The desk of this worker instance, once restored from storage.
    static DESK: RefCell<Option<Desk>> = const { RefCell::new(None) };
}

fn with_desk<R>(f: impl FnOnce(&mut Desk) -> R) -> Option<R> {
    DESK.with(|d| d.borrow_mut().as_mut().map(f))
}

/// The desk from storage, the first time this worker instance needs it.
async fn ensure_loaded() -> Result<(), GlueError> {
    if DESK.with(|d| d.borrow().is_some()) {
        return Ok(());
    }
    migrate_old_outbox().await?;
    let snapshot = store::load_raw(DESK_KEY).await?;
    let logs = store::load_prefixed(LOG_KEY_PREFIX).await?;
    let restored = Desk::restore(snapshot.clone(), logs);
    if restored.snapshot_unreadable {
        // Kept aside before the next save overwrites it: nothing is dropped unseen.
        if let Some(raw) = snapshot {
            store::store(&format!("{DESK_KEY}-unreadable-{}", now_ms()), &raw).await?;
        }
    }
    for key in &restored.desk.unreadable {
        web_sys::console::warn_1(&format!("desk: the stored {key} cannot be read; kept").into());
    }
    let shown: Vec<String> = restored.desk.notices.iter().map(|n| n.id.clone()).collect();
    DESK.with(|d| *d.borrow_mut() = Some(restored.desk));
    notify::reconcile(&shown).await;
    Ok(())
}

/// Logs stored by a version before the desk: each goes under its own key (entries of that
/// version read as logs), and the old key is removed only once all are stored. An array that
/// cannot be read is kept aside whole.
async fn migrate_old_outbox() -> Result<(), GlueError> {
    let Some(raw) = store::load_raw(OLD_OUTBOX).await? else {
        return Ok(());
    };
    match serde_json::from_value::<Vec<Log>>(raw.clone()) {
        Ok(logs) => {
            for log in logs {
                store::store(&log.key(), &log).await?;
            }
        }
        Err(_) => store::store(&format!("{OLD_OUTBOX}-unreadable"), &raw).await?,
    }
    store::remove(OLD_OUTBOX).await
}

/// One input through the desk; the reply once its effects are carried out.
pub async fn submit(input: Input) -> Result<Reply, GlueError> {
    let _turn = turn(Lane::Desk).await;
    ensure_loaded().await?;
    let now = now_ms();
    let turn = with_desk(|d| d.handle(input, now)).expect("loaded above");
    let mut effects: VecDeque<Effect> = turn.effects.into();
    while let Some(effect) = effects.pop_front() {
        if let Err(e) = execute(effect, &mut effects).await {
            // What is in memory may not be in storage: read it again next time, and carry out
            // nothing that depended on it.
            DESK.with(|d| *d.borrow_mut() = None);
            return Err(e);
        }
    }
    Ok(turn.reply)
}

/// Reads the desk (restored if need be) in its lane.
pub async fn read<R>(f: impl FnOnce(&Desk) -> R) -> Result<R, GlueError> {
    let _turn = turn(Lane::Desk).await;
    ensure_loaded().await?;
    Ok(with_desk(|d| f(d)).expect("loaded above"))
}

async fn execute(effect: Effect, more: &mut VecDeque<Effect>) -> Result<(), GlueError> {
    match effect {
        Effect::SaveDesk => {
            let snapshot = with_desk(|d| serde_json::to_value(&*d)).expect("loaded");
            store::store(DESK_KEY, &snapshot.unwrap_or_default()).await
        }
        Effect::SaveLog(id) => {
            let Some(log) = with_desk(|d| d.logs.get(&id).cloned()).flatten() else {
                return Ok(());
            };
            store::store(&log.key(), &log).await
        }
        Effect::RemoveLog(id) => store::remove(&format!("{LOG_KEY_PREFIX}{id}")).await,
        Effect::Broadcast => {
            let gone = broadcast().await;
            for tab in gone {
                let now = now_ms();
                let turn = with_desk(|d| d.handle(Input::TabGone { tab }, now)).expect("loaded");
                more.extend(turn.effects);
            }
            Ok(())
        }
        Effect::WakeAt(at) => {
            chrome::alarm_at(WAKE_ALARM, at.max(now_ms() + 1_000) as f64);
            Ok(())
        }
        Effect::Phone(command) => {
            if let Err(refusal) = phone::command(command).await {
                web_sys::console::warn_1(&format!("desk: the phone says {}", refusal.code).into());
            }
            Ok(())
        }
        Effect::Notify { notice, fresh } => {
            // A notification that cannot show is no reason to stop the turn.
            if let Err(e) = notify::show(&notice, fresh).await {
                web_sys::console::warn_1(&format!("desk: notification: {}", e.code).into());
            }
            Ok(())
        }
        Effect::Unnotify(id) => {
            notify::clear(&id).await;
            Ok(())
        }
        Effect::ScreenPop { moment, url, tab } => {
            if let Err(e) = notify::screen_pop(moment, &url, tab).await {
                web_sys::console::warn_1(&format!("desk: screen pop: {}", e.code).into());
            }
            Ok(())
        }
        Effect::ShowPanel { tab, org_id } => {
            if let Err(e) = notify::show_panel(tab, org_id.as_deref()).await {
                web_sys::console::warn_1(&format!("desk: showing the panel: {}", e.code).into());
            }
            Ok(())
        }
        Effect::LookUp {
            call_id,
            number,
            org_id,
        } => {
            wasm_bindgen_futures::spawn_local(async move {
                let card = look_up(&call_id, &number, &org_id).await;
                answer(Input::LookedUp { card }).await;
            });
            Ok(())
        }
        Effect::Create { call_id } => {
            request(call_id, |log, call_id| async move {
                Input::Delivered {
                    answer: logging::create(&log).await,
                    call_id,
                    verify: false,
                }
            });
            Ok(())
        }
        Effect::Verify {
            call_id,
            created_by,
        } => {
            request(call_id, |log, call_id| async move {
                Input::Delivered {
                    answer: logging::verify(&log, created_by.as_deref()).await,
                    call_id,
                    verify: true,
                }
            });
            Ok(())
        }
        Effect::Update {
            call_id,
            change,
            rev,
        } => {
            request(call_id, move |log, call_id| async move {
                Input::Updated {
                    result: logging::update(&log, change).await,
                    call_id,
                    change,
                    rev,
                }
            });
            Ok(())
        }
    }
}

/// A request about a log, outside the desk's lane, with the log as it is now; its answer comes
/// back as an input.
fn request<F, Fut>(call_id: String, make: F)
where
    F: FnOnce(Log, String) -> Fut + 'static,
    Fut: std::future::Future<Output = Input> + 'static,
{
    let Some(log) = with_desk(|d| d.logs.get(&call_id).cloned()).flatten() else {
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        answer(make(log, call_id).await).await;
    });
}

/// An answer from outside (a request, a lookup) back into the desk.
async fn answer(input: Input) {
    if let Err(e) = submit(input).await {
        web_sys::console::warn_1(&format!("desk: {}", e.code).into());
    }
}

async fn look_up(call_id: &str, number: &str, org_id: &str) -> CallerCard {
    let ui_host = match store::org(org_id).await {
        Ok(Some(org)) => org.ui_host,
        _ => return CallerCard::unavailable(call_id, "NOT_LOGGED_IN"),
    };
    match connection::lookup(org_id, number).await {
        Ok(found) => CallerCard::from_candidates(call_id, &found.candidates, &ui_host),
        Err(e) => CallerCard::unavailable(call_id, &e.code),
    }
}

/// What the panels show: the phone's state and, for its call, the caller's card and what
/// became of the Task.
pub async fn panel_view(parts: ViewParts) -> (PhoneState, CallNotes) {
    let ViewParts {
        state,
        caller,
        other_caller,
        log,
        logging_org,
        this_org,
        confirm,
    } = parts;
    let logging = match logging_org {
        Some(org_id) => {
            let ui_host = store::org(&org_id)
                .await
                .ok()
                .flatten()
                .map(|o| o.ui_host)
                .unwrap_or_default();
            Some(LoggingNote::new(&org_id, &ui_host, this_org))
        }
        None => None,
    };
    let log = match (log, state.call.as_ref()) {
        (Some(log), Some(call)) if call.phase == CallPhase::Ended => {
            let org = store::org(&log.entry.org_id).await.ok().flatten();
            let (ui_host, org_state) = org
                .map(|o| (o.ui_host, o.state.as_str().to_string()))
                .unwrap_or_default();
            Some(CallLogNote::of(
                &call.call_id,
                &log.entry.delivery,
                &ui_host,
                &org_state,
            ))
        }
        _ => None,
    };
    (
        state,
        CallNotes {
            caller,
            other_caller,
            log,
            logging,
            confirm,
        },
    )
}

/// The parts of the desk a panel's view is made of.
pub struct ViewParts {
    state: PhoneState,
    caller: Option<CallerCard>,
    other_caller: Option<CallerCard>,
    log: Option<Log>,
    logging_org: Option<String>,
    this_org: bool,
    confirm: Option<DialConfirm>,
}

/// What the panel of `tab` shows: the caller card and the call's Task only on a page of the
/// logging org (another org's page must not see this org's record names).
pub fn view_parts(desk: &Desk, tab: Option<i32>) -> ViewParts {
    let state = desk.phone.clone();
    let sip_id = state
        .call
        .as_ref()
        .map(|c| c.call_id.clone())
        .unwrap_or_default();
    let this_org = tab.is_some_and(|t| desk.shows_notes(t));
    let confirm = desk.confirming_in(tab, now_ms()).map(|c| DialConfirm {
        dial_id: c.dial.dial_id.clone(),
        number: PhoneNumber::parse(&c.dial.number, DEFAULT_REGION)
            .map(|n| n.display())
            .unwrap_or_else(|_| c.dial.number.clone()),
        costly: c.costly,
    });
    ViewParts {
        confirm,
        caller: desk.card_of(&sip_id).filter(|_| this_org).cloned(),
        other_caller: state
            .other
            .as_ref()
            .and_then(|c| desk.card_of(&c.call_id))
            .filter(|_| this_org)
            .cloned(),
        log: desk.log_of(&sip_id).filter(|_| this_org).cloned(),
        logging_org: desk.logging_org.clone(),
        this_org,
        state,
    }
}

/// Sends the phone's state, with its notes, to every tab that runs the panel; returns the tabs
/// that refused it (closed, or no panel any more).
async fn broadcast() -> Vec<i32> {
    let Some(views) = with_desk(|d| {
        d.tabs
            .iter()
            .map(|t| (*t, view_parts(d, Some(*t))))
            .collect::<Vec<_>>()
    }) else {
        return vec![];
    };
    let mut gone = vec![];
    for (tab, parts) in views {
        let (state, notes) = panel_view(parts).await;
        let Ok(message) = to_js(&ToTab::PhoneState { state, notes }) else {
            continue;
        };
        if call(chrome::tabs_send_message(tab, &message), "TAB_GONE")
            .await
            .is_err()
        {
            gone.push(tab);
        }
    }
    gone
}
