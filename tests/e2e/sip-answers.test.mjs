// The phone engine answers bad requests that reach it through a real proxy, instead of
// dropping them (RFC 3261 §8.2): a raw SIP peer on Kamailio's WebSocket listener sends the
// extension's registered engine (user 1001) requests with a header that breaks the grammar
// where the proxy lets it through, and a valid request in the grammar's corner forms (linear white space in
// Via and in a To/From without angle brackets), and reads what comes back through Kamailio.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { login } from './harness.mjs';
import { panelUntil } from './panel.mjs';
import { startPhoneLab, setUpPhone } from './sip/lab.mjs';

let lab;

before(async () => {
  lab = await startPhoneLab();
  await (await setUpPhone(lab)).close();
  const lightning = await lab.browser.context.newPage();
  await login(lightning, lab.devorg, '/lightning/page/home');
  await panelUntil(lightning, 'registered', (s) => s.line === 'REGISTERED');
});
after(async () => {
  await lab?.stop();
});

/**
 * Sends `lines` (CRLF-joined) as one WebSocket frame from a page of the lab's browser and
 * resolves to the first response's status line and headers (or 'no answer' after 5 s).
 */
const exchange = (lines) => lab.far.evaluate(([url, text]) => new Promise((resolve) => {
  const ws = new WebSocket(url, 'sip');
  const done = (value) => { ws.close(); resolve(value); };
  setTimeout(() => done('no answer'), 5000);
  ws.onopen = () => ws.send(text);
  ws.onmessage = async (event) => {
    const reply = typeof event.data === 'string' ? event.data : await event.data.text();
    // Kamailio's own provisional 100 Trying is not the far end's answer.
    if (/^SIP\/2\.0 100 /.test(reply)) return;
    done(reply.split('\r\n\r\n')[0]);
  };
}), [lab.kamailio.browserWsUrl, lines.join('\r\n')]);

const token = () => Math.random().toString(36).slice(2, 12);

/** A request from a raw peer outside the proxy's domain (so it needs no credentials) to 1001. */
function request(method, { cseq = 7, via, from, extra = [] } = {}) {
  const branch = `z9hG4bK${token()}`;
  return [
    `${method} sip:1001@sip.test SIP/2.0`,
    via ?? `Via: SIP/2.0/WS raw-${token()}.invalid;branch=${branch}`,
    'Max-Forwards: 70',
    'To: <sip:1001@sip.test>',
    from ?? `From: <sip:tester@elsewhere.test>;tag=${token()}`,
    `Call-ID: ${token()}@raw.invalid`,
    `CSeq: ${cseq} ${method}`,
    `Contact: <sip:tester@raw-${token()}.invalid;transport=ws>`,
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ];
}

test('a request whose CSeq number is out of range is answered 400 by the engine, through Kamailio', async () => {
  // RFC 3261 §8.1.1.5: a CSeq number is below 2**31. Kamailio's sanity check takes any 32-bit
  // number, so the request reaches the engine, which must answer, not drop it.
  const head = await exchange(request('OPTIONS', { cseq: 2 ** 31 }));
  assert.match(head, /^SIP\/2\.0 400 Bad CSeq/, head);
  assert.match(head, /^To: .*;tag=/m, 'answered by the UA, with its own To tag');
});

test('a request whose Record-Route breaks the grammar is answered 400 naming the header', async () => {
  // Kamailio leaves an out-of-dialog request's Record-Route alone; a Record-Route must be a
  // name-addr (angle brackets), so the engine refuses it.
  const head = await exchange(request('OPTIONS', { extra: ['Record-Route: sip:proxy.example.com;lr'] }));
  assert.match(head, /^SIP\/2\.0 400 Bad Record-Route/, head);
});

test('a valid request in the grammar\'s corner forms is taken, not dropped', async () => {
  // Linear white space around '/', ';' and '=' in Via, and a From without angle brackets
  // whose parameters follow white space: both legal (RFC 3261 §25.1), both once refused.
  const head = await exchange(request('OPTIONS', {
    via: `Via: SIP / 2.0 / WS raw-${token()}.invalid ; branch = z9hG4bK${token()}`,
    from: `From: sip:tester@elsewhere.test ;tag=${token()}`,
  }));
  assert.match(head, /^SIP\/2\.0 200 /, head);
  assert.match(head, /^Allow: .*INVITE/m, head);
});
