import { startDevorg, launchBrowser, login } from './harness.mjs';
const devorg = await startDevorg();
const browser = await launchBrowser(devorg);
const page = await browser.context.newPage();
page.on('crash', () => console.log('CRASH'));
page.on('close', () => console.log('CLOSED'));
await login(page, devorg, '/lightning/page/home');
await page.goto(devorg.lightningUrl('/lightning/o/Contact/list?rows=2000'));
await page.waitForTimeout(2000);
console.log('2000 ok');
try { await page.goto(devorg.lightningUrl('/lightning/o/Contact/list?rows=5000')); console.log('goto ok'); } catch (e) { console.log('goto failed', e.message); }
for (let i = 0; i < 30; i++) { const r = await page.evaluate(() => performance.getEntriesByType('measure').length).catch(e => 'ERR ' + e.message); console.log(i, r); if (String(r).startsWith('ERR')) break; await page.waitForTimeout(100); }
console.log(browser.consoleLines.join('\n'));
await browser.close(); devorg.stop();
