//! What an administrator sets for every user through Chrome enterprise policy
//! (`chrome.storage.managed`, described by `managed_schema.json`). A value set there wins over
//! the user's own choice, which wins over the default; the options page shows it locked, and
//! the worker refuses to change it.
//!
//! Chromium checks the policy against the schema before the extension sees it, but a value
//! can still be wrong for us (an org id that is not one, a region we do not know): each such
//! value is left out, with a problem the diagnostics show, and the rest still applies.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::call::settings::{NotifyWhen, PhoneSettings, Ringing, ScreenPop};
use crate::calllog::FieldMapping;
use crate::desk::{DialRules, LogPolicy, WRAP_UP_SECS};
use crate::number::plan::{valid_outside_prefix, valid_region};
use crate::salesforce::capabilities::valid_priority;
use crate::salesforce::session::OrgId;

/// The managed settings, each absent unless the administrator set it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Policy {
    /// The phone account's WebSocket URL (`wss://…`).
    pub sip_server: Option<String>,
    /// The orgs calls may be looked up and logged in, first preferred.
    pub logging_orgs: Option<Vec<String>>,
    pub lookup_priority: Option<Vec<String>>,
    /// The Task field mapping, for every org.
    pub field_mapping: Option<FieldMapping>,
    pub default_region: Option<String>,
    pub outside_line_prefix: Option<String>,
    pub auto_log: Option<LogPolicy>,
    pub confirm_costly: Option<bool>,
    pub confirm_abroad: Option<bool>,
    /// The Connected App consumer key for "Connect with Salesforce".
    pub connected_app_consumer_key: Option<String>,
    pub ringing: RingingPolicy,
}

/// The ringing and notification settings, each locked on its own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RingingPolicy {
    pub ringtone: Option<bool>,
    pub volume: Option<u8>,
    pub notify: Option<NotifyWhen>,
    pub screen_pop: Option<ScreenPop>,
    pub call_waiting: Option<bool>,
}

/// A policy value left out, and why (for the diagnostics; values are not repeated, they may
/// be long).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyProblem {
    pub key: String,
    pub reason: String,
}

/// Every key of the schema, as the options page names locked fields.
pub const KEYS: &[&str] = &[
    "sipServer",
    "loggingOrgs",
    "lookupPriority",
    "fieldMapping",
    "defaultRegion",
    "outsideLinePrefix",
    "autoLog",
    "confirmCostly",
    "confirmAbroad",
    "connectedAppConsumerKey",
    "ringing.ringtone",
    "ringing.volume",
    "ringing.notify",
    "ringing.screenPop",
    "ringing.callWaiting",
];

/// Longest text value we take from a policy (an URL, a template).
const MAX_TEXT: usize = 2_000;

impl Policy {
    /// The policy from what `chrome.storage.managed.get()` returned: every good value kept,
    /// every bad one named.
    pub fn parse(raw: &Value) -> (Policy, Vec<PolicyProblem>) {
        let mut policy = Policy::default();
        let mut problems = vec![];
        let Some(object) = raw.as_object() else {
            return (policy, problems);
        };
        let mut bad = |key: &str, reason: &str| {
            problems.push(PolicyProblem {
                key: key.into(),
                reason: reason.into(),
            })
        };
        for (key, value) in object {
            let key = key.as_str();
            match key {
                "sipServer" => match text(value) {
                    Some(url) if url.starts_with("wss://") || url.starts_with("ws://") => {
                        policy.sip_server = Some(url)
                    }
                    _ => bad(key, "not a ws:// or wss:// URL"),
                },
                "loggingOrgs" => match strings(value) {
                    Some(ids) if !ids.is_empty() => {
                        match ids
                            .iter()
                            .map(|id| org_id_15(id))
                            .collect::<Option<Vec<_>>>()
                        {
                            Some(ids) => policy.logging_orgs = Some(ids),
                            None => bad(key, "not a list of org ids (00D…)"),
                        }
                    }
                    _ => bad(key, "not a list of org ids (00D…)"),
                },
                "lookupPriority" => match strings(value) {
                    Some(p) if valid_priority(&p) => policy.lookup_priority = Some(p),
                    _ => bad(key, "not an order of Contact, Account and Lead"),
                },
                "fieldMapping" => match serde_json::from_value::<FieldMapping>(value.clone()) {
                    Ok(m) => policy.field_mapping = Some(m),
                    Err(e) => bad(key, &format!("not a field mapping: {e}")),
                },
                "defaultRegion" => match text(value).map(|r| r.to_ascii_uppercase()) {
                    Some(r) if valid_region(&r) => policy.default_region = Some(r),
                    _ => bad(key, "not a region the phone knows (JP, US, GB, …)"),
                },
                "outsideLinePrefix" => match text(value) {
                    Some(p) if valid_outside_prefix(&p) => policy.outside_line_prefix = Some(p),
                    _ => bad(key, "not up to 4 digits, * or #"),
                },
                "autoLog" => match serde_json::from_value::<LogPolicy>(value.clone()) {
                    Ok(p) if WRAP_UP_SECS.contains(&p.wrap_up_secs) => policy.auto_log = Some(p),
                    _ => bad(key, "not {afterWrapUp, wrapUpSecs 10-600}"),
                },
                "confirmCostly" => match value.as_bool() {
                    Some(b) => policy.confirm_costly = Some(b),
                    None => bad(key, "not true or false"),
                },
                "confirmAbroad" => match value.as_bool() {
                    Some(b) => policy.confirm_abroad = Some(b),
                    None => bad(key, "not true or false"),
                },
                "connectedAppConsumerKey" => match text(value) {
                    Some(k) if k.len() <= 256 && k.bytes().all(|b| b.is_ascii_graphic()) => {
                        policy.connected_app_consumer_key = Some(k)
                    }
                    _ => bad(key, "not a consumer key"),
                },
                "ringing" => policy.ringing = RingingPolicy::parse(value, &mut bad),
                _ => bad(key, "not a setting of this version"),
            }
        }
        (policy, problems)
    }

    /// The keys this policy locks (see [`KEYS`]).
    pub fn locked(&self) -> Vec<String> {
        let r = &self.ringing;
        let set = [
            self.sip_server.is_some(),
            self.logging_orgs.is_some(),
            self.lookup_priority.is_some(),
            self.field_mapping.is_some(),
            self.default_region.is_some(),
            self.outside_line_prefix.is_some(),
            self.auto_log.is_some(),
            self.confirm_costly.is_some(),
            self.confirm_abroad.is_some(),
            self.connected_app_consumer_key.is_some(),
            r.ringtone.is_some(),
            r.volume.is_some(),
            r.notify.is_some(),
            r.screen_pop.is_some(),
            r.call_waiting.is_some(),
        ];
        KEYS.iter()
            .zip(set)
            .filter(|(_, on)| *on)
            .map(|(k, _)| k.to_string())
            .collect()
    }

    /// The user's dial rules with the administrator's values over them.
    pub fn dial_rules(&self, user: DialRules) -> DialRules {
        DialRules {
            confirm_costly: self.confirm_costly.unwrap_or(user.confirm_costly),
            confirm_abroad: self.confirm_abroad.unwrap_or(user.confirm_abroad),
            region: self.default_region.clone().or(user.region),
        }
    }

    pub fn log_policy(&self, user: LogPolicy) -> LogPolicy {
        self.auto_log.unwrap_or(user)
    }

    /// Whether calls may be logged in `org_id` (any org, without a list).
    /// Org ids are compared by their 15 characters: an 18-character id is the same org.
    pub fn allows_org(&self, org_id: &str) -> bool {
        let id15 = org_id.get(..15).unwrap_or(org_id);
        self.logging_orgs
            .as_ref()
            .is_none_or(|ids| ids.iter().any(|id| id == id15))
    }

    /// The phone settings the engine runs with: the user's, with the administrator's over
    /// them.
    pub fn phone(&self, mut user: PhoneSettings) -> PhoneSettings {
        if let Some(url) = &self.sip_server {
            user.websocket_url = url.clone();
        }
        if let Some(prefix) = &self.outside_line_prefix {
            user.outside_prefix = prefix.clone();
        }
        user.ringing = self.ringing.over(user.ringing);
        user
    }

    /// What the user saved, with every locked value kept as the user had it before (the
    /// administrator's value applies on top; removing the policy brings the user's back).
    pub fn keep_locked_phone(
        &self,
        mut form: PhoneSettings,
        before: &PhoneSettings,
    ) -> PhoneSettings {
        if self.sip_server.is_some() {
            form.websocket_url = before.websocket_url.clone();
        }
        if self.outside_line_prefix.is_some() {
            form.outside_prefix = before.outside_prefix.clone();
        }
        let r = &self.ringing;
        let (f, b) = (&mut form.ringing, &before.ringing);
        if r.ringtone.is_some() {
            f.ringtone = b.ringtone;
        }
        if r.volume.is_some() {
            f.volume = b.volume;
        }
        if r.notify.is_some() {
            f.notify = b.notify;
        }
        if r.screen_pop.is_some() {
            f.screen_pop = b.screen_pop;
        }
        if r.call_waiting.is_some() {
            f.call_waiting = b.call_waiting;
        }
        form
    }
}

impl RingingPolicy {
    fn parse(value: &Value, bad: &mut impl FnMut(&str, &str)) -> RingingPolicy {
        let mut policy = RingingPolicy::default();
        let Some(object) = value.as_object() else {
            bad("ringing", "not an object");
            return policy;
        };
        for (key, value) in object {
            let name = format!("ringing.{key}");
            let ok = match key.as_str() {
                "ringtone" => value.as_bool().map(|b| policy.ringtone = Some(b)),
                "volume" => value
                    .as_u64()
                    .filter(|v| *v <= 100)
                    .map(|v| policy.volume = Some(v as u8)),
                "notify" => serde_json::from_value(value.clone())
                    .ok()
                    .map(|n| policy.notify = Some(n)),
                "screenPop" => serde_json::from_value(value.clone())
                    .ok()
                    .map(|s| policy.screen_pop = Some(s)),
                "callWaiting" => value.as_bool().map(|b| policy.call_waiting = Some(b)),
                _ => {
                    bad(&name, "not a setting of this version");
                    Some(())
                }
            };
            if ok.is_none() {
                bad(&name, "not a value this setting takes");
            }
        }
        policy
    }

    fn over(&self, user: Ringing) -> Ringing {
        Ringing {
            ringtone: self.ringtone.unwrap_or(user.ringtone),
            volume: self.volume.unwrap_or(user.volume),
            notify: self.notify.unwrap_or(user.notify),
            screen_pop: self.screen_pop.unwrap_or(user.screen_pop),
            call_waiting: self.call_waiting.unwrap_or(user.call_waiting),
        }
    }
}

fn text(value: &Value) -> Option<String> {
    value
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty() && s.len() <= MAX_TEXT)
        .map(str::to_string)
}

fn strings(value: &Value) -> Option<Vec<String>> {
    let items = value.as_array()?;
    (items.len() <= 20)
        .then(|| items.iter().map(text).collect::<Option<Vec<_>>>())
        .flatten()
}

/// An org id as we store it (15 characters), from the 15 or 18 an administrator may paste.
fn org_id_15(id: &str) -> Option<String> {
    let id15 = match id.len() {
        15 => id,
        18 => &id[..15],
        _ => return None,
    };
    OrgId::parse(id15).map(|o| o.as_str().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_empty_policy_locks_nothing_and_changes_nothing() {
        let (policy, problems) = Policy::parse(&json!({}));
        assert!(problems.is_empty());
        assert!(policy.locked().is_empty());
        let user = DialRules {
            confirm_abroad: true,
            region: Some("US".into()),
            ..DialRules::default()
        };
        assert_eq!(policy.dial_rules(user.clone()), user);
        let phone = PhoneSettings {
            websocket_url: "wss://mine.example".into(),
            ..PhoneSettings::default()
        };
        assert_eq!(policy.phone(phone.clone()), phone);
        assert!(policy.allows_org("00D000000000001"));
    }

    #[test]
    fn managed_values_win_over_the_users() {
        let (policy, problems) = Policy::parse(&json!({
            "sipServer": " wss://pbx.corp.example:7443 ",
            "defaultRegion": "us",
            "outsideLinePrefix": "0",
            "confirmCostly": false,
            "autoLog": {"afterWrapUp": true, "wrapUpSecs": 30},
            "ringing": {"screenPop": "RING", "volume": 40},
            "loggingOrgs": ["00D5g000004abcdEAA"],
        }));
        assert_eq!(problems, vec![]);
        let phone = policy.phone(PhoneSettings {
            websocket_url: "wss://mine.example".into(),
            ..PhoneSettings::default()
        });
        assert_eq!(phone.websocket_url, "wss://pbx.corp.example:7443");
        assert_eq!(phone.ringing.screen_pop, ScreenPop::Ring);
        assert_eq!(phone.ringing.volume, 40);
        // What the policy does not name stays the user's.
        assert_eq!(phone.ringing.notify, Ringing::default().notify);
        let rules = policy.dial_rules(DialRules::default());
        assert!(!rules.confirm_costly);
        assert_eq!(rules.region.as_deref(), Some("US"));
        assert_eq!(phone.outside_prefix, "0");
        assert!(policy.log_policy(LogPolicy::default()).after_wrap_up);
        assert!(policy.allows_org("00D5g000004abcd"));
        assert!(!policy.allows_org("00D000000000001"));
        assert_eq!(
            policy.locked(),
            [
                "sipServer",
                "loggingOrgs",
                "defaultRegion",
                "outsideLinePrefix",
                "autoLog",
                "confirmCostly",
                "ringing.volume",
                "ringing.screenPop"
            ]
        );
    }

    #[test]
    fn each_bad_value_is_left_out_and_named_and_the_rest_applies() {
        let (policy, problems) = Policy::parse(&json!({
            "sipServer": "https://not-a-websocket",
            "loggingOrgs": ["00Dshort"],
            "lookupPriority": ["Contact", "Opportunity"],
            "defaultRegion": "XX",
            "outsideLinePrefix": "0; rm",
            "autoLog": {"afterWrapUp": true, "wrapUpSecs": 5},
            "ringing": {"volume": 400, "notify": "SOMETIMES", "colour": "red"},
            "somethingNew": 1,
            "confirmAbroad": true,
        }));
        let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
        for key in [
            "sipServer",
            "loggingOrgs",
            "lookupPriority",
            "defaultRegion",
            "outsideLinePrefix",
            "autoLog",
            "ringing.volume",
            "ringing.notify",
            "ringing.colour",
            "somethingNew",
        ] {
            assert!(keys.contains(&key), "{key} not named in {keys:?}");
        }
        assert_eq!(policy.locked(), ["confirmAbroad"]);
    }

    #[test]
    fn a_saved_form_keeps_the_users_own_value_under_a_lock() {
        let (policy, _) = Policy::parse(&json!({
            "sipServer": "wss://pbx.corp.example",
            "ringing": {"ringtone": false},
        }));
        let before = PhoneSettings {
            websocket_url: "wss://mine.example".into(),
            ..PhoneSettings::default()
        };
        let mut form = before.clone();
        form.websocket_url = "wss://pbx.corp.example".into();
        form.ringing.ringtone = false;
        form.display_name = "Sato".into();
        let kept = policy.keep_locked_phone(form, &before);
        assert_eq!(kept.websocket_url, "wss://mine.example");
        assert!(kept.ringing.ringtone);
        assert_eq!(kept.display_name, "Sato");
    }

    #[test]
    fn the_schema_names_every_key_the_parser_takes() {
        let schema: Value =
            serde_json::from_str(include_str!("../extension/managed_schema.json")).unwrap();
        let properties = schema["properties"].as_object().unwrap();
        for key in KEYS {
            match key.split_once('.') {
                Some((outer, inner)) => assert!(
                    properties[outer]["properties"].get(inner).is_some(),
                    "{key} missing from the schema"
                ),
                None => assert!(
                    properties.contains_key(*key),
                    "{key} missing from the schema"
                ),
            }
        }
        assert_eq!(
            properties.len(),
            KEYS.iter()
                .map(|k| k.split('.').next().unwrap())
                .collect::<std::collections::BTreeSet<_>>()
                .len()
        );
    }
}
