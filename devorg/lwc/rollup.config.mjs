// devorg's Lightning pages rendered by the real LWC engine and Salesforce's base components
// (lightning-base-components), compiled here at build time into two bundles that devorg serves
// from dist/: synthetic shadow (what Lightning Experience runs, @lwc/synthetic-shadow loaded
// first) and native shadow. `npm run build` (./build.sh build runs it).
import { fileURLToPath } from 'node:url';
import lwc from '@lwc/rollup-plugin';
import replace from '@rollup/plugin-replace';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

const bundle = (shadow) => ({
  input: here(`src/${shadow}.js`),
  // One file each (the base components' dynamic imports inlined), served as they are.
  output: { file: here(`dist/${shadow}.js`), format: 'esm', inlineDynamicImports: true },
  plugins: [
    // The base components branch on `import.meta.env.SSR` (a Vite-ism the platform's compiler
    // replaces); the engine on `process.env.NODE_ENV`.
    replace({
      preventAssignment: true,
      values: { 'process.env.NODE_ENV': JSON.stringify('production'), 'import.meta.env.SSR': 'false' },
    }),
    lwc({
      rootDir: here('src/modules'),
      // Not the plugin's default list: @lwc/wire-service is not installed (no @wire is used).
      defaultModules: [{ npm: '@lwc/engine-dom' }, { npm: '@lwc/synthetic-shadow' }],
      // The datatable's sorting modal uses lwc:is.
      enableDynamicComponents: true,
      // The package's own "lwc" config maps the platform modules its components import
      // (@salesforce/label/*, @salesforce/i18n/*, @salesforce/gate/*, assert, …) to stubs it ships
      // (scopedImports/, external/): no stubs of ours are needed.
      modules: [{ dir: here('src/modules') }, { npm: 'lightning-base-components' }],
    }),
  ],
  onwarn(warning, warn) {
    // The base components' own circular imports (lightning/utils*) are harmless.
    if (warning.code === 'CIRCULAR_DEPENDENCY') return;
    // Template lint of the base components (LWC1057, LWC1149) is theirs, not ours.
    if (warning.plugin === 'rollup-plugin-lwc-compiler' && warning.id?.includes('/node_modules/')) return;
    warn(warning);
  },
});

export default [bundle('synthetic'), bundle('native')];
