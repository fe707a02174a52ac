// The docked panel as the tests see it: its closed shadow root reached through CDP, its state,
// its buttons. Shared by the e2e files that look at the panel in a Lightning tab.
import assert from 'node:assert/strict';
import { until } from './harness.mjs';

/**
 * Runs `fn(shadowRoot, arg)` against the panel's closed shadow root (CDP pierces it): the one
 * docked in the page, or, in degraded mode, the one in the extension frame (`panel.html`) the
 * page docks instead.
 */
export async function inPanel(page, fn, arg) {
  const frame = page.frames().find((f) => f.url().includes('/panel.html'));
  const targets = frame ? [page, frame] : [page];
  for (const target of targets) {
    const found = await inPanelOf(page, target, fn, arg);
    if (found !== undefined) return found;
  }
  return null;
}

/** `inPanel` in one target (the page or its panel frame); `undefined` when it has no panel. */
async function inPanelOf(page, target, fn, arg) {
  const cdp = await page.context().newCDPSession(target);
  try {
    const { root } = await cdp.send('DOM.getDocument', { depth: -1, pierce: true });
    const find = (node) => {
      if (node.attributes && node.attributes.includes('sfphone-panel-host')) return node;
      for (const child of [...(node.children || []), ...(node.shadowRoots || [])]) {
        const hit = find(child);
        if (hit) return hit;
      }
      return null;
    };
    const host = find(root);
    if (!host || !host.shadowRoots?.length) return undefined;
    assert.equal(host.shadowRoots[0].shadowRootType, 'closed');
    const { object } = await cdp.send('DOM.resolveNode', { backendNodeId: host.shadowRoots[0].backendNodeId });
    const { result, exceptionDetails } = await cdp.send('Runtime.callFunctionOn', {
      objectId: object.objectId,
      functionDeclaration: fn.toString(),
      arguments: [{ objectId: object.objectId }, { value: arg ?? null }],
      returnByValue: true,
      awaitPromise: true,
    });
    if (exceptionDetails) throw new Error(JSON.stringify(exceptionDetails));
    return result.value;
  } finally {
    await cdp.detach().catch(() => {});
  }
}

export const panelState = (page) => inPanel(page, (root) => {
  const panel = root.querySelector('.panel');
  const text = (s) => root.querySelector(s)?.textContent ?? '';
  return {
    expanded: panel.dataset.expanded,
    line: panel.dataset.line,
    phase: panel.dataset.phase,
    lineText: text('.line'),
    reason: text('.reason'),
    logging: text('.logging'),
    confirm: root.querySelector('.confirm')?.hidden === false ? text('.confirm-number') : null,
    peer: text('.peer'),
    phaseText: text('.phase'),
    clock: text('.clock'),
    muted: root.querySelector('[data-action=mute]').getAttribute('aria-pressed'),
    held: root.querySelector('[data-action=hold]').getAttribute('aria-pressed'),
    // The incoming-call card: shown or not, its status line, and each record link.
    caller: root.querySelector('.caller')?.hidden === false ? {
      status: text('.caller-status'),
      matches: [...root.querySelectorAll('.matches li')].map((li) => ({
        kind: li.querySelector('.kind')?.textContent,
        name: li.querySelector('a').lastChild.textContent,
        href: li.querySelector('a').getAttribute('href'),
        detail: li.querySelector('.detail')?.textContent ?? null,
        id: li.querySelector('a').dataset.recordId,
        // The "this one" button, when several records have the number: pressed on the choice.
        picked: li.querySelector('.pick')?.getAttribute('aria-pressed') ?? null,
      })),
    } : null,
    // After a call: what became of its Task.
    logged: root.querySelector('.logged')?.hidden === false ? {
      text: text('.logged-text'),
      href: root.querySelector('.task').hidden ? null : root.querySelector('.task').getAttribute('href'),
    } : null,
  };
});

export const click = (page, selector) => inPanel(page, (root, sel) => {
  const el = root.querySelector(sel);
  if (!el) throw new Error(`no ${sel}`);
  el.click();
  return true;
}, selector);

/** Types `number` in the panel's dialer and presses Dial (the panel opened first). */
export async function dialFromPanel(page, number) {
  const state = await panelState(page);
  if (state.expanded !== 'true') await click(page, '[data-action=toggle]');
  await inPanel(page, (root, n) => { root.querySelector('.number').value = n; }, number);
  await click(page, '[data-action=dial]');
}

/** A trusted click (real input events) at the middle of a panel element: what a user does. */
export async function userClicks(page, selector, clickCount = 1) {
  const box = await inPanel(page, (root, sel) => {
    const el = root.querySelector(sel);
    if (!el) throw new Error(`no ${sel}`);
    el.scrollIntoView({ block: 'center' });
    const r = el.getBoundingClientRect();
    return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
  }, selector);
  await page.mouse.click(box.x, box.y, { clickCount });
}

/** Types `text` into a panel field as input events, then (`leave`) leaves it. */
export const typeIn = (page, selector, text, leave = false) => inPanel(page, (root, [sel, t, l]) => {
  const field = root.querySelector(sel);
  if (!field) throw new Error(`no ${sel}`);
  field.focus();
  field.value = t;
  field.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
  if (l) field.blur();
  return true;
}, [selector, text, leave]);

/** The wrap-up under the call, as the user sees it (null when hidden). */
export const wrapUp = (page) => inPanel(page, (root) => {
  const w = root.querySelector('.wrapup');
  if (!w || w.hidden) return null;
  const shown = (s) => root.querySelector(s) && !root.querySelector(s).hidden;
  return {
    record: shown('.record-link') ? root.querySelector('.record-link').textContent : null,
    recordId: shown('.record-link') ? root.querySelector('.record-link').dataset.recordId : null,
    pinned: root.querySelector('.pin').checked,
    chips: [...root.querySelectorAll('.chip')].map((c) => [c.textContent, c.getAttribute('aria-pressed') === 'true']),
    subject: root.querySelector('.subject').value,
    subjectAuto: root.querySelector('.subject').placeholder,
    finder: shown('.record-finder'),
    status: root.querySelector('.record-status').textContent,
    found: [...root.querySelectorAll('.record-results li')].map((li) => ({
      name: li.querySelector('.name')?.textContent, id: li.querySelector('.use').dataset.use,
    })),
    newRecord: shown('.new-record'),
    reason: root.querySelector('.reason').textContent,
  };
});

/** A read of the page that met a navigation (a screen pop opening the caller's record): the
 * panel is being made again in the new page; the next poll reads it. */
const NAVIGATED = /does not belong to the document|Execution context was destroyed|Cannot find context|No node with given id/;

/** Polls the panel's state until `pred` holds; the last state seen is in the error. */
export const panelUntil = (page, what, pred) => until(
  () => panelState(page).catch((e) => { if (NAVIGATED.test(e.message)) return null; throw e; }),
  pred, what, 'panel',
);

/** Ends whatever call the panel shows (declines a ringing one): a failed test must not leave
 * its call up for the next one. */
export async function endAnyCall(page) {
  const state = await panelState(page).catch(() => null);
  if (!state?.phase?.startsWith('phase_')) return;
  await click(page, state.phase === 'phase_INCOMING' ? '.decline' : '.hangup').catch(() => {});
  await panelUntil(page, 'no call', (s) => !s.phase.startsWith('phase_')).catch(() => {});
}
