// The phone lab shared by the phone tests, the benchmark and the demo: Kamailio, the devorg,
// the JsSIP far-end page with its phones registered, and Chromium with the built extension
// and a fake microphone; then the phone account and the microphone set as a user sets them on
// the options page.
import assert from 'node:assert/strict';
import { startDevorg, launchBrowser, eventually, login } from '../harness.mjs';
import { panelUntil } from '../panel.mjs';
import { startKamailio, USERS } from './kamailio.mjs';
import { serveFarEnd } from './farend.mjs';

/** Chromium flags for calls in a test: a fake microphone, no prompt, audio that may play. */
export const MEDIA_ARGS = [
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
];
/** The same without the autoplay switch: Chromium's own policy, as users have it. */
export const USER_AUTOPLAY_ARGS = MEDIA_ARGS.filter((a) => !a.startsWith('--autoplay-policy'));

/**
 * Starts everything; `farEnds` is `[[account, behaviour], …]` (behaviour: answer | busy | ring).
 * Resolves to `{ kamailio, devorg, browser, far, farLast(user), stop() }`.
 */
export async function startPhoneLab({
  devorgArgs = [], farEnds = [], headless = true, secondOrg = null, autoplay = true, env = {}, extraArgs = [],
} = {}) {
  const kamailio = await startKamailio();
  const devorg = await startDevorg(devorgArgs);
  // Another org open in the same browser (a consultant's second client): `--domain secondOrg`.
  const other = secondOrg ? await startDevorg(['--domain', secondOrg]) : null;
  const farServer = await serveFarEnd();
  const browser = await launchBrowser(other ? [devorg, other] : devorg, {
    headless, env, extraArgs: [...(autoplay ? MEDIA_ARGS : USER_AUTOPLAY_ARGS), ...extraArgs],
  });
  const lab = {
    kamailio, devorg, other, browser,
    far: await browser.context.newPage(),
    farLast: (user) => lab.far.evaluate((u) => window.Far.last(u), user),
    /** Stops what is running (a test may have replaced `lab.kamailio` by a restarted one). */
    async stop() {
      await browser.close();
      farServer.close();
      devorg.stop();
      other?.stop();
      await lab.kamailio.stop();
    },
  };
  await lab.far.goto(`http://localhost:${farServer.address().port}/far.html`);
  for (const [account, behaviour] of farEnds) {
    const reg = await lab.far.evaluate(([ws, u, p, b]) => window.Far.start(ws, u, p, b),
      [kamailio.browserWsUrl, account.user, account.password, behaviour]);
    if (reg !== 'registered') {
      await lab.stop();
      throw new Error(`far end ${account.user}: ${reg}`);
    }
  }
  return lab;
}

/** The phone account of user 1001 and the microphone, through the options page. */
export async function setUpPhone(lab, { displayName } = {}) {
  const options = await lab.browser.context.newPage();
  await options.goto(lab.browser.optionsUrl);
  await options.waitForSelector('body[data-ready="true"]');
  await options.fill('#phone-form [name=websocketUrl]', lab.kamailio.browserWsUrl);
  await options.fill('#phone-form [name=sipUri]', `sip:${USERS.phone.user}@sip.test`);
  await options.fill('#phone-form [name=password]', USERS.phone.password);
  if (displayName) await options.fill('#phone-form [name=displayName]', displayName);
  const result = () => options.locator('#phone-result').getAttribute('data-state');
  await options.click('#phone-save');
  await eventually(async () => (await result()) === 'SAVED', 'the phone settings');
  await options.click('#phone-microphone');
  await eventually(async () => (await result()) === 'MICROPHONE_GRANTED', 'the microphone');
  return options;
}

/**
 * Audio flows both ways, seen from the far end's peer connection (on the far-end page `far`):
 * packets from us keep arriving, its packets keep leaving, and our side's RTCP receiver
 * reports about them come back (a receiver only reports on packets it got).
 */
export async function mediaFlows(far, user) {
  const first = await far.evaluate((u) => window.Far.stats(u), user);
  await new Promise((r) => setTimeout(r, 1500));
  const then = await far.evaluate((u) => window.Far.stats(u), user);
  assert.equal(then.connectionState, 'connected');
  assert.ok(then.received > first.received && then.received > 20, JSON.stringify([first, then]));
  assert.ok(then.sent > first.sent && then.sent > 20, JSON.stringify([first, then]));
  // Chromium sends audio RTCP about every 5 s.
  const reported = await eventually(async () => {
    const s = await far.evaluate((u) => window.Far.stats(u), user);
    return s.reportsFromPeer > 0 ? s : null;
  }, 'a receiver report from our side', 100);
  assert.ok(reported.reportsFromPeer > 0);
}

/**
 * The phone set up as a user does (`setUpPhone`), then a Lightning page of the devorg at `path`
 * (logged in) whose panel shows the line registered: resolves to that page.
 */
export async function registeredLightning(lab, path) {
  await (await setUpPhone(lab)).close();
  const page = await lab.browser.context.newPage();
  await login(page, lab.devorg, path);
  await panelUntil(page, 'registered', (s) => s.line === 'REGISTERED');
  return page;
}
