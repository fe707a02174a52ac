// What the call-logging tests share: a browser logged in to the devorg with the org connected,
// messages to the worker from the options page (an extension page, as the phone is), and a
// finished call as the phone reports it.
import { launchBrowser, login, eventually } from './harness.mjs';

export const CONTACT_ID = '0035g00000Yam4dAAB';
export const CONTACT = `/lightning/r/Contact/${CONTACT_ID}/view`;
export const ACME = '0015g00000AcMeAAAV';
export const ORG = '00D5g000004ABCD';

/** Chromium with the extension, a Lightning page logged in, and the options page once the org is known. */
export async function connect(devorg, { mapping } = {}) {
  const browser = await launchBrowser(devorg);
  const page = await browser.context.newPage();
  await login(page, devorg, CONTACT);
  const options = await browser.context.newPage();
  await eventually(async () => {
    await options.goto(browser.optionsUrl);
    await options.waitForSelector('body[data-ready="true"]');
    const state = await options.evaluate(() => document.querySelector('#orgs tr[data-org]')?.dataset.state);
    return state && state !== 'CHECKING';
  }, 'the org connection');
  if (mapping) await browser.worker.evaluate((m) => chrome.storage.local.set({ fieldMapping: m }), mapping);
  return { browser, page, options };
}

/** Sends a message to the worker from the options page. */
export function send(options, message) {
  return options.evaluate((m) => chrome.runtime.sendMessage({ v: 1, ...m }), message);
}

/** A three-minute outbound call that just ended. */
export function call(callId, extra = {}) {
  const now = Date.now();
  return {
    callId, direction: 'Outbound', remoteNumber: '+81312345678',
    dialStartedMs: now - 200000, answeredMs: now - 180000, endedMs: now,
    memoTags: [], comments: '', ...extra,
  };
}
