//! The engine against Google's libphonenumber, with expectations computed at test time.
//!
//! `tests/tools/libphonenumber_cases.py` asks the Python port of libphonenumber (`phonenumbers`
//! on PyPI) for example numbers of every supported region, writes them many ways (slash
//! notation, random numbers around each region's lengths and ranges, two numbers in one field)
//! and prints what libphonenumber (and its PhoneNumberMatcher) reads in each. Nothing is cached in the repository, so a
//! libphonenumber upgrade is checked the next time the test runs.
//!
//! Without `phonenumbers` the test skips with a message; set `SFPHONE_REQUIRE_LIBPHONENUMBER=1`
//! (CI does) to make that a failure instead.

use std::collections::BTreeMap;
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

/// What the engine's reading of one case disagreed on, by kind.
#[derive(Default)]
struct Tally {
    cases: usize,
    refused: usize,
    mismatches: Vec<String>,
}

#[test]
fn e164_agrees_with_libphonenumber() {
    if !libphonenumber_available("e164_agrees_with_libphonenumber") {
        return;
    }
    let cases = run_script(SCRIPT, &[]);

    let mut tallies: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut regions: BTreeMap<&str, usize> = BTreeMap::new();
    let mut display_mismatches = Vec::new();
    let mut unvalidated = Vec::new();
    for line in cases.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        let [kind, region, input, expected, display] = fields[..] else {
            panic!("malformed case line: {line:?}");
        };
        let input = input.replace("\\n", "\n");
        let tally = tallies.entry(kind).or_default();
        tally.cases += 1;
        *regions.entry(region).or_default() += 1;
        let case = format!("{kind}\t{region}\t{input:?}\twant {expected}");
        if kind == "multi" {
            let found: Vec<String> = PhoneNumber::find_all(&input, region)
                .iter()
                .map(|f| f.number.e164())
                .collect();
            if found.join(",") != expected {
                tally
                    .mismatches
                    .push(format!("{case}\tgot {}", found.join(",")));
            }
            continue;
        }
        let parsed = PhoneNumber::parse(&input, region);
        if expected == "-" {
            // libphonenumber refuses it (or calls it invalid): so must the engine.
            tally.refused += 1;
            match parsed {
                // By design, a country code outside the engine's regions reaches E.164 with
                // E.164's length bound only (metadata.rs): not a disagreement on our regions.
                Ok(number) if number.region.is_none() => unvalidated.push(case),
                Ok(number) => tally
                    .mismatches
                    .push(format!("{case}\tgot {}", number.e164())),
                Err(_) => {}
            }
            continue;
        }
        match parsed {
            Ok(number) if number.e164() == expected => {
                if number.display() != display {
                    display_mismatches.push(format!("{case}\t{display}\tgot {}", number.display()));
                }
            }
            Ok(number) => tally
                .mismatches
                .push(format!("{case}\tgot {}", number.e164())),
            Err(error) => tally
                .mismatches
                .push(format!("{case}\tgot {}", error.code())),
        }
    }
    let total: usize = tallies.values().map(|t| t.cases).sum();
    assert!(
        total > 10_000,
        "expected over ten thousand cases, got {total}"
    );
    assert_eq!(
        regions.len(),
        11,
        "every region the engine claims: {regions:?}"
    );
    for kind in ["spelling", "near", "slash", "range", "multi"] {
        assert!(
            tallies.get(kind).is_some_and(|t| t.cases > 100),
            "too few {kind} cases"
        );
    }
    // Display grouping outside Japan is a convenience, not a contract: report, don't fail.
    let (jp_display, other_display): (Vec<_>, Vec<_>) = display_mismatches
        .iter()
        .partition(|line| line.contains("\t0"));
    eprintln!(
        "libphonenumber agreement, {total} cases over {} regions:",
        regions.len()
    );
    for (kind, tally) in &tallies {
        eprintln!(
            "  {kind}: {} cases ({} refused by libphonenumber), {} disagree",
            tally.cases,
            tally.refused,
            tally.mismatches.len()
        );
    }
    eprintln!(
        "  accepted as E.164 of a country code without metadata (by design): {}",
        unvalidated.len()
    );
    for line in &unvalidated {
        eprintln!("    {line}");
    }
    eprintln!(
        "  display: {} Japanese mismatches, {} other differences",
        jp_display.len(),
        other_display.len()
    );
    for line in &other_display {
        eprintln!("  display differs: {line}");
    }
    let mismatches: Vec<&String> = tallies
        .values()
        .flat_map(|t| &t.mismatches)
        .chain(jp_display.iter().copied())
        .collect();
    assert!(
        mismatches.is_empty(),
        "{} of {total} cases disagree with libphonenumber:\n{}",
        mismatches.len(),
        mismatches
            .iter()
            .map(|l| l.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}
