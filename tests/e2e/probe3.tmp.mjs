import { startDevorg, launchBrowser, login } from './harness.mjs';
const devorg = await startDevorg();
const browser = await launchBrowser(devorg);
const page = await browser.context.newPage();
await login(page, devorg, '/lightning/page/home');
for (let i = 0; i < 2; i++) {
await page.goto(devorg.lightningUrl(process.argv[2]));
await page.waitForTimeout(3000);
console.log(await page.evaluate(() => { const t = {}; for (const m of performance.getEntriesByType('measure')) { t[m.name] = (t[m.name] ?? 0) + m.duration; t[m.name + '#'] = (t[m.name + '#'] ?? 0) + 1; } return t; }));
}
await browser.close(); devorg.stop();
