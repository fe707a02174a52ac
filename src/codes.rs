//! Every code a context can show the user, in one enum: what went wrong (or where a connection
//! stands), as the worker, the phone and Salesforce name it. Each has its words in both
//! languages (`state_<CODE>` in `_locales/en` and `_locales/ja`), checked by a test, so the UI
//! never shows a bare code or a message key. A code Salesforce sends that is not listed here
//! (a custom validation rule's, say) is shown through `state_OTHER`, which names it.

macro_rules! codes {
    ($($variant:ident = $code:literal,)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($variant,)*
        }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The UPPER_SNAKE code, as messages carry it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                }
            }

            pub fn parse(code: &str) -> Option<ErrorCode> {
                match code {
                    $($code => Some(ErrorCode::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

/// On the wire and in storage, a code is its string. One this version does not know (stored by
/// a newer one) reads as `CHECKING`: the org is looked at again rather than misread.
impl serde::Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for ErrorCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Ok(ErrorCode::parse(&code).unwrap_or(ErrorCode::Checking))
    }
}

codes! {
    // An org's connection, as the options page and the panel name it.
    Connected = "CONNECTED",
    Checking = "CHECKING",
    NotLoggedIn = "NOT_LOGGED_IN",
    NoApiSession = "NO_API_SESSION",
    // The org refuses the browser session for the API (API Access Control): the user
    // connects with Salesforce (OAuth) instead.
    ApiSessionRefused = "API_SESSION_REFUSED",
    OauthNoClient = "OAUTH_NO_CLIENT",
    OauthDenied = "OAUTH_DENIED",
    OauthWrongUser = "OAUTH_WRONG_USER",
    OauthExpired = "OAUTH_EXPIRED",
    OauthFailed = "OAUTH_FAILED",
    BadConsumerKey = "BAD_CONSUMER_KEY",
    InvalidSessionId = "INVALID_SESSION_ID",
    ApiDisabledForOrg = "API_DISABLED_FOR_ORG",
    ApiCurrentlyDisabled = "API_CURRENTLY_DISABLED",
    RequestLimitExceeded = "REQUEST_LIMIT_EXCEEDED",
    UnknownOrg = "UNKNOWN_ORG",
    BadOrg = "BAD_ORG",
    NoUser = "NO_USER",
    NoReadableObjects = "NO_READABLE_OBJECTS",
    TaskNotCreateable = "TASK_NOT_CREATEABLE",
    // The permissions checklist (`salesforce::permissions`): what to grant, or that the
    // edition has no such thing to grant.
    ObjectNotReadable = "OBJECT_NOT_READABLE",
    FieldNotReadable = "FIELD_NOT_READABLE",
    FieldNotWritable = "FIELD_NOT_WRITABLE",
    NotInEdition = "NOT_IN_EDITION",
    // Requests to Salesforce.
    Network = "NETWORK",
    Redirected = "REDIRECTED",
    BadResponse = "BAD_RESPONSE",
    NoAnswer = "NO_ANSWER",
    Timeout = "TIMEOUT",
    ServerUnavailable = "SERVER_UNAVAILABLE",
    LookupFailed = "LOOKUP_FAILED",
    TaskNotCreated = "TASK_NOT_CREATED",
    FieldCustomValidationException = "FIELD_CUSTOM_VALIDATION_EXCEPTION",
    // Call logs and the caller card.
    UnknownCall = "UNKNOWN_CALL",
    NoTask = "NO_TASK",
    CallOver = "CALL_OVER",
    NoCard = "NO_CARD",
    NotOnCard = "NOT_ON_CARD",
    // The wrap-up.
    NoRecord = "NO_RECORD",
    SearchTooShort = "SEARCH_TOO_SHORT",
    SearchAgain = "SEARCH_AGAIN",
    AlreadyCreating = "ALREADY_CREATING",
    LastNameRequired = "LAST_NAME_REQUIRED",
    CompanyRequired = "COMPANY_REQUIRED",
    WrapUpSecs = "WRAP_UP_SECS",
    UserNotFound = "USER_NOT_FOUND",
    UserInactive = "USER_INACTIVE",
    UserCannotOwnTasks = "USER_CANNOT_OWN_TASKS",
    // Dials.
    TooManyDials = "TOO_MANY_DIALS",
    NoDial = "NO_DIAL",
    PremiumRate = "PREMIUM_RATE",
    InternationalNetwork = "INTERNATIONAL_NETWORK",
    Abroad = "ABROAD",
    UnknownPlaceholder = "UNKNOWN_PLACEHOLDER",
    // Phone numbers.
    NotANumber = "NOT_A_NUMBER",
    TooShort = "TOO_SHORT",
    TooLong = "TOO_LONG",
    InvalidCountryCode = "INVALID_COUNTRY_CODE",
    InvalidForRegion = "INVALID_FOR_REGION",
    // The phone and its settings.
    PhoneNotConfigured = "PHONE_NOT_CONFIGURED",
    PhoneUnavailable = "PHONE_UNAVAILABLE",
    Offscreen = "OFFSCREEN",
    MicrophoneDenied = "MICROPHONE_DENIED",
    Webrtc = "WEBRTC",
    BadWebsocketUrl = "BAD_WEBSOCKET_URL",
    BadSipUri = "BAD_SIP_URI",
    BadIceServer = "BAD_ICE_SERVER",
    BadVolume = "BAD_VOLUME",
    BadOutsidePrefix = "BAD_OUTSIDE_PREFIX",
    BadRegion = "BAD_REGION",
    // A setting the administrator locked by Chrome policy.
    SetByAdmin = "SET_BY_ADMIN",
    TurnCredentialsMissing = "TURN_CREDENTIALS_MISSING",
    SettingsTooLong = "SETTINGS_TOO_LONG",
    BadKeepDays = "BAD_KEEP_DAYS",
    BadTranscriptionUrl = "BAD_TRANSCRIPTION_URL",
    BadTranscriptionModel = "BAD_TRANSCRIPTION_MODEL",
    BadTranscriptionKey = "BAD_TRANSCRIPTION_KEY",
    BadTranscriptionLanguage = "BAD_TRANSCRIPTION_LANGUAGE",
    // Recording and transcription.
    Recording = "RECORDING",
    Recordings = "RECORDINGS",
    TranscribeKey = "TRANSCRIBE_KEY",
    TranscribeTooLarge = "TRANSCRIBE_TOO_LARGE",
    TranscribeBusy = "TRANSCRIBE_BUSY",
    TranscribeFailed = "TRANSCRIBE_FAILED",
    TranscribeUnreachable = "TRANSCRIBE_UNREACHABLE",
    // The extension itself.
    BadMessage = "BAD_MESSAGE",
    BadSender = "BAD_SENDER",
    Storage = "STORAGE",
    StorageUnreadable = "STORAGE_UNREADABLE",
    Serialise = "SERIALISE",
    Dom = "DOM",
    NoWindow = "NO_WINDOW",
    TabGone = "TAB_GONE",
    Notify = "NOTIFY",
    WorkerUnavailable = "WORKER_UNAVAILABLE",
    WorkerFailed = "WORKER_FAILED",
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const LOCALES: [(&str, &str); 2] = [
        ("en", include_str!("../extension/_locales/en/messages.json")),
        ("ja", include_str!("../extension/_locales/ja/messages.json")),
    ];

    /// The class of defect of a new text added in one language only: every message is in
    /// both, in Japanese for Japanese (not English left in place), with the same placeholders.
    #[test]
    fn every_message_is_in_both_languages_with_the_same_placeholders() {
        let read = |text: &str| -> serde_json::Map<String, serde_json::Value> {
            serde_json::from_str(text).unwrap()
        };
        let (en, ja) = (read(LOCALES[0].1), read(LOCALES[1].1));
        let keys = |m: &serde_json::Map<String, serde_json::Value>| {
            m.keys().cloned().collect::<std::collections::BTreeSet<_>>()
        };
        assert_eq!(keys(&en), keys(&ja), "the same messages in en and ja");
        for (key, value) in &en {
            let ja_value = &ja[key];
            let placeholders = |v: &serde_json::Value| {
                v["placeholders"]
                    .as_object()
                    .map(|p| p.keys().cloned().collect::<Vec<_>>())
                    .unwrap_or_default()
            };
            assert_eq!(placeholders(value), placeholders(ja_value), "{key}");
            let ja_text = ja_value["message"].as_str().unwrap_or_default();
            let en_text = value["message"].as_str().unwrap_or_default();
            assert!(!ja_text.trim().is_empty(), "ja: no {key}");
            // Names that are the same in both (the product's, protocol terms) aside, Japanese.
            const SAME: [&str; 3] = ["extName", "phoneWebsocketUrl", "phoneDtmf_INFO"];
            if en_text.chars().any(|c| c.is_ascii_lowercase()) && !SAME.contains(&key.as_str()) {
                assert!(!ja_text.is_ascii(), "ja: {key} is not Japanese: {ja_text}");
            }
        }
    }

    #[test]
    fn every_code_has_its_words_in_english_and_japanese() {
        for (language, text) in LOCALES {
            let messages: serde_json::Value = serde_json::from_str(text).unwrap();
            for code in ErrorCode::ALL {
                let key = format!("state_{}", code.as_str());
                let message = messages[&key]["message"].as_str().unwrap_or_default();
                assert!(!message.trim().is_empty(), "{language}: no {key}");
                if language == "ja" {
                    assert!(!message.is_ascii(), "ja: {key} is not Japanese: {message}");
                }
            }
            assert!(messages["state_OTHER"]["message"].is_string());
        }
    }

    #[test]
    fn a_code_is_its_string_and_an_unknown_one_reads_as_checking() {
        assert_eq!(
            serde_json::to_string(&ErrorCode::InvalidSessionId).unwrap(),
            "\"INVALID_SESSION_ID\""
        );
        let read = |s: &str| serde_json::from_str::<ErrorCode>(s).unwrap();
        assert_eq!(read("\"CONNECTED\""), ErrorCode::Connected);
        assert_eq!(read("\"A_CODE_OF_A_NEWER_VERSION\""), ErrorCode::Checking);
    }

    #[test]
    fn codes_read_back() {
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(*code));
        }
        assert_eq!(ErrorCode::parse("NOPE"), None);
    }

    /// The class of defect, not only the example: a code written where an error is made (in
    /// any context's glue or in the core) that has no words would reach the user bare.
    #[test]
    fn every_code_the_sources_raise_is_listed() {
        const MAKERS: [&str; 9] = [
            "GlueError::new(",
            "CallError::new(",
            "FromWorker::error(",
            "Reply::Error(",
            "CallerCard::unavailable(",
            "not_logged(",
            "or_glue(",
            "\"NotWritten\"",
            "call(chrome::",
        ];
        // Statuses of the caller card that the panel words itself (`card_…`).
        const CARD: [&str; 3] = ["LOOKING", "FOUND", "NOT_FOUND"];
        let mut missing = vec![];
        let mut files = vec![];
        collect(
            Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")),
            &mut files,
        );
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for maker in MAKERS {
                // The call's first arguments, over as many lines as rustfmt put them on.
                for (at, _) in text.match_indices(maker) {
                    let args: String = text[at + maker.len()..].chars().take(160).collect();
                    let args = args.split(';').next().unwrap_or_default();
                    for code in quoted_codes(args) {
                        if ErrorCode::parse(&code).is_none() && !CARD.contains(&code.as_str()) {
                            missing.push(format!("{}: {code}", file.display()));
                        }
                    }
                }
            }
        }
        assert!(missing.is_empty(), "codes without words: {missing:#?}");
    }

    fn collect(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                collect(&path, files);
            } else if path.extension().is_some_and(|e| e == "rs")
                && !path.ends_with("codes.rs")
                && !path.to_string_lossy().contains("test")
            {
                files.push(path);
            }
        }
    }

    #[test]
    fn the_scan_sees_codes_over_several_lines() {
        assert_eq!(
            quoted_codes("(\n    \"NOPE_CODE\",\n    \"the detail\")"),
            vec!["NOPE_CODE".to_string()]
        );
    }

    /// `"UPPER_SNAKE"` literals in a piece of source.
    fn quoted_codes(line: &str) -> Vec<String> {
        line.split('"')
            .skip(1)
            .step_by(2)
            .filter(|s| {
                s.len() > 2
                    && s.chars()
                        .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
                    && s.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            })
            .map(str::to_string)
            .collect()
    }
}
