import { startDevorg, launchBrowser, login } from './harness.mjs';
const devorg = await startDevorg();
const browser = await launchBrowser(devorg);
const page = await browser.context.newPage();
await login(page, devorg, '/lightning/page/home');
for (const [name, path] of [['list', '/lightning/o/Contact/list?rows=200'], ['record', '/lightning/r/Account/0015g00000AcMeAAAV/view?shadow=closed']]) {
  await page.goto(devorg.lightningUrl(path));
  await page.waitForTimeout(2000);
  await page.screenshot({ path: `/tmp/click-${name}.png` });
}
await browser.close(); devorg.stop();
