//! The org itself: its edition, users, records and sessions, behind one lock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rand::Rng;
use serde::Serialize;
use serde_json::{json, Value};

/// Editions differ in what the API allows; only what the product can observe is modelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Edition {
    Essentials,
    Professional,
    Enterprise,
    Unlimited,
    Performance,
    Developer,
}

impl Edition {
    pub fn parse(text: &str) -> Option<Edition> {
        Some(match text.to_ascii_lowercase().as_str() {
            "essentials" => Edition::Essentials,
            "professional" => Edition::Professional,
            "enterprise" => Edition::Enterprise,
            "unlimited" => Edition::Unlimited,
            "performance" => Edition::Performance,
            "developer" => Edition::Developer,
            _ => return None,
        })
    }

    pub fn has_api(self) -> bool {
        !matches!(self, Edition::Essentials | Edition::Professional)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// Set on the My Domain host: accepted by the REST API.
    Api,
    /// Set on the Lightning host: the UI's own session, refused by the REST API.
    Lightning,
}

#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: String,
    pub kind: SessionKind,
}

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: String,
    pub username: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct LoggedRequest {
    pub method: String,
    pub host: String,
    pub path: String,
    pub status: u16,
    /// Counted against the daily API limit.
    pub counted: bool,
}

pub struct OrgState {
    pub edition: Edition,
    pub users: Vec<User>,
    pub records: Vec<Value>,
    pub sessions: HashMap<String, Session>,
    /// One-time tokens that carry a login from the My Domain host to the Lightning host.
    pub frontdoor_tokens: HashMap<String, String>,
    pub api_used: u64,
    pub api_max: u64,
    pub log: Vec<LoggedRequest>,
}

#[derive(Clone)]
pub struct Org {
    pub domain: String,
    /// 15-character org id: every session id starts with it and `!`.
    pub org_id: &'static str,
    pub org_id18: &'static str,
    pub state: Arc<Mutex<OrgState>>,
}

pub const DEMO_PASSWORD: &str = "devorg-demo";

impl Org {
    pub fn new(domain: &str, edition: Edition) -> Org {
        let users = vec![User {
            id: "0055g00000AbCdEAAV".into(),
            username: format!("sato@{domain}.example"),
            name: "佐藤 花子".into(),
        }];
        let state = OrgState {
            edition,
            users,
            records: seed_records(),
            sessions: HashMap::new(),
            frontdoor_tokens: HashMap::new(),
            api_used: 0,
            api_max: 15_000,
            log: Vec::new(),
        };
        Org {
            domain: domain.to_string(),
            org_id: "00D5g000004ABCD",
            org_id18: "00D5g000004ABCDEA4",
            state: Arc::new(Mutex::new(state)),
        }
    }

    pub fn api_host(&self) -> String {
        format!("{}.my.salesforce.com", self.domain)
    }

    pub fn lightning_host(&self) -> String {
        format!("{}.lightning.force.com", self.domain)
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, OrgState> {
        // A panic while holding the lock is a devorg bug; keep serving with the data as it is.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn new_session(&self, user_id: &str, kind: SessionKind) -> String {
        let secret: String = rand::thread_rng()
            .sample_iter(&rand::distributions::Alphanumeric)
            .take(48)
            .map(char::from)
            .collect();
        let sid = format!("{}!AQ{}", self.org_id, secret);
        self.lock().sessions.insert(
            sid.clone(),
            Session {
                user_id: user_id.to_string(),
                kind,
            },
        );
        sid
    }

    pub fn session(&self, sid: &str) -> Option<Session> {
        self.lock().sessions.get(sid).cloned()
    }

    pub fn record(&self, object: &str, id: &str) -> Option<Value> {
        let id15 = id.get(..15)?;
        self.lock()
            .records
            .iter()
            .find(|r| {
                r["attributes"]["type"] == object
                    && r["Id"].as_str().and_then(|i| i.get(..15)) == Some(id15)
            })
            .cloned()
    }
}

fn contact(id: &str, name: &str, phone: &str, mobile: Option<&str>, account: &str) -> Value {
    json!({
        "attributes": {"type": "Contact"},
        "Id": id, "Name": name, "Phone": phone, "MobilePhone": mobile, "AccountName": account,
    })
}

fn seed_records() -> Vec<Value> {
    vec![
        contact(
            "0035g00000Yam4dAAB",
            "山田 太郎",
            "03-1234-5678",
            Some("090-1234-5678"),
            "株式会社アクメ",
        ),
        contact(
            "0035g00000Yam4eAAB",
            "<img src=x onerror=alert(1)>",
            "+81 6-1234-5678",
            None,
            "株式会社アクメ",
        ),
    ]
}
