// Service worker loader. MV3 forces these lines to be JavaScript; the logic is in wasm.
// No top-level await: it kills a module service worker. Listeners register synchronously.
import init, {
  worker_handle_command, worker_handle_message, worker_notification, worker_policy_changed,
  worker_resume, worker_watch_phone,
} from './wasm/worker.js';

// What the worker keeps (the phone account and its password, the call logs it sends, the field
// mapping, the orgs) is for the extension's own contexts only: content scripts run in pages that
// run code the user did not write, and must not read or forge it. Chromium keeps the setting;
// setting it at every start costs nothing, and comes before the first message is read.
const trusted = chrome.storage.local.setAccessLevel({ accessLevel: 'TRUSTED_CONTEXTS' });
const ready = trusted.then(() => init({ module_or_path: chrome.runtime.getURL('wasm/worker_bg.wasm') }));

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  ready
    .then(() => worker_handle_message(message, sender))
    .then(sendResponse, (error) =>
      sendResponse({ kind: 'Error', code: 'WORKER_FAILED', message: String(error) }));
  return true; // the answer comes asynchronously
});

// Call logs still waiting (the worker was stopped mid-request, or backing off) are delivered
// on the outbox alarm and whenever the worker starts.
chrome.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === 'outbox') ready.then(() => worker_resume());
  if (alarm.name === 'phone') ready.then(() => worker_watch_phone());
});
ready.then(() => worker_resume());

// The phone runs from the browser's start (incoming calls need no open Salesforce tab), and
// the 'phone' alarm brings it back if Chromium closed its offscreen document.
ready.then(() => worker_watch_phone());

// The administrator changed the Chrome policy: the settings it locks follow at once.
chrome.storage.onChanged.addListener((_changes, area) => {
  if (area === 'managed') ready.then(() => worker_policy_changed());
});

// The keyboard shortcut of the manifest's "commands": opens the dialer in the active tab.
chrome.commands.onCommand.addListener((command, tab) => {
  ready.then(() => worker_handle_command(command, tab ?? null));
});

// A call's desktop notification: its buttons (Answer, Decline), a click on it (to the panel),
// and the user closing it. Only a user's own press fires these.
chrome.notifications.onButtonClicked.addListener((id, index) => {
  ready.then(() => worker_notification(id, index === 0 ? 'ANSWER' : 'DECLINE'));
});
chrome.notifications.onClicked.addListener((id) => {
  ready.then(() => worker_notification(id, 'OPEN'));
});
chrome.notifications.onClosed.addListener((id, byUser) => {
  if (byUser) ready.then(() => worker_notification(id, 'CLOSED'));
});
