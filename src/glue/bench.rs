//! Benchmark-only exports (built by `./build.sh bench` with the `bench` feature, never shipped):
//! the number engine over a batch, as the scanner calls it from inside wasm.

use wasm_bindgen::prelude::*;

use crate::number::PhoneNumber;

/// Parses and normalises (E.164) every line of `lines` for `region`; returns how many parsed.
#[wasm_bindgen]
pub fn phone_parse_lines(lines: &str, region: &str) -> u32 {
    let mut parsed = 0u32;
    for line in lines.lines() {
        if let Ok(number) = PhoneNumber::parse(line, region) {
            // The E.164 string is the normalised result: make it, and keep it from being elided.
            std::hint::black_box(number.e164());
            parsed += 1;
        }
    }
    parsed
}
