// The phone in an org whose edition has no API (Professional Edition without the API add-on,
// the seed's table): it still registers, dials from a record page and takes calls with the
// popup, and says plainly what it cannot do (no lookup, no Task), without spending requests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { login, eventually } from './harness.mjs';
import { click, panelUntil } from './panel.mjs';
import { USERS } from './sip/kamailio.mjs';
import { startPhoneLab, setUpPhone } from './sip/lab.mjs';

const CONTACT = '/lightning/r/Contact/0035g00000Yam4dAAB/view';
const NO_API = /^This org's edition has no API access/;

let lab;
let lightning;

before(async () => {
  lab = await startPhoneLab({
    devorgArgs: ['--edition', 'professional'],
    farEnds: [[USERS.contact, 'answer']],
  });
  await (await setUpPhone(lab)).close();
  lightning = await lab.browser.context.newPage();
  await login(lightning, lab.devorg, CONTACT);
  await panelUntil(lightning, 'registered', (s) => s.line === 'REGISTERED');
  // The worker learns the edition from the page's org once; nothing after that asks the API.
  await eventually(async () => (await lab.devorg.apiRequests()).length > 0, 'the connection check');
  await lightning.waitForTimeout(1000);
});

after(async () => {
  await lab?.stop();
});

test('no API: click-to-call dials, and the call is not logged, saying why, with no request made', async () => {
  const before = (await lab.devorg.apiRequests()).length;
  await lightning.locator('lightning-formatted-phone a[href="tel:03-1234-5678"]').first().click();
  await panelUntil(lightning, 'connected', (s) => s.phase === 'phase_CONNECTED');
  await click(lightning, '.hangup');
  const ended = await panelUntil(lightning, 'the log note', (s) => s.phase === 'end_HUNG_UP' && s.logged);
  assert.match(ended.logged.text, /^Not logged: This org's edition has no API access/);
  assert.equal(ended.logged.href, null);
  assert.equal((await lab.devorg.apiRequests()).length, before, 'no API request');
  assert.equal((await lab.devorg.records('Task')).length, 0);
});

test('no API: an incoming call rings with a card that says why the caller is not looked up', async () => {
  const before = (await lab.devorg.apiRequests()).length;
  await lab.far.evaluate(([u, t]) => window.Far.call(u, t), [USERS.contact.user, USERS.phone.user]);
  const ringing = await panelUntil(lightning, 'the caller card',
    (s) => s.phase === 'phase_INCOMING' && s.caller && s.caller.status !== '' && !/Looking/.test(s.caller.status));
  assert.match(ringing.caller.status, NO_API);
  assert.deepEqual(ringing.caller.matches, []);
  assert.equal(ringing.peer, '03-1234-5678');
  await click(lightning, '.answer');
  await panelUntil(lightning, 'connected', (s) => s.phase === 'phase_CONNECTED');
  await click(lightning, '.hangup');
  await panelUntil(lightning, 'ended', (s) => s.phase === 'end_HUNG_UP');
  assert.equal((await lab.devorg.apiRequests()).length, before, 'no API request');
});
