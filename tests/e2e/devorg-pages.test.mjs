// The devorg's Lightning pages under the real host names, in every variant the click-to-call
// tests rely on: each page kind, each shadow kind, SPA navigation and re-rendering.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevorg, launchBrowser, login } from './harness.mjs';

let devorg;
let browser;
let page;

before(async () => {
  devorg = await startDevorg();
  browser = await launchBrowser(devorg);
  page = await browser.context.newPage();
  await login(page, devorg, '/lightning/page/home');
});
after(async () => {
  await browser?.close();
  devorg?.stop();
});

/** Phone links anywhere in the page, open shadow roots included (closed ones are unreachable). */
async function phoneLinks() {
  return page.evaluate(() => {
    const found = [];
    const walk = (root) => {
      for (const a of root.querySelectorAll('a[href^="tel:"]')) found.push(a.getAttribute('href'));
      for (const el of root.querySelectorAll('*')) if (el.shadowRoot) walk(el.shadowRoot);
    };
    walk(document);
    return found;
  });
}

const RECORDS = [
  ['Contact', '0035g00000Yam4dAAB', 'tel:03-1234-5678'],
  ['Account', '0015g00000AcMeAAAV', 'tel:03-1234-5000'],
  ['Lead', '00Q5g00000KoBaYEAV', 'tel:080-1111-2222'],
  ['Opportunity', '0065g00000OpPoRAAV', null],
  ['Case', '5005g00000CaSeAAAV', 'tel:03-1234-5678'],
];

test('record pages of every object show their phone fields', async () => {
  for (const [object, id, phone] of RECORDS) {
    await page.goto(devorg.lightningUrl(`/lightning/r/${object}/${id}/view`));
    await page.waitForSelector('.record-page', { state: 'attached' });
    const links = await phoneLinks();
    if (phone) assert.ok(links.includes(phone), `${object}: ${links}`);
    if (!['Account', 'Lead'].includes(object)) {
      assert.equal(await page.locator('lightning-click-to-dial').count(), 1, `${object} shows its account's phone`);
    }
  }
  await page.goto(devorg.lightningUrl('/lightning/r/Account/0015g00000AcMeAAAV/view'));
  assert.ok((await phoneLinks()).includes('tel:090-1234-5678'), 'related list of contacts');
});

test('shadow variants: synthetic (light DOM), open and closed roots', async () => {
  const path = '/lightning/r/Contact/0035g00000Yam4dAAB/view';
  await page.goto(devorg.lightningUrl(path));
  assert.ok(await page.locator('lightning-formatted-phone > a[href="tel:03-1234-5678"]').count() >= 1);

  await page.goto(devorg.lightningUrl(`${path}?shadow=open`));
  assert.equal(await page.evaluate(() => document.querySelectorAll('lightning-formatted-phone > a').length), 0, 'not in light DOM');
  assert.ok((await phoneLinks()).includes('tel:03-1234-5678'), 'inside open shadow roots');

  await page.goto(devorg.lightningUrl(`${path}?shadow=closed`));
  const closed = await page.evaluate(() => {
    const hosts = [...document.querySelectorAll('records-lwc-highlights-panel, records-record-layout-section')];
    return { hosts: hosts.length, open: hosts.filter((h) => h.shadowRoot).length, templates: document.querySelectorAll('template').length };
  });
  assert.deepEqual(closed, { hosts: 2, open: 0, templates: 0 }, 'closed roots were attached, none visible');
  assert.deepEqual(await phoneLinks(), []);
});

test('list views render up to 5,000 rows with three phone cells each, and grow', async () => {
  await page.goto(devorg.lightningUrl('/lightning/o/Contact/list?rows=2000'));
  assert.equal(await page.evaluate(() => document.querySelectorAll('td > lightning-primitive-cell-factory').length), 6000);
  assert.ok((await phoneLinks()).length > 5950, 'all but the few empty seeded cells hold a phone link');
  assert.equal(await page.locator('tr[data-row-key-value]').count(), 2000);
  const added = await page.evaluate(() => window.devorg.appendRows(50));
  assert.equal(added, 50);
  assert.equal(await page.locator('tr[data-row-key-value]').count(), 2050);

  await page.goto(devorg.lightningUrl('/lightning/o/Contact/list?rows=9000&shadow=open'));
  assert.equal(await page.evaluate(() => document.querySelector('lightning-datatable').shadowRoot.querySelectorAll('tr[data-row-key-value]').length), 5000);
  await page.evaluate(() => window.devorg.appendRows(50));
  assert.equal(await page.evaluate(() => document.querySelector('lightning-datatable').shadowRoot.querySelectorAll('tr[data-row-key-value]').length), 5000, 'capped at 5,000');
});

test('SPA navigation replaces content without a reload, and re-renders replace nodes', async () => {
  await page.goto(devorg.lightningUrl('/lightning/page/home'));
  await page.evaluate(() => { window.__sameDocument = true; });
  await page.click('nav a[href="/lightning/o/Contact/list"]');
  await page.waitForSelector('.list-view');
  assert.equal(new URL(page.url()).pathname, '/lightning/o/Contact/list');
  assert.equal(await page.evaluate(() => window.__sameDocument), true, 'no reload');
  await page.click('a:text("山田 太郎")');
  await page.waitForSelector('.record-page[data-object="Contact"]');
  const before = await page.evaluate(() => { const a = document.querySelector('a[href^="tel:"]'); a.dataset.marker = 'old'; return a.getAttribute('href'); });
  await page.evaluate(() => window.devorg.rerender());
  const after = await page.evaluate(() => { const a = document.querySelector('a[href^="tel:"]'); return [a.getAttribute('href'), a.dataset.marker ?? null]; });
  assert.deepEqual(after, [before, null], 'same number, new node');
  await page.goBack();
  await page.waitForSelector('.list-view');
  assert.equal(await page.evaluate(() => window.__sameDocument), true);
});

test('global search, console sub-tabs and Kanban', async () => {
  await page.goto(devorg.lightningUrl('/lightning/page/home'));
  await page.fill('input[name="term"]', '0312345678');
  await page.press('input[name="term"]', 'Enter');
  await page.waitForSelector('.search-results');
  const found = await page.$$eval('.search-results tr', (rows) => rows.map((r) => r.dataset.rowKeyValue));
  assert.deepEqual(found.sort(), ['0035g00000Yam4dAAB', '00Q5g00000DuPlIEAV'].sort());

  await page.goto(devorg.lightningUrl('/lightning/console'));
  assert.equal(await page.locator('.console-panel:not([hidden])').count(), 1);
  await page.click('.console-tab[data-tab="2"]');
  assert.equal(await page.locator('.console-panel[data-tab="2"]:not([hidden])').count(), 1);
  assert.equal(await page.locator('.console-panel a[href^="tel:"]').count() >= 3, true);

  await page.goto(devorg.lightningUrl('/lightning/o/Lead/kanban'));
  assert.equal(await page.locator('force-kanban-card a[href^="tel:"]').count(), 3);
});

test('hostile record values stay text', async () => {
  await page.goto(devorg.lightningUrl('/lightning/r/Contact/0035g00000Yam4eAAB/view'));
  assert.equal(await page.locator('img').count(), 0);
  assert.match(await page.locator('h1').first().textContent(), /<img src=x onerror=alert\(1\)>/);
});
