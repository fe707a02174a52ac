// A few lines of Chrome DevTools Protocol over a WebSocket, for what Playwright cannot reach:
// the extension's offscreen document. Node 20 has no WebSocket client, so this is a minimal
// RFC 6455 one (text frames, client masking), enough for Runtime.evaluate. One connection is
// kept per target: Chromium's DevTools server resets later connections after one is dropped.
import net from 'node:net';
import crypto from 'node:crypto';
import http from 'node:http';

function listTargets(debugPort) {
  return new Promise((resolveList, reject) => {
    http.get({ host: '127.0.0.1', port: debugPort, path: '/json/list', agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolveList(JSON.parse(text)));
    }).on('error', reject);
  });
}

function frame(text) {
  const payload = Buffer.from(text);
  const mask = crypto.randomBytes(4);
  let header;
  if (payload.length < 126) header = Buffer.from([0x81, 0x80 | payload.length]);
  else if (payload.length < 65536) header = Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  else {
    header = Buffer.alloc(10);
    header[0] = 0x81;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(payload.length), 2);
  }
  return Buffer.concat([header, mask, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]))]);
}

/** Connects to the target whose URL ends with `urlEnd`: `{evaluate(expression), close()}`. */
export async function connectTo(debugPort, urlEnd) {
  const targets = await listTargets(debugPort);
  const target = targets.find((t) => t.url.endsWith(urlEnd));
  if (!target) throw new Error(`no target ${urlEnd} among ${targets.map((t) => t.url).join(', ')}`);
  const url = new URL(target.webSocketDebuggerUrl);
  const socket = net.connect(+url.port, url.hostname);
  await new Promise((r, e) => { socket.once('connect', r); socket.once('error', e); });
  const key = crypto.randomBytes(16).toString('base64');
  socket.write(`GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\n`
    + `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  const waiting = new Map();
  let closed = null;
  const failAll = (error) => {
    closed = error;
    for (const { reject } of waiting.values()) reject(error);
    waiting.clear();
  };
  socket.on('error', failAll);
  socket.on('close', () => failAll(new Error('CDP connection closed')));
  let buffer = Buffer.alloc(0);
  let upgraded = false;
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    if (!upgraded) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      upgraded = true;
      buffer = buffer.subarray(end + 4);
    }
    while (buffer.length >= 2) {
      let len = buffer[1] & 0x7f;
      let start = 2;
      if (len === 126) { if (buffer.length < 4) return; len = buffer.readUInt16BE(2); start = 4; }
      else if (len === 127) { if (buffer.length < 10) return; len = Number(buffer.readBigUInt64BE(2)); start = 10; }
      if (buffer.length < start + len) return;
      const text = buffer.subarray(start, start + len).toString('utf8');
      buffer = buffer.subarray(start + len);
      const message = JSON.parse(text);
      const pending = waiting.get(message.id);
      if (pending) {
        waiting.delete(message.id);
        pending.resolve(message);
      }
    }
  });
  let nextId = 1;
  return {
    get closed() { return closed; },
    async evaluate(expression) {
      if (closed) throw closed;
      const id = nextId++;
      const reply = new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        setTimeout(() => reject(new Error('no CDP answer in 10 s')), 10000);
      });
      socket.write(frame(JSON.stringify({ id, method: 'Runtime.evaluate',
        params: { expression, awaitPromise: true, returnByValue: true } })));
      const message = await reply;
      if (message.result?.exceptionDetails) throw new Error(JSON.stringify(message.result.exceptionDetails));
      return message.result?.result?.value;
    },
    close() { socket.end(); },
  };
}
