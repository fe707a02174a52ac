// Content script loader. Its one decision of its own: when the page's CSP forbids wasm, say so
// (degraded mode) instead of failing silently.
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
    chrome.runtime.sendMessage({
      v: 1,
      kind: 'ContentStarted',
      mode: blockedByCsp ? 'DEGRADED_CSP' : 'DEGRADED_FAILED',
      phoneFields: 0,
    });
  }
})();
