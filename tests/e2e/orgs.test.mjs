// Two orgs open in one browser (a consultant's two clients): calls are looked up and logged in
// the logging org only (the first connected, until the user chooses another on the options
// page), and the other org's tab shows no caller card, only where calls go.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { login, eventually, until, extensionStorage } from './harness.mjs';
import { panelUntil, click } from './panel.mjs';
import { USERS } from './sip/kamailio.mjs';
import { startPhoneLab, setUpPhone } from './sip/lab.mjs';

const CONTACT = '/lightning/r/Contact/0035g00000Yam4dAAB/view';
const CALLER = USERS.contact; // 03-1234-5678: 山田 太郎 in both orgs' demo data

let lab;
let acme;
let globex;
let orgIds;

const connected = async () => Object.values((await extensionStorage(lab.browser.worker)).orgs ?? {})
  .filter((o) => o.state === 'CONNECTED').map((o) => o.orgId);

before(async () => {
  lab = await startPhoneLab({ farEnds: [[CALLER, 'answer']], secondOrg: 'globex' });
  await (await setUpPhone(lab)).close();
  acme = await lab.browser.context.newPage();
  await login(acme, lab.devorg, CONTACT);
  await eventually(async () => (await connected()).length === 1, 'acme connected');
  globex = await lab.browser.context.newPage();
  await login(globex, lab.other, CONTACT);
  orgIds = await eventually(async () => { const c = await connected(); return c.length === 2 ? c : null; }, 'both connected');
});
after(async () => {
  await lab?.stop();
});

const searches = async (devorg) => (await devorg.apiRequests()).filter((r) => r.path.includes('/search')).length;
const tasks = async (devorg, callId) => (await devorg.records('Task')).filter((t) => t.CallObject === callId);

/** The caller rings; `shown` sees the card, `other` must not; answered and hung up. */
async function call(shown, other) {
  await lab.far.evaluate((u) => window.Far.call(u, '1001'), CALLER.user);
  const ringing = await panelUntil(shown, 'the caller card', (s) => s.phase === 'phase_INCOMING' && s.caller?.matches.length);
  const elsewhere = await panelUntil(other, 'ringing there too', (s) => s.phase === 'phase_INCOMING');
  await click(shown, '.answer');
  await panelUntil(shown, 'connected', (s) => s.phase === 'phase_CONNECTED');
  await click(shown, '.hangup');
  await panelUntil(shown, 'ended', (s) => s.phase === 'end_HUNG_UP');
  const seen = await until(() => lab.farLast(CALLER.user), (s) => s.events.some((e) => e.startsWith('ended')), 'far end ended', 'far');
  return { ringing, elsewhere, callId: seen.callId };
}

test('calls are looked up and logged in the first org connected; the other org\'s tab shows no card', async () => {
  const before = { acme: await searches(lab.devorg), globex: await searches(lab.other) };
  const { ringing, elsewhere, callId } = await call(acme, globex);
  assert.match(ringing.logging, /^Logging to acme \(00D/);
  assert.equal(elsewhere.caller, null, 'no card with acme\'s record names on globex\'s page');
  assert.match(elsewhere.logging, /logged in acme, not in this org/);
  await eventually(async () => (await tasks(lab.devorg, callId)).length === 1, 'the Task in acme');
  await acme.waitForTimeout(1000);
  assert.equal((await tasks(lab.devorg, callId)).length, 1);
  assert.equal((await tasks(lab.other, callId)).length, 0, 'nothing in globex');
  assert.equal(await searches(lab.other), before.globex, 'no lookup in globex');
  assert.ok(await searches(lab.devorg) > before.acme, 'the lookup ran in acme');
});

test('the user chooses the other org on the options page: the next call goes there only', async () => {
  const options = await lab.browser.context.newPage();
  await options.goto(lab.browser.optionsUrl);
  await options.waitForSelector('body[data-ready="true"]');
  const globexId = orgIds.find((id) => id !== '00D5g000004ABCD');
  assert.equal(await options.locator('#logging-org').inputValue(), '00D5g000004ABCD', 'acme first');
  await options.selectOption('#logging-org', globexId);
  await options.click('#logging-save');
  await eventually(async () => (await options.locator('#logging-result').getAttribute('data-saved')) === 'true', 'saved');
  await options.close();
  await panelUntil(globex, 'the new logging org', (s) => /^Logging to globex/.test(s.logging));
  const { elsewhere, callId } = await call(globex, acme);
  assert.equal(elsewhere.caller, null, 'acme\'s tab shows no card now');
  await eventually(async () => (await tasks(lab.other, callId)).length === 1, 'the Task in globex');
  await globex.waitForTimeout(1000);
  assert.equal((await tasks(lab.devorg, callId)).length, 0, 'nothing in acme');
});
