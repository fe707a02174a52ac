// Call logging end to end: each call becomes exactly one Task within the seed's API budget
// (counted at the devorg), with the admin's field mapping; a write whose answer is lost is
// verified, never repeated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDevorg, eventually, storedLogs } from './harness.mjs';
import { connect as connectOrg, send, call, ORG, ACME, CONTACT_ID as YAMADA } from './logs.mjs';

const connect = (devorg) => connectOrg(devorg, { mapping: {
  dialStartField: 'DialStart__c', callStartField: 'CallStart__c', callEndField: 'CallEnd__c', memoField: 'CallMemo__c',
} });

async function newRequests(devorg, before) {
  return (await devorg.apiRequests()).slice(before).map((r) => `${r.method} ${r.path.split('?')[0]} ${r.status}`);
}

test('one Task per call, within the seed budget: log 1, lookup+log 1, memo +1 each, transcript +1', async () => {
  const devorg = await startDevorg();
  const { browser, options } = await connect(devorg);
  try {
    // Dialled from a record page: the record is known, logging is one POST.
    let before = (await devorg.apiRequests()).length;
    const known = await send(options, { kind: 'LogCall', orgId: ORG, call: call('call-known', {
      record: { object: 'Contact', id: YAMADA, name: '山田 太郎', accountId: ACME },
    }) });
    assert.equal(known.kind, 'CallLogged', JSON.stringify(known));
    assert.equal(known.log.delivery.state, 'DONE');
    assert.deepEqual(await newRequests(devorg, before), ['POST /services/data/v51.0/sobjects/Task 201']);
    const tasks = await devorg.records('Task');
    const task = tasks.find((t) => t.CallObject === 'call-known');
    assert.equal(task.WhoId, YAMADA);
    assert.equal(task.WhatId, ACME);
    assert.equal(task.TaskSubtype, 'Call');
    assert.equal(task.CallType, 'Outbound');
    assert.equal(task.Status, 'Completed');
    assert.equal(task.CallDurationInSeconds, 180);
    assert.match(task.DialStart__c, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(task.CallEnd__c > task.CallStart__c);
    assert.match(task.Subject, /山田 太郎/);

    // Nothing known, no lookup before: looked up and logged in one composite request.
    before = (await devorg.apiRequests()).length;
    const unknown = await send(options, { kind: 'LogCall', orgId: ORG, call: call('call-unknown') });
    assert.equal(unknown.log.delivery.state, 'DONE', JSON.stringify(unknown));
    assert.deepEqual(await newRequests(devorg, before), ['POST /services/data/v51.0/composite 200']);
    const linked = (await devorg.records('Task')).find((t) => t.CallObject === 'call-unknown');
    assert.equal(linked.WhoId, YAMADA, 'Contact wins over the Lead with the same number');
    assert.equal(linked.WhatId, ACME);
    assert.equal(unknown.log.linked.name, '山田 太郎');

    // A number nobody has: still exactly one Task, unlinked.
    before = (await devorg.apiRequests()).length;
    const nobody = await send(options, { kind: 'LogCall', orgId: ORG, call: call('call-nobody', { remoteNumber: '0120-000-111' }) });
    assert.equal(nobody.log.delivery.state, 'DONE');
    assert.equal((await newRequests(devorg, before)).length, 1);
    const lonely = (await devorg.records('Task')).filter((t) => t.CallObject === 'call-nobody');
    assert.equal(lonely.length, 1);
    assert.equal(lonely[0].WhoId ?? null, null);

    // The same call reported again (a worker restart) is not logged twice.
    before = (await devorg.apiRequests()).length;
    const again = await send(options, { kind: 'LogCall', orgId: ORG, call: call('call-known') });
    assert.equal(again.log.delivery.state, 'DONE');
    assert.deepEqual(await newRequests(devorg, before), []);

    // Memo tags: one call per change; the transcript: one call.
    before = (await devorg.apiRequests()).length;
    await send(options, { kind: 'UpdateMemo', callId: 'call-known', tags: ['見積依頼'] });
    await send(options, { kind: 'UpdateMemo', callId: 'call-known', tags: ['見積依頼', '資料送付'] });
    await send(options, { kind: 'UpdateTranscript', callId: 'call-known', text: 'お見積りの件でお電話しました。' });
    assert.deepEqual(await newRequests(devorg, before), [
      'PATCH /services/data/v51.0/sobjects/Task/' + task.Id + ' 204',
      'PATCH /services/data/v51.0/sobjects/Task/' + task.Id + ' 204',
      'PATCH /services/data/v51.0/sobjects/Task/' + task.Id + ' 204',
    ]);
    const updated = (await devorg.records('Task')).find((t) => t.CallObject === 'call-known');
    assert.equal(updated.CallMemo__c, '見積依頼;資料送付');
    assert.match(updated.Description, /お見積りの件でお電話しました。/);
    assert.equal((await devorg.records('Task')).filter((t) => t.CallObject === 'call-known').length, 1);

    // A memo change whose request fails (every transient retry of the request too) is kept,
    // said to be waiting, and sent again by itself: nothing is lost.
    await devorg.admin('faults', { failCount: 4, failStatus: 503 });
    const failed = await send(options, { kind: 'UpdateMemo', callId: 'call-known', tags: ['資料送付'] });
    assert.equal(failed.kind, 'CallLogged', JSON.stringify(failed));
    assert.equal(failed.log.changesWaiting, true, JSON.stringify(failed));
    assert.equal((await devorg.records('Task')).find((t) => t.CallObject === 'call-known').CallMemo__c, '見積依頼;資料送付');
    await eventually(async () => (await devorg.records('Task'))
      .find((t) => t.CallObject === 'call-known').CallMemo__c === '資料送付', 'the memo sent again', 150);
    // The stored log says the Task has it right after the request is answered.
    await eventually(async () => {
      const log = (await storedLogs(browser.worker)).find((l) => l.entry.callId === 'call-known');
      return log.synced.memo === log.revisions.memo;
    }, 'nothing left to send');
  } finally {
    await browser.close();
    devorg.stop();
  }
});

test('the options page writes a real test call log', async () => {
  const devorg = await startDevorg();
  const { browser, options } = await connect(devorg);
  try {
    await options.fill('#lookup-number', '03-1234-5678');
    await options.click('#testlog-run');
    await options.waitForSelector('#testlog-result[data-done="true"]');
    assert.equal(await options.getAttribute('#testlog-result', 'data-code'), 'DONE');
    assert.match(await options.textContent('#testlog-result'), /00T.*山田 太郎/);
    assert.equal(await options.locator('#calllogs tr[data-delivery="DONE"]').count(), 1);
    const written = (await devorg.records('Task')).filter((t) => t.CallObject?.startsWith('test-'));
    assert.equal(written.length, 1);
  } finally {
    await browser.close();
    devorg.stop();
  }
});

test('a write committed but never answered is verified, not written twice', async () => {
  const devorg = await startDevorg();
  const { browser, options } = await connect(devorg);
  try {
    await devorg.admin('faults', { dropAfterCommit: 1 });
    const before = (await devorg.apiRequests()).length;
    const first = await send(options, { kind: 'LogCall', orgId: ORG, call: call('call-dropped', {
      record: { object: 'Contact', id: YAMADA, name: '山田 太郎', accountId: ACME },
    }) });
    assert.notEqual(first.log?.delivery.state, 'DONE', 'the answer was lost');
    const done = await eventually(async () => {
      const reply = await send(options, { kind: 'CallLogs' });
      const log = reply.logs.find((l) => l.callId === 'call-dropped');
      return log.delivery.state === 'DONE' ? log : null;
    }, 'the outbox to verify the lost answer', 200);
    const tasks = (await devorg.records('Task')).filter((t) => t.CallObject === 'call-dropped');
    assert.equal(tasks.length, 1, 'exactly one Task');
    assert.equal(done.delivery.taskId, tasks[0].Id);
    const requests = await newRequests(devorg, before);
    assert.equal(requests[0], 'POST /services/data/v51.0/sobjects/Task 201');
    assert.ok(requests.slice(1).every((r) => r.startsWith('GET /services/data/v51.0/query')), requests.join('\n'));
  } finally {
    await browser.close();
    devorg.stop();
  }
});

test('a redirect from the API is not followed with the session: the log fails visibly, once', async () => {
  const devorg = await startDevorg();
  const { browser, options } = await connect(devorg);
  try {
    await devorg.admin('faults', { failCount: 1, failStatus: 307 });
    const before = (await devorg.apiRequests()).length;
    const reply = await send(options, { kind: 'LogCall', orgId: ORG, call: call('call-redirected') });
    assert.equal(reply.log.delivery.state, 'FAILED', JSON.stringify(reply));
    assert.equal(reply.log.delivery.code, 'REDIRECTED');
    const requests = await newRequests(devorg, before);
    assert.equal(requests.length, 1, requests.join('\n'));
    assert.match(requests[0], / 307$/);
    assert.ok(!requests.some((r) => r.includes('followed-a-redirect')), 'the redirect was not followed');
    assert.equal((await devorg.records('Task')).filter((t) => t.CallObject === 'call-redirected').length, 0);
  } finally {
    await browser.close();
    devorg.stop();
  }
});

test('without API access the log fails visibly and no request is made', async () => {
  const devorg = await startDevorg(['--edition', 'professional']);
  const { browser, options } = await connect(devorg);
  try {
    const before = (await devorg.apiRequests()).length;
    const reply = await send(options, { kind: 'LogCall', orgId: ORG, call: call('call-pro') });
    assert.equal(reply.log.delivery.state, 'FAILED');
    assert.equal(reply.log.delivery.code, 'API_DISABLED_FOR_ORG');
    assert.deepEqual(await newRequests(devorg, before), []);
  } finally {
    await browser.close();
    devorg.stop();
  }
});

test('fields the user may not write are reported, never silently dropped', async () => {
  const devorg = await startDevorg();
  await devorg.admin('fls', { username: 'sato@acme.example', object: 'Task', field: 'CallStart__c', access: 'read' });
  const { browser, options } = await connect(devorg);
  try {
    const reply = await send(options, { kind: 'LogCall', orgId: ORG, call: call('call-fls', {
      record: { object: 'Contact', id: YAMADA, name: '山田 太郎', accountId: ACME },
    }) });
    assert.equal(reply.log.delivery.state, 'DONE');
    assert.deepEqual(reply.log.dropped.map((d) => d.field), ['CallStart__c']);
    const task = (await devorg.records('Task')).find((t) => t.CallObject === 'call-fls');
    assert.equal(task.CallStart__c ?? null, null);
    assert.ok(task.CallEnd__c, 'the other mapped fields are written');
    await options.reload();
    await options.waitForSelector('body[data-ready="true"]');
    assert.equal(await options.textContent('#calllogs tr[data-call="call-fls"] [data-field="dropped"]'), 'CallStart__c');
  } finally {
    await browser.close();
    devorg.stop();
  }
});

test('the field mapping offers only fitting fields, is checked by the worker, and is used', async () => {
  const devorg = await startDevorg();
  const { browser, options } = await connect(devorg);
  try {
    await browser.worker.evaluate(() => chrome.storage.local.remove('fieldMapping'));
    await options.reload();
    await options.waitForSelector('body[data-ready="true"]');
    const offered = await options.$$eval('#map-dialStartField option', (os) => os.map((o) => o.value));
    assert.deepEqual(offered, ['', 'CallEnd__c', 'CallStart__c', 'DialStart__c']);
    assert.deepEqual(await options.$$eval('#map-memoField option', (os) => os.map((o) => o.value)), ['', 'CallMemo__c']);
    await options.selectOption('#map-dialStartField', 'DialStart__c');
    await options.selectOption('#map-callEndField', 'CallEnd__c');
    await options.fill('#map-subjectTemplate', '{direction}: {name} ({number})');
    await options.click('#mapping-save');
    await options.waitForSelector('#mapping-result[data-saved="true"]');

    const refused = await send(options, { kind: 'SaveFieldMapping', orgId: ORG, mapping: { memoField: 'Subject', dialStartField: 'Nope__c' } });
    assert.deepEqual(refused.problems.map((p) => [p.setting, p.code]), [['dialStartField', 'UNKNOWN_FIELD'], ['memoField', 'WRONG_TYPE']]);
    const kept = await send(options, { kind: 'GetFieldMapping' });
    assert.equal(kept.mapping.dialStartField, 'DialStart__c', 'a refused mapping is not saved');

    const reply = await send(options, { kind: 'LogCall', orgId: ORG, call: call('call-mapped', { remoteNumber: '+81312345678' }) });
    assert.equal(reply.log.delivery.state, 'DONE');
    const task = (await devorg.records('Task')).find((t) => t.CallObject === 'call-mapped');
    assert.ok(task.DialStart__c && task.CallEnd__c);
    assert.equal(task.CallStart__c ?? null, null, 'unmapped');
    assert.match(task.Subject, /: 山田 太郎 \(03-1234-5678\)$/);
  } finally {
    await browser.close();
    devorg.stop();
  }
});

test('a service worker stopped mid-request: the log is delivered exactly once after restart', async () => {
  const devorg = await startDevorg();
  const { browser, options } = await connect(devorg);
  try {
    await devorg.admin('faults', { latencyMs: 1500 });
    const pending = send(options, { kind: 'LogCall', orgId: ORG, call: call('call-killed', {
      record: { object: 'Contact', id: YAMADA, name: '山田 太郎', accountId: ACME },
    }) }).catch((e) => ({ error: String(e) }));
    // Wait until the log is stored as sent (its request in flight, under a lease), then stop
    // the worker under the request.
    await eventually(async () => {
      const stored = await options.evaluate(() => chrome.storage.local.get('log:call-killed'));
      return stored['log:call-killed']?.entry.delivery.state === 'SENT';
    }, 'the log to be in flight');
    const cdp = await browser.context.newCDPSession(options);
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    const interrupted = await pending;
    assert.ok(interrupted.error || interrupted.log?.delivery.state !== 'DONE', JSON.stringify(interrupted));
    await devorg.admin('faults', {});

    // The next message starts the worker again. The request's lease (a minute) must run out
    // before anything touches the log (Salesforce may still be carrying it out); then the log
    // is verified and, if need be, sent: the alarm wakes the worker for it.
    const done = await eventually(async () => {
      const reply = await send(options, { kind: 'CallLogs' }).catch(() => null);
      const log = reply?.logs?.find((l) => l.callId === 'call-killed');
      return log?.delivery.state === 'DONE' ? log : null;
    }, 'the log to be delivered after the restart', 900);
    const tasks = (await devorg.records('Task')).filter((t) => t.CallObject === 'call-killed');
    assert.equal(tasks.length, 1, 'exactly one Task');
    assert.equal(done.delivery.taskId, tasks[0].Id);
  } finally {
    await browser.close();
    devorg.stop();
  }
});
