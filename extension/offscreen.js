// Offscreen document loader: the phone engine is in wasm (src/glue/phone).
import init, { phone_main } from './wasm/phone.js';

await init({ module_or_path: chrome.runtime.getURL('wasm/phone_bg.wasm') });
await phone_main();
