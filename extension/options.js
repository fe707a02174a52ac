// Options page loader: pages may await at top level (only the service worker may not).
import init, { options_main } from './wasm/options.js';

// The page's language is the messages' we ship (ja, en); any other UI language reads English.
document.documentElement.lang = chrome.i18n.getMessage('@@ui_locale').startsWith('ja') ? 'ja' : 'en';

await init({ module_or_path: chrome.runtime.getURL('wasm/options_bg.wasm') });
await options_main();
