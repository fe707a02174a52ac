// The demo behind `./build.sh`: the devorg plus Chromium with the built extension on a Lightning
// record page of the local org. With a display it opens a window and waits; without one it runs
// headless, says what it did, and writes screenshots.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startDevorg, launchBrowser, login, ROOT } from './harness.mjs';

const CONTACT = '/lightning/r/Contact/0035g00000Yam4dAAB/view';
const headless = !process.env.DISPLAY;
const out = join(ROOT, 'demo-out');
mkdirSync(out, { recursive: true });

const devorg = await startDevorg();
console.log(`devorg: https://${devorg.lightningHost} (127.0.0.1:${devorg.port}), user ${devorg.username} / ${devorg.password}`);
const browser = await launchBrowser(devorg, { headless });
try {
  const page = await browser.context.newPage();
  await login(page, devorg, CONTACT);
  console.log(`logged in and opened ${page.url()}`);
  await page.waitForSelector('sfphone-dial');
  const numbers = await page.$$eval('[data-sfphone-field^="+"]', (fields) => fields.map((f) => f.dataset.sfphoneField));
  console.log(`click-to-call: ${numbers.length} phone fields became dial buttons: ${numbers.join(', ')}`);
  await page.screenshot({ path: join(out, 'lightning-record.png') });

  const options = await browser.context.newPage();
  await options.goto(browser.optionsUrl);
  await options.waitForSelector('body[data-ready="true"]');
  await options.waitForTimeout(300);
  await options.reload();
  await options.waitForSelector('body[data-ready="true"]');
  const state = await options.$$eval('#orgs tr[data-org] td', (tds) => tds.map((td) => td.textContent).join(' | '));
  console.log(`options page, Salesforce connection: ${state}`);
  await options.fill('#lookup-number', '03-1234-5678');
  await options.click('#lookup-run');
  await options.waitForSelector('#lookup-results[data-done="true"]', { state: 'attached' });
  const found = await options.$$eval('#lookup-results tr', (trs) => trs.map((tr) => tr.textContent.trim()).join('; '));
  console.log(`test lookup of 03-1234-5678 (one SOSL request through the worker): ${found}`);
  await options.screenshot({ path: join(out, 'options.png') });
  console.log(`screenshots: ${join(out, 'lightning-record.png')}, ${join(out, 'options.png')}`);

  if (!headless) {
    console.log('The browser stays open: press Ctrl-C to end the demo.');
    await new Promise((resolve) => process.once('SIGINT', resolve));
  }
} finally {
  await browser.close();
  devorg.stop();
}
