//! `{domain}.lightning.force.com`: Lightning-like pages with the markup, cookies and CSP that
//! the extension meets on a real org, in every variant the tests need: shadow kinds (`?shadow=`),
//! CSP (`?csp=strict`), SPA navigation and re-rendering (`static/app.js`); and record pages and
//! list views rendered by the real LWC engine and base components (`?ui=lwc`, `lwc.rs`).

mod lwc;
pub mod markup;
mod pages;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use rand::Rng;
use serde::Deserialize;

use crate::org::{Org, SessionKind};
use crate::page::{cookie, encode_component, escape_html, session_cookie};
use markup::ShadowMode;

pub fn router(org: Org) -> Router {
    Router::new()
        .route("/secur/frontdoor.jsp", get(frontdoor))
        .route("/lightning/static/app.js", get(app_js))
        .route("/lightning/static/lightning.css", get(lightning_css))
        .route("/lightning/static/lwc/{file}", get(lwc::bundle))
        .route("/lightning/page/home", get(home))
        .route("/lightning/r/{object}/{id}/view", get(record))
        .route("/lightning/o/{object}/list", get(list))
        .route("/lightning/o/{object}/rows", get(rows))
        .route("/lightning/o/{object}/kanban", get(kanban))
        .route("/lightning/search", get(search))
        .route("/lightning/console", get(console))
        .with_state(org)
}

#[derive(Deserialize)]
struct Frontdoor {
    otp: String,
    #[serde(rename = "retURL")]
    ret_url: Option<String>,
}

async fn frontdoor(State(org): State<Org>, Query(q): Query<Frontdoor>) -> Response {
    let user = org.lock().frontdoor_tokens.remove(&q.otp);
    if user.is_none() {
        return (StatusCode::FORBIDDEN, "This login link was already used.").into_response();
    }
    let ret = q
        .ret_url
        .filter(|s| s.starts_with('/') && !s.starts_with("//"))
        .unwrap_or_else(|| "/lightning/page/home".into());
    // The one-time token is itself a Lightning session (org-prefixed, refused by the API).
    let mut response = Redirect::to(&ret).into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, session_cookie(&q.otp));
    response
}

async fn app_js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../../static/app.js"),
    )
        .into_response()
}

async fn lightning_css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../../static/lightning.css"),
    )
        .into_response()
}

/// The CSP a page is served with.
#[derive(Deserialize, Default, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum CspVariant {
    /// What Lightning Experience serves: `'unsafe-eval'` allows wasm in content scripts.
    #[default]
    Lightning,
    /// `script-src 'self'`: forbids wasm compilation in content scripts.
    Strict,
}

/// Who renders the page.
#[derive(Deserialize, Default, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Ui {
    /// devorg's own markup (`markup.rs`).
    #[default]
    Markup,
    /// The LWC engine with the base components, in the browser (`lwc.rs`); `shadow=native` for
    /// the native-shadow bundle.
    Lwc,
}

/// The variant switches every page takes, kept across SPA navigation.
#[derive(Deserialize, Default, Clone)]
pub struct PageOptions {
    #[serde(default)]
    pub ui: Ui,
    #[serde(default)]
    pub csp: CspVariant,
    #[serde(default)]
    pub shadow: ShadowMode,
    /// Only the main content, for SPA navigation and re-rendering.
    #[serde(default)]
    pub fragment: bool,
    /// List views: how many rows (up to 5,000).
    #[serde(default)]
    pub rows: Option<usize>,
    #[serde(default)]
    pub offset: Option<usize>,
    /// Search: the term.
    #[serde(default)]
    pub term: Option<String>,
    /// Console: the records open as sub-tabs.
    #[serde(default)]
    pub ids: Option<String>,
}

impl PageOptions {
    /// The query string that keeps this variant on links.
    pub fn variant_query(&self) -> String {
        let mut parts = vec![];
        if self.ui == Ui::Lwc {
            parts.push("ui=lwc".to_string());
        }
        if self.csp == CspVariant::Strict {
            parts.push("csp=strict".to_string());
        }
        if self.shadow != ShadowMode::Synthetic {
            parts.push(format!("shadow={}", self.shadow.as_str()));
        }
        parts.join("&")
    }

    pub fn link(&self, path: &str) -> String {
        let query = self.variant_query();
        if query.is_empty() {
            path.to_string()
        } else if path.contains('?') {
            format!("{path}&{query}")
        } else {
            format!("{path}?{query}")
        }
    }
}

fn csp_header(variant: CspVariant, nonce: &str) -> HeaderValue {
    let value = match variant {
        CspVariant::Lightning => format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' chrome-extension: 'unsafe-eval' \
             https://*.force.com https://*.salesforce.com; object-src 'none'; base-uri 'self'; \
             img-src 'self' data: blob: https:; style-src 'self' 'unsafe-inline'"
        ),
        CspVariant::Strict => "script-src 'self'; object-src 'none'".to_string(),
    };
    // Built from fixed text and an alphanumeric nonce.
    HeaderValue::from_str(&value).expect("a CSP is a valid header value")
}

/// The UI requires the Lightning session; without it, the redirect back to the login page.
fn login_redirect(org: &Org, headers: &HeaderMap, here: &str) -> Option<Response> {
    let ok = cookie(headers, "sid")
        .and_then(|sid| org.session(sid))
        .is_some_and(|s| s.kind == SessionKind::Lightning);
    (!ok).then(|| {
        Redirect::to(&format!(
            "https://{}/?startURL={}",
            org.api_host(),
            encode_component(here)
        ))
        .into_response()
    })
}

/// A whole page (layout, navigation, script) or, for SPA requests, only its main content.
fn page(options: &PageOptions, title: &str, main: &str) -> Response {
    if options.fragment {
        return Html(main.to_string()).into_response();
    }
    let nonce: String = rand::thread_rng()
        .sample_iter(&rand::distributions::Alphanumeric)
        .take(22)
        .map(char::from)
        .collect();
    let nav = [
        ("/lightning/page/home", "ホーム"),
        ("/lightning/o/Contact/list", "取引先責任者"),
        ("/lightning/o/Lead/kanban", "リード"),
        ("/lightning/o/Account/list", "取引先"),
        ("/lightning/console", "コンソール"),
    ]
    .iter()
    .map(|(path, label)| {
        format!(
            r#"<a class="slds-context-bar__label-action" data-spa href="{}">{label}</a>"#,
            escape_html(&options.link(path))
        )
    })
    .collect::<String>();
    // The LWC bundle, on every page of the variant: SPA navigation brings LWC pages in too.
    let lwc_script = if options.ui == Ui::Lwc {
        format!(
            r#"<script type="module" src="{}"></script>"#,
            lwc::bundle_path(options)
        )
    } else {
        String::new()
    };
    let html = format!(
        r#"<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>{title} | Salesforce</title>
<link rel="stylesheet" href="/lightning/static/lightning.css"><script type="module" src="/lightning/static/app.js"></script>{lwc_script}</head>
<body class="desktop"><div id="auraAppcacheProgress"></div>
<header class="slds-global-header"><span class="slds-global-header__logo">Salesforce</span>
<form class="forceSearchDesktopHeader" action="/lightning/search" data-spa-form><input name="term" type="search" placeholder="検索..." aria-label="検索"></form></header>
<nav class="slds-context-bar" data-variant="{variant}">{nav}</nav>
<div class="slds-template__container"><main id="main" class="oneContent">{main}</main></div></body></html>"#,
        title = escape_html(title),
        variant = escape_html(&options.variant_query()),
    );
    let mut response = Html(html).into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        csp_header(options.csp, &nonce),
    );
    response
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Html("<h1>このページは存在しません。</h1>"),
    )
        .into_response()
}

fn here(path: &str, options: &PageOptions) -> String {
    options.link(path)
}

async fn home(
    State(org): State<Org>,
    headers: HeaderMap,
    Query(o): Query<PageOptions>,
) -> Response {
    if let Some(login) = login_redirect(&org, &headers, &here("/lightning/page/home", &o)) {
        return login;
    }
    page(&o, "ホーム", &pages::home(&org, &o))
}

async fn record(
    State(org): State<Org>,
    headers: HeaderMap,
    Path((object, id)): Path<(String, String)>,
    Query(o): Query<PageOptions>,
) -> Response {
    let path = format!("/lightning/r/{object}/{id}/view");
    if let Some(login) = login_redirect(&org, &headers, &here(&path, &o)) {
        return login;
    }
    let lwc = (o.ui == Ui::Lwc)
        .then(|| lwc::record(&org, &object, &id))
        .flatten();
    match lwc.or_else(|| pages::record(&org, &o, &object, &id)) {
        Some((title, main)) => page(&o, &title, &main),
        None => not_found(),
    }
}

async fn list(
    State(org): State<Org>,
    headers: HeaderMap,
    Path(object): Path<String>,
    Query(o): Query<PageOptions>,
) -> Response {
    let path = format!("/lightning/o/{object}/list");
    if let Some(login) = login_redirect(&org, &headers, &here(&path, &o)) {
        return login;
    }
    let lwc = (o.ui == Ui::Lwc)
        .then(|| lwc::list(&org, &object, o.rows))
        .flatten();
    match lwc.or_else(|| pages::list(&org, &o, &object)) {
        Some((title, main)) => page(&o, &title, &main),
        None => not_found(),
    }
}

/// More rows of a list view (infinite scroll), as table rows only.
async fn rows(
    State(org): State<Org>,
    headers: HeaderMap,
    Path(object): Path<String>,
    Query(o): Query<PageOptions>,
) -> Response {
    if login_redirect(&org, &headers, "/").is_some() {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    match pages::list_rows(
        &org,
        &o,
        &object,
        o.offset.unwrap_or(0),
        o.rows.unwrap_or(50),
    ) {
        Some(html) => Html(html).into_response(),
        None => not_found(),
    }
}

async fn kanban(
    State(org): State<Org>,
    headers: HeaderMap,
    Path(object): Path<String>,
    Query(o): Query<PageOptions>,
) -> Response {
    let path = format!("/lightning/o/{object}/kanban");
    if let Some(login) = login_redirect(&org, &headers, &here(&path, &o)) {
        return login;
    }
    match pages::kanban(&org, &o, &object) {
        Some(main) => page(&o, "リード", &main),
        None => not_found(),
    }
}

async fn search(
    State(org): State<Org>,
    headers: HeaderMap,
    Query(o): Query<PageOptions>,
) -> Response {
    if let Some(login) = login_redirect(&org, &headers, &here("/lightning/search", &o)) {
        return login;
    }
    page(&o, "検索結果", &pages::search(&org, &o))
}

async fn console(
    State(org): State<Org>,
    headers: HeaderMap,
    Query(o): Query<PageOptions>,
) -> Response {
    if let Some(login) = login_redirect(&org, &headers, &here("/lightning/console", &o)) {
        return login;
    }
    page(&o, "コンソール", &pages::console(&org, &o))
}
