// Starts and stops the test Kamailio (kamailio.cfg beside this file) on a free loopback port.
//
// As a module: `const sip = await startKamailio(); … sip.wsUrl … await sip.stop();`
// As a command: `node kamailio.mjs -- CMD ARGS…` runs CMD with SIP_KAMAILIO_WS=127.0.0.1:PORT
// and stops Kamailio when CMD ends (or on SIGINT/SIGTERM), exiting with CMD's status.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';

const HERE = dirname(fileURLToPath(import.meta.url));
export const SIP_DOMAIN = 'sip.test';
/** The accounts of kamailio.cfg's route[PASSWD]. */
export const USERS = {
  phone: { user: '1001', password: 'phone-1001-secret' },
  far: { user: '2001', password: 'far-2001-secret' },
  far2: { user: '2002', password: 'far-2002-secret' },
  far3: { user: '2003', password: 'far-2003-secret' },
  contact: { user: '0312345678', password: 'far-0312345678-secret' },
  // The devorg's Contact whose name is markup (+81 6-1234-5678).
  hostile: { user: '0612345678', password: 'far-0612345678-secret' },
  // The devorg's Contact whose phone has an extension (052-123-4567 内線 123).
  reception: { user: '0521234567', password: 'far-0521234567-secret' },
};

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

function accepts(port) {
  return new Promise((resolveOk) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolveOk(true); });
    socket.once('error', () => resolveOk(false));
  });
}

/**
 * Resolves once Kamailio accepts connections: `{port, wsUrl, browserWsUrl, hostPort, log(), stop()}`.
 * `port`: listen where a stopped instance did (a server restart, as clients see it).
 */
export async function startKamailio({ port: wanted } = {}) {
  const bin = existsSync('/usr/sbin/kamailio') ? '/usr/sbin/kamailio' : 'kamailio';
  const port = wanted ?? await freePort();
  const run = mkdtempSync(join(tmpdir(), 'sfphone-kamailio-'));
  const logFile = join(run, 'kamailio.log');
  const { openSync } = await import('node:fs');
  const out = openSync(logFile, 'a');
  // -DD: stay in the foreground so we own the process; -E: log to stderr (our log file).
  const child = spawn(bin, ['-DD', '-E', '-f', join(HERE, 'kamailio.cfg'), '-Y', run,
    '-P', join(run, 'kamailio.pid'), '-m', '64', '-M', '8', '-A', `WS_PORT=${port}`],
  { stdio: ['ignore', out, out] });
  let exited = false;
  child.once('exit', () => { exited = true; });
  for (let i = 0; i < 200 && !(await accepts(port)); i++) {
    if (exited) throw new Error(`kamailio exited:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!(await accepts(port))) {
    child.kill('SIGKILL');
    throw new Error(`kamailio did not open port ${port}`);
  }
  return {
    port,
    hostPort: `127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    /** For browsers started by the harness: only `localhost` escapes its resolver rules. */
    browserWsUrl: `ws://localhost:${port}`,
    log: () => readFileSync(logFile, 'utf8'),
    async stop() {
      if (!exited) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await gone;
        clearTimeout(timer);
      }
      rmSync(run, { recursive: true, force: true });
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dash = process.argv.indexOf('--');
  const command = dash < 0 ? [] : process.argv.slice(dash + 1);
  if (!command.length) {
    console.error('usage: node kamailio.mjs -- COMMAND [ARGS…]');
    process.exit(2);
  }
  const sip = await startKamailio();
  console.error(`kamailio on ${sip.wsUrl}`);
  const child = spawn(command[0], command.slice(1), {
    stdio: 'inherit',
    env: { ...process.env, SIP_KAMAILIO_WS: sip.hostPort },
  });
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const code = await new Promise((r) => child.once('exit', (c, s) => r(c ?? (s ? 1 : 0))));
  await sip.stop();
  process.exit(code);
}
