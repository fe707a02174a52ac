//! Call recording and its transcription: what the user turned on, and the pure half of the
//! upload to a speech-to-text service speaking the OpenAI-compatible
//! `POST /v1/audio/transcriptions` (multipart: `file`, `model`, `language`, `response_format`).
//!
//! Recording is opt-in. The recording stays in the browser (the extension's IndexedDB), both
//! directions mixed, and expires after `keep_days`; only when a transcription service is set is
//! it sent there, once, and the text written to the call's Task. The service's key is a secret
//! like the SIP password: never shown back, never logged, kept for the same server only.

use serde::{Deserialize, Serialize};

use super::settings::SettingsError;

/// Days a recording is kept by default, and the most a user may set.
pub const DEFAULT_KEEP_DAYS: u16 = 30;
pub const MAX_KEEP_DAYS: u16 = 365;

/// OpenAI's limit for one upload: a longer recording is not sent (it is said).
pub const MAX_UPLOAD_BYTES: u64 = 25 * 1024 * 1024;

/// The path the service answers on, after its base URL (`https://api.openai.com/v1`).
const TRANSCRIPTIONS_PATH: &str = "/audio/transcriptions";

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Recording {
    /// Calls are recorded once answered (a red mark in the panel says so).
    pub on: bool,
    pub keep_days: u16,
    pub transcription: Transcription,
}

impl Default for Recording {
    fn default() -> Self {
        Recording {
            on: false,
            keep_days: DEFAULT_KEEP_DAYS,
            transcription: Transcription::default(),
        }
    }
}

/// Where recordings are sent to be written down; an empty `url` sends nothing.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Transcription {
    /// The service's base URL (`https://api.openai.com/v1`) or its full transcriptions URL.
    pub url: String,
    /// `whisper-1`, `gpt-4o-mini-transcribe`, or what a self-hosted server names its model.
    pub model: String,
    pub key: String,
    /// ISO-639-1 (`ja`, `en`), or empty: the service finds out.
    pub language: String,
}

impl std::fmt::Debug for Recording {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recording")
            .field("on", &self.on)
            .field("keep_days", &self.keep_days)
            .field("transcription", &self.transcription)
            .finish()
    }
}

impl std::fmt::Debug for Transcription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transcription")
            .field("url", &self.url)
            .field("model", &self.model)
            .field("key", &"<hidden>")
            .field("language", &self.language)
            .finish()
    }
}

/// What the options page shows: everything but the key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RecordingView {
    pub on: bool,
    pub keep_days: u16,
    pub url: String,
    pub model: String,
    pub has_key: bool,
    pub language: String,
}

impl Recording {
    pub fn view(&self) -> RecordingView {
        RecordingView {
            on: self.on,
            keep_days: self.keep_days,
            url: self.transcription.url.clone(),
            model: self.transcription.model.clone(),
            has_key: !self.transcription.key.is_empty(),
            language: self.transcription.language.clone(),
        }
    }

    pub fn validate(&self) -> Result<(), SettingsError> {
        if !(1..=MAX_KEEP_DAYS).contains(&self.keep_days) {
            return Err(SettingsError::BadKeepDays);
        }
        self.transcription.validate()
    }

    /// Whether a recording should be sent to be transcribed.
    pub fn transcribes(&self) -> bool {
        self.on && !self.transcription.url.is_empty()
    }

    /// Whether a recording of a call that ended at `ended_ms` is past its days at `now_ms`.
    pub fn expired(&self, ended_ms: u64, now_ms: u64) -> bool {
        ended_ms.saturating_add(u64::from(self.keep_days) * 86_400_000) <= now_ms
    }

    /// From the options form: an empty key keeps the stored one while the service's origin
    /// stays the same (a key is never sent to another server than the one it was entered for).
    pub fn merged_with(mut self, stored: &Recording) -> Recording {
        let same_server = origin(&self.transcription.url).is_some()
            && origin(&self.transcription.url) == origin(&stored.transcription.url);
        if self.transcription.key.is_empty() && same_server {
            self.transcription.key = stored.transcription.key.clone();
        }
        self
    }
}

impl Transcription {
    fn validate(&self) -> Result<(), SettingsError> {
        if self.url.is_empty() {
            return Ok(());
        }
        if self.url.len() > 256 || self.key.len() > 512 || self.model.len() > 64 {
            return Err(SettingsError::TooLong);
        }
        if self.endpoint().is_none() {
            return Err(SettingsError::BadTranscriptionUrl);
        }
        let token =
            |s: &str| !s.is_empty() && !s.chars().any(|c| c.is_whitespace() || c.is_control());
        if !token(&self.model) {
            return Err(SettingsError::BadTranscriptionModel);
        }
        if !self.key.is_empty() && !token(&self.key) {
            return Err(SettingsError::BadTranscriptionKey);
        }
        let language = &self.language;
        let iso_639_1 = language.len() == 2 && language.bytes().all(|b| b.is_ascii_lowercase());
        if !(language.is_empty() || iso_639_1) {
            return Err(SettingsError::BadTranscriptionLanguage);
        }
        Ok(())
    }

    /// The URL the recording is posted to: `https://` (or `http://` to this machine, for a
    /// local server), its base URL followed by `/audio/transcriptions` unless it ends so.
    /// `None` for anything else (a query, a fragment, credentials in the URL, another scheme).
    pub fn endpoint(&self) -> Option<String> {
        origin(&self.url)?;
        let url = self.url.trim_end_matches('/');
        if url.contains(['?', '#']) {
            return None;
        }
        Some(if url.ends_with(TRANSCRIPTIONS_PATH) {
            url.to_string()
        } else {
            format!("{url}{TRANSCRIPTIONS_PATH}")
        })
    }

    /// The form fields besides `file`, in the order sent.
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        let mut fields = vec![
            ("model", self.model.clone()),
            ("response_format", "json".to_string()),
        ];
        if !self.language.is_empty() {
            fields.push(("language", self.language.clone()));
        }
        fields
    }
}

/// `https://host[:port]` (or `http://` to loopback) of a URL, lower-cased; `None` when it is
/// neither or carries credentials.
fn origin(url: &str) -> Option<String> {
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let lower = url.to_ascii_lowercase();
    let (scheme, rest) = lower.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let fine = match scheme {
        "https" => true,
        // A recording is the call itself: in the clear only to a server on this machine.
        "http" => super::settings::loopback(authority),
        _ => false,
    };
    fine.then(|| format!("{scheme}://{authority}"))
}

/// A call's recording as it is kept in the browser (beside the audio itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Kept {
    /// The SIP Call-ID: the call log's key, and the panel's.
    pub call_id: String,
    pub started_ms: u64,
    pub ended_ms: u64,
    pub bytes: u64,
    pub mime: String,
    pub transcript: TranscriptState,
}

/// How far the recording's transcript got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "state",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum TranscriptState {
    /// No transcription service is set.
    Off,
    Pending,
    /// `logged`: the call desk took it for the call's Task (an edition without API, or a call
    /// not logged, keeps it here only).
    Done {
        text: String,
        logged: bool,
    },
    Failed {
        code: String,
    },
}

/// Why a transcription did not come back; UPPER_SNAKE codes the panel explains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TranscriptionError {
    /// 401 or 403: the key is wrong, or lacks the right.
    TranscribeKey,
    /// 413, or over [`MAX_UPLOAD_BYTES`] before sending.
    TranscribeTooLarge,
    /// 429: the service's rate or quota.
    TranscribeBusy,
    /// Any other status, or a body that is not the service's JSON.
    TranscribeFailed,
    /// No answer at all: offline, a wrong host, or a server that does not allow the extension
    /// (CORS).
    TranscribeUnreachable,
}

impl TranscriptionError {
    pub fn code(self) -> &'static str {
        match self {
            TranscriptionError::TranscribeKey => "TRANSCRIBE_KEY",
            TranscriptionError::TranscribeTooLarge => "TRANSCRIBE_TOO_LARGE",
            TranscriptionError::TranscribeBusy => "TRANSCRIBE_BUSY",
            TranscriptionError::TranscribeFailed => "TRANSCRIBE_FAILED",
            TranscriptionError::TranscribeUnreachable => "TRANSCRIBE_UNREACHABLE",
        }
    }
}

/// The text of a transcription response (`{"text": "…"}`), trimmed; an empty text (nothing
/// was said) is `Ok("")`. The status decides first: an error body is not a transcript.
pub fn transcript_of(status: u16, body: &str) -> Result<String, TranscriptionError> {
    match status {
        200..=299 => {}
        401 | 403 => return Err(TranscriptionError::TranscribeKey),
        413 => return Err(TranscriptionError::TranscribeTooLarge),
        429 => return Err(TranscriptionError::TranscribeBusy),
        _ => return Err(TranscriptionError::TranscribeFailed),
    }
    let value: serde_json::Value =
        serde_json::from_str(body).map_err(|_| TranscriptionError::TranscribeFailed)?;
    let text = value
        .get("text")
        .and_then(|t| t.as_str())
        .ok_or(TranscriptionError::TranscribeFailed)?;
    Ok(bounded(text.trim()))
}

/// At most the transcript a Task can carry ([`crate::desk::log::MAX_TRANSCRIPT_CHARS`]).
fn bounded(text: &str) -> String {
    let max = crate::desk::log::MAX_TRANSCRIPT_CHARS;
    match text.char_indices().nth(max) {
        Some((at, _)) => text[..at].to_string(),
        None => text.to_string(),
    }
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// A recording's bytes as base64 (RFC 4648, padded): extension messages carry JSON only.
pub fn to_base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(BASE64[(n >> shift) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The bytes of padded base64; `None` for anything else.
pub fn from_base64(text: &str) -> Option<Vec<u8>> {
    let text = text.as_bytes();
    if text.len() % 4 != 0 {
        return None;
    }
    let value = |c: u8| BASE64.iter().position(|b| *b == c).map(|v| v as u32);
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    for (at, quad) in text.chunks(4).enumerate() {
        let last = at == text.len() / 4 - 1;
        let pad = quad.iter().rev().take_while(|c| **c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return None;
        }
        let mut n = 0u32;
        for c in &quad[..4 - pad] {
            n = (n << 6) | value(*c)?;
        }
        n <<= 6 * pad as u32;
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn openai() -> Transcription {
        Transcription {
            url: "https://api.openai.com/v1".into(),
            model: "whisper-1".into(),
            key: "sk-test".into(),
            language: String::new(),
        }
    }

    fn recording(transcription: Transcription) -> Recording {
        Recording {
            on: true,
            keep_days: 30,
            transcription,
        }
    }

    #[test]
    fn the_endpoint_is_the_base_url_and_the_transcriptions_path() {
        let at = |url: &str| {
            Transcription {
                url: url.into(),
                ..openai()
            }
            .endpoint()
        };
        assert_eq!(
            at("https://api.openai.com/v1").as_deref(),
            Some("https://api.openai.com/v1/audio/transcriptions")
        );
        assert_eq!(
            at("https://api.openai.com/v1/").as_deref(),
            Some("https://api.openai.com/v1/audio/transcriptions")
        );
        assert_eq!(
            at("https://stt.example.jp/v1/audio/transcriptions").as_deref(),
            Some("https://stt.example.jp/v1/audio/transcriptions")
        );
        assert_eq!(
            at("http://127.0.0.1:8000/v1").as_deref(),
            Some("http://127.0.0.1:8000/v1/audio/transcriptions")
        );
        assert_eq!(
            at("http://localhost:9000").as_deref(),
            Some("http://localhost:9000/audio/transcriptions")
        );
        for bad in [
            // The call's audio in the clear over the network.
            "http://stt.example.jp/v1",
            "ftp://stt.example.jp/v1",
            "https://user:pw@stt.example.jp/v1",
            "https://stt.example.jp/v1?key=abc",
            "https://stt.example.jp/v1#x",
            "https:///v1",
            "https://stt.example.jp/v 1",
            "stt.example.jp/v1",
        ] {
            assert_eq!(at(bad), None, "{bad}");
        }
    }

    #[test]
    fn settings_are_checked() {
        assert_eq!(recording(openai()).validate(), Ok(()));
        assert_eq!(recording(Transcription::default()).validate(), Ok(()));
        let days = |keep_days| Recording {
            keep_days,
            ..recording(openai())
        };
        assert_eq!(days(1).validate(), Ok(()));
        assert_eq!(days(365).validate(), Ok(()));
        assert_eq!(days(0).validate(), Err(SettingsError::BadKeepDays));
        assert_eq!(days(366).validate(), Err(SettingsError::BadKeepDays));
        let with = |t: fn(&mut Transcription)| {
            let mut transcription = openai();
            t(&mut transcription);
            recording(transcription).validate()
        };
        assert_eq!(
            with(|t| t.url = "http://stt.example.jp".into()),
            Err(SettingsError::BadTranscriptionUrl)
        );
        assert_eq!(
            with(|t| t.model = String::new()),
            Err(SettingsError::BadTranscriptionModel)
        );
        assert_eq!(
            with(|t| t.model = "whisper 1".into()),
            Err(SettingsError::BadTranscriptionModel)
        );
        assert_eq!(
            with(|t| t.key = "sk test".into()),
            Err(SettingsError::BadTranscriptionKey)
        );
        // A local server may need no key.
        assert_eq!(with(|t| t.key = String::new()), Ok(()));
        assert_eq!(with(|t| t.language = "ja".into()), Ok(()));
        for language in ["JA", "jpn", "j", "ja-JP"] {
            let mut transcription = openai();
            transcription.language = language.into();
            assert_eq!(
                recording(transcription).validate(),
                Err(SettingsError::BadTranscriptionLanguage),
                "{language}"
            );
        }
        assert_eq!(
            with(|t| t.key = "k".repeat(513)),
            Err(SettingsError::TooLong)
        );
    }

    #[test]
    fn the_key_is_kept_for_the_same_server_only_and_never_shown() {
        let stored = recording(openai());
        let form = |url: &str| Recording {
            transcription: Transcription {
                url: url.into(),
                key: String::new(),
                ..openai()
            },
            ..stored.clone()
        };
        assert_eq!(
            form("https://api.openai.com/v1/")
                .merged_with(&stored)
                .transcription
                .key,
            "sk-test"
        );
        assert_eq!(
            form("https://API.openai.com/v1/audio/transcriptions")
                .merged_with(&stored)
                .transcription
                .key,
            "sk-test"
        );
        assert_eq!(
            form("https://evil.example/v1")
                .merged_with(&stored)
                .transcription
                .key,
            "",
            "another server never gets the stored key"
        );
        assert_eq!(form("").merged_with(&stored).transcription.key, "");
        let view = stored.view();
        assert!(view.has_key);
        let json = serde_json::to_string(&view).unwrap();
        assert!(!json.contains("sk-test"), "{json}");
        assert!(!format!("{stored:?}").contains("sk-test"));
    }

    #[test]
    fn the_form_fields_name_the_model_and_the_language_when_set() {
        assert_eq!(
            openai().fields(),
            vec![
                ("model", "whisper-1".to_string()),
                ("response_format", "json".to_string())
            ]
        );
        let ja = Transcription {
            language: "ja".into(),
            ..openai()
        };
        assert_eq!(ja.fields()[2], ("language", "ja".to_string()));
    }

    #[test]
    fn a_response_is_the_text_or_why_not() {
        assert_eq!(
            transcript_of(200, r#"{"text":"  もしもし、山田です。 "}"#),
            Ok("もしもし、山田です。".to_string())
        );
        assert_eq!(transcript_of(200, r#"{"text":""}"#), Ok(String::new()));
        let error =
            r#"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}"#;
        assert_eq!(
            transcript_of(401, error),
            Err(TranscriptionError::TranscribeKey)
        );
        assert_eq!(
            transcript_of(403, "forbidden"),
            Err(TranscriptionError::TranscribeKey)
        );
        assert_eq!(
            transcript_of(413, ""),
            Err(TranscriptionError::TranscribeTooLarge)
        );
        assert_eq!(
            transcript_of(429, error),
            Err(TranscriptionError::TranscribeBusy)
        );
        assert_eq!(
            transcript_of(500, r#"{"text":"not this"}"#),
            Err(TranscriptionError::TranscribeFailed)
        );
        // A proxy's HTML page, or JSON without the text.
        assert_eq!(
            transcript_of(200, "<html>gateway</html>"),
            Err(TranscriptionError::TranscribeFailed)
        );
        assert_eq!(
            transcript_of(200, r#"{"segments":[]}"#),
            Err(TranscriptionError::TranscribeFailed)
        );
        assert_eq!(
            transcript_of(200, r#"{"text":42}"#),
            Err(TranscriptionError::TranscribeFailed)
        );
        let long = format!(r#"{{"text":"{}"}}"#, "あ".repeat(40_000));
        assert_eq!(
            transcript_of(200, &long).unwrap().chars().count(),
            crate::desk::log::MAX_TRANSCRIPT_CHARS
        );
    }

    #[test]
    fn a_recording_expires_after_its_days() {
        let r = Recording {
            keep_days: 2,
            ..recording(openai())
        };
        let ended = 1_000_000;
        assert!(!r.expired(ended, ended + 2 * 86_400_000 - 1));
        assert!(r.expired(ended, ended + 2 * 86_400_000));
    }

    #[test]
    fn base64_is_rfc_4648() {
        // The RFC's own test vectors (section 10).
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(to_base64(plain.as_bytes()), coded);
            assert_eq!(from_base64(coded).as_deref(), Some(plain.as_bytes()));
        }
        let all: Vec<u8> = (0..=255).cycle().take(1000).collect();
        assert_eq!(from_base64(&to_base64(&all)), Some(all));
        for bad in ["Zg=", "Z===", "Zg==Zg==", "Zm9v!A==", "Zm 9"] {
            assert_eq!(from_base64(bad), None, "{bad}");
        }
    }

    #[test]
    fn every_code_has_its_words() {
        use crate::call::settings::SettingsError;
        let codes = [
            SettingsError::BadKeepDays.code(),
            SettingsError::BadTranscriptionUrl.code(),
            SettingsError::BadTranscriptionModel.code(),
            SettingsError::BadTranscriptionKey.code(),
            SettingsError::BadTranscriptionLanguage.code(),
            TranscriptionError::TranscribeKey.code(),
            TranscriptionError::TranscribeTooLarge.code(),
            TranscriptionError::TranscribeBusy.code(),
            TranscriptionError::TranscribeFailed.code(),
            TranscriptionError::TranscribeUnreachable.code(),
        ];
        for code in codes {
            assert!(crate::codes::ErrorCode::parse(code).is_some(), "{code}");
        }
    }

    #[test]
    fn the_transcript_state_is_kept_as_plain_json() {
        let kept = Kept {
            call_id: "a84b4c76e66710@pc33.example".into(),
            started_ms: 1,
            ended_ms: 2,
            bytes: 3,
            mime: "audio/webm;codecs=opus".into(),
            transcript: TranscriptState::Done {
                text: "もしもし".into(),
                logged: true,
            },
        };
        let json = serde_json::to_value(&kept).unwrap();
        assert_eq!(json["callId"], "a84b4c76e66710@pc33.example");
        assert_eq!(json["transcript"]["state"], "DONE");
        assert_eq!(json["transcript"]["logged"], true);
        assert_eq!(serde_json::from_value::<Kept>(json).unwrap(), kept);
        let failed = serde_json::to_value(TranscriptState::Failed {
            code: "TRANSCRIBE_KEY".into(),
        })
        .unwrap();
        assert_eq!(
            failed,
            serde_json::json!({"state":"FAILED","code":"TRANSCRIBE_KEY"})
        );
    }

    #[test]
    fn old_settings_load_with_recording_off() {
        let r: Recording = serde_json::from_str("{}").unwrap();
        assert_eq!(r, Recording::default());
        assert!(!r.on);
        assert!(!r.transcribes());
        assert_eq!(r.keep_days, DEFAULT_KEEP_DAYS);
    }
}
