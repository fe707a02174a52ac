// Phone benchmark (`./build.sh bench`): call set-up through the same Kamailio, our phone →
// JsSIP against JsSIP → JsSIP, in the same browser and run; and the phone engine's wasm size
// beside JsSIP's minified bundle. Set-up is timed at the callee (a JsSIP phone in both cases):
// from the INVITE's arrival to its peer connection being connected. Prints; never fails on time.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const require = createRequire(join(root, 'tests/e2e/package.json'));
const { build } = require('esbuild');
const { login, eventually } = await import(join(root, 'tests/e2e/harness.mjs'));
const { USERS } = await import(join(root, 'tests/e2e/sip/kamailio.mjs'));
const { startPhoneLab, setUpPhone } = await import(join(root, 'tests/e2e/sip/lab.mjs'));

const RUNS = Number(process.env.BENCH_RUNS ?? 31);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const lab = await startPhoneLab({
  farEnds: [[USERS.far, 'answer'], [USERS.far3, 'answer'], [USERS.contact, 'answer']],
});
const { devorg, browser, far } = lab;
try {
  // Set-up only: no telephone-event reader (a worker per call) on either side's far end.
  await far.evaluate(() => { window.Far.listenForDtmf = false; });
  await setUpPhone(lab);
  const CONTACT = '/lightning/r/Contact/0035g00000Yam4dAAB/view';
  let page = await browser.context.newPage();
  await login(page, devorg, CONTACT);
  await page.waitForTimeout(1500);
  // A tab may dial 5 numbers a minute (the trust rules): a fresh tab every few calls.
  let dialsInTab = 0;
  const dialTab = async () => {
    if (dialsInTab === 4) {
      await page.close();
      page = await browser.context.newPage();
      await page.goto(devorg.lightningUrl(CONTACT));
      await page.waitForTimeout(1500);
      dialsInTab = 0;
    }
    dialsInTab += 1;
    return page;
  };

  const measure = async (callee, start) => {
    const before = await far.evaluate((u) => window.Far.last(u)?.sessions ?? 0, callee);
    await start();
    const ms = await eventually(() => far.evaluate(([u, n]) => {
      const rec = window.Far.lastSession(u);
      const last = window.Far.last(u);
      if (!rec || last.sessions <= n) return null;
      const up = rec.events.find((e) => e.ev === 'pc-connected');
      return up ? up.at - rec.at : null;
    }, [callee, before]), `${callee}'s media`, 150);
    await far.evaluate((u) => window.Far.hangup(u), callee);
    await page.waitForTimeout(800);
    return ms;
  };

  const ours = [];
  const theirs = [];
  for (let i = 0; i < RUNS; i++) {
    ours.push(await measure(USERS.contact.user,
      async () => (await dialTab()).locator('lightning-formatted-phone a[href="tel:03-1234-5678"]').first().click()));
    theirs.push(await measure(USERS.far3.user,
      () => far.evaluate(([u, t]) => window.Far.call(u, t), [USERS.far.user, USERS.far3.user])));
  }
  const a = median(ours), b = median(theirs);
  console.log(`phone: call set-up through the same Kamailio, INVITE arrival → callee peer connection connected (median of ${RUNS})`);
  console.log(`  JsSIP → JsSIP:      ${b} ms   (${theirs.join(', ')})`);
  console.log(`  our phone → JsSIP:  ${a} ms   (${ours.join(', ')})`);
  console.log(`  ratio ours / JsSIP: ${(a / b).toFixed(2)} (budget ≤ 1.0)`);

  const phoneWasm = readFileSync(join(root, 'dist/wasm/phone_bg.wasm'));
  const phoneJs = readFileSync(join(root, 'dist/wasm/phone.js'));
  const jssip = (await build({ entryPoints: [require.resolve('jssip')], bundle: true, minify: true, format: 'iife', globalName: 'JsSIP', write: false })).outputFiles[0].contents;
  const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
  console.log('phone: engine size');
  console.log(`  our offscreen engine (phone_bg.wasm + glue): ${kb(phoneWasm.length + phoneJs.length)} raw, ${kb(gzipSync(phoneWasm, { level: 9 }).length + gzipSync(phoneJs, { level: 9 }).length)} gzip (budget ≤ 150 KB gzip)`);
  console.log(`  JsSIP minified bundle (esbuild):            ${kb(jssip.length)} raw, ${kb(gzipSync(jssip, { level: 9 }).length)} gzip`);
} finally {
  await lab.stop();
}
