//! `devorg [--port N] [--domain NAME] [--edition NAME] [--cert-out FILE]`: serves the local org
//! and prints one `DEVORG_READY {json}` line that test harnesses read.

use devorg::{Config, Edition};

fn usage() -> ! {
    eprintln!(
        "usage: devorg [--port N] [--domain NAME] [--edition essentials|professional|enterprise|unlimited|performance|developer]\n              [--seed demo|empty] [--snapshot FILE.json] [--cert-out FILE]\n\n\
         --domain    My Domain name with partition labels: acme, acme--uat.sandbox, acme.develop\n\
         --snapshot  load records from FILE at start if it exists; save them after every write"
    );
    std::process::exit(2)
}

#[tokio::main]
async fn main() {
    let mut config = Config::default();
    let mut cert_out = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            usage();
        }
        let value = args.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--port" => config.port = value.parse().unwrap_or_else(|_| usage()),
            "--domain" => config.domain = value,
            "--edition" => config.edition = Edition::parse(&value).unwrap_or_else(|| usage()),
            "--cert-out" => cert_out = Some(value),
            "--seed" => {
                config.seed = match value.as_str() {
                    "demo" => true,
                    "empty" => false,
                    _ => usage(),
                }
            }
            "--snapshot" => config.snapshot = Some(value.into()),
            _ => usage(),
        }
    }
    let running = match devorg::start(config).await {
        Ok(running) => running,
        Err(e) => {
            eprintln!("devorg: cannot listen: {e}");
            std::process::exit(1);
        }
    };
    if let Some(path) = cert_out {
        if let Err(e) = std::fs::write(&path, &running.cert_pem) {
            eprintln!("devorg: cannot write {path}: {e}");
            std::process::exit(1);
        }
    }
    let org = &running.org;
    let ready = serde_json::json!({
        "port": running.addr.port(),
        "spki": running.spki_sha256,
        "apiHost": org.api_host(),
        "lightningHost": org.lightning_host(),
        "username": org.lock().users[0].username,
        "password": devorg::DEMO_PASSWORD,
    });
    println!(
        "devorg: Salesforce org \"{}\" on https://127.0.0.1:{}",
        org.domain,
        running.addr.port()
    );
    println!("devorg:   login      https://{}/", org.api_host());
    println!(
        "devorg:   lightning  https://{}/lightning/page/home",
        org.lightning_host()
    );
    println!("DEVORG_READY {ready}");
    let _ = tokio::signal::ctrl_c().await;
}
