// "Connect with Salesforce": an org with API Access Control refuses the browser session for the
// REST API; the user connects through chrome.identity.launchWebAuthFlow against the devorg's own
// authorize and consent pages (PKCE), and lookups and Task logging then go with the token,
// as the devorg's log shows. A token whose user is not the Lightning session's is refused,
// an expired access token is refreshed, and Disconnect revokes the grant at the devorg.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDevorg, launchBrowser, login, eventually, testLookup } from './harness.mjs';

const CONTACT = '/lightning/r/Contact/0035g00000Yam4dAAB/view';
const KEY = '3MVG9devorgPhoneForSalesforce';

async function orgRow(options) {
  return options.evaluate(() => {
    const tr = document.querySelector('#orgs tr[data-org]');
    return tr ? { state: tr.dataset.state, org: tr.dataset.org } : null;
  });
}

/** Reloads the options page until the org's row is in a state `wanted` accepts. */
async function rowWhen(options, optionsUrl, wanted, what) {
  return eventually(async () => {
    await options.goto(optionsUrl);
    await options.waitForSelector('body[data-ready="true"]');
    const row = await orgRow(options);
    return row && wanted(row.state) ? row : null;
  }, what);
}

const restSince = async (devorg, from) =>
  (await devorg.log()).requests.slice(from).filter((r) => r.path.startsWith('/services/data/v51.0'));

test('API Access Control: connect with Salesforce, then lookups and logging go with the token; wrong user refused, refresh, disconnect revokes', async () => {
  const devorg = await startDevorg();
  const browser = await launchBrowser(devorg);
  try {
    const callback = `https://${browser.extensionId}.chromiumapp.org/`;
    await devorg.admin('connected-app', { consumerKey: KEY, callbackUrls: [callback] });
    await devorg.admin('api-access-control', { on: true });

    const page = await browser.context.newPage();
    await login(page, devorg, CONTACT);
    const options = await browser.context.newPage();
    await rowWhen(options, browser.optionsUrl, (s) => s === 'API_SESSION_REFUSED', 'the refused browser session');
    // The page says what to do, in the user's words, and offers the connection.
    assert.equal((await testLookup(options, '03-1234-5678')).error, 'API_SESSION_REFUSED');
    assert.match(await options.textContent('#lookup-error'), /Connect with Salesforce/);
    assert.equal(await options.inputValue('#oauth-callback'), callback);

    // A malformed key is refused next to its field; the real one is kept.
    await options.fill('#oauth-consumer-key', 'not a key');
    await options.click('#oauth-key-save');
    await options.waitForSelector('#oauth-consumer-key-error:not([hidden])');
    assert.equal(await options.getAttribute('#oauth-consumer-key-error', 'data-code'), 'BAD_CONSUMER_KEY');
    await options.fill('#oauth-consumer-key', KEY);
    await options.click('#oauth-key-save');
    await options.waitForSelector('#oauth-key-result[data-saved="true"]');

    // The sign-in window: the devorg's consent page (the user is logged in already), Allow.
    const before = (await devorg.log()).requests.length;
    const windowOpened = browser.context.waitForEvent('page', {
      predicate: (p) => /RemoteAccessAuthorizationPage|oauth2\/authorize/.test(p.url()),
      timeout: 20_000,
    });
    await options.click('#oauth-orgs li[data-org] button[data-action="connect"]');
    const consent = await windowOpened;
    await consent.waitForSelector('#oaapprove');
    await consent.click('#oaapprove');
    await options.waitForSelector('#oauth-orgs .oauth-state[data-source="oauth"]', { timeout: 20_000 });

    await rowWhen(options, browser.optionsUrl, (s) => s === 'CONNECTED', 'the org described through the token');
    const found = await testLookup(options, '03-1234-5678');
    assert.equal(found.error, null);
    assert.ok(found.rows.some((r) => r.id === '0035g00000Yam4dAAB'), JSON.stringify(found));
    await options.click('#testlog-run');
    await options.waitForSelector('#testlog-result[data-done="true"]');
    assert.equal(await options.getAttribute('#testlog-result', 'data-code'), 'DONE');
    const written = (await devorg.records('Task')).filter((t) => t.CallObject?.startsWith('test-'));
    assert.equal(written.length, 1);
    const rest = await restSince(devorg, before);
    assert.ok(rest.length >= 3, JSON.stringify(rest));
    // Every REST call after connecting carried the token, none the browser session.
    assert.deepEqual(rest.filter((r) => r.status < 400).map((r) => r.auth).filter((a) => a !== 'oauth'), []);
    assert.ok(rest.some((r) => r.method === 'POST' && r.auth === 'oauth' && r.status < 300), 'the Task went with the token');

    // The access token expires: the refresh token gets a new one, and the lookup works.
    await devorg.admin('oauth/expire-tokens');
    const mark = (await devorg.log()).requests.length;
    assert.equal((await testLookup(options, '03-1234-5678')).error, null);
    const after = (await devorg.log()).requests.slice(mark);
    assert.ok(after.some((r) => r.path === '/services/oauth2/token' && r.status === 200), JSON.stringify(after));

    // Another user logs in to Lightning in this browser: sato's token is not used for them.
    await login(page, devorg, CONTACT, 'tanaka@acme.example');
    assert.equal((await testLookup(options, '03-1234-5678')).error, 'OAUTH_WRONG_USER');
    await login(page, devorg, CONTACT, 'sato@acme.example');
    assert.equal((await testLookup(options, '03-1234-5678')).error, null);

    // Disconnect: revoked at the devorg, and the org is back to the refused browser session.
    await options.goto(browser.optionsUrl);
    await options.waitForSelector('body[data-ready="true"]');
    await options.click('#oauth-orgs li[data-org] button[data-action="disconnect"]');
    await options.waitForSelector('#oauth-orgs .oauth-state[data-source="browser"]');
    const summary = await eventually(async () => {
      const s = await devorg.oauth();
      return s.refreshTokens === 0 ? s : null;
    }, 'the grant revoked');
    assert.equal(summary.accessTokens, 0);
    assert.equal((await testLookup(options, '03-1234-5678')).error, 'API_SESSION_REFUSED');
  } finally {
    await browser.close();
    devorg.stop();
  }
});
