// What a hostile page, or a compromised content script, can reach: not the worker's secrets
// and call logs (chrome.storage.local is for trusted contexts only), not the phone engine.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevorg, launchBrowser, login, extensionStorage, eventually, inContentScript } from './harness.mjs';

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
