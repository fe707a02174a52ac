// Click-to-call end to end: every devorg page kind in every shadow kind, re-renders and SPA
// navigation (each phone field dialable exactly once), clicks that send the right number and
// record, and degraded mode on a page whose CSP forbids wasm. Closed shadow roots are read
// through the DevTools protocol (DOM.getDocument with pierce), which sees them as the content
// script's chrome.dom does; no test hook in the product.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevorg, launchBrowser, login, extensionStorage, eventually } from './harness.mjs';
import { panelUntil } from './panel.mjs';

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

const attr = (node, name) => {
  const a = node.attributes ?? [];
  for (let i = 0; i < a.length; i += 2) if (a[i] === name) return a[i + 1];
  return null;
};

/** Every field the scanner took and every dial button, shadow roots (closed too) included. */
async function census() {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { root } = await cdp.send('DOM.getDocument', { depth: -1, pierce: true });
    const fields = []; const buttons = []; const misplaced = [];
    const walk = (node) => {
      const kids = node.children ?? [];
      kids.forEach((child, i) => {
        if (child.localName === 'sfphone-dial') {
          const number = attr(child, 'data-sfphone-number');
          buttons.push({ number, backendNodeId: child.backendNodeId });
          if (attr(kids[i - 1] ?? {}, 'data-sfphone-field') !== number) misplaced.push(number);
        } else {
          walk(child);
        }
      });
      for (const shadow of node.shadowRoots ?? []) walk(shadow);
      const field = attr(node, 'data-sfphone-field');
      if (field !== null) fields.push(field);
    };
    walk(root);
    return { fields, buttons, misplaced, dialable: fields.filter((f) => f.startsWith('+')) };
  } finally {
    await cdp.detach();
  }
}

/** Waits until the page's fields are all decided, then returns the census. */
async function settled(minimum) {
  let last = '';
  let stable = 0;
  return eventually(async () => {
    const c = await census();
    const key = JSON.stringify([c.fields, c.buttons.map((b) => b.number)]);
    stable = key === last ? stable + 1 : 0;
    last = key;
    return c.dialable.length >= minimum && !c.fields.includes('') && stable >= 3 ? c : null;
  }, `at least ${minimum} dialable fields`);
}

function assertExactlyOnce(c, what) {
  assert.deepEqual(c.misplaced, [], `${what}: every button right after its field`);
  assert.equal(c.buttons.length, c.dialable.length, `${what}: one button per dialable field`);
}

/** Clicks, as a user, the first shown button for `number` (hidden console tabs keep theirs). */
async function clickButton(c, number) {
  const candidates = c.buttons.filter((b) => b.number === number);
  assert.ok(candidates.length, `a button for ${number}`);
  const cdp = await page.context().newCDPSession(page);
  try {
    for (const button of candidates) {
      const shown = await cdp.send('DOM.scrollIntoViewIfNeeded', { backendNodeId: button.backendNodeId }).then(() => true, () => false);
      if (!shown) continue;
      const { model } = await cdp.send('DOM.getBoxModel', { backendNodeId: button.backendNodeId });
      const [x1, y1, , , x3, y3] = model.content;
      await page.mouse.click((x1 + x3) / 2, (y1 + y3) / 2);
      return;
    }
    assert.fail(`no shown button for ${number}`);
  } finally {
    await cdp.detach();
  }
}

async function lastDialAfter(action) {
  await browser.worker.evaluate(() => chrome.storage.local.remove('lastDial'));
  await action();
  return eventually(async () => (await extensionStorage(browser.worker)).lastDial, 'a dial request');
}

const CONTACT = '0035g00000Yam4dAAB';
const ACCOUNT = '0015g00000AcMeAAAV';
const PAGES = [
  // [path, minimum dialable fields]
  [`/lightning/r/Contact/${CONTACT}/view`, 4],
  [`/lightning/r/Account/${ACCOUNT}/view`, 7],
  ['/lightning/r/Lead/00Q5g00000KoBaYEAV/view', 1],
  ['/lightning/o/Contact/list?rows=50', 10],
  ['/lightning/search?term=0312345678', 2],
  ['/lightning/console', 4],
  ['/lightning/o/Lead/kanban', 3],
];

for (const shadow of ['synthetic', 'open', 'closed']) {
  test(`${shadow} shadow: every page kind, each phone field dialable exactly once, also after re-rendering`, async () => {
    for (const [path, minimum] of PAGES) {
      const url = `${path}${path.includes('?') ? '&' : '?'}shadow=${shadow}`;
      await page.goto(devorg.lightningUrl(url));
      const first = await settled(minimum);
      assertExactlyOnce(first, url);
      await page.evaluate(() => window.devorg.rerender());
      await page.waitForTimeout(200);
      const again = await settled(minimum);
      assertExactlyOnce(again, `${url} re-rendered`);
      assert.deepEqual(again.dialable.sort(), first.dialable.sort(), `${url}: the same numbers after re-rendering`);
    }
  });
}

test('SPA navigation: new content is scanned, nothing decorated twice', async () => {
  // Open roots, so the test can click links inside them as a user would.
  await page.goto(devorg.lightningUrl('/lightning/page/home?shadow=open'));
  await settled(1);
  await page.click('nav a[href="/lightning/o/Contact/list?shadow=open"]');
  await page.waitForSelector('.list-view');
  const list = await settled(10);
  assertExactlyOnce(list, 'list after navigation');
  await page.click('a:text("山田 太郎")');
  await page.waitForSelector('.record-page[data-object="Contact"]');
  const record = await settled(4);
  assertExactlyOnce(record, 'record after navigation');
  await page.goBack();
  await page.waitForSelector('.list-view');
  assertExactlyOnce(await settled(10), 'back to the list');
});

test('a click dials the E.164 number with the record: record page, related list, list row, console, Kanban', async () => {
  await page.goto(devorg.lightningUrl(`/lightning/r/Account/${ACCOUNT}/view?shadow=closed`));
  let c = await settled(7);
  let dial = await lastDialAfter(() => clickButton(c, '+819012345678'));
  assert.deepEqual(dial, {
    number: '+819012345678',
    record: { objectApiName: 'Contact', recordId: CONTACT, displayName: '山田 太郎' },
  }, 'a related list row names its contact');
  dial = await lastDialAfter(() => clickButton(c, '+81312345000'));
  assert.equal(dial.record.recordId, ACCOUNT);
  assert.equal(dial.record.objectApiName, 'Account');

  await page.goto(devorg.lightningUrl('/lightning/o/Contact/list?rows=50&shadow=open'));
  c = await settled(10);
  const generatedRow = await page.evaluate(() => {
    const row = document.querySelector('lightning-datatable').shadowRoot.querySelectorAll('tr[data-row-key-value]')[14];
    const cell = row.querySelector('lightning-primitive-cell-factory');
    const href = cell.shadowRoot.querySelector('lightning-formatted-phone').shadowRoot.querySelector('a').getAttribute('href');
    return { id: row.dataset.rowKeyValue, name: row.querySelector('th').textContent, href };
  });
  // 03-1000-0015 → +81310000015
  const rowNumber = `+81${generatedRow.href.replace(/\D/g, '').slice(1)}`;
  dial = await lastDialAfter(async () => {
    await page.evaluate(() => document.querySelector('lightning-datatable').shadowRoot.querySelectorAll('tr[data-row-key-value]')[14].scrollIntoView());
    c = await settled(10);
    await clickButton(c, rowNumber);
  });
  assert.deepEqual(dial.record, { objectApiName: 'Contact', recordId: generatedRow.id, displayName: generatedRow.name });

  await page.goto(devorg.lightningUrl('/lightning/console'));
  await page.click('.console-tab[data-tab="1"]');
  c = await settled(4);
  dial = await lastDialAfter(() => clickButton(c, '+81312345000'));
  assert.equal(dial.record.recordId, ACCOUNT);
  assert.equal(dial.record.displayName, await page.textContent('.console-tab[data-tab="1"]'));

  // The tel: link itself dials too, instead of handing tel: to the OS.
  await page.goto(devorg.lightningUrl('/lightning/o/Lead/kanban'));
  await settled(3);
  dial = await lastDialAfter(() => page.click('force-kanban-card a[href^="tel:"] >> nth=0'));
  assert.match(dial.number, /^\+81\d+$/);
  assert.equal(dial.record ?? null, null, 'a Kanban card has no row key; the page shows no single record');
});

for (const [mode, query] of [['wasm', ''], ['degraded', '&csp=strict']]) {
  test(`${mode}: only the user's own click dials; a page script's click or a rewritten attribute never does`, async () => {
    await page.goto(devorg.lightningUrl(`/lightning/r/Account/${ACCOUNT}/view?shadow=open${query}`));
    await settled(7);
    await browser.worker.evaluate(() => chrome.storage.local.remove('lastDial'));
    // A page script adds a link, waits for the scanner to take it, and clicks it itself.
    await page.evaluate(() => {
      const a = document.createElement('a');
      a.id = 'scripted';
      a.href = 'tel:+81312349999';
      a.textContent = '03-1234-9999';
      document.body.prepend(a);
    });
    await eventually(() => page.evaluate(() => document.querySelector('#scripted')?.getAttribute('data-sfphone-field')?.startsWith('+')),
      'the scanner to take the link');
    await page.evaluate(() => {
      const a = document.querySelector('#scripted');
      a.addEventListener('click', (e) => e.preventDefault()); // (the test page must not navigate)
      a.click();
      a.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true }));
      a.nextElementSibling?.click();
    });
    await page.waitForTimeout(1000);
    assert.equal((await extensionStorage(browser.worker)).lastDial, undefined, 'a script never dials');
    // The page rewrites what a decorated link says it dials; the user's real click dials the
    // number the extension decided.
    const dial = await lastDialAfter(async () => {
      await page.evaluate(() => document.querySelector('#scripted').setAttribute('data-sfphone-field', '+88213012345'));
      await page.click('#scripted');
    });
    assert.equal(dial.number, '+81312349999');
  });
}

test('strict CSP: wasm cannot run in the page, degraded mode still dials through the worker', async () => {
  await page.goto(devorg.lightningUrl(`/lightning/r/Account/${ACCOUNT}/view?csp=strict&shadow=closed`));
  // The content script finds out that wasm is refused asynchronously: wait for its mark.
  await eventually(async () => (await page.getAttribute('html', 'data-sfphone-mode')) === 'degraded', 'degraded mode');
  const c = await settled(7);
  assertExactlyOnce(c, 'degraded');
  const dial = await lastDialAfter(() => clickButton(c, '+819012345678'));
  assert.deepEqual(dial, {
    number: '+819012345678',
    record: { objectApiName: 'Contact', recordId: CONTACT, displayName: '山田 太郎' },
  });
  await page.evaluate(() => window.devorg.rerender());
  await page.waitForTimeout(200);
  assertExactlyOnce(await settled(7), 'degraded, re-rendered');
});

test('a click that cannot dial says why in the docked phone (no phone account yet)', async () => {
  await page.goto(devorg.lightningUrl(`/lightning/r/Account/${ACCOUNT}/view?shadow=closed`));
  const c = await settled(7);
  await lastDialAfter(() => clickButton(c, '+81312345000'));
  const state = await panelUntil(page, 'the reason', (s) => s.reason);
  assert.equal(state.expanded, 'true', 'the panel opened to say it');
  assert.match(state.reason, /options page/);
});

test('strict CSP: a click that cannot dial says why in the framed docked phone', async () => {
  await page.goto(devorg.lightningUrl(`/lightning/r/Account/${ACCOUNT}/view?csp=strict&shadow=closed`));
  await eventually(async () => (await page.getAttribute('html', 'data-sfphone-mode')) === 'degraded', 'degraded mode');
  const c = await settled(7);
  await lastDialAfter(() => clickButton(c, '+81312345000'));
  // The clicking script cannot speak to the frame; the worker tells the tab's panel.
  const state = await panelUntil(page, 'the reason', (s) => s.reason);
  assert.equal(state.expanded, 'true', 'the framed panel opened to say it');
  assert.match(state.reason, /options page/);
});
