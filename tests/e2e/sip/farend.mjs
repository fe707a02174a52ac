// The far end of the phone tests and the demo: JsSIP phones in a plain page (far.html), served
// from loopback with JsSIP bundled now (the npm package has no browser build) into an ignored folder.
import http from 'node:http';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const HERE = dirname(fileURLToPath(import.meta.url));
const GENERATED = join(HERE, '..', '.generated');

/** Serves far.html, far.js and the JsSIP bundle (built now into an ignored folder). */
export async function serveFarEnd() {
  mkdirSync(GENERATED, { recursive: true });
  const require = createRequire(import.meta.url);
  await build({
    entryPoints: [require.resolve('jssip')],
    bundle: true,
    format: 'iife',
    globalName: 'JsSIP',
    outfile: join(GENERATED, 'jssip.js'),
    logLevel: 'warning',
  });
  const files = {
    '/far.html': [join(HERE, 'far.html'), 'text/html'],
    '/far.js': [join(HERE, 'far.js'), 'text/javascript'],
    '/jssip.js': [join(GENERATED, 'jssip.js'), 'text/javascript'],
  };
  const server = http.createServer((req, res) => {
    const file = files[new URL(req.url, 'http://x').pathname];
    if (!file) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'content-type': file[1] });
    res.end(readFileSync(file[0]));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

