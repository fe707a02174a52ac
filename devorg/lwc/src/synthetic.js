// Synthetic shadow, as Lightning Experience renders: the polyfill must load before the engine.
import '@lwc/synthetic-shadow';
import './mount.js';
