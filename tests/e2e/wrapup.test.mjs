// The wrap-up of a call in the docked panel, end to end: memo chips from the org's Task describe,
// the subject, the record (search and re-link, "always use this record for this number") and a
// Lead made for an unknown caller, each counted at the devorg against the seed's budget: what
// the user does before the Task exists rides in its one create, each change after is one call.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from './harness.mjs';
import { inPanel, click, panelUntil, endAnyCall, userClicks, typeIn, wrapUp, dialFromPanel } from './panel.mjs';
import { USERS } from './sip/kamailio.mjs';
import { startPhoneLab, registeredLightning } from './sip/lab.mjs';

const YAMADA = '0035g00000Yam4dAAB';
const CONTACT = `/lightning/r/Contact/${YAMADA}/view`;
const UNKNOWN = USERS.far.user; // not in the org
const STRANGER = USERS.far3.user; // not in the org either: becomes a Lead

let lab;
let lightning;

const tasksFor = async (callId) => (await lab.devorg.records('Task')).filter((t) => t.CallObject === callId);
const requests = async () => (await lab.devorg.apiRequests()).map((r) => `${r.method} ${r.path.split('?')[0]}`);
const since = async (before) => (await requests()).slice(before.length);

async function dial(number) {
  await dialFromPanel(lightning, number);
  await panelUntil(lightning, 'connected', (s) => s.phase === 'phase_CONNECTED');
  return eventually(async () => (await lab.farLast(number))?.callId, 'the call id at the far end');
}

async function hangUpAndLog(callId) {
  await click(lightning, '.hangup');
  await panelUntil(lightning, 'logged', (s) => s.logged?.href);
  const tasks = await tasksFor(callId);
  assert.equal(tasks.length, 1, 'one Task');
  return tasks[0];
}

/** Waits until the Task of `callId` satisfies `pred`. */
const taskUntil = (callId, what, pred) => eventually(async () => {
  const [task] = await tasksFor(callId);
  return task && pred(task) ? task : null;
}, what);

before(async () => {
  lab = await startPhoneLab({
    farEnds: [[USERS.far, 'answer'], [USERS.far3, 'answer'], [USERS.contact, 'answer']],
  });
  // The admin's mapping: the memo is the Task's CallMemo__c multi-select picklist.
  await lab.browser.worker.evaluate(() => chrome.storage.local.set({ fieldMapping: { memoField: 'CallMemo__c' } }));
  lightning = await registeredLightning(lab, CONTACT);
});

afterEach(() => endAnyCall(lightning));

after(async () => {
  await lab?.stop();
});

test('memo chips and the subject: during the call they ride in the one create; after it, one PATCH each', async () => {
  const callId = await dial(UNKNOWN);
  const shown = await eventually(async () => {
    const w = await wrapUp(lightning);
    return w?.chips.length ? w : null;
  }, 'the memo chips');
  // The picklist's values, from the org's Task describe, none chosen yet.
  assert.deepEqual(shown.chips, [['折り返し希望', false], ['見積依頼', false], ['資料送付', false], ['クレーム', false], ['不在', false]]);
  assert.match(shown.subjectAuto, /2001/, 'the template\'s subject is the placeholder');
  // A script's click on a chip does nothing; the user's does.
  await click(lightning, '.chip[data-memo="見積依頼"]');
  await lightning.waitForTimeout(500);
  assert.deepEqual((await wrapUp(lightning)).chips[1], ['見積依頼', false]);
  await userClicks(lightning, '.chip[data-memo="見積依頼"]');
  await eventually(async () => (await wrapUp(lightning)).chips[1][1], 'the chip pressed');
  await typeIn(lightning, '.subject', '見積の件 (至急)', true);
  await lightning.waitForTimeout(800);
  const before = await requests();
  let task = await hangUpAndLog(callId);
  assert.equal(task.CallMemo__c, '見積依頼');
  assert.equal(task.Subject, '見積の件 (至急)');
  assert.equal((await since(before)).length, 1, `the one create carried them: ${await since(before)}`);

  // After the call: each toggle is one PATCH of the memo field, two quick ones included (the
  // second toggles from what the user sees, not from a view the worker has not sent yet).
  const logged = await requests();
  await userClicks(lightning, '.chip[data-memo="資料送付"]');
  await userClicks(lightning, '.chip[data-memo="不在"]');
  task = await taskUntil(callId, 'three tags', (t) => t.CallMemo__c === '見積依頼;資料送付;不在');
  await userClicks(lightning, '.chip[data-memo="見積依頼"]');
  task = await taskUntil(callId, 'one tag off', (t) => t.CallMemo__c === '資料送付;不在');
  await lightning.waitForTimeout(500);
  assert.deepEqual(await since(logged), Array(3).fill(`PATCH /services/data/v51.0/sobjects/Task/${task.Id}`));
  // The subject edited and the field left: one PATCH of Subject.
  const chips = await requests();
  await typeIn(lightning, '.subject', '見積の件 (送付済み)', true);
  await taskUntil(callId, 'the new subject', (t) => t.Subject === '見積の件 (送付済み)');
  await lightning.waitForTimeout(500);
  assert.equal((await since(chips)).length, 1);
  // Left again unchanged: nothing.
  await typeIn(lightning, '.subject', '見積の件 (送付済み)', true);
  await lightning.waitForTimeout(800);
  assert.equal((await since(chips)).length, 1);
});

test('the record found by search re-links the Task; "always use this record" logs the next call there with no SOSL', async () => {
  const first = await dial(UNKNOWN);
  await hangUpAndLog(first);
  let w = await wrapUp(lightning);
  assert.equal(w.record, null, 'the number is on no record');
  // Search by name: one SOSL request, whatever the user types (SOSL's reserved characters too).
  await userClicks(lightning, '.record-change');
  const before = await requests();
  await typeIn(lightning, '.record-query', '山田 {太郎}');
  await userClicks(lightning, '[data-action=record-search]');
  w = await eventually(async () => {
    const now = await wrapUp(lightning);
    return (now.status && !/Searching/.test(now.status)) || now.found.length ? now : null;
  }, 'the search answered');
  assert.equal(w.found.length, 0, `nothing named "{太郎}": ${w.status}`);
  assert.match(w.status, /no records/i);
  await typeIn(lightning, '.record-query', '山田');
  await userClicks(lightning, '[data-action=record-search]');
  w = await eventually(async () => {
    const now = await wrapUp(lightning);
    return now.found.some((f) => f.name === '山田 太郎') ? now : null;
  }, 'the search found 山田 太郎');
  const searches = (await since(before)).filter((r) => r.includes('/search'));
  assert.equal(searches.length, 2, 'one SOSL per search');
  const yamada = w.found.find((f) => f.name === '山田 太郎');
  assert.equal(yamada.id, YAMADA);
  // Used: one PATCH moves the Task.
  const picked = await requests();
  await userClicks(lightning, `.use[data-use="${YAMADA}"]`);
  const task = await taskUntil(first, 'the Task on 山田 太郎', (t) => t.WhoId === YAMADA);
  assert.equal(task.WhatId, '0015g00000AcMeAAAV', 'and on his account');
  assert.match(task.Subject, /山田 太郎/, 'the template\'s subject names the new record, in the same PATCH');
  await lightning.waitForTimeout(500);
  assert.deepEqual(await since(picked), [`PATCH /services/data/v51.0/sobjects/Task/${task.Id}`]);
  w = await eventually(async () => {
    const now = await wrapUp(lightning);
    return now.recordId === YAMADA ? now : null;
  }, 'the panel shows the record');
  assert.match(w.record, /山田 太郎/);
  // Always use this record for this number.
  await userClicks(lightning, '.pin');
  await eventually(async () => (await wrapUp(lightning)).pinned, 'pinned');
  // The next call to the number: on 山田 太郎 from the start, logged with one POST, no search.
  const second = await dial(UNKNOWN);
  w = await eventually(async () => {
    const now = await wrapUp(lightning);
    return now?.recordId === YAMADA ? now : null;
  }, 'the pinned record during the call');
  assert.equal(w.pinned, true);
  const calling = await requests();
  const next = await hangUpAndLog(second);
  assert.equal(next.WhoId, YAMADA);
  assert.deepEqual(await since(calling), ['POST /services/data/v51.0/sobjects/Task']);
  // Unpinned: the number is nobody's again.
  await userClicks(lightning, '.pin');
  await eventually(async () => !(await wrapUp(lightning)).pinned, 'unpinned');
  const pins = await lab.browser.worker.evaluate(async () => (await chrome.storage.local.get('desk')).desk.pins);
  assert.deepEqual(pins, []);
});

test('an unknown caller becomes a Lead with the number (one call), and the Task goes on it', async () => {
  const callId = await dial(STRANGER);
  const w = await eventually(async () => {
    const now = await wrapUp(lightning);
    return now?.newRecord ? now : null;
  }, 'the new-record form');
  assert.equal(w.record, null);
  await typeIn(lightning, '.new-last', '新規');
  await typeIn(lightning, '.new-first', '太郎');
  // A Lead needs a company: said, nothing sent.
  const before = await requests();
  await userClicks(lightning, '.new-lead');
  await eventually(async () => /company/i.test((await wrapUp(lightning)).reason), 'the company asked for');
  assert.equal((await since(before)).length, 0);
  await typeIn(lightning, '.new-company', '<b>新規商事</b>');
  // A double click makes one Lead.
  await userClicks(lightning, '.new-lead', 2);
  const shown = await eventually(async () => {
    const now = await wrapUp(lightning);
    return now?.recordId?.startsWith('00Q') ? now : null;
  }, 'the call on the new Lead');
  assert.match(shown.record, /新規 太郎/);
  assert.deepEqual(await since(before), ['POST /services/data/v51.0/sobjects/Lead']);
  const lead = (await lab.devorg.records('Lead')).find((l) => l.Id === shown.recordId);
  assert.equal(lead.LastName, '新規');
  assert.equal(lead.FirstName, '太郎');
  assert.equal(lead.Company, '<b>新規商事</b>', 'the name as typed, never markup');
  assert.equal(lead.Phone, STRANGER);
  const task = await hangUpAndLog(callId);
  assert.equal(task.WhoId, shown.recordId, 'the Task is on the Lead, in its one create');
  assert.equal(task.WhatId ?? null, null);
});

/** Presses the options page's mapping Save: whether it saved, and what it says. */
async function saveMapping(options) {
  await options.evaluate(() => document.querySelector('#mapping-result').removeAttribute('data-saved'));
  await options.click('#mapping-save');
  await eventually(async () => (await options.locator('#mapping-result').getAttribute('data-saved')) !== null, 'saved or not');
  return { saved: await options.locator('#mapping-result').getAttribute('data-saved'), text: await options.locator('#mapping-result').textContent() };
}

async function saveLogPolicy(when, secs) {
  const page = await lab.browser.context.newPage();
  await page.goto(lab.browser.optionsUrl);
  await page.waitForSelector('body[data-ready="true"]');
  await page.selectOption('#log-when', when);
  await page.fill('#log-wrapup-secs', String(secs));
  await page.click('#log-policy-save');
  await eventually(async () => (await page.locator('#log-policy-result').getAttribute('data-saved')) !== null, 'answered');
  const saved = await page.locator('#log-policy-result').getAttribute('data-saved');
  const text = await page.locator('#log-policy-result').textContent();
  await page.close();
  return { saved: saved === 'true', text };
}

test('logged after a wrap-up time: the panel counts down, edits in it ride in the one create, Log now does not wait', async () => {
  // Out of range: said next to the field, nothing saved.
  const refused = await saveLogPolicy('wrapup', 5);
  assert.equal(refused.saved, false);
  assert.match(refused.text, /10 to 600/);
  assert.equal((await saveLogPolicy('wrapup', 10)).saved, true);
  try {
    const callId = await dial(UNKNOWN);
    await click(lightning, '.hangup');
    const counting = await panelUntil(lightning, 'the countdown', (s) => /Logging in \d+ s/.test(s.logged?.text ?? ''));
    assert.ok(!counting.logged.href);
    const before = await requests();
    await userClicks(lightning, '.chip[data-memo="折り返し希望"]');
    await lightning.waitForTimeout(1500);
    assert.equal((await tasksFor(callId)).length, 0, 'not logged during the wrap-up time');
    const task = await taskUntil(callId, 'logged when the time was up', () => true);
    assert.equal(task.CallMemo__c, '折り返し希望', 'the wrap-up in the create');
    assert.deepEqual(await since(before), ['POST /services/data/v51.0/sobjects/Task']);
    await panelUntil(lightning, 'logged', (s) => s.logged?.href);
    // Log now: no waiting.
    const next = await dial(UNKNOWN);
    await click(lightning, '.hangup');
    await panelUntil(lightning, 'the countdown', (s) => /Logging in/.test(s.logged?.text ?? ''));
    assert.match(await inPanelText('.retry'), /Log now/);
    await userClicks(lightning, '.retry');
    await taskUntil(next, 'logged at once', () => true);
  } finally {
    assert.equal((await saveLogPolicy('end', 60)).saved, true);
  }
});

const inPanelText = (selector) => inPanel(lightning, (root, s) => root.querySelector(s).textContent, selector);

test('the assignee: a user found by name, checked against the org when saved, owns the next call\'s Task', async () => {
  const YAMAMOTO = '0055g00000YaMaMAAV';
  const options = await lab.browser.context.newPage();
  await options.goto(lab.browser.optionsUrl);
  await options.waitForSelector('body[data-ready="true"]');
  const save = () => saveMapping(options);
  const find = async (name) => {
    await options.fill('#assignee-query', name);
    await options.click('#assignee-search');
    return eventually(async () => {
      const found = await options.$$eval('#assignee-user option', (os) => os.map((o) => [o.value, o.textContent]));
      return found.some(([, t]) => t.includes(name)) ? found : null;
    }, `the users named ${name}`);
  };
  try {
    // An inactive user is listed with why, and refused on save.
    const ito = await find('伊藤');
    assert.match(ito[0][1], /inactive/i);
    await options.selectOption('#assignee-user', ito[0][0]);
    let result = await save();
    assert.equal(result.saved, 'false');
    assert.match(result.text, /伊藤 六郎 is inactive/);
    // So is a Chatter Free user.
    const watanabe = await find('渡辺');
    await options.selectOption('#assignee-user', watanabe[0][0]);
    result = await save();
    assert.match(result.text, /cannot own Tasks/);
    const yamamoto = await find('山本');
    assert.equal(yamamoto[0][0], YAMAMOTO);
    await options.selectOption('#assignee-user', YAMAMOTO);
    assert.equal((await save()).saved, 'true');
    // Shown as saved on a fresh page.
    await options.reload();
    await options.waitForSelector('body[data-ready="true"]');
    assert.equal(await options.locator('input[name=assignee][value=user]').isChecked(), true);
    assert.equal(await options.locator('#assignee-user').inputValue(), YAMAMOTO);

    const callId = await dial(UNKNOWN);
    const task = await hangUpAndLog(callId);
    assert.equal(task.OwnerId, YAMAMOTO, 'the Task is the chosen user\'s');
    const stored = await lab.browser.worker.evaluate(async () => (await chrome.storage.local.get('fieldMapping')).fieldMapping);
    assert.equal(stored.memoField, 'CallMemo__c', 'the rest of the mapping was kept');
  } finally {
    await options.locator('input[name=assignee][value=current_user]').check();
    await save();
    await options.close();
  }
});

test('"This record" lists the record\'s calls in one API call, is read again when a call on it is logged, and calls again', async () => {
  await lightning.reload();
  await panelUntil(lightning, 'registered', (s) => s.line === 'REGISTERED');
  const before = await requests();
  await click(lightning, '[data-action=toggle]');
  await userClicks(lightning, '.tab-record');
  const list = await eventually(async () => {
    const items = await history();
    return items?.calls.length ? items : null;
  }, 'the record\'s calls');
  const tasks = (await lab.devorg.records('Task')).filter((t) => t.TaskSubtype === 'Call'
    && (t.WhoId === YAMADA || t.WhatId === YAMADA));
  assert.equal(list.calls.length, Math.min(tasks.length, 20));
  assert.deepEqual(await since(before), ['POST /services/data/v51.0/composite'], 'one API call');
  // Newest first, each with its direction, duration and who.
  const newest = [...tasks].sort((a, b) => b.CreatedDate.localeCompare(a.CreatedDate))[0];
  assert.equal(list.calls[0].task, newest.Id);
  assert.match(list.calls[0].head, /Outgoing/);
  assert.match(list.calls[0].who, /佐藤 花子/);
  assert.match(list.callAgain, /03-1234-5678/);
  // Back and forth: no second request while it is fresh.
  await userClicks(lightning, '.tab-phone');
  await userClicks(lightning, '.tab-record');
  await lightning.waitForTimeout(500);
  assert.equal((await since(before)).length, 1);
  // Call again: a click-to-call with the record, logged on it; the list then shows it.
  await userClicks(lightning, '.history-call');
  await panelUntil(lightning, 'connected', (s) => s.phase === 'phase_CONNECTED');
  const callId = await eventually(async () => (await lab.farLast(USERS.contact.user))?.callId, 'the call');
  await userClicks(lightning, '.tab-phone');
  const task = await hangUpAndLog(callId);
  assert.equal(task.WhoId, YAMADA);
  await userClicks(lightning, '.tab-record');
  await eventually(async () => (await history())?.calls[0]?.task === task.Id, 'the new call at the top');
});

const history = () => inPanel(lightning, (root) => {
  const h = root.querySelector('.history');
  if (!h || h.hidden) return null;
  return {
    status: root.querySelector('.history-status').textContent,
    callAgain: root.querySelector('.history-call').hidden ? null : root.querySelector('.history-call').textContent,
    calls: [...root.querySelectorAll('.history-list li')].map((li) => ({
      task: li.dataset.task,
      head: li.querySelector('.history-head').textContent,
      subject: li.querySelector('.history-subject').textContent,
      who: li.querySelector('.history-who')?.textContent ?? '',
      memo: [...li.querySelectorAll('.tag')].map((t) => t.textContent),
    })),
  };
});

test('the record-owner assignee: a call dialled from a record page goes to the record\'s owner, read in the one request', async () => {
  const YAMAMOTO = '0055g00000YaMaMAAV';
  const { id } = await lab.devorg.admin('records/Contact', { LastName: '所有', FirstName: '花子', Phone: '03-1234-5678', OwnerId: YAMAMOTO });
  const options = await lab.browser.context.newPage();
  await options.goto(lab.browser.optionsUrl);
  await options.waitForSelector('body[data-ready="true"]');
  const save = async () => assert.equal((await saveMapping(options)).saved, 'true');
  await options.locator('input[name=assignee][value=record_owner]').check();
  await save();
  try {
    await lightning.goto(lab.devorg.lightningUrl(`/lightning/r/Contact/${id}/view`));
    await panelUntil(lightning, 'registered', (s) => s.line === 'REGISTERED');
    const before = await requests();
    await lightning.locator('lightning-formatted-phone a[href^="tel:"]').first().click();
    await panelUntil(lightning, 'connected', (s) => s.phase === 'phase_CONNECTED');
    const callId = await eventually(async () => (await lab.farLast(USERS.contact.user))?.callId, 'the call');
    const task = await hangUpAndLog(callId);
    assert.equal(task.WhoId, id);
    assert.equal(task.OwnerId, YAMAMOTO, 'the record\'s owner has the Task');
    assert.deepEqual(await since(before), ['POST /services/data/v51.0/composite'], 'one request');
  } finally {
    await options.locator('input[name=assignee][value=current_user]').check();
    await save();
    await options.close();
    await lightning.goto(lab.devorg.lightningUrl(CONTACT));
    await panelUntil(lightning, 'registered', (s) => s.line === 'REGISTERED');
  }
});

test('the last calls stay reachable: an earlier one brought back from the list gets its own wrap-up, and a new call takes the panel back', async () => {
  const first = await dial(UNKNOWN);
  const firstTask = await hangUpAndLog(first);
  const second = await dial(STRANGER);
  const secondTask = await hangUpAndLog(second);
  const recent = () => inPanel(lightning, (root) => ({
    shown: !root.querySelector('.recent').hidden,
    calls: [...root.querySelectorAll('.recent-call')].map((b) => ({
      id: b.dataset.call,
      current: b.getAttribute('aria-current') === 'true',
      status: b.querySelector('.recent-status').dataset.status,
      text: b.textContent,
    })),
    peer: root.querySelector('.peer').textContent,
  }));
  let list = await eventually(async () => {
    const r = await recent();
    return r.calls[0]?.id === second ? r : null;
  }, 'the recent calls, newest first');
  assert.ok(list.shown);
  assert.deepEqual(list.calls.slice(0, 2).map((c) => [c.id, c.current, c.status]),
    [[second, true, 'LOGGED'], [first, false, 'LOGGED']]);
  assert.match(list.calls[1].text, /Outgoing/);
  // A script's click brings nothing back; the user's does.
  await click(lightning, `.recent-call[data-call="${first}"]`);
  await lightning.waitForTimeout(500);
  assert.equal((await recent()).calls.find((c) => c.id === first).current, false);
  await userClicks(lightning, `.recent-call[data-call="${first}"]`);
  list = await eventually(async () => {
    const r = await recent();
    return r.calls.find((c) => c.id === first)?.current ? r : null;
  }, 'the first call brought back');
  assert.match(list.peer, /2001/, 'the panel shows the first call');
  // Its wrap-up is the first call's: a memo tag goes to the first Task, with one PATCH.
  const before = await requests();
  await userClicks(lightning, '.chip[data-memo="折り返し希望"]');
  const task = await taskUntil(first, 'the tag on the first Task', (t) => (t.CallMemo__c ?? '').includes('折り返し希望'));
  assert.equal(task.Id, firstTask.Id);
  await lightning.waitForTimeout(500);
  assert.deepEqual(await since(before), [`PATCH /services/data/v51.0/sobjects/Task/${firstTask.Id}`]);
  const [secondNow] = await tasksFor(second);
  assert.equal(secondNow.CallMemo__c ?? null, secondTask.CallMemo__c ?? null, 'the last call\'s Task is untouched');
  // A new call: the panel shows it, and the list goes while it is live.
  const third = await dial(UNKNOWN);
  const during = await recent();
  assert.equal(during.shown, false);
  assert.match(during.peer, /2001/);
  await hangUpAndLog(third);
  list = await eventually(async () => {
    const r = await recent();
    return r.calls[0]?.id === third && r.calls[0].current ? r : null;
  }, 'the new call in front');
});
