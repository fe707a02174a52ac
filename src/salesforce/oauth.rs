//! "Connect with Salesforce": the OAuth 2.0 web-server flow with PKCE (RFC 7636), for orgs that
//! refuse the browser session for the API (API Access Control). Pure: the worker brings the
//! random bytes, the browser's auth window and the HTTP; this module builds the requests and
//! judges the answers.
//!
//! Every request goes to the org's own My Domain host (`/services/oauth2/…`), never to
//! `login.salesforce.com`: a token is only ever for the org whose pages the user works in, and
//! an answer that names another instance or another org is refused.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::lookup::encode_query_value as encode;

/// What we ask for: the REST API, and a refresh token so the user connects once.
pub const SCOPE: &str = "api refresh_token";

/// Why a connection could not be made, as codes the UI explains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OAuthError {
    /// No Connected App consumer key: the administrator sets one (policy or options page).
    NoClient,
    /// The user chose Deny, or closed the window.
    Denied,
    /// The token is for another Salesforce user than the one of the Lightning session.
    WrongUser,
    /// The refresh token no longer works (revoked, expired): connect again.
    Expired,
    /// An answer that is not what the flow expects (state, org, instance, shape).
    Failed,
}

impl OAuthError {
    pub fn code(self) -> &'static str {
        match self {
            OAuthError::NoClient => "OAUTH_NO_CLIENT",
            OAuthError::Denied => "OAUTH_DENIED",
            OAuthError::WrongUser => "OAUTH_WRONG_USER",
            OAuthError::Expired => "OAUTH_EXPIRED",
            OAuthError::Failed => "OAUTH_FAILED",
        }
    }
}

/// base64url without padding (RFC 4648 §5), as PKCE writes verifiers and challenges.
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// One attempt of the flow: its PKCE verifier and its `state`, from 32 random bytes each.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    pub verifier: String,
    pub state: String,
}

impl fmt::Debug for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Attempt(<redacted>)")
    }
}

impl Attempt {
    pub fn new(verifier_bytes: &[u8; 32], state_bytes: &[u8; 32]) -> Attempt {
        Attempt {
            verifier: base64url(verifier_bytes),
            state: base64url(state_bytes),
        }
    }

    /// `base64url(SHA-256(verifier))` (the `S256` method).
    pub fn challenge(&self) -> String {
        base64url(&Sha256::digest(self.verifier.as_bytes()))
    }

    /// The authorize page on the org's My Domain host.
    pub fn authorize_url(&self, api_host: &str, client_id: &str, redirect_uri: &str) -> String {
        format!(
            "https://{api_host}/services/oauth2/authorize?response_type=code&client_id={}&redirect_uri={}&code_challenge={}&code_challenge_method=S256&scope={}&state={}",
            encode(client_id),
            encode(redirect_uri),
            self.challenge(),
            encode(SCOPE),
            self.state,
        )
    }

    /// The code the authorize page sent back to `redirect_uri`, once its `state` is ours.
    pub fn code_from(&self, callback_url: &str, redirect_uri: &str) -> Result<String, OAuthError> {
        let query = callback_url
            .strip_prefix(redirect_uri)
            .and_then(|rest| rest.strip_prefix('?'))
            .ok_or(OAuthError::Failed)?;
        let param = |name: &str| {
            query
                .split('&')
                .filter_map(|pair| pair.split_once('='))
                .find(|(k, _)| *k == name)
                .map(|(_, v)| decode(v))
        };
        if param("state").as_deref() != Some(self.state.as_str()) {
            return Err(OAuthError::Failed);
        }
        match (param("code"), param("error").as_deref()) {
            (Some(code), None) if !code.is_empty() => Ok(code),
            (_, Some("access_denied")) => Err(OAuthError::Denied),
            _ => Err(OAuthError::Failed),
        }
    }

    /// The form body that exchanges `code` for tokens.
    pub fn token_body(&self, code: &str, client_id: &str, redirect_uri: &str) -> String {
        format!(
            "grant_type=authorization_code&code={}&client_id={}&redirect_uri={}&code_verifier={}",
            encode(code),
            encode(client_id),
            encode(redirect_uri),
            self.verifier,
        )
    }
}

/// The form body that gets a new access token.
pub fn refresh_body(grant: &Grant, client_id: &str) -> String {
    format!(
        "grant_type=refresh_token&refresh_token={}&client_id={}",
        encode(&grant.refresh_token),
        encode(client_id),
    )
}

/// The form body that revokes a token (a refresh token takes its access tokens with it).
pub fn revoke_body(token: &str) -> String {
    format!("token={}", encode(token))
}

/// What is kept of a connection: the refresh token and whose it is (never shown, never sent
/// but to the org's own host; `Debug` hides the token).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Grant {
    pub refresh_token: String,
    pub user_id: String,
    pub client_id: String,
}

impl fmt::Debug for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Grant")
            .field("user_id", &self.user_id)
            .field("refresh_token", &"<redacted>")
            .finish()
    }
}

/// A token answer, checked: the access token, the refresh token if one came, and the user.
#[derive(Clone, PartialEq, Eq)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: Option<String>,
    /// The 18-character user id of the identity URL.
    pub user_id: String,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}

/// Judges the token endpoint's answer for the org `org_id` (15 characters) on `api_host`.
/// `invalid_grant` is a refresh token that no longer works.
pub fn parse_tokens(
    status: u16,
    body: &str,
    org_id: &str,
    api_host: &str,
) -> Result<Tokens, OAuthError> {
    let json: Value = serde_json::from_str(body).map_err(|_| OAuthError::Failed)?;
    if status != 200 {
        return Err(match json["error"].as_str() {
            Some("invalid_grant") => OAuthError::Expired,
            Some("invalid_client_id") => OAuthError::NoClient,
            _ => OAuthError::Failed,
        });
    }
    // A token for another instance or org is not ours to use here.
    let instance = json["instance_url"].as_str().unwrap_or_default();
    if instance.trim_end_matches('/') != format!("https://{api_host}") {
        return Err(OAuthError::Failed);
    }
    let (token_org, user_id) = identity_ids(json["id"].as_str().unwrap_or_default())?;
    let access_token = json["access_token"].as_str().unwrap_or_default();
    let plain =
        |t: &str| !t.is_empty() && t.len() <= 512 && t.bytes().all(|b| b.is_ascii_graphic());
    if token_org.get(..15) != Some(org_id) || !plain(access_token) {
        return Err(OAuthError::Failed);
    }
    Ok(Tokens {
        access_token: access_token.to_string(),
        refresh_token: json["refresh_token"]
            .as_str()
            .filter(|t| plain(t))
            .map(str::to_string),
        user_id,
    })
}

/// The org and user ids of an identity URL (`https://login.salesforce.com/id/00D…/005…`).
fn identity_ids(url: &str) -> Result<(String, String), OAuthError> {
    let mut parts = url.rsplit('/');
    let user = parts.next().unwrap_or_default();
    let org = parts.next().unwrap_or_default();
    let id = |s: &str, prefix: &str| {
        (s.len() == 15 || s.len() == 18)
            && s.starts_with(prefix)
            && s.bytes().all(|b| b.is_ascii_alphanumeric())
    };
    if id(org, "00D") && id(user, "005") {
        Ok((org.to_string(), user.to_string()))
    } else {
        Err(OAuthError::Failed)
    }
}

/// The token's user must be the Lightning session's (ids compared by their 15 characters):
/// logging calls as someone else is worse than not logging them.
pub fn check_user(token_user: &str, session_user: Option<&str>) -> Result<(), OAuthError> {
    match session_user {
        Some(known) if known.get(..15) != token_user.get(..15) => Err(OAuthError::WrongUser),
        _ => Ok(()),
    }
}

/// Whether a REST refusal means the org does not let the browser session use the API (API
/// Access Control), rather than an expired session.
pub fn refuses_browser_session(message: &str) -> bool {
    message.contains("not valid for use with the REST API")
}

/// A query parameter's value, percent-decoded (`+` is a space).
fn decode(text: &str) -> String {
    let hex = |b: u8| char::from(b).to_digit(16).map(|d| d as u8);
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| Some(hex(*bytes.get(i + 1)?)? << 4 | hex(*bytes.get(i + 2)?)?))
            .flatten();
        match (escaped, bytes[i]) {
            (Some(b), _) => {
                out.push(b);
                i += 3;
                continue;
            }
            (None, b'+') => out.push(b' '),
            (None, b) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: &str = "acme.my.salesforce.com";
    const ORG: &str = "00D5g000004ABCD";
    const REDIRECT: &str = "https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org/";

    fn attempt() -> Attempt {
        Attempt::new(&[7; 32], &[9; 32])
    }

    #[test]
    fn the_challenge_is_rfc_7636s_s256() {
        // RFC 7636 appendix B.
        let a = Attempt {
            verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into(),
            state: String::new(),
        };
        assert_eq!(a.challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        assert_eq!(attempt().verifier.len(), 43);
        assert!(!format!("{:?}", attempt()).contains(&attempt().verifier));
    }

    #[test]
    fn the_authorize_url_is_on_the_orgs_own_host() {
        let url = attempt().authorize_url(HOST, "3MVG9key", REDIRECT);
        assert!(url.starts_with("https://acme.my.salesforce.com/services/oauth2/authorize?"));
        assert!(url.contains("code_challenge_method=S256"));
        assert!(url.contains(
            "redirect_uri=https%3A%2F%2Fabcdefghijklmnopabcdefghijklmnop.chromiumapp.org%2F"
        ));
        assert!(url.contains("scope=api%20refresh_token"));
        assert!(url.contains(&format!("state={}", attempt().state)));
    }

    #[test]
    fn the_callback_gives_its_code_only_with_our_state() {
        let a = attempt();
        let ok = format!("{REDIRECT}?code=aPrx%3D%3D&state={}", a.state);
        assert_eq!(a.code_from(&ok, REDIRECT), Ok("aPrx==".into()));
        let forged = format!("{REDIRECT}?code=aPrx&state=other");
        assert_eq!(a.code_from(&forged, REDIRECT), Err(OAuthError::Failed));
        let denied = format!(
            "{REDIRECT}?error=access_denied&error_description=end-user%20denied%20authorization&state={}",
            a.state
        );
        assert_eq!(a.code_from(&denied, REDIRECT), Err(OAuthError::Denied));
        let elsewhere = format!("https://evil.example/?code=x&state={}", a.state);
        assert_eq!(a.code_from(&elsewhere, REDIRECT), Err(OAuthError::Failed));
    }

    fn answer(instance: &str, id: &str) -> String {
        serde_json::json!({
            "access_token": "00D5g000004ABCD!AR.token", "refresh_token": "5Aep861refresh",
            "instance_url": instance, "id": id, "token_type": "Bearer", "issued_at": "1",
        })
        .to_string()
    }

    #[test]
    fn a_token_answer_is_taken_only_for_this_org_on_this_host() {
        let id = "https://login.salesforce.com/id/00D5g000004ABCDEAA/0055g00000ABCDEAAA";
        let tokens = parse_tokens(
            200,
            &answer("https://acme.my.salesforce.com", id),
            ORG,
            HOST,
        )
        .expect("ours");
        assert_eq!(tokens.user_id, "0055g00000ABCDEAAA");
        assert_eq!(tokens.refresh_token.as_deref(), Some("5Aep861refresh"));
        assert!(!format!("{tokens:?}").contains("token"));
        let other_host = answer("https://evil.my.salesforce.com", id);
        assert_eq!(
            parse_tokens(200, &other_host, ORG, HOST),
            Err(OAuthError::Failed)
        );
        let other_org = answer(
            "https://acme.my.salesforce.com",
            "https://login.salesforce.com/id/00D5g000009ZZZZEAA/0055g00000ABCDEAAA",
        );
        assert_eq!(
            parse_tokens(200, &other_org, ORG, HOST),
            Err(OAuthError::Failed)
        );
        let expired =
            r#"{"error":"invalid_grant","error_description":"expired access/refresh token"}"#;
        assert_eq!(
            parse_tokens(400, expired, ORG, HOST),
            Err(OAuthError::Expired)
        );
        assert_eq!(
            parse_tokens(200, "<html>", ORG, HOST),
            Err(OAuthError::Failed)
        );
    }

    #[test]
    fn a_token_of_another_user_is_refused() {
        assert_eq!(
            check_user("0055g00000ABCDEAAA", Some("0055g00000ABCDE")),
            Ok(())
        );
        assert_eq!(
            check_user("0055g00000ZZZZZAAA", Some("0055g00000ABCDEAAA")),
            Err(OAuthError::WrongUser)
        );
        assert_eq!(check_user("0055g00000ZZZZZAAA", None), Ok(()));
    }

    #[test]
    fn bodies_are_form_encoded() {
        let a = attempt();
        let body = a.token_body("aPrx==", "3MVG9key", REDIRECT);
        assert!(
            body.starts_with("grant_type=authorization_code&code=aPrx%3D%3D&client_id=3MVG9key")
        );
        assert!(body.ends_with(&format!("code_verifier={}", a.verifier)));
        let grant = Grant {
            refresh_token: "5Aep861+/=".into(),
            user_id: "005".into(),
            client_id: "k".into(),
        };
        assert_eq!(
            refresh_body(&grant, "k"),
            "grant_type=refresh_token&refresh_token=5Aep861%2B%2F%3D&client_id=k"
        );
        assert!(!format!("{grant:?}").contains("5Aep"));
        assert_eq!(revoke_body("a b"), "token=a%20b");
    }
}
