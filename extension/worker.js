// Service worker loader. MV3 forces these lines to be JavaScript; the logic is in wasm.
// No top-level await: it kills a module service worker. Listeners register synchronously.
import init, { worker_handle_command, worker_handle_message } from './wasm/worker.js';

const ready = init({ module_or_path: chrome.runtime.getURL('wasm/worker_bg.wasm') });

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  ready
    .then(() => worker_handle_message(message, sender))
    .then(sendResponse, (error) =>
      sendResponse({ kind: 'Error', code: 'WORKER_FAILED', message: String(error) }));
  return true; // the answer comes asynchronously
});

// The keyboard shortcut of the manifest's "commands": opens the dialer in the active tab.
chrome.commands.onCommand.addListener((command, tab) => {
  ready.then(() => worker_handle_command(command, tab ?? null));
});
