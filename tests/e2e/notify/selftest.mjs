// The proof that dbus-notifications.mjs presses real chrome.notifications buttons: a throwaway MV3
// extension (written to a temporary folder, not kept) whose service worker shows notifications
// and records onButtonClicked / onClicked / onClosed in chrome.storage.local, a real Chromium
// (/usr/bin/chromium) whose session bus is the server's, and the server pressing the buttons.
//
//   node tests/e2e/notify/selftest.mjs           # --headless=new
//   node tests/e2e/notify/selftest.mjs --xvfb    # with a window on an Xvfb display of its own
//
// Prints one PASS/FAIL line per check and "N passed, N failed"; exits 1 on any failure.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { chromium } from 'playwright-core';
import { startNotificationServer, BUTTON, DEFAULT_ACTION, SETTINGS_ACTION } from './dbus-notifications.mjs';

const withWindow = process.argv.includes('--xvfb');
const ICON = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const SERVICE_WORKER = `
// Events are appended one after the other (a chain), so that two close together both land.
let chain = Promise.resolve();
const log = (event) => {
  chain = chain.then(async () => {
    const { events = [] } = await chrome.storage.local.get('events');
    await chrome.storage.local.set({ events: [...events, event] });
  });
};
chrome.notifications.onButtonClicked.addListener((id, index) => log(['onButtonClicked', id, index]));
chrome.notifications.onClicked.addListener((id) => log(['onClicked', id]));
chrome.notifications.onClosed.addListener((id, byUser) => log(['onClosed', id, byUser]));
self.show = (id, options = {}) => new Promise((resolve) => chrome.notifications.create(id, {
  type: 'basic', iconUrl: 'icon.png', title: 'Incoming call', message: 'Ada Lovelace, +33 1 23 45 67 89',
  buttons: [{ title: 'Answer' }, { title: 'Decline' }], requireInteraction: true, ...options,
}, resolve));
`;

let passed = 0;
let failed = 0;
const check = (what, ok, detail = '') => {
  if (ok) passed += 1; else failed += 1;
  console.log(`${ok ? 'PASS' : 'FAIL'} ${what}${ok || !detail ? '' : `: ${detail}`}`);
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function startXvfb() {
  const xvfb = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    xvfb.stdio[3].on('data', (chunk) => {
      out += chunk;
      if (out.endsWith('\n')) resolve({ xvfb, display: `:${out.trim()}` });
    });
    xvfb.once('error', reject);
    xvfb.once('exit', (code) => reject(new Error(`Xvfb exited with ${code}`)));
  });
}

const ext = mkdtempSync(join(tmpdir(), 'notify-selftest-ext-'));
const profile = mkdtempSync(join(tmpdir(), 'notify-selftest-profile-'));
let server;
let context;
let xvfb;
try {
  writeFileSync(join(ext, 'manifest.json'), JSON.stringify({
    manifest_version: 3, name: 'notify selftest', version: '1',
    permissions: ['notifications', 'storage'], background: { service_worker: 'sw.js' },
  }));
  writeFileSync(join(ext, 'icon.png'), Buffer.from(ICON, 'base64'));
  writeFileSync(join(ext, 'sw.js'), SERVICE_WORKER);

  // The server first: Chromium asks it for its capabilities once, when it starts.
  server = await startNotificationServer();
  let display = '';
  if (withWindow) ({ xvfb, display } = await startXvfb());
  context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: false,
    args: [
      `--disable-extensions-except=${ext}`, `--load-extension=${ext}`, '--no-sandbox', '--no-first-run',
      ...(withWindow ? [] : ['--headless=new']),
    ],
    env: { ...process.env, DISPLAY: display, DBUS_SESSION_BUS_ADDRESS: server.address, TMPDIR: profile },
  });
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  const events = async () => (await worker.evaluate(() => chrome.storage.local.get('events'))).events ?? [];
  const eventsUntil = async (what, wanted) => {
    for (let i = 0; i < 50; i += 1) {
      const got = await events();
      if (isDeepStrictEqual(got, wanted)) return got;
      await sleep(100);
    }
    return events();
  };
  const getAll = () => worker.evaluate(() => chrome.notifications.getAll());

  console.log(`# Chromium ${context.browser()?.version() ?? ''} ${withWindow ? `on Xvfb ${display}` : '--headless=new'}, bus ${server.address}`);

  // 1. The notification arrives at the server with its title, message and the two buttons.
  await worker.evaluate(() => self.show('call-1'));
  const n = await server.until((shown) => shown.find((x) => x.summary === 'Incoming call'), { what: 'call-1' });
  check('Chromium asked GetCapabilities, then GetServerInformation',
    isDeepStrictEqual(server.calls().slice(0, 2).map(([m]) => m), ['GetCapabilities', 'GetServerInformation']),
    JSON.stringify(server.calls()));
  check('the notification is shown with its title and message',
    n.appName === 'Chromium' && n.summary === 'Incoming call' && n.body === 'Ada Lovelace, +33 1 23 45 67 89',
    JSON.stringify(n));
  check('its actions: the two buttons as "0" and "1", then "default" and "settings"',
    isDeepStrictEqual(n.actions,
      [[BUTTON(0), 'Answer'], [BUTTON(1), 'Decline'], [DEFAULT_ACTION, 'Activate'], [SETTINGS_ACTION, 'Settings']]),
    JSON.stringify(n.actions));
  check('chrome.notifications.getAll() lists it', isDeepStrictEqual(await getAll(), { 'call-1': true }));

  // 2. Button 0 pressed (the popup left up): onButtonClicked(id, 0), and it is still there.
  await server.press(n.id, BUTTON(0), { close: false });
  check('press(id, "0") fires onButtonClicked with buttonIndex 0',
    isDeepStrictEqual(await eventsUntil('button 0', [['onButtonClicked', 'call-1', 0]]), [['onButtonClicked', 'call-1', 0]]),
    JSON.stringify(await events()));
  check('a button press alone does not close it in Chromium', isDeepStrictEqual(await getAll(), { 'call-1': true }));

  // 3. The notification itself clicked, closed after as a server does: onClicked, onClosed(true).
  await server.press(n.id, DEFAULT_ACTION);
  const afterClick = [['onButtonClicked', 'call-1', 0], ['onClicked', 'call-1'], ['onClosed', 'call-1', true]];
  check('press(id, "default") fires onClicked, then the server\'s NotificationClosed fires onClosed(byUser)',
    isDeepStrictEqual(await eventsUntil('click', afterClick), afterClick), JSON.stringify(await events()));
  check('getAll() no longer lists it', isDeepStrictEqual(await getAll(), {}));

  // 4. update() replaces it on the server (replaces_id), clear() closes it there.
  await worker.evaluate(() => chrome.storage.local.set({ events: [] }));
  await worker.evaluate(() => self.show('call-2'));
  const m = await server.until((shown) => shown.find((x) => x.summary === 'Incoming call'), { what: 'call-2' });
  check('a new notification gets a new id', m.id !== n.id, `${m.id} after ${n.id}`);
  await worker.evaluate(() => new Promise((resolve) => chrome.notifications.update('call-2', { title: 'Missed call', buttons: [] }, resolve)));
  const updated = await server.until((shown) => shown.find((x) => x.summary === 'Missed call'), { what: 'the update' });
  check('chrome.notifications.update() is a Notify with replaces_id, the same id, without the buttons',
    updated.id === m.id && updated.replacesId === m.id
      && isDeepStrictEqual(updated.actions, [[DEFAULT_ACTION, 'Activate'], [SETTINGS_ACTION, 'Settings']]),
    JSON.stringify(updated));
  await worker.evaluate(() => chrome.notifications.clear('call-2'));
  await server.until((shown) => !shown.some((x) => x.id === m.id), { what: 'the clear' });
  check('chrome.notifications.clear() is a CloseNotification', server.calls().some(([c, id]) => c === 'CloseNotification' && id === m.id));

  // 5. Button 1 pressed (closed after), and one dismissed.
  await worker.evaluate(() => self.show('call-3'));
  await worker.evaluate(() => self.show('call-4', { title: 'Voicemail' }));
  const c3 = await server.until((shown) => shown.find((x) => x.summary === 'Incoming call'), { what: 'call-3' });
  const c4 = await server.until((shown) => shown.find((x) => x.summary === 'Voicemail'), { what: 'call-4' });
  await server.press(c3.id, BUTTON(1));
  await server.close(c4.id);
  const last = [['onButtonClicked', 'call-3', 1], ['onClosed', 'call-3', true], ['onClosed', 'call-4', true]];
  check('press(id, "1") fires onButtonClicked with buttonIndex 1; close(id) fires onClosed(byUser)',
    isDeepStrictEqual(await eventsUntil('button 1 and dismiss', last), last), JSON.stringify(await events()));
  check('every Notify is kept by all(), replacements included', server.all().length === 5, JSON.stringify(server.all().map((x) => [x.id, x.replacesId, x.summary])));
} catch (error) {
  check('the run', false, error.stack);
} finally {
  await context?.close().catch(() => {});
  await server?.stop();
  xvfb?.kill('SIGTERM');
  rmSync(profile, { recursive: true, force: true });
  rmSync(ext, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
