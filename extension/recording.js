// A recorded call's player (src/glue/phone/player.rs): the recordings belong to the phone
// engine's module, which keeps them. Tells the panel how tall it is, and nothing else.
import init, { recording_player_main } from './wasm/phone.js';

await init({ module_or_path: './wasm/phone_bg.wasm' });
const report = () => parent.postMessage({ sfphoneRecordingHeight: document.documentElement.scrollHeight }, '*');
new ResizeObserver(report).observe(document.documentElement);
await recording_player_main();
report();
