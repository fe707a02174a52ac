// Content script loader. MV3 forces these lines to be JavaScript; the logic is in wasm. Its one
// decision of its own: when the page's CSP forbids wasm here, run degraded mode (below) instead
// of failing silently.
(async () => {
  const url = (path) => chrome.runtime.getURL(path);
  try {
    const glue = await import(url('wasm/content.js'));
    await glue.default({ module_or_path: url('wasm/content_bg.wasm') });
    glue.content_main();
  } catch (error) {
    const blockedByCsp = error instanceof WebAssembly.CompileError
      || /Content Security Policy|unsafe-eval|wasm-eval/i.test(String(error));
    console.warn('[Phone for Salesforce]', chrome.i18n.getMessage('degradedConsole'), String(error));
    if (blockedByCsp) {
      degradedMode();
    } else {
      send({ kind: 'ContentStarted', mode: 'DEGRADED_FAILED', phoneFields: 0 });
    }
  }
})();

function send(message) {
  return chrome.runtime.sendMessage({ v: 1, ...message }).catch(() => null);
}

// Degraded mode exists because a page's CSP also binds wasm compiled in a content script: with
// `script-src 'self'` our module cannot run here. Click-to-call must still work, so this walker
// only gathers candidate fields (the same markup the wasm scanner looks for, through open and
// closed shadow roots) and the service worker's wasm decides: which are numbers, their E.164,
// their record. Kept minimal on purpose: no decision of its own beyond skipping edited text.
function degradedMode() {
  const FIELD = 'data-sfphone-field';
  const SELECTOR = 'a[href^="tel:" i]:not([data-sfphone-field]),lightning-click-to-dial:not([data-sfphone-field])';
  const sheet = new CSSStyleSheet();
  fetch(chrome.runtime.getURL('dial.css')).then((r) => r.text()).then((css) => sheet.replace(css)).catch(() => {});
  document.documentElement.setAttribute('data-sfphone-mode', 'degraded');
  let scheduled = false;
  let reported = false;
  const observer = new MutationObserver(() => {
    if (!scheduled) { scheduled = true; requestAnimationFrame(scan); }
  });

  function walk(root, found) {
    observer.observe(root, { childList: true, subtree: true });
    found.push(...root.querySelectorAll(SELECTOR));
    for (const host of root.querySelectorAll(':empty')) { // shadow hosts, as the wasm scanner finds them
      const shadow = chrome.dom.openOrClosedShadowRoot(host);
      if (shadow && host.localName !== 'sfphone-dial' && host.localName !== 'lightning-click-to-dial') walk(shadow, found);
    }
  }

  function facts(field) {
    for (let node = field; node; node = node.getRootNode().host) {
      const found = node.closest('[data-row-key-value],[data-record-id]');
      if (found?.hasAttribute('data-row-key-value')) {
        return { rowKey: found.getAttribute('data-row-key-value'), rowName: found.querySelector('th')?.textContent ?? null };
      }
      if (found) return { recordKey: found.getAttribute('data-record-id'), recordObject: found.getAttribute('data-object') };
    }
    return {};
  }

  async function scan() {
    scheduled = false;
    const found = [];
    walk(document, found);
    const fields = found.filter((el) => {
      el.setAttribute(FIELD, '-');
      return !el.closest('[contenteditable]:not([contenteditable="false"])'); // never inside the user's edit
    });
    if (fields.length) {
      const page = {
        path: location.pathname,
        title: document.title,
        activeTab: document.querySelector('[role="tab"][aria-selected="true"]')?.textContent ?? null,
      };
      const candidates = fields.map((el) => ({
        value: (el.getAttribute(el.localName === 'a' ? 'href' : 'value') ?? '').slice(0, 250),
        facts: facts(el),
      }));
      const answer = await send({ kind: 'ContentCandidates', page, fields: candidates });
      (answer?.fields ?? []).forEach((target, i) => target && decorate(fields[i], target));
    }
    if (!reported) {
      reported = true;
      send({ kind: 'ContentStarted', mode: 'DEGRADED_CSP', phoneFields: fields.length });
    }
  }

  function decorate(field, target) {
    field.setAttribute(FIELD, target.number);
    const host = document.createElement('sfphone-dial');
    host.setAttribute('data-sfphone-number', target.number);
    const root = host.attachShadow({ mode: 'closed', delegatesFocus: true });
    root.adoptedStyleSheets = [sheet];
    const button = document.createElement('button');
    const label = chrome.i18n.getMessage('dialButtonLabel', [field.textContent.trim() || target.number]);
    button.type = 'button';
    button.className = 'sfphone-dial';
    button.setAttribute('aria-label', label);
    button.title = label;
    button.textContent = '\u260E';
    root.append(button);
    // Only the user's own click dials: a page script's click() or dispatched event never does.
    // The number is this closure's, not what the page may have written on the field since.
    const dial = (event) => {
      if (!event.isTrusted) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      send({ kind: 'ContentDial', number: target.number, record: target.record ?? null });
    };
    button.addEventListener('click', dial);
    if (field.localName === 'a') field.addEventListener('click', dial); // dial instead of tel:
    field.after(host);
  }

  scan();
}
