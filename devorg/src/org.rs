//! The org itself: its edition, users, records and sessions, behind one lock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rand::Rng;

use crate::access::Permissions;
use crate::admin::Faults;
use crate::schema::{objects, ObjectDef};
use serde::Serialize;
use serde_json::Value;

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

    /// `Organization.OrganizationType` as the API reports it (Essentials reports Team Edition,
    /// Performance reports Unlimited Edition: the reference's best reading).
    pub fn organization_type(self) -> &'static str {
        match self {
            Edition::Essentials => "Team Edition",
            Edition::Professional => "Professional Edition",
            Edition::Enterprise => "Enterprise Edition",
            Edition::Unlimited | Edition::Performance => "Unlimited Edition",
            Edition::Developer => "Developer Edition",
        }
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
    /// An OAuth access token from `/services/oauth2/token`: accepted by the REST API while its
    /// grant allows (scope `api`; API Access Control), refused by the Lightning host.
    OAuth,
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
    pub permissions: Permissions,
    /// `IsActive`: an inactive user cannot log in nor own records.
    pub active: bool,
    /// `UserType`: `Standard`, or e.g. `CsnOnly` (Chatter Free: cannot own Tasks).
    pub user_type: &'static str,
}

impl User {
    /// The user as a `User` record, as queries and `GET /sobjects/User/{id}` return it.
    pub fn as_record(&self) -> Value {
        serde_json::json!({
            "attributes": {"type": "User"}, "Id": self.id, "Name": self.name,
            "Username": self.username, "IsActive": self.active, "UserType": self.user_type,
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct LoggedRequest {
    pub method: String,
    pub host: String,
    pub path: String,
    pub status: u16,
    /// Counted against the daily API limit.
    pub counted: bool,
    /// Which kind of credential the REST call carried: `"oauth"` (an access token) or
    /// `"session"` (a session id); null when none was recognised or for other paths.
    pub auth: Option<&'static str>,
}

pub struct OrgState {
    pub edition: Edition,
    pub objects: Vec<ObjectDef>,
    pub users: Vec<User>,
    pub records: Vec<Value>,
    pub sessions: HashMap<String, Session>,
    /// One-time tokens that carry a login from the My Domain host to the Lightning host.
    pub frontdoor_tokens: HashMap<String, String>,
    /// Ids of deleted records (in the recycle bin): reading them says ENTITY_IS_DELETED.
    pub deleted: Vec<String>,
    pub validation_rules: Vec<ValidationRule>,
    pub next_id: u64,
    pub api_used: u64,
    pub api_max: u64,
    pub log: Vec<LoggedRequest>,
    pub faults: Faults,
    /// Open query cursors by locator (`01g…-2000`).
    pub cursors: HashMap<String, crate::soql::QueryCursor>,
    pub next_locator: u64,
    /// How SOSL matches phone numbers (switches for what the reference leaves open).
    pub phone_matching: crate::sosl::PhoneMatching,
    /// Where the records are persisted, if anywhere.
    pub snapshot: Option<std::path::PathBuf>,
    /// A Task record type the admin made, every user's default: its picklists offer only
    /// their own values (describe's `recordTypeInfos`, `describe/layouts`' mappings).
    pub task_record_type: Option<RecordTypeDef>,
    /// The Connected App, its grants and tokens, and API Access Control.
    pub oauth: crate::oauth::OAuthState,
}

/// A record type: its id (`012…`), name, and the values each picklist offers under it.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct RecordTypeDef {
    pub id: String,
    pub name: String,
    pub picklists: std::collections::BTreeMap<String, Vec<String>>,
}

#[derive(Clone)]
pub struct Org {
    pub domain: String,
    /// 15-character org id: every session id starts with it and `!`.
    pub org_id: &'static str,
    pub org_id18: &'static str,
    pub state: Arc<Mutex<OrgState>>,
}

/// An admin's validation rule, reduced to what tests need: a value a field must not contain.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidationRule {
    pub object: String,
    pub field: String,
    pub forbidden_substring: String,
    pub message: String,
}

pub const DEMO_PASSWORD: &str = "devorg-demo";

impl OrgState {
    /// The org as seeded at start.
    pub fn seeded(domain: &str, edition: Edition) -> OrgState {
        OrgState {
            edition,
            objects: objects(),
            users: crate::seed::users(domain),
            records: {
                let now = timestamp(now_ms());
                let mut records = crate::seed::records();
                records.push(organization_record(domain, edition));
                records.iter_mut().for_each(|r| derive_fields(r, &now));
                records
            },
            sessions: HashMap::new(),
            frontdoor_tokens: HashMap::new(),
            deleted: Vec::new(),
            validation_rules: Vec::new(),
            next_id: 1,
            api_used: 0,
            api_max: 15_000,
            log: Vec::new(),
            faults: Faults::default(),
            cursors: HashMap::new(),
            next_locator: 0,
            phone_matching: crate::sosl::PhoneMatching::default(),
            task_record_type: None,
            snapshot: None,
            oauth: crate::oauth::OAuthState::default(),
        }
    }
}

impl Org {
    pub fn new(domain: &str, edition: Edition) -> Org {
        let state = OrgState::seeded(domain, edition);
        let (org_id, org_id18) = org_ids(domain);
        Org {
            domain: domain.to_string(),
            org_id,
            org_id18,
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
        // OAuth access tokens read `00D…!AR…` in Salesforce's examples, session ids `00D…!AQ…`.
        let marker = if kind == SessionKind::OAuth {
            "AR"
        } else {
            "AQ"
        };
        let sid = format!("{}!{marker}{}", self.org_id, secret);
        self.lock().sessions.insert(
            sid.clone(),
            Session {
                user_id: user_id.to_string(),
                kind,
            },
        );
        sid
    }

    /// Loads records from `path` if it exists, and saves there after every write from now on.
    pub fn attach_snapshot(&self, path: std::path::PathBuf) -> std::io::Result<()> {
        if path.exists() {
            let text = std::fs::read_to_string(&path)?;
            let snapshot: Value = serde_json::from_str(&text)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
            let mut state = self.lock();
            if let Some(records) = snapshot["records"].as_array() {
                state.records = records.clone();
            }
            state.next_id = snapshot["nextId"].as_u64().unwrap_or(state.next_id);
        }
        self.lock().snapshot = Some(path);
        Ok(())
    }

    /// Writes the snapshot, if one is attached (after a write through the API).
    pub fn save_snapshot(&self) -> std::io::Result<()> {
        let (path, body) = {
            let state = self.lock();
            let Some(path) = state.snapshot.clone() else {
                return Ok(());
            };
            let body = serde_json::json!({"records": state.records, "nextId": state.next_id});
            (path, body)
        };
        let temp = path.with_extension("tmp");
        std::fs::write(&temp, serde_json::to_vec_pretty(&body)?)?;
        std::fs::rename(temp, path)
    }

    /// A new 18-character id with the object's key prefix.
    pub fn new_record_id(&self, key_prefix: &str) -> String {
        const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let mut n = {
            let mut state = self.lock();
            state.next_id += 1;
            state.next_id
        };
        let mut tail = [b'0'; 7];
        for slot in tail.iter_mut().rev() {
            *slot = DIGITS[(n % 62) as usize];
            n /= 62;
        }
        let id15 = format!("{key_prefix}5g000{}", String::from_utf8_lossy(&tail));
        to_18(&id15)
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

pub const ORG_ID18: &str = "00D5g000004ABCDEA4";

/// The org id: acme's is the one the tests and the demo know; another domain (a second org in
/// the same browser) gets its own, made from its name.
fn org_ids(domain: &str) -> (&'static str, &'static str) {
    if domain == "acme" {
        return ("00D5g000004ABCD", ORG_ID18);
    }
    const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in domain.bytes() {
        hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let tail: String = (0..6)
        .map(|i| char::from(DIGITS[((hash >> (i * 6)) % 36) as usize]))
        .collect();
    let id15 = format!("00D5g0000{tail}");
    let id18 = to_18(&id15);
    (
        Box::leak(id15.into_boxed_str()),
        Box::leak(id18.into_boxed_str()),
    )
}

/// The org's own record (`SELECT OrganizationType FROM Organization`).
pub fn organization_record(domain: &str, edition: Edition) -> Value {
    serde_json::json!({
        "attributes": {"type": "Organization"}, "Id": ORG_ID18, "Name": format!("{domain} 株式会社"),
        "OrganizationType": edition.organization_type(),
        "IsSandbox": domain.contains(".sandbox"), "InstanceName": "AP27",
    })
}

/// The case-safe 18-character form of a 15-character id.
pub fn to_18(id15: &str) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
    let mut out = id15.to_string();
    for chunk in id15.as_bytes().chunks(5) {
        let bits = chunk
            .iter()
            .enumerate()
            .filter(|(_, c)| c.is_ascii_uppercase())
            .fold(0, |acc, (i, _)| acc | (1 << i));
        out.push(ALPHABET[bits] as char);
    }
    out
}

/// Fields Salesforce computes: compound names (Japanese order: last name first, as the org's
/// ja_JP locale shows them) and timestamps.
pub fn derive_fields(record: &mut Value, now: &str) {
    let object = record["attributes"]["type"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if object == "Contact" || object == "Lead" {
        let last = record["LastName"].as_str().unwrap_or_default();
        let first = record["FirstName"].as_str().unwrap_or_default();
        let name = format!("{last} {first}").trim().to_string();
        record["Name"] = Value::String(name);
    }
    if record.get("CreatedDate").is_none_or(Value::is_null) {
        record["CreatedDate"] = Value::String(now.to_string());
    }
    record["LastModifiedDate"] = Value::String(now.to_string());
}

/// A timestamp in Salesforce's format (`2026-11-26T05:04:03.000+0000`).
pub fn timestamp(unix_ms: u64) -> String {
    let secs = unix_ms / 1000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}+0000",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        unix_ms % 1000
    )
}

/// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_use_salesforce_format() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00.000+0000");
        assert_eq!(timestamp(1_795_000_000_123), "2026-11-18T11:06:40.123+0000");
    }

    #[test]
    fn new_ids_are_18_characters_with_a_valid_suffix() {
        assert_eq!(to_18("00558000001N0Ke"), "00558000001N0KeAAK");
        let org = Org::new("acme", Edition::Enterprise);
        let a = org.new_record_id("00T");
        let b = org.new_record_id("00T");
        assert_ne!(a, b);
        assert_eq!(a.len(), 18);
        assert!(a.starts_with("00T"));
        assert_eq!(to_18(&a[..15]), a);
    }

    #[test]
    fn japanese_names_put_the_last_name_first() {
        let mut record = serde_json::json!({"attributes": {"type": "Contact"}, "LastName": "山田", "FirstName": "太郎"});
        derive_fields(&mut record, "now");
        assert_eq!(record["Name"], "山田 太郎");
    }
}
