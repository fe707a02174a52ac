//! An org's connection: found from a Salesforce page's cookies, proven and described once per
//! org and user (capabilities, cached with an expiry), then used for lookups.
//!
//! Which user a session is: a new login (the same user, or another one on the same org) has a
//! new session. The worker keeps, in `chrome.storage.session` only (memory; content scripts
//! cannot read it), a salted SHA-256 tag of the session it last checked per org, never the
//! session itself; a session it has not seen costs one call (the resource map names the user),
//! and a different user gets the org described again, so Tasks are never owned and
//! field-checked as the previous user.

use serde_json::{json, Value};
use wasm_bindgen_futures::JsFuture;

use super::client::{call, now_ms, sid_cookies, CallError};
use super::{runner, store};
use crate::codes::ErrorCode;
use crate::glue::chrome;
use crate::glue::js::string_prop;
use crate::number::PhoneNumber;
use crate::protocol::{LookupResult, OrgReport};
use crate::salesforce::capabilities::{
    objects_with, readable_objects, task_fields, ApiAccess, Capabilities, LOOKUP_OBJECTS,
};
use crate::salesforce::host;
use crate::salesforce::lookup::{encode_query_value, parse_search, rank, search_path};
use crate::salesforce::permissions::{described_objects, fields_of_describe};
use crate::salesforce::rest::parse_resources;
use crate::salesforce::search::SEARCH_OBJECTS;
use crate::salesforce::session::{choose_api_session, SessionId, SessionProblem};
use crate::salesforce::API_VERSION;

async fn page_sid(url: &str) -> Option<SessionId> {
    let details = js_sys::Object::new();
    js_sys::Reflect::set(&details, &"url".into(), &url.into()).ok()?;
    js_sys::Reflect::set(&details, &"name".into(), &"sid".into()).ok()?;
    let cookie = JsFuture::from(chrome::cookies_get(&details).ok()?)
        .await
        .ok()?;
    string_prop(&cookie, "value").map(SessionId::new)
}

/// The org a Salesforce page belongs to, from its session cookie alone: nothing is recorded or
/// checked (a panel's hello must not cost an API call).
pub async fn org_of(page_url: &str, page_host: &str) -> Option<String> {
    let cookies = sid_cookies().await.ok()?;
    let page_sid = page_sid(page_url).await;
    match choose_api_session(page_host, page_sid.as_ref(), &cookies) {
        Ok(session) => Some(session.org_id.as_str().to_string()),
        Err(SessionProblem::NoApiSession { org_id }) => Some(org_id.as_str().to_string()),
        Err(SessionProblem::NoPageSession) => None,
    }
}

/// The org of a Salesforce page, recorded and (when stale) described. Returns its id.
pub async fn on_page(page_url: &str, page_host: &str) -> Option<String> {
    let cookies = sid_cookies().await.ok()?;
    let page_sid = page_sid(page_url).await;
    let mut tag = None;
    let (org_id, api_host, state) = match choose_api_session(page_host, page_sid.as_ref(), &cookies)
    {
        Ok(session) => {
            tag = Some(session_tag(&session.session).await);
            (session.org_id.as_str().to_string(), session.api_host, None)
        }
        Err(SessionProblem::NoApiSession { org_id }) => (
            org_id.as_str().to_string(),
            host::api_host_for(page_host).unwrap_or_default(),
            Some(ErrorCode::NoApiSession),
        ),
        Err(SessionProblem::NoPageSession) => return None,
    };
    let org = store::update_org(&org_id, |current| {
        let mut org = current.unwrap_or(OrgReport {
            org_id: org_id.clone(),
            ui_host: page_host.into(),
            api_host: api_host.clone(),
            api_version: API_VERSION.into(),
            state: ErrorCode::Checking,
            user_id: None,
            user_name: None,
            checked_at_ms: now_ms(),
            edition: None,
            capabilities: None,
            api_usage: None,
            limited_until_ms: None,
        });
        org.ui_host = page_host.into();
        org.api_host = api_host.clone();
        if let Some(state) = state {
            org.state = state;
        }
        Some(org)
    })
    .await
    .ok()
    .flatten()?;
    if state.is_some() {
        return Some(org_id);
    }
    let fresh = org
        .capabilities
        .as_ref()
        .filter(|c| c.is_fresh(now_ms()))
        // An org-wide refusal holds for every user; one user's (no "API Enabled") does not.
        .map(|c| {
            let org_wide =
                matches!(&c.api, ApiAccess::Disabled { code } if code == "API_DISABLED_FOR_ORG");
            (c.user_id.clone(), !org_wide)
        });
    let seen = match &tag {
        Some(tag) => known_tag(&org_id).await.as_ref() == Some(tag),
        None => false,
    };
    let verified = match fresh {
        None => describe(&org_id, None).await,
        // Seen; or an org without API access for anyone, where there is nothing to ask (and
        // no call to spend on a refusal already known).
        Some(_) if seen => false,
        Some((_, false)) => false,
        // A session not seen before: the same user (keep what is known), or another one.
        Some((cached_user, true)) => match call(&org_id, "GET", "/", None).await {
            Ok(resources) if user_of(&resources) == cached_user => true,
            Ok(resources) => describe(&org_id, Some(resources)).await,
            // This user may not use the API: the client recorded it for the org; the session
            // is known now.
            Err(e) => e.code == "API_CURRENTLY_DISABLED",
        },
    };
    if let (true, Some(tag)) = (verified || seen, tag) {
        remember_tag(&org_id, tag).await;
    }
    Some(org_id)
}

/// Learns the capabilities in two API calls: the resource map (user id), then one composite
/// with describe global, the Task describe and the edition. `resources`: the map, when it was
/// just read. `true` when the org was described.
pub(super) async fn describe(org_id: &str, resources: Option<Value>) -> bool {
    let resources = match resources {
        Some(r) => r,
        None => match call(org_id, "GET", "/", None).await {
            Ok(r) => r,
            Err(_) => return false, // the client stored why (disabled, session, limit)
        },
    };
    let user_id = user_of(&resources);
    let base = format!("/services/data/v{API_VERSION}");
    let mut parts = vec![
        json!({"method": "GET", "url": format!("{base}/sobjects/"), "referenceId": "global"}),
        json!({"method": "GET", "url": format!("{base}/sobjects/Task/describe"), "referenceId": "task"}),
        json!({"method": "GET", "url": format!("{base}/query?q=SELECT+OrganizationType+FROM+Organization"), "referenceId": "edition"}),
    ];
    // The permissions checklist's fields: in the same composite (still one API call). An
    // object the user cannot read answers 404 in its part, and says so by that.
    for object in described_objects() {
        parts.push(json!({"method": "GET", "url": format!("{base}/sobjects/{object}/describe"), "referenceId": format!("describe{object}")}));
    }
    // The user's name, for the diagnostics (an id only ever reaches this query).
    if let Some(user) = user_id
        .as_deref()
        .filter(|u| crate::salesforce::id::RecordId::parse(u).is_ok())
    {
        let soql = format!("SELECT Name FROM User WHERE Id = '{user}'");
        parts.push(json!({"method": "GET", "url": format!("{base}/query?q={}", encode_query_value(&soql)), "referenceId": "me"}));
    }
    let request = json!({"allOrNone": false, "compositeRequest": parts});
    let Ok(answer) = call(org_id, "POST", "/composite", Some(&request)).await else {
        return false;
    };
    let part = |id: &str| -> Option<Value> {
        answer["compositeResponse"]
            .as_array()?
            .iter()
            .find(|r| {
                r["referenceId"] == id && r["httpStatusCode"].as_u64().is_some_and(|s| s < 300)
            })
            .map(|r| r["body"].clone())
    };
    let global = part("global").unwrap_or_default();
    let readable = readable_objects(&global).unwrap_or_default();
    let searchable = objects_with(&global, &SEARCH_OBJECTS, false);
    let createable = objects_with(&global, &["Lead", "Contact"], true);
    let mut task = part("task").and_then(|t| task_fields(&t).ok());
    // A record type of the user's own: its picklists may offer fewer values (one more call,
    // only in an org with Task record types).
    if let Some(task) = task.as_mut().filter(|t| t.record_type.is_some()) {
        if let Ok(layouts) = call(org_id, "GET", "/sobjects/Task/describe/layouts/", None).await {
            task.narrow_to(&layouts);
        }
    }
    let described = described_objects()
        .into_iter()
        .filter_map(|object| fields_of_describe(object, &part(&format!("describe{object}"))?))
        .collect();
    let has = |object: &str| {
        global["sobjects"]
            .as_array()
            .is_some_and(|all| all.iter().any(|o| o["name"].as_str() == Some(object)))
    };
    let no_lead_licence = !has("Lead") && !has("Opportunity") && !has("Case");
    let user_name = part("me").and_then(|m| m["records"][0]["Name"].as_str().map(str::to_string));
    let edition = part("edition").and_then(|e| {
        e["records"][0]["OrganizationType"]
            .as_str()
            .map(str::to_string)
    });
    let _ = store::update_org(org_id, |current| {
        let mut org = current?;
        org.capabilities = Some(Capabilities {
            api: ApiAccess::Available,
            readable,
            task,
            user_id: user_id.clone(),
            checked_at_ms: now_ms(),
            searchable,
            createable,
            described,
            no_lead_licence,
        });
        org.user_id = user_id;
        org.user_name = user_name;
        org.edition = edition;
        org.state = ErrorCode::Connected;
        org.checked_at_ms = now_ms();
        Some(org)
    })
    .await;
    true
}

/// The user the resource map names (its `identity` URL).
fn user_of(resources: &Value) -> Option<String> {
    parse_resources(&resources.to_string())
        .ok()
        .and_then(|r| r.user_id)
        .map(|id| id.to_string())
}

const SALT: &str = "sessionSalt";
const TAGS: &str = "sessionTags";

/// A salted digest of the session: tells sessions apart, and cannot be turned back into one.
/// The salt is random per browser session and lives in memory-only storage.
pub(super) async fn session_tag(session: &SessionId) -> String {
    use sha2::{Digest, Sha256};
    let salt = match store::session_load::<String>(SALT).await.ok().flatten() {
        Some(salt) => salt,
        None => {
            let salt = super::random_hex(16);
            let _ = store::session_store(SALT, &salt).await;
            salt
        }
    };
    let digest = Sha256::new()
        .chain_update(salt.as_bytes())
        .chain_update(session.expose().as_bytes())
        .finalize();
    super::hex(&digest[..16])
}

async fn known_tag(org_id: &str) -> Option<String> {
    let tags: Value = store::session_load(TAGS).await.ok().flatten()?;
    tags[org_id].as_str().map(str::to_string)
}

async fn remember_tag(org_id: &str, tag: String) {
    let mut tags: Value = store::session_load(TAGS)
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| json!({}));
    if let Some(map) = tags.as_object_mut() {
        map.insert(org_id.to_string(), json!(tag));
        // A few orgs at most; the oldest go first.
        while map.len() > 20 {
            let first = map.keys().next().cloned().unwrap_or_default();
            map.remove(&first);
        }
    }
    let _ = store::session_store(TAGS, &tags).await;
}

/// One SOSL request; the answer re-ranked by the exact number.
pub async fn lookup(org_id: &str, number: &str) -> Result<LookupResult, CallError> {
    let org = store::org(org_id).await?.ok_or_else(|| CallError {
        code: "UNKNOWN_ORG".into(),
        message: "open a Salesforce page of this org first".into(),
    })?;
    let capabilities = org.capabilities.clone().ok_or_else(|| CallError {
        code: org.state.as_str().into(),
        message: "the org's capabilities are not known yet".into(),
    })?;
    if let Some(code) = capabilities.lookup_blocked() {
        return Err(CallError {
            code: code.into(),
            message: "record lookup is not available".into(),
        });
    }
    let region = runner::read(|d| d.region()).await?;
    let parsed = PhoneNumber::parse(number, region).map_err(|e| CallError {
        code: e.code().into(),
        message: "not a phone number".into(),
    })?;
    let path = search_path(&parsed, &capabilities.readable).ok_or_else(|| CallError {
        code: "NO_READABLE_OBJECTS".into(),
        message: "none of Contact, Account, Lead is readable".into(),
    })?;
    let answer = call(org_id, "GET", &path, None).await?;
    let candidates = parse_search(&answer.to_string(), &parsed, region).map_err(|e| CallError {
        code: e.code().into(),
        message: "the search answer could not be read".into(),
    })?;
    let priority = lookup_priority().await;
    Ok(LookupResult {
        org_id: org_id.into(),
        candidates: rank(candidates, &priority),
    })
}

/// The user's preferred order of Contact / Account / Lead (the seed vendor's by default).
pub async fn lookup_priority() -> Vec<String> {
    if let Some(priority) = super::policy::current().await.lookup_priority {
        return priority;
    }
    store::load::<Vec<String>>("lookupPriority")
        .await
        .ok()
        .flatten()
        .filter(|p| crate::salesforce::capabilities::valid_priority(p))
        .unwrap_or_else(|| LOOKUP_OBJECTS.iter().map(|s| s.to_string()).collect())
}
