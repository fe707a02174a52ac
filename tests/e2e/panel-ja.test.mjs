// The docked panel in Japanese, as most of our users see it: Chromium in Japanese (its UI
// language is what chrome.i18n speaks), a call placed and wrapped up, the record's calls.
// Every word checked here is the one ja-glossary.md gives (Salesforce's own Japanese labels).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from './harness.mjs';
import { inPanel, panelUntil, click, userClicks, dialFromPanel, wrapUp } from './panel.mjs';
import { USERS } from './sip/kamailio.mjs';
import { startPhoneLab, registeredLightning } from './sip/lab.mjs';

const YAMADA = '0035g00000Yam4dAAB';
let lab;
let lightning;

const text = (selector) => inPanel(lightning, (root, s) => root.querySelector(s)?.textContent ?? null, selector);

before(async () => {
  lab = await startPhoneLab({
    farEnds: [[USERS.contact, 'answer']],
    extraArgs: ['--lang=ja'],
    env: { LANGUAGE: 'ja', LANG: 'ja_JP.UTF-8' },
  });
  await lab.browser.worker.evaluate(() => chrome.storage.local.set({ fieldMapping: { memoField: 'CallMemo__c' } }));
  lightning = await registeredLightning(lab, `/lightning/r/Contact/${YAMADA}/view`);
});

after(async () => {
  await lab?.stop();
});

test('the panel speaks Japanese: the line, the call, the wrap-up, the Task, the record\'s calls', async () => {
  assert.equal(await lab.browser.worker.evaluate(() => chrome.i18n.getUILanguage()), 'ja');
  assert.equal(await text('.title'), '電話');
  assert.equal(await text('.dial'), '発信');
  await dialFromPanel(lightning, USERS.contact.user);
  await panelUntil(lightning, 'in a call', (s) => s.phase === 'phase_CONNECTED');
  assert.equal(await text('.phase'), '通話中');
  assert.equal(await text('.hangup'), '通話終了');
  assert.equal(await text('[data-action=hold]'), '保留');
  assert.equal(await text('[data-action=mute]'), 'ミュート');
  const w = await eventually(async () => {
    const now = await wrapUp(lightning);
    return now?.chips.length ? now : null;
  }, 'the wrap-up');
  assert.equal(await text('.memo-label'), '応対メモ');
  assert.equal(await text('.subject-label'), '件名');
  assert.equal(await text('.record-label'), '関連先');
  // The number as it is written in Japan, and the template's Japanese subject.
  assert.match(await text('.peer'), /03-1234-5678/);
  assert.match(w.subjectAuto, /発信/);
  await userClicks(lightning, '.chip[data-memo="資料送付"]');
  await eventually(async () => (await wrapUp(lightning)).chips.find(([t]) => t === '資料送付')[1], 'pressed');
  await click(lightning, '.hangup');
  const logged = await panelUntil(lightning, 'logged', (s) => s.logged?.href);
  assert.equal(logged.logged.text, 'Salesforce に通話を記録しました。');
  assert.equal(await text('.task'), 'ToDo を開く');
  // The record's calls: dates as 2026/12/03 10:05, durations in 分 and 秒.
  await userClicks(lightning, '.tab-record');
  assert.equal(await text('.tab-record'), 'このレコード');
  const head = await eventually(async () => {
    const h = await text('.history-list li .history-head');
    return h || null;
  }, 'the record\'s calls');
  assert.match(head, /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2} · 発信/);
  assert.match(await text('.history-list li .history-memo'), /資料送付/);
  assert.match(await text('.history-call'), /^もう一度発信: 03-1234-5678$/);
});
