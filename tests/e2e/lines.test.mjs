// Two calls at once and transfers, end to end: real Chromium with the built extension, Kamailio,
// and JsSIP phones as the far ends. A second caller while we talk (call waiting: hold and
// answer, switch, media on the call in front only, a Task each), a blind transfer (REFER) that
// connects the caller to a third JsSIP phone, one that fails and gives the call back, and an
// attended transfer (consult, then REFER with Replaces).
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, until, inOffscreen } from './harness.mjs';
import { inPanel, panelState, click, panelUntil, endAnyCall, dialFromPanel } from './panel.mjs';
import { USERS } from './sip/kamailio.mjs';
import { startPhoneLab, mediaFlows, registeredLightning } from './sip/lab.mjs';

const CONTACT = '/lightning/r/Contact/0035g00000Yam4dAAB/view';
const FIRST = USERS.far.user; // 2001, answers our call
const CALLER = USERS.contact.user; // 0312345678 (山田 太郎), calls us
const BUSY = USERS.far2.user; // 2002, refuses with busy
const THIRD = USERS.far3.user; // 2003, answers: the transfer target

let lab;
let lightning;

const farLast = (user) => lab.farLast(user);
const farUntil = (user, what, pred) => until(() => farLast(user), pred, what, 'far end');
const otherState = () => inPanel(lightning, (root) => {
  const other = root.querySelector('.other');
  return other.hidden ? null : {
    peer: other.querySelector('.other-peer').textContent,
    phase: other.querySelector('.other-phase').textContent,
    buttons: [...other.querySelectorAll('button')].filter((b) => !b.hidden).map((b) => b.className),
  };
});
const transferStatus = () => inPanel(lightning, (root) => {
  const p = root.querySelector('.transfer-status');
  return p.hidden ? null : { state: p.dataset.state, text: p.textContent };
});

/** The audio energy `user`'s phone received over 2 s: sound, or silence. */
async function heard(user) {
  const a = await lab.far.evaluate((u) => window.Far.stats(u), user);
  await new Promise((r) => setTimeout(r, 2000));
  const b = await lab.far.evaluate((u) => window.Far.stats(u), user);
  return b.energy - a.energy;
}

async function transfer(target, how) {
  await click(lightning, '[data-action=transfer]');
  await inPanel(lightning, (root, t) => { root.querySelector('.transfer-target').value = t; }, target);
  await click(lightning, `[data-action=transfer-${how}]`);
}

async function dial(number) {
  await dialFromPanel(lightning, number);
}

async function answeredCallFrom(user) {
  await lab.far.evaluate(([u, t]) => window.Far.call(u, t), [user, USERS.phone.user]);
  await panelUntil(lightning, 'incoming', (s) => s.phase === 'phase_INCOMING');
  await click(lightning, '.answer');
  await panelUntil(lightning, 'connected', (s) => s.phase === 'phase_CONNECTED');
  await farUntil(user, 'the caller connected', (s) => s.events.includes('confirmed') && s.connectionState === 'connected');
}

/** The Tasks of these SIP calls, once each is logged. */
async function tasksFor(callIds) {
  return eventually(async () => {
    const tasks = (await lab.devorg.records('Task')).filter((t) => callIds.includes(t.CallObject));
    return tasks.length === callIds.length ? tasks : null;
  }, `the Tasks of ${callIds}`);
}

before(async () => {
  lab = await startPhoneLab({
    farEnds: [[USERS.far, 'answer'], [USERS.contact, 'ring'], [USERS.far2, 'busy'], [USERS.far3, 'answer']],
  });
  lightning = await registeredLightning(lab, CONTACT);
});

afterEach(async () => {
  await endAnyCall(lightning);
  await endAnyCall(lightning);
});

after(async () => {
  await lab?.stop();
});

test('a second caller while we talk: call waiting, hold and answer, switch with media on the call in front only, a Task each', async () => {
  await dial(FIRST);
  await panelUntil(lightning, 'connected', (s) => s.phase === 'phase_CONNECTED');
  await farUntil(FIRST, 'first connected', (s) => s.events.includes('confirmed') && s.connectionState === 'connected');
  // The second caller rings beside the call, softly, with the caller's name.
  await lab.far.evaluate(([u, t]) => window.Far.call(u, t), [CALLER, USERS.phone.user]);
  const waiting = await until(otherState, (o) => o?.peer.includes('山田 太郎'), 'the waiting call', 'other');
  assert.equal(waiting.phase, 'Call waiting');
  assert.deepEqual(waiting.buttons, ['answer-waiting', 'decline-waiting']);
  assert.equal((await panelState(lightning)).phase, 'phase_CONNECTED', 'the first call goes on');
  await eventually(async () => (await inOffscreen(lightning, 'sfphoneTone()')).tone === 'WAITING', 'the call-waiting beep');
  // Hold and answer: the first caller is held (and hears nothing), the second is in front.
  await click(lightning, '.answer-waiting');
  const second = await panelUntil(lightning, 'the second call connected', (s) => s.phase === 'phase_CONNECTED' && s.peer.includes('03-1234-5678'));
  assert.ok(second);
  await farUntil(CALLER, 'second connected', (s) => s.events.includes('confirmed') && s.connectionState === 'connected');
  await farUntil(FIRST, 'the first put on hold', (s) => s.events.includes('hold'));
  const held = await until(otherState, (o) => o?.phase === 'On hold', 'the first on hold', 'other');
  assert.deepEqual(held.buttons, ['switch', 'complete-transfer']);
  await mediaFlows(lab.far, CALLER);
  const [toHeld, toFront] = await Promise.all([heard(FIRST), heard(CALLER)]);
  assert.ok(toFront > 0.01, `the call in front hears us: ${toFront}`);
  assert.ok(toHeld < toFront / 100, `the held call hears silence: ${toHeld} vs ${toFront}`);
  // Switch: the first comes back to the front, the second is held.
  await click(lightning, '.switch');
  await panelUntil(lightning, 'the first in front', (s) => s.phase === 'phase_CONNECTED' && s.peer === FIRST && s.held === 'false');
  await farUntil(FIRST, 'the first resumed', (s) => s.events.includes('unhold'));
  await farUntil(CALLER, 'the second on hold', (s) => s.events.includes('hold'));
  const [backFront, backHeld] = await Promise.all([heard(FIRST), heard(CALLER)]);
  assert.ok(backFront > 0.01 && backHeld < backFront / 100, JSON.stringify({ backFront, backHeld }));
  // Hang up the first; the second (held) comes forward; resume and hang up.
  await click(lightning, '.hangup');
  await panelUntil(lightning, 'the second in front, held', (s) => s.phase === 'phase_CONNECTED' && s.held === 'true');
  await click(lightning, '[data-action=hold]');
  await panelUntil(lightning, 'resumed', (s) => s.held === 'false');
  await click(lightning, '.hangup');
  await panelUntil(lightning, 'both over', (s) => !s.phase.startsWith('phase_'));
  const ids = [(await farLast(FIRST)).callId, (await farLast(CALLER)).callId];
  assert.notEqual(ids[0], ids[1]);
  const tasks = await tasksFor(ids);
  assert.deepEqual(tasks.map((t) => t.CallType).sort(), ['Inbound', 'Outbound']);
});

test('a second caller declined while we talk hears 603; the call goes on', async () => {
  await dial(FIRST);
  await panelUntil(lightning, 'connected', (s) => s.phase === 'phase_CONNECTED');
  await farUntil(FIRST, 'first connected', (s) => s.events.includes('confirmed') && s.connectionState === 'connected');
  await lab.far.evaluate(([u, t]) => window.Far.call(u, t), [CALLER, USERS.phone.user]);
  await until(otherState, (o) => o?.phase === 'Call waiting', 'the waiting call', 'other');
  await click(lightning, '.decline-waiting');
  const refused = await farUntil(CALLER, 'the second caller refused', (s) => s.events.some((e) => e.startsWith('failed')));
  assert.ok(refused.events.some((e) => e.startsWith('failed:603')), JSON.stringify(refused.events));
  await until(async () => ({ other: await otherState() }), (o) => o.other === null, 'the second line gone', 'other');
  const state = await panelState(lightning);
  assert.deepEqual([state.phase, state.peer, state.held], ['phase_CONNECTED', FIRST, 'false']);
  await mediaFlows(lab.far, FIRST);
  await click(lightning, '.hangup');
  await panelUntil(lightning, 'ended', (s) => s.phase === 'end_HUNG_UP');
});

test('a blind transfer: the caller ends up talking to the third phone, our call ends as transferred, and its Task says to whom', async () => {
  await answeredCallFrom(CALLER);
  const callId = (await farLast(CALLER)).callId;
  await transfer(THIRD, 'blind');
  await farUntil(CALLER, 'the caller referred', (s) => s.events.includes('refer') || s.sessions > 1);
  // The caller's new session, to the third phone, is up with media.
  await until(async () => lab.far.evaluate((u) => window.Far.last(u), CALLER),
    (s) => s.originator === 'local' && s.events.includes('confirmed') && s.connectionState === 'connected',
    'the caller connected to the third phone', 'caller');
  await farUntil(THIRD, 'the third phone answered', (s) => s.events.includes('confirmed') && s.connectionState === 'connected');
  await mediaFlows(lab.far, THIRD);
  await panelUntil(lightning, 'transferred', (s) => s.phase === 'end_TRANSFERRED');
  const [task] = await tasksFor([callId]);
  assert.match(task.Description ?? '', /Transferred to 2003/);
  await lab.far.evaluate((u) => window.Far.hangup(u), THIRD);
});

test('a transfer to a busy phone fails and the call stays ours, with media', async () => {
  await answeredCallFrom(CALLER);
  await transfer(BUSY, 'blind');
  const failed = await until(transferStatus, (t) => t?.state === 'FAILED', 'the transfer failed', 'transfer');
  assert.match(failed.text, /486/);
  assert.equal((await panelState(lightning)).phase, 'phase_CONNECTED');
  await mediaFlows(lab.far, CALLER);
  await click(lightning, '.hangup');
  await panelUntil(lightning, 'ended', (s) => s.phase === 'end_HUNG_UP');
});

test('an attended transfer: consult the third phone, then connect the caller to it', async () => {
  await answeredCallFrom(CALLER);
  await transfer(THIRD, 'consult');
  await panelUntil(lightning, 'consulting', (s) => s.phase === 'phase_CONNECTED' && s.peer === THIRD);
  await farUntil(CALLER, 'the caller on hold', (s) => s.events.includes('hold'));
  await until(otherState, (o) => o?.phase === 'On hold', 'the caller held beside', 'other');
  await click(lightning, '.complete-transfer');
  // The caller calls the third phone with Replaces: the third phone's session with us ends,
  // its new one with the caller is up.
  await until(async () => lab.far.evaluate((u) => window.Far.last(u), CALLER),
    (s) => s.originator === 'local' && s.events.includes('confirmed') && s.connectionState === 'connected',
    'the caller connected to the third phone', 'caller');
  await farUntil(THIRD, 'the third phone took the caller', (s) => s.originator === 'remote' && s.events.includes('confirmed'));
  await mediaFlows(lab.far, THIRD);
  await panelUntil(lightning, 'both our calls over', (s) => !s.phase.startsWith('phase_'));
  await lab.far.evaluate((u) => window.Far.hangup(u), THIRD);
});
