// A few lines of Chrome DevTools Protocol over a WebSocket, for what Playwright cannot reach:
// the extension's offscreen document. Node 20 has no WebSocket client, so this is a minimal
// RFC 6455 one (text frames, client masking), enough for Runtime.evaluate.
import net from 'node:net';
import crypto from 'node:crypto';
import http from 'node:http';

/** The DevTools targets, on a fresh connection each time (Chromium closes idle ones). */
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

/** As `evaluateOnce`, tried again when the connection drops. */
export async function evaluateIn(debugPort, urlEnd, expression) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await evaluateOnce(debugPort, urlEnd, expression);
    } catch (e) {
      if (attempt >= 3 || !['ECONNRESET', 'CDP_TIMEOUT'].includes(e.code)) throw e;
    }
  }
}

/** Evaluates `expression` (awaiting a promise) in the target whose URL ends with `urlEnd`. */
async function evaluateOnce(debugPort, urlEnd, expression) {
  const targets = await listTargets(debugPort);
  const target = targets.find((t) => t.url.endsWith(urlEnd));
  if (!target) throw new Error(`no target ${urlEnd} among ${targets.map((t) => t.url).join(', ')}`);
  const url = new URL(target.webSocketDebuggerUrl);
  const socket = net.connect(+url.port, url.hostname);
  await new Promise((r, e) => { socket.once('connect', r); socket.once('error', e); });
  const key = crypto.randomBytes(16).toString('base64');
  socket.write(`GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\n`
    + `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  let buffer = Buffer.alloc(0);
  let upgraded = false;
  const reply = new Promise((resolveReply, reject) => {
    socket.on('error', reject);
    socket.on('close', () => reject(Object.assign(new Error('CDP connection closed'), { code: 'ECONNRESET' })));
    setTimeout(() => reject(Object.assign(new Error('no CDP answer'), { code: 'CDP_TIMEOUT' })), 5000);
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
        if (process.env.CDP_DEBUG) console.log('CDP <', (buffer[0] & 0x0f), text.slice(0, 200));
        buffer = buffer.subarray(start + len);
        const message = JSON.parse(text);
        if (message.id === 1) resolveReply(message);
      }
    });
  });
  const payload = Buffer.from(JSON.stringify({ id: 1, method: 'Runtime.evaluate',
    params: { expression, awaitPromise: true, returnByValue: true } }));
  const mask = crypto.randomBytes(4);
  const header = payload.length < 126
    ? Buffer.from([0x81, 0x80 | payload.length])
    : payload.length < 65536
      ? Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff])
      : (() => { const h = Buffer.alloc(10); h[0] = 0x81; h[1] = 0x80 | 127; h.writeBigUInt64BE(BigInt(payload.length), 2); return h; })();
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
  socket.write(Buffer.concat([header, mask, masked]));
  const message = await reply.finally(() => socket.destroy());
  if (message.result?.exceptionDetails) throw new Error(JSON.stringify(message.result.exceptionDetails));
  return message.result?.result?.value;
}
