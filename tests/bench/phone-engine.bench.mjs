// Number-engine benchmark (`./build.sh bench`): parse and normalise 10,000 numbers in headless
// Chromium with our engine (wasm) and with libphonenumber-js `parsePhoneNumber` (the named
// baseline), in the same page, in the same run. It prints both and the ratio; it never fails on
// time. It also prints the engine's own wasm size beside libphonenumber-js's bundle, gzipped.
import { createServer } from 'node:http';
import { gzipSync } from 'node:zlib';
import { readFileSync, existsSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
// The npm packages live with the end-to-end tests (one lockfile).
const require = createRequire(join(root, 'tests/e2e/package.json'));
const { build } = require('esbuild');
const { chromium } = require('playwright-core');
// SFPHONE_BENCH_WASM: a bench build elsewhere (an engineer's own target dir).
const wasmDir = process.env.SFPHONE_BENCH_WASM || join(root, 'target/bench-wasm');
if (!existsSync(join(wasmDir, 'bench_bg.wasm'))) throw new Error('target/bench-wasm is missing: run ./build.sh bench');

// libphonenumber-js with its "min" metadata, bundled for the page.
const lpn = (await build({
  stdin: { contents: "export { parsePhoneNumberFromString } from 'libphonenumber-js/min';", resolveDir: join(root, 'tests/e2e') },
  bundle: true, format: 'esm', write: false, minify: true,
})).outputFiles[0].text;
// The "max" metadata validates numbers by their full patterns, as our engine does.
const lpnMax = (await build({
  stdin: { contents: "export { parsePhoneNumberFromString } from 'libphonenumber-js/max';", resolveDir: join(root, 'tests/e2e') },
  bundle: true, format: 'esm', write: false, minify: true,
})).outputFiles[0].text;
const gzipKb = (bytes) => (gzipSync(bytes, { level: 9 }).length / 1024).toFixed(1);

// 10,000 numbers as people type and Salesforce stores them: Japanese fixed and mobile lines in
// national, hyphenated, bracketed, international and full-width spellings, plus foreign numbers.
function numbers() {
  const out = [];
  let seed = 12345;
  const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const pad = (x, w) => String(x).padStart(w, '0');
  const full = (s) => s.replace(/[0-9-]/g, (c) => (c === '-' ? '－' : String.fromCharCode(c.charCodeAt(0) + 0xfee0)));
  while (out.length < 10_000) {
    const a = pad(rnd(10000), 4), b = pad(rnd(10000), 4);
    switch (out.length % 10) {
      case 0: out.push(`03-${a}-${b}`); break;
      case 1: out.push(`090${a}${b}`); break;
      case 2: out.push(`(06)${a}-${b}`); break;
      case 3: out.push(`+81 3-${a}-${b}`); break;
      case 4: out.push(full(`080-${a}-${b}`)); break;
      case 5: out.push(`045-${pad(rnd(1000), 3)}-${b}`); break;
      case 6: out.push(`+1 650-${pad(200 + rnd(800), 3)}-${b}`); break;
      case 7: out.push(`+44 20 7946 ${b}`); break;
      case 8: out.push(`0120-${pad(rnd(1000), 3)}-${pad(rnd(1000), 3)}`); break;
      default: out.push(`TEL: 052-${pad(rnd(1000), 3)}-${b} 内線 ${rnd(100)}`);
    }
  }
  return out;
}

const files = {
  '/': [readFileSync(join(here, 'phone/page.html')), 'text/html'],
  '/page.js': [readFileSync(join(here, 'phone/page.js')), 'text/javascript'],
  '/lpn.js': [lpn, 'text/javascript'],
  '/wasm/bench.js': [readFileSync(join(wasmDir, 'bench.js')), 'text/javascript'],
  '/wasm/bench_bg.wasm': [readFileSync(join(wasmDir, 'bench_bg.wasm')), 'application/wasm'],
};
const server = createServer((req, res) => {
  const file = files[req.url];
  if (!file) { res.writeHead(404).end(); return; }
  res.writeHead(200, { 'content-type': file[1] }).end(file[0]);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.waitForFunction(() => typeof window.runBench === 'function');
  const { times, counts } = await page.evaluate(([list]) => window.runBench(list, 15), [numbers()]);
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const ours = median(times.ours), theirs = median(times.theirs);
  console.log('number engine: parse + normalise 10,000 numbers in Chromium (median of 15)');
  console.log(`  libphonenumber-js parsePhoneNumber (min): ${theirs.toFixed(1)} ms (${counts.theirs} parsed)`);
  console.log(`  our engine (wasm):                        ${ours.toFixed(1)} ms (${counts.ours} parsed)`);
  console.log(`  ratio: ours is ${(theirs / ours).toFixed(2)}× faster (budget: at least 2×)`);
  // The bench build holds the number engine and one export: its size is the engine's share of
  // the content script's wasm (an upper bound: it includes wasm-bindgen's string passing).
  console.log('number engine size, gzip -9:');
  console.log(`  our engine (wasm, bench build):          ${gzipKb(readFileSync(join(wasmDir, 'bench_bg.wasm')))} KB (budget: at most 40 KB)`);
  console.log(`  libphonenumber-js min (parse only):      ${gzipKb(Buffer.from(lpn))} KB`);
  console.log(`  libphonenumber-js max (full validation): ${gzipKb(Buffer.from(lpnMax))} KB`);
} finally {
  await browser.close();
  server.close();
}
