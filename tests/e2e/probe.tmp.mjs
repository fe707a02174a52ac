import { startDevorg, launchBrowser, login, extensionStorage } from './harness.mjs';
const devorg = await startDevorg();
const browser = await launchBrowser(devorg);
const page = await browser.context.newPage();
const path = process.argv[2] ?? '/lightning/r/Contact/0035g00000Yam4dAAB/view';
await login(page, devorg, path);
await page.waitForTimeout(1500);
console.log(await page.evaluate(() => ({
  mode: document.documentElement.dataset.sfphoneMode,
  fields: [...document.querySelectorAll('[data-sfphone-field]')].map(e => e.localName + '=' + e.getAttribute('data-sfphone-field')),
  hosts: [...document.querySelectorAll('sfphone-dial')].map(e => e.getAttribute('data-sfphone-number')),
  measures: performance.getEntriesByType('measure').map(m => m.name + ':' + m.duration.toFixed(1)).slice(0, 20),
})));
const host = page.locator('sfphone-dial').first();
if (await host.count()) { await host.click(); await page.waitForTimeout(500); console.log(JSON.stringify((await extensionStorage(browser.worker)).lastDial)); }
console.log(browser.consoleLines.join('\n'));
await browser.close(); devorg.stop();
