//! `./build.sh sim [N] [FIRST]`: runs N seeded call-desk worlds (seeds FIRST..FIRST+N) and
//! prints, as its last line, `sim: L lifecycles, 0 lost, 0 duplicate, 0 stuck (seed S)`.
//! A failing seed's report is printed whole; `./build.sh sim 1 S` replays it exactly.

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let first: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let (total, failing) = sfphone::desk::sim::run_many(first, n);
    if let Some(report) = &failing {
        eprintln!("first failing seed: {report:#?}");
    }
    println!(
        "{} worlds; {} Tasks on the wrong record or without the last memo / transcript",
        n, total.wrong
    );
    println!(
        "sim: {} lifecycles, {} lost, {} duplicate, {} stuck (seed {})",
        total.lifecycles, total.lost, total.duplicate, total.stuck, first
    );
    if failing.is_some() {
        std::process::exit(1);
    }
}

/// The simulator is native only (it is a test harness, not part of the extension).
#[cfg(target_arch = "wasm32")]
fn main() {}
