//! Salesforce host names: which pages are Salesforce UI, and which host serves their REST API.
//!
//! Host arithmetic is only the fallback: the reliable way to find the API host is the `sid`
//! cookie with the page's org id (see `session`). It is still needed to name the API host when
//! the user has no API cookie yet, and to tell which tabs belong to Salesforce at all.

/// The kinds of Salesforce host a tab can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKind {
    /// `*.lightning.force.com`, `*.lightning.crmforce.mil`: Lightning Experience.
    Lightning,
    /// `*.my.salesforce.com` (and `.mil`, China): My Domain login and REST API.
    MyDomain,
    /// `*.vf.force.com`, `*.visual.force.com`: Visualforce pages (their session has no API access).
    Visualforce,
    /// `*.my.salesforce-setup.com`: Setup on enhanced domains.
    Setup,
    /// `na123.salesforce.com`, `cs42.salesforce.com`: legacy instance hosts.
    LegacyInstance,
}

/// Suffix of a UI host kind and the suffix of the API host it maps to.
struct Rule {
    ui_suffix: &'static str,
    kind: HostKind,
    api_suffix: &'static str,
}

const RULES: &[Rule] = &[
    Rule {
        ui_suffix: ".lightning.force.com",
        kind: HostKind::Lightning,
        api_suffix: ".my.salesforce.com",
    },
    Rule {
        ui_suffix: ".lightning.crmforce.mil",
        kind: HostKind::Lightning,
        api_suffix: ".my.salesforce.mil",
    },
    Rule {
        ui_suffix: ".lightning.sfcrmapps.cn",
        kind: HostKind::Lightning,
        api_suffix: ".my.sfcrmproducts.cn",
    },
    Rule {
        ui_suffix: ".my.salesforce-setup.com",
        kind: HostKind::Setup,
        api_suffix: ".my.salesforce.com",
    },
    Rule {
        ui_suffix: ".vf.force.com",
        kind: HostKind::Visualforce,
        api_suffix: ".my.salesforce.com",
    },
    Rule {
        ui_suffix: ".my.salesforce.com",
        kind: HostKind::MyDomain,
        api_suffix: ".my.salesforce.com",
    },
    Rule {
        ui_suffix: ".my.salesforce.mil",
        kind: HostKind::MyDomain,
        api_suffix: ".my.salesforce.mil",
    },
    Rule {
        ui_suffix: ".my.sfcrmproducts.cn",
        kind: HostKind::MyDomain,
        api_suffix: ".my.sfcrmproducts.cn",
    },
];

/// Domains whose `sid` cookie is a session the REST API accepts.
pub const API_COOKIE_DOMAINS: &[&str] = &["salesforce.com", "salesforce.mil", "sfcrmproducts.cn"];

fn is_dns_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn normalise(host: &str) -> Option<String> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty() || !host.split('.').all(is_dns_label) {
        return None;
    }
    Some(host)
}

/// What kind of Salesforce host this is, if any.
pub fn classify(host: &str) -> Option<HostKind> {
    let host = normalise(host)?;
    if let Some(rule) = RULES
        .iter()
        .find(|r| host.ends_with(r.ui_suffix) && host.len() > r.ui_suffix.len())
    {
        return Some(rule.kind);
    }
    if host.ends_with(".visual.force.com") {
        return Some(HostKind::Visualforce);
    }
    legacy_instance(&host).map(|_| HostKind::LegacyInstance)
}

/// `na123.salesforce.com` / `cs42.salesforce.com` / `MyDomain--sbx.cs42.my.salesforce.com`
/// style hosts from before enhanced domains: the instance label is letters then digits.
fn legacy_instance(host: &str) -> Option<&str> {
    let first = host.strip_suffix(".salesforce.com")?;
    let is_instance = |l: &str| {
        let letters = l.trim_end_matches(|c: char| c.is_ascii_digit());
        !letters.is_empty()
            && letters.len() < l.len()
            && letters.bytes().all(|b| b.is_ascii_lowercase())
    };
    if !first.contains('.') && is_instance(first) {
        return Some(first);
    }
    None
}

/// The REST API host for a Salesforce UI host, by host arithmetic: every label before the
/// suffix is kept, so sandbox (`acme--uat.sandbox`) and partition (`develop`, `scratch`)
/// labels survive. Visualforce hosts lose their `--c` / `--package` label.
pub fn api_host_for(host: &str) -> Option<String> {
    let host = normalise(host)?;
    if let Some(rule) = RULES
        .iter()
        .find(|r| host.ends_with(r.ui_suffix) && host.len() > r.ui_suffix.len())
    {
        let prefix = &host[..host.len() - rule.ui_suffix.len()];
        let prefix = if rule.kind == HostKind::Visualforce {
            strip_visualforce_label(prefix)?
        } else {
            prefix.to_string()
        };
        return Some(format!("{prefix}{}", rule.api_suffix));
    }
    if legacy_instance(&host).is_some() {
        // A legacy instance host serves the API itself.
        return Some(host);
    }
    None
}

/// `acme--c` → `acme`; `acme--uat--c.sandbox` → `acme--uat.sandbox`; `acme--mypkg` → `acme`.
fn strip_visualforce_label(prefix: &str) -> Option<String> {
    let (first, rest) = match prefix.split_once('.') {
        Some((first, rest)) => (first, Some(rest)),
        None => (prefix, None),
    };
    let my_domain = match first.rsplit_once("--") {
        Some((head, _package)) => head,
        None => first,
    };
    if my_domain.is_empty() {
        return None;
    }
    Some(match rest {
        Some(rest) => format!("{my_domain}.{rest}"),
        None => my_domain.to_string(),
    })
}

/// True when a cookie set for `domain` (with or without its leading dot) is on a domain whose
/// `sid` the REST API accepts.
pub fn is_api_cookie_domain(domain: &str) -> bool {
    let domain = domain.trim_start_matches('.').to_ascii_lowercase();
    API_COOKIE_DOMAINS
        .iter()
        .any(|d| domain == *d || domain.ends_with(&format!(".{d}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lightning_and_setup_hosts_map_to_the_my_domain_api_host() {
        let cases = [
            ("acme.lightning.force.com", "acme.my.salesforce.com"),
            (
                "acme--uat.sandbox.lightning.force.com",
                "acme--uat.sandbox.my.salesforce.com",
            ),
            (
                "acme.develop.lightning.force.com",
                "acme.develop.my.salesforce.com",
            ),
            (
                "acme.scratch.lightning.force.com",
                "acme.scratch.my.salesforce.com",
            ),
            ("ACME.Lightning.Force.com.", "acme.my.salesforce.com"),
            ("acme.my.salesforce-setup.com", "acme.my.salesforce.com"),
            (
                "acme--uat.sandbox.my.salesforce-setup.com",
                "acme--uat.sandbox.my.salesforce.com",
            ),
            ("acme.my.salesforce.com", "acme.my.salesforce.com"),
            ("acme.lightning.crmforce.mil", "acme.my.salesforce.mil"),
            ("acme.lightning.sfcrmapps.cn", "acme.my.sfcrmproducts.cn"),
            ("acme--c.vf.force.com", "acme.my.salesforce.com"),
            ("acme--mypkg.vf.force.com", "acme.my.salesforce.com"),
            (
                "acme--uat--c.sandbox.vf.force.com",
                "acme--uat.sandbox.my.salesforce.com",
            ),
            ("na123.salesforce.com", "na123.salesforce.com"),
            ("cs42.salesforce.com", "cs42.salesforce.com"),
        ];
        for (ui, api) in cases {
            assert_eq!(api_host_for(ui).as_deref(), Some(api), "{ui}");
        }
    }

    #[test]
    fn classifies_every_host_form() {
        let cases = [
            ("acme.lightning.force.com", Some(HostKind::Lightning)),
            ("acme.my.salesforce.com", Some(HostKind::MyDomain)),
            ("acme--c.vf.force.com", Some(HostKind::Visualforce)),
            ("c.na123.visual.force.com", Some(HostKind::Visualforce)),
            ("acme.my.salesforce-setup.com", Some(HostKind::Setup)),
            ("na123.salesforce.com", Some(HostKind::LegacyInstance)),
            ("login.salesforce.com", None),
            ("lightning.force.com", None),
            ("evil.com", None),
            ("acme.lightning.force.com.evil.com", None),
            ("", None),
            ("a b.lightning.force.com", None),
        ];
        for (host, kind) in cases {
            assert_eq!(classify(host), kind, "{host:?}");
        }
    }

    #[test]
    fn foreign_hosts_have_no_api_host() {
        for host in [
            "evil.com",
            "lightning.force.com.evil.com",
            "login.salesforce.com",
            "--c.vf.force.com",
        ] {
            assert_eq!(api_host_for(host), None, "{host}");
        }
    }

    #[test]
    fn api_cookie_domains_are_salesforce_only() {
        assert!(is_api_cookie_domain("acme.my.salesforce.com"));
        assert!(is_api_cookie_domain(".salesforce.com"));
        assert!(is_api_cookie_domain("acme.my.salesforce.mil"));
        assert!(!is_api_cookie_domain("acme.lightning.force.com"));
        assert!(!is_api_cookie_domain("notsalesforce.com"));
        assert!(!is_api_cookie_domain("salesforce.com.evil.com"));
    }
}
