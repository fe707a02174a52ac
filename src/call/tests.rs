//! The phone as the user sees it, driven by scripted agent events: call phases, line reasons,
//! command checks, and settings that never show the password.

use super::settings::{IceServer, PhoneSettings, SettingsError};
use super::*;
use crate::sip::CallHandle;

fn settings() -> PhoneSettings {
    PhoneSettings {
        websocket_url: "wss://pbx.example.com:7443/ws".into(),
        sip_uri: "sip:1001@pbx.example.com".into(),
        password: "s3cret".into(),
        ..Default::default()
    }
}

#[test]
fn an_outgoing_call_rings_connects_and_ends() {
    let mut s = PhoneState::default();
    assert!(s.apply(&UaEvent::Registered { expires_secs: 600 }, 0));
    assert_eq!(s.line, LineState::Registered);
    s.start_outgoing(1, "0312345678", None, 1_000);
    let call = CallHandle(1);
    s.apply(
        &UaEvent::Ringing {
            call,
            early_sdp: None,
        },
        10,
    );
    assert_eq!(s.call.as_ref().unwrap().phase, CallPhase::Ringing);
    s.apply(&UaEvent::Connected { call, sdp: None }, 2000);
    assert_eq!(s.call.as_ref().unwrap().answered_at_ms, Some(2000));
    // A late event of another call changes nothing.
    assert!(!s.apply(
        &UaEvent::Ended {
            call: CallHandle(7),
            reason: EndReason::Busy
        },
        2500
    ));
    s.apply(
        &UaEvent::Ended {
            call,
            reason: EndReason::RemoteHangup,
        },
        3000,
    );
    let c = s.call.as_ref().unwrap();
    assert_eq!(
        (c.phase, c.end),
        (CallPhase::Ended, Some(CallEnd::RemoteHungUp))
    );
    assert_eq!((c.started_at_ms, c.ended_at_ms), (1_000, Some(3000)));
    let mut renamed = s.clone();
    renamed.identify(1, 1, "other@call");
    assert!(
        renamed.shows_the_same(&s),
        "an ended call keeps its identity"
    );
    let mut dialling = PhoneState::default();
    dialling.start_outgoing(0, "0312345678", None, 1_000);
    let before = dialling.clone();
    dialling.identify(0, 5, "a84b4c76e66710@pc33");
    assert!(dialling.shows_the_same(&before));
    assert_eq!(
        dialling.call.as_ref().unwrap().call_id,
        "a84b4c76e66710@pc33"
    );
    dialling.set_muted(5, true);
    assert!(!dialling.shows_the_same(&before));
    assert!(s.live_call().is_none());
}

#[test]
fn an_incoming_call_shows_the_caller_and_a_second_one_waits_beside_it() {
    let mut s = PhoneState::default();
    let incoming = |n: u32| UaEvent::IncomingCall {
        call: CallHandle(n),
        sip_call_id: format!("call-{n}"),
        from_uri: "sip:2001@sip.test".into(),
        from_name: Some("Far End".into()),
        sdp_offer: String::new(),
    };
    s.apply(&incoming(3), 0);
    let c = s.call.as_ref().unwrap();
    assert_eq!((c.peer.as_str(), c.phase), ("2001", CallPhase::Incoming));
    // The engine refuses a second caller it cannot take (busy) before this; one it takes
    // waits beside the call, and a third has no place.
    assert!(s.apply(&incoming(4), 1));
    assert_eq!(
        s.other.as_ref().map(|c| (c.id, c.phase)),
        Some((4, CallPhase::Incoming))
    );
    assert_eq!(s.ringing().map(|c| c.id), Some(3), "the one in front first");
    assert!(!s.apply(&incoming(5), 2));
    s.apply(
        &UaEvent::Ended {
            call: CallHandle(3),
            reason: EndReason::CallerCancelled,
        },
        5,
    );
    assert_eq!(s.call.as_ref().unwrap().end, Some(CallEnd::Missed));
}

#[test]
fn registration_failures_have_plain_reasons() {
    let mut s = PhoneState::default();
    let failed = |reason| UaEvent::RegistrationFailed {
        reason,
        retry_at: None,
    };
    s.apply(&failed(RegistrationFailure::WrongCredentials), 0);
    assert_eq!(s.line, LineState::WrongPassword);
    s.apply(&failed(RegistrationFailure::TransportLost), 0);
    assert_eq!(s.line, LineState::ServerUnreachable);
    let text = serde_json::to_string(&s).unwrap();
    assert!(text.contains(r#""line":"SERVER_UNREACHABLE""#), "{text}");
}

#[test]
fn commands_are_checked() {
    let dial = |n: &str| {
        PhoneCommand::Dial {
            number: n.into(),
            dial_id: None,
        }
        .validate()
    };
    assert!(dial("03-1234-5678").is_ok());
    assert!(dial("sip:2001@sip.test").is_ok());
    assert!(dial("").is_err());
    assert!(dial("<script>").is_err());
    let dtmf = |d: &str| PhoneCommand::Dtmf { digits: d.into() }.validate();
    assert!(dtmf("12#*A").is_ok());
    assert!(dtmf("x").is_err());
    let parsed: PhoneCommand = serde_json::from_str(r#"{"command":"Mute","on":true}"#).unwrap();
    assert_eq!(parsed, PhoneCommand::Mute { on: true });
}

#[test]
fn peers_show_their_user_part() {
    assert_eq!(
        display_peer("<sip:+81312345678@sip.test;user=phone>"),
        "+81312345678"
    );
    assert_eq!(display_peer("tel:0312345678"), "0312345678");
    assert_eq!(display_peer("sip:@x"), "sip:@x");
}

#[test]
fn settings_are_validated_and_make_an_agent_config() {
    let s = settings();
    assert_eq!(s.validate(), Ok(()));
    let config = s.ua_config().unwrap();
    assert_eq!(
        (config.username.as_str(), config.domain.as_str()),
        ("1001", "pbx.example.com")
    );
    assert_eq!(config.via_transport, "WSS");
    let lab = PhoneSettings {
        websocket_url: "ws://127.0.0.1:8088".into(),
        sip_uri: "1001@sip.test".into(),
        auth_user: "auth1001".into(),
        ..settings()
    };
    let config = lab.ua_config().unwrap();
    assert_eq!(config.via_transport, "WS");
    assert_eq!(config.auth_username.as_deref(), Some("auth1001"));
    let bad = |f: fn(&mut PhoneSettings)| {
        let mut s = settings();
        f(&mut s);
        s.validate()
    };
    assert_eq!(
        bad(|s| s.websocket_url = "https://x".into()),
        Err(SettingsError::BadWebsocketUrl)
    );
    assert_eq!(
        bad(|s| s.sip_uri = "sip:no-domain".into()),
        Err(SettingsError::BadSipUri)
    );
    assert_eq!(
        bad(|s| s.ice_servers = IceServer::parse_lines("http://stun").unwrap()),
        Err(SettingsError::BadIceServer)
    );
    assert_eq!(
        bad(|s| s.ice_servers = IceServer::parse_lines("turn:turn.example.com").unwrap()),
        Err(SettingsError::TurnCredentialsMissing)
    );
}

#[test]
fn the_password_and_turn_credentials_are_never_shown() {
    let s = PhoneSettings {
        ice_servers: IceServer::parse_lines("turn:turn.example.com:3478 alice turnpass").unwrap(),
        ..settings()
    };
    assert_eq!(s.validate(), Ok(()));
    let debug = format!("{s:?}");
    assert!(!debug.contains("s3cret") && !debug.contains("turnpass"));
    let view = serde_json::to_string(&s.view()).unwrap();
    assert!(!view.contains("s3cret") && view.contains(r#""hasPassword":true"#));
    assert!(!view.contains("turnpass") && view.contains(r#""hasCredential":true"#));
    assert_eq!(
        s.view().ice_servers[0].line(),
        "turn:turn.example.com:3478 alice"
    );
    // The form sends back what it was shown: the password and the credential stay as stored.
    let form = PhoneSettings {
        password: String::new(),
        ice_servers: IceServer::parse_lines(
            "stun:stun.example.com\nturn:turn.example.com:3478 alice",
        )
        .unwrap(),
        ..settings()
    };
    assert_eq!(form.validate(), Ok(()));
    let merged = form.merged_with(&s).unwrap();
    assert_eq!(merged.password, "s3cret");
    assert_eq!(merged.ice_servers.len(), 2);
    assert_eq!(merged.ice_servers[0].url, "stun:stun.example.com");
    assert_eq!(merged.ice_servers[1].credential, "turnpass");
    // A TURN server new to the settings must come with its credential.
    let fresh = PhoneSettings {
        ice_servers: IceServer::parse_lines("turn:other.example.com alice").unwrap(),
        ..settings()
    };
    assert_eq!(
        fresh.merged_with(&s),
        Err(SettingsError::TurnCredentialsMissing)
    );
}

#[test]
fn settings_stored_with_bare_ice_urls_still_load() {
    let stored = serde_json::json!({
        "websocketUrl": "wss://pbx.example.com", "sipUri": "sip:1001@pbx.example.com",
        "password": "s3cret", "iceServers": ["stun:stun.example.com"], "dtmf": "INFO"
    });
    let s: PhoneSettings = serde_json::from_value(stored).unwrap();
    assert_eq!(s.ice_servers[0].url, "stun:stun.example.com");
    assert_eq!(s.validate(), Ok(()));
}

#[test]
fn codes_match_their_serialised_names() {
    use CallPhase::*;
    for phase in [Dialling, Ringing, Incoming, Connecting, Connected, Ended] {
        assert_eq!(serde_json::to_value(phase).unwrap(), phase.code());
    }
    use CallEnd::*;
    let ends = [
        HungUp,
        RemoteHungUp,
        Cancelled,
        Declined,
        Missed,
        Busy,
        NotFound,
        Unavailable,
        NoAnswer,
        Failed,
        NoMicrophone,
        ConnectionLost,
    ];
    for end in ends {
        assert_eq!(serde_json::to_value(end).unwrap(), end.code());
    }
}

#[test]
fn unencrypted_websockets_go_to_this_machine_only() {
    let with_url = |url: &str| PhoneSettings {
        websocket_url: url.into(),
        ..settings()
    };
    for fine in [
        "wss://pbx.example.com:7443/ws",
        "ws://localhost:8088",
        "ws://127.0.0.1:8088/ws",
        "ws://127.10.0.1",
        "ws://[::1]:8088",
    ] {
        assert_eq!(with_url(fine).validate(), Ok(()), "{fine}");
    }
    for refused in [
        "ws://pbx.example.com:8088",
        "ws://192.168.1.10",
        "ws://localhost.attacker.example",
        "ws://127.0.0.1.attacker.example",
        "ws://[2001:db8::1]:8088",
        "ws://user@pbx.example.com",
    ] {
        assert_eq!(
            with_url(refused).validate(),
            Err(SettingsError::BadWebsocketUrl),
            "{refused}"
        );
    }
}

#[test]
fn the_stored_password_stays_with_its_server_and_account() {
    let stored = settings();
    let kept = PhoneSettings {
        password: String::new(),
        ..settings()
    };
    assert_eq!(kept.merged_with(&stored).unwrap().password, "s3cret");
    for moved in [
        PhoneSettings {
            websocket_url: "wss://attacker.example/ws".into(),
            password: String::new(),
            ..settings()
        },
        PhoneSettings {
            sip_uri: "sip:1001@attacker.example".into(),
            password: String::new(),
            ..settings()
        },
        PhoneSettings {
            auth_user: "someone-else".into(),
            password: String::new(),
            ..settings()
        },
    ] {
        let shown = format!("{moved:?}");
        assert_eq!(moved.merged_with(&stored).unwrap().password, "", "{shown}");
    }
}

#[test]
fn the_agent_config_never_prints_its_password() {
    let config = settings().ua_config().unwrap();
    assert_eq!(config.password, "s3cret");
    assert!(!format!("{config:?}").contains("s3cret"));
}
