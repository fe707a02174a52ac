// Record names the org may hold, and display names a caller may send, cannot break the phone:
// a 255-character unbreakable name, 255 wide CJK characters, an RLO override that would paint
// digits as a phone number, and a name of invisible characters only. The card keeps Answer and
// Decline on screen and working, the panel stays inside the window, the options page does not
// scroll sideways.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { login, eventually, extensionStorage } from './harness.mjs';
import { inPanel, panelUntil, click } from './panel.mjs';
import { USERS } from './sip/kamailio.mjs';
import { startPhoneLab, setUpPhone } from './sip/lab.mjs';

const CALLER = USERS.hostile; // 06-1234-5678: the seed's contact named as markup has it
const NAMES = {
  long: 'W'.repeat(255),
  cjk: '漢'.repeat(255),
  rlo: '\u202E8765-4321-30',
  invisible: '\u200B\u200B\u200B',
};

let lab;
let lightning;

before(async () => {
  lab = await startPhoneLab({ farEnds: [[CALLER, 'ring']] });
  // The card shows three records at most, the newest first: the long ones now, the others
  // in the second test.
  for (const name of [NAMES.long, NAMES.cjk]) {
    await lab.devorg.admin('records/Account', { Name: name, Phone: '06-1234-5678' });
  }
  await (await setUpPhone(lab)).close();
  lightning = await lab.browser.context.newPage();
  await lightning.setViewportSize({ width: 1024, height: 600 });
  await login(lightning, lab.devorg, '/lightning/page/home');
  await eventually(async () => Object.values((await extensionStorage(lab.browser.worker)).orgs ?? {})
    .some((o) => o.state === 'CONNECTED'), 'the org connected');
});
after(async () => {
  await lab?.stop();
});

/** Where the panel, its buttons and its names are, against the window. */
const layout = (page) => inPanel(page, (root) => {
  const box = (el) => { const r = el.getBoundingClientRect(); return { left: r.left, right: r.right, top: r.top, bottom: r.bottom }; };
  return {
    window: { width: window.innerWidth, height: window.innerHeight },
    panel: box(root.querySelector('.panel')),
    answer: box(root.querySelector('.answer')),
    decline: box(root.querySelector('.decline')),
    names: [...root.querySelectorAll('.matches li')].map((li) => ({
      shown: li.querySelector('.name').textContent,
      title: li.querySelector('.name').title,
      box: box(li),
    })),
  };
});

const inside = (box, win) => box.left >= 0 && box.top >= 0 && box.right <= win.width && box.bottom <= win.height;

/** The caller rings; the card's layout once it shows `count` records. */
async function ring(count) {
  await lab.far.evaluate((u) => window.Far.call(u, '1001'), CALLER.user);
  await panelUntil(lightning, 'the caller card', (s) => s.phase === 'phase_INCOMING' && s.caller?.matches.length >= count);
  return layout(lightning);
}

async function decline() {
  await click(lightning, '.decline');
  await panelUntil(lightning, 'declined', (s) => s.phase === 'end_DECLINED');
}

test('255-character names ring the panel: Answer and Decline stay on screen and work', async () => {
  const seen = await ring(3);
  assert.ok(inside(seen.panel, seen.window), `panel ${JSON.stringify(seen.panel)} in ${JSON.stringify(seen.window)}`);
  assert.ok(inside(seen.answer, seen.window), `answer ${JSON.stringify(seen.answer)}`);
  assert.ok(inside(seen.decline, seen.window), `decline ${JSON.stringify(seen.decline)}`);
  for (const name of seen.names) {
    assert.ok(name.box.right <= seen.panel.right + 1, `a name wider than the panel: ${name.shown.slice(0, 20)}`);
  }
  // The whole name is there for hover and screen readers.
  assert.ok(seen.names.some((n) => n.title === NAMES.long), JSON.stringify(seen.names.map((n) => n.title.slice(0, 9))));
  assert.ok(seen.names.some((n) => n.title === NAMES.cjk));
  await decline();
});

test('an override cannot paint a name as a number, and an invisible name shows a placeholder', async () => {
  for (const name of [NAMES.rlo, NAMES.invisible]) {
    await lab.devorg.admin('records/Account', { Name: name, Phone: '06-1234-5678' });
  }
  const seen = await ring(3);
  const shown = seen.names.map((n) => n.shown);
  // The override is gone: the digits read as they are stored, not as 03-1234-5678.
  assert.ok(shown.includes('8765-4321-30'), JSON.stringify(shown));
  assert.ok(!shown.some((n) => /[\u202A-\u202E\u2066-\u2069]/.test(n)));
  assert.ok(shown.includes('(no name)'), 'an invisible name shows a placeholder');
  assert.ok(inside(seen.answer, seen.window) && inside(seen.decline, seen.window));
  await decline();
});

test('the options page shows such names without scrolling sideways', async () => {
  const options = await lab.browser.context.newPage();
  await options.setViewportSize({ width: 1024, height: 700 });
  await options.goto(lab.browser.optionsUrl);
  await options.waitForSelector('body[data-ready="true"]');
  await options.fill('#lookup-number', '06-1234-5678');
  await options.click('#lookup-run');
  await options.waitForSelector('#lookup-results[data-done="true"]', { state: 'attached' });
  const page = await options.evaluate(() => ({
    rows: [...document.querySelectorAll('#lookup-results tr[data-id]')].map((tr) => tr.querySelector('[data-field="name"]').textContent),
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  assert.ok(page.rows.length >= 5, JSON.stringify(page.rows));
  assert.ok(page.rows.includes('8765-4321-30'));
  assert.ok(page.scrollWidth <= page.clientWidth, `scrolls sideways: ${page.scrollWidth} > ${page.clientWidth}`);
  await options.close();
});
