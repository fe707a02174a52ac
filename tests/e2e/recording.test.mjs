// Call recording and its transcript, end to end: the user turns recording on and sets a
// transcription service on the options page; an answered call shows the red mark, is recorded
// in the offscreen document (both directions), kept in the extension's IndexedDB, played back in
// the panel, and sent once to the service, whose text lands in the call's Task (+1 API call).
//
// The service is a real recogniser: tests/e2e/stt/server.py speaks the OpenAI-compatible
// /v1/audio/transcriptions, decodes the upload with FFmpeg (PyAV) and hears it with PocketSphinx
// (its package ships the English model). The far end says words espeak-ng spoke, so the test
// knows what was said.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually, inOffscreen } from './harness.mjs';
import { inPanel, click, panelUntil, endAnyCall, userClicks, dialFromPanel } from './panel.mjs';
import { USERS } from './sip/kamailio.mjs';
import { startPhoneLab, registeredLightning } from './sip/lab.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const KEY = 'sk-test-0123456789';
const MODEL = 'pocketsphinx-en-us';
// What the far end says, and the words of it a recogniser must hear.
const SAID = 'Please call me back tomorrow morning. Good morning, this is the customer support line.';
const WORDS = ['please', 'call', 'back', 'tomorrow', 'morning', 'customer', 'support'];
const FAR = USERS.far.user;
const SETTINGS = {
  on: true, keepDays: 7, transcriptionModel: MODEL, transcriptionKey: KEY, language: 'en',
  get transcriptionUrl() { return stt.url; },
};

let lab;
let lightning;
let stt;
let speech;
let shortSpeech;

/** Starts the transcription server; resolves to `{ url, log(), fail(status), stop() }`. */
async function startStt() {
  const child = spawn('python3', [join(HERE, 'stt/server.py'), KEY, MODEL], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the transcription server exited with ${code} (are pocketsphinx and av installed? ./build.sh setup)`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('STT_READY ')) resolve(JSON.parse(line.slice('STT_READY '.length)).port);
    });
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    // The browser reaches loopback as localhost (the harness's host rules resolve nothing else).
    url: `http://localhost:${port}/v1`,
    log: async () => (await fetch(`${base}/__stt/log`)).json(),
    fail: (status) => fetch(`${base}/__stt/fail`, { method: 'POST', body: JSON.stringify({ status }) }),
    slow: (seconds) => fetch(`${base}/__stt/slow`, { method: 'POST', body: JSON.stringify({ seconds }) }),
    stop: () => child.kill('SIGTERM'),
  };
}

/** What espeak-ng says, as a WAV in base64. */
function spoken(text) {
  const dir = mkdtempSync(join(tmpdir(), 'sfphone-speech-'));
  try {
    const file = join(dir, 'speech.wav');
    // The voice and pace PocketSphinx's US English model hears best of espeak-ng's.
    execFileSync('espeak-ng', ['-v', 'en-us+m1', '-s', '120', '-g', '20', '-w', file, text]);
    return readFileSync(file).toString('base64');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const tasksFor = async (callId) => (await lab.devorg.records('Task')).filter((t) => t.CallObject === callId);
const requests = async () => (await lab.devorg.apiRequests()).map((r) => `${r.method} ${r.path.split('?')[0]}`);

/** The player frame of the ended call, and what it shows. */
async function player() {
  const frame = lightning.frames().find((f) => f.url().includes('/recording.html'));
  if (!frame) return null;
  return frame.evaluate(() => ({
    audio: !!document.querySelector('audio'),
    status: document.querySelector('.status')?.dataset.state ?? null,
    statusText: document.querySelector('.status')?.textContent ?? '',
    transcript: document.querySelector('.transcript')?.textContent ?? '',
  })).catch(() => null);
}

const recordingMark = () => inPanel(lightning, (root) => {
  const mark = root.querySelector('.recording');
  return mark && !mark.hidden ? mark.textContent : null;
});

/** Sets the recording part of the options page as a user does; resolves to the result's state. */
async function saveRecording(fields) {
  const options = await lab.browser.context.newPage();
  await options.goto(lab.browser.optionsUrl);
  await options.waitForSelector('body[data-ready="true"]');
  await eventually(async () => (await options.inputValue('#phone-form [name=sipUri]')) !== '', 'the stored account');
  const form = '#phone-form';
  if (fields.on !== undefined) await options.setChecked(`${form} [name=recordingOn]`, fields.on);
  for (const name of ['keepDays', 'transcriptionUrl', 'transcriptionModel', 'transcriptionKey']) {
    if (fields[name] !== undefined) await options.fill(`${form} [name=${name}]`, String(fields[name]));
  }
  if (fields.language !== undefined) await options.selectOption(`${form} [name=transcriptionLanguage]`, fields.language);
  await options.evaluate(() => { document.querySelector('#phone-result').dataset.state = ''; });
  await options.click('#phone-save');
  const state = await eventually(async () => (await options.locator('#phone-result').getAttribute('data-state')) || null, 'saved');
  const keyKept = await options.locator('#phone-transcription-key-kept').isVisible();
  await options.close();
  return { state, keyKept };
}

before(async () => {
  stt = await startStt();
  speech = spoken(SAID);
  shortSpeech = spoken('Please call me back tomorrow.');
  lab = await startPhoneLab({ farEnds: [[USERS.far, 'answer']] });
  lightning = await registeredLightning(lab, '/lightning/page/home');
  // Each test starts from the user's settings: recording on, the local service set.
  const saved = await saveRecording(SETTINGS);
  assert.equal(saved.state, 'SAVED');
});

afterEach(() => endAnyCall(lightning));

after(async () => {
  await lab?.stop();
  stt?.stop();
});

test('the options page checks the recording settings and keeps the key for its own server only', async () => {
  // In the clear to another machine: refused, nothing saved.
  let saved = await saveRecording({ on: true, transcriptionUrl: 'http://stt.example.jp/v1', transcriptionModel: MODEL });
  assert.equal(saved.state, 'BAD_TRANSCRIPTION_URL');
  saved = await saveRecording({ on: true, keepDays: 0, transcriptionUrl: '' });
  assert.equal(saved.state, 'BAD_KEEP_DAYS');
  saved = await saveRecording(SETTINGS);
  assert.equal(saved.state, 'SAVED');
  assert.ok(saved.keyKept, 'the page says a key is stored, and never shows it');
  assert.deepEqual(await lab.browser.worker.evaluate(async () => (await chrome.storage.local.get('phoneSettings')).phoneSettings.recording), {
    on: true, keepDays: 7, transcription: { url: stt.url, model: MODEL, key: KEY, language: 'en' },
  });
  // Saved again with the key field empty: the key stays, for this server.
  const stored = async () => (await lab.browser.worker.evaluate(async () => (await chrome.storage.local.get('phoneSettings')).phoneSettings.recording));
  saved = await saveRecording({});
  assert.equal(saved.state, 'SAVED');
  assert.equal((await stored()).transcription.key, KEY);
  // Another server with the key field empty: the key is not sent to it, it is dropped.
  saved = await saveRecording({ transcriptionUrl: 'http://localhost:9/v1' });
  assert.equal(saved.state, 'SAVED');
  assert.equal((await stored()).transcription.key, '');
  assert.ok(!saved.keyKept);
  assert.equal((await saveRecording(SETTINGS)).state, 'SAVED');
});

test('a recorded call: the red mark, both directions in the recording, played in the panel, and its transcript in the Task (+1 call)', async () => {
  await dialFromPanel(lightning, FAR);
  await panelUntil(lightning, 'connected', (s) => s.phase === 'phase_CONNECTED');
  const callId = await eventually(async () => (await lab.farLast(FAR))?.callId, 'the call id');
  assert.match(await eventually(recordingMark, 'the recording mark'), /Recording/);
  // First only our side speaks (the fake microphone beeps; the far end is silent)…
  await lab.far.evaluate((u) => window.Far.voice(u, null), FAR);
  await lightning.waitForTimeout(2500);
  // …then we mute (both silent a while: muted is silence in the recording too), and the far
  // end says the words.
  await click(lightning, '[data-action=mute]');
  await panelUntil(lightning, 'muted', (s) => s.muted === 'true');
  await lightning.waitForTimeout(1500);
  const seconds = await lab.far.evaluate(([u, wav]) => window.Far.voice(u, wav), [FAR, speech]);
  assert.ok(seconds > 2, `espeak said the words (${seconds} s)`);
  await lightning.waitForTimeout(600);
  const before = await requests();
  await click(lightning, '.hangup');
  await panelUntil(lightning, 'logged', (s) => s.logged?.href);
  assert.equal(await recordingMark(), null, 'no mark once the call is over');

  // The service got one upload, in OpenAI's format, without cookies.
  const upload = await eventually(async () => (await stt.log()).find((e) => e.text !== undefined), 'the upload', 300);
  assert.equal(upload.authorization, `Bearer ${KEY}`);
  assert.equal(upload.cookie, null);
  assert.equal(upload.contentType, 'multipart/form-data');
  assert.deepEqual(upload.fields, { model: MODEL, response_format: 'json', language: 'en' });
  assert.equal(upload.fileType, 'audio/webm');
  assert.ok(upload.webm, 'a WebM file');
  assert.equal(upload.codec, 'opus');
  assert.match(upload.origin, /^chrome-extension:\/\//);
  // The whole answered call is in it: our beeps first, then the far end's words.
  assert.ok(upload.seconds > seconds + 2, `${upload.seconds} s recorded`);
  // Seconds 1-2: only our side (the far end is silent from the answer on); 3-4: both silent.
  assert.ok(upload.loudness[1] > 100, `our side is in the recording: ${upload.loudness}`);
  assert.ok(upload.loudness[3] < 60, `muted, our side is not: ${upload.loudness}`);
  // An open-vocabulary recogniser on a synthetic voice, through Opus twice, hears most of the
  // words (its guesses for our beeps and for silence are other words).
  const heard = WORDS.filter((w) => upload.text.split(/\s+/).includes(w));
  assert.ok(heard.length >= 4, `the far end's words are in the recording: heard "${upload.text}"`);

  // The transcript is in the Task's Description, with one PATCH after the create.
  const task = await eventually(async () => {
    const [t] = await tasksFor(callId);
    return t?.Description?.includes(upload.text) ? t : null;
  }, 'the transcript in the Task');
  assert.match(task.Description, /\[Transcript\]/);
  await lightning.waitForTimeout(500);
  const made = (await requests()).slice(before.length);
  assert.deepEqual(made, [
    'POST /services/data/v51.0/sobjects/Task',
    `PATCH /services/data/v51.0/sobjects/Task/${task.Id}`,
  ], `the create and one PATCH: ${made}`);

  // The panel plays the recording, from the extension's own frame, and shows the transcript.
  const shown = await eventually(async () => {
    const p = await player();
    return p?.status === 'LOGGED' ? p : null;
  }, 'the player with the transcript');
  assert.ok(shown.audio);
  assert.equal(shown.transcript, upload.text);
  const frame = lightning.frames().find((f) => f.url().includes('/recording.html'));
  const played = await frame.evaluate(async () => {
    const audio = document.querySelector('audio');
    await audio.play();
    await new Promise((r) => setTimeout(r, 800));
    const at = audio.currentTime;
    audio.pause();
    return { at, error: audio.error?.code ?? null };
  });
  assert.equal(played.error, null);
  assert.ok(played.at > 0.3, `it plays: ${played.at} s`);
  // The page does not even see the frame (it is in the panel's closed shadow root), and the
  // frame is the extension's own page, another origin.
  assert.equal(await lightning.evaluate(() => document.querySelectorAll('iframe').length), 0);
  assert.match(frame.url(), /^chrome-extension:\/\/[a-p]{32}\/recording\.html\?call=/);
});

test('a refused key: the recording is kept and plays, the panel says why, and the Task gets no transcript', async () => {
  await stt.fail(401);
  await dialFromPanel(lightning, FAR);
  await panelUntil(lightning, 'connected', (s) => s.phase === 'phase_CONNECTED');
  const callId = await eventually(async () => (await lab.farLast(FAR))?.callId, 'the call id');
  await lightning.waitForTimeout(1500);
  const before = await requests();
  await click(lightning, '.hangup');
  await panelUntil(lightning, 'logged', (s) => s.logged?.href);
  const shown = await eventually(async () => {
    const p = await player();
    return p?.status === 'FAILED' ? p : null;
  }, 'the failure in the player');
  assert.match(shown.statusText, /API key/);
  assert.ok(shown.audio, 'the recording is kept');
  await lightning.waitForTimeout(800);
  const made = (await requests()).slice(before.length);
  assert.deepEqual(made, ['POST /services/data/v51.0/sobjects/Task'], `only the create: ${made}`);
  const [task] = await tasksFor(callId);
  assert.ok(!/\[Transcript\]/.test(task.Description ?? ''));
  const refused = (await stt.log()).filter((e) => e.failedWith === 401);
  assert.equal(refused.length, 1, 'sent once, not retried against a refused key');
});

test('the phone closed while the service writes the transcript: it is sent again when the phone is back, and the Task gets it once', async () => {
  await stt.slow(8);
  await dialFromPanel(lightning, FAR);
  await panelUntil(lightning, 'connected', (s) => s.phase === 'phase_CONNECTED');
  const callId = await eventually(async () => (await lab.farLast(FAR))?.callId, 'the call id');
  // Words the service will hear (a transcript that is not empty is written to the Task).
  await lab.far.evaluate(([u, wav]) => window.Far.voice(u, wav), [FAR, shortSpeech]);
  const uploadsBefore = (await stt.log()).filter((e) => e.heard !== undefined).length;
  await click(lightning, '.hangup');
  await panelUntil(lightning, 'logged', (s) => s.logged?.href);
  // The upload is in, its answer held back: Chromium closes the phone's document now.
  await eventually(async () => (await stt.log()).filter((e) => e.heard !== undefined).length > uploadsBefore, 'the upload', 200);
  const before = await requests();
  await lab.browser.worker.evaluate(() => chrome.offscreen.closeDocument());
  // A Salesforce tab opened again brings the phone back (as the worker's watch would).
  await lightning.reload();
  await panelUntil(lightning, 'registered again', (s) => s.line === 'REGISTERED');
  const task = await eventually(async () => {
    const [t] = await tasksFor(callId);
    return /\[Transcript\]/.test(t?.Description ?? '') ? t : null;
  }, 'the transcript in the Task', 300);
  await lightning.waitForTimeout(1000);
  const made = (await requests()).slice(before.length).filter((r) => r.startsWith('PATCH'));
  assert.deepEqual(made, [`PATCH /services/data/v51.0/sobjects/Task/${task.Id}`], 'one transcript PATCH');
  const uploads = (await stt.log()).filter((e) => e.heard !== undefined).length - uploadsBefore;
  assert.equal(uploads, 2, 'the one the closed document never read, and the one sent again');
});

test('a recording past its days is deleted when the phone next tidies; one within them stays', async () => {
  const calls = [];
  for (let i = 0; i < 2; i++) {
    await dialFromPanel(lightning, FAR);
    await panelUntil(lightning, 'connected', (s) => s.phase === 'phase_CONNECTED');
    calls.push(await eventually(async () => (await lab.farLast(FAR))?.callId, 'the call id'));
    await lightning.waitForTimeout(800);
    await click(lightning, '.hangup');
    await panelUntil(lightning, 'logged', (s) => s.logged?.href);
  }
  const [old, recent] = calls;
  const kept = (id) => inOffscreen(lightning, `new Promise((done) => {
    const open = indexedDB.open('sfphone-recordings');
    open.onsuccess = () => {
      const get = open.result.transaction('recordings').objectStore('recordings').get(${JSON.stringify(id)});
      get.onsuccess = () => { done(get.result ? get.result.kept.endedMs : null); open.result.close(); };
    };
  })`);
  await eventually(async () => (await kept(old)) && (await kept(recent)), 'both recordings kept');
  // The first call ended 8 days ago, as far as its recording knows (7 days are kept).
  await inOffscreen(lightning, `new Promise((done) => {
    const open = indexedDB.open('sfphone-recordings');
    open.onsuccess = () => {
      const store = open.result.transaction('recordings', 'readwrite').objectStore('recordings');
      const get = store.get(${JSON.stringify(old)});
      get.onsuccess = () => {
        const entry = get.result;
        entry.kept.endedMs = Date.now() - 8 * 86400000;
        store.put(entry).onsuccess = () => { done(true); open.result.close(); };
      };
    };
  })`);
  // New settings (the same, saved again) make the phone tidy.
  assert.equal((await saveRecording(SETTINGS)).state, 'SAVED');
  await eventually(async () => (await kept(old)) === null, 'the old recording deleted');
  assert.ok(await kept(recent), 'the recording within its days stays');
});
