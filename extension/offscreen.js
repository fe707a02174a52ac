// Offscreen document loader: the phone engine is in wasm (src/glue/phone).
import init, { phone_main, phone_peer_connection } from './wasm/phone.js';

await init({ module_or_path: chrome.runtime.getURL('wasm/phone_bg.wasm') });
// For the end-to-end tests, which reach this document through CDP: the call's RTCPeerConnection.
globalThis.sfphonePeerConnection = phone_peer_connection;
await phone_main();
