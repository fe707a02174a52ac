//! Shared by the HTTP-level suites: an in-process devorg and a client that reaches it under the
//! real host names.
#![allow(dead_code)]

use devorg::{Config, Edition, Running};
use reqwest::header::AUTHORIZATION;
use serde_json::{json, Value};

pub const API: &str = "acme.my.salesforce.com";
pub const ADMIN_USER: &str = "sato@acme.example";
pub const STARTER_USER: &str = "suzuki@acme.example";
pub const NO_API_USER: &str = "tanaka@acme.example";

pub struct TestOrg {
    pub running: Running,
    pub http: reqwest::Client,
}

impl TestOrg {
    pub async fn start(edition: Edition) -> TestOrg {
        let running = devorg::start(Config {
            edition,
            ..Config::default()
        })
        .await
        .unwrap();
        let http = reqwest::Client::builder()
            .danger_accept_invalid_certs(true)
            .redirect(reqwest::redirect::Policy::none())
            .resolve(API, running.addr)
            .build()
            .unwrap();
        TestOrg { running, http }
    }

    pub fn url(&self, path: &str) -> String {
        format!("https://{API}:{}{path}", self.running.addr.port())
    }

    pub async fn admin(&self, path: &str, body: Value) -> reqwest::Response {
        self.http
            .post(self.url(&format!("/__devorg/{path}")))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// A fresh API session for a named user, from the admin endpoint.
    pub async fn session(&self, username: &str) -> String {
        let body: Value = self
            .admin("session", json!({ "username": username }))
            .await
            .json()
            .await
            .unwrap();
        body["sessionId"].as_str().unwrap().to_string()
    }

    /// A REST call under `/services/data/v51.0`; returns status and JSON body (Null if none).
    pub async fn rest(
        &self,
        sid: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, self.url(&format!("/services/data/v51.0{path}")))
            .header(AUTHORIZATION, format!("Bearer {sid}"));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, value)
    }
}

/// The first error code of an error-array body.
pub fn code(body: &Value) -> &str {
    body[0]["errorCode"]
        .as_str()
        .unwrap_or("<not an error array>")
}
