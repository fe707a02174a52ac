// The walking skeleton, end to end: content script wasm in a Lightning page, the worker's API
// session and REST call to the devorg, the options page rendering what the worker knows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevorg, launchBrowser, login, extensionStorage } from './harness.mjs';

const CONTACT = '/lightning/r/Contact/0035g00000Yam4dAAB/view';
let devorg;

before(async () => { devorg = await startDevorg(); });
after(() => devorg?.stop());

async function optionsRows(browser, selector) {
  const page = await browser.context.newPage();
  await page.goto(browser.optionsUrl);
  await page.waitForSelector('body[data-ready="true"]');
  const rows = await page.$$eval(selector, (trs) => trs.map((tr) => ({
    ...Object.fromEntries([...tr.querySelectorAll('td')].map((td) => [td.dataset.field, td.textContent])),
    state: tr.dataset.state,
    mode: tr.dataset.mode,
  })));
  return { page, rows };
}

test('a Lightning record page: phone field marked, API session found, options page shows the org', async () => {
  const browser = await launchBrowser(devorg);
  try {
    const page = await browser.context.newPage();
    await login(page, devorg, CONTACT);
    await page.locator('lightning-formatted-phone a[href="tel:03-1234-5678"]').first().waitFor();
    await page.waitForSelector('a[data-sfphone-field="+81312345678"] + sfphone-dial');
    const links = await page.locator('a[href^="tel:"]').count();
    assert.equal(links, 3, 'highlights panel, phone and mobile');
    await page.waitForFunction(() => document.querySelectorAll('sfphone-dial').length === 4);
    assert.equal(await page.locator('sfphone-dial').count(), links + 1, 'one button per phone link, and the account phone (click-to-dial)');

    // The worker fetched /services/data/v51.0/ with the my.salesforce.com session.
    let rows = [];
    for (let attempt = 0; attempt < 50 && !rows.some((r) => r.state === 'CONNECTED'); attempt++) {
      const opened = await optionsRows(browser, '#orgs tr[data-org]');
      rows = opened.rows;
      await opened.page.close();
      if (!rows.length) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(rows.length, 1);
    assert.equal(rows[0].state, 'CONNECTED');
    assert.equal(rows[0].orgId, '00D5g000004ABCD');
    assert.equal(rows[0].apiHost, devorg.apiHost);
    assert.equal(rows[0].edition, 'Enterprise Edition');
    assert.equal(rows[0].userId, '0055g00000AbCdEAAV');

    const log = await devorg.log();
    const apiCalls = log.requests.filter((r) => r.path.startsWith('/services/data/v51.0'));
    assert.ok(apiCalls.length >= 1 && apiCalls.every((r) => r.status === 200 && r.host === devorg.apiHost),
      JSON.stringify(apiCalls));

    // The session id is never stored, nor logged to any console we can see.
    const cookies = await browser.context.cookies();
    const sids = cookies.filter((c) => c.name === 'sid').map((c) => c.value);
    assert.equal(sids.length, 2, 'one sid on each host');
    const stored = JSON.stringify(await extensionStorage(browser.worker));
    for (const sid of sids) {
      assert.ok(!stored.includes(sid), 'no session id in chrome.storage');
      assert.ok(!browser.consoleLines.some((line) => line.includes(sid)), 'no session id in console output');
    }
  } finally {
    await browser.close();
  }
});

test('a click on the dial button sends the number and the record to the worker', async () => {
  const browser = await launchBrowser(devorg);
  try {
    const page = await browser.context.newPage();
    await login(page, devorg, CONTACT);
    const button = page.locator('a[data-sfphone-field="+819012345678"] + sfphone-dial');
    await button.focus(); // delegatesFocus: lands on the real <button> in the closed root
    await page.keyboard.press('Enter'); // keyboard accessible
    let lastDial;
    for (let attempt = 0; attempt < 50 && !lastDial; attempt++) {
      lastDial = (await extensionStorage(browser.worker)).lastDial;
      if (!lastDial) await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(lastDial, {
      number: '+819012345678',
      record: { objectApiName: 'Contact', recordId: '0035g00000Yam4dAAB', displayName: '山田 太郎' },
    });
  } finally {
    await browser.close();
  }
});

test('a page whose CSP forbids wasm reports the degraded mode, which still makes phone fields dialable', async () => {
  const browser = await launchBrowser(devorg);
  try {
    const page = await browser.context.newPage();
    await login(page, devorg, `${CONTACT}?csp=strict`);
    await page.locator('lightning-formatted-phone a').first().waitFor();
    let rows = [];
    for (let attempt = 0; attempt < 50 && !rows.length; attempt++) {
      const opened = await optionsRows(browser, '#pages tr[data-mode]');
      rows = opened.rows;
      await opened.page.close();
      if (!rows.length) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(rows[0].mode, 'DEGRADED_CSP');
    assert.equal(await page.getAttribute('html', 'data-sfphone-mode'), 'degraded', 'no wasm ran in the page');
    assert.equal(rows[0].host, devorg.lightningHost);
    assert.match(rows[0].phoneFields ?? '', /^4$/);
    assert.ok(browser.consoleLines.some((line) => line.includes('WebAssembly')), browser.consoleLines.join('\n'));
    // The API connection does not depend on the page's CSP.
    const { rows: orgs } = await optionsRows(browser, '#orgs tr[data-org]');
    assert.equal(orgs[0]?.state, 'CONNECTED');
  } finally {
    await browser.close();
  }
});
