// The permissions check on the options page, against the devorg's own access rules: field-level
// security hiding Lead.Phone and making Task.Subject read-only shows exactly those two items as
// missing, under the feature each blocks, with what the administrator must grant; a Platform
// Starter user's Lead is shown as not in the licence, not as a permission to grant. The check
// costs no API call beyond capability detection's two.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDevorg, launchBrowser, login, eventually } from './harness.mjs';

const CONTACT = '/lightning/r/Contact/0035g00000Yam4dAAB/view';

async function checklist(devorg, username) {
  const browser = await launchBrowser(devorg);
  try {
    const page = await browser.context.newPage();
    await login(page, devorg, CONTACT, username);
    const options = await browser.context.newPage();
    return await eventually(async () => {
      await options.goto(browser.optionsUrl);
      await options.waitForSelector('body[data-ready="true"]');
      const rows = await options.evaluate(() => [...document.querySelectorAll('#permissions-list tr[data-item]')].map((tr) => ({
        feature: tr.dataset.feature,
        item: tr.dataset.item,
        ok: tr.dataset.ok === 'true',
        code: tr.dataset.code,
        todo: tr.querySelector('[data-field="todo"]').textContent,
      })));
      return rows.length ? rows : null;
    }, 'the permissions check');
  } finally {
    await browser.close();
  }
}

test('FLS hiding Lead.Phone and a read-only Task.Subject: exactly those are missing, under their features', async () => {
  const devorg = await startDevorg(['--edition', 'enterprise']);
  try {
    await devorg.admin('fls', { username: 'sato@acme.example', object: 'Lead', field: 'Phone', access: 'hidden' });
    await devorg.admin('fls', { username: 'sato@acme.example', object: 'Task', field: 'Subject', access: 'read' });
    const rows = await checklist(devorg, 'sato@acme.example');
    const missing = rows.filter((r) => !r.ok).map((r) => `${r.feature} ${r.item} ${r.code}`);
    assert.deepEqual(missing, [
      'Lookup Read Lead.Phone FIELD_NOT_READABLE',
      'Logging Edit Task.Subject FIELD_NOT_WRITABLE',
    ]);
    assert.match(rows.find((r) => r.item === 'Read Lead.Phone').todo, /field-level security/);
    // What is granted is listed too: the admin sees the whole table, not only the gaps.
    for (const item of ['API Enabled', 'Read Contact.Phone', 'Create Task', 'Edit Task.WhoId', 'Edit Task.OwnerId']) {
      assert.ok(rows.some((r) => r.item === item && r.ok), item);
    }
    const rest = (await devorg.log()).requests.filter((r) => r.path.startsWith('/services/data/v51.0'));
    assert.deepEqual(rest.map((r) => `${r.method} ${r.path}`), ['GET /services/data/v51.0/', 'POST /services/data/v51.0/composite']);
  } finally {
    devorg.stop();
  }
});

test('a Platform Starter user: Lead is not in the licence, nothing to grant', async () => {
  const devorg = await startDevorg(['--edition', 'enterprise']);
  try {
    const rows = await checklist(devorg, 'suzuki@acme.example');
    const missing = rows.filter((r) => !r.ok).map((r) => `${r.feature} ${r.item} ${r.code}`);
    assert.deepEqual(missing, ['Lookup Read Lead NOT_IN_EDITION']);
    assert.match(rows.find((r) => r.item === 'Read Lead').todo, /no Leads/);
  } finally {
    devorg.stop();
  }
});
