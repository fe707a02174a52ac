// End-to-end harness: starts the devorg, and Chromium with the built extension reaching it
// under the real Salesforce host names. Nothing leaves loopback: every other host fails to resolve.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST = join(ROOT, 'dist');
const DEVORG_BIN = join(ROOT, 'target/debug/devorg');

/** Starts a devorg; resolves with its ready record `{port, spki, apiHost, lightningHost, …}`. */
export async function startDevorg(args = []) {
  if (!existsSync(DEVORG_BIN)) throw new Error(`${DEVORG_BIN} is missing: run ./build.sh build first`);
  const child = spawn(DEVORG_BIN, ['--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const ready = await new Promise((resolveReady, reject) => {
    child.once('exit', (code) => reject(new Error(`devorg exited with ${code}`)));
    lines.on('line', (line) => {
      if (line.startsWith('DEVORG_READY ')) resolveReady(JSON.parse(line.slice('DEVORG_READY '.length)));
    });
  });
  const base = `https://127.0.0.1:${ready.port}`;
  return {
    ...ready,
    apiUrl: (path) => `https://${ready.apiHost}${path}`,
    lightningUrl: (path) => `https://${ready.lightningHost}${path}`,
    /** The devorg's request log and API counter (test control, loopback only). */
    async log() {
      return adminRequest('GET', `${base}/__devorg/log`, ready.apiHost);
    },
    /** REST requests the devorg saw (under /services/data/v51.0), in order. */
    async apiRequests() {
      const log = await adminRequest('GET', `${base}/__devorg/log`, ready.apiHost);
      return log.requests.filter((r) => r.path.startsWith('/services/data/v51.0'));
    },
    /** The devorg's OAuth state: its Connected App, approvals and live tokens (counts). */
    oauth() {
      return adminRequest('GET', `${base}/__devorg/oauth`, ready.apiHost);
    },
    /** The records of one object, as the devorg stores them. */
    records(object) {
      return adminRequest('GET', `${base}/__devorg/records/${object}`, ready.apiHost);
    },
    /** A test control: POST /__devorg/<path> with a JSON body. */
    admin(path, body = {}) {
      return adminRequest('POST', `${base}/__devorg/${path}`, ready.apiHost, body);
    },
    stop() { child.kill('SIGTERM'); },
  };
}

// Node's fetch cannot be told to trust one certificate; test controls go through node:https.
async function adminRequest(method, url, host, body) {
  const https = await import('node:https');
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolveBody, reject) => {
    const req = https.request(url, {
      method,
      rejectUnauthorized: false,
      servername: host,
      headers: { host, ...(payload ? { 'content-type': 'application/json' } : {}) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { text += chunk; });
      res.on('end', () => resolveBody(text ? JSON.parse(text) : null));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Chromium's flags for one devorg, or several (each its own org, hosts and certificate). */
export function chromiumArgs(devorgs) {
  const orgs = [devorgs].flat();
  const maps = orgs.flatMap((o) => [o.apiHost, o.lightningHost].map((host) => `MAP ${host} 127.0.0.1:${o.port}`));
  return [
    `--disable-extensions-except=${DIST}`,
    `--load-extension=${DIST}`,
    `--host-resolver-rules=${maps.join(', ')}, MAP * ~NOTFOUND, EXCLUDE localhost`,
    `--ignore-certificate-errors-spki-list=${orgs.map((o) => o.spki).join(',')}`,
    '--headless=new',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ];
}

/**
 * Launches Chromium with the built extension; returns the context, the worker and the extension id.
 * `headless: false` shows the window on `env.DISPLAY` (`env` is added to this process's).
 */
export async function launchBrowser(devorg, { headless = true, extraArgs = [], env = {}, region = 'JP' } = {}) {
  if (!existsSync(join(DIST, 'manifest.json'))) throw new Error('dist/ is missing: run ./build.sh build first');
  const userDataDir = mkdtempSync(join(tmpdir(), 'sfphone-e2e-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: false, // --headless=new is passed explicitly (extensions need the new headless mode)
    args: [...(headless ? chromiumArgs(devorg) : chromiumArgs(devorg).filter((a) => a !== '--headless=new')), ...extraArgs],
    env: { ...process.env, ...env, TMPDIR: userDataDir },
  });
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  const extensionId = new URL(worker.url()).host;
  // The tests' numbers are Japanese, the browser's language English (a first run would read
  // national numbers as American): the user chooses Japan, as on the options page.
  if (region) await chooseRegion(context, `chrome-extension://${extensionId}/options.html`, region);
  const consoleLines = [];
  const watch = (page) => page.on('console', (msg) => consoleLines.push(msg.text()));
  context.pages().forEach(watch);
  context.on('page', watch);
  return {
    context,
    worker,
    extensionId,
    consoleLines,
    optionsUrl: `chrome-extension://${extensionId}/options.html`,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Sets the region of national numbers on the options page, as a user does. */
export async function chooseRegion(context, optionsUrl, region) {
  const page = await context.newPage();
  await page.goto(optionsUrl);
  await page.waitForSelector('body[data-ready="true"]');
  await page.selectOption('#dial-region', region);
  await page.click('#dial-rules-save');
  await page.waitForSelector('#dial-rules-result[data-saved="true"]');
  await page.close();
}

/** The options page's test lookup of `number`: its error code (or null) and the rows found. */
export async function testLookup(options, number) {
  await options.fill('#lookup-number', number);
  await options.click('#lookup-run');
  await options.waitForSelector('#lookup-results[data-done="true"]', { state: 'attached' });
  return options.evaluate(() => ({
    error: document.querySelector('#lookup-error:not([hidden])')?.dataset.code ?? null,
    rows: [...document.querySelectorAll('#lookup-results tr[data-id]')].map((tr) => ({
      id: tr.dataset.id,
      exact: tr.dataset.exact === 'true',
      name: tr.querySelector('[data-field="name"]').textContent,
    })),
  }));
}

/** Logs in through the devorg's login form, like a user, and lands on `startPath` in Lightning. */
export async function login(page, devorg, startPath, username = devorg.username) {
  await page.goto(devorg.apiUrl(`/?startURL=${encodeURIComponent(startPath)}`));
  await page.fill('#username', username);
  await page.fill('#password', devorg.password);
  await Promise.all([
    page.waitForURL((url) => url.host === devorg.lightningHost && url.pathname === startPath.split('?')[0]),
    page.click('#Login'),
  ]);
}

/** Everything the extension keeps in `chrome.storage.local`, read from its service worker. */
export async function extensionStorage(worker) {
  return worker.evaluate(() => chrome.storage.local.get(null));
}

/** The call desk's stored logs (one `log:<call id>` key each). */
export async function storedLogs(worker) {
  const all = await extensionStorage(worker);
  return Object.entries(all).filter(([k]) => k.startsWith('log:')).map(([, v]) => v);
}

/** Polls `probe` until it returns a truthy value (the extension works asynchronously). */
export async function eventually(probe, what, tries = 100) {
  for (let i = 0; i < tries; i++) {
    const value = await probe();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Polls `read` until `pred` holds for what it read; names `label`'s last value if it never does. */
export async function until(read, pred, what, label, tries = 150) {
  let last;
  try {
    return await eventually(async () => {
      last = await read();
      return last && pred(last) ? last : null;
    }, what, tries);
  } catch (e) {
    throw new Error(`${e.message}; ${label}: ${JSON.stringify(last)}`);
  }
}

/**
 * Runs `fn(arg)` in our content script's isolated world on `page` (where a compromised renderer
 * or a hostile page that broke out of its own world would run), through the DevTools protocol;
 * returns its value, or `{ threw: message }`.
 */
export async function inContentScript(page, fn, arg = null) {
  const cdp = await page.context().newCDPSession(page);
  try {
    const contexts = [];
    cdp.on('Runtime.executionContextCreated', ({ context }) => contexts.push(context));
    await cdp.send('Runtime.enable');
    const ours = await eventually(async () => contexts.find((c) =>
      c.auxData?.type === 'isolated' && c.auxData?.isDefault === false
      && !c.name.startsWith('__playwright')), 'the content script world');
    const { result, exceptionDetails } = await cdp.send('Runtime.evaluate', {
      contextId: ours.id,
      expression: `(async () => { try { return await (${fn})(${JSON.stringify(arg)}); }
        catch (e) { return { threw: String(e && e.message || e) }; } })()`,
      awaitPromise: true,
      returnByValue: true,
    });
    if (exceptionDetails) throw new Error(exceptionDetails.text);
    return result.value;
  } finally {
    await cdp.detach();
  }
}

/**
 * Evaluates `expression` in the extension's offscreen document (the phone engine), which
 * Playwright does not list: through the DevTools protocol's target domain, from a session of
 * `page`. Resolves to the expression's value (awaited, by value).
 */
export async function inOffscreen(page, expression) {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { targetInfos } = await cdp.send('Target.getTargets');
    const target = targetInfos.find((t) => t.url.endsWith('/offscreen.html'));
    if (!target) return undefined;
    const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: target.targetId, flatten: false });
    const reply = new Promise((resolveReply) => {
      cdp.on('Target.receivedMessageFromTarget', ({ sessionId: from, message }) => {
        const m = JSON.parse(message);
        if (from === sessionId && m.id === 1) resolveReply(m);
      });
    });
    await cdp.send('Target.sendMessageToTarget', {
      sessionId,
      message: JSON.stringify({ id: 1, method: 'Runtime.evaluate', params: { expression, returnByValue: true, awaitPromise: true } }),
    });
    const { result, error } = await reply;
    await cdp.send('Target.detachFromTarget', { sessionId }).catch(() => {});
    if (error || result.exceptionDetails) throw new Error(JSON.stringify(error || result.exceptionDetails));
    return result.result.value;
  } finally {
    await cdp.detach().catch(() => {});
  }
}
