// What a hostile page, or a compromised content script, can reach: not the worker's secrets
// and call logs (chrome.storage.local is for trusted contexts only), not the phone engine.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevorg, launchBrowser, login, extensionStorage, eventually, inContentScript } from './harness.mjs';
import { panelState, panelUntil } from './panel.mjs';

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

test('a content script can neither read nor write what the worker keeps', async () => {
  // Something the worker acts on is stored: the org it learnt from this page.
  await eventually(async () => (await extensionStorage(browser.worker)).orgs,
    'the worker learnt the org');
  const read = await inContentScript(page, () => chrome.storage.local.get(null));
  assert.ok(read?.threw, `read: ${JSON.stringify(read)}`);
  const write = await inContentScript(page, () => chrome.storage.local.set({ 'log:forged': { forged: true } }));
  assert.ok(write?.threw, `write: ${JSON.stringify(write)}`);
  const session = await inContentScript(page, () => chrome.storage.session.get(null));
  assert.ok(session?.threw, `session: ${JSON.stringify(session)}`);
  assert.equal((await extensionStorage(browser.worker))['log:forged'], undefined, 'nothing forged was stored');
});

test('a page cannot make the docked phone stand down, hide it, or take it away', async () => {
  const tab = await browser.context.newPage();
  // Before any of our code runs, the page makes an element with the panel host's id.
  await tab.addInitScript(() => {
    const fake = document.createElement('div');
    fake.id = 'sfphone-panel-host';
    fake.dataset.impostor = 'yes';
    document.documentElement.append(fake);
  });
  await tab.goto(devorg.lightningUrl('/lightning/page/home'));
  await panelUntil(tab, 'our panel', (s) => s.line);
  const hosts = await tab.evaluate(() => [...document.querySelectorAll('#sfphone-panel-host')]
    .map((h) => h.dataset.impostor ?? 'ours'));
  assert.deepEqual(hosts, ['ours'], 'the impostor is gone; ours is there');
  // The page restyles the host to hide it (or to lay it, transparent, over a decoy).
  await tab.evaluate(() => {
    const style = document.createElement('style');
    style.textContent = '#sfphone-panel-host { opacity: 0 !important; visibility: hidden !important; display: none !important; }';
    document.head.append(style);
    const host = document.getElementById('sfphone-panel-host');
    host.style.setProperty('opacity', '0', 'important');
    host.hidden = true;
  });
  await tab.waitForTimeout(300);
  const seen = await tab.evaluate(() => {
    const host = document.getElementById('sfphone-panel-host');
    const s = getComputedStyle(host);
    return { opacity: s.opacity, visibility: s.visibility, display: s.display, hidden: host.hidden };
  });
  assert.deepEqual(seen, { opacity: '1', visibility: 'visible', display: 'block', hidden: false });
  // And takes it out of the document: it comes back.
  await tab.evaluate(() => document.getElementById('sfphone-panel-host').remove());
  await eventually(() => tab.evaluate(() => !!document.getElementById('sfphone-panel-host')), 'the panel back');
  assert.ok((await panelState(tab)).line, 'and it still works');
  await tab.close();
});

test('a page cannot tell the extension is installed by fetching its files', async () => {
  // The files the content script loads are web-accessible under a per-session id only: the
  // extension's fixed id (what a page would probe) gives nothing.
  const tab = await browser.context.newPage();
  await tab.goto(devorg.lightningUrl('/lightning/page/home'));
  await panelUntil(tab, 'the panel (our wasm loaded)', (s) => s.line);
  const probed = await tab.evaluate(async (id) => {
    const results = {};
    for (const file of ['wasm/content.js', 'dial.css', 'manifest.json']) {
      results[file] = await fetch(`chrome-extension://${id}/${file}`).then((r) => r.status, () => 'refused');
    }
    return results;
  }, browser.extensionId);
  assert.deepEqual(probed, { 'wasm/content.js': 'refused', 'dial.css': 'refused', 'manifest.json': 'refused' });
  await tab.close();
});
