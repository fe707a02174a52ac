//! What to do after a REST response: a pure function of status, error code, attempt and headers,
//! so every rule has its own test (as octocrab does). Also the `Sforce-Limit-Info` header.

use serde::{Deserialize, Serialize};

/// The decision after one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// It worked.
    Done,
    /// 401 on the first attempt: read the `sid` cookie again (the user may have logged in anew)
    /// and retry once.
    RereadSession,
    /// 401 again: only the user can fix it.
    LogInAgain,
    /// The org's daily API calls are used up: stop calling until `wait_ms` has passed, and say so.
    /// Never an auth failure.
    LimitReached { wait_ms: u64 },
    /// A lasting fact about the org or user: stop trying until the capability cache expires.
    Disabled { code: &'static str },
    /// Transient (5xx, network): try again after `wait_ms`.
    RetryAfter { wait_ms: u64 },
    /// A request error that retrying won't fix (400s): report it.
    Fail,
}

/// How often a transient failure is retried before it is reported.
pub const MAX_TRANSIENT_ATTEMPTS: u32 = 4;
/// After REQUEST_LIMIT_EXCEEDED, how long before trying again (the limit is a rolling 24 h).
pub const LIMIT_WAIT_MS: u64 = 15 * 60 * 1000;

/// Exponential back-off with a cap: 1 s, 2 s, 4 s … 60 s. A `Retry-After` (seconds) wins.
pub fn backoff_ms(attempt: u32, retry_after: Option<&str>) -> u64 {
    if let Some(seconds) = retry_after.and_then(|v| v.trim().parse::<u64>().ok()) {
        return seconds.saturating_mul(1000).min(300_000);
    }
    1000u64.saturating_mul(1 << attempt.min(6)).min(60_000)
}

/// `status` 0 means the network failed (no response). `attempt` counts from 0.
pub fn decide(
    status: u16,
    error_code: Option<&str>,
    attempt: u32,
    retry_after: Option<&str>,
) -> Next {
    match (status, error_code) {
        (200..=299, _) => Next::Done,
        (401, _) if attempt == 0 => Next::RereadSession,
        (401, _) => Next::LogInAgain,
        (403, Some("REQUEST_LIMIT_EXCEEDED")) => Next::LimitReached {
            wait_ms: LIMIT_WAIT_MS,
        },
        (403, Some("API_DISABLED_FOR_ORG")) => Next::Disabled {
            code: "API_DISABLED_FOR_ORG",
        },
        (403, Some("API_CURRENTLY_DISABLED")) => Next::Disabled {
            code: "API_CURRENTLY_DISABLED",
        },
        (0 | 500..=599, _) if attempt + 1 < MAX_TRANSIENT_ATTEMPTS => Next::RetryAfter {
            wait_ms: backoff_ms(attempt, retry_after),
        },
        _ => Next::Fail,
    }
}

/// `Sforce-Limit-Info: api-usage=25/15000`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiUsage {
    pub used: u64,
    pub max: u64,
}

pub fn parse_limit_info(header: &str) -> Option<ApiUsage> {
    let usage = header
        .split(';')
        .map(str::trim)
        .find_map(|part| part.strip_prefix("api-usage="))?;
    let (used, max) = usage.split_once('/')?;
    Some(ApiUsage {
        used: used.trim().parse().ok()?,
        max: max.trim().parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_401_rereads_the_cookie_once_then_asks_for_a_login() {
        assert_eq!(
            decide(401, Some("INVALID_SESSION_ID"), 0, None),
            Next::RereadSession
        );
        assert_eq!(
            decide(401, Some("INVALID_SESSION_ID"), 1, None),
            Next::LogInAgain
        );
    }

    #[test]
    fn the_daily_limit_is_a_visible_wait_never_an_auth_failure() {
        assert_eq!(
            decide(403, Some("REQUEST_LIMIT_EXCEEDED"), 0, None),
            Next::LimitReached {
                wait_ms: LIMIT_WAIT_MS
            }
        );
    }

    #[test]
    fn api_access_refusals_are_lasting_facts() {
        assert_eq!(
            decide(403, Some("API_DISABLED_FOR_ORG"), 0, None),
            Next::Disabled {
                code: "API_DISABLED_FOR_ORG"
            }
        );
        assert_eq!(
            decide(403, Some("API_CURRENTLY_DISABLED"), 3, None),
            Next::Disabled {
                code: "API_CURRENTLY_DISABLED"
            }
        );
    }

    #[test]
    fn transient_failures_back_off_then_give_up() {
        assert_eq!(
            decide(503, None, 0, None),
            Next::RetryAfter { wait_ms: 1000 }
        );
        assert_eq!(decide(0, None, 1, None), Next::RetryAfter { wait_ms: 2000 });
        assert_eq!(
            decide(502, None, 0, Some("7")),
            Next::RetryAfter { wait_ms: 7000 }
        );
        assert_eq!(
            decide(503, None, MAX_TRANSIENT_ATTEMPTS - 1, None),
            Next::Fail
        );
        assert_eq!(backoff_ms(30, None), 60_000);
    }

    #[test]
    fn request_errors_are_not_retried() {
        assert_eq!(decide(400, Some("MALFORMED_QUERY"), 0, None), Next::Fail);
        assert_eq!(decide(404, Some("NOT_FOUND"), 0, None), Next::Fail);
        assert_eq!(
            decide(403, Some("INSUFFICIENT_ACCESS"), 0, None),
            Next::Fail
        );
    }

    #[test]
    fn limit_info_is_parsed() {
        assert_eq!(
            parse_limit_info("api-usage=25/15000"),
            Some(ApiUsage {
                used: 25,
                max: 15000
            })
        );
        assert_eq!(
            parse_limit_info("api-usage=3/5000; per-app-api-usage=1/100(appName=x)"),
            Some(ApiUsage { used: 3, max: 5000 })
        );
        assert_eq!(parse_limit_info("garbage"), None);
    }
}
