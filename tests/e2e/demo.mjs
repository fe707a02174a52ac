// The demo behind `./build.sh`: the devorg, Kamailio with a demo phone account and a JsSIP
// "customer" far end, and Chromium with the built extension on a Lightning record page of the
// local org. It places a call by clicking the contact's number (logged as a Task), rings the
// user from the contact's line (the caller's card pops),
// and shows the Salesforce connection. With a display it then leaves everything running for you;
// without one it runs headless, says what it did, and writes screenshots.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { login, eventually, ROOT } from './harness.mjs';
import { USERS } from './sip/kamailio.mjs';
import { startPhoneLab, setUpPhone } from './sip/lab.mjs';

const CONTACT = '/lightning/r/Contact/0035g00000Yam4dAAB/view';
const CUSTOMER = USERS.far.user; // 2001, a customer who calls in and answers
const headless = !process.env.DISPLAY;
const out = join(ROOT, 'demo-out');
mkdirSync(out, { recursive: true });

// The far ends: the customer, and the contact's own line (its number is a SIP user here).
const lab = await startPhoneLab({ headless, farEnds: [[USERS.far, 'answer'], [USERS.contact, 'answer']] });
const { devorg, browser, far, farLast } = lab;
console.log(`devorg: https://${devorg.lightningHost} (127.0.0.1:${devorg.port}), user ${devorg.username} / ${devorg.password}`);
console.log(`kamailio: ${lab.kamailio.browserWsUrl}, our phone sip:${USERS.phone.user}@sip.test`);
try {
  // The phone account and the microphone, as a user sets them on the options page.
  const options = await setUpPhone(lab, { displayName: '佐藤 花子' });
  console.log('options page: phone account saved, microphone allowed');

  // The Task the phone's worker logs for a call (the devorg's records, by Call-ID).
  const taskFor = (callId) => eventually(async () => (await devorg.records('Task'))
    .find((t) => t.CallObject === callId), `the Task of ${callId}`, 150);

  const page = await browser.context.newPage();
  await login(page, devorg, CONTACT);
  console.log(`logged in and opened ${page.url()}`);
  await page.waitForTimeout(1500);

  // Click-to-call: a click on the contact's number dials it through the phone.
  await page.locator('lightning-formatted-phone a[href="tel:03-1234-5678"]').first().click();
  const answered = await eventually(async () => {
    const last = await farLast(USERS.contact.user);
    return last?.events.includes('confirmed') ? last : null;
  }, 'the contact to answer', 150);
  await page.waitForTimeout(1500);
  const media = await far.evaluate((u) => window.Far.stats(u), USERS.contact.user);
  console.log(`click-to-call 03-1234-5678: answered (${answered.connectionState}); audio packets: ${media.sent} sent, ${media.received} received by the far end`);
  await page.screenshot({ path: join(out, 'call-connected.png') });
  await far.evaluate((u) => window.Far.hangup(u), USERS.contact.user);
  const logged = await taskFor(answered.callId);
  console.log(`logged as one Task: "${logged.Subject}" on ${logged.WhoId}, ${logged.CallDurationInSeconds} s, CallObject ${logged.CallObject}`);

  // The contact calls back: the panel rings with the caller's card (the incoming-call popup).
  await far.evaluate(([u, t]) => window.Far.call(u, t), [USERS.contact.user, USERS.phone.user]);
  await eventually(async () => (await farLast(USERS.contact.user))?.events.some((e) => e.startsWith('progress')), 'the phone to ring', 150);
  await page.waitForTimeout(1500);
  await page.screenshot({ path: join(out, 'incoming-call.png') });
  console.log(`incoming call from ${USERS.contact.user}: ringing in the panel with the caller's Contact card`);
  await far.evaluate((u) => window.Far.hangup(u), USERS.contact.user);
  const missed = await taskFor((await farLast(USERS.contact.user)).callId);
  console.log(`missed call logged: "${missed.Subject}" on ${missed.WhoId}`);

  await options.reload();
  await options.waitForSelector('body[data-ready="true"]');
  await options.waitForTimeout(500);
  const state = await options.$$eval('#orgs tr[data-org] td', (tds) => tds.map((td) => td.textContent).join(' | '));
  console.log(`options page, Salesforce connection: ${state}`);
  await options.fill('#lookup-number', '03-1234-5678');
  await options.click('#lookup-run');
  await options.waitForSelector('#lookup-results[data-done="true"]', { state: 'attached' });
  const found = await options.$$eval('#lookup-results tr', (trs) => trs.map((tr) => tr.textContent.trim()).join('; '));
  console.log(`test lookup of 03-1234-5678 (one SOSL request through the worker): ${found}`);
  await options.screenshot({ path: join(out, 'options.png'), fullPage: true });
  console.log(`screenshots: ${['call-connected.png', 'incoming-call.png', 'options.png'].map((f) => join(out, f)).join(', ')}`);

  if (!headless) {
    console.log(`Everything stays up: click numbers to call, or ring yourself from the far-end tab: Far.call('${CUSTOMER}', '${USERS.phone.user}'). Ctrl-C ends the demo.`);
    await new Promise((resolve) => process.once('SIGINT', resolve));
  }
} finally {
  await lab.stop();
}
