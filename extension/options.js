// Options page loader: pages may await at top level (only the service worker may not).
import init, { options_main } from './wasm/options.js';

await init({ module_or_path: chrome.runtime.getURL('wasm/options_bg.wasm') });
await options_main();
