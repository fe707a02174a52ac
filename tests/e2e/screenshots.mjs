// The README's screenshots of the options page, in English and in Japanese, against the
// devorg: `node tests/e2e/screenshots.mjs` after `./build.sh build` (writes docs/options-*.png).
import { join } from 'node:path';
import { ROOT, startDevorg, launchBrowser, login, eventually } from './harness.mjs';

const CONTACT = '/lightning/r/Contact/0035g00000Yam4dAAB/view';

async function shoot(devorg, name, launch) {
  const browser = await launchBrowser(devorg, launch);
  try {
    const page = await browser.context.newPage();
    await login(page, devorg, CONTACT);
    const options = await browser.context.newPage();
    await options.setViewportSize({ width: 1280, height: 900 });
    await eventually(async () => {
      await options.goto(browser.optionsUrl);
      await options.waitForSelector('body[data-ready="true"]');
      return options.evaluate(() => document.querySelector('#orgs tr[data-org]')?.dataset.state === 'CONNECTED');
    }, 'the org connected');
    await options.waitForSelector('#permissions-list[data-done="true"]');
    await options.screenshot({ path: join(ROOT, 'docs', `options-${name}.png`), fullPage: false });
    await options.locator('#permissions').screenshot({ path: join(ROOT, 'docs', `permissions-${name}.png`) });
  } finally {
    await browser.close();
  }
}

const devorg = await startDevorg();
try {
  await shoot(devorg, 'en', {});
  await shoot(devorg, 'ja', { extraArgs: ['--lang=ja'], env: { LANGUAGE: 'ja', LANG: 'ja_JP.UTF-8' } });
} finally {
  devorg.stop();
}
