//! A Salesforce client nobody here wrote (simple-salesforce from PyPI) runs unchanged against
//! the devorg. Skips with a message when the package is missing, unless
//! `SFPHONE_REQUIRE_CLIENTS` is set (`./build.sh test` sets it and installs the package).

mod common;

use std::process::Command;

use common::*;
use devorg::Edition;

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/clients/simple_salesforce_check.py"
);

#[tokio::test]
async fn simple_salesforce_runs_unchanged() {
    let available = Command::new("python3")
        .args(["-c", "import simple_salesforce"])
        .output()
        .is_ok_and(|out| out.status.success());
    if !available {
        let message = "python3 cannot import simple_salesforce: run ./build.sh setup";
        if std::env::var_os("SFPHONE_REQUIRE_CLIENTS").is_some() {
            panic!("{message}");
        }
        eprintln!("SKIPPED simple_salesforce_runs_unchanged: {message}");
        return;
    }
    let org = TestOrg::start(Edition::Enterprise).await;
    let sid = org.session(ADMIN_USER).await;
    let port = org.running.addr.port().to_string();
    let cert = std::env::temp_dir().join(format!("devorg-{port}.pem"));
    std::fs::write(&cert, &org.running.cert_pem).unwrap();
    let cert = cert.to_string_lossy().to_string();
    let before = org.running.org.lock().api_used;
    let out = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .args([SCRIPT, &port, &sid, &cert])
            .output()
            .expect("python3 runs")
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let state = org.running.org.lock();
    assert!(state
        .records
        .iter()
        .any(|r| r["CallObject"] == "simple-salesforce" && r["Description"] == "メモ"));
    assert!(state.api_used > before, "the client's calls were counted");
}
