// Click-to-call on devorg's LWC pages (`?ui=lwc`): record pages and list views rendered in the
// browser by the real LWC engine and Salesforce's base components, synthetic and native shadow.
// lightning-formatted-phone fields get a dial button each: in a lightning-card, a field rendered
// late, one slotted into a custom component, a value edited in place, lightning-datatable phone
// cells, and a record reached by SPA navigation; a user's click on one reaches the worker as a
// dial of that number.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevorg, launchBrowser, login, extensionStorage, eventually, until } from './harness.mjs';

const CONTACT = '0035g00000Yam4dAAB';
const SUZUKI = '0035g00000SuZuKAAV';

let devorg, browser, page;
before(async () => {
  devorg = await startDevorg();
  browser = await launchBrowser(devorg);
  page = await browser.context.newPage();
  // Straight onto an LWC page: the login's return URL keeps `?ui=lwc`.
  await login(page, devorg, `/lightning/r/Contact/${CONTACT}/view?ui=lwc`);
});
after(() => browser?.close().finally(() => devorg?.stop()));

/**
 * The marked fields (`data-sfphone-field`), each with the custom elements it sits in (through
 * shadow roots, closed ones too: CDP's pierce), the dial buttons with the field before them, and
 * every tag rendered.
 */
async function marked() {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { root } = await cdp.send('DOM.getDocument', { depth: -1, pierce: true });
    const fields = [];
    const buttons = [];
    const tags = new Set();
    const attrOf = (node, name) => {
      const list = node?.attributes ?? [];
      const at = list.findIndex((v, i) => i % 2 === 0 && v === name);
      return at < 0 ? null : list[at + 1];
    };
    const visit = (node, hosts) => {
      const inside = node.localName?.includes('-') ? [...hosts, node.localName] : hosts;
      if (node.localName) tags.add(node.localName);
      const number = attrOf(node, 'data-sfphone-field');
      if (number !== null) fields.push({ number, hosts: inside });
      let previous = null;
      for (const child of node.children ?? []) {
        if (child.localName === 'sfphone-dial') {
          buttons.push({
            number: attrOf(child, 'data-sfphone-number'),
            after: attrOf(previous, 'data-sfphone-field'),
            backendNodeId: child.backendNodeId,
          });
        } else {
          visit(child, inside);
        }
        previous = child;
      }
      for (const shadow of node.shadowRoots ?? []) visit(shadow, inside);
    };
    visit(root, []);
    return { fields, buttons, tags };
  } finally {
    await cdp.detach();
  }
}

/** Waits until every number in `numbers` is a marked field with its button right after it. */
function decorated(numbers, what) {
  return until(marked, (m) => numbers.every((n) =>
    m.fields.some((f) => f.number === n) && m.buttons.some((b) => b.number === n && b.after === n)),
  what, 'marked fields', 200);
}

const fieldOf = (m, number) => m.fields.find((f) => f.number === number);

/** A user's click (a real mouse event) on the button that dials `number`; the dial it made. */
async function dialThrough(m, number) {
  const button = m.buttons.find((b) => b.number === number);
  assert.ok(button, `a dial button for ${number}`);
  await browser.worker.evaluate(() => chrome.storage.local.remove('lastDial'));
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('DOM.scrollIntoViewIfNeeded', { backendNodeId: button.backendNodeId });
    const { quads } = await cdp.send('DOM.getContentQuads', { backendNodeId: button.backendNodeId });
    const [x1, y1, , , x3, y3] = quads[0];
    await page.mouse.click((x1 + x3) / 2, (y1 + y3) / 2);
  } finally {
    await cdp.detach();
  }
  return eventually(async () => (await extensionStorage(browser.worker)).lastDial, `a dial of ${number}`);
}

/** No field is marked twice and every button follows the field it dials. */
function assertOncePerField(m, what) {
  assert.deepEqual(m.buttons.filter((b) => b.after !== b.number), [], `${what}: each button right after its field`);
  const dialable = m.fields.filter((f) => f.number.startsWith('+'));
  assert.equal(m.buttons.length, dialable.length, `${what}: one button per dialable field`);
}

for (const [shadow, query] of [['synthetic', 'ui=lwc'], ['native', 'ui=lwc&shadow=native']]) {
  test(`LWC record page, ${shadow} shadow: card, late, slotted and edited phone fields dial`, async () => {
    await page.goto(devorg.lightningUrl(`/lightning/r/Contact/${CONTACT}/view?${query}`));
    // The engine renders it: the page's own markup is only the mount point and its JSON.
    await eventually(() => page.evaluate(() => document.querySelector('c-app') !== null), 'the LWC app');
    // Before the edit (3 s after load), the old value is dialable.
    let m = await decorated(['+81355550100'], 'the value before the edit');
    m = await decorated(['+81312345678', '+819012345678', '+81312345000', '+81355550199'],
      'the card, late, slotted and edited fields');
    assert.ok(fieldOf(m, '+81312345678').hosts.includes('lightning-card'), 'the card body field');
    assert.ok(fieldOf(m, '+819012345678').hosts.includes('c-late-field'), 'the late field');
    assert.ok(fieldOf(m, '+81312345000').hosts.includes('c-slotted-card'), 'the slotted field');
    // Only phone fields: the email, number, URL and text components with digits stay as they are.
    for (const f of m.fields) assert.ok(f.hosts.includes('lightning-formatted-phone'), `${f.number} is a lightning-formatted-phone`);
    for (const tag of ['lightning-formatted-email', 'lightning-formatted-number', 'lightning-formatted-url']) {
      assert.ok(m.tags.has(tag), `the page renders a ${tag}`);
    }
    // The edited value replaced the old one in place: no field or button for it is left.
    m = await until(marked, (x) => !x.fields.some((f) => f.number === '+81355550100'), 'the old value gone', 'marked fields');
    assert.equal(m.buttons.filter((b) => b.number === '+81355550100').length, 0, 'no button dials the old value');
    assertOncePerField(m, `record page (${shadow})`);

    let dial = await dialThrough(m, '+81355550199');
    assert.equal(dial.number, '+81355550199', 'the edited field dials its new number');
    assert.equal(dial.record?.recordId, CONTACT);
    assert.equal(dial.record?.objectApiName, 'Contact');
    assert.equal(dial.record?.displayName, '山田 太郎', 'the record\'s name, as the page shows it');
    dial = await dialThrough(m, '+81312345000');
    assert.equal(dial.number, '+81312345000', 'the slotted field dials');
    dial = await dialThrough(m, '+819012345678');
    assert.equal(dial.number, '+819012345678', 'the late field dials');
  });

  test(`LWC list view, ${shadow} shadow: lightning-datatable phone cells dial with their row`, async () => {
    await page.goto(devorg.lightningUrl(`/lightning/o/Contact/list?${query}`));
    const numbers = ['+81312345678', '+819012345678', '+81312345679', '+819023456789'];
    const m = await decorated(numbers, 'the datatable phone cells');
    for (const n of numbers) assert.ok(fieldOf(m, n).hosts.includes('lightning-datatable'), `${n} is a datatable cell`);
    assertOncePerField(m, `list view (${shadow})`);
    const dial = await dialThrough(m, '+819023456789');
    assert.deepEqual(dial, {
      number: '+819023456789',
      record: { objectApiName: 'Contact', recordId: SUZUKI, displayName: '鈴木 一郎' },
    }, 'a row names its contact');
  });

  test(`LWC pages, ${shadow} shadow: an SPA navigation from the list to a record is scanned, nothing twice`, async () => {
    await page.goto(devorg.lightningUrl(`/lightning/o/Contact/list?${query}`));
    await decorated(['+819023456789'], 'the list first');
    // Lightning's client swaps the page's content without a reload; the app mounts anew.
    await page.evaluate((url) => window.devorg.navigate(url), `/lightning/r/Contact/${CONTACT}/view`);
    assert.match(page.url(), /[?&]ui=lwc/, 'the navigation keeps the LWC variant');
    const m = await decorated(['+81312345678', '+819012345678', '+81312345000'], 'the record page after the navigation');
    assert.ok(fieldOf(m, '+81312345000').hosts.includes('c-slotted-card'), 'the slotted field, after the navigation');
    assert.ok(!m.fields.some((f) => f.number === '+819023456789'), 'the list\'s cells are gone');
    assertOncePerField(m, `after SPA navigation (${shadow})`);
    const dial = await dialThrough(m, '+81312345000');
    assert.equal(dial.record?.recordId, CONTACT, 'the dial carries the record navigated to');
  });
}
