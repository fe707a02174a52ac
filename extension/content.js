// Content script loader. MV3 forces these lines to be JavaScript; the logic is in wasm. Its one
// decision of its own: when the page's CSP forbids wasm here, run degraded mode (below) instead
// of failing silently.
(async () => {
  const url = (path) => chrome.runtime.getURL(path);
  // The one loop the wasm scanner leaves to JS (src/glue/content/dom.rs): asking thousands of
  // elements for an open shadow root across the wasm boundary costs µs each, here far less.
  globalThis.sfphoneOpenShadowRoots = (list, start, end) => {
    const roots = [];
    for (let i = start; i < end; i++) {
      const element = list[i];
      if (element.localName.includes('-') && element.shadowRoot) roots.push(element.shadowRoot);
    }
    return roots;
  };
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
  // Possible shadow hosts (src/clicktocall/hosts.rs, which a native test holds equal to
  // these): empty elements, asked for open or closed roots; custom elements with light
  // children (slotted in native shadow), asked for an open root only.
  const EMPTY_HOSTS = ':empty';
  const SLOTTED_HOSTS = ':not(:empty)';
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
    const look = (host, shadow) => {
      if (shadow && host.localName !== 'sfphone-dial' && host.localName !== 'lightning-click-to-dial') walk(shadow, found);
    };
    for (const host of root.querySelectorAll(EMPTY_HOSTS)) look(host, chrome.dom.openOrClosedShadowRoot(host));
    for (const host of root.querySelectorAll(SLOTTED_HOSTS)) if (host.localName.includes('-')) look(host, host.shadowRoot);
  }

  function facts(field) {
    for (let node = field; node; node = node.getRootNode().host) {
      const found = node.closest('[data-row-key-value],[data-record-id]');
      if (found?.hasAttribute('data-row-key-value')) {
        const th = found.querySelector('th');
        return { rowKey: found.getAttribute('data-row-key-value'), rowName: th ? renderedText(th) : null };
      }
      if (found) return { recordKey: found.getAttribute('data-record-id'), recordObject: found.getAttribute('data-object') };
    }
    return {};
  }

  // The text a cell shows, through shadow roots and slots (textContent stops at a shadow
  // host, so a name rendered in a cell component's native shadow reads as empty). As
  // rendered_text in src/glue/content/dom.rs: bounded, without styles, scripts or our buttons.
  function renderedText(element) {
    let budget = 256;
    let text = '';
    const gather = (node) => {
      if (budget-- <= 0) return;
      if (node.nodeType === Node.TEXT_NODE) { text += node.data; return; }
      if (node.nodeType !== Node.ELEMENT_NODE && node.nodeType !== Node.DOCUMENT_FRAGMENT_NODE) return;
      if (['style', 'script', 'sfphone-dial'].includes(node.localName)) return;
      let children = node.childNodes;
      if (node.localName === 'slot') {
        const assigned = node.assignedNodes({ flatten: true });
        if (assigned.length) children = assigned;
      } else if (node.nodeType === Node.ELEMENT_NODE) {
        const shadow = chrome.dom.openOrClosedShadowRoot(node);
        if (shadow) children = shadow.childNodes;
      }
      for (const child of children) gather(child);
    };
    gather(element);
    return text;
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
      // One dial per number a field holds (the worker's engine splits them), in order.
      (answer?.fields ?? []).forEach((targets, i) => Array.isArray(targets) && targets.length && decorate(fields[i], targets));
    }
    if (!reported) {
      reported = true;
      send({ kind: 'ContentStarted', mode: 'DEGRADED_CSP', phoneFields: fields.length });
    }
  }

  function decorate(field, targets) {
    field.setAttribute(FIELD, targets[0].number);
    let after = field;
    for (const target of targets) {
      const host = button(field, target, targets.length > 1);
      after.after(host);
      after = host;
    }
    // Only the user's own click dials; the link itself dials the field's first number.
    if (field.localName === 'a') field.addEventListener('click', dialer(targets[0])); // dial instead of tel:
  }

  // Only the user's own click dials: a page script's click() or dispatched event never does.
  // The number is this closure's, not what the page may have written on the field since.
  function dialer(target) {
    return (event) => {
      if (!event.isTrusted) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      send({ kind: 'ContentDial', number: target.number, extension: target.extension ?? null, record: target.record ?? null });
    };
  }

  function button(field, target, several) {
    const host = document.createElement('sfphone-dial');
    host.setAttribute('data-sfphone-number', target.number);
    const root = host.attachShadow({ mode: 'closed', delegatesFocus: true });
    root.adoptedStyleSheets = [sheet];
    const button = document.createElement('button');
    const shown = several ? target.number : (field.textContent.trim() || target.number);
    const label = chrome.i18n.getMessage('dialButtonLabel', [shown]);
    button.type = 'button';
    button.className = 'sfphone-dial';
    button.setAttribute('aria-label', label);
    button.title = label;
    button.textContent = '\u260E';
    root.append(button);
    button.addEventListener('click', dialer(target));
    return host;
  }

  dockPanel();
  scan();
}

// The docked phone in degraded mode: the same panel, run by our wasm in an extension frame
// (`panel.html`), where the extension's CSP applies and not the page's. The frame talks to the
// worker itself; this script only keeps it in place and sizes it to the height the frame
// reports. The page can neither read the frame (another origin) nor restyle or remove it for
// long: its style and place are put back, as the docked panel's host is.
function dockPanel() {
  const origin = new URL(chrome.runtime.getURL('')).origin;
  const frame = document.createElement('iframe');
  frame.id = 'sfphone-panel-frame';
  frame.src = chrome.runtime.getURL('panel.html');
  frame.title = chrome.i18n.getMessage('panelTitle');
  let height = 40;
  const style = () => 'all: initial !important; display: block !important; position: fixed !important; '
    + 'right: 1rem !important; bottom: 0 !important; z-index: 2147483000 !important; border: 0 !important; '
    + 'width: 18rem !important; max-width: calc(100vw - 2rem) !important; '
    + `height: ${height}px !important; max-height: calc(100vh - 1rem) !important; `
    + 'opacity: 1 !important; visibility: visible !important; pointer-events: auto !important; '
    + 'color-scheme: normal !important; background: transparent !important;';
  frame.setAttribute('style', style());
  const src = frame.src;
  const guard = new MutationObserver(() => {
    if (frame.getAttribute('style') !== style()) frame.setAttribute('style', style());
    for (const attribute of ['hidden', 'inert', 'class', 'sandbox']) frame.removeAttribute(attribute);
    if (frame.src !== src) frame.src = src;
    if (!frame.isConnected) document.documentElement.append(frame);
  });
  // Only our frame's own reports count: a page's message has another source.
  addEventListener('message', (event) => {
    if (event.source !== frame.contentWindow || event.origin !== origin) return;
    const reported = Number(event.data?.sfphonePanelHeight);
    if (!Number.isFinite(reported) || reported < 0) return;
    height = Math.min(Math.ceil(reported), 4000);
    frame.setAttribute('style', style());
  });
  document.documentElement.append(frame);
  guard.observe(frame, { attributes: true });
  guard.observe(document.documentElement, { childList: true });
}
