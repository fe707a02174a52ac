//! The phone account: where the SIP server is, who we are on it, the ICE servers. Kept in
//! `chrome.storage.local` only; never sent to a content script, never logged (`Debug` hides
//! the password and the TURN credentials).

use serde::{Deserialize, Serialize};

pub use super::ice::{IceServer, IceServerView};
use super::recording::{Recording, RecordingView};
use crate::sip::UaConfig;

/// How digits reach the far end during a call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DtmfMode {
    /// RFC 4733 in the media (RTCDTMFSender); SIP INFO when the media cannot carry it.
    #[default]
    Rfc4733,
    /// SIP INFO (application/dtmf-relay) always.
    Info,
}

#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PhoneSettings {
    /// `wss://pbx.example.com:7443` (ws:// is accepted for a server on loopback or a lab).
    pub websocket_url: String,
    /// `sip:1001@pbx.example.com`.
    pub sip_uri: String,
    /// The digest user name, when it is not the user part of the SIP URI.
    pub auth_user: String,
    pub password: String,
    pub display_name: String,
    /// STUN and TURN servers (TURN with its user name and credential).
    pub ice_servers: Vec<IceServer>,
    pub dtmf: DtmfMode,
    /// Dialled before every outside number, for a PBX that needs it (`0`); empty: none.
    pub outside_prefix: String,
    /// How an incoming call makes itself known.
    pub ringing: Ringing,
    /// The microphone, the speaker and the ringing device chosen on the options page (boxed:
    /// six strings would make the settings the one large variant of every enum carrying them;
    /// stored as a plain object all the same).
    pub devices: Box<Devices>,
    /// Call recording and its transcription (off unless the user turns it on; boxed for the
    /// same reason as `devices`).
    pub recording: Box<Recording>,
}

/// One audio device the user chose: the browser's `deviceId` (empty: the system default) and
/// the label it had then, to name it when it is not connected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Device {
    pub id: String,
    pub label: String,
}

/// Where the phone listens and plays: the call's microphone and speaker, and the device the
/// ringtone plays on. A device that is not connected falls back to the system default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Devices {
    pub microphone: Device,
    pub speaker: Device,
    pub ringer: Device,
}

/// Which of the chosen devices is meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeviceRole {
    Microphone,
    Speaker,
    Ringer,
}

impl Devices {
    /// The chosen devices (by role and label) that are not among `connected` (ids of the audio
    /// inputs and outputs there now): the default plays in their place.
    pub fn missing(&self, inputs: &[String], outputs: &[String]) -> Vec<(DeviceRole, String)> {
        [
            (DeviceRole::Microphone, &self.microphone, inputs),
            (DeviceRole::Speaker, &self.speaker, outputs),
            (DeviceRole::Ringer, &self.ringer, outputs),
        ]
        .into_iter()
        .filter(|(_, device, there)| !device.id.is_empty() && !there.contains(&device.id))
        .map(|(role, device, _)| (role, device.label.clone()))
        .collect()
    }

    fn too_long(&self) -> bool {
        [&self.microphone, &self.speaker, &self.ringer]
            .iter()
            .any(|d| d.id.len() > 256 || d.label.len() > 256)
    }
}

/// When an incoming call shows a desktop notification.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NotifyWhen {
    Always,
    /// Only when the focused window's tab is not a Lightning page (where the panel's card is).
    #[default]
    Unfocused,
    Never,
}

/// When an incoming call opens its caller's record (the one record found, or the user's pick).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ScreenPop {
    Off,
    /// While it rings, as soon as the lookup knows the record.
    Ring,
    /// When the user answers (the call-centre habit: the record opens with the conversation).
    #[default]
    Answer,
}

/// The ringtone and the notification of an incoming call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Ringing {
    /// The ringtone plays (off: a silent phone, the card and the notification only).
    pub ringtone: bool,
    /// The ringtone's volume, 0-100.
    pub volume: u8,
    pub notify: NotifyWhen,
    pub screen_pop: ScreenPop,
    /// A second caller during a call rings softly and waits (off: they hear busy, 486).
    pub call_waiting: bool,
}

impl Default for Ringing {
    fn default() -> Self {
        Ringing {
            ringtone: true,
            volume: 60,
            notify: NotifyWhen::Unfocused,
            screen_pop: ScreenPop::Answer,
            call_waiting: true,
        }
    }
}

impl std::fmt::Debug for PhoneSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhoneSettings")
            .field("websocket_url", &self.websocket_url)
            .field("sip_uri", &self.sip_uri)
            .field("auth_user", &self.auth_user)
            .field("password", &"<hidden>")
            .field("display_name", &self.display_name)
            .field("ice_servers", &self.ice_servers)
            .field("dtmf", &self.dtmf)
            .field("ringing", &self.ringing)
            .field("devices", &self.devices)
            .field("recording", &self.recording)
            .finish()
    }
}

/// What the options page shows of the settings: everything but the password and the TURN
/// credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PhoneSettingsView {
    pub websocket_url: String,
    pub sip_uri: String,
    pub auth_user: String,
    pub has_password: bool,
    pub display_name: String,
    pub ice_servers: Vec<IceServerView>,
    pub dtmf: DtmfMode,
    pub outside_prefix: String,
    pub ringing: Ringing,
    pub devices: Devices,
    pub recording: RecordingView,
}

/// Why settings were refused; UPPER_SNAKE codes the options page explains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingsError {
    BadWebsocketUrl,
    BadSipUri,
    BadIceServer,
    /// A ringtone volume above 100.
    BadVolume,
    /// An outside-line prefix that is not up to four phone keys.
    BadOutsidePrefix,
    /// A TURN server without its user name or credential.
    TurnCredentialsMissing,
    TooLong,
    /// Recordings kept for 0 days, or over a year.
    BadKeepDays,
    BadTranscriptionUrl,
    BadTranscriptionModel,
    BadTranscriptionKey,
    BadTranscriptionLanguage,
}

impl SettingsError {
    pub fn code(self) -> &'static str {
        match self {
            SettingsError::BadWebsocketUrl => "BAD_WEBSOCKET_URL",
            SettingsError::BadSipUri => "BAD_SIP_URI",
            SettingsError::BadIceServer => "BAD_ICE_SERVER",
            SettingsError::BadVolume => "BAD_VOLUME",
            SettingsError::BadOutsidePrefix => "BAD_OUTSIDE_PREFIX",
            SettingsError::TurnCredentialsMissing => "TURN_CREDENTIALS_MISSING",
            SettingsError::TooLong => "SETTINGS_TOO_LONG",
            SettingsError::BadKeepDays => "BAD_KEEP_DAYS",
            SettingsError::BadTranscriptionUrl => "BAD_TRANSCRIPTION_URL",
            SettingsError::BadTranscriptionModel => "BAD_TRANSCRIPTION_MODEL",
            SettingsError::BadTranscriptionKey => "BAD_TRANSCRIPTION_KEY",
            SettingsError::BadTranscriptionLanguage => "BAD_TRANSCRIPTION_LANGUAGE",
        }
    }
}

/// Whether a URL's authority (`host[:port]`, `[v6][:port]`) names this machine.
pub(super) fn loopback(authority: &str) -> bool {
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.split(':').next().unwrap_or(""),
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn plain(text: &str) -> bool {
    !text.is_empty() && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

impl PhoneSettings {
    /// Whether `other` is the same phone account: what only changes how the phone behaves
    /// (DTMF, ringing, the audio devices) takes effect without a new registration, and without
    /// dropping a call.
    pub fn same_account(&self, other: &PhoneSettings) -> bool {
        let account = |s: &PhoneSettings| PhoneSettings {
            dtmf: DtmfMode::default(),
            outside_prefix: String::new(),
            ringing: Ringing::default(),
            devices: Box::default(),
            recording: Box::default(),
            ..s.clone()
        };
        account(self) == account(other)
    }

    /// Whether an account is entered at all (an empty form means "no phone").
    pub fn is_configured(&self) -> bool {
        !self.websocket_url.is_empty() && !self.sip_uri.is_empty()
    }

    pub fn validate(&self) -> Result<(), SettingsError> {
        let fields = [
            &self.websocket_url,
            &self.sip_uri,
            &self.auth_user,
            &self.password,
            &self.display_name,
        ];
        if fields.iter().any(|f| f.len() > 256)
            || self.ice_servers.len() > 8
            || self.devices.too_long()
        {
            return Err(SettingsError::TooLong);
        }
        let url = self.websocket_url.to_ascii_lowercase();
        let authority = |rest: &str| rest.split(['/', '?', '#']).next().unwrap_or("").to_string();
        let host = match (url.strip_prefix("wss://"), url.strip_prefix("ws://")) {
            (Some(rest), _) => Some(authority(rest)),
            // Unencrypted, the digest and the calls' media keys could be read on the way: only
            // to a server on this machine (a lab, a local proxy).
            (None, Some(rest)) => Some(authority(rest)).filter(|a| loopback(a)),
            (None, None) => None,
        };
        if !plain(&self.websocket_url) || host.is_none_or(|h| h.is_empty()) {
            return Err(SettingsError::BadWebsocketUrl);
        }
        if self.sip_parts().is_none() {
            return Err(SettingsError::BadSipUri);
        }
        if self.ringing.volume > 100 {
            return Err(SettingsError::BadVolume);
        }
        let prefix = self.outside_prefix.trim();
        if !prefix.is_empty() && !crate::number::plan::valid_outside_prefix(prefix) {
            return Err(SettingsError::BadOutsidePrefix);
        }
        self.recording.validate()?;
        self.ice_servers.iter().try_for_each(IceServer::validate)
    }

    /// `(user, domain)` of the SIP URI.
    pub fn sip_parts(&self) -> Option<(String, String)> {
        let uri = self.sip_uri.trim();
        let rest = uri
            .strip_prefix("sip:")
            .or_else(|| uri.strip_prefix("sips:"))
            .unwrap_or(uri);
        let (user, domain) = rest.split_once('@')?;
        let domain = domain.split([';', '?']).next()?;
        let fine = |s: &str| plain(s) && !s.contains(['<', '>', '"', '@', ':']);
        let domain_host = domain.rsplit_once(':').map_or(domain, |(h, _)| h);
        (fine(user) && fine(domain_host)).then(|| (user.to_string(), domain.to_string()))
    }

    /// The SIP agent's configuration; `None` when the settings are not usable.
    pub fn ua_config(&self) -> Option<UaConfig> {
        self.validate().ok()?;
        let (user, domain) = self.sip_parts()?;
        let mut config = UaConfig::new(&user, &self.password, &domain);
        if !self.auth_user.is_empty() {
            config.auth_username = Some(self.auth_user.clone());
        }
        if !self.display_name.trim().is_empty() {
            config.display_name = Some(self.display_name.trim().to_string());
        }
        let secure = self.websocket_url.to_ascii_lowercase().starts_with("wss:");
        config.via_transport = if secure { "WSS" } else { "WS" }.to_string();
        Some(config)
    }

    pub fn view(&self) -> PhoneSettingsView {
        PhoneSettingsView {
            websocket_url: self.websocket_url.clone(),
            sip_uri: self.sip_uri.clone(),
            auth_user: self.auth_user.clone(),
            has_password: !self.password.is_empty(),
            display_name: self.display_name.clone(),
            ice_servers: self.ice_servers.iter().map(IceServer::view).collect(),
            dtmf: self.dtmf,
            outside_prefix: self.outside_prefix.clone(),
            ringing: self.ringing,
            devices: (*self.devices).clone(),
            recording: self.recording.view(),
        }
    }

    /// Settings from the options form; an empty password keeps the stored one while the
    /// server, the SIP URI and the user stay the same (it is never sent to another server than
    /// the one it was entered for), and so does a TURN server's empty credential (that
    /// server's only). Refused when a TURN server is left without a credential.
    pub fn merged_with(mut self, stored: &PhoneSettings) -> Result<PhoneSettings, SettingsError> {
        let same_account = self.websocket_url.trim() == stored.websocket_url.trim()
            && self.sip_uri.trim() == stored.sip_uri.trim()
            && self.auth_user.trim() == stored.auth_user.trim();
        if self.password.is_empty() && same_account {
            self.password = stored.password.clone();
        }
        self.ice_servers = std::mem::take(&mut self.ice_servers)
            .into_iter()
            .filter(|s| !s.url.trim().is_empty())
            .map(|s| s.keep_credential(&stored.ice_servers))
            .collect::<Result<_, _>>()?;
        self.recording = Box::new((*self.recording).merged_with(&stored.recording));
        Ok(self)
    }
}

#[cfg(test)]
mod device_tests {
    use super::*;

    fn account() -> PhoneSettings {
        PhoneSettings {
            websocket_url: "wss://pbx.example.com:7443".into(),
            sip_uri: "sip:1001@pbx.example.com".into(),
            password: "secret".into(),
            ..PhoneSettings::default()
        }
    }

    fn headset() -> Devices {
        Devices {
            microphone: Device {
                id: "a1b2".into(),
                label: "Headset Microphone".into(),
            },
            speaker: Device {
                id: "c3d4".into(),
                label: "Headset Earphone".into(),
            },
            ringer: Device::default(),
        }
    }

    #[test]
    fn devices_are_stored_in_camel_case_and_old_settings_load_with_the_defaults() {
        let s = PhoneSettings {
            devices: headset().into(),
            ..account()
        };
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["devices"]["microphone"]["id"], "a1b2");
        assert_eq!(json["devices"]["speaker"]["label"], "Headset Earphone");
        assert_eq!(json["devices"]["ringer"]["id"], "");
        let back: PhoneSettings = serde_json::from_value(json).unwrap();
        assert_eq!(back, s);
        // Settings stored before devices could be chosen: the system defaults.
        let old: PhoneSettings = serde_json::from_str(
            r#"{"websocketUrl":"wss://pbx.example.com","sipUri":"sip:1001@pbx.example.com"}"#,
        )
        .unwrap();
        assert_eq!(*old.devices, Devices::default());
        let partial: Devices = serde_json::from_str(r#"{"speaker":{"id":"c3d4"}}"#).unwrap();
        assert_eq!(partial.speaker.id, "c3d4");
        assert_eq!(partial.speaker.label, "");
        assert_eq!(partial.microphone, Device::default());
    }

    #[test]
    fn a_device_change_is_the_same_account() {
        let before = account();
        let after = PhoneSettings {
            devices: headset().into(),
            ..account()
        };
        assert!(before.same_account(&after), "no new registration");
        let other = PhoneSettings {
            sip_uri: "sip:1002@pbx.example.com".into(),
            devices: headset().into(),
            ..account()
        };
        assert!(!before.same_account(&other));
    }

    #[test]
    fn device_ids_and_labels_are_bounded() {
        assert_eq!(
            PhoneSettings {
                devices: headset().into(),
                ..account()
            }
            .validate(),
            Ok(())
        );
        let mut long = headset();
        long.microphone.id = "x".repeat(256);
        long.ringer.label = "着".repeat(85);
        assert_eq!(
            PhoneSettings {
                devices: long.into(),
                ..account()
            }
            .validate(),
            Ok(())
        );
        for tweak in [
            |d: &mut Devices| d.microphone.id = "x".repeat(257),
            |d: &mut Devices| d.speaker.label = "y".repeat(257),
            |d: &mut Devices| d.ringer.id = "z".repeat(300),
            |d: &mut Devices| d.ringer.label = "着".repeat(86),
        ] {
            let mut devices = headset();
            tweak(&mut devices);
            assert_eq!(
                PhoneSettings {
                    devices: devices.into(),
                    ..account()
                }
                .validate(),
                Err(SettingsError::TooLong)
            );
        }
    }

    #[test]
    fn the_view_shows_the_devices() {
        let s = PhoneSettings {
            devices: headset().into(),
            ..account()
        };
        assert_eq!(s.view().devices, headset());
        let json = serde_json::to_value(s.view()).unwrap();
        assert_eq!(json["devices"]["microphone"]["label"], "Headset Microphone");
        assert!(format!("{s:?}").contains("Headset Earphone"));
    }
}
