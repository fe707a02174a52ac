// The docked phone in its own frame (degraded mode): the panel is the wasm's, as in a page
// where wasm runs. Its one job of its own: tell the page's content script how tall the panel
// is, so the frame fits it. Only a height crosses to the page, never what the panel shows.
import init, { panel_frame_main } from './wasm/content.js';

await init({ module_or_path: './wasm/content_bg.wasm' });
panel_frame_main();
const report = () => parent.postMessage({ sfphonePanelHeight: document.documentElement.scrollHeight }, '*');
new ResizeObserver(report).observe(document.documentElement);
report();
