// Offscreen document loader: the phone engine is in wasm (src/glue/phone).
import init, { phone_main, phone_tone } from './wasm/phone.js';

await init({ module_or_path: chrome.runtime.getURL('wasm/phone_bg.wasm') });
// What the phone plays by itself, for diagnostics: only extension pages reach this document.
globalThis.sfphoneTone = phone_tone;
globalThis.sfphoneDevices = (await import('./wasm/phone.js')).phone_devices;
await phone_main();
