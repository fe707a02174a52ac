//! `{domain}.lightning.force.com`: Lightning-like pages with the markup, cookies and CSP that
//! the extension meets on a real org.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use rand::Rng;
use serde::Deserialize;
use serde_json::Value;

use crate::org::{Org, SessionKind};
use crate::page::{cookie, encode_component, escape_html, session_cookie};

pub fn router(org: Org) -> Router {
    Router::new()
        .route("/secur/frontdoor.jsp", get(frontdoor))
        .route("/lightning/page/home", get(home))
        .route("/lightning/r/{object}/{id}/view", get(record_page))
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

/// The CSP a page is served with.
#[derive(Deserialize, Default, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum CspVariant {
    /// What Lightning Experience serves: `'unsafe-eval'` allows wasm in content scripts.
    #[default]
    Lightning,
    /// `script-src 'self'`: forbids wasm compilation in content scripts.
    Strict,
}

#[derive(Deserialize, Default)]
struct PageQuery {
    #[serde(default)]
    csp: CspVariant,
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

fn page(variant: CspVariant, title: &str, body: &str) -> Response {
    let nonce: String = rand::thread_rng()
        .sample_iter(&rand::distributions::Alphanumeric)
        .take(22)
        .map(char::from)
        .collect();
    let html = format!(
        r#"<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>{title} | Salesforce</title></head>
<body class="desktop"><div id="auraAppcacheProgress"></div><div class="slds-template__container">{body}</div></body></html>"#,
        title = escape_html(title)
    );
    let mut response = Html(html).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_SECURITY_POLICY, csp_header(variant, &nonce));
    response
}

async fn home(State(org): State<Org>, headers: HeaderMap, Query(q): Query<PageQuery>) -> Response {
    if let Some(login) = login_redirect(&org, &headers, "/lightning/page/home") {
        return login;
    }
    page(q.csp, "ホーム", "<h1>ホーム</h1>")
}

fn phone_item(label: &str, value: &str) -> String {
    // `lightning-formatted-phone` under synthetic shadow: the anchor is a light-DOM child with
    // the raw value in `href` and the display text inside.
    format!(
        r#"<records-record-layout-item field-label="{label}"><div class="slds-form-element">
<span class="test-id__field-label">{label}</span>
<div class="slds-form-element__control"><lightning-formatted-phone><a href="tel:{href}">{text}</a></lightning-formatted-phone></div>
</div></records-record-layout-item>"#,
        label = escape_html(label),
        href = escape_html(value),
        text = escape_html(value),
    )
}

async fn record_page(
    State(org): State<Org>,
    headers: HeaderMap,
    Path((object, id)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> Response {
    let here = format!("/lightning/r/{object}/{id}/view");
    if let Some(login) = login_redirect(&org, &headers, &here) {
        return login;
    }
    let Some(record) = org.record(&object, &id) else {
        return (
            StatusCode::NOT_FOUND,
            Html("<h1>このレコードは存在しません。</h1>"),
        )
            .into_response();
    };
    let name = record["Name"].as_str().unwrap_or_default();
    let mut fields = String::new();
    for (api_name, label) in [("Phone", "電話"), ("MobilePhone", "携帯")] {
        if let Some(Value::String(value)) = record.get(api_name) {
            fields.push_str(&phone_item(label, value));
        }
    }
    let body = format!(
        r#"<records-lwc-highlights-panel><div class="slds-page-header"><h1 class="slds-page-header__title">
<lightning-formatted-name>{name}</lightning-formatted-name></h1></div></records-lwc-highlights-panel>
<records-record-layout-section>{fields}</records-record-layout-section>"#,
        name = escape_html(name)
    );
    page(q.csp, name, &body)
}
