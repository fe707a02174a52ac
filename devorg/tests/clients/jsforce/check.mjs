// Runs jsforce (npm, unchanged, pinned in package.json) against the devorg: create, retrieve,
// update and destroy, single and array (the array forms use sObject Collections), query, SOSL
// search, describe, limits and error mapping. Exits non-zero on any
// mismatch.
//
// Usage: node check.mjs PORT SESSION_ID CERT_PEM
// Only name resolution is adapted: the devorg listens on loopback under the real host names.
// TLS is verified against the devorg's own certificate, nothing else is trusted.
import assert from 'node:assert/strict';
import dns from 'node:dns';
import fs from 'node:fs';
import https from 'node:https';

import { Connection } from 'jsforce';

const [port, sessionId, certPath] = process.argv.slice(2);
if (!certPath) {
  console.error('usage: node check.mjs PORT SESSION_ID CERT_PEM');
  process.exit(2);
}

// jsforce fetches through node's https module with its global agent (no proxy configured), so
// the agent is where the loopback lookup and the devorg's certificate go.
function loopback(hostname, options, callback) {
  const resolved = hostname.endsWith('.my.salesforce.com') ? '127.0.0.1' : hostname;
  return dns.lookup(resolved, options, callback);
}
https.globalAgent = new https.Agent({
  keepAlive: true,
  ca: fs.readFileSync(certPath),
  lookup: loopback,
});

const instanceUrl = `https://acme.my.salesforce.com:${port}`;
const conn = new Connection({ instanceUrl, accessToken: sessionId, version: '51.0' });
const done = [];

async function step(name, body) {
  try {
    await body();
  } catch (error) {
    console.error(`FAILED: ${name}`);
    throw error;
  }
  done.push(name);
}

const YAMADA = '0035g00000Yam4dAAB';
const ACME = '0015g00000AcMeAAAV';

await step('query', async () => {
  const result = await conn.query(
    "SELECT Id, Name, Phone, Account.Name FROM Contact WHERE LastName = '山田'",
  );
  assert.equal(result.totalSize, 1);
  assert.equal(result.records[0].Id, YAMADA);
  assert.equal(result.records[0].Account.Name, '株式会社アクメ');
});

await step('query (all records)', async () => {
  const result = await conn.query('SELECT Id FROM Contact');
  assert.ok(result.done && result.totalSize >= 10);
  assert.equal(result.records.length, result.totalSize);
});

await step('search', async () => {
  const found = await conn.search(
    'FIND {0312345678} IN PHONE FIELDS RETURNING Contact(Id, Name), Lead(Id, Name, Company)',
  );
  const types = found.searchRecords.map((r) => r.attributes.type).sort();
  assert.deepEqual(types, ['Contact', 'Lead']);
});

await step('describe', async () => {
  const task = await conn.describe('Task');
  const fields = Object.fromEntries(task.fields.map((f) => [f.name, f]));
  assert.equal(fields.CallType.restrictedPicklist, true);
  assert.equal(fields.TaskSubtype.updateable, false);
  const global = await conn.describeGlobal();
  assert.ok(global.sobjects.some((o) => o.name === 'Lead'));
});

await step('limits', async () => {
  const limits = await conn.limits();
  assert.ok(limits.DailyApiRequests.Max > 0);
  assert.ok(limits.DailyApiRequests.Remaining < limits.DailyApiRequests.Max);
});

let single;
await step('create (single)', async () => {
  single = await conn.sobject('Task').create({
    Subject: '発信', TaskSubtype: 'Call', CallType: 'Outbound', WhoId: YAMADA,
    CallObject: 'jsforce',
  });
  assert.equal(single.success, true);
  assert.match(single.id, /^00T/);
});

await step('retrieve (single)', async () => {
  const task = await conn.sobject('Task').retrieve(single.id);
  assert.equal(task.Subject, '発信');
  assert.equal(task.AccountId, ACME);
});

let many;
await step('create (array, sObject Collections)', async () => {
  many = await conn.sobject('Task').create([
    { Subject: 'one', CallObject: 'jsforce-many' },
    { Subject: 'two', CallObject: 'jsforce-many' },
    { Subject: 'three', CallObject: 'jsforce-many', WhoId: ACME },
  ]);
  assert.deepEqual(many.map((r) => r.success), [true, true, false]);
  assert.equal(many[2].errors[0].statusCode, 'FIELD_INTEGRITY_EXCEPTION');
  assert.deepEqual(many[2].errors[0].fields, ['WhoId']);
});
const [one, two] = many.map((r) => r.id);

await step('create (array, allOrNone)', async () => {
  const results = await conn.sobject('Task').create(
    [{ Subject: 'kept?', CallObject: 'jsforce-rolled-back' }, { Subject: 'bad', CallType: 'Sideways' }],
    { allOrNone: true },
  );
  assert.deepEqual(results.map((r) => r.success), [false, false]);
  assert.equal(results[0].errors[0].statusCode, 'ALL_OR_NONE_OPERATION_ROLLED_BACK');
  assert.equal(results[1].errors[0].statusCode, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
  const left = await conn.query("SELECT Id FROM Task WHERE CallObject = 'jsforce-rolled-back'");
  assert.equal(left.totalSize, 0);
});

await step('retrieve (array, sObject Collections)', async () => {
  const missing = `${one.slice(0, 3)}000000000000AAA`;
  const records = await conn.sobject('Task').retrieve([one, missing, two]);
  assert.equal(records.length, 3);
  assert.equal(records[0].Subject, 'one');
  assert.equal(records[1], null);
  assert.equal(records[2].Subject, 'two');
  const named = await conn.retrieve('Contact', [YAMADA], { fields: ['lastname', 'Phone'] });
  assert.deepEqual(Object.keys(named[0]).sort(), ['LastName', 'Phone', 'attributes']);
  assert.equal(named[0].LastName, '山田');
});

await step('update (single)', async () => {
  const result = await conn.sobject('Task').update({ Id: single.id, Description: 'メモ' });
  assert.equal(result.success, true);
});

await step('update (array, sObject Collections)', async () => {
  const results = await conn.sobject('Task').update([
    { Id: one, Description: '一' },
    { Id: two, Description: '二' },
    { Id: YAMADA, Description: 'a Contact is not a Task' },
  ]);
  assert.deepEqual(results.map((r) => r.success), [true, true, false]);
  assert.deepEqual(results.slice(0, 2).map((r) => r.id), [one, two]);
  assert.equal(results[2].errors[0].statusCode, 'MALFORMED_ID');
  const check = await conn.sobject('Task').retrieve([one, two]);
  assert.deepEqual(check.map((r) => r.Description), ['一', '二']);
});

await step('update (array, allOrNone)', async () => {
  const results = await conn.sobject('Task').update(
    [{ Id: one, Description: 'rolled back' }, { Id: two, CallType: 'Sideways' }],
    { allOrNone: true },
  );
  assert.deepEqual(results.map((r) => r.success), [false, false]);
  assert.equal(results[0].errors[0].statusCode, 'ALL_OR_NONE_OPERATION_ROLLED_BACK');
  assert.equal((await conn.sobject('Task').retrieve(one)).Description, '一');
});

await step('destroy (array, sObject Collections)', async () => {
  const results = await conn.sobject('Task').destroy([one, two]);
  assert.deepEqual(results.map((r) => [r.id, r.success]), [[one, true], [two, true]]);
  const again = await conn.sobject('Task').destroy([one]);
  assert.equal(again[0].success, false);
  assert.equal(again[0].errors[0].statusCode, 'ENTITY_IS_DELETED');
  const gone = await conn.sobject('Task').retrieve([one, two]);
  assert.deepEqual(gone, [null, null]);
});

await step('errors', async () => {
  await assert.rejects(conn.query('SELECT Id FROM Contact WHERE'), { errorCode: 'MALFORMED_QUERY' });
  await assert.rejects(conn.sobject('Task').retrieve(`${one.slice(0, 3)}000000000000AAA`), {
    errorCode: 'NOT_FOUND',
  });
  // Lengths count UTF-16 units: 41 emoji are 82 of Contact.LastName's 80.
  await assert.rejects(conn.sobject('Contact').create({ LastName: '😀'.repeat(41) }), {
    errorCode: 'STRING_TOO_LONG',
  });
  const bad = new Connection({ instanceUrl, accessToken: '00D5g000004ABCD!nope', version: '51.0' });
  await assert.rejects(bad.query('SELECT Id FROM Contact'), { errorCode: 'INVALID_SESSION_ID' });
});

console.log(`jsforce: ${done.join(', ')}: ok`);
