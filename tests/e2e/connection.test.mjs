// The Salesforce connection end to end: capabilities per edition and licence, lookups through
// the worker, exactly the requests counted at the devorg, session expiry and the daily limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDevorg, launchBrowser, login, extensionStorage, eventually, testLookup } from './harness.mjs';

const CONTACT = '/lightning/r/Contact/0035g00000Yam4dAAB/view';

/** Opens a Lightning page as `username` and waits until the worker has described the org. */
async function connect(devorg, username, settled = (row) => row && row.state !== 'CHECKING') {
  const browser = await launchBrowser(devorg);
  const page = await browser.context.newPage();
  await login(page, devorg, CONTACT, username);
  const options = await browser.context.newPage();
  const row = await eventually(async () => {
    await options.goto(browser.optionsUrl);
    await options.waitForSelector('body[data-ready="true"]');
    const found = await orgRow(options);
    return settled(found) ? found : null;
  }, 'the org connection');
  return { browser, page, options, row };
}

async function orgRow(options) {
  return options.evaluate(() => {
    const tr = document.querySelector('#orgs tr[data-org]');
    if (!tr) return null;
    const cells = Object.fromEntries([...tr.querySelectorAll('td')].map((td) => [td.dataset.field, td.textContent]));
    return { ...cells, state: tr.dataset.state, lookupCode: tr.dataset.lookup, loggingCode: tr.dataset.logging };
  });
}

for (const edition of ['enterprise', 'developer']) {
  test(`${edition}: capabilities in two API calls, a lookup in one`, async () => {
    const devorg = await startDevorg(['--edition', edition]);
    const { browser, options, row } = await connect(devorg, 'sato@acme.example');
    try {
      assert.equal(row.state, 'CONNECTED');
      assert.equal(row.edition, edition === 'enterprise' ? 'Enterprise Edition' : 'Developer Edition');
      assert.equal(row.lookupCode, 'AVAILABLE');
      assert.equal(row.loggingCode, 'AVAILABLE');
      assert.equal(row.readable, 'Contact, Account, Lead');
      assert.equal(row.userId, '0055g00000AbCdEAAV');
      const described = await devorg.apiRequests();
      assert.deepEqual(described.map((r) => `${r.method} ${r.path}`), [
        'GET /services/data/v51.0/', 'POST /services/data/v51.0/composite',
      ]);

      const result = await testLookup(options, '03-1234-5678');
      assert.equal(result.error, null);
      assert.deepEqual(result.rows.filter((r) => r.exact).map((r) => r.name), ['山田 太郎', '山田 花子']);
      const after = await devorg.apiRequests();
      assert.equal(after.length, described.length + 1, 'one request per lookup');
      assert.match(after.at(-1).path, /^\/services\/data\/v51\.0\/search/);

      // A hostile record name arrives as text.
      const hostile = await testLookup(options, '+81 6-1234-5678');
      assert.deepEqual(hostile.rows.map((r) => r.name), ['<img src=x onerror=alert(1)>']);
      assert.equal(await options.locator('#lookup-results img').count(), 0);

      // A number with SOSL syntax in it cannot change the query: it is refused or normalised.
      const sneaky = await testLookup(options, '03-1234-5678} RETURNING User(Id');
      assert.ok(sneaky.rows.every((r) => !r.id.startsWith('005')), JSON.stringify(sneaky));

      await options.reload();
      await options.waitForSelector('body[data-ready="true"]');
      assert.match((await orgRow(options)).apiUsage, /of 15000/);
    } finally {
      await browser.close();
      devorg.stop();
    }
  });
}

test('professional without API: one refused call, then nothing, and the page says why', async () => {
  const devorg = await startDevorg(['--edition', 'professional']);
  const { browser, page, options, row } = await connect(devorg, 'sato@acme.example');
  try {
    assert.equal(row.state, 'API_DISABLED_FOR_ORG');
    assert.equal(row.lookupCode, 'API_DISABLED_FOR_ORG');
    assert.match(row.lookup, /Enterprise, Unlimited, Performance or Developer Edition/);
    assert.equal((await devorg.apiRequests()).length, 1);
    const result = await testLookup(options, '03-1234-5678');
    assert.equal(result.error, 'API_DISABLED_FOR_ORG');
    // Reloading the Lightning page does not try again either.
    await page.reload();
    await page.waitForSelector('sfphone-dial');
    assert.equal((await devorg.apiRequests()).length, 1, 'no request after the first refusal');
  } finally {
    await browser.close();
    devorg.stop();
  }
});

test('platform starter user: no Lead in lookups, and no error', async () => {
  const devorg = await startDevorg();
  const { browser, options, row } = await connect(devorg, 'suzuki@acme.example');
  try {
    assert.equal(row.readable, 'Contact, Account');
    const result = await testLookup(options, '0312345678');
    assert.equal(result.error, null);
    assert.deepEqual(result.rows.map((r) => r.name), ['山田 太郎']);
    const search = (await devorg.apiRequests()).at(-1);
    assert.ok(!decodeURIComponent(search.path).includes('Lead('), search.path);
  } finally {
    await browser.close();
    devorg.stop();
  }
});

test('an expired session: the cookie is read again once, then the user is asked to log in', async () => {
  const devorg = await startDevorg();
  const { browser, page, options } = await connect(devorg, 'sato@acme.example');
  try {
    await devorg.admin('expire-sessions');
    const before = (await devorg.apiRequests()).length;
    const expired = await testLookup(options, '03-1234-5678');
    assert.equal(expired.error, 'INVALID_SESSION_ID');
    const tries = (await devorg.apiRequests()).slice(before);
    assert.deepEqual(tries.map((r) => r.status), [401, 401], 'one re-read, no loop');
    await options.reload();
    await options.waitForSelector('body[data-ready="true"]');
    assert.equal((await orgRow(options)).state, 'INVALID_SESSION_ID');

    // Logging in again gives a new cookie, which the next request reads.
    await login(page, devorg, CONTACT, 'sato@acme.example');
    const again = await testLookup(options, '03-1234-5678');
    assert.equal(again.error, null);
    assert.ok(again.rows.length >= 2);
  } finally {
    await browser.close();
    devorg.stop();
  }
});

test('the daily API limit: a visible state and no retry loop', async () => {
  const devorg = await startDevorg();
  const { browser, options } = await connect(devorg, 'sato@acme.example');
  try {
    const log = await devorg.log();
    await devorg.admin('config', { apiMax: log.apiUsed });
    const before = (await devorg.apiRequests()).length;
    const first = await testLookup(options, '03-1234-5678');
    assert.equal(first.error, 'REQUEST_LIMIT_EXCEEDED');
    const second = await testLookup(options, '03-1234-5678');
    assert.equal(second.error, 'REQUEST_LIMIT_EXCEEDED');
    assert.equal((await devorg.apiRequests()).length, before + 1, 'the second lookup made no request');
    await options.reload();
    await options.waitForSelector('body[data-ready="true"]');
    const row = await orgRow(options);
    assert.equal(row.state, 'REQUEST_LIMIT_EXCEEDED');
    assert.match(row.state && row.lookup, /Available|利用可能/);

    // The session id is in no storage and no console line, whatever happened.
    const sids = (await browser.context.cookies()).filter((c) => c.name === 'sid').map((c) => c.value);
    const stored = JSON.stringify(await extensionStorage(browser.worker));
    for (const sid of sids) {
      assert.ok(!stored.includes(sid));
      assert.ok(!browser.consoleLines.some((line) => line.includes(sid)));
    }
  } finally {
    await browser.close();
    devorg.stop();
  }
});

test('a truncated answer is a clear error, and the next lookup works', async () => {
  const devorg = await startDevorg();
  const { browser, options } = await connect(devorg, 'sato@acme.example');
  try {
    await devorg.admin('faults', { truncateCount: 1 });
    const broken = await testLookup(options, '03-1234-5678');
    assert.equal(broken.error, 'BAD_RESPONSE');
    assert.match(await options.textContent('#lookup-error'), /could not read|読み取れない/);
    const fine = await testLookup(options, '03-1234-5678');
    assert.equal(fine.error, null);
  } finally {
    await browser.close();
    devorg.stop();
  }
});

test('lookup rules: the chosen object priority orders the candidates', async () => {
  const devorg = await startDevorg();
  const { browser, options } = await connect(devorg, 'sato@acme.example');
  try {
    const before = await testLookup(options, '03-1234-5678');
    assert.equal(before.rows[0].name, '山田 太郎', 'Contact first by default');
    await options.selectOption('#lookup-priority', 'Lead,Contact,Account');
    await options.click('#priority-save');
    await options.waitForSelector('#priority-result[data-saved="true"]');
    const after = await testLookup(options, '03-1234-5678');
    assert.deepEqual(after.rows.filter((r) => r.exact).map((r) => r.name), ['山田 花子', '山田 太郎']);
    await options.reload();
    await options.waitForSelector('body[data-ready="true"]');
    assert.equal(await options.inputValue('#lookup-priority'), 'Lead,Contact,Account');
  } finally {
    await browser.close();
    devorg.stop();
  }
});
