// The manifest's keyboard shortcut pressed for real. A headless Chromium cannot press it (CDP key
// events go to the page, not to the browser's accelerators), so this file runs Chromium with a
// window on an Xvfb display of its own and presses the manifest's suggested key there with
// xdotool, an X key event through XTEST like a keyboard's: Chromium's own command handling fires
// chrome.commands.onCommand, and the worker opens the dialer in the Lightning tab.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startDevorg, launchBrowser, login, DIST } from './harness.mjs';
import { inPanel, panelState, panelUntil } from './panel.mjs';

const CONTACT = '/lightning/r/Contact/0035g00000Yam4dAAB/view';
const SHORTCUT = JSON.parse(readFileSync(join(DIST, 'manifest.json'), 'utf8'))
  .commands['open-dialer'].suggested_key.default;

let xvfb;
let display;
let devorg;
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
  devorg = await startDevorg();
  browser = await launchBrowser(devorg, { headless: false, env: { DISPLAY: display } });
  lightning = browser.context.pages()[0] ?? (await browser.context.newPage());
  await login(lightning, devorg, CONTACT);
});

after(async () => {
  await browser?.close();
  devorg?.stop();
  xvfb?.kill('SIGTERM');
});

test('the open-dialer shortcut, pressed on the keyboard, opens the panel with the number field focused', async () => {
  // The panel is there on a Lightning page without any phone account, collapsed.
  const before = await panelUntil(lightning, 'the panel', (s) => s.line);
  assert.equal(before.line, 'UNCONFIGURED');
  assert.equal(before.expanded, 'false');
  // Chromium binds a suggested key only if it is not one of its own shortcuts (it refuses
  // Alt+Shift+P, for one): the key is bound as the manifest suggests.
  const commands = await browser.worker.evaluate(() => chrome.commands.getAll());
  assert.deepEqual(commands.map((c) => [c.name, c.shortcut]), [['open-dialer', SHORTCUT]]);
  // Keyboard focus to the browser window (no window manager: xdotool sets the X input focus) and
  // to the Lightning tab.
  await lightning.bringToFront();
  const [window] = (await xdotool('search', '--sync', '--onlyvisible', '--class', 'chromium')).split('\n');
  await xdotool('windowfocus', '--sync', window);
  await xdotool('key', '--clearmodifiers', SHORTCUT.toLowerCase());
  await panelUntil(lightning, 'the panel opened by the shortcut', (s) => s.expanded === 'true');
  assert.equal(await inPanel(lightning, (root) => root.activeElement?.className), 'number');
  // The focus is real: what is typed next goes into the number field.
  await xdotool('type', '--delay', '20', '0312345678');
  const typed = await inPanel(lightning, (root) => root.querySelector('.number').value);
  assert.equal(typed, '0312345678');
  assert.equal((await panelState(lightning)).line, 'UNCONFIGURED');
});
