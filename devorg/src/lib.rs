//! devorg: a local Salesforce org for the extension's tests and demo.
//!
//! One HTTPS server, routed by host name the way Salesforce is: `{domain}.my.salesforce.com`
//! serves login, OAuth and the REST API, `{domain}.lightning.force.com` serves Lightning-like
//! pages. Browsers reach it under the real names through `--host-resolver-rules`.

pub mod access;
pub mod admin;
pub mod api;
pub mod collections;
pub mod composite;
pub mod lightning;
pub mod oauth;
pub mod org;
pub mod page;
pub mod query;
pub mod rest;
pub mod schema;
pub mod seed;
pub mod sobjects;
pub mod soql;
pub mod sosl;
pub mod tls;

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
    /// My Domain name, with any partition labels: `acme`, `acme--uat.sandbox`, `acme.develop`.
    pub domain: String,
    pub edition: Edition,
    /// Start with the demo data, or with users only.
    pub seed: bool,
    /// Records are loaded from this JSON file at start if it exists, and saved after each write.
    pub snapshot: Option<std::path::PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            port: 0,
            domain: "acme".into(),
            edition: Edition::Enterprise,
            seed: true,
            snapshot: None,
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

/// The connection is dropped without an answer (a fault the tests asked for).
#[derive(Debug)]
struct DroppedOnPurpose;

impl std::fmt::Display for DroppedOnPurpose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped after commit, as asked")
    }
}

impl std::error::Error for DroppedOnPurpose {}

/// What the test controls ask of the next REST request.
enum Fault {
    None,
    Fail(u16),
    DropAfterCommit,
    Truncate,
}

fn take_fault(org: &Org, method: &str) -> (Fault, u64) {
    let mut state = org.lock();
    let faults = &mut state.faults;
    let latency = faults.latency_ms;
    let fault = if faults.fail_count > 0 {
        faults.fail_count -= 1;
        Fault::Fail(faults.fail_status)
    } else if faults.drop_after_commit > 0 && method != "GET" {
        faults.drop_after_commit -= 1;
        Fault::DropAfterCommit
    } else if faults.truncate_count > 0 {
        faults.truncate_count -= 1;
        Fault::Truncate
    } else {
        Fault::None
    };
    (fault, latency)
}

/// Where a redirect fault points: a REST path of this host, so a client that followed it would
/// show in the request log.
pub const REDIRECT_TARGET: &str = "/services/data/v51.0/followed-a-redirect";

fn failure(status: u16) -> Response {
    if (300..400).contains(&status) {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::TEMPORARY_REDIRECT);
        return (status, [(axum::http::header::LOCATION, REDIRECT_TARGET)]).into_response();
    }
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let (code, message) = match status.as_u16() {
        401 => ("INVALID_SESSION_ID", "Session expired or invalid"),
        403 => ("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."),
        _ => ("SERVER_UNAVAILABLE", "Server temporarily unavailable"),
    };
    api::error(status, code, message)
}

async fn truncated(response: Response) -> Response {
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let cut = bytes.slice(..bytes.len() / 2);
    let mut response = Response::from_parts(parts, Body::from(cut.clone()));
    response.headers_mut().insert(
        axum::http::header::CONTENT_LENGTH,
        axum::http::HeaderValue::from(cut.len()),
    );
    response
}

async fn handle(
    org: Org,
    api: Router,
    lightning: Router,
    admin: Router,
    request: Request<Incoming>,
) -> Result<Response, DroppedOnPurpose> {
    let method = request.method().to_string();
    let path = request.uri().path().to_string();
    let site = site_of(&org, &request);
    let request = request.map(Body::new);
    let is_rest = matches!(site, Site::Api) && path.starts_with(rest::BASE);
    let (fault, latency) = if is_rest {
        take_fault(&org, &method)
    } else {
        (Fault::None, 0)
    };
    if latency > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(latency)).await;
    }
    let response = if path.starts_with("/__devorg/") {
        serve(admin, request).await
    } else if let Fault::Fail(status) = fault {
        failure(status)
    } else {
        match site {
            Site::Api => serve(api, request).await,
            Site::Lightning => serve(lightning, request).await,
            Site::Unknown => {
                (StatusCode::MISDIRECTED_REQUEST, "devorg: unknown host").into_response()
            }
        }
    };
    let response = match fault {
        Fault::DropAfterCommit => {
            log_request(&org, &site, method, path, &response);
            return Err(DroppedOnPurpose);
        }
        Fault::Truncate => truncated(response).await,
        _ => response,
    };
    if !path.starts_with("/__devorg/") {
        log_request(&org, &site, method, path, &response);
    }
    Ok(response)
}

async fn serve(router: Router, request: Request<Body>) -> Response {
    match router.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

fn log_request(org: &Org, site: &Site, method: String, path: String, response: &Response) {
    {
        let host = match site {
            Site::Api => org.api_host(),
            Site::Lightning => org.lightning_host(),
            Site::Unknown => "?".into(),
        };
        let counted = response.headers().contains_key("sforce-limit-info");
        let auth = response
            .extensions()
            .get::<api::AuthUsed>()
            .map(|a| a.label());
        org.lock().log.push(org::LoggedRequest {
            method,
            host,
            path,
            status: response.status().as_u16(),
            counted,
            auth,
        });
    }
}

/// Binds on loopback and serves until the process ends.
pub async fn start(config: Config) -> std::io::Result<Running> {
    let org = Org::new(&config.domain, config.edition);
    if !config.seed {
        org.lock().records.clear();
    }
    if let Some(path) = &config.snapshot {
        org.attach_snapshot(path.clone())?;
    }
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
