// devorg's stand-in for Lightning's client: SPA navigation (history.pushState, content replaced
// without a reload), LWC-like re-rendering, list views that grow (infinite scroll) and console
// sub-tabs. Declarative shadow DOM needs setHTMLUnsafe to be parsed from script.
const main = () => document.getElementById('main');

function variant() {
  return document.querySelector('nav[data-variant]')?.dataset.variant ?? '';
}

function withVariant(url, extra) {
  const u = new URL(url, location.href);
  for (const [k, v] of new URLSearchParams(variant())) u.searchParams.set(k, v);
  for (const [k, v] of Object.entries(extra ?? {})) u.searchParams.set(k, v);
  return u;
}

async function render(url) {
  const response = await fetch(withVariant(url, { fragment: 'true' }), { credentials: 'same-origin' });
  main().setHTMLUnsafe(await response.text());
  wireConsole();
}

async function navigate(url) {
  await render(url);
  history.pushState({}, '', withVariant(url));
  document.dispatchEvent(new CustomEvent('devorg:navigated'));
}

document.addEventListener('click', (event) => {
  const link = event.target.closest?.('a[data-spa]');
  if (link && !event.defaultPrevented && event.button === 0) {
    event.preventDefault();
    navigate(link.href);
  }
  if (event.target.closest?.('#load-more')) appendRows(50);
});

document.addEventListener('submit', (event) => {
  const form = event.target.closest('form[data-spa-form]');
  if (!form) return;
  event.preventDefault();
  navigate(`/lightning/search?term=${encodeURIComponent(new FormData(form).get('term'))}`);
});

window.addEventListener('popstate', () => render(location.href));

async function appendRows(count) {
  const list = document.querySelector('.list-view');
  if (!list) return 0;
  const offset = Number(list.dataset.rows);
  const url = withVariant(`/lightning/o/${list.dataset.object}/rows`, { offset, rows: count });
  const html = await (await fetch(url, { credentials: 'same-origin' })).text();
  // Rows may sit inside the datatable's shadow root (native shadow variants).
  const host = list.querySelector('lightning-datatable');
  const root = host?.shadowRoot ?? host ?? list;
  const body = root.querySelector('tbody');
  const template = document.createElement('template');
  template.setHTMLUnsafe(`<table><tbody>${html}</tbody></table>`);
  const rows = [...template.content.querySelector('tbody').children];
  body.append(...rows);
  list.dataset.rows = String(offset + rows.length);
  return rows.length;
}

function wireConsole() {
  for (const tab of document.querySelectorAll('.console-tab')) {
    tab.onclick = (event) => {
      event.preventDefault();
      for (const t of document.querySelectorAll('.console-tab')) t.setAttribute('aria-selected', String(t === tab));
      for (const panel of document.querySelectorAll('.console-panel')) panel.hidden = panel.dataset.tab !== tab.dataset.tab;
    };
  }
}
wireConsole();

// Test hooks, as Lightning's own re-renders happen: replace the content with a fresh copy.
window.devorg = {
  navigate,
  appendRows,
  rerender: () => render(location.href),
};
