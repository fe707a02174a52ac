//! HTTP digest authentication as SIP uses it (RFC 2617, RFC 7616, RFC 8760): reading a
//! `WWW-Authenticate`/`Proxy-Authenticate` challenge and writing the matching credentials.

use md5::{Digest, Md5};
use sha2::Sha256;

use super::header::{split_outside_quotes, unquote};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Md5,
    Md5Sess,
    Sha256,
    Sha256Sess,
}

impl Algorithm {
    fn parse(name: &str) -> Option<Algorithm> {
        match name.to_ascii_uppercase().as_str() {
            "MD5" => Some(Algorithm::Md5),
            "MD5-SESS" => Some(Algorithm::Md5Sess),
            "SHA-256" => Some(Algorithm::Sha256),
            "SHA-256-SESS" => Some(Algorithm::Sha256Sess),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Md5Sess => "MD5-sess",
            Algorithm::Sha256 => "SHA-256",
            Algorithm::Sha256Sess => "SHA-256-sess",
        }
    }

    fn hash(self, data: &str) -> String {
        match self {
            Algorithm::Md5 | Algorithm::Md5Sess => hex(&Md5::digest(data.as_bytes())),
            Algorithm::Sha256 | Algorithm::Sha256Sess => hex(&Sha256::digest(data.as_bytes())),
        }
    }

    fn is_session(self) -> bool {
        matches!(self, Algorithm::Md5Sess | Algorithm::Sha256Sess)
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// A parsed `Digest` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub realm: String,
    pub nonce: String,
    pub opaque: Option<String>,
    pub algorithm: Algorithm,
    /// The qop options offered; empty for an RFC 2069 style challenge.
    pub qop: Vec<String>,
    /// The server says our credentials were right but the nonce expired: retry, don't give up.
    pub stale: bool,
}

impl Challenge {
    /// `None` for other schemes, unknown algorithms, or a challenge without realm or nonce.
    pub fn parse(value: &str) -> Option<Challenge> {
        let value = value.trim();
        let (scheme, rest) = value.split_once(char::is_whitespace)?;
        if !scheme.eq_ignore_ascii_case("Digest") {
            return None;
        }
        let (mut realm, mut nonce, mut opaque) = (None, None, None);
        let (mut algorithm, mut qop, mut stale) = (Algorithm::Md5, Vec::new(), false);
        for part in split_outside_quotes(rest, ',') {
            let Some((k, v)) = part.split_once('=') else {
                continue;
            };
            let v = unquote(v.trim());
            match k.trim().to_ascii_lowercase().as_str() {
                "realm" => realm = Some(v),
                "nonce" => nonce = Some(v),
                "opaque" => opaque = Some(v),
                "algorithm" => algorithm = Algorithm::parse(&v)?,
                "qop" => {
                    qop = v
                        .split(',')
                        .map(|q| q.trim().to_ascii_lowercase())
                        .filter(|q| !q.is_empty())
                        .collect()
                }
                "stale" => stale = v.eq_ignore_ascii_case("true"),
                _ => {}
            }
        }
        Some(Challenge {
            realm: realm?,
            nonce: nonce?,
            opaque,
            algorithm,
            qop,
            stale,
        })
    }
}

/// What the client contributes to one answer. `cnonce` should be fresh random text; `nc`
/// counts the answers given to this nonce, starting at 1.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub method: &'a str,
    pub uri: &'a str,
    pub cnonce: &'a str,
    pub nc: u32,
}

/// The `response=` value. `None` when the server offers only qop types we don't implement
/// (auth-int would need the body hashed, which no registrar we target asks for).
pub fn response(ch: &Challenge, a: &Answer<'_>) -> Option<String> {
    let alg = ch.algorithm;
    let mut ha1 = alg.hash(&format!("{}:{}:{}", a.username, ch.realm, a.password));
    if alg.is_session() {
        ha1 = alg.hash(&format!("{ha1}:{}:{}", ch.nonce, a.cnonce));
    }
    let ha2 = alg.hash(&format!("{}:{}", a.method, a.uri));
    if ch.qop.is_empty() {
        return Some(alg.hash(&format!("{ha1}:{}:{ha2}", ch.nonce)));
    }
    if !ch.qop.iter().any(|q| q == "auth") {
        return None;
    }
    Some(alg.hash(&format!(
        "{ha1}:{}:{:08x}:{}:auth:{ha2}",
        ch.nonce, a.nc, a.cnonce
    )))
}

/// The full `Authorization`/`Proxy-Authorization` header value answering `ch`.
pub fn authorization(ch: &Challenge, a: &Answer<'_>) -> Option<String> {
    let resp = response(ch, a)?;
    let mut out = format!(
        "Digest username=\"{}\", realm=\"{}\", nonce=\"{}\", uri=\"{}\", response=\"{resp}\", algorithm={}",
        quote_safe(a.username),
        quote_safe(&ch.realm),
        quote_safe(&ch.nonce),
        quote_safe(a.uri),
        ch.algorithm.as_str()
    );
    if let Some(opaque) = &ch.opaque {
        out.push_str(&format!(", opaque=\"{}\"", quote_safe(opaque)));
    }
    if !ch.qop.is_empty() {
        out.push_str(&format!(
            ", qop=auth, nc={:08x}, cnonce=\"{}\"",
            a.nc,
            quote_safe(a.cnonce)
        ));
    }
    Some(out)
}

fn quote_safe(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc2617_section_3_5_example() {
        let ch = Challenge::parse(
            r#"Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41""#,
        )
        .unwrap();
        assert_eq!(ch.qop, vec!["auth", "auth-int"]);
        let a = Answer {
            username: "Mufasa",
            password: "Circle Of Life",
            method: "GET",
            uri: "/dir/index.html",
            cnonce: "0a4f113b",
            nc: 1,
        };
        assert_eq!(
            response(&ch, &a).as_deref(),
            Some("6629fae49393a05397450978507c4ef1")
        );
        let header = authorization(&ch, &a).unwrap();
        assert!(header.contains("nc=00000001"));
        assert!(header.contains("opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""));
    }

    fn rfc7616_answer() -> Answer<'static> {
        Answer {
            username: "Mufasa",
            password: "Circle of Life",
            method: "GET",
            uri: "/dir/index.html",
            cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
            nc: 1,
        }
    }

    const RFC7616_CHALLENGE: &str = r#"Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=ALG, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#;

    #[test]
    fn rfc7616_section_3_9_1_md5() {
        let ch = Challenge::parse(&RFC7616_CHALLENGE.replace("ALG", "MD5")).unwrap();
        assert_eq!(
            response(&ch, &rfc7616_answer()).as_deref(),
            Some("8ca523f5e9506fed4657c9700eebdbec")
        );
    }

    #[test]
    fn rfc7616_section_3_9_1_sha256() {
        let ch = Challenge::parse(&RFC7616_CHALLENGE.replace("ALG", "SHA-256")).unwrap();
        assert_eq!(ch.algorithm, Algorithm::Sha256);
        assert_eq!(
            response(&ch, &rfc7616_answer()).as_deref(),
            Some("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1")
        );
        assert!(authorization(&ch, &rfc7616_answer())
            .unwrap()
            .contains("algorithm=SHA-256"));
    }

    #[test]
    fn kamailio_style_challenge_and_refusals() {
        let ch =
            Challenge::parse(r#"Digest realm="sip.test", nonce="Y2Fmb", qop="auth", stale=true"#)
                .unwrap();
        assert!(ch.stale);
        assert_eq!(ch.algorithm, Algorithm::Md5);
        assert!(Challenge::parse("Basic realm=\"x\"").is_none());
        assert!(Challenge::parse("Digest realm=\"x\"").is_none());
        assert!(Challenge::parse("Digest realm=\"x\", nonce=\"n\", algorithm=SHA-1").is_none());
        let int_only =
            Challenge::parse("Digest realm=\"x\", nonce=\"n\", qop=\"auth-int\"").unwrap();
        assert!(response(&int_only, &rfc7616_answer()).is_none());
    }

    #[test]
    fn rfc2069_style_without_qop() {
        let ch = Challenge::parse("Digest realm=\"r\", nonce=\"n\"").unwrap();
        let a = rfc7616_answer();
        let ha1 = Algorithm::Md5.hash("Mufasa:r:Circle of Life");
        let ha2 = Algorithm::Md5.hash("GET:/dir/index.html");
        assert_eq!(
            response(&ch, &a),
            Some(Algorithm::Md5.hash(&format!("{ha1}:n:{ha2}")))
        );
        assert!(!authorization(&ch, &a).unwrap().contains("qop"));
    }
}
