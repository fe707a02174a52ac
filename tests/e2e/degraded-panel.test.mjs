// Degraded mode (a Lightning page whose CSP forbids our wasm in the page) still has the docked
// phone: the same panel, run in an extension frame (panel.html) that the content script docks
// and sizes. A call dialled there is seen and hung up there, an incoming call shows its card
// and is answered there, and the page can neither remove nor restyle the frame, nor resize it
// by speaking as the frame.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { login, eventually, extensionStorage, until } from './harness.mjs';
import { panelUntil, click } from './panel.mjs';
import { USERS } from './sip/kamailio.mjs';
import { startPhoneLab, setUpPhone } from './sip/lab.mjs';

const CONTACT = '0035g00000Yam4dAAB';
const ACCOUNT = '0015g00000AcMeAAAV';
const STRICT = `/lightning/r/Account/${ACCOUNT}/view?csp=strict&shadow=open`;

let lab;
let lightning;

const farUntil = (user, what, pred) => until(() => lab.farLast(user), pred, what, 'far end');
const frameBox = () => lightning.evaluate(() => {
  const frame = document.querySelector('#sfphone-panel-frame');
  if (!frame) return null;
  const r = frame.getBoundingClientRect();
  return { height: r.height, width: r.width, bottom: r.bottom, right: r.right, opacity: getComputedStyle(frame).opacity,
    window: { width: innerWidth, height: innerHeight } };
});

before(async () => {
  lab = await startPhoneLab({ farEnds: [[USERS.contact, 'answer']] });
  await (await setUpPhone(lab)).close();
  lightning = await lab.browser.context.newPage();
  await login(lightning, lab.devorg, STRICT);
  await eventually(async () => (await lightning.getAttribute('html', 'data-sfphone-mode')) === 'degraded', 'degraded mode');
  await eventually(async () => Object.values((await extensionStorage(lab.browser.worker)).orgs ?? {})
    .some((o) => o.state === 'CONNECTED'), 'the org connected');
});
after(async () => {
  await lab?.stop();
});

test('the page has no wasm, yet the docked phone is there, in its own frame, registered', async () => {
  const noPanelInPage = await lightning.evaluate(() => document.getElementById('sfphone-panel-host'));
  assert.equal(noPanelInPage, null, 'no panel in the page itself: its CSP forbids our wasm there');
  const state = await panelUntil(lightning, 'registered', (s) => s.line === 'REGISTERED');
  assert.equal(state.expanded, 'false');
  const box = await frameBox();
  assert.ok(box.height > 20 && box.height < 100, `collapsed, the frame is as tall as the bar: ${JSON.stringify(box)}`);
  assert.ok(Math.abs(box.bottom - box.window.height) < 1, 'docked at the bottom');
});

test('a click-to-call from the strict page is seen, and hung up, in the framed panel', async () => {
  await lightning.locator('lightning-formatted-phone a[href="tel:03-1234-5678"]').first().click();
  const up = await panelUntil(lightning, 'connected', (s) => s.phase === 'phase_CONNECTED');
  assert.equal(up.peer, '03-1234-5678');
  // Opened, the panel is taller: the frame follows it.
  if (up.expanded !== 'true') await click(lightning, '.toggle');
  await panelUntil(lightning, 'opened', (s) => s.expanded === 'true');
  const box = await eventually(async () => {
    const b = await frameBox();
    return b.height > 100 ? b : null;
  }, 'the frame grown to the opened panel');
  assert.ok(box.height <= box.window.height, 'never taller than the window');
  await farUntil(USERS.contact.user, 'the contact answered', (s) => s.events.includes('confirmed'));
  await click(lightning, '.hangup');
  await farUntil(USERS.contact.user, 'ended', (s) => s.events.some((e) => e.startsWith('ended')));
  await panelUntil(lightning, 'ended', (s) => s.phase === 'end_HUNG_UP');
});

test('an incoming call shows the caller\'s card in the framed panel and is answered there', async () => {
  await lab.far.evaluate((u) => window.Far.call(u, '1001'), USERS.contact.user);
  const ringing = await panelUntil(lightning, 'the caller card', (s) => s.phase === 'phase_INCOMING'
    && s.caller?.matches.length >= 1);
  assert.equal(ringing.caller.matches[0].name, '山田 太郎');
  assert.equal(ringing.caller.matches[0].id, CONTACT);
  await click(lightning, '.answer');
  await panelUntil(lightning, 'connected', (s) => s.phase === 'phase_CONNECTED');
  await lab.far.evaluate((u) => window.Far.hangup(u), USERS.contact.user);
  await panelUntil(lightning, 'remote hang-up', (s) => s.phase === 'end_REMOTE_HUNG_UP');
});

test('the page cannot remove, hide or resize the frame', async () => {
  // The panel resizes itself as the last call's end screen settles: wait for a steady frame.
  await eventually(async () => {
    const first = (await frameBox())?.height;
    await lightning.waitForTimeout(400);
    return first === (await frameBox())?.height;
  }, 'a steady frame', 20);
  await lightning.evaluate(() => {
    const frame = document.querySelector('#sfphone-panel-frame');
    frame.style.opacity = '0';
    frame.setAttribute('hidden', '');
    // Speaking as the frame: another source, so not taken.
    window.postMessage({ sfphonePanelHeight: 3 }, '*');
  });
  await lightning.waitForTimeout(300);
  const after = await frameBox();
  assert.equal(after.opacity, '1', 'restyled back');
  assert.notEqual(after.height, 3, 'a page\'s message does not size the frame');
  assert.ok(after.height > 20, `the frame keeps the panel's own height: ${after.height}`);
  await lightning.evaluate(() => document.querySelector('#sfphone-panel-frame').remove());
  await eventually(async () => (await frameBox()) !== null, 'the frame put back');
  await panelUntil(lightning, 'the panel again', (s) => s.line === 'REGISTERED');
});
