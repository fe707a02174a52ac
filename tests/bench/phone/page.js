// Runs in Chromium: our engine (wasm, the `bench` build) and libphonenumber-js's
// parsePhoneNumber (min metadata) on the same 10,000 numbers, side by side.
import init, { phone_parse_lines } from '/wasm/bench.js';
import { parsePhoneNumberFromString } from '/lpn.js';

window.runBench = async (numbers, rounds) => {
  await init({ module_or_path: '/wasm/bench_bg.wasm' });
  const text = numbers.join('\n');
  const ours = () => phone_parse_lines(text, 'JP');
  const theirs = () => {
    let parsed = 0;
    for (const n of numbers) {
      const p = parsePhoneNumberFromString(n, 'JP');
      if (p && p.number) parsed += 1;
    }
    return parsed;
  };
  // Warm both (JIT, wasm tier-up), then alternate so neither gets the quieter moments.
  for (let i = 0; i < 3; i++) { ours(); theirs(); }
  const times = { ours: [], theirs: [] };
  let counts;
  for (let i = 0; i < rounds; i++) {
    let t = performance.now(); const a = ours(); times.ours.push(performance.now() - t);
    t = performance.now(); const b = theirs(); times.theirs.push(performance.now() - t);
    counts = { ours: a, theirs: b };
  }
  return { times, counts };
};
