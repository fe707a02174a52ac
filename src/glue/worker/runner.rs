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
use crate::calllog::{
    subject_for, CallLogNote, CallNotes, CallRecord, CallerCard, CallerMatch, DialConfirm,
    Direction, FieldMapping, LoggingNote, RecentCall, WrapUpView,
};
use crate::desk::{Desk, Effect, Input, Log, Reply, DESK_KEY, LOG_KEY_PREFIX};
use crate::glue::chrome;
use crate::glue::js::{call, to_js, GlueError};
use crate::number::PhoneNumber;
use crate::protocol::ToTab;
use crate::salesforce::lightning::record_url;

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
    let mut restored = Desk::restore(snapshot.clone(), logs);
    // The policy as it is now: it may have changed while the worker was stopped.
    restored.desk.set_policy(super::policy::read().await);
    if restored.desk.dial_rules.region.is_none() {
        // A first run reads national numbers as the browser's country does.
        let region = crate::number::plan::region_for_locale(&chrome::ui_language());
        restored.desk.dial_rules.region = Some(region.to_string());
    }
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

/// Reads the desk (restored if need be) in its lane. Never from code an effect runs (a
/// notification, the broadcast): that waits for the turn carrying the effect out, for ever.
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
                let answer = logging::create(&log).await;
                // The record's "This record" list has a new call.
                if let Some(record) = answer.linked.as_ref().or(log.call.record.as_ref()) {
                    super::history::forget(&record.id);
                }
                Input::Delivered {
                    answer,
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
                let result = logging::update(&log, change).await;
                // Moved: both records' "This record" lists change.
                if change == crate::desk::Change::Record {
                    for record in [log.call.record.as_ref(), log.linked.as_ref()]
                        .into_iter()
                        .flatten()
                    {
                        super::history::forget(&record.id);
                    }
                }
                Input::Updated {
                    result,
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
        wrapup,
        recent,
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
            let mut note =
                CallLogNote::of(&call.call_id, &log.entry.delivery, &ui_host, &org_state);
            note.hold_until_ms = log.held(now_ms()).then_some(log.hold_until_ms);
            Some(note)
        }
        _ => None,
    };
    let wrapup = match (wrapup, logging.as_ref()) {
        (Some(parts), Some(l)) => Some(wrapup_view(parts, &l.org_id).await),
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
            wrapup,
            recent,
        },
    )
}

/// What the desk knows of the wrap-up of the call a panel shows.
pub struct WrapUpParts {
    call_id: String,
    record: CallRecord,
    current: Option<CallerMatch>,
    pinned: bool,
}

/// The wrap-up as the panel shows it: the desk's part, with the org's memo values, what the
/// user may create and search, and the subject the template gives.
async fn wrapup_view(parts: WrapUpParts, org_id: &str) -> WrapUpView {
    let org = store::org(org_id).await.ok().flatten();
    let mapping = logging::mapping(org_id).await.unwrap_or_default();
    let capabilities = org.as_ref().and_then(|o| o.capabilities.clone());
    let task = capabilities.as_ref().and_then(|c| c.task.clone());
    let memo_options = FieldMapping::mapped(&mapping.memo_field)
        .and_then(|field| {
            let task = task.as_ref()?;
            (task.createable.contains(field) || task.updateable.contains(field))
                .then(|| task.picklists.get(field).cloned())
                .flatten()
        })
        .unwrap_or_default();
    let api = capabilities
        .as_ref()
        .is_some_and(|c| c.lookup_blocked().is_none());
    let mut current = parts.current;
    if let (Some(m), Some(org)) = (current.as_mut(), org.as_ref()) {
        if !m.url.starts_with("https://") {
            m.url = record_url(&org.ui_host, &m.object, &m.id);
        }
    }
    let record = parts.record;
    let mut automatic = record.clone();
    automatic.subject = None;
    let locale = logging::locale();
    let name = current.as_ref().map(|m| m.name.as_str());
    WrapUpView {
        call_id: parts.call_id,
        memo_options,
        memo: record.memo_tags.clone(),
        subject: record.subject.clone().unwrap_or_default(),
        subject_auto: subject_for(&automatic, &mapping, locale, name),
        subject_editable: task
            .as_ref()
            .is_some_and(|t| t.createable.contains("Subject")),
        record: current,
        pinned: parts.pinned,
        can_create: capabilities
            .as_ref()
            .filter(|_| api)
            .map(|c| c.createable.clone())
            .unwrap_or_default(),
        can_search: api,
        notes: record.comments.clone(),
    }
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
    wrapup: Option<WrapUpParts>,
    recent: Vec<RecentCall>,
}

/// What the panel of `tab` shows: the caller card and the call's Task only on a page of the
/// logging org (another org's page must not see this org's record names).
pub fn view_parts(desk: &Desk, tab: Option<i32>) -> ViewParts {
    let mut state = desk.phone.clone();
    // An earlier call the user brought back: this panel shows it as its last call.
    if let Some(shown) = tab.and_then(|t| desk.shown_in(t)) {
        state.call = Some(shown);
    }
    let sip_id = state
        .call
        .as_ref()
        .map(|c| c.call_id.clone())
        .unwrap_or_default();
    let this_org = tab.is_some_and(|t| desk.shows_notes(t));
    let confirm = desk.confirming_in(tab, now_ms()).map(|c| DialConfirm {
        dial_id: c.dial.dial_id.clone(),
        number: PhoneNumber::parse(&c.dial.number, desk.region())
            .map(|n| n.display())
            .unwrap_or_else(|_| c.dial.number.clone()),
        costly: c.costly,
    });
    let now = now_ms();
    let wrapup = desk
        .draft_record(&sip_id, now)
        .filter(|_| this_org)
        .map(|mut record| {
            let current = desk.record_of_call(&sip_id);
            let pinned = match (&desk.logging_org, &current) {
                (Some(org), Some(m)) => desk
                    .pin_of(org, &record.remote_number)
                    .is_some_and(|p| p.id == m.id),
                _ => false,
            };
            if let Some(p) = desk.pending_of(&sip_id) {
                if let Some(tags) = &p.memo {
                    record.memo_tags = tags.clone();
                }
                if let Some(notes) = &p.notes {
                    record.comments = notes.clone();
                }
            }
            WrapUpParts {
                call_id: sip_id.clone(),
                record,
                current,
                pinned,
            }
        });
    let recent = if this_org {
        desk.recent_calls()
            .into_iter()
            .map(|log| {
                let call_id = log.shown_id().to_string();
                RecentCall {
                    shown: call_id == sip_id,
                    call_id,
                    outgoing: log.call.direction == Direction::Outbound,
                    number: log.call.remote_number.clone(),
                    name: log.record().map(|r| r.name.clone()),
                    started_ms: u64::try_from(log.call.dial_started_ms).unwrap_or_default(),
                    answered: log.call.answered_ms.is_some(),
                    status: CallLogNote::of("", &log.entry.delivery, "", "").status,
                }
            })
            .collect()
    } else {
        vec![]
    };
    ViewParts {
        recent,
        wrapup,
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
