use super::*;
use crate::call::LineState;
use crate::outbox::LEASE_MS;

const ORG: &str = "00D5g000004ABCDEAA";
const USER: &str = "005000000000001AAA";
const T0: u64 = 1_700_000_000_000;

fn call(sip: &str, phase: CallPhase, incoming: bool) -> CallView {
    CallView {
        id: 1,
        call_id: sip.into(),
        dial_id: None,
        outgoing: !incoming,
        peer: "+81312345678".into(),
        peer_name: None,
        phase,
        started_at_ms: T0,
        answered_at_ms: Some(T0 + 1_000),
        muted: false,
        held: false,
        end: (phase == CallPhase::Ended).then_some(CallEnd::HungUp),
        ended_at_ms: (phase == CallPhase::Ended).then_some(T0 + 60_000),
        extension: None,
        transfer: None,
        recording: false,
    }
}

fn report(c: CallView, seq: u64) -> Input {
    Input::PhoneReport {
        state: PhoneState {
            line: LineState::Registered,
            call: Some(c),
            other: None,
            missing_devices: vec![],
            microphone_denied: false,
        },
        seq,
        ended: vec![],
    }
}

fn creates(turn: &Turn) -> usize {
    turn.effects
        .iter()
        .filter(|e| matches!(e, Effect::Create { .. }))
        .count()
}

fn verifies(turn: &Turn) -> usize {
    turn.effects
        .iter()
        .filter(|e| matches!(e, Effect::Verify { .. }))
        .count()
}

fn with_org() -> Desk {
    let mut desk = Desk::default();
    desk.handle(
        Input::PageSession {
            org_id: ORG.into(),
            user_id: Some(USER.into()),
        },
        T0,
    );
    desk
}

/// `with_org`, and a panel in `tab` on a page of that org (the logging org's).
fn with_panel(tab: i32) -> Desk {
    let mut desk = with_org();
    desk.handle(
        Input::PanelHello {
            tab,
            org_id: Some(ORG.into()),
        },
        T0,
    );
    desk
}

/// Saves the turn's persists the way the runner does, into a map.
fn persist(desk: &Desk, turn: &Turn, storage: &mut BTreeMap<String, serde_json::Value>) {
    for effect in &turn.effects {
        match effect {
            Effect::SaveDesk => {
                storage.insert(DESK_KEY.into(), serde_json::to_value(desk).unwrap());
            }
            Effect::SaveLog(id) => {
                let log = &desk.logs[id];
                storage.insert(log.key(), serde_json::to_value(log).unwrap());
            }
            _ => {}
        }
    }
}

fn restore(storage: &BTreeMap<String, serde_json::Value>) -> Desk {
    let logs = storage
        .iter()
        .filter(|(k, _)| k.starts_with(LOG_KEY_PREFIX))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Desk::restore(storage.get(DESK_KEY).cloned(), logs).desk
}

#[test]
fn an_ended_call_is_stored_before_it_is_broadcast_or_sent() {
    let mut desk = with_org();
    let turn = desk.handle(
        report(call("a@pbx", CallPhase::Ended, true), 1),
        T0 + 60_000,
    );
    assert_eq!(turn.reply, Reply::Stored(vec!["a@pbx".into()]));
    let save = turn
        .effects
        .iter()
        .position(|e| *e == Effect::SaveLog("a@pbx".into()))
        .expect("stored");
    let broadcast = turn
        .effects
        .iter()
        .position(|e| *e == Effect::Broadcast)
        .unwrap();
    let create = turn
        .effects
        .iter()
        .position(|e| matches!(e, Effect::Create { .. }))
        .unwrap();
    assert!(save < broadcast && broadcast < create, "{:?}", turn.effects);
}

#[test]
fn two_wakeups_while_the_create_is_in_flight_send_nothing_and_verify_nothing() {
    let mut desk = with_org();
    let first = desk.handle(report(call("b@pbx", CallPhase::Ended, true), 1), T0);
    assert_eq!(creates(&first), 1);
    // The alarm, a tab loading, the worker's start: all while the composite is in flight.
    for (i, input) in [
        Input::Wake,
        Input::PageSession {
            org_id: ORG.into(),
            user_id: Some(USER.into()),
        },
        Input::Wake,
    ]
    .into_iter()
    .enumerate()
    {
        let turn = desk.handle(input, T0 + 100 + i as u64);
        assert_eq!(creates(&turn) + verifies(&turn), 0, "{:?}", turn.effects);
    }
    // The same across a worker restart: the lease is stored with the entry.
    let mut storage = BTreeMap::new();
    persist(&desk, &first, &mut storage);
    let mut restarted = restore(&storage);
    let turn = restarted.handle(Input::Wake, T0 + 1_000);
    assert_eq!(creates(&turn) + verifies(&turn), 0);
    // The lease expired (the worker died with its request): verify, never send.
    let turn = restarted.handle(Input::Wake, T0 + LEASE_MS);
    assert_eq!((creates(&turn), verifies(&turn)), (0, 1));
    let Some(Effect::Verify { created_by, .. }) = turn
        .effects
        .iter()
        .find(|e| matches!(e, Effect::Verify { .. }))
    else {
        unreachable!()
    };
    assert_eq!(created_by.as_deref(), Some(USER), "filtered by the creator");
}

#[test]
fn a_repeated_ended_report_is_acknowledged_and_logged_once() {
    let mut desk = with_org();
    let ended = call("c@pbx", CallPhase::Ended, true);
    let first = desk.handle(report(ended.clone(), 3), T0);
    let again = desk.handle(
        Input::PhoneReport {
            state: PhoneState::default(),
            seq: 4,
            ended: vec![ended],
        },
        T0 + 10,
    );
    assert_eq!(creates(&first), 1);
    assert_eq!(creates(&again), 0);
    assert_eq!(again.reply, Reply::Stored(vec!["c@pbx".into()]));
    assert_eq!(desk.logs.len(), 1);
}

#[test]
fn a_call_that_ends_before_any_salesforce_page_waits_and_goes_to_the_first_org() {
    let mut desk = Desk::default();
    let turn = desk.handle(report(call("d@pbx", CallPhase::Ended, true), 1), T0);
    assert_eq!(creates(&turn), 0);
    assert_eq!(desk.logs["d@pbx"].entry.delivery, Delivery::AwaitingOrg);
    let turn = desk.handle(
        Input::PageSession {
            org_id: ORG.into(),
            user_id: Some(USER.into()),
        },
        T0 + 5_000,
    );
    assert_eq!(creates(&turn), 1);
    assert_eq!(desk.logs["d@pbx"].entry.org_id, ORG);
}

#[test]
fn a_click_to_call_is_joined_to_its_record_by_dial_id() {
    let mut desk = with_org();
    let lead = KnownRecord {
        object: "Lead".into(),
        id: RecordId::parse("00Q000000000001").unwrap(),
        name: "Lead".into(),
        account_id: None,
        owner_id: None,
    };
    let turn = desk.handle(
        Input::Dial {
            dial_id: "dial-9".into(),
            number: "+81312345678".into(),
            record: Some(lead.clone()),
            org_id: Some(ORG.into()),
            tab: Some(1),
        },
        T0,
    );
    assert!(turn.effects.contains(&Effect::Phone(PhoneCommand::Dial {
        number: "+81312345678".into(),
        dial_id: Some("dial-9".into()),
    })));
    // A call to the same number typed in the panel is not the click's.
    let typed = call("typed@pbx", CallPhase::Ended, false);
    desk.handle(report(typed, 1), T0 + 1_000);
    assert_eq!(desk.logs["typed@pbx"].call.record, None);
    let mut clicked = call("click@pbx", CallPhase::Ended, false);
    clicked.dial_id = Some("dial-9".into());
    desk.handle(report(clicked, 2), T0 + 2_000);
    assert_eq!(desk.logs["click@pbx"].call.record, Some(lead));
    assert!(desk.dials.is_empty(), "the dial is used up");
}

#[test]
fn picking_the_caller_survives_a_worker_restart() {
    let mut desk = with_org();
    let mut storage = BTreeMap::new();
    let ringing = call("e@pbx", CallPhase::Incoming, true);
    let turn = desk.handle(report(ringing.clone(), 1), T0);
    persist(&desk, &turn, &mut storage);
    let card = CallerCard {
        call_id: "e@pbx".into(),
        status: crate::calllog::CardStatus::Found,
        matches: ["003000000000001", "00Q000000000001"]
            .iter()
            .map(|id| crate::calllog::CallerMatch {
                object: "Contact".into(),
                id: RecordId::parse(id).unwrap(),
                name: "x".into(),
                account_id: None,
                detail: None,
                url: String::new(),
                owner_id: None,
            })
            .collect(),
        picked: false,
    };
    let turn = desk.handle(Input::LookedUp { card }, T0 + 100);
    persist(&desk, &turn, &mut storage);
    let mut connected = ringing;
    connected.phase = CallPhase::Connected;
    let turn = desk.handle(report(connected.clone(), 2), T0 + 200);
    persist(&desk, &turn, &mut storage);
    // 40 s into the call the worker is restarted; the user picks the second record, in the
    // panel of a tab of the org (another org's tab, or none, is refused).
    let mut desk = restore(&storage);
    let refused = desk.handle(
        Input::Pick {
            call_id: "e@pbx".into(),
            record_id: RecordId::parse("00Q000000000001").unwrap(),
            tab: None,
        },
        T0 + 39_000,
    );
    assert_eq!(refused.reply, Reply::Error("NO_CARD"));
    desk.handle(
        Input::PanelHello {
            tab: 1,
            org_id: Some(ORG.into()),
        },
        T0 + 39_500,
    );
    let lead = RecordId::parse("00Q000000000001").unwrap();
    let turn = desk.handle(
        Input::Pick {
            call_id: "e@pbx".into(),
            record_id: lead.clone(),
            tab: Some(1),
        },
        T0 + 40_000,
    );
    assert_eq!(turn.reply, Reply::Ack);
    let mut ended = connected;
    ended.phase = CallPhase::Ended;
    ended.end = Some(CallEnd::HungUp);
    desk.handle(report(ended, 3), T0 + 60_000);
    assert_eq!(desk.logs["e@pbx"].call.record.as_ref().unwrap().id, lead);
}

#[test]
fn an_unreadable_log_is_kept_aside_and_never_costs_another() {
    let mut desk = with_org();
    let mut storage = BTreeMap::new();
    let turn = desk.handle(report(call("f@pbx", CallPhase::Ended, true), 1), T0);
    persist(&desk, &turn, &mut storage);
    storage.insert("log:broken".into(), serde_json::json!({"entry": 42}));
    let logs = storage
        .iter()
        .filter(|(k, _)| k.starts_with(LOG_KEY_PREFIX))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let restored = Desk::restore(storage.get(DESK_KEY).cloned(), logs);
    assert_eq!(restored.desk.unreadable, vec!["log:broken".to_string()]);
    assert!(restored.desk.logs.contains_key("f@pbx"));
    let mut desk = restored.desk;
    let turn = desk.handle(Input::Wake, T0 + LEASE_MS);
    assert!(
        !turn
            .effects
            .iter()
            .any(|e| matches!(e, Effect::SaveLog(id) | Effect::RemoveLog(id) if id == "broken")),
        "the unreadable key is never written"
    );
}

#[test]
fn a_snapshot_of_another_version_is_not_misread() {
    let restored = Desk::restore(
        Some(serde_json::json!({"version": 99, "tabs": [1]})),
        vec![],
    );
    assert!(restored.snapshot_unreadable);
    assert!(restored.desk.tabs.is_empty());
}

#[test]
fn memo_changes_reach_the_task_one_at_a_time_and_the_last_wins() {
    let mut desk = with_org();
    desk.handle(report(call("g@pbx", CallPhase::Ended, true), 1), T0);
    desk.handle(
        Input::Delivered {
            call_id: "g@pbx".into(),
            verify: false,
            answer: Answer::of(Outcome::Written {
                task_id: "00T000000000001AAA".into(),
            }),
        },
        T0 + 100,
    );
    let first = desk.handle(
        Input::Memo {
            call_id: "g@pbx".into(),
            tags: vec!["A".into()],
        },
        T0 + 200,
    );
    let second = desk.handle(
        Input::Memo {
            call_id: "g@pbx".into(),
            tags: vec!["B".into()],
        },
        T0 + 300,
    );
    let updates = |t: &Turn| {
        t.effects
            .iter()
            .filter(|e| matches!(e, Effect::Update { .. }))
            .count()
    };
    assert_eq!((updates(&first), updates(&second)), (1, 0), "one in flight");
    let done = desk.handle(
        Input::Updated {
            call_id: "g@pbx".into(),
            change: Change::Memo,
            rev: 1,
            result: Ok(()),
        },
        T0 + 400,
    );
    assert!(done.effects.contains(&Effect::Update {
        call_id: "g@pbx".into(),
        change: Change::Memo,
        rev: 2
    }));
}

#[test]
fn a_log_awaits_an_answer_while_its_request_is_in_flight_or_due() {
    let mut desk = with_org();
    desk.handle(report(call("i@pbx", CallPhase::Ended, true), 1), T0);
    assert!(
        desk.logs["i@pbx"].awaiting_answer(T0),
        "the create is in flight"
    );
    desk.handle(
        Input::Delivered {
            call_id: "i@pbx".into(),
            verify: false,
            answer: Answer::of(Outcome::NotWritten {
                code: "INVALID_SESSION_ID".into(),
                retryable: true,
            }),
        },
        T0 + 10,
    );
    let log = &desk.logs["i@pbx"];
    assert!(
        !log.awaiting_answer(T0 + 10),
        "waiting for a login, not for an answer"
    );
    assert!(log.awaiting_answer(log.entry.next_at_ms), "due again");
}

#[test]
fn text_is_bounded_as_salesforce_takes_it() {
    let mut desk = with_org();
    desk.handle(report(call("h@pbx", CallPhase::Ended, true), 1), T0);
    desk.handle(
        Input::Transcript {
            call_id: "h@pbx".into(),
            text: "あ".repeat(40_000),
        },
        T0,
    );
    desk.handle(
        Input::Memo {
            call_id: "h@pbx".into(),
            tags: vec!["x".repeat(300); 30],
        },
        T0,
    );
    let log = &desk.logs["h@pbx"];
    assert_eq!(
        log.call.transcript.as_ref().unwrap().chars().count(),
        log::MAX_TRANSCRIPT_CHARS
    );
    assert_eq!(log.call.memo_tags.len(), log::MAX_MEMO_TAGS);
    assert!(log.call.memo_tags.iter().all(|t| t.len() == 255));
}

#[test]
fn the_simulator_replays_a_seed_exactly() {
    assert_eq!(sim::run(7), sim::run(7));
}

/// 10,000 lifecycles or more (each seed is a world of one to four calls).
#[test]
fn simulated_lifecycles_are_each_exactly_one_task() {
    let seeds = std::env::var("SFPHONE_SIM_SEEDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000);
    let (total, failing) = sim::run_many(1, seeds);
    if let Some(r) = failing {
        panic!(
            "seed {} fails (replay: ./build.sh sim 1 {}): {:#?}",
            r.seed, r.seed, r
        );
    }
    assert!(total.lifecycles >= 10_000, "{total:?}");
}

const OTHER_ORG: &str = "00D5g0000ZZZZZZEAA";

fn page(desk: &mut Desk, org: &str) {
    desk.handle(
        Input::PageSession {
            org_id: org.into(),
            user_id: Some(USER.into()),
        },
        T0,
    );
}

#[test]
fn the_first_org_connected_is_the_logging_org_and_another_orgs_page_does_not_change_it() {
    let mut desk = Desk::default();
    page(&mut desk, ORG);
    page(&mut desk, OTHER_ORG);
    assert_eq!(desk.logging_org.as_deref(), Some(ORG));
    // An incoming call is looked up in the logging org, whichever page was opened last.
    let turn = desk.handle(report(call("in@pbx", CallPhase::Incoming, true), 1), T0);
    let looked_up_in: Vec<&str> = turn
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::LookUp { org_id, .. } => Some(org_id.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(looked_up_in, vec![ORG]);
    let turn = desk.handle(
        report(call("in@pbx", CallPhase::Ended, true), 2),
        T0 + 60_000,
    );
    assert_eq!(desk.log_of("in@pbx").unwrap().entry.org_id, ORG);
    assert_eq!(creates(&turn), 1);
    // The user chooses the other org: from now on calls go there.
    desk.handle(
        Input::ChooseLoggingOrg {
            org_id: OTHER_ORG.into(),
        },
        T0 + 61_000,
    );
    let mut second = call("in2@pbx", CallPhase::Ended, true);
    second.id = 2;
    desk.handle(report(second, 3), T0 + 120_000);
    assert_eq!(desk.log_of("in2@pbx").unwrap().entry.org_id, OTHER_ORG);
}

#[test]
fn a_call_dialled_from_another_orgs_page_is_not_logged() {
    let mut desk = Desk::default();
    page(&mut desk, ORG);
    desk.handle(
        Input::Dial {
            dial_id: "dial-other".into(),
            number: "+81312345678".into(),
            record: None,
            org_id: Some(OTHER_ORG.into()),
            tab: Some(1),
        },
        T0,
    );
    let mut dialled = call("out@pbx", CallPhase::Ended, false);
    dialled.dial_id = Some("dial-other".into());
    let turn = desk.handle(report(dialled.clone(), 1), T0 + 60_000);
    assert!(desk.log_of("out@pbx").is_none());
    assert_eq!(creates(&turn), 0);
    assert!(desk.dials.is_empty(), "the dial is done with");
    // The same ended call reported again (the engine re-sends until acknowledged, a report
    // may come twice): still not logged, though its dial is forgotten. (The simulator found
    // this one.)
    let again = desk.handle(report(dialled, 2), T0 + 61_000);
    assert!(desk.log_of("out@pbx").is_none());
    assert_eq!(creates(&again), 0);
    // The same from a page of the logging org is logged.
    desk.handle(
        Input::Dial {
            dial_id: "dial-ours".into(),
            number: "+81312345678".into(),
            record: None,
            org_id: Some(ORG.into()),
            tab: Some(1),
        },
        T0 + 70_000,
    );
    let mut ours = call("out2@pbx", CallPhase::Ended, false);
    ours.id = 2;
    ours.dial_id = Some("dial-ours".into());
    desk.handle(report(ours, 2), T0 + 120_000);
    assert_eq!(desk.log_of("out2@pbx").unwrap().entry.org_id, ORG);
}

#[test]
fn only_tabs_of_the_logging_org_see_the_caller_and_the_task() {
    let mut desk = Desk::default();
    page(&mut desk, ORG);
    for (tab, org) in [(1, Some(ORG)), (2, Some(OTHER_ORG)), (3, None)] {
        desk.handle(
            Input::PanelHello {
                tab,
                org_id: org.map(str::to_string),
            },
            T0,
        );
    }
    assert!(desk.shows_notes(1));
    assert!(!desk.shows_notes(2));
    assert!(!desk.shows_notes(3));
    desk.handle(Input::TabGone { tab: 1 }, T0);
    assert!(!desk.tab_orgs.contains_key(&1));
    // A desk stored by the version before (its `org` the last page's) reads its org as the
    // logging org.
    let old = serde_json::json!({"version": SNAPSHOT_VERSION, "org": ORG});
    let restored = Desk::restore(Some(old), vec![]).desk;
    assert_eq!(restored.logging_org.as_deref(), Some(ORG));
}

fn dial(desk: &mut Desk, id: &str, number: &str, tab: i32, at: u64) -> Turn {
    desk.handle(
        Input::Dial {
            dial_id: id.into(),
            number: number.into(),
            record: None,
            org_id: Some(ORG.into()),
            tab: Some(tab),
        },
        at,
    )
}

fn dials(turn: &Turn) -> usize {
    turn.effects
        .iter()
        .filter(|e| matches!(e, Effect::Phone(PhoneCommand::Dial { .. })))
        .count()
}

#[test]
fn a_tab_dials_a_few_numbers_a_minute_and_no_more() {
    let mut desk = with_org();
    for i in 0..DIALS_PER_WINDOW {
        let turn = dial(
            &mut desk,
            &format!("d{i}"),
            "+81312345678",
            1,
            T0 + i as u64,
        );
        assert_eq!(dials(&turn), 1);
    }
    let refused = dial(&mut desk, "over", "+81312345678", 1, T0 + 10);
    assert_eq!(refused.reply, Reply::Error("TOO_MANY_DIALS"));
    assert_eq!(dials(&refused), 0);
    // Another tab has its own budget; a minute later this one has again.
    assert_eq!(dials(&dial(&mut desk, "t2", "+81312345678", 2, T0 + 20)), 1);
    let later = dial(
        &mut desk,
        "later",
        "+81312345678",
        1,
        T0 + DIAL_RATE_WINDOW_MS + 5,
    );
    assert_eq!(dials(&later), 1);
}

#[test]
fn a_costly_number_waits_for_the_users_yes_in_the_panel_of_its_tab() {
    let mut desk = with_org();
    let turn = dial(&mut desk, "premium", "+882161234567", 3, T0);
    assert_eq!(dials(&turn), 0, "not dialled yet");
    assert!(turn.effects.contains(&Effect::Broadcast));
    assert_eq!(
        desk.confirming_in(Some(3), T0).map(|c| c.costly),
        Some(Costly::InternationalNetwork)
    );
    assert!(
        desk.confirming_in(Some(4), T0).is_none(),
        "another tab's panel does not ask"
    );
    // No: nothing is dialled, and the question is gone.
    let no = desk.handle(
        Input::ConfirmDial {
            dial_id: "premium".into(),
            dial: false,
        },
        T0 + 1_000,
    );
    assert_eq!(dials(&no), 0);
    assert!(desk.confirming.is_none());
    // Yes: dialled once, with its dial id; a second yes finds nothing.
    dial(&mut desk, "premium2", "0990-123-456", 3, T0 + 2_000);
    let yes = desk.handle(
        Input::ConfirmDial {
            dial_id: "premium2".into(),
            dial: true,
        },
        T0 + 3_000,
    );
    assert_eq!(dials(&yes), 1);
    let again = desk.handle(
        Input::ConfirmDial {
            dial_id: "premium2".into(),
            dial: true,
        },
        T0 + 3_100,
    );
    assert_eq!(again.reply, Reply::Error("NO_DIAL"));
    // A yes after the question expired dials nothing.
    dial(&mut desk, "premium3", "+1 900 555 0100", 3, T0 + 10_000);
    let late = desk.handle(
        Input::ConfirmDial {
            dial_id: "premium3".into(),
            dial: true,
        },
        T0 + 10_000 + CONFIRM_MAX_AGE_MS,
    );
    assert_eq!(dials(&late), 0);
}

#[test]
fn the_user_chooses_which_dials_ask_first() {
    let rules = DialRules::default();
    assert_eq!(
        rules.asks("+882161234567"),
        Some(Costly::InternationalNetwork)
    );
    assert_eq!(
        rules.asks("+14155550100"),
        None,
        "abroad asks only when chosen"
    );
    assert_eq!(rules.asks("0312345678"), None);
    let abroad = DialRules {
        confirm_costly: false,
        confirm_abroad: true,
        region: None,
    };
    assert_eq!(abroad.asks("+14155550100"), Some(Costly::Abroad));
    assert_eq!(abroad.asks("+882161234567"), Some(Costly::Abroad));
    assert_eq!(
        abroad.asks("0990123456"),
        None,
        "premium, but at home and not asked for"
    );
    assert_eq!(abroad.asks("+81312345678"), None);
    // Kept in the desk, so a worker restart keeps the choice.
    let mut desk = with_org();
    desk.handle(Input::SetDialRules { rules: abroad }, T0);
    let turn = dial(&mut desk, "us", "+14155550100", 1, T0 + 1);
    assert_eq!(dials(&turn), 0);
    assert_eq!(
        desk.confirming_in(Some(1), T0 + 1).map(|c| c.costly),
        Some(Costly::Abroad)
    );
}

#[test]
fn abroad_is_another_country_than_the_users_region() {
    let in_us = DialRules {
        confirm_costly: true,
        confirm_abroad: true,
        region: Some("US".into()),
    };
    assert_eq!(in_us.asks("+14155550100"), None, "at home in the US");
    assert_eq!(in_us.asks("+81312345678"), Some(Costly::Abroad));
    // A US premium number (900) is costly there; read nationally, as the user wrote it.
    assert_eq!(in_us.asks("900-555-0100"), Some(Costly::PremiumRate));
}

fn policy(value: serde_json::Value) -> crate::policy::Policy {
    let (policy, problems) = crate::policy::Policy::parse(&value);
    assert!(problems.is_empty(), "{problems:?}");
    policy
}

#[test]
fn the_administrators_dial_rules_and_log_policy_win_and_the_users_come_back_after() {
    let mut desk = with_org();
    let mine = DialRules {
        confirm_costly: true,
        confirm_abroad: false,
        region: Some("GB".into()),
    };
    desk.handle(
        Input::SetDialRules {
            rules: mine.clone(),
        },
        T0,
    );
    let managed = policy(serde_json::json!({
        "defaultRegion": "US",
        "confirmAbroad": true,
        "autoLog": {"afterWrapUp": true, "wrapUpSecs": 30},
    }));
    let turn = desk.handle(
        Input::SetPolicy {
            policy: managed.clone(),
        },
        T0 + 1,
    );
    assert!(turn.effects.contains(&Effect::SaveDesk));
    assert_eq!(desk.region(), "US");
    assert!(desk.dial_rules().confirm_abroad);
    assert!(desk.log_policy().after_wrap_up);
    // The same policy again changes nothing.
    let again = desk.handle(Input::SetPolicy { policy: managed }, T0 + 2);
    assert!(again.effects.is_empty());
    // The user's choice was kept under the lock: the policy gone, it applies again.
    desk.handle(
        Input::SetPolicy {
            policy: crate::policy::Policy::default(),
        },
        T0 + 3,
    );
    assert_eq!(desk.dial_rules(), mine);
    assert_eq!(desk.region(), "GB");
    assert!(!desk.log_policy().after_wrap_up);
}

#[test]
fn calls_are_logged_only_in_an_org_the_policy_lists() {
    const LISTED: &str = "00D000000000002";
    let mut desk = with_org();
    assert_eq!(desk.logging_org.as_deref(), Some(ORG));
    desk.handle(
        Input::SetPolicy {
            policy: policy(serde_json::json!({"loggingOrgs": [LISTED]})),
        },
        T0,
    );
    assert_eq!(
        desk.logging_org, None,
        "the unlisted org is no longer logged in"
    );
    assert_eq!(
        desk.handle(Input::ChooseLoggingOrg { org_id: ORG.into() }, T0 + 1)
            .reply,
        Reply::Error("SET_BY_ADMIN")
    );
    desk.handle(
        Input::PageSession {
            org_id: LISTED.into(),
            user_id: None,
        },
        T0 + 2,
    );
    assert_eq!(desk.logging_org.as_deref(), Some(LISTED));
}

fn notices(turn: &Turn) -> Vec<Effect> {
    turn.effects
        .iter()
        .filter(|e| matches!(e, Effect::Notify { .. } | Effect::Unnotify(_)))
        .cloned()
        .collect()
}

fn card_found(sip: &str, names: &[(&str, &str)]) -> CallerCard {
    CallerCard {
        call_id: sip.into(),
        status: crate::calllog::CardStatus::Found,
        matches: names
            .iter()
            .enumerate()
            .map(|(i, (name, account))| crate::calllog::CallerMatch {
                object: "Contact".into(),
                id: RecordId::parse(&format!("00300000000000{i}")).unwrap(),
                name: (*name).into(),
                account_id: None,
                detail: Some((*account).into()),
                url: format!("https://acme.lightning.force.com/lightning/r/Contact/{i}/view"),
                owner_id: None,
            })
            .collect(),
        picked: false,
    }
}

#[test]
fn a_ringing_call_is_notified_named_once_looked_up_and_taken_away_when_answered() {
    let mut desk = with_org();
    let turn = desk.handle(report(call("n@pbx", CallPhase::Incoming, true), 1), T0);
    let shown = notices(&turn);
    let [Effect::Notify {
        notice,
        fresh: true,
    }] = shown.as_slice()
    else {
        panic!("one new notice: {shown:?}");
    };
    assert_eq!(notice.id, "ring:n@pbx");
    assert_eq!(notice.number, "03-1234-5678", "as people write it");
    assert_eq!(notice.caller, notice::NoticeCaller::Looking);
    // The same report again: nothing new.
    let turn = desk.handle(report(call("n@pbx", CallPhase::Incoming, true), 1), T0);
    assert_eq!(notices(&turn), []);
    // The lookup answers: the notice is updated in place, with the name and the account.
    let card = card_found(
        "n@pbx",
        &[("佐藤 花子", "Acme 株式会社"), ("Sato", "Other")],
    );
    let turn = desk.handle(Input::LookedUp { card }, T0 + 300);
    let updated = notices(&turn);
    let [Effect::Notify {
        notice,
        fresh: false,
    }] = updated.as_slice()
    else {
        panic!("an update: {updated:?}");
    };
    assert_eq!(
        notice.caller,
        notice::NoticeCaller::Found {
            name: "佐藤 花子".into(),
            detail: Some("Acme 株式会社".into()),
            records: 2,
        }
    );
    // Answered (in the panel): the notice goes.
    let turn = desk.handle(
        report(call("n@pbx", CallPhase::Connecting, true), 2),
        T0 + 2_000,
    );
    assert_eq!(notices(&turn), [Effect::Unnotify("ring:n@pbx".into())]);
    assert!(desk.notices.is_empty());
}

#[test]
fn a_notification_answers_or_declines_only_the_call_it_rings_for() {
    let mut desk = with_panel(7);
    desk.handle(report(call("a@pbx", CallPhase::Incoming, true), 1), T0);
    let turn = desk.handle(
        Input::NoticeAction {
            id: "ring:a@pbx".into(),
            action: notice::NoticeAction::Answer,
        },
        T0 + 500,
    );
    assert!(turn.effects.contains(&Effect::Phone(PhoneCommand::Answer)));
    // Answering brings the user to the panel of the logging org's tab.
    assert!(turn.effects.contains(&Effect::ShowPanel {
        tab: Some(7),
        org_id: Some(ORG.into()),
    }));
    // A press on an old notification (another call, or this one once it stopped ringing)
    // does nothing.
    for (seq, id, phase) in [
        (2, "ring:old@pbx", CallPhase::Incoming),
        (3, "ring:a@pbx", CallPhase::Connected),
    ] {
        desk.handle(report(call("a@pbx", phase, true), seq), T0 + 600);
        let turn = desk.handle(
            Input::NoticeAction {
                id: id.into(),
                action: notice::NoticeAction::Decline,
            },
            T0 + 700,
        );
        assert!(
            !turn.effects.iter().any(|e| matches!(e, Effect::Phone(_))),
            "{id} {phase:?}: {:?}",
            turn.effects
        );
    }
}

#[test]
fn a_missed_call_leaves_a_notification_until_the_user_clicks_or_closes_it() {
    let mut desk = with_org();
    desk.handle(report(call("m@pbx", CallPhase::Incoming, true), 1), T0);
    let mut missed = call("m@pbx", CallPhase::Ended, true);
    missed.end = Some(CallEnd::Missed);
    missed.answered_at_ms = None;
    let turn = desk.handle(report(missed.clone(), 2), T0 + 20_000);
    let effects = notices(&turn);
    assert_eq!(effects[0], Effect::Unnotify("ring:m@pbx".into()));
    assert!(matches!(
        &effects[1],
        Effect::Notify { notice, fresh: true } if notice.id == "missed:m@pbx"
            && notice.kind == notice::NoticeKind::Missed
    ));
    // It stays through the next call and a restarted worker...
    let mut storage = BTreeMap::new();
    persist(&desk, &turn, &mut storage);
    let mut desk = restore(&storage);
    let turn = desk.handle(
        report(call("next@pbx", CallPhase::Connected, false), 3),
        T0 + 30_000,
    );
    assert_eq!(notices(&turn), []);
    assert_eq!(desk.notices.len(), 1);
    // ...until clicked: the panel shows, and the notice goes for good.
    let turn = desk.handle(
        Input::NoticeAction {
            id: "missed:m@pbx".into(),
            action: notice::NoticeAction::Open,
        },
        T0 + 40_000,
    );
    assert!(turn
        .effects
        .iter()
        .any(|e| matches!(e, Effect::ShowPanel { .. })));
    assert_eq!(notices(&turn), [Effect::Unnotify("missed:m@pbx".into())]);
    let turn = desk.handle(report(missed, 2), T0 + 50_000);
    assert_eq!(
        notices(&turn),
        [],
        "a repeated report does not bring it back"
    );
}

#[test]
fn missed_call_notifications_keep_the_newest_few() {
    let mut desk = with_org();
    for i in 0..7 {
        let mut missed = call(&format!("m{i}@pbx"), CallPhase::Ended, true);
        missed.end = Some(CallEnd::Missed);
        desk.handle(report(missed, i + 1), T0 + i * 1_000);
    }
    let ids: Vec<&str> = desk.notices.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "missed:m2@pbx",
            "missed:m3@pbx",
            "missed:m4@pbx",
            "missed:m5@pbx",
            "missed:m6@pbx"
        ]
    );
}

fn pops(turn: &Turn) -> Vec<pop::PopMoment> {
    turn.effects
        .iter()
        .filter_map(|e| match e {
            Effect::ScreenPop { moment, .. } => Some(*moment),
            _ => None,
        })
        .collect()
}

#[test]
fn the_screen_pop_opens_the_one_record_once_at_ring_and_once_at_answer() {
    let mut desk = with_org();
    desk.handle(report(call("p@pbx", CallPhase::Incoming, true), 1), T0);
    let card = card_found("p@pbx", &[("山田 太郎", "Acme")]);
    let turn = desk.handle(Input::LookedUp { card }, T0 + 200);
    assert_eq!(pops(&turn), [pop::PopMoment::Ring]);
    let turn = desk.handle(
        report(call("p@pbx", CallPhase::Incoming, true), 1),
        T0 + 300,
    );
    assert_eq!(pops(&turn), [], "once");
    let turn = desk.handle(
        report(call("p@pbx", CallPhase::Connecting, true), 2),
        T0 + 900,
    );
    assert_eq!(pops(&turn), [pop::PopMoment::Answer]);
    let turn = desk.handle(
        report(call("p@pbx", CallPhase::Connected, true), 3),
        T0 + 1_200,
    );
    assert_eq!(pops(&turn), []);
    // Our own call pops nothing: the user dialled from where they are.
    let turn = desk.handle(
        report(call("out@pbx", CallPhase::Connected, false), 4),
        T0 + 9_000,
    );
    assert_eq!(pops(&turn), []);
}

#[test]
fn several_records_wait_for_the_users_pick_before_they_pop() {
    let mut desk = with_panel(3);
    desk.handle(report(call("two@pbx", CallPhase::Incoming, true), 1), T0);
    let card = card_found("two@pbx", &[("Sato A", "Acme"), ("Sato B", "Beta")]);
    let second = card.matches[1].clone();
    let turn = desk.handle(Input::LookedUp { card }, T0 + 200);
    assert_eq!(pops(&turn), []);
    let turn = desk.handle(
        report(call("two@pbx", CallPhase::Connected, true), 2),
        T0 + 900,
    );
    assert_eq!(pops(&turn), [], "not sure which one yet");
    let turn = desk.handle(
        Input::Pick {
            call_id: "two@pbx".into(),
            record_id: second.id.clone(),
            tab: Some(3),
        },
        T0 + 2_000,
    );
    let popped: Vec<_> = turn
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::ScreenPop { url, tab, .. } => Some((url.clone(), *tab)),
            _ => None,
        })
        .collect();
    assert_eq!(popped, [(second.url.clone(), Some(3))]);
}

#[test]
fn a_second_caller_who_gave_up_while_waiting_leaves_a_missed_call_notification() {
    let mut desk = with_org();
    let mut gave_up = call("w@pbx", CallPhase::Ended, true);
    gave_up.end = Some(CallEnd::Missed);
    gave_up.answered_at_ms = None;
    // The call in front goes on; the waiting one comes only in the ended list.
    let turn = desk.handle(
        Input::PhoneReport {
            state: PhoneState {
                line: LineState::Registered,
                call: Some(call("front@pbx", CallPhase::Connected, false)),
                other: None,
                missing_devices: vec![],
                microphone_denied: false,
            },
            seq: 5,
            ended: vec![gave_up.clone()],
        },
        T0,
    );
    assert!(notices(&turn).iter().any(|e| matches!(
        e,
        Effect::Notify { notice, fresh: true } if notice.id == "missed:w@pbx"
    )));
    // The report again (the engine resends until stored): no second notification.
    let turn = desk.handle(
        Input::PhoneReport {
            state: PhoneState {
                line: LineState::Registered,
                call: Some(call("front@pbx", CallPhase::Connected, false)),
                other: None,
                missing_devices: vec![],
                microphone_denied: false,
            },
            seq: 5,
            ended: vec![gave_up],
        },
        T0 + 3_000,
    );
    assert_eq!(notices(&turn), []);
}

#[test]
fn notes_typed_during_the_call_ride_in_the_create_and_later_ones_are_one_update_each() {
    let mut desk = with_org();
    desk.handle(report(call("n@pbx", CallPhase::Connected, true), 1), T0);
    let reply = desk
        .handle(
            Input::Notes {
                call_id: "n@pbx".into(),
                text: "折り返し希望".into(),
            },
            T0 + 1_000,
        )
        .reply;
    assert_eq!(reply, Reply::Ack, "kept until the call ends");
    let turn = desk.handle(
        report(call("n@pbx", CallPhase::Ended, true), 2),
        T0 + 60_000,
    );
    assert_eq!(creates(&turn), 1);
    let log = desk.log_of("n@pbx").unwrap();
    assert_eq!(log.call.comments, "折り返し希望", "in the one create");
    // The Task exists: a later edit is one update of Description.
    let delivered = desk.handle(
        Input::Delivered {
            call_id: log.entry.call_id.clone(),
            verify: false,
            answer: Answer::of(Outcome::Written {
                task_id: "00T000000000001AAA".into(),
            }),
        },
        T0 + 61_000,
    );
    assert!(!delivered
        .effects
        .iter()
        .any(|e| matches!(e, Effect::Update { .. })));
    let turn = desk.handle(
        Input::Notes {
            call_id: "n@pbx".into(),
            text: "折り返し希望 (明日 10 時)".into(),
        },
        T0 + 70_000,
    );
    let updates: Vec<_> = turn
        .effects
        .iter()
        .filter(|e| matches!(e, Effect::Update { .. }))
        .collect();
    assert_eq!(updates.len(), 1, "{:?}", turn.effects);
    // Notes for a call that is neither live nor logged are refused.
    let reply = desk
        .handle(
            Input::Notes {
                call_id: "nobody@pbx".into(),
                text: "x".into(),
            },
            T0 + 80_000,
        )
        .reply;
    assert_eq!(reply, Reply::Error("UNKNOWN_CALL"));
}

fn updates(turn: &Turn) -> Vec<Change> {
    turn.effects
        .iter()
        .filter_map(|e| match e {
            Effect::Update { change, .. } => Some(*change),
            _ => None,
        })
        .collect()
}

fn lookups(turn: &Turn) -> usize {
    turn.effects
        .iter()
        .filter(|e| matches!(e, Effect::LookUp { .. }))
        .count()
}

fn found_record(id: &str, name: &str) -> crate::calllog::CallerMatch {
    crate::calllog::CallerMatch {
        object: "Lead".into(),
        id: RecordId::parse(id).unwrap(),
        name: name.into(),
        account_id: None,
        detail: None,
        url: String::new(),
        owner_id: None,
    }
}

fn written(desk: &mut Desk, sip: &str, at: u64) -> Turn {
    let id = desk.log_of(sip).unwrap().entry.call_id.clone();
    desk.handle(
        Input::Delivered {
            call_id: id,
            verify: false,
            answer: Answer::of(Outcome::Written {
                task_id: "00T000000000001AAA".into(),
            }),
        },
        at,
    )
}

#[test]
fn the_wrap_up_during_the_call_rides_in_the_create_and_each_later_edit_is_one_update() {
    let mut desk = with_panel(1);
    desk.handle(report(call("w@pbx", CallPhase::Connected, true), 1), T0);
    for input in [
        Input::Memo {
            call_id: "w@pbx".into(),
            tags: vec!["見積依頼".into()],
        },
        Input::Subject {
            call_id: "w@pbx".into(),
            text: "  見積の件\n(至急)  ".into(),
        },
        Input::Relink {
            call_id: "w@pbx".into(),
            record: found_record("00Q000000000001", "佐藤 一郎"),
        },
    ] {
        let turn = desk.handle(input, T0 + 2_000);
        assert_eq!(turn.reply, Reply::Ack);
        assert_eq!(updates(&turn), [], "no Task yet: nothing is sent");
    }
    let turn = desk.handle(
        report(call("w@pbx", CallPhase::Ended, true), 2),
        T0 + 60_000,
    );
    assert_eq!(creates(&turn), 1);
    let log = desk.log_of("w@pbx").unwrap();
    assert_eq!(log.call.memo_tags, ["見積依頼"]);
    assert_eq!(
        log.call.subject.as_deref(),
        Some("見積の件 (至急)"),
        "one line"
    );
    assert_eq!(log.call.record.as_ref().unwrap().name, "佐藤 一郎");
    assert!(log.call.lookup_done, "the user's record: no lookup spent");
    assert!(desk.pending.is_empty());
    assert_eq!(updates(&written(&mut desk, "w@pbx", T0 + 61_000)), []);
    // After the create: each edit is exactly one update, of its own field.
    let turn = desk.handle(
        Input::Memo {
            call_id: "w@pbx".into(),
            tags: vec!["見積依頼".into(), "資料送付".into()],
        },
        T0 + 62_000,
    );
    assert_eq!(updates(&turn), [Change::Memo]);
    let id = desk.log_of("w@pbx").unwrap().entry.call_id.clone();
    desk.handle(
        Input::Updated {
            call_id: id.clone(),
            change: Change::Memo,
            rev: 2,
            result: Ok(()),
        },
        T0 + 62_500,
    );
    let turn = desk.handle(
        Input::Relink {
            call_id: "w@pbx".into(),
            record: found_record("00Q000000000002", "鈴木 花子"),
        },
        T0 + 63_000,
    );
    assert_eq!(updates(&turn), [Change::Record]);
    let log = desk.log_of("w@pbx").unwrap();
    assert_eq!(
        log.record().unwrap().name,
        "鈴木 花子",
        "shown at once, before the update is answered"
    );
    desk.handle(
        Input::Updated {
            call_id: id.clone(),
            change: Change::Record,
            rev: 2,
            result: Ok(()),
        },
        T0 + 63_500,
    );
    assert_eq!(
        desk.log_of("w@pbx").unwrap().linked.as_ref().unwrap().name,
        "鈴木 花子"
    );
    // The same subject again costs nothing.
    let turn = desk.handle(
        Input::Subject {
            call_id: "w@pbx".into(),
            text: "見積の件 (至急)".into(),
        },
        T0 + 64_000,
    );
    assert_eq!(updates(&turn), []);
}

#[test]
fn a_pinned_number_is_carded_and_logged_on_its_record_with_no_lookup() {
    let mut desk = with_panel(1);
    // The first call: looked up, the user puts it on a Lead and pins it.
    let turn = desk.handle(report(call("p1@pbx", CallPhase::Incoming, true), 1), T0);
    assert_eq!(lookups(&turn), 1);
    desk.handle(
        Input::Relink {
            call_id: "p1@pbx".into(),
            record: found_record("00Q000000000001", "佐藤 一郎"),
        },
        T0 + 1_000,
    );
    let turn = desk.handle(
        Input::Pin {
            call_id: "p1@pbx".into(),
            on: true,
        },
        T0 + 1_500,
    );
    assert_eq!(turn.reply, Reply::Ack);
    assert_eq!(desk.pins.len(), 1);
    assert_eq!(desk.pins[0].number, "+81312345678");
    desk.handle(
        report(call("p1@pbx", CallPhase::Ended, true), 2),
        T0 + 60_000,
    );
    // The next call from the number: its card is the pinned record, and nothing is looked up.
    let turn = desk.handle(
        report(call("p2@pbx", CallPhase::Incoming, true), 3),
        T0 + 120_000,
    );
    assert_eq!(lookups(&turn), 0);
    let card = desk.card_of("p2@pbx").unwrap();
    assert_eq!(card.matches[0].name, "佐藤 一郎");
    desk.handle(
        report(call("p2@pbx", CallPhase::Ended, true), 4),
        T0 + 180_000,
    );
    let log = desk.log_of("p2@pbx").unwrap();
    assert_eq!(
        log.call.record.as_ref().unwrap().id,
        RecordId::parse("00Q000000000001").unwrap()
    );
    // An outgoing call typed in the dialer to the number goes there too.
    desk.handle(
        report(call("p3@pbx", CallPhase::Ended, false), 5),
        T0 + 240_000,
    );
    let log = desk.log_of("p3@pbx").unwrap();
    assert_eq!(log.call.record.as_ref().unwrap().name, "佐藤 一郎");
    assert!(log.call.lookup_done);
    // Unpinned: the next call is looked up again.
    desk.handle(
        Input::Pin {
            call_id: "p3@pbx".into(),
            on: false,
        },
        T0 + 250_000,
    );
    assert!(desk.pins.is_empty());
    let turn = desk.handle(
        report(call("p4@pbx", CallPhase::Incoming, true), 6),
        T0 + 300_000,
    );
    assert_eq!(lookups(&turn), 1);
}

#[test]
fn the_users_last_choice_of_record_wins_between_search_and_card() {
    let mut desk = with_panel(1);
    desk.handle(report(call("c@pbx", CallPhase::Incoming, true), 1), T0);
    desk.handle(
        Input::LookedUp {
            card: card_found("c@pbx", &[("一", "A"), ("二", "B")]),
        },
        T0 + 500,
    );
    desk.handle(
        Input::Relink {
            call_id: "c@pbx".into(),
            record: found_record("00Q000000000009", "検索"),
        },
        T0 + 1_000,
    );
    assert_eq!(desk.record_of_call("c@pbx").unwrap().name, "検索");
    let picked = desk.handle(
        Input::Pick {
            call_id: "c@pbx".into(),
            record_id: RecordId::parse("003000000000001").unwrap(),
            tab: Some(1),
        },
        T0 + 2_000,
    );
    assert_eq!(picked.reply, Reply::Ack);
    assert_eq!(desk.record_of_call("c@pbx").unwrap().name, "二");
    desk.handle(
        report(call("c@pbx", CallPhase::Ended, true), 2),
        T0 + 60_000,
    );
    assert_eq!(
        desk.log_of("c@pbx")
            .unwrap()
            .call
            .record
            .as_ref()
            .unwrap()
            .name,
        "二"
    );
}

#[test]
fn a_call_that_ended_without_a_log_has_no_wrap_up() {
    let mut desk = with_panel(1);
    // Dialled, never answered: no Task, so nothing to wrap up (no Lead made for it).
    let mut cancelled = call("x@pbx", CallPhase::Ended, false);
    cancelled.answered_at_ms = None;
    cancelled.end = Some(CallEnd::Failed);
    desk.handle(report(cancelled, 1), T0 + 5_000);
    assert!(desk.log_of("x@pbx").is_none());
    assert!(desk.draft_record("x@pbx", T0 + 6_000).is_none());
    let reply = desk.handle(
        Input::Subject {
            call_id: "x@pbx".into(),
            text: "s".into(),
        },
        T0 + 6_000,
    );
    assert_eq!(reply.reply, Reply::Error("UNKNOWN_CALL"));
}

#[test]
fn an_older_snapshots_notes_are_read_into_the_wrap_up() {
    let mut snapshot = serde_json::to_value(Desk::default()).unwrap();
    snapshot["pendingNotes"] = serde_json::json!([["old@pbx", "前の版のメモ"]]);
    let desk = Desk::restore(Some(snapshot), vec![]).desk;
    assert_eq!(
        desk.pending_of("old@pbx").unwrap().notes.as_deref(),
        Some("前の版のメモ")
    );
}

#[test]
fn after_wrap_up_the_task_waits_its_time_carrying_every_edit_or_goes_on_log_now() {
    let mut desk = with_panel(1);
    desk.handle(
        Input::SetLogPolicy {
            policy: LogPolicy {
                after_wrap_up: true,
                wrap_up_secs: 30,
            },
        },
        T0,
    );
    let end = T0 + 60_000;
    let turn = desk.handle(report(call("h@pbx", CallPhase::Ended, true), 1), end);
    assert_eq!(creates(&turn), 0, "held for the wrap-up");
    assert!(turn.effects.contains(&Effect::WakeAt(end + 30_000)));
    let turn = desk.handle(
        Input::Memo {
            call_id: "h@pbx".into(),
            tags: vec!["不在".into()],
        },
        end + 10_000,
    );
    assert_eq!((creates(&turn), updates(&turn)), (0, vec![]));
    assert_eq!(creates(&desk.handle(Input::Wake, end + 29_999)), 0);
    let turn = desk.handle(Input::Wake, end + 30_000);
    assert_eq!(creates(&turn), 1, "logged as it is when the time is up");
    assert_eq!(desk.log_of("h@pbx").unwrap().call.memo_tags, ["不在"]);
    // "Log now" does not wait.
    let turn = desk.handle(
        report(call("n2@pbx", CallPhase::Ended, true), 2),
        end + 40_000,
    );
    assert_eq!(creates(&turn), 0);
    let turn = desk.handle(
        Input::Retry {
            call_id: "n2@pbx".into(),
        },
        end + 41_000,
    );
    assert_eq!(creates(&turn), 1);
    // Out-of-range times are bounded.
    let long = LogPolicy {
        after_wrap_up: true,
        wrap_up_secs: 100_000,
    };
    assert_eq!(long.hold_ms(), 600_000);
    assert_eq!(LogPolicy::default().hold_ms(), 0);
}

/// An ended call of `sip`, started `at` ms after T0, reported as report `seq`.
fn end_call(desk: &mut Desk, sip: &str, at: u64, seq: u64) {
    let mut c = call(sip, CallPhase::Ended, true);
    c.started_at_ms = T0 + at;
    desk.handle(report(c, seq), T0 + at + 60_000);
}

fn show(desk: &mut Desk, tab: i32, id: Option<&str>) -> Reply {
    desk.handle(
        Input::ShowCall {
            tab,
            call_id: id.map(str::to_string),
        },
        T0 + 900_000,
    )
    .reply
}

#[test]
fn the_recent_calls_are_the_logging_orgs_newest_first_and_bounded() {
    let mut desk = with_panel(7);
    for i in 0..7u64 {
        end_call(&mut desk, &format!("call-{i}@pbx"), 1_000 * i, i + 1);
    }
    let recent: Vec<&str> = desk
        .recent_calls()
        .iter()
        .map(|l| l.sip_call_id.as_str())
        .collect();
    assert_eq!(
        recent,
        [
            "call-6@pbx",
            "call-5@pbx",
            "call-4@pbx",
            "call-3@pbx",
            "call-2@pbx"
        ]
    );
    // A panel of another org's page cannot bring one back.
    desk.handle(
        Input::PanelHello {
            tab: 8,
            org_id: Some("00D000000000002EAA".into()),
        },
        T0,
    );
    assert_eq!(
        show(&mut desk, 8, Some("call-6@pbx")),
        Reply::Error("NO_CARD")
    );
}

#[test]
fn an_earlier_call_comes_back_to_its_panel_until_a_new_call() {
    let tab = 7;
    let mut desk = with_panel(tab);
    end_call(&mut desk, "first@pbx", 1_000, 1);
    end_call(&mut desk, "second@pbx", 2_000, 2);
    assert_eq!(desk.shown_in(tab), None);
    assert!(!desk.panel_shows(Some(tab), "first@pbx"));
    assert_eq!(show(&mut desk, tab, Some("first@pbx")), Reply::Ack);
    let shown = desk.shown_in(tab).expect("shown");
    assert_eq!(shown.call_id, "first@pbx");
    assert_eq!(shown.phase, CallPhase::Ended);
    assert_eq!(shown.started_at_ms, T0 + 1_000);
    assert!(!shown.outgoing);
    // Its wrap-up is this panel's to change now, and reaches its own Task.
    assert!(desk.panel_shows(Some(tab), "first@pbx"));
    assert!(!desk.panel_shows(Some(tab + 1), "first@pbx"));
    let turn = desk.handle(
        Input::Memo {
            call_id: "first@pbx".into(),
            tags: vec!["見積依頼".into()],
        },
        T0 + 900_000,
    );
    assert_ne!(turn.reply, Reply::Error("NO_CARD"));
    assert_eq!(
        desk.log_of("first@pbx").unwrap().call.memo_tags,
        ["見積依頼"]
    );
    assert!(desk.log_of("second@pbx").unwrap().call.memo_tags.is_empty());
    // A call the desk does not list cannot be brought back.
    assert_eq!(
        show(&mut desk, tab, Some("made-up@pbx")),
        Reply::Error("UNKNOWN_CALL")
    );
    // Back to the last call.
    assert_eq!(show(&mut desk, tab, None), Reply::Ack);
    assert_eq!(desk.shown_in(tab), None);
    // A new call takes every panel back to it, and while it is live none comes back.
    assert_eq!(show(&mut desk, tab, Some("first@pbx")), Reply::Ack);
    desk.handle(
        report(call("third@pbx", CallPhase::Incoming, true), 3),
        T0 + 950_000,
    );
    assert_eq!(desk.shown_in(tab), None);
    assert!(desk.shown.is_empty());
    assert_eq!(
        show(&mut desk, tab, Some("first@pbx")),
        Reply::Error("CALL_OVER")
    );
}
