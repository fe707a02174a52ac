// Service worker loader. MV3 forces these lines to be JavaScript; the logic is in wasm.
// No top-level await: it kills a module service worker. Listeners register synchronously.
import init, { worker_handle_message } from './wasm/worker.js';

const ready = init({ module_or_path: chrome.runtime.getURL('wasm/worker_bg.wasm') });

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  ready
    .then(() => worker_handle_message(message, sender))
    .then(sendResponse, (error) =>
      sendResponse({ kind: 'Error', code: 'WORKER_FAILED', message: String(error) }));
  return true; // the answer comes asynchronously
});
