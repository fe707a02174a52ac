// Diagnostics on the options page: a failure planted at the devorg (a truncated answer) is
// listed with its time, where it happened and what to do, in English and in Japanese; Copy
// diagnostics gives a text with the org,
// the line and the outbox, and without the session id, the SIP password or any token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDevorg, launchBrowser, login, eventually } from './harness.mjs';

const CONTACT = '/lightning/r/Contact/0035g00000Yam4dAAB/view';
const SIP_PASSWORD = 'sip-Secret-77aa';

async function diagnose(devorg, launch) {
  const browser = await launchBrowser(devorg, launch);
  try {
    const page = await browser.context.newPage();
    await login(page, devorg, CONTACT);
    // A phone account with a password: it must never reach the copied text.
    await browser.worker.evaluate((password) => chrome.storage.local.set({ phoneSettings: {
      websocketUrl: 'wss://sip.example.invalid:7443', sipUri: 'sip:1001@sip.example.invalid',
      authUser: '1001', password, displayName: 'Sato' } }), SIP_PASSWORD);
    const options = await browser.context.newPage();
    await eventually(async () => {
      await options.goto(browser.optionsUrl);
      await options.waitForSelector('body[data-ready="true"]');
      return options.evaluate(() => document.querySelector('#orgs tr[data-org]')?.dataset.state === 'CONNECTED');
    }, 'the org connected');
    await devorg.admin('faults', { truncateCount: 1 });
    await options.fill('#lookup-number', '03-1234-5678');
    await options.click('#lookup-run');
    await options.waitForSelector('#lookup-error:not([hidden])');
    await options.reload();
    await options.waitForSelector('#diagnostics[data-done="true"]');
    const row = await options.evaluate(() => {
      const tr = document.querySelector('#diag-errors tr[data-code="BAD_RESPONSE"]');
      return tr && Object.fromEntries([...tr.querySelectorAll('td')].map((td) => [td.dataset.field, td.textContent]));
    });
    assert.ok(row, 'the planted failure is listed');
    const facts = await options.evaluate(() => Object.fromEntries(
      [...document.querySelectorAll('#diag-facts dd')].map((dd) => [dd.dataset.fact, dd.textContent])));
    await options.click('#diag-copy');
    await options.waitForSelector('#diag-result[data-done]');
    const text = await options.inputValue('#diag-text');
    const sids = (await browser.context.cookies()).filter((c) => c.name === 'sid').map((c) => c.value);
    return { row, facts, text, sids };
  } finally {
    await browser.close();
  }
}

test('a planted failure is shown with what to do, in English and Japanese; the copied text has no secret', async () => {
  const devorg = await startDevorg();
  try {
    const en = await diagnose(devorg, {});
    assert.match(en.row.time, /\d{2}/);
    assert.equal(en.row.source, 'Salesforce API');
    assert.match(en.row.what, /^BAD_RESPONSE · GET \/search\/ · 00D5g000004ABCD$/);
    assert.match(en.row.todo, /[a-z]/);
    assert.equal(en.facts.org, '00D5g000004ABCD');
    assert.equal(en.facts.edition, 'Enterprise Edition');
    assert.match(en.facts.user, /^佐藤 花子 \(005/);
    assert.equal(en.facts.session, 'Browser session');
    assert.match(en.facts.outbox, /0 waiting, 0 failed/);
    assert.match(en.text, /00D5g000004ABCD/);
    assert.match(en.text, /BAD_RESPONSE/);
    assert.match(en.text, /sip\.example\.invalid/);
    assert.ok(en.sids.length > 0, 'the browser has session cookies to leak');
    for (const secret of [...en.sids, SIP_PASSWORD]) assert.ok(!en.text.includes(secret), `the copied text leaks ${secret.slice(0, 6)}…`);
    assert.ok(!/00D[A-Za-z0-9]{12,15}![A-Za-z0-9._-]{20,}/.test(en.text), 'no session-shaped string');

    const ja = await diagnose(devorg, { extraArgs: ['--lang=ja'], env: { LANGUAGE: 'ja', LANG: 'ja_JP.UTF-8' } });
    assert.equal(ja.row.source, 'Salesforce の API');
    assert.match(ja.row.todo, /[\u3040-\u30ff\u4e00-\u9fff]/, 'what to do, in Japanese');
    assert.match(ja.row.time, /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}/, 'the Japanese date form');
    assert.equal(ja.facts.session, 'ブラウザーのセッション');
    for (const secret of [...ja.sids, SIP_PASSWORD]) assert.ok(!ja.text.includes(secret));
  } finally {
    devorg.stop();
  }
});
