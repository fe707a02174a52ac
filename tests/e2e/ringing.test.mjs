// A phone that rings: the ringtone of an incoming call and the ring-back of ours, played by
// the offscreen document in a Chromium that has its own autoplay policy (no
// --autoplay-policy switch, as users have it), observed where they play: the offscreen
// document's AudioContext and the level of what it outputs. And the desktop notification of a
// call, shown by Chromium through a notification server on a private D-Bus (as on a Linux
// desktop), whose buttons the test presses as a user does.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, until, inOffscreen } from './harness.mjs';
import { inPanel, panelState, click, panelUntil, endAnyCall } from './panel.mjs';
import { USERS } from './sip/kamailio.mjs';
import { startPhoneLab, mediaFlows, registeredLightning } from './sip/lab.mjs';
import { startNotificationServer, DEFAULT_ACTION } from './notify/dbus-notifications.mjs';

const CONTACT = '/lightning/r/Contact/0035g00000Yam4dAAB/view';
const CONTACT_ID = '0035g00000Yam4dAAB';
const CALLER = USERS.far.user;
const RINGER = USERS.far2.user;
const KNOWN = USERS.contact.user; // 山田 太郎's own line, 03-1234-5678

let lab;
let lightning;
let notifications; // the desktop's notification server

const tone = () => inOffscreen(lightning, 'globalThis.sfphoneTone && sfphoneTone()');

/** Samples the offscreen document's tone for `ms`: the loudest level seen, and the states. */
async function listen(ms = 3500) {
  const seen = { tones: new Set(), audio: new Set(), loudest: 0 };
  for (const end = Date.now() + ms; Date.now() < end;) {
    const now = await tone();
    seen.tones.add(now.tone);
    seen.audio.add(now.audio);
    seen.loudest = Math.max(seen.loudest, now.level);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { tones: [...seen.tones], audio: [...seen.audio], loudest: seen.loudest };
}

async function saveRinging({ ringtone, volume, notify, screenPop }) {
  const page = await lab.browser.context.newPage();
  await page.goto(lab.browser.optionsUrl);
  await page.waitForSelector('body[data-ready="true"]');
  await eventually(() => page.locator('#phone-form [name=sipUri]').inputValue(), 'the form filled');
  if (ringtone !== undefined) await page.locator('#phone-form [name=ringtone]').setChecked(ringtone);
  if (volume !== undefined) await page.locator('#phone-form [name=ringVolume]').fill(String(volume));
  if (notify !== undefined) await page.locator('#phone-form [name=notify]').selectOption(notify);
  if (screenPop !== undefined) await page.locator('#phone-form [name=screenPop]').selectOption(screenPop);
  await page.click('#phone-save');
  await eventually(async () => (await page.locator('#phone-result').getAttribute('data-state')) === 'SAVED', 'saved');
  await page.close();
}

before(async () => {
  notifications = await startNotificationServer();
  lab = await startPhoneLab({
    farEnds: [[USERS.far, 'ring'], [USERS.far2, 'ring'], [USERS.contact, 'ring'], [USERS.reception, 'answer']],
    autoplay: false,
    env: { DBUS_SESSION_BUS_ADDRESS: notifications.address },
  });
  lightning = await registeredLightning(lab, CONTACT);
});

afterEach(() => endAnyCall(lightning));

after(async () => {
  await lab?.stop();
  await notifications?.stop();
});

test('an incoming call rings (Chromium lets the offscreen document play without a gesture) and stops on answer', async () => {
  assert.equal((await tone()).tone, 'SILENT');
  await lab.far.evaluate(([u, t]) => window.Far.call(u, t), [CALLER, USERS.phone.user]);
  await panelUntil(lightning, 'incoming', (s) => s.phase === 'phase_INCOMING');
  // A full cadence (1 s on, 2 s off): the tone sounds, in a running AudioContext.
  const ringing = await listen();
  assert.deepEqual(ringing.tones, ['RING'], JSON.stringify(ringing));
  assert.deepEqual(ringing.audio, ['running'], 'not suspended by the autoplay policy');
  // The default volume (60 of 100) of a sine at full scale 0.5: RMS about 0.21.
  assert.ok(ringing.loudest > 0.15 && ringing.loudest < 0.3, JSON.stringify(ringing));
  await click(lightning, '.answer');
  await panelUntil(lightning, 'connected', (s) => s.phase === 'phase_CONNECTED');
  const answered = await tone();
  assert.equal(answered.tone, 'SILENT', JSON.stringify(answered));
  await click(lightning, '.hangup');
  await panelUntil(lightning, 'ended', (s) => s.phase === 'end_HUNG_UP');
});

test('a caller who gives up stops the ringtone; a declined call too', async () => {
  await lab.far.evaluate(([u, t]) => window.Far.call(u, t), [CALLER, USERS.phone.user]);
  await panelUntil(lightning, 'incoming', (s) => s.phase === 'phase_INCOMING');
  await eventually(async () => (await tone()).tone === 'RING', 'ringing');
  await lab.far.evaluate((u) => window.Far.hangup(u), CALLER);
  await panelUntil(lightning, 'missed', (s) => s.phase === 'end_MISSED');
  assert.equal((await tone()).tone, 'SILENT');

  await lab.far.evaluate(([u, t]) => window.Far.call(u, t), [CALLER, USERS.phone.user]);
  await panelUntil(lightning, 'incoming', (s) => s.phase === 'phase_INCOMING');
  await eventually(async () => (await tone()).tone === 'RING', 'ringing');
  await click(lightning, '.decline');
  await panelUntil(lightning, 'declined', (s) => s.phase === 'end_DECLINED');
  assert.equal((await tone()).tone, 'SILENT');
});

test('our call plays the ring-back while the far end rings, and stops when it answers', async () => {
  const state = await panelState(lightning);
  if (state.expanded !== 'true') await click(lightning, '[data-action=toggle]');
  await inPanel(lightning, (root, n) => { root.querySelector('.number').value = n; }, RINGER);
  await click(lightning, '[data-action=dial]');
  await panelUntil(lightning, 'ringing', (s) => s.phase === 'phase_RINGING');
  // A quarter of a second after the far end rings (a callee who answers at once hears none).
  await eventually(async () => (await tone()).tone === 'RINGBACK', 'the ring-back');
  const back = await listen();
  assert.deepEqual(back.tones, ['RINGBACK'], JSON.stringify(back));
  assert.ok(back.loudest > 0.05, JSON.stringify(back));
  await lab.far.evaluate((u) => window.Far.answer(u), RINGER);
  await panelUntil(lightning, 'connected', (s) => s.phase === 'phase_CONNECTED');
  assert.equal((await tone()).tone, 'SILENT');
  await click(lightning, '.hangup');
  await panelUntil(lightning, 'ended', (s) => s.phase === 'end_HUNG_UP');
});

test('the ringtone follows the options page: softer at a lower volume, silent when off', async () => {
  await saveRinging({ volume: 20 });
  await panelUntil(lightning, 'registered', (s) => s.line === 'REGISTERED');
  await lab.far.evaluate(([u, t]) => window.Far.call(u, t), [CALLER, USERS.phone.user]);
  await panelUntil(lightning, 'incoming', (s) => s.phase === 'phase_INCOMING');
  const soft = await listen();
  assert.deepEqual(soft.tones, ['RING']);
  // 20 of 100: a third of the default's level.
  assert.ok(soft.loudest > 0.04 && soft.loudest < 0.1, JSON.stringify(soft));
  await click(lightning, '.decline');
  await panelUntil(lightning, 'declined', (s) => s.phase === 'end_DECLINED');

  await saveRinging({ ringtone: false, volume: 60 });
  await panelUntil(lightning, 'registered', (s) => s.line === 'REGISTERED');
  await lab.far.evaluate(([u, t]) => window.Far.call(u, t), [CALLER, USERS.phone.user]);
  await panelUntil(lightning, 'incoming', (s) => s.phase === 'phase_INCOMING');
  const off = await listen(1500);
  assert.deepEqual(off.tones, ['SILENT'], 'the card shows, the phone stays quiet');
  await click(lightning, '.decline');
  await panelUntil(lightning, 'declined', (s) => s.phase === 'end_DECLINED');
  await saveRinging({ ringtone: true });
});

/** The notifications of ours Chromium has now, as the worker sees them. */
const notified = () => lab.browser.worker.evaluate(() => chrome.notifications.getAll());
/** The focused window's active tab, as the worker sees it: a Lightning URL, or null (another page). */
const inFront = () => lab.browser.worker.evaluate(async () => {
  const w = await chrome.windows.getLastFocused({ populate: true });
  return { focused: w.focused, url: w.tabs.find((t) => t.active)?.url ?? null };
});
const key = (notification, label) => notification.actions.find(([, l]) => l === label)[0];
const lightningInFront = async () => (await inFront()).url?.includes('.lightning.force.com') ?? false;

test('a call while no Lightning tab is in front: a notification names the caller once looked up; its Answer connects, media both ways', async () => {
  await lab.far.bringToFront();
  assert.equal(await lightningInFront(), false);
  await lab.far.evaluate(([u, t]) => window.Far.call(u, t), [KNOWN, USERS.phone.user]);
  const ringing = await notifications.until((shown) => shown.find((n) => n.summary.includes('山田 太郎')),
    { what: 'the notification with the caller\'s name' });
  // First the number as people write it, then (replaced in place) the contact and its account.
  const first = notifications.all().find((n) => n.summary.startsWith('Incoming call'));
  assert.equal(first.summary, 'Incoming call: 03-1234-5678', JSON.stringify(notifications.all()));
  assert.equal(ringing.summary, 'Incoming call: 山田 太郎');
  assert.match(ringing.body, /^03-1234-5678\n.+/, 'the number, then the account');
  // Chromium numbers a notification's action keys afresh when it is updated: by label.
  assert.deepEqual(ringing.actions.map(([, label]) => label).slice(0, 2), ['Answer', 'Decline']);
  const seen = await notified();
  const [id] = Object.keys(seen);
  assert.match(id, /^ring:/, JSON.stringify(seen));
  // Answer, on the notification: the call connects with audio both ways.
  await notifications.press(ringing.id, key(ringing, 'Answer'));
  await panelUntil(lightning, 'connected', (s) => s.phase === 'phase_CONNECTED');
  await until(() => lab.farLast(KNOWN), (s) => s.events.includes('confirmed') && s.connectionState === 'connected',
    'far end connected', 'far end');
  await mediaFlows(lab.far, KNOWN);
  // Answering brought the Lightning tab with the panel to the front; the notification is gone.
  await eventually(lightningInFront, 'the Lightning tab in front');
  await eventually(async () => Object.keys(await notified()).length === 0, 'the notification cleared');
  await click(lightning, '.hangup');
  await panelUntil(lightning, 'ended', (s) => s.phase === 'end_HUNG_UP');
});

test('declined on the notification: the caller hears 603 Decline', async () => {
  await lab.far.bringToFront();
  await lab.far.evaluate(([u, t]) => window.Far.call(u, t), [CALLER, USERS.phone.user]);
  const ringing = await notifications.until((shown) => shown.find((n) => n.summary === `Incoming call: ${CALLER}`),
    { what: 'the notification' });
  await notifications.press(ringing.id, key(ringing, 'Decline'));
  const refused = await until(() => lab.farLast(CALLER), (s) => s.events.some((e) => e.startsWith('failed')),
    'the caller refused', 'far end');
  assert.ok(refused.events.includes('failed:603(Rejected)') || refused.events.some((e) => e.startsWith('failed:603')),
    JSON.stringify(refused.events));
  await panelUntil(lightning, 'declined', (s) => s.phase === 'end_DECLINED');
  await eventually(async () => Object.keys(await notified()).length === 0, 'the notification cleared');
});

test('a missed call leaves a notification; clicking it brings the Lightning tab with the panel to the front', async () => {
  await lab.far.bringToFront();
  await lab.far.evaluate(([u, t]) => window.Far.call(u, t), [KNOWN, USERS.phone.user]);
  await notifications.until((shown) => shown.find((n) => n.summary === 'Incoming call: 山田 太郎'), { what: 'ringing' });
  await lab.far.evaluate((u) => window.Far.hangup(u), KNOWN);
  const missed = await notifications.until((shown) => shown.find((n) => n.summary === 'Missed call: 山田 太郎'),
    { what: 'the missed-call notification' });
  assert.equal(notifications.shown().filter((n) => n.summary.startsWith('Incoming')).length, 0, 'the ringing one went');
  assert.deepEqual(missed.actions.filter(([key]) => /^\d$/.test(key)), [], 'no Answer on a missed call');
  assert.equal(await lightningInFront(), false);
  await notifications.press(missed.id, DEFAULT_ACTION);
  await eventually(lightningInFront, 'the Lightning tab in front');
  const state = await panelUntil(lightning, 'the missed call', (s) => s.phase === 'end_MISSED');
  assert.equal(state.caller?.matches[0]?.id, CONTACT_ID);
  await eventually(async () => Object.keys(await notified()).length === 0, 'the missed notification gone');
});

test('with the Lightning tab in front no notification shows (the default); "Always" shows one anyway', async () => {
  await lightning.bringToFront();
  const before = notifications.all().length;
  await lab.far.evaluate(([u, t]) => window.Far.call(u, t), [CALLER, USERS.phone.user]);
  await panelUntil(lightning, 'incoming', (s) => s.phase === 'phase_INCOMING');
  await lightning.waitForTimeout(1000);
  assert.equal(notifications.all().length, before, 'the card in the tab is enough');
  await click(lightning, '.decline');
  await panelUntil(lightning, 'declined', (s) => s.phase === 'end_DECLINED');

  await saveRinging({ notify: 'ALWAYS' });
  try {
    await lightning.bringToFront();
    await lab.far.evaluate(([u, t]) => window.Far.call(u, t), [CALLER, USERS.phone.user]);
    await notifications.until((shown) => shown.find((n) => n.summary === `Incoming call: ${CALLER}`),
      { what: 'the notification, though the tab is in front' });
    await click(lightning, '.decline');
    await panelUntil(lightning, 'declined', (s) => s.phase === 'end_DECLINED');
  } finally {
    await saveRinging({ notify: 'UNFOCUSED' });
  }
});

test('a click-to-call on a number with an extension dials the main number, then sends the extension as DTMF once answered', async () => {
  const TAKAHASHI = '/lightning/r/Contact/0035g00000TaKaHAAV/view';
  await lightning.goto(lab.devorg.lightningUrl(TAKAHASHI));
  // The field's button dials the main number (the host names it); the extension rides along.
  await lightning.locator('sfphone-dial[data-sfphone-number="+81521234567"]').first().click();
  const up = await panelUntil(lightning, 'connected', (s) => s.phase === 'phase_CONNECTED');
  assert.equal(up.peer, '052-123-4567 ext. 123');
  const answered = await until(() => lab.farLast(USERS.reception.user), (s) => s.events.includes('confirmed'),
    'the far end answered', 'far end');
  // Not at the answer: after a pause, as a desk phone's `,` does.
  assert.equal(answered.rtpDtmf, '', 'no digits at the answer');
  const heard = await until(() => lab.farLast(USERS.reception.user), (s) => s.rtpDtmf === '123',
    'the extension as telephone-events', 'far end');
  assert.equal(heard.dtmf, '', 'in the media (RFC 4733, the setting), not as SIP INFO');
  await click(lightning, '.hangup');
  await panelUntil(lightning, 'ended', (s) => s.phase === 'end_HUNG_UP');
  await lightning.goto(lab.devorg.lightningUrl(CONTACT));
});

test('the screen pop opens the caller\'s record (picked on the card: the number is on two) when the call is answered; off, it leaves the page alone', async () => {
  const ELSEWHERE = lab.devorg.lightningUrl('/lightning/r/Contact/0035g00000TaKaHAAV/view');
  await lightning.goto(ELSEWHERE);
  await lightning.bringToFront();
  await lab.far.evaluate(([u, t]) => window.Far.call(u, t), [KNOWN, USERS.phone.user]);
  const card = await panelUntil(lightning, 'the card', (s) => s.phase === 'phase_INCOMING' && s.caller?.matches.length === 2);
  await click(lightning, `.pick[data-pick="${card.caller.matches[0].id}"]`);
  await panelUntil(lightning, 'picked', (s) => s.caller?.matches[0].picked === 'true');
  await lightning.waitForTimeout(500);
  assert.equal(lightning.url(), ELSEWHERE, 'not while it rings (the default pops on answer)');
  await click(lightning, '.answer');
  await eventually(() => lightning.url() === lab.devorg.lightningUrl(CONTACT), 'the caller\'s record opened');
  await panelUntil(lightning, 'connected on the record page', (s) => s.phase === 'phase_CONNECTED');
  await click(lightning, '.hangup');
  await panelUntil(lightning, 'ended', (s) => s.phase === 'end_HUNG_UP');

  await saveRinging({ screenPop: 'OFF' });
  try {
    await lightning.goto(ELSEWHERE);
    await lightning.bringToFront();
    await lab.far.evaluate(([u, t]) => window.Far.call(u, t), [KNOWN, USERS.phone.user]);
    const again = await panelUntil(lightning, 'the card', (s) => s.phase === 'phase_INCOMING' && s.caller?.matches.length === 2);
    await click(lightning, `.pick[data-pick="${again.caller.matches[0].id}"]`);
    await click(lightning, '.answer');
    await panelUntil(lightning, 'connected', (s) => s.phase === 'phase_CONNECTED');
    await lightning.waitForTimeout(1000);
    assert.equal(lightning.url(), ELSEWHERE);
    await click(lightning, '.hangup');
    await panelUntil(lightning, 'ended', (s) => s.phase === 'end_HUNG_UP');
  } finally {
    await saveRinging({ screenPop: 'ANSWER' });
  }
});

test('with no Lightning tab open, clicking a missed call\'s notification opens one with the panel', async () => {
  await lightning.close();
  await lab.far.evaluate(([u, t]) => window.Far.call(u, t), [KNOWN, USERS.phone.user]);
  await notifications.until((shown) => shown.find((n) => n.summary === 'Incoming call: 山田 太郎'), { what: 'ringing' });
  await lab.far.evaluate((u) => window.Far.hangup(u), KNOWN);
  const missed = await notifications.until((shown) => shown.find((n) => n.summary === 'Missed call: 山田 太郎'),
    { what: 'the missed-call notification' });
  const opened = lab.browser.context.waitForEvent('page');
  await notifications.press(missed.id, DEFAULT_ACTION);
  lightning = await opened;
  await lightning.waitForURL((url) => url.host === lab.devorg.lightningHost);
  const state = await panelUntil(lightning, 'the panel with the missed call', (s) => s.phase === 'end_MISSED');
  assert.equal(state.caller?.matches[0]?.id, CONTACT_ID);
});
