//! One ICE server of the phone settings: the line a user types in the options page
//! (`stun:host:port`, or `turn:host:port user credential`), its checks, and what the options
//! page is shown of it (the TURN credential never leaves `chrome.storage.local` and the engine,
//! like the SIP password).

use serde::{Deserialize, Serialize};

use super::settings::SettingsError;

const SCHEMES: [&str; 4] = ["stun:", "stuns:", "turn:", "turns:"];
const MAX_FIELD: usize = 256;

/// What `RTCIceServer` takes: one URL, and for TURN the user name and credential it needs.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", from = "StoredIceServer")]
pub struct IceServer {
    pub url: String,
    pub username: String,
    pub credential: String,
}

/// Settings stored before TURN credentials existed hold each server as a bare URL string.
#[derive(Deserialize)]
#[serde(untagged)]
enum StoredIceServer {
    Url(String),
    #[serde(rename_all = "camelCase")]
    Full {
        #[serde(default)]
        url: String,
        #[serde(default)]
        username: String,
        #[serde(default)]
        credential: String,
    },
}

impl From<StoredIceServer> for IceServer {
    fn from(stored: StoredIceServer) -> IceServer {
        match stored {
            StoredIceServer::Url(url) => IceServer {
                url,
                ..IceServer::default()
            },
            StoredIceServer::Full {
                url,
                username,
                credential,
            } => IceServer {
                url,
                username,
                credential,
            },
        }
    }
}

impl std::fmt::Debug for IceServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IceServer")
            .field("url", &self.url)
            .field("username", &self.username)
            .field("credential", &"<hidden>")
            .finish()
    }
}

/// What the options page is shown of a server: no credential, only whether one is stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IceServerView {
    pub url: String,
    pub username: String,
    pub has_credential: bool,
}

impl IceServerView {
    /// The options page's line for this server: `url` or `url user` (the credential stays out;
    /// a line without it keeps the stored one).
    pub fn line(&self) -> String {
        if self.username.is_empty() {
            self.url.clone()
        } else {
            format!("{} {}", self.url, self.username)
        }
    }
}

impl IceServer {
    /// One line of the options page's text area: the URL, then for TURN the user name and the
    /// credential, separated by spaces. Empty lines are for the caller to skip.
    pub fn parse_line(line: &str) -> Result<IceServer, SettingsError> {
        let mut words = line.split_whitespace();
        let url = words.next().unwrap_or_default().to_string();
        let username = words.next().unwrap_or_default().to_string();
        let credential = words.next().unwrap_or_default().to_string();
        if words.next().is_some() {
            return Err(SettingsError::BadIceServer);
        }
        Ok(IceServer {
            url,
            username,
            credential,
        })
    }

    /// The servers of the whole text area, one per non-empty line.
    pub fn parse_lines(text: &str) -> Result<Vec<IceServer>, SettingsError> {
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(IceServer::parse_line)
            .collect()
    }

    pub fn is_turn(&self) -> bool {
        let url = self.url.to_ascii_lowercase();
        url.starts_with("turn:") || url.starts_with("turns:")
    }

    /// The shape of the server. A TURN server needs a user name here; its credential may be
    /// missing while the form's line leaves it out to keep the stored one (`keep_credential`).
    pub fn validate(&self) -> Result<(), SettingsError> {
        if [&self.url, &self.username, &self.credential]
            .iter()
            .any(|f| f.len() > MAX_FIELD)
        {
            return Err(SettingsError::TooLong);
        }
        let url = self.url.to_ascii_lowercase();
        let scheme_ok = SCHEMES
            .iter()
            .any(|p| url.starts_with(p) && url.len() > p.len());
        let plain = |s: &str| !s.chars().any(|c| c.is_whitespace() || c.is_control());
        if !scheme_ok
            || ![&self.url, &self.username, &self.credential]
                .iter()
                .all(|f| plain(f))
        {
            return Err(SettingsError::BadIceServer);
        }
        if !self.is_turn() {
            // A user name or credential after a STUN URL is a line meant for TURN, or a typo.
            if self.username.is_empty() && self.credential.is_empty() {
                return Ok(());
            }
            return Err(SettingsError::BadIceServer);
        }
        if self.username.is_empty() {
            return Err(SettingsError::TurnCredentialsMissing);
        }
        Ok(())
    }

    /// A form's server without a credential takes the stored one of the same URL and user
    /// name (never another server's); a TURN server left without one is refused.
    pub fn keep_credential(mut self, stored: &[IceServer]) -> Result<IceServer, SettingsError> {
        if self.credential.is_empty() {
            if let Some(old) = stored
                .iter()
                .find(|s| s.url == self.url && s.username == self.username)
            {
                self.credential = old.credential.clone();
            }
        }
        if self.is_turn() && self.credential.is_empty() {
            return Err(SettingsError::TurnCredentialsMissing);
        }
        Ok(self)
    }

    pub fn view(&self) -> IceServerView {
        IceServerView {
            url: self.url.clone(),
            username: self.username.clone(),
            has_credential: !self.credential.is_empty(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn() -> IceServer {
        IceServer::parse_line("turn:turn.example.com:3478?transport=udp alice s3cret").unwrap()
    }

    #[test]
    fn a_line_is_the_url_then_the_user_name_and_credential() {
        let t = turn();
        assert_eq!(t.url, "turn:turn.example.com:3478?transport=udp");
        assert_eq!(
            (t.username.as_str(), t.credential.as_str()),
            ("alice", "s3cret")
        );
        assert_eq!(t.validate(), Ok(()));
        let stun = IceServer::parse_line("  stun:stun.example.com:3478 ").unwrap();
        assert_eq!(stun.url, "stun:stun.example.com:3478");
        assert_eq!(stun.validate(), Ok(()));
        assert_eq!(
            IceServer::parse_line("turn:t.example.com a b c"),
            Err(SettingsError::BadIceServer)
        );
        let all =
            IceServer::parse_lines("stun:a.example.com\n\n  \nturns:b.example.com:5349 u p\n");
        assert_eq!(all.unwrap().len(), 2);
        assert!(IceServer::parse_lines("stun:a\nturn:b u p extra").is_err());
    }

    #[test]
    fn checks_say_which_part_is_wrong() {
        let check = |line: &str| IceServer::parse_line(line).unwrap().validate();
        assert_eq!(
            check("http://stun.example.com"),
            Err(SettingsError::BadIceServer)
        );
        assert_eq!(check("stun:"), Err(SettingsError::BadIceServer));
        assert_eq!(
            check("stun:s.example.com alice"),
            Err(SettingsError::BadIceServer)
        );
        assert_eq!(
            check("turn:t.example.com"),
            Err(SettingsError::TurnCredentialsMissing)
        );
        assert_eq!(check("TURNS:t.example.com:5349 alice s3cret"), Ok(()));
        // Only the user name is required here: the credential may be the stored one.
        assert_eq!(check("turn:t.example.com alice"), Ok(()));
        let long = format!("turn:t.example.com alice {}", "x".repeat(300));
        assert_eq!(check(&long), Err(SettingsError::TooLong));
        let control = IceServer {
            credential: "a\u{7}b".into(),
            ..turn()
        };
        assert_eq!(control.validate(), Err(SettingsError::BadIceServer));
    }

    #[test]
    fn a_line_without_the_credential_keeps_the_stored_one_of_that_server_only() {
        let stored = [turn()];
        let kept = IceServer::parse_line("turn:turn.example.com:3478?transport=udp alice")
            .unwrap()
            .keep_credential(&stored)
            .unwrap();
        assert_eq!(kept.credential, "s3cret");
        let new = IceServer::parse_line("turn:turn.example.com:3478?transport=udp alice n3w")
            .unwrap()
            .keep_credential(&stored)
            .unwrap();
        assert_eq!(new.credential, "n3w");
        // Another user name or another server does not inherit it.
        for line in [
            "turn:turn.example.com:3478?transport=udp bob",
            "turn:evil.example.com:3478 alice",
        ] {
            let server = IceServer::parse_line(line).unwrap();
            assert_eq!(
                server.keep_credential(&stored),
                Err(SettingsError::TurnCredentialsMissing),
                "{line}"
            );
        }
        let stun = IceServer::parse_line("stun:s.example.com").unwrap();
        assert!(stun.keep_credential(&[]).is_ok());
    }

    #[test]
    fn the_view_and_its_line_hold_no_credential() {
        let view = turn().view();
        assert!(view.has_credential);
        assert_eq!(
            view.line(),
            "turn:turn.example.com:3478?transport=udp alice"
        );
        assert!(!serde_json::to_string(&view).unwrap().contains("s3cret"));
        assert!(!format!("{:?}", turn()).contains("s3cret"));
        let stun = IceServer::parse_line("stun:s.example.com").unwrap().view();
        assert_eq!(
            (stun.line().as_str(), stun.has_credential),
            ("stun:s.example.com", false)
        );
    }

    #[test]
    fn servers_stored_as_bare_urls_still_load() {
        let old: Vec<IceServer> = serde_json::from_str(r#"["stun:s.example.com"]"#).unwrap();
        assert_eq!(old[0].url, "stun:s.example.com");
        assert!(old[0].username.is_empty());
        let new: IceServer = serde_json::from_value(serde_json::to_value(turn()).unwrap()).unwrap();
        assert_eq!(new, turn());
    }
}
