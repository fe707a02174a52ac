// A Task record type of the user's own: its memo picklist offers fewer values than the field's
// master list. The org is described with one more call (describe/layouts/), and the panel's
// memo chips are the record type's values only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from './harness.mjs';
import { click, panelUntil, userClicks, wrapUp, dialFromPanel } from './panel.mjs';
import { USERS } from './sip/kamailio.mjs';
import { startPhoneLab, registeredLightning } from './sip/lab.mjs';

const SUPPORT = '0125g000000SupAAA';
let lab;
let lightning;

before(async () => {
  lab = await startPhoneLab({ farEnds: [[USERS.far, 'answer']] });
  // Before any page is open (the org is described at the first one).
  await lab.devorg.admin('task-record-type', {
    id: SUPPORT, name: 'Support', picklists: { CallMemo__c: ['見積依頼', '折り返し希望'] },
  });
  await lab.browser.worker.evaluate(() => chrome.storage.local.set({ fieldMapping: { memoField: 'CallMemo__c' } }));
  lightning = await registeredLightning(lab, '/lightning/page/home');
});

after(async () => {
  await lab?.stop();
});

test('the memo chips are the values the user\'s Task record type offers', async () => {
  const layouts = () => lab.devorg.apiRequests().then((all) => all.filter((r) => r.path.includes('/describe/layouts')));
  await eventually(async () => (await layouts()).length > 0, 'the org described');
  await dialFromPanel(lightning, USERS.far.user);
  await panelUntil(lightning, 'connected', (s) => s.phase === 'phase_CONNECTED');
  const shown = await eventually(async () => {
    const w = await wrapUp(lightning);
    return w?.chips.length ? w : null;
  }, 'the memo chips');
  assert.deepEqual(shown.chips, [['折り返し希望', false], ['見積依頼', false]], 'not 資料送付, クレーム or 不在');
  await userClicks(lightning, '.chip[data-memo="見積依頼"]');
  await eventually(async () => (await wrapUp(lightning)).chips[1][1], 'the chip pressed');
  const callId = await eventually(async () => (await lab.farLast(USERS.far.user))?.callId, 'the call id');
  await click(lightning, '.hangup');
  await panelUntil(lightning, 'logged', (s) => s.logged?.href);
  const [task] = (await lab.devorg.records('Task')).filter((t) => t.CallObject === callId);
  assert.equal(task.CallMemo__c, '見積依頼');
  assert.equal((await layouts()).length, 1, 'one describe/layouts/ read, when the org was described');
});
