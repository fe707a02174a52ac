// A phone that rings: the ringtone of an incoming call and the ring-back of ours, played by
// the offscreen document in a Chromium that has its own autoplay policy (no
// --autoplay-policy switch, as users have it), observed where they play: the offscreen
// document's AudioContext and the level of what it outputs.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { login, eventually, inOffscreen } from './harness.mjs';
import { inPanel, panelState, click, panelUntil, endAnyCall } from './panel.mjs';
import { USERS } from './sip/kamailio.mjs';
import { startPhoneLab, setUpPhone } from './sip/lab.mjs';

const CONTACT = '/lightning/r/Contact/0035g00000Yam4dAAB/view';
const CALLER = USERS.far.user;
const RINGER = USERS.far2.user;

let lab;
let lightning;

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

async function saveRinging({ ringtone, volume }) {
  const page = await lab.browser.context.newPage();
  await page.goto(lab.browser.optionsUrl);
  await page.waitForSelector('body[data-ready="true"]');
  await eventually(() => page.locator('#phone-form [name=sipUri]').inputValue(), 'the form filled');
  if (ringtone !== undefined) await page.locator('#phone-form [name=ringtone]').setChecked(ringtone);
  if (volume !== undefined) await page.locator('#phone-form [name=ringVolume]').fill(String(volume));
  await page.click('#phone-save');
  await eventually(async () => (await page.locator('#phone-result').getAttribute('data-state')) === 'SAVED', 'saved');
  await page.close();
}

before(async () => {
  lab = await startPhoneLab({ farEnds: [[USERS.far, 'ring'], [USERS.far2, 'ring']], autoplay: false });
  await (await setUpPhone(lab)).close();
  lightning = await lab.browser.context.newPage();
  await login(lightning, lab.devorg, CONTACT);
  await panelUntil(lightning, 'registered', (s) => s.line === 'REGISTERED');
});

afterEach(() => endAnyCall(lightning));

after(async () => {
  await lab?.stop();
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
