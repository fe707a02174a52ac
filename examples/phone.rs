//! A filter over the phone engine: reads `REGION<TAB>NUMBER` lines on stdin and writes one line
//! each, `E164<TAB>DISPLAY` or `ERROR<TAB>CODE`. For trying the engine on real data:
//!
//! ```text
//! printf 'JP\t03-1234-5678\nUS\t(650) 253-0000\nJP\tTEL: ０３－１２３４－５６７８ (代表)\n' \
//!   | cargo run --release --example phone
//! ```
//!
//! A line without a tab, or with an empty region, is read in the default region (JP).

use std::io::{self, BufRead, BufWriter, Write};

use sfphone::number::{PhoneNumber, DEFAULT_REGION};

fn main() -> io::Result<()> {
    let stdin = io::stdin().lock();
    let mut out = BufWriter::new(io::stdout().lock());
    // Bytes, not `lines()`: one badly encoded line in an export must not stop the run.
    for line in stdin.split(b'\n') {
        let line = line?;
        let line = String::from_utf8_lossy(&line);
        let line = line.strip_suffix('\r').unwrap_or(&line);
        let (region, number) = line.split_once('\t').unwrap_or(("", line));
        let region = if region.trim().is_empty() {
            DEFAULT_REGION
        } else {
            region
        };
        match PhoneNumber::parse(number, region) {
            Ok(number) => writeln!(out, "{}\t{}", number.e164(), number.display())?,
            Err(error) => writeln!(out, "ERROR\t{}", error.code())?,
        }
    }
    out.flush()
}
