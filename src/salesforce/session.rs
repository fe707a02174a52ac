//! Which `sid` cookie is the user's REST API session for the org a page belongs to.
//!
//! A Lightning page's own `sid` is refused by the REST API; its value still names the org (the
//! 15 characters before `!`). The API session is the `sid` on a `salesforce.com` domain (or the
//! `.mil` / China equivalents) with the same org id. Matching by org id, not host, keeps several
//! orgs open in one browser apart and ignores stale cookies left on old hosts.

use std::fmt;

use super::host;

/// The 15-character org id (`00D…`) at the start of every session id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct OrgId(String);

impl OrgId {
    /// An org id as stored by us (15 characters, `00D…`).
    pub fn parse(text: &str) -> Option<OrgId> {
        OrgId::from_session_value(&format!("{text}!x"))
    }

    pub fn from_session_value(sid: &str) -> Option<OrgId> {
        let (prefix, rest) = sid.split_once('!')?;
        let valid = prefix.len() == 15
            && prefix.starts_with("00D")
            && prefix.bytes().all(|b| b.is_ascii_alphanumeric())
            && !rest.is_empty();
        valid.then(|| OrgId(prefix.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A session id. Deliberately neither `Display` nor a revealing `Debug`: it may only be read
/// with `expose`, at the one place that builds the `Authorization` header.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionId(String);

impl SessionId {
    pub fn new(value: String) -> Self {
        SessionId(value)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionId(<redacted>)")
    }
}

/// A cookie as the browser reports it: only what the choice needs.
#[derive(Debug, Clone)]
pub struct SidCookie {
    pub domain: String,
    pub value: SessionId,
}

/// The REST API session chosen for an org.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiSession {
    pub org_id: OrgId,
    pub api_host: String,
    pub session: SessionId,
}

/// Why no API session could be found; each is a different thing to tell the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionProblem {
    /// The page has no `sid` cookie (not logged in, or not a Salesforce page).
    NoPageSession,
    /// The page is logged in but no API-capable session exists for its org.
    NoApiSession { org_id: OrgId },
}

impl SessionProblem {
    pub fn code(&self) -> &'static str {
        match self {
            SessionProblem::NoPageSession => "NOT_LOGGED_IN",
            SessionProblem::NoApiSession { .. } => "NO_API_SESSION",
        }
    }
}

/// Picks the API session for the page whose `sid` is `page_sid`, among all `sid` cookies.
pub fn choose_api_session(
    page_host: &str,
    page_sid: Option<&SessionId>,
    cookies: &[SidCookie],
) -> Result<ApiSession, SessionProblem> {
    let org_id = page_sid
        .and_then(|sid| OrgId::from_session_value(sid.expose()))
        .ok_or(SessionProblem::NoPageSession)?;
    let expected_host = host::api_host_for(page_host);
    api_session_for_org(&org_id, expected_host.as_deref(), cookies).ok_or(
        SessionProblem::NoApiSession {
            org_id: org_id.clone(),
        },
    )
}

/// The API session of an org known by id (from an extension page, with no Salesforce tab at
/// hand). Several candidates for the same org (stale cookies of old hosts) are ranked: the one
/// on `preferred_host` (the last API host that worked, or the page's mapped host) wins.
pub fn api_session_for_org(
    org_id: &OrgId,
    preferred_host: Option<&str>,
    cookies: &[SidCookie],
) -> Option<ApiSession> {
    let mut candidates: Vec<&SidCookie> = cookies
        .iter()
        .filter(|c| host::is_api_cookie_domain(&c.domain))
        .filter(|c| OrgId::from_session_value(c.value.expose()).as_ref() == Some(org_id))
        .collect();
    candidates.sort_by_key(|c| Some(c.domain.trim_start_matches('.')) != preferred_host);
    let chosen = candidates.first()?;
    Some(ApiSession {
        org_id: org_id.clone(),
        api_host: chosen.domain.trim_start_matches('.').to_ascii_lowercase(),
        session: chosen.value.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORG: &str = "00D5g000004ABCD";
    const OTHER_ORG: &str = "00D5g000009WXYZ";

    fn sid(org: &str, tail: &str) -> SessionId {
        SessionId::new(format!("{org}!{tail}"))
    }

    fn cookie(domain: &str, value: SessionId) -> SidCookie {
        SidCookie {
            domain: domain.into(),
            value,
        }
    }

    #[test]
    fn org_id_is_the_fifteen_characters_before_the_bang() {
        assert_eq!(
            OrgId::from_session_value(&format!("{ORG}!AQ4AQabc"))
                .unwrap()
                .as_str(),
            ORG
        );
        for bad in [
            "",
            "no-bang",
            "!AQ",
            "00D5g000004ABC!AQ",
            "0015g000004ABCD!AQ",
            "00D5g000004ABCD!",
        ] {
            assert_eq!(OrgId::from_session_value(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn picks_the_salesforce_com_cookie_of_the_same_org() {
        let page = sid(ORG, "lightning");
        let cookies = [
            cookie("acme.lightning.force.com", page.clone()),
            cookie("other.my.salesforce.com", sid(OTHER_ORG, "other")),
            cookie("acme.my.salesforce.com", sid(ORG, "api")),
        ];
        let chosen = choose_api_session("acme.lightning.force.com", Some(&page), &cookies).unwrap();
        assert_eq!(chosen.api_host, "acme.my.salesforce.com");
        assert_eq!(chosen.session, sid(ORG, "api"));
        assert_eq!(chosen.org_id.as_str(), ORG);
    }

    #[test]
    fn two_orgs_in_one_browser_keep_their_own_sessions() {
        let cookies = [
            cookie("acme.my.salesforce.com", sid(ORG, "acme")),
            cookie("globex.my.salesforce.com", sid(OTHER_ORG, "globex")),
        ];
        let acme = choose_api_session("acme.lightning.force.com", Some(&sid(ORG, "x")), &cookies);
        let globex = choose_api_session(
            "globex.lightning.force.com",
            Some(&sid(OTHER_ORG, "y")),
            &cookies,
        );
        assert_eq!(acme.unwrap().session, sid(ORG, "acme"));
        assert_eq!(globex.unwrap().session, sid(OTHER_ORG, "globex"));
    }

    #[test]
    fn the_mapped_host_wins_over_a_stale_cookie_of_the_same_org() {
        let cookies = [
            cookie("na123.salesforce.com", sid(ORG, "stale")),
            cookie("acme.my.salesforce.com", sid(ORG, "fresh")),
        ];
        let chosen =
            choose_api_session("acme.lightning.force.com", Some(&sid(ORG, "p")), &cookies).unwrap();
        assert_eq!(chosen.session, sid(ORG, "fresh"));
    }

    #[test]
    fn lightning_cookie_alone_is_not_an_api_session() {
        let page = sid(ORG, "lightning");
        let cookies = [cookie("acme.lightning.force.com", page.clone())];
        let problem =
            choose_api_session("acme.lightning.force.com", Some(&page), &cookies).unwrap_err();
        assert_eq!(problem.code(), "NO_API_SESSION");
        assert_eq!(
            choose_api_session("acme.lightning.force.com", None, &cookies)
                .unwrap_err()
                .code(),
            "NOT_LOGGED_IN"
        );
    }

    #[test]
    fn debug_output_never_shows_the_session() {
        let session = sid(ORG, "SECRETSECRET");
        let text = format!("{:?}", cookie("acme.my.salesforce.com", session));
        assert!(!text.contains("SECRETSECRET"), "{text}");
    }
}
