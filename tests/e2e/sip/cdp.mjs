// A few lines of Chrome DevTools Protocol over a WebSocket, for what Playwright cannot reach:
// the extension's offscreen document. Node 20 has no WebSocket client, so this is a minimal
// RFC 6455 one (text frames, client masking), enough for Runtime.evaluate.
import net from 'node:net';
import crypto from 'node:crypto';

/** Evaluates `expression` (awaiting a promise) in the target whose URL ends with `urlEnd`. */
export async function evaluateIn(debugPort, urlEnd, expression) {
  const targets = await (await fetch(`http://127.0.0.1:${debugPort}/json/list`)).json();
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
  const message = await reply;
  socket.destroy();
  if (message.result?.exceptionDetails) throw new Error(JSON.stringify(message.result.exceptionDetails));
  return message.result?.result?.value;
}
