// The microphone, the speaker and the ringing device chosen on the options page. Chromium's
// fake devices (--use-fake-device-for-media-stream) are, in every origin: audio inputs
// "Fake Default Audio Input" (id "default"), "Fake Audio Input 1" and "Fake Audio Input 2";
// audio outputs "Fake Default Audio Output" (id "default"), "Fake Audio Output 1" and
// "Fake Audio Output 2" (the other ids are per-origin hashes, so read from the options page,
// whose extension origin the offscreen document shares); setSinkId on an <audio> element and
// on an AudioContext resolves for each output and rejects an unknown id (NotFoundError),
// getUserMedia an unknown exact deviceId with OverconstrainedError. What the call uses is read
// in the offscreen document: `sfphoneDevices()` gives the live microphone track's label and the
// call's <audio> sinkId. A headset unplugged during a call is played by hiding the chosen
// devices from enumerateDevices in the offscreen document and firing `devicechange` there.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, until, inOffscreen, extensionStorage } from './harness.mjs';
import { inPanel, panelState, click, panelUntil, endAnyCall, dialFromPanel } from './panel.mjs';
import { USERS } from './sip/kamailio.mjs';
import { startPhoneLab, setUpPhone, mediaFlows, registeredLightning } from './sip/lab.mjs';

const CONTACT = '/lightning/r/Contact/0035g00000Yam4dAAB/view';
const ANSWERER = USERS.reception.user;
const SELECTS = ['microphoneDevice', 'speakerDevice', 'ringerDevice'];

let lab;
let lightning;
/** label → id of the fake devices, as the extension's origin sees them. */
const ids = {};

const devices = () => inOffscreen(lightning, 'globalThis.sfphoneDevices && sfphoneDevices()');

/** The options of each device select: `{ microphoneDevice: [{ value, text, selected }], … }`. */
const listed = (page) => page.evaluate((names) => Object.fromEntries(names.map((n) => [n,
  [...document.querySelectorAll(`#phone-form [name=${n}] option`)]
    .map((o) => ({ value: o.value, text: o.textContent, selected: o.selected }))])), SELECTS);

async function openOptions() {
  const page = await lab.browser.context.newPage();
  await page.goto(lab.browser.optionsUrl);
  await page.waitForSelector('body[data-ready="true"]');
  await eventually(() => page.locator('#phone-form [name=sipUri]').inputValue(), 'the form filled');
  await eventually(async () => (await listed(page)).speakerDevice.length > 1, 'the devices listed');
  return page;
}

async function save(page) {
  await page.click('#phone-save');
  await eventually(async () => (await page.locator('#phone-result').getAttribute('data-state')) === 'SAVED', 'saved');
}

/** Chooses devices by their labels (`''`: the system default) and saves. */
async function choose(choice) {
  const page = await openOptions();
  for (const [name, label] of Object.entries(choice)) {
    await page.locator(`#phone-form [name=${name}]`).selectOption(label ? { label } : { value: '' });
  }
  await save(page);
  await page.close();
}

async function dial(number) {
  await dialFromPanel(lightning, number);
  await panelUntil(lightning, 'connected', (s) => s.phase === 'phase_CONNECTED');
  await until(() => lab.farLast(number), (s) => s.events.includes('confirmed') && s.connectionState === 'connected',
    'far end connected', 'far end');
}

async function hangUp() {
  await click(lightning, '.hangup');
  await panelUntil(lightning, 'ended', (s) => s.phase === 'end_HUNG_UP');
}

before(async () => {
  lab = await startPhoneLab({ farEnds: [[USERS.reception, 'answer']] });
  lightning = await registeredLightning(lab, CONTACT);
});

afterEach(() => endAnyCall(lightning));

after(async () => {
  await lab?.stop();
});

/** The panel's note about chosen devices that are not connected, or null. */
const devicesNote = () => inPanel(lightning, (root) => {
  const note = root.querySelector('.devices-note');
  return note.hidden ? null : note.textContent;
});

test('once the microphone is allowed, the options page lists the fake microphones and speakers, the system default first', async () => {
  const page = await openOptions();
  // The permission the lab's setUpPhone gave; pressing the button again refills the lists.
  await page.click('#phone-microphone');
  await eventually(async () => (await page.locator('#phone-result').getAttribute('data-state')) === 'MICROPHONE_GRANTED',
    'the microphone');
  const lists = await listed(page);
  const texts = (name) => lists[name].map((o) => o.text);
  assert.deepEqual(texts('microphoneDevice'), ['System default', 'Fake Audio Input 1', 'Fake Audio Input 2'],
    JSON.stringify(lists));
  assert.deepEqual(texts('speakerDevice'), ['System default', 'Fake Audio Output 1', 'Fake Audio Output 2']);
  assert.deepEqual(texts('ringerDevice'), texts('speakerDevice'));
  for (const name of SELECTS) {
    assert.equal(lists[name][0].value, '', 'the default is the empty id');
    assert.ok(lists[name][0].selected, `${name}: nothing chosen yet`);
    assert.ok(lists[name].slice(1).every((o) => /^[0-9a-f]{64}$/.test(o.value)), JSON.stringify(lists[name]));
    for (const o of lists[name].slice(1)) ids[o.text] = o.value;
  }
  await page.close();
});

test('chosen devices are stored (id and label) and shown again after the options page reloads', async () => {
  await choose({ microphoneDevice: 'Fake Audio Input 2', speakerDevice: 'Fake Audio Output 1', ringerDevice: 'Fake Audio Output 2' });
  const stored = (await extensionStorage(lab.browser.worker)).phoneSettings;
  assert.deepEqual(stored.devices, {
    microphone: { id: ids['Fake Audio Input 2'], label: 'Fake Audio Input 2' },
    speaker: { id: ids['Fake Audio Output 1'], label: 'Fake Audio Output 1' },
    ringer: { id: ids['Fake Audio Output 2'], label: 'Fake Audio Output 2' },
  });
  const page = await openOptions();
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  await eventually(async () => (await listed(page)).speakerDevice.length > 1, 'the devices listed');
  const chosen = await eventually(async () => {
    const lists = await listed(page);
    const picked = Object.fromEntries(SELECTS.map((n) => [n, lists[n].find((o) => o.selected)?.text]));
    return picked.microphoneDevice === 'Fake Audio Input 2' ? picked : null;
  }, 'the stored choice selected');
  assert.deepEqual(chosen, {
    microphoneDevice: 'Fake Audio Input 2', speakerDevice: 'Fake Audio Output 1', ringerDevice: 'Fake Audio Output 2',
  });
  // Nothing else changed: the phone stays registered (a device change is no new account).
  assert.equal((await panelState(lightning)).line, 'REGISTERED');
  await page.close();
});

test('a call uses the chosen microphone and plays on the chosen speaker, with media both ways', async () => {
  assert.equal(await devices(), null, 'no call, no devices');
  await dial(ANSWERER);
  const used = await until(devices, (d) => d.speaker === ids['Fake Audio Output 1'], 'the chosen speaker', 'devices');
  assert.equal(used.microphone, 'Fake Audio Input 2');
  assert.equal(await inOffscreen(lightning, "document.querySelector('audio').sinkId"), ids['Fake Audio Output 1']);
  await mediaFlows(lab.far, ANSWERER);
  await hangUp();
  assert.equal(await devices(), null);
});

test('a headset unplugged during a call: the default microphone and speaker take over and the call stays audible; plugged back, the chosen ones return', async () => {
  await dial(ANSWERER);
  await until(devices, (d) => d.microphone === 'Fake Audio Input 2', 'the chosen microphone', 'devices');
  const hidden = [ids['Fake Audio Input 2'], ids['Fake Audio Output 1']];
  // Unplugged: enumerateDevices no longer lists them, and the browser says the devices changed.
  await inOffscreen(lightning, `(() => {
    const md = navigator.mediaDevices;
    globalThis.realEnumerate ??= md.enumerateDevices.bind(md);
    md.enumerateDevices = async () => (await realEnumerate()).filter((d) => !${JSON.stringify(hidden)}.includes(d.deviceId));
    md.dispatchEvent(new Event('devicechange'));
    return true;
  })()`);
  const fallen = await until(devices, (d) => d.microphone === 'Fake Default Audio Input' && d.speaker === '',
    'the default devices', 'devices');
  assert.deepEqual(fallen, { microphone: 'Fake Default Audio Input', speaker: '' });
  // The panel says so, naming what went.
  const note = await until(devicesNote, (n) => n?.includes('Fake Audio Input 2'), 'the panel\'s note', 'note');
  assert.equal(note, 'The microphone “Fake Audio Input 2” is not connected: the default one is used. '
    + 'The speaker “Fake Audio Output 1” is not connected: the default one plays.');
  await mediaFlows(lab.far, ANSWERER);
  // Plugged back in.
  await inOffscreen(lightning, `(() => {
    navigator.mediaDevices.enumerateDevices = realEnumerate;
    navigator.mediaDevices.dispatchEvent(new Event('devicechange'));
    return true;
  })()`);
  await until(devices, (d) => d.microphone === 'Fake Audio Input 2' && d.speaker === ids['Fake Audio Output 1'],
    'the chosen devices again', 'devices');
  await until(async () => ({ note: await devicesNote() }), (n) => n.note === null, 'the note gone', 'note');
  await mediaFlows(lab.far, ANSWERER);
  await hangUp();
});

test('a stored device that is not connected: the options page says so, and calls use the default with media both ways', async () => {
  // A headset chosen on another day: an id this browser does not have, saved through the form.
  const page = await openOptions();
  await page.evaluate((names) => {
    for (const name of names) {
      const select = document.querySelector(`#phone-form [name=${name}]`);
      const option = new Option(`Old ${name}`, `gone-${name}`);
      option.dataset.label = `Old headset ${name}`;
      select.add(option);
      select.value = option.value;
    }
  }, ['microphoneDevice', 'speakerDevice']);
  await save(page);
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  const lists = await eventually(async () => {
    const l = await listed(page);
    return l.microphoneDevice.some((o) => o.value === 'gone-microphoneDevice') ? l : null;
  }, 'the missing device listed');
  const picked = (name) => lists[name].find((o) => o.selected);
  assert.deepEqual(picked('microphoneDevice'), {
    value: 'gone-microphoneDevice', text: 'Old headset microphoneDevice (not connected: the default is used)', selected: true,
  });
  assert.equal(picked('speakerDevice').text, 'Old headset speakerDevice (not connected: the default is used)');
  assert.equal(picked('ringerDevice').text, 'Fake Audio Output 2', 'the ringer is still there');
  // Saving again keeps the missing one (it may come back), with its label.
  await save(page);
  const stored = (await extensionStorage(lab.browser.worker)).phoneSettings.devices;
  assert.deepEqual(stored.microphone, { id: 'gone-microphoneDevice', label: 'Old headset microphoneDevice' });
  await page.close();

  await dial(ANSWERER);
  const used = await until(devices, (d) => d.microphone, 'a microphone', 'devices');
  assert.deepEqual(used, { microphone: 'Fake Default Audio Input', speaker: '' });
  assert.match(await until(devicesNote, (n) => n, 'the panel\'s note', 'note'),
    /The microphone “Old headset microphoneDevice” is not connected/);
  await mediaFlows(lab.far, ANSWERER);
  await hangUp();

  await choose({ microphoneDevice: '', speakerDevice: '', ringerDevice: '' });
  const cleared = (await extensionStorage(lab.browser.worker)).phoneSettings.devices;
  assert.deepEqual(cleared, { microphone: { id: '', label: '' }, speaker: { id: '', label: '' }, ringer: { id: '', label: '' } });
});
