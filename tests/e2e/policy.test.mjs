// Managed settings end to end, with a real Chromium enterprise policy: Chromium on Linux reads
// the JSON files of /etc/chromium/policies/managed/, and hands an extension its part
// ("3rdparty" → "extensions" → its id) as chrome.storage.managed, checked against the
// extension's managed_schema.json. The test writes that file (it runs as root, as CI does;
// without write access to the folder it says so and fails), and removes it after; build.sh
// removes one a killed run left behind before any e2e test starts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync, rmSync, realpathSync } from 'node:fs';
import { launchBrowser, startDevorg, login, eventually, extensionStorage, DIST } from './harness.mjs';
import { inPanel, panelUntil } from './panel.mjs';
import { startKamailio, USERS } from './sip/kamailio.mjs';
import { MEDIA_ARGS } from './sip/lab.mjs';
import { send, ORG } from './logs.mjs';

export const POLICY_DIR = '/etc/chromium/policies/managed';
export const POLICY_FILE = `${POLICY_DIR}/sfphone-e2e.json`;
const CONTACT = '/lightning/r/Contact/0035g00000Yam4dAAB/view';

/** An unpacked extension's id: the first 32 hex digits of SHA-256 of its path, as a-p. */
function unpackedId(path) {
  const hex = createHash('sha256').update(path).digest('hex').slice(0, 32);
  return [...hex].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join('');
}

const extensionId = unpackedId(realpathSync(DIST));

function writePolicy(settings) {
  mkdirSync(POLICY_DIR, { recursive: true });
  writeFileSync(POLICY_FILE, JSON.stringify({ '3rdparty': { extensions: { [extensionId]: settings } } }));
}

let kamailio;
let devorg;
let browser;
let options;

const MAPPING = { dialStartField: 'DialStart__c', callEndField: 'CallEnd__c', subjectTemplate: '{direction} {number}' };

before(async () => {
  kamailio = await startKamailio();
  devorg = await startDevorg();
  writePolicy({
    sipServer: kamailio.browserWsUrl,
    defaultRegion: 'US',
    fieldMapping: MAPPING,
    ringing: { screenPop: 'RING' },
    // Not one of ours: left out, named in the status, the rest applies.
    colour: 'red',
  });
  // No region chosen by the user: the policy's, then (once it is gone) the browser's.
  browser = await launchBrowser(devorg, { extraArgs: MEDIA_ARGS, region: null });
});

after(async () => {
  rmSync(POLICY_FILE, { force: true });
  await browser?.close();
  devorg?.stop();
  await kamailio?.stop();
});

async function openOptions() {
  const page = options ?? (options = await browser.context.newPage());
  await page.goto(browser.optionsUrl);
  await page.waitForSelector('body[data-ready="true"]');
  return page;
}

test('the policy reaches the extension as managed storage, bad values named', async () => {
  assert.equal(browser.extensionId, extensionId, 'the policy file is written for this extension');
  const managed = await browser.worker.evaluate(() => chrome.storage.managed.get(null));
  assert.equal(managed.sipServer, kamailio.browserWsUrl);
  assert.deepEqual(managed.fieldMapping, MAPPING);
  const page = await browser.context.newPage();
  await login(page, devorg, CONTACT);
  const status = await send(await openOptions(), { kind: 'OptionsStatus' });
  assert.deepEqual(status.managed.sort(), ['defaultRegion', 'fieldMapping', 'ringing.screenPop', 'sipServer']);
  // Chromium drops what the schema does not name before we see it; anything else it let
  // through and we could not use would be named here.
  assert.deepEqual(status.policyProblems, []);
  await page.close();
});

test('the options page shows managed values locked, "Set by your administrator"', async () => {
  const page = await openOptions();
  const server = page.locator('#phone-form [name=websocketUrl]');
  await eventually(async () => (await server.inputValue()) === kamailio.browserWsUrl, 'the policy server shown');
  assert.equal(await server.isDisabled(), true);
  const note = page.locator('[data-managed="true"]:has([name=websocketUrl]) .managed-note');
  assert.equal(await note.textContent(), 'Set by your administrator');
  assert.equal(await page.locator('#phone-form [name=screenPop]').inputValue(), 'RING');
  assert.equal(await page.locator('#phone-form [name=screenPop]').isDisabled(), true);
  // What the policy does not set stays the user's to change.
  assert.equal(await page.locator('#phone-form [name=sipUri]').isDisabled(), false);
  assert.equal(await page.locator('#phone-form [name=notify]').isDisabled(), false);
  assert.equal(await page.locator('#dial-region').inputValue(), 'US');
  assert.equal(await page.locator('#dial-region').isDisabled(), true);
  assert.equal(await page.locator('#map-dialStartField').isDisabled(), true);
  assert.equal(await page.locator('#map-dialStartField').inputValue(), 'DialStart__c');
  assert.equal(await page.locator('#mapping-save').isDisabled(), true);
  assert.equal(await page.locator('#confirm-costly').isDisabled(), false);
});

test('the phone registers to the policy\'s server with the user\'s own account', async () => {
  const page = await openOptions();
  await page.fill('#phone-form [name=sipUri]', `sip:${USERS.phone.user}@sip.test`);
  await page.fill('#phone-form [name=password]', USERS.phone.password);
  await page.click('#phone-save');
  await eventually(async () => (await page.locator('#phone-result').getAttribute('data-state')) === 'SAVED', 'saved');
  const lightning = await browser.context.newPage();
  await lightning.goto(devorg.lightningUrl(CONTACT));
  await panelUntil(lightning, 'registered to the policy server', (s) => s.line === 'REGISTERED');
  // The user's own settings hold no server: the policy's is applied on top, never copied in.
  const stored = await extensionStorage(browser.worker);
  assert.equal(stored.phoneSettings.websocketUrl, '');
  assert.equal(stored.phoneSettings.sipUri, `sip:${USERS.phone.user}@sip.test`);
  await lightning.close();
});

test('calls log with the policy\'s mapping, numbers read as the policy\'s region', async () => {
  const page = await openOptions();
  // A US national number: read as +1 415… under the policy's region (Japanese, it is none).
  await page.fill('#lookup-number', '(415) 555-0100');
  await page.click('#testlog-run');
  await page.waitForSelector('#testlog-result[data-done="true"]');
  assert.equal(await page.getAttribute('#testlog-result', 'data-code'), 'DONE');
  const task = (await devorg.records('Task')).find((t) => t.CallObject?.startsWith('test-'));
  assert.ok(task, 'the test call log wrote its Task');
  assert.match(task.DialStart__c, /^\d{4}-\d\d-\d\dT/, 'the managed mapping filled the dial start');
  assert.ok(task.CallEnd__c, 'and the call end');
  assert.match(task.Subject, /\(415\) 555-0100/, 'the managed subject template, the number as the US writes it');
  // A mapping the policy sets cannot be changed by the user, even by a message.
  const refused = await send(page, { kind: 'SaveFieldMapping', orgId: ORG, mapping: { dialStartField: 'CallStart__c' } });
  assert.equal(refused.kind, 'Error');
  assert.equal(refused.code, 'SET_BY_ADMIN');
});

test('a policy changed while the browser runs applies at once; the user\'s own values come back', async () => {
  writePolicy({ sipServer: kamailio.browserWsUrl, fieldMapping: MAPPING });
  const page = await openOptions();
  // Chromium watches the folder; the worker hears of the change through storage.onChanged.
  await eventually(async () => {
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    return !(await page.locator('#dial-region').isDisabled());
  }, 'the region unlocked', 300);
  assert.equal(await page.locator('[data-managed="true"]:has(#dial-region)').count(), 0);
  // The user never chose one: a first run's region, from the browser's language (en-US).
  assert.equal(await page.locator('#dial-region').inputValue(), 'US');
  assert.equal(await page.locator('#phone-form [name=screenPop]').isDisabled(), false);
  const lightning = await browser.context.newPage();
  await lightning.goto(devorg.lightningUrl(CONTACT));
  await panelUntil(lightning, 'still registered', (s) => s.line === 'REGISTERED');
  assert.ok(await inPanel(lightning, (root) => !!root), 'the panel is there');
  await lightning.close();
});
