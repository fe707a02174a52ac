//! The engine against Google's libphonenumber, with expectations computed at test time.
//!
//! `tests/tools/libphonenumber_cases.py` asks the Python port of libphonenumber (`phonenumbers`
//! on PyPI) for example numbers of every supported region, writes them many ways and prints
//! what libphonenumber parses each spelling to. Nothing is cached in the repository, so a
//! libphonenumber upgrade is checked the next time the test runs.
//!
//! Without `phonenumbers` the test skips with a message; set `SFPHONE_REQUIRE_LIBPHONENUMBER=1`
//! (CI does) to make that a failure instead.

use std::process::Command;

use sfphone::number::PhoneNumber;

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/tools/libphonenumber_cases.py"
);

const TABLES_SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/tools/gen_region_tables.py"
);
const TABLES: &str = include_str!("../src/number/ranges.rs");

fn python_has_phonenumbers() -> bool {
    Command::new("python3")
        .args(["-c", "import phonenumbers"])
        .output()
        .is_ok_and(|out| out.status.success())
}

/// Whether the comparison can run; skips (or fails, when CI requires it) without phonenumbers.
fn libphonenumber_available(test: &str) -> bool {
    if python_has_phonenumbers() {
        return true;
    }
    let message = "python3 cannot import phonenumbers: run `pip install phonenumbers`";
    if std::env::var_os("SFPHONE_REQUIRE_LIBPHONENUMBER").is_some() {
        panic!("{message}");
    }
    eprintln!("SKIPPED {test}: {message}");
    false
}

/// Runs one of the scripts in tests/tools and returns what it printed.
fn run_script(script: &str, args: &[&str]) -> String {
    let out = Command::new("python3")
        .arg(script)
        .args(args)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{script} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("the script prints UTF-8")
}

/// The committed length and range tables are what the generator makes from the pinned
/// libphonenumber: an upgrade (or a hand edit) shows up here until the tables are regenerated.
#[test]
fn region_tables_are_generated_from_libphonenumber() {
    if !libphonenumber_available("region_tables_are_generated_from_libphonenumber") {
        return;
    }
    let generated = run_script(TABLES_SCRIPT, &["--stdout"]);
    assert!(
        generated == TABLES,
        "src/number/ranges.rs differs from what {TABLES_SCRIPT} generates: run it and commit"
    );
}

#[test]
fn e164_agrees_with_libphonenumber() {
    if !libphonenumber_available("e164_agrees_with_libphonenumber") {
        return;
    }
    let cases = run_script(SCRIPT, &[]);

    let mut total = 0;
    let mut near_misses = 0;
    let mut accepted_near_misses = Vec::new();
    let mut e164_mismatches = Vec::new();
    let mut display_mismatches = Vec::new();
    for line in cases.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        let [region, input, expected, display] = fields[..] else {
            panic!("malformed case line: {line:?}");
        };
        if expected == "-" {
            // libphonenumber rejects these; the engine's rules are looser (lengths and leading
            // digits, not every number type's full pattern), so only count what it accepts.
            near_misses += 1;
            if let Ok(number) = PhoneNumber::parse(input, region) {
                accepted_near_misses.push(format!("{region}\t{input}\t{}", number.e164()));
            }
            continue;
        }
        total += 1;
        match PhoneNumber::parse(input, region) {
            Ok(number) if number.e164() == expected => {
                if number.display() != display {
                    display_mismatches.push(format!(
                        "{region}\t{input}\twant {display}\tgot {}",
                        number.display()
                    ));
                }
            }
            Ok(number) => e164_mismatches.push(format!(
                "{region}\t{input}\twant {expected}\tgot {}",
                number.e164()
            )),
            Err(error) => e164_mismatches.push(format!(
                "{region}\t{input}\twant {expected}\tgot {}",
                error.code()
            )),
        }
    }
    assert!(total > 1000, "expected over a thousand cases, got {total}");
    // Display grouping outside Japan is a convenience, not a contract: report, don't fail.
    let (jp_display, other_display): (Vec<_>, Vec<_>) = display_mismatches
        .iter()
        .partition(|line| line.contains("want 0"));
    eprintln!(
        "libphonenumber agreement: {total} cases, {} E.164 mismatches, {} Japanese display \
         mismatches, {} other display differences",
        e164_mismatches.len(),
        jp_display.len(),
        other_display.len()
    );
    for line in &other_display {
        eprintln!("  display differs: {line}");
    }
    eprintln!(
        "near misses libphonenumber rejects: {near_misses}, of which the engine accepts {}",
        accepted_near_misses.len()
    );
    for line in &accepted_near_misses {
        eprintln!("  accepted near miss: {line}");
    }
    assert!(
        e164_mismatches.is_empty() && jp_display.is_empty(),
        "{} of {total} cases disagree with libphonenumber:\n{}\n{}",
        e164_mismatches.len() + jp_display.len(),
        e164_mismatches.join("\n"),
        jp_display
            .iter()
            .map(|l| l.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}
