//! The certificate the devorg serves, made at start: it names the real Salesforce host patterns
//! so a browser told to trust its key (by SPKI hash) sees ordinary HTTPS.

use std::sync::Arc;

use base64::Engine;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::{Digest, Sha256};

pub struct ServerIdentity {
    pub config: Arc<rustls::ServerConfig>,
    /// base64(SHA-256(SubjectPublicKeyInfo)), for Chromium's `--ignore-certificate-errors-spki-list`.
    pub spki_sha256: String,
    pub cert_pem: String,
}

pub fn make_identity(domain: &str) -> ServerIdentity {
    let names = vec![
        format!("{domain}.my.salesforce.com"),
        format!("{domain}.lightning.force.com"),
        "*.my.salesforce.com".to_string(),
        "*.lightning.force.com".to_string(),
        "*.sandbox.my.salesforce.com".to_string(),
        "*.sandbox.lightning.force.com".to_string(),
        "*.develop.my.salesforce.com".to_string(),
        "*.develop.lightning.force.com".to_string(),
        "localhost".to_string(),
    ];
    // Generating a key and self-signing cannot fail for these fixed, valid DNS names.
    let certified = rcgen::generate_simple_self_signed(names).expect("self-signed certificate");
    let key_der = certified.signing_key.serialize_der();
    let spki = rcgen::PublicKeyData::subject_public_key_info(&certified.signing_key);
    let spki_sha256 = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&spki));
    let cert_der = certified.cert.der().clone();
    let cert_pem = certified.cert.pem();

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![cert_der],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_der)),
        )
        .expect("a freshly generated key matches its certificate");
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    ServerIdentity {
        config: Arc::new(config),
        spki_sha256,
        cert_pem,
    }
}
