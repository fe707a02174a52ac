//! Salesforce clients nobody here wrote run unchanged against the devorg: simple-salesforce
//! (PyPI) and jsforce (npm, `tests/clients/jsforce`). Each skips with a message when its package
//! is missing, unless `SFPHONE_REQUIRE_CLIENTS` is set (`./build.sh test` sets it and installs
//! the packages).

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::*;
use devorg::Edition;

const CLIENTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients");

/// False (after saying why) when the client isn't installed and the run doesn't require it.
fn client_available(test: &str, available: bool, message: &str) -> bool {
    if !available {
        if std::env::var_os("SFPHONE_REQUIRE_CLIENTS").is_some() {
            panic!("{message}");
        }
        eprintln!("SKIPPED {test}: {message}");
    }
    available
}

fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|out| out.status.success())
}

/// The client created a Task with this CallObject and updated its Description.
fn wrote_task(org: &TestOrg, call_object: &str) -> bool {
    org.running
        .org
        .lock()
        .records
        .iter()
        .any(|r| r["CallObject"] == call_object && r["Description"] == "メモ")
}

/// Runs `program args… PORT SESSION_ID CERT_PEM` against a fresh org; returns the org after.
async fn run_client(program: &str, args: &[&str]) -> TestOrg {
    let org = TestOrg::start(Edition::Enterprise).await;
    let sid = org.session(ADMIN_USER).await;
    let port = org.running.addr.port().to_string();
    let cert = std::env::temp_dir().join(format!("devorg-{port}.pem"));
    std::fs::write(&cert, &org.running.cert_pem).unwrap();
    let mut command = Command::new(program);
    command
        .args(args)
        .args([&port, &sid, &cert.to_string_lossy().to_string()]);
    let before = org.running.org.lock().api_used;
    let out: Output = tokio::task::spawn_blocking(move || command.output().expect("client runs"))
        .await
        .unwrap();
    let _ = std::fs::remove_file(&cert);
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{}", String::from_utf8_lossy(&out.stdout).trim());
    assert!(
        org.running.org.lock().api_used > before,
        "the client's calls were counted"
    );
    org
}

#[tokio::test]
async fn simple_salesforce_runs_unchanged() {
    let available = runs("python3", &["-c", "import simple_salesforce"]);
    if !client_available(
        "simple_salesforce_runs_unchanged",
        available,
        "python3 cannot import simple_salesforce: run ./build.sh setup",
    ) {
        return;
    }
    let script = format!("{CLIENTS}/simple_salesforce_check.py");
    let org = run_client("python3", &[&script]).await;
    assert!(wrote_task(&org, "simple-salesforce"));
}

#[tokio::test]
async fn jsforce_runs_unchanged() {
    let dir = format!("{CLIENTS}/jsforce");
    let installed = Path::new(&dir).join("node_modules/jsforce/package.json");
    let available = installed.exists() && runs("node", &["--version"]);
    if !client_available(
        "jsforce_runs_unchanged",
        available,
        "node or devorg/tests/clients/jsforce/node_modules is missing: run ./build.sh setup",
    ) {
        return;
    }
    let script = format!("{dir}/check.mjs");
    let org = run_client("node", &[&script]).await;
    assert!(wrote_task(&org, "jsforce"));
    let state = org.running.org.lock();
    // The array calls went to sObject Collections, not one request per record.
    let collections: Vec<(String, u16)> = state
        .log
        .iter()
        .filter(|r| r.path.contains("/composite/sobjects"))
        .map(|r| (r.method.clone(), r.status))
        .collect();
    for method in ["POST", "PATCH", "DELETE"] {
        assert!(
            collections.iter().any(|(m, s)| m == method && *s == 200),
            "{method} /composite/sobjects: {collections:?}"
        );
    }
}
