// Native shadow: no polyfill, every component in a real (open) shadow root.
import './mount.js';
