//! A deterministic simulator of the call desk's world, in the spirit of FoundationDB's and
//! TigerBeetle's: one seed decides everything (a fake clock; the phone's calls, made by the real
//! phone engine and its SIP agent against a simulated registrar and far end (`pbx`): answered or
//! not, hung up by either side, busy, no answer, callers who give up, a second caller while we
//! talk, a registrar slower than a dial waits; the user's clicks, picks and memos; tabs and
//! pages coming and going; a Salesforce that commits before it answers, loses answers, answers 5xx / 401 / limit errors and is slow, a worker killed at random
//! points between any two effects and restored from what it stored, reports duplicated and
//! reordered, the browser restarted). After every run it checks the promise: each call that
//! reached someone is exactly one Task, by this user, on the right record, with the last memo
//! and transcript; no Task written twice; nothing pending once the org answers.
//!
//! `run(seed)` replays exactly: a failing seed printed by `cargo test` or `./build.sh sim` is
//! the whole reproduction.

use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

mod pbx;

use super::notice::{Notice, NoticeAction, NoticeKind};
use super::{Answer, Desk, Effect, Input, Reply, DESK_KEY, LOG_KEY_PREFIX};
use crate::call::engine::{Effect as EngineEffect, Engine, Input as EngineInput, Tone};
use crate::call::settings::{DtmfMode, PhoneSettings};
use crate::call::{CallEnd, CallPhase, PhoneCommand};
use crate::calllog::{CallerCard, CallerMatch, KnownRecord};
use crate::outbox::{outcome_of_failure, Delivery, Outcome, REQUEST_TIMEOUT_MS};
use crate::salesforce::id::RecordId;

const ORG: &str = "00D5g000004ABCDEAA";
const USER: &str = "005000000000001AAA";
const OTHER_USER: &str = "005000000000002AAA";
/// Another org open in the same browser (a consultant's second client): its pages dial, but
/// nothing of ours may be logged there, and a call dialled from it is logged nowhere.
const OTHER_ORG: &str = "00D5g0000OTHEREAA";
/// The tab of the other org's page.
const OTHER_TAB: i32 = 9;

/// Splitmix64: small, fast, and the same on every machine. The simulator's own, not the SIP
/// agent's (`sip::context::Rng`): a replay must stay exact whatever becomes of that one.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }
}

/// What one run found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub seed: u64,
    /// Calls that reached someone and that the desk saw.
    pub lifecycles: usize,
    pub lost: usize,
    pub duplicate: usize,
    pub stuck: usize,
    /// A Task on the wrong record, or missing the last memo / transcript.
    pub wrong: usize,
    /// What went wrong, for the failing seed's reader.
    pub problems: Vec<String>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.lost + self.duplicate + self.stuck + self.wrong == 0
    }
}

#[derive(Debug, Clone)]
struct SfTask {
    /// The org it was written in.
    org: String,
    call_object: String,
    created_by: String,
    who: Option<String>,
    memo: Vec<String>,
    transcript: Option<String>,
    subject: Option<String>,
}

impl SfTask {
    /// The Task a log's request writes (a create's whole, an update's changed field of it).
    fn of(log: &super::Log) -> SfTask {
        SfTask {
            org: log.entry.org_id.clone(),
            call_object: log.entry.call_id.clone(),
            created_by: USER.into(),
            who: log.call.record.as_ref().map(|r| r.id.as_str().to_string()),
            memo: log.call.memo_tags.clone(),
            transcript: log.call.transcript.clone(),
            subject: log.call.subject.clone(),
        }
    }
}

/// What the user says in a call's wrap-up, and what the Task must end up with.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Said {
    memo: Vec<String>,
    transcript: Option<String>,
    subject: Option<String>,
    /// Moved to this record (search, or a record just created).
    relink: Option<String>,
}

/// What the sim knows to be true about a call.
#[derive(Debug, Clone)]
struct Truth {
    sip_id: String,
    incoming: bool,
    /// Ended normally by a cause that makes an outgoing attempt worth a Task.
    reached: bool,
    dial_id: Option<String>,
    record: Option<String>,
    memo: Vec<String>,
    transcript: Option<String>,
    subject: Option<String>,
    /// The user moved the Task to another record.
    relinked: bool,
    /// Ended by a browser restart: its log is optional (the engine was gone).
    interrupted: bool,
    /// Dialled from a page of the other org: it must not be logged anywhere.
    other_org: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    /// Deliver this input to the worker (from the engine, a page, a response…).
    ToWorker(u64),
    /// Something on the phone line: to the engine, to the far end, or the user's hand.
    Line(u64),
    /// A wake-up the engine asked for (of the engine of this generation).
    EngineTick(u64),
    Alarm,
    Kill,
    BrowserRestart,
    /// A Salesforce page of the org opens (with a fresh login when the session had expired).
    PageOpen,
    SessionExpires,
    NewCall,
    /// The user saves a memo (and a transcript arrives); `Some`: saving again what got no answer.
    UserMemo(String, Option<Said>),
    UserPick,
    /// A request's commit point at Salesforce.
    Commit(u64),
    /// A request's answer reaches the worker (or its timeout fires).
    Answer(u64),
    /// Another user writes a Task with one of our call ids (it must not be taken for ours).
    Impostor(String),
    /// A page of the other org opens (once the logging org is known).
    OtherPageOpen,
}

struct Flight {
    worker_gen: u64,
    input: Option<Input>,
    /// What Salesforce does at the commit point.
    commit: Option<SfTask>,
    call_id: String,
    verify: bool,
    created_by: Option<String>,
    update: Option<(super::Change, u32)>,
    payload: Option<SfTask>,
    fault: Fault,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    /// Committed, the answer lost (or it came after our timeout).
    LostAnswer,
    /// 5xx: committed or not, nobody knows.
    ServerError {
        committed: bool,
    },
    /// Refused before anything was written.
    Refused(&'static str),
}

/// The phone: the real engine (and its SIP agent) with the far end of its line.
struct Phone {
    engine: Engine,
    pbx: pbx::Pbx,
    /// A browser restart makes a new engine: what was on its way to the old one is dropped.
    generation: u64,
    /// What is on the line, by its `Event::Line` id.
    on_line: BTreeMap<u64, (u64, OnLine)>,
    /// `Event::EngineTick`s queued: the engine's timers alone keep no world running.
    ticks_queued: usize,
    /// Calls whose end the simulator has seen reported (the user's memo, then the next call).
    ended: BTreeSet<(u32, u64)>,
    /// Ended calls the worker said it stored.
    acked: BTreeSet<String>,
    /// The tone the engine last asked for, and each moment it disagreed with the call.
    tone: Tone,
    tone_wrong: Vec<String>,
}

#[derive(Debug, Clone)]
enum OnLine {
    ToEngine(EngineInput),
    ToPbx(String),
    /// The user acts on the call `.0`, if it is still the live one.
    User(String, PhoneCommand),
    /// The user's press on a notification came to nothing (the worker stopped on it): the call
    /// still rings, so they press in the panel.
    UserAgain(String, PhoneCommand),
}

pub struct World {
    rng: Rng,
    now: u64,
    queue: BinaryHeap<std::cmp::Reverse<(u64, u64, Event)>>,
    order: u64,
    storage: BTreeMap<String, serde_json::Value>,
    worker: Option<Desk>,
    worker_gen: u64,
    alarm: Option<u64>,
    phone: Phone,
    messages: BTreeMap<u64, (u64, Input)>,
    flights: BTreeMap<u64, Flight>,
    next_id: u64,
    tasks: Vec<SfTask>,
    truths: BTreeMap<String, Truth>,
    seen: BTreeSet<String>,
    session_valid: bool,
    limited_until: u64,
    page_opened: bool,
    /// A page of the other org is open: click-to-calls may come from it.
    other_page: bool,
    /// The dial ids of click-to-calls from the other org's page.
    other_dials: BTreeSet<String>,
    calls_left: u32,
    /// The browser's notifications of ours, by id (what the user sees).
    shown: BTreeMap<String, Notice>,
    /// The phone takes a second caller beside the call (else: busy).
    call_waiting: bool,
    /// Healthy from here on: no faults, no kills, so what is pending must drain.
    calm_from: u64,
    /// `SFPHONE_SIM_TRACE=1`: every input and its effects on stderr, to read a failing seed.
    trace: bool,
}

impl World {
    pub fn new(seed: u64) -> World {
        let mut rng = Rng::new(seed);
        let calls_left = rng.between(1, 4) as u32;
        let mut world = World {
            rng,
            now: 1_700_000_000_000,
            queue: BinaryHeap::new(),
            order: 0,
            storage: BTreeMap::new(),
            worker: None,
            worker_gen: 0,
            alarm: None,
            phone: Phone {
                engine: Engine::new(seed),
                pbx: pbx::Pbx::default(),
                generation: 1,
                on_line: BTreeMap::new(),
                ticks_queued: 0,
                ended: BTreeSet::new(),
                acked: BTreeSet::new(),
                tone: Tone::Silent,
                tone_wrong: vec![],
            },
            messages: BTreeMap::new(),
            flights: BTreeMap::new(),
            next_id: 0,
            tasks: vec![],
            truths: BTreeMap::new(),
            seen: BTreeSet::new(),
            session_valid: true,
            limited_until: 0,
            page_opened: false,
            other_page: false,
            other_dials: BTreeSet::new(),
            calls_left,
            shown: BTreeMap::new(),
            call_waiting: false,
            calm_from: 0,
            trace: std::env::var_os("SFPHONE_SIM_TRACE").is_some(),
        };
        world.calm_from = world.now + 20 * 60_000;
        // Once the world is calm the user opens Salesforce: from then on the org answers.
        world.at(20 * 60_000, Event::PageOpen);
        // Sometimes calls come before any Salesforce page is opened since the browser started.
        let first_page = if world.rng.chance(30) {
            world.rng.between(60_000, 15 * 60_000)
        } else {
            world.rng.between(0, 5_000)
        };
        world.at(first_page, Event::PageOpen);
        if world.rng.chance(40) {
            let delay = first_page + world.rng.between(1_000, 10 * 60_000);
            world.at(delay, Event::OtherPageOpen);
        }
        world.phone.pbx.registrar_ms = world.registrar_ms();
        // Half the worlds take a second caller beside the call (call waiting), half say busy.
        world.call_waiting = world.rng.chance(50);
        let account = settings(world.call_waiting);
        world.line(0, OnLine::ToEngine(EngineInput::Settings(account)));
        let first_call = world.rng.between(1_000, 30_000);
        world.at(first_call, Event::NewCall);
        world.send(0, Input::EngineStarted);
        world.send(1, Input::Wake);
        // Half the users log after a wrap-up time (what they do in it rides in the create).
        if world.rng.chance(50) {
            let policy = super::LogPolicy {
                after_wrap_up: true,
                wrap_up_secs: world.rng.between(10, 90) as u32,
            };
            world.send(2, Input::SetLogPolicy { policy });
        }
        world
    }

    fn calm(&self) -> bool {
        self.now >= self.calm_from
    }

    fn at(&mut self, delay: u64, event: Event) {
        self.order += 1;
        self.queue
            .push(std::cmp::Reverse((self.now + delay, self.order, event)));
    }

    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// A message to the worker, delivered after `delay` (and sometimes twice).
    fn send(&mut self, delay: u64, input: Input) {
        let id = self.id();
        self.messages.insert(id, (self.worker_gen, input.clone()));
        self.at(delay, Event::ToWorker(id));
        if !self.calm() && self.rng.chance(10) {
            let again = self.id();
            self.messages.insert(again, (self.worker_gen, input));
            let later = delay + self.rng.between(0, 3_000);
            self.at(later, Event::ToWorker(again));
        }
    }

    fn worker(&mut self) -> &mut Desk {
        if self.worker.is_none() {
            self.worker_gen += 1;
            let snapshot = self.storage.get(DESK_KEY).cloned();
            let logs = self
                .storage
                .iter()
                .filter(|(k, _)| k.starts_with(LOG_KEY_PREFIX))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let restored = Desk::restore(snapshot, logs);
            assert!(!restored.snapshot_unreadable, "our own snapshot reads back");
            assert!(
                restored.desk.unreadable.is_empty(),
                "our own logs read back"
            );
            // The runner's start takes away notifications the desk no longer shows (a worker
            // stopped between storing its snapshot and clearing one).
            self.shown
                .retain(|id, _| restored.desk.notices.iter().any(|n| &n.id == id));
            self.worker = Some(restored.desk);
            // The worker's start resumes what waits (as the top-level resume does).
            self.order += 1;
            self.queue.push(std::cmp::Reverse((
                self.now,
                self.order,
                Event::ToWorker(u64::MAX),
            )));
        }
        self.worker.as_mut().expect("just restored")
    }

    /// One input through the worker: handled, then its effects carried out in order; the worker
    /// may be killed between any two. Returns the reply when the turn completed.
    fn process(&mut self, input: Input) -> Option<Reply> {
        let now = self.now;
        if self.trace {
            eprintln!("{:>9} > {input:?}", now - 1_700_000_000_000);
        }
        let turn = self.worker().handle(input, now);
        if self.trace {
            eprintln!("{:>9}   {:?} {:?}", "", turn.effects, turn.reply);
        }
        for effect in turn.effects {
            if !self.calm() && self.rng.chance(3) {
                if self.trace {
                    eprintln!("{:>9}   KILLED before {effect:?}", "");
                }
                self.kill();
                return None;
            }
            self.execute(effect);
        }
        Some(turn.reply)
    }

    fn kill(&mut self) {
        self.worker = None;
    }

    fn execute(&mut self, effect: Effect) {
        let desk = self.worker.as_ref().expect("a turn runs in a worker");
        match effect {
            Effect::SaveDesk => {
                if let Some(call) = &desk.phone.call {
                    if !call.call_id.is_empty() {
                        self.seen.insert(call.call_id.clone());
                    }
                }
                let value = serde_json::to_value(desk).expect("serialisable");
                self.storage.insert(DESK_KEY.into(), value);
            }
            Effect::SaveLog(id) => {
                let log = &desk.logs[&id];
                self.seen.insert(log.sip_call_id.clone());
                let value = serde_json::to_value(log).expect("serialisable");
                self.storage.insert(log.key(), value);
            }
            Effect::RemoveLog(id) => {
                self.storage.remove(&format!("{LOG_KEY_PREFIX}{id}"));
            }
            Effect::Broadcast | Effect::ShowPanel { .. } | Effect::ScreenPop { .. } => {}
            Effect::Notify { notice, fresh } => {
                if fresh || self.shown.contains_key(&notice.id) {
                    self.shown.insert(notice.id.clone(), notice);
                }
            }
            Effect::Unnotify(id) => {
                self.shown.remove(&id);
            }
            Effect::WakeAt(t) => self.alarm = Some(t.max(self.now + 1_000)),
            Effect::Phone(command) => {
                let delay = self.rng.between(1, 50);
                self.line(delay, OnLine::ToEngine(EngineInput::Command(command)));
            }
            Effect::LookUp {
                call_id, number, ..
            } => {
                let card = self.card_for(&call_id, &number);
                let delay = self.rng.between(50, 2_000);
                self.send(delay, Input::LookedUp { card });
            }
            Effect::Create { call_id } => {
                let task = SfTask::of(&desk.logs[&call_id]);
                self.request(call_id, false, None, None, Some(task), None);
            }
            Effect::Verify {
                call_id,
                created_by,
            } => self.request(call_id, true, created_by, None, None, None),
            Effect::Update {
                call_id,
                change,
                rev,
            } => {
                let payload = SfTask::of(&desk.logs[&call_id]);
                self.request(
                    call_id,
                    false,
                    None,
                    Some((change, rev)),
                    None,
                    Some(payload),
                );
            }
        }
    }

    fn card_for(&mut self, call_id: &str, number: &str) -> CallerCard {
        let found = self.rng.chance(70);
        let matches = if found {
            (0..self.rng.between(1, 2))
                .map(|i| CallerMatch {
                    object: "Contact".into(),
                    id: RecordId::parse(&format!("003000000000{i:03}")).expect("an id"),
                    name: format!("Caller {number} {i}"),
                    account_id: None,
                    detail: None,
                    url: String::new(),
                    owner_id: None,
                })
                .collect()
        } else {
            vec![]
        };
        CallerCard {
            call_id: call_id.into(),
            status: if found {
                crate::calllog::CardStatus::Found
            } else {
                crate::calllog::CardStatus::NotFound
            },
            matches,
            picked: false,
        }
    }

    fn request(
        &mut self,
        call_id: String,
        verify: bool,
        created_by: Option<String>,
        update: Option<(super::Change, u32)>,
        commit: Option<SfTask>,
        payload: Option<SfTask>,
    ) {
        let fault = if self.calm() {
            Fault::None
        } else {
            match self.rng.below(100) {
                0..=11 => Fault::LostAnswer,
                12..=19 => Fault::ServerError {
                    committed: self.rng.chance(50),
                },
                20..=23 => Fault::Refused("REQUEST_LIMIT_EXCEEDED"),
                _ => Fault::None,
            }
        };
        if fault == Fault::Refused("REQUEST_LIMIT_EXCEEDED") {
            // The daily limit is reached for a while (its rolling window moves on).
            self.limited_until = self.now + self.rng.between(1_000, 20 * 60_000);
        }
        let fault = if !self.session_valid {
            Fault::Refused("INVALID_SESSION_ID")
        } else if self.now < self.limited_until {
            Fault::Refused("REQUEST_LIMIT_EXCEEDED")
        } else {
            fault
        };
        let id = self.id();
        // Slow: it commits, then answers, possibly after our timeout (the lease outlasts both).
        let slow = !self.calm() && self.rng.chance(15);
        let commit_at = if slow {
            self.rng.between(1_000, REQUEST_TIMEOUT_MS + 15_000)
        } else {
            self.rng.between(20, 800)
        };
        let answer_at = commit_at + self.rng.between(5, if slow { 10_000 } else { 300 });
        self.flights.insert(
            id,
            Flight {
                worker_gen: self.worker_gen,
                input: None,
                commit,
                call_id,
                verify,
                created_by,
                update,
                payload,
                fault,
            },
        );
        self.at(commit_at, Event::Commit(id));
        self.at(answer_at.min(REQUEST_TIMEOUT_MS), Event::Answer(id));
    }

    /// Salesforce carries the request out (or refuses it) at its commit point.
    fn commit(&mut self, id: u64) {
        let Some(flight) = self.flights.get_mut(&id) else {
            return;
        };
        let fault = flight.fault;
        let writes = match fault {
            Fault::None | Fault::LostAnswer => true,
            Fault::ServerError { committed } => committed,
            Fault::Refused(_) => false,
        };
        let answer = if flight.verify {
            let found = self.tasks.iter().find(|t| {
                t.call_object == flight.call_id
                    && flight
                        .created_by
                        .as_ref()
                        .is_none_or(|u| *u == t.created_by)
            });
            match fault {
                Fault::Refused(code) => Answer::of(outcome_of_failure(code)),
                _ => Answer::of(match found {
                    Some(_) => Outcome::Written {
                        task_id: format!("00T{:015}", id),
                    },
                    None => Outcome::Absent,
                }),
            }
        } else if let Some((change, rev)) = flight.update {
            if writes {
                if let Some(new) = flight.payload.clone() {
                    for task in self
                        .tasks
                        .iter_mut()
                        .filter(|t| t.call_object == flight.call_id && t.created_by == USER)
                    {
                        match change {
                            super::Change::Memo => task.memo = new.memo.clone(),
                            super::Change::Transcript => task.transcript = new.transcript.clone(),
                            super::Change::Subject => task.subject = new.subject.clone(),
                            super::Change::Record => task.who = new.who.clone(),
                        }
                    }
                }
            }
            let result = match fault {
                Fault::None => Ok(()),
                Fault::Refused(code) => Err((true, code.to_string())),
                _ => Err((true, "NO_ANSWER".to_string())),
            };
            flight.input = Some(Input::Updated {
                call_id: flight.call_id.clone(),
                change,
                rev,
                result,
            });
            return;
        } else {
            if writes {
                if let Some(task) = flight.commit.clone() {
                    self.tasks.push(task);
                }
            }
            match fault {
                Fault::None => Answer::of(Outcome::Written {
                    task_id: format!("00T{:015}", id),
                }),
                Fault::Refused(code) => Answer::of(outcome_of_failure(code)),
                _ => Answer::of(Outcome::Unknown),
            }
        };
        let answer = match fault {
            // The answer never comes: at the timeout the worker knows nothing.
            Fault::LostAnswer if !flight.verify => Answer::of(Outcome::Unknown),
            Fault::LostAnswer => Answer::of(Outcome::Unknown),
            _ => answer,
        };
        flight.input = Some(Input::Delivered {
            call_id: flight.call_id.clone(),
            verify: flight.verify,
            answer,
        });
    }

    fn answer(&mut self, id: u64) {
        let Some(mut flight) = self.flights.remove(&id) else {
            return;
        };
        let alive = flight.worker_gen == self.worker_gen && self.worker.is_some();
        let input = match flight.input.take() {
            Some(input) => input,
            None => {
                // Not at Salesforce's commit point yet: our timeout fires (or the worker is
                // gone), and Salesforce still carries it out later.
                let input = match flight.update {
                    Some((change, rev)) => Input::Updated {
                        call_id: flight.call_id.clone(),
                        change,
                        rev,
                        result: Err((true, "TIMEOUT".into())),
                    },
                    None => Input::Delivered {
                        call_id: flight.call_id.clone(),
                        verify: flight.verify,
                        answer: Answer::of(Outcome::TimedOut),
                    },
                };
                flight.worker_gen = 0;
                self.flights.insert(id, flight);
                input
            }
        };
        // A worker that was stopped took its fetch with it: nobody hears the answer.
        if alive {
            self.process(input);
        }
    }

    /// Something on the line after `delay`, for the current engine.
    fn line(&mut self, delay: u64, what: OnLine) {
        let id = self.id();
        self.phone.on_line.insert(id, (self.phone.generation, what));
        self.at(delay, Event::Line(id));
    }

    /// One input through the engine, and its effects carried out: SIP to the far end, media
    /// that gets ready, reports to the worker, wake-ups.
    fn feed_engine(&mut self, input: EngineInput) {
        if self.trace {
            eprintln!("{:>9} phone > {input:?}", self.now - 1_700_000_000_000);
        }
        let effects = self.phone.engine.handle(input, self.now, self.now);
        for effect in effects {
            match effect {
                EngineEffect::Send(text) => {
                    let delay = self.rng.between(1, 40);
                    self.line(delay, OnLine::ToPbx(text));
                }
                EngineEffect::OpenTransport => {
                    let delay = self.rng.between(5, 100);
                    self.line(delay, OnLine::ToEngine(EngineInput::TransportOpened));
                }
                EngineEffect::WakeAt(at) => {
                    self.phone.ticks_queued += 1;
                    let generation = self.phone.generation;
                    self.at(at.saturating_sub(self.now), Event::EngineTick(generation));
                }
                EngineEffect::PrepareMedia { call, .. } => {
                    let delay = self.rng.between(10, 300);
                    let sdp = "v=0\r\no=- 2 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n".to_string();
                    self.line(
                        delay,
                        OnLine::ToEngine(EngineInput::MediaReady { call, sdp }),
                    );
                }
                EngineEffect::Report { state, seq, ended } => {
                    if let Some(call) = state.call.as_ref().filter(|c| c.phase == CallPhase::Ended)
                    {
                        if self.phone.ended.insert((call.id, call.started_at_ms)) {
                            self.call_ended(call.call_id.clone());
                        }
                    }
                    let delay = self.rng.between(1, 400);
                    self.send(delay, Input::PhoneReport { state, seq, ended });
                }
                EngineEffect::Tone(tone) => self.phone.tone = tone,
                // Media, the transport's close: nothing the desk could see.
                _ => {}
            }
        }
        // A second caller the engine let wait beside the call (call waiting) reached us.
        let state = &self.phone.engine.state;
        for call in [state.call.as_ref(), state.other.as_ref()]
            .into_iter()
            .flatten()
        {
            if let Some(truth) = self.truths.get_mut(&call.call_id) {
                if truth.sip_id.ends_with("@second.sim.example") {
                    truth.reached = true;
                }
            }
        }
        // The phone rings exactly while a call rings for us, and plays the ring-back exactly
        // while ours rings at the far end: never a ringtone left on after the call.
        let phase = self.phone.engine.state.live_call().map(|c| c.phase);
        let waiting = self
            .phone
            .engine
            .state
            .live_other()
            .is_some_and(|c| c.phase == CallPhase::Incoming);
        let expected = match phase {
            Some(CallPhase::Incoming) => matches!(self.phone.tone, Tone::Ring { .. }),
            Some(CallPhase::Ringing) => {
                let due = self
                    .phone
                    .engine
                    .ringback_due()
                    .is_some_and(|at| at <= self.now);
                self.phone.tone == if due { Tone::Ringback } else { Tone::Silent }
            }
            Some(_) if waiting => self.phone.tone == Tone::Waiting,
            _ => self.phone.tone == Tone::Silent,
        };
        if !expected {
            self.phone
                .tone_wrong
                .push(format!("{:?} while the call is {phase:?}", self.phone.tone));
        }
    }

    /// What the far end and the user do about what the engine sent.
    fn far_end(&mut self, acts: Vec<pbx::Act>) {
        for act in acts {
            match act {
                pbx::Act::ToEngine { after, text } => {
                    let delay = after + self.rng.between(1, 40);
                    self.line(delay, OnLine::ToEngine(EngineInput::Received(text.into())));
                }
                pbx::Act::User {
                    after,
                    sip_call_id,
                    command,
                } => self.line(after, OnLine::User(sip_call_id, command)),
                pbx::Act::Placed { sip_call_id, plan } => {
                    let sip_call_id_for_wrapup = sip_call_id.clone();
                    // A click-to-call's dial id rides on the engine's call.
                    let dial_id = self
                        .phone
                        .engine
                        .state
                        .live_call()
                        .and_then(|c| c.dial_id.clone());
                    let peer = self
                        .phone
                        .engine
                        .state
                        .live_call()
                        .map(|c| c.peer.clone())
                        .unwrap_or_default();
                    let record = dial_id.as_ref().map(|_| dial_record(&peer));
                    let other_org = dial_id
                        .as_ref()
                        .is_some_and(|d| self.other_dials.contains(d));
                    self.truths.insert(
                        sip_call_id.clone(),
                        Truth {
                            sip_id: sip_call_id,
                            incoming: false,
                            reached: reaches(&plan),
                            dial_id,
                            record: record.map(|r| r.id.as_str().to_string()),
                            memo: vec![],
                            transcript: None,
                            subject: None,
                            relinked: false,
                            interrupted: false,
                            other_org,
                        },
                    );
                    self.wrap_up_during(&sip_call_id_for_wrapup);
                }
            }
        }
    }

    /// Sometimes the user starts the wrap-up while the call is still going.
    fn wrap_up_during(&mut self, sip_call_id: &str) {
        if self.rng.chance(40) {
            let delay = self.rng.between(200, 20_000);
            self.at(delay, Event::UserMemo(sip_call_id.to_string(), None));
        }
    }

    /// A call ended (as the engine reported it): the user writes a memo (and a transcript
    /// comes) some of the time, and the next call comes later.
    fn call_ended(&mut self, sip_call_id: String) {
        if !sip_call_id.is_empty() {
            for _ in 0..self.rng.below(3) {
                let delay = self.rng.between(100, 120_000);
                self.at(delay, Event::UserMemo(sip_call_id.clone(), None));
            }
        }
        if self.calls_left > 0 {
            let delay = self.rng.between(1_000, 120_000);
            self.at(delay, Event::NewCall);
        }
    }

    /// Mostly quick; sometimes slower than a dial waits for it (`REGISTER_WAIT_MS`).
    fn registrar_ms(&mut self) -> u64 {
        if self.rng.chance(20) {
            self.rng.between(1_000, 8_000)
        } else {
            self.rng.between(1, 50)
        }
    }

    /// Somebody calls us: the truth of the call (whether it `reached` someone, which a caller
    /// told we are busy does not), and the far end's INVITE.
    fn ring_in(&mut self, sip_id: String, number: &str, plan: pbx::Plan, reached: bool) {
        self.truths.insert(
            sip_id.clone(),
            Truth {
                sip_id: sip_id.clone(),
                incoming: true,
                reached,
                dial_id: None,
                record: None,
                memo: vec![],
                transcript: None,
                subject: None,
                relinked: false,
                interrupted: false,
                other_org: false,
            },
        );
        self.wrap_up_during(&sip_id);
        let acts = self.phone.pbx.call_in(&sip_id, number, plan);
        self.far_end(acts);
    }

    /// How the next call goes: answered or not, and who ends it how.
    fn plan(&mut self, incoming: bool) -> pbx::Plan {
        let answered = self.rng.chance(70);
        let end = if answered {
            if self.rng.chance(50) {
                CallEnd::HungUp
            } else {
                CallEnd::RemoteHungUp
            }
        } else if incoming {
            CallEnd::Missed
        } else {
            [
                CallEnd::Busy,
                CallEnd::NoAnswer,
                CallEnd::NotFound,
                CallEnd::Cancelled,
            ][self.rng.below(4) as usize]
        };
        pbx::Plan {
            answered,
            end,
            ring_ms: self.rng.between(300, 20_000),
            talk_ms: self.rng.between(500, 60_000),
        }
    }

    fn new_call(&mut self) {
        if self.calls_left == 0 {
            return;
        }
        if !self.phone.engine.idle() {
            // Still on a call, or its end not yet acknowledged: the next one comes later. Now
            // and then somebody else calls meanwhile: the engine tells them we are busy (that
            // call reaches nobody: no Task, and the call on the line goes on), or, with call
            // waiting, lets it ring beside the call (then it is a call like any other).
            if self.phone.engine.state.live_call().is_some() && self.rng.chance(30) {
                let sip_id = format!("{:x}@second.sim.example", self.rng.next_u64());
                let number = format!("+8131235{:04}", self.rng.below(10_000));
                let plan = self.plan(true);
                self.ring_in(sip_id, &number, plan, false);
            }
            self.at(30_000, Event::NewCall);
            return;
        }
        self.calls_left -= 1;
        let number = format!("+8131234{:04}", self.rng.below(10_000));
        match self.rng.below(3) {
            0 => {
                let plan = self.plan(true);
                let sip_id = format!("{:x}@caller.sim.example", self.rng.next_u64());
                if self.rng.chance(50) {
                    let delay = plan.ring_ms / 2;
                    self.at(delay, Event::UserPick);
                }
                let reached = reaches(&plan);
                self.ring_in(sip_id, &number, plan, reached);
            }
            1 => {
                self.phone.pbx.next_outgoing = Some(self.plan(false));
                // A click-to-call on a record page: through the worker, with its dial id;
                // sometimes on a page of the other org.
                let dial_id = format!("dial-{}", self.id());
                let record = dial_record(&number);
                let delay = self.rng.between(1, 50);
                let other = self.other_page && self.rng.chance(30);
                if other {
                    self.other_dials.insert(dial_id.clone());
                }
                let (org_id, tab) = if other {
                    (Some(OTHER_ORG.to_string()), Some(OTHER_TAB))
                } else {
                    (self.page_opened.then(|| ORG.to_string()), Some(1))
                };
                self.send(
                    delay,
                    Input::Dial {
                        dial_id,
                        number,
                        record: Some(record),
                        org_id,
                        tab,
                    },
                );
            }
            _ => {
                // A number typed in the panel: straight to the engine, no dial id.
                self.phone.pbx.next_outgoing = Some(self.plan(false));
                let delay = self.rng.between(1, 50);
                let dial = PhoneCommand::Dial {
                    number,
                    dial_id: None,
                };
                self.line(delay, OnLine::ToEngine(EngineInput::Command(dial)));
            }
        }
    }

    fn browser_restart(&mut self) {
        self.kill();
        // The engine goes with the browser, and the calls on it that the worker had not
        // stored yet; the tabs too. A new engine starts with the settings.
        for (sip_id, truth) in self.truths.iter_mut() {
            if !self.phone.acked.contains(sip_id) {
                truth.interrupted = true;
            }
        }
        let seed = self.rng.next_u64();
        self.phone.engine = Engine::new(seed);
        // The old document's audio went with it.
        self.phone.tone = Tone::Silent;
        self.phone.pbx = pbx::Pbx::new(self.registrar_ms());
        self.phone.generation += 1;
        self.phone.on_line.clear();
        let account = settings(self.call_waiting);
        self.line(100, OnLine::ToEngine(EngineInput::Settings(account)));
        self.flights.retain(|_, f| f.input.is_none());
        for flight in self.flights.values_mut() {
            flight.worker_gen = 0;
        }
        self.messages.clear();
        self.page_opened = false;
        self.send(100, Input::EngineStarted);
        let delay = self.rng.between(1_000, 60_000);
        self.at(delay, Event::PageOpen);
        if self.calls_left > 0 {
            let delay = self.rng.between(1_000, 60_000);
            self.at(delay, Event::NewCall);
        }
    }

    fn step(&mut self, event: Event) {
        if self.trace && !matches!(event, Event::ToWorker(_)) {
            eprintln!("{:>9} {event:?}", self.now - 1_700_000_000_000);
        }
        match event {
            Event::ToWorker(u64::MAX) => {
                self.process(Input::Wake);
            }
            Event::ToWorker(id) => {
                let Some((gen, input)) = self.messages.remove(&id) else {
                    return;
                };
                let _ = gen;
                let from_engine = matches!(input, Input::PhoneReport { .. });
                // A content script whose message got no answer (the worker was stopped while
                // handling it) sends it again.
                let retried = matches!(input, Input::PageSession { .. } | Input::PanelHello { .. })
                    .then(|| input.clone());
                let reply = self.process(input);
                if let (None, Some(input)) = (&reply, retried) {
                    self.send(1_000, input);
                }
                if let (true, Some(Reply::Stored(stored))) = (from_engine, reply) {
                    self.phone.acked.extend(stored.iter().cloned());
                    self.feed_engine(EngineInput::Acknowledged { stored });
                }
            }
            Event::Line(id) => {
                let Some((generation, what)) = self.phone.on_line.remove(&id) else {
                    return;
                };
                if generation != self.phone.generation {
                    return;
                }
                match what {
                    OnLine::ToEngine(input) => self.feed_engine(input),
                    OnLine::ToPbx(text) => {
                        let acts = self.phone.pbx.hear(&text);
                        self.far_end(acts);
                    }
                    OnLine::UserAgain(sip_id, command) => {
                        let ringing = self
                            .phone
                            .engine
                            .state
                            .ringing()
                            .is_some_and(|c| c.call_id == sip_id);
                        if ringing {
                            self.feed_engine(EngineInput::Command(command));
                        }
                    }
                    OnLine::User(sip_id, command) => {
                        // Half the time the user answers or declines on the notification, when
                        // it is shown: through the desk, as the worker's listener does.
                        let notice = format!("ring:{sip_id}");
                        let action = match command {
                            PhoneCommand::Answer => Some(NoticeAction::Answer),
                            PhoneCommand::Decline => Some(NoticeAction::Decline),
                            _ => None,
                        };
                        // The user acts on the call in front, or answers or declines the one
                        // that rings (a second one waits beside the call).
                        let state = &self.phone.engine.state;
                        let live = match command {
                            PhoneCommand::Answer | PhoneCommand::Decline => {
                                state.ringing().is_some_and(|c| c.call_id == sip_id)
                            }
                            _ => state.live_call().is_some_and(|c| c.call_id == sip_id),
                        };
                        // A call on hold beside the one in front is hung up as the panel
                        // lets a user: switch to it, then hang up.
                        let held = state.live_other().is_some_and(|c| c.call_id == sip_id);
                        let answering =
                            matches!(command, PhoneCommand::Answer | PhoneCommand::Decline);
                        match action {
                            _ if held && !answering => {
                                self.feed_engine(EngineInput::Command(PhoneCommand::Switch));
                                self.line(500, OnLine::User(sip_id, command));
                            }
                            Some(action)
                                if self.shown.contains_key(&notice) && self.rng.chance(50) =>
                            {
                                self.send(1, Input::NoticeAction { id: notice, action });
                                self.line(5_000, OnLine::UserAgain(sip_id, command));
                            }
                            _ if live => self.feed_engine(EngineInput::Command(command)),
                            _ => {}
                        }
                    }
                }
            }
            Event::EngineTick(generation) => {
                self.phone.ticks_queued -= 1;
                let due = self
                    .phone
                    .engine
                    .next_wake()
                    .is_some_and(|at| at <= self.now);
                if generation == self.phone.generation && due {
                    self.feed_engine(EngineInput::Tick);
                }
            }
            Event::Alarm => {
                self.alarm = None;
                self.process(Input::Wake);
            }
            Event::Kill => {
                if !self.calm() {
                    self.kill();
                    let delay = self.rng.between(1_000, 60_000);
                    self.at(delay, Event::Kill);
                }
            }
            Event::BrowserRestart => {
                if !self.calm() {
                    self.browser_restart();
                }
            }
            Event::SessionExpires => {
                if !self.calm() {
                    self.session_valid = false;
                    let delay = self.rng.between(10_000, 300_000);
                    self.at(delay, Event::PageOpen);
                }
            }
            Event::PageOpen => {
                self.page_opened = true;
                self.session_valid = true;
                let tab = self.rng.below(5) as i32 + 1;
                let delay = self.rng.between(1, 100);
                self.send(
                    delay,
                    Input::PanelHello {
                        tab,
                        org_id: Some(ORG.into()),
                    },
                );
                let delay = self.rng.between(1, 300);
                self.send(
                    delay,
                    Input::PageSession {
                        org_id: ORG.into(),
                        user_id: Some(USER.into()),
                    },
                );
                // A second tab loading at the same moment (after a re-login, both reload).
                if self.rng.chance(40) {
                    let delay = self.rng.between(1, 300);
                    self.send(
                        delay,
                        Input::PageSession {
                            org_id: ORG.into(),
                            user_id: Some(USER.into()),
                        },
                    );
                }
                if !self.calm() && self.rng.chance(30) {
                    let delay = self.rng.between(10_000, 200_000);
                    self.at(delay, Event::PageOpen);
                }
            }
            Event::NewCall => self.new_call(),
            Event::OtherPageOpen => {
                // Only once the user's own org is the logging org (the first one connected),
                // as stored: what a killed worker had only in memory is not a choice made.
                let ready = self
                    .storage
                    .get(DESK_KEY)
                    .is_some_and(|d| d["loggingOrg"] == ORG);
                if !ready {
                    self.at(10_000, Event::OtherPageOpen);
                    return;
                }
                self.other_page = true;
                let delay = self.rng.between(1, 300);
                self.send(
                    delay,
                    Input::PageSession {
                        org_id: OTHER_ORG.into(),
                        user_id: Some(USER.into()),
                    },
                );
                self.send(
                    delay + 1,
                    Input::PanelHello {
                        tab: OTHER_TAB,
                        org_id: Some(OTHER_ORG.into()),
                    },
                );
            }
            Event::UserMemo(sip_id, again) => {
                // The panel offers the wrap-up during the call (it waits with the call) and
                // once the call has its log.
                let (logged, live) = self.worker.as_ref().map_or((false, false), |d| {
                    let live = [d.phone.live_call(), d.phone.live_other()]
                        .into_iter()
                        .flatten()
                        .any(|c| c.call_id == sip_id);
                    (d.log_of(&sip_id).is_some(), live)
                });
                if !logged && !live && again.is_none() {
                    return;
                }
                // (Transcripts come after the call, from the recording.)
                let said = again.unwrap_or_else(|| Said {
                    memo: vec![format!("tag-{}", self.rng.below(1000))],
                    transcript: (logged && self.rng.chance(30))
                        .then(|| format!("text {}", self.now)),
                    subject: self.rng.chance(30).then(|| format!("subject {}", self.now)),
                    relink: self
                        .rng
                        .chance(20)
                        .then(|| format!("003000000000{:03}", 900 + self.rng.below(99))),
                });
                let mut inputs = vec![Input::Memo {
                    call_id: sip_id.clone(),
                    tags: said.memo.clone(),
                }];
                if let Some(text) = &said.transcript {
                    inputs.push(Input::Transcript {
                        call_id: sip_id.clone(),
                        text: text.clone(),
                    });
                }
                if let Some(text) = &said.subject {
                    inputs.push(Input::Subject {
                        call_id: sip_id.clone(),
                        text: text.clone(),
                    });
                }
                if let Some(id) = &said.relink {
                    inputs.push(Input::Relink {
                        call_id: sip_id.clone(),
                        record: CallerMatch {
                            object: "Contact".into(),
                            id: RecordId::parse(id).expect("an id"),
                            name: format!("Found {id}"),
                            account_id: None,
                            detail: None,
                            url: String::new(),
                            owner_id: None,
                        },
                    });
                }
                let mut all = true;
                for input in inputs {
                    match self.process(input) {
                        Some(Reply::Log(_) | Reply::Ack) => {}
                        // No answer (the worker was stopped): the user saves it again.
                        None => {
                            self.at(2_000, Event::UserMemo(sip_id.clone(), Some(said.clone())));
                            all = false;
                            break;
                        }
                        // The call ended between the look and the save: said again, to its log.
                        Some(Reply::Error("UNKNOWN_CALL")) if live => {
                            self.at(500, Event::UserMemo(sip_id.clone(), Some(said.clone())));
                            all = false;
                            break;
                        }
                        Some(_) => {
                            all = false;
                            break;
                        }
                    }
                }
                if all {
                    if let Some(t) = self.truths.get_mut(&sip_id) {
                        t.memo = said.memo;
                        if said.transcript.is_some() {
                            t.transcript = said.transcript;
                        }
                        if said.subject.is_some() {
                            t.subject = said.subject;
                        }
                        if let Some(id) = said.relink {
                            let id = RecordId::parse(&id).expect("an id");
                            t.record = Some(id.as_str().to_string());
                            t.relinked = true;
                        }
                    }
                }
            }
            Event::UserPick => {
                let Some(desk) = self.worker.as_ref() else {
                    return;
                };
                let Some(call) = desk.phone.live_call().cloned() else {
                    return;
                };
                let Some(card) = desk.card_of(&call.call_id).filter(|c| c.matches.len() > 1) else {
                    return;
                };
                let pick = card.matches[1].id.clone();
                // The user picks in a panel that shows the card (a tab of the org).
                let tab = desk.tabs.iter().copied().find(|t| desk.shows_notes(*t));
                let reply = self.process(Input::Pick {
                    call_id: call.call_id.clone(),
                    record_id: pick.clone(),
                    tab,
                });
                if let Some(t) = self.truths.get_mut(&call.call_id) {
                    match reply {
                        Some(Reply::Ack) => t.record = Some(pick.as_str().to_string()),
                        // The worker stopped in the turn: the pick may or may not be stored
                        // (the user sees which in the panel); the record is not checked.
                        None if t.incoming && t.dial_id.is_none() => {
                            t.record = None;
                            t.relinked = false;
                        }
                        _ => {}
                    }
                }
            }
            Event::Commit(id) => self.commit(id),
            Event::Answer(id) => self.answer(id),
            Event::Impostor(sip_id) => {
                if let Some(log) = self.worker.as_ref().and_then(|d| d.log_of(&sip_id)) {
                    let call_object = log.entry.call_id.clone();
                    self.tasks.push(SfTask {
                        org: ORG.into(),
                        call_object,
                        created_by: OTHER_USER.into(),
                        who: None,
                        memo: vec![],
                        transcript: None,
                        subject: None,
                    });
                }
            }
        }
    }

    /// Runs the world until nothing is left to happen, then checks the promise.
    pub fn run(mut self, seed: u64) -> Report {
        let kill = self.rng.between(1_000, 60_000);
        self.at(kill, Event::Kill);
        if self.rng.chance(25) {
            let delay = self.rng.between(10_000, 15 * 60_000);
            self.at(delay, Event::BrowserRestart);
        }
        if self.rng.chance(30) {
            let delay = self.rng.between(10_000, 10 * 60_000);
            self.at(delay, Event::SessionExpires);
        }
        let mut events = 0;
        let horizon = self.calm_from + 6 * 3_600_000;
        let mut retried = false;
        loop {
            // The alarm fires when nothing else happens first (it also cold-starts a worker).
            // The line's own timers (re-registration) alone do not keep the world going.
            let only_the_line =
                self.queue.len() == self.phone.ticks_queued && self.phone.engine.idle();
            let next = self
                .queue
                .peek()
                .map(|std::cmp::Reverse((t, _, _))| *t)
                .filter(|_| !only_the_line);
            match (next, self.alarm) {
                (Some(t), Some(a)) if a < t => {
                    self.now = a;
                    self.step(Event::Alarm);
                }
                (None, Some(a)) => {
                    self.now = a;
                    self.step(Event::Alarm);
                }
                (Some(_), _) => {
                    let std::cmp::Reverse((t, _, event)) = self.queue.pop().expect("peeked");
                    self.now = self.now.max(t);
                    self.step(event);
                }
                (None, None) => {
                    // Quiet. The user retries what failed (the options page offers it), once
                    // the world is calm; then it must drain.
                    if !retried && self.now >= self.calm_from {
                        retried = true;
                        let failed: Vec<String> = self
                            .worker()
                            .logs
                            .values()
                            .filter(|l| matches!(l.entry.delivery, Delivery::Failed { .. }))
                            .map(|l| l.entry.call_id.clone())
                            .collect();
                        for id in failed {
                            self.send(1, Input::Retry { call_id: id });
                        }
                        continue;
                    }
                    break;
                }
            }
            events += 1;
            if self.now > horizon || events > 200_000 {
                break;
            }
            // Now and then, another user's Task with one of our call ids appears.
            if !self.calm() && self.rng.chance(1) {
                if let Some(sip) = self.truths.keys().next().cloned() {
                    self.at(0, Event::Impostor(sip));
                }
            }
        }
        self.check(seed)
    }

    fn check(mut self, seed: u64) -> Report {
        let mut report = Report {
            seed,
            ..Report::default()
        };
        let desk = self.worker().clone();
        report.wrong += self.phone.tone_wrong.len();
        // No notification is left for a call that does not ring any more.
        for notice in self.shown.values() {
            let ringing = desk
                .phone
                .live_call()
                .is_some_and(|c| c.phase == CallPhase::Incoming && c.call_id == notice.call_id);
            if notice.kind == NoticeKind::Ringing && !ringing {
                report.wrong += 1;
                report
                    .problems
                    .push(format!("{}: its notification still rings", notice.call_id));
            }
        }
        report
            .problems
            .extend(self.phone.tone_wrong.iter().map(|p| format!("tone: {p}")));
        let truths: Vec<Truth> = self.truths.values().cloned().collect();
        // Nothing is ever written in the other org.
        for task in self.tasks.iter().filter(|t| t.org != ORG) {
            report.wrong += 1;
            report
                .problems
                .push(format!("{}: a Task in {}", task.call_object, task.org));
        }
        for truth in truths {
            if truth.other_org {
                // Dialled from the other org's page: logged nowhere.
                let logged = desk.log_of(&truth.sip_id).is_some()
                    || self.tasks.iter().any(|t| t.call_object == truth.sip_id);
                if logged {
                    report.wrong += 1;
                    report.problems.push(format!(
                        "{}: dialled from the other org's page, yet logged",
                        truth.sip_id
                    ));
                }
                continue;
            }
            let log_id = desk
                .log_of(&truth.sip_id)
                .map(|l| l.entry.call_id.clone())
                .unwrap_or_else(|| truth.sip_id.clone());
            let ours: Vec<&SfTask> = self
                .tasks
                .iter()
                .filter(|t| t.call_object == log_id && t.created_by == USER && t.org == ORG)
                .collect();
            // A call the browser's restart interrupted took its engine with it: only the desk
            // knows of it, and what it logged must hold.
            let logged = desk.log_of(&truth.sip_id).is_some();
            let must = self.seen.contains(&truth.sip_id)
                && ((truth.reached && !truth.interrupted) || logged);
            let may = truth.reached && self.seen.contains(&truth.sip_id);
            if ours.len() > 1 {
                report.duplicate += 1;
                report
                    .problems
                    .push(format!("{}: {} Tasks", truth.sip_id, ours.len()));
            }
            if !may && !truth.interrupted && !ours.is_empty() {
                report.duplicate += 1;
                report.problems.push(format!(
                    "{}: a Task for a call that reached nobody",
                    truth.sip_id
                ));
            }
            if must {
                report.lifecycles += 1;
            }
            if must && ours.is_empty() {
                match desk.log_of(&truth.sip_id) {
                    Some(log) if log.entry.delivery.is_open() => {
                        report.stuck += 1;
                        report
                            .problems
                            .push(format!("{}: still {:?}", truth.sip_id, log.entry.delivery));
                    }
                    other => {
                        report.lost += 1;
                        report.problems.push(format!(
                            "{}: no Task ({:?})",
                            truth.sip_id,
                            other.map(|l| &l.entry.delivery)
                        ));
                    }
                }
                continue;
            }
            if let Some(task) = ours.first() {
                let log = desk.log_of(&truth.sip_id);
                if let Some(log) = log.filter(|l| !l.settled()) {
                    report.stuck += 1;
                    report
                        .problems
                        .push(format!("{}: not settled {:?}", truth.sip_id, log.entry));
                }
                if task.memo != truth.memo {
                    report.wrong += 1;
                    report.problems.push(format!(
                        "{}: memo {:?}, the user's last {:?}",
                        truth.sip_id, task.memo, truth.memo
                    ));
                }
                if task.subject != truth.subject {
                    report.wrong += 1;
                    report.problems.push(format!(
                        "{}: subject {:?}, the user's last {:?}",
                        truth.sip_id, task.subject, truth.subject
                    ));
                }
                if task.transcript != truth.transcript {
                    report.wrong += 1;
                    report.problems.push(format!(
                        "{}: transcript {:?}, expected {:?}",
                        truth.sip_id, task.transcript, truth.transcript
                    ));
                }
                // The record: the dial's for a click-to-call, the pick for an incoming call the
                // user picked on; none for a number typed in the panel. (An incoming call not
                // picked goes on what the card found, if it found in time.)
                let expected =
                    if truth.relinked || truth.dial_id.is_some() || truth.record.is_some() {
                        Some(truth.record.clone())
                    } else if !truth.incoming {
                        Some(None)
                    } else {
                        None
                    };
                if let Some(expected) = expected.filter(|e| *e != task.who) {
                    report.wrong += 1;
                    report.problems.push(format!(
                        "{}: on {:?}, expected {:?}",
                        truth.sip_id, task.who, expected
                    ));
                }
            }
        }
        // Nothing the outbox holds may be waiting still.
        for log in desk.logs.values() {
            if !log.settled() && !matches!(log.entry.delivery, Delivery::Failed { .. }) {
                let counted = report
                    .problems
                    .iter()
                    .any(|p| p.starts_with(&log.sip_call_id));
                if !counted {
                    report.stuck += 1;
                    report.problems.push(format!(
                        "{}: left {:?}",
                        log.sip_call_id, log.entry.delivery
                    ));
                }
            }
        }
        report
    }
}

/// The phone account the simulated engine registers with.
fn settings(call_waiting: bool) -> PhoneSettings {
    let mut settings = PhoneSettings {
        websocket_url: "wss://pbx.sim.example/ws".into(),
        sip_uri: "sip:1001@sip.test".into(),
        auth_user: String::new(),
        password: "secret".into(),
        display_name: String::new(),
        ice_servers: vec![],
        dtmf: DtmfMode::Info,
        ..PhoneSettings::default()
    };
    settings.ringing.call_waiting = call_waiting;
    settings
}

/// Whether a call so planned reached someone (and so becomes a Task): every incoming call
/// (a missed one too), and an outgoing one that rang, was busy or was answered.
fn reaches(plan: &pbx::Plan) -> bool {
    plan.answered
        || matches!(
            plan.end,
            CallEnd::Missed | CallEnd::Busy | CallEnd::NoAnswer | CallEnd::Cancelled
        )
}

fn dial_record(number: &str) -> KnownRecord {
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    let tail = &digits[digits.len().saturating_sub(4)..];
    KnownRecord {
        object: "Lead".into(),
        id: RecordId::parse(&format!("00Q00000000{tail:0>4}")).expect("an id"),
        name: format!("Lead {tail}"),
        account_id: None,
        owner_id: None,
    }
}

/// One seed's world, run and checked.
pub fn run(seed: u64) -> Report {
    World::new(seed).run(seed)
}

/// `n` seeds from `first`: the totals, and the first failing report if any.
pub fn run_many(first: u64, n: u64) -> (Report, Option<Report>) {
    let mut total = Report {
        seed: first,
        ..Report::default()
    };
    let mut failing = None;
    for seed in first..first + n {
        let r = run(seed);
        total.lifecycles += r.lifecycles;
        total.lost += r.lost;
        total.duplicate += r.duplicate;
        total.stuck += r.stuck;
        total.wrong += r.wrong;
        if !r.ok() && failing.is_none() {
            failing = Some(r);
        }
    }
    (total, failing)
}
