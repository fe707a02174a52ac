// The manifest's keyboard shortcuts pressed for real. A headless Chromium cannot press them (CDP
// key events go to the page, not to the browser's accelerators), so this file runs Chromium with
// a window on an Xvfb display of its own and presses the manifest's suggested keys there with
// xdotool, an X key event through XTEST like a keyboard's: Chromium's own command handling fires
// chrome.commands.onCommand, and the worker opens the dialer in the Lightning tab, answers the
// call that rings, and hangs up.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { login, until, DIST } from './harness.mjs';
import { inPanel, panelState, panelUntil } from './panel.mjs';
import { USERS } from './sip/kamailio.mjs';
import { startPhoneLab, setUpPhone } from './sip/lab.mjs';

const CONTACT = '/lightning/r/Contact/0035g00000Yam4dAAB/view';
const COMMANDS = JSON.parse(readFileSync(join(DIST, 'manifest.json'), 'utf8')).commands;
const key = (name) => COMMANDS[name].suggested_key.default;
const SHORTCUT = key('open-dialer');

let xvfb;
let display;
let lab;
let browser;
let lightning;

const xdotool = async (...args) =>
  (await promisify(execFile)('xdotool', args, { env: { ...process.env, DISPLAY: display } })).stdout.trim();

/** Starts Xvfb on a display number it finds free itself (-displayfd); resolves with ":N". */
function startXvfb() {
  xvfb = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  xvfb.stderr.on('data', (chunk) => { stderr += chunk; });
  return new Promise((resolveDisplay, reject) => {
    let out = '';
    xvfb.stdio[3].on('data', (chunk) => {
      out += chunk;
      if (out.endsWith('\n')) resolveDisplay(`:${out.trim()}`);
    });
    xvfb.once('error', reject);
    xvfb.once('exit', (code) => reject(new Error(`Xvfb exited with ${code}: ${stderr}`)));
  });
}

before(async () => {
  display = await startXvfb();
  lab = await startPhoneLab({ farEnds: [[USERS.far, 'ring']], headless: false, env: { DISPLAY: display } });
  browser = lab.browser;
  lightning = await browser.context.newPage();
  await login(lightning, lab.devorg, CONTACT);
});

after(async () => {
  await lab?.stop();
  xvfb?.kill('SIGTERM');
});

/**
 * Keyboard focus to the Lightning tab's window (no window manager: xdotool sets the X input
 * focus; the window is found by the page's title, which Chromium puts in its window's name).
 */
async function focusLightning() {
  await lightning.bringToFront();
  const title = (await lightning.title()).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const [window] = (await xdotool('search', '--sync', '--onlyvisible', '--name', `^${title}`)).split('\n');
  await xdotool('windowfocus', '--sync', window);
}

/** Presses `keys` in the Lightning tab's window, as a keyboard does. */
async function press(keys) {
  await focusLightning();
  await xdotool('key', '--clearmodifiers', keys.toLowerCase());
}

test('the open-dialer shortcut, pressed on the keyboard, opens the panel with the number field focused', async () => {
  // The panel is there on a Lightning page without any phone account, collapsed.
  const before = await panelUntil(lightning, 'the panel', (s) => s.line);
  assert.equal(before.line, 'UNCONFIGURED');
  assert.equal(before.expanded, 'false');
  // Chromium binds a suggested key only if it is not one of its own shortcuts (it refuses
  // Alt+Shift+P, for one): the key is bound as the manifest suggests.
  const commands = await browser.worker.evaluate(() => chrome.commands.getAll());
  assert.deepEqual(commands.map((c) => [c.name, c.shortcut]).sort(),
    ['answer-call', 'hang-up', 'open-dialer'].map((name) => [name, key(name)]));
  await press(SHORTCUT);
  await panelUntil(lightning, 'the panel opened by the shortcut', (s) => s.expanded === 'true');
  assert.equal(await inPanel(lightning, (root) => root.activeElement?.className), 'number');
  // The focus is real: what is typed next goes into the number field.
  await xdotool('type', '--delay', '20', '0312345678');
  const typed = await inPanel(lightning, (root) => root.querySelector('.number').value);
  assert.equal(typed, '0312345678');
  assert.equal((await panelState(lightning)).line, 'UNCONFIGURED');
});

test('the answer and hang-up shortcuts, pressed on the keyboard, answer the call that rings and end it', async () => {
  await (await setUpPhone(lab)).close();
  await panelUntil(lightning, 'registered', (s) => s.line === 'REGISTERED');
  await lab.far.evaluate(([u, t]) => window.Far.call(u, t), [USERS.far.user, USERS.phone.user]);
  await panelUntil(lightning, 'incoming', (s) => s.phase === 'phase_INCOMING');
  await press(key('answer-call'));
  await panelUntil(lightning, 'answered by the shortcut', (s) => s.phase === 'phase_CONNECTED');
  await until(() => lab.farLast(USERS.far.user), (s) => s.events.includes('confirmed'), 'far end connected', 'far end');
  await press(key('hang-up'));
  await panelUntil(lightning, 'hung up by the shortcut', (s) => s.phase === 'end_HUNG_UP');
  // A ringing call: hang-up declines it.
  await lab.far.evaluate(([u, t]) => window.Far.call(u, t), [USERS.far.user, USERS.phone.user]);
  await panelUntil(lightning, 'incoming', (s) => s.phase === 'phase_INCOMING');
  await press(key('hang-up'));
  await panelUntil(lightning, 'declined by the shortcut', (s) => s.phase === 'end_DECLINED');
});
