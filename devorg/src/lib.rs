//! devorg: a local Salesforce org for the extension's tests and demo.
//!
//! One HTTPS server, routed by host name the way Salesforce is: `{domain}.my.salesforce.com`
//! serves login and the REST API, `{domain}.lightning.force.com` serves Lightning-like pages.
//! Browsers reach it under the real names through `--host-resolver-rules`.

pub mod admin;
pub mod api;
pub mod lightning;
pub mod org;
pub mod page;
pub mod soql;
pub mod sosl;
pub mod tls;

use std::convert::Infallible;
use std::net::SocketAddr;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tower::ServiceExt;

pub use org::{Edition, Org, DEMO_PASSWORD};

pub struct Config {
    pub port: u16,
    pub domain: String,
    pub edition: Edition,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            port: 0,
            domain: "acme".into(),
            edition: Edition::Enterprise,
        }
    }
}

/// A running devorg.
pub struct Running {
    pub addr: SocketAddr,
    pub spki_sha256: String,
    pub cert_pem: String,
    pub org: Org,
}

/// Which of the org's hosts a request is for.
enum Site {
    Api,
    Lightning,
    Unknown,
}

fn site_of(org: &Org, request: &Request<Incoming>) -> Site {
    let host = request
        .uri()
        .host()
        .map(str::to_string)
        .or_else(|| {
            request
                .headers()
                .get(axum::http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .map(|h| h.split(':').next().unwrap_or_default().to_string())
        })
        .unwrap_or_default()
        .to_ascii_lowercase();
    if host == org.api_host() {
        Site::Api
    } else if host == org.lightning_host() {
        Site::Lightning
    } else {
        Site::Unknown
    }
}

async fn handle(
    org: Org,
    api: Router,
    lightning: Router,
    admin: Router,
    request: Request<Incoming>,
) -> Result<Response, Infallible> {
    let method = request.method().to_string();
    let path = request.uri().path().to_string();
    let site = site_of(&org, &request);
    let request = request.map(Body::new);
    let response = if path.starts_with("/__devorg/") {
        admin.oneshot(request).await?
    } else {
        match site {
            Site::Api => api.oneshot(request).await?,
            Site::Lightning => lightning.oneshot(request).await?,
            Site::Unknown => {
                (StatusCode::MISDIRECTED_REQUEST, "devorg: unknown host").into_response()
            }
        }
    };
    if !path.starts_with("/__devorg/") {
        let host = match site {
            Site::Api => org.api_host(),
            Site::Lightning => org.lightning_host(),
            Site::Unknown => "?".into(),
        };
        let counted = response.headers().contains_key("sforce-limit-info");
        org.lock().log.push(org::LoggedRequest {
            method,
            host,
            path,
            status: response.status().as_u16(),
            counted,
        });
    }
    Ok(response)
}

/// Binds on loopback and serves until the process ends.
pub async fn start(config: Config) -> std::io::Result<Running> {
    let org = Org::new(&config.domain, config.edition);
    let identity = tls::make_identity(&config.domain);
    let listener = TcpListener::bind(("127.0.0.1", config.port)).await?;
    let addr = listener.local_addr()?;
    let acceptor = tokio_rustls::TlsAcceptor::from(identity.config.clone());
    let api = api::router(org.clone());
    let lightning = lightning::router(org.clone());
    let admin = admin::router(org.clone());
    let serving_org = org.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _peer)) = listener.accept().await else {
                continue;
            };
            let acceptor = acceptor.clone();
            let (org, api, lightning, admin) = (
                serving_org.clone(),
                api.clone(),
                lightning.clone(),
                admin.clone(),
            );
            tokio::spawn(async move {
                // A client that gives up mid-handshake is normal (browsers probe and retry).
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = hyper::service::service_fn(move |request| {
                    handle(
                        org.clone(),
                        api.clone(),
                        lightning.clone(),
                        admin.clone(),
                        request,
                    )
                });
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection_with_upgrades(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    Ok(Running {
        addr,
        spki_sha256: identity.spki_sha256,
        cert_pem: identity.cert_pem,
        org,
    })
}
