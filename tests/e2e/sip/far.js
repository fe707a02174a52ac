// The far end of the phone tests: independent SIP phones (JsSIP, a stack nobody here wrote) in
// a plain page, registered through the same Kamailio. Each phone answers, refuses with busy,
// or lets it ring, as the test sets it, and records what it saw: SIP events, DTMF that came as
// SIP INFO, and DTMF that came in the media as RFC 4733 telephone-events.
/* global JsSIP */
const MEDIA = { audio: true, video: false };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function waitFor(pred, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    const v = pred();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timeout waiting for ${what}`);
    await sleep(25);
  }
}

const phones = {};

// One microphone for every far-end phone, opened once, like a desk phone's: a call's set-up then
// does not include opening a capture device, whose cost depends on what other pages hold open
// (the benchmark times set-up at the callee). JsSIP leaves a stream it was given running.
let microphone = null;
async function media() {
  if (!microphone || microphone.getAudioTracks().some((t) => t.readyState === 'ended')) {
    microphone = await navigator.mediaDevices.getUserMedia(MEDIA);
  }
  return { mediaConstraints: MEDIA, mediaStream: microphone };
}

function track(ph, session, originator) {
  const rec = { session, originator, events: [], dtmf: [], infos: [], rtpDtmf: '', at: Date.now() };
  ph.sessions.push(rec);
  for (const ev of ['progress', 'accepted', 'confirmed', 'ended', 'failed', 'hold', 'unhold', 'reinvite']) {
    session.on(ev, (d) => {
      const e = { ev, at: Date.now(), originator: d && d.originator };
      if (d && d.cause) e.cause = d.cause;
      const msg = d && (d.response || d.message);
      if (msg && msg.status_code) e.code = msg.status_code;
      if (ev === 'reinvite' && d.request) e.sdp = d.request.body;
      rec.events.push(e);
    });
  }
  session.on('newDTMF', (d) => rec.dtmf.push({ tone: d.dtmf.tone, originator: d.originator }));
  // Transferred by the other end (RFC 3515): JsSIP calls the Refer-To target itself (with
  // Replaces for an attended transfer) and reports its progress back in NOTIFYs.
  session.on('refer', (d) => {
    rec.events.push({ ev: 'refer', at: Date.now(), to: String(d.request.refer_to?.uri ?? '') });
    media().then((m) => d.accept(() => {}, m));
  });
  // The transfer target of an attended transfer: the transferee's INVITE with Replaces names
  // this session; JsSIP asks the app, which takes it (the new session is answered by the
  // phone's behaviour, and JsSIP ends this one once it is up).
  session.on('replaces', (d) => {
    rec.events.push({ ev: 'replaces', at: Date.now() });
    d.accept();
  });
  session.on('newInfo', (d) => rec.infos.push({ originator: d.originator, contentType: d.info.contentType }));
  // When the media path is up (benchmarks time INVITE arrival `at` → this).
  const watch = (pc) => pc.addEventListener('connectionstatechange', () => {
    if (pc.connectionState === 'connected') rec.events.push({ ev: 'pc-connected', at: Date.now() });
  });
  // A receiver transform is fed only when attached before the remote description reaches its
  // receiver: JsSIP adds the microphone first, and then the 'track' event is too late.
  session.on('sdp', (d) => {
    if (d.originator !== 'remote' || !session.connection) return;
    for (const receiver of session.connection.getReceivers()) listenForTelephoneEvents(receiver, rec);
  });
  session.on('peerconnection', (d) => { attachAudio(d.peerconnection, rec); watch(d.peerconnection); });
  if (session.connection) { attachAudio(session.connection, rec); watch(session.connection); }
  return rec;
}

function attachAudio(pc, rec) {
  pc.addEventListener('track', (ev) => {
    // A receiver the remote description made (no local track) still has none.
    listenForTelephoneEvents(ev.receiver, rec);
    const audio = document.createElement('audio');
    audio.autoplay = true;
    audio.srcObject = ev.streams[0];
    document.body.append(audio);
  });
}

// A receiver transform that passes every frame on and reports telephone-event payloads
// (RFC 4733: first byte the event, 0-9 * # A-D). A digit comes as several packets with one RTP
// timestamp (start, updates, the repeated end): one digit per timestamp.
const TELEPHONE_EVENT_WORKER = URL.createObjectURL(new Blob([`
onrtctransform = (ev) => {
  const t = ev.transformer;
  t.readable.pipeThrough(new TransformStream({ transform(frame, out) {
    const md = frame.getMetadata();
    if (/telephone-event/i.test(md.mimeType || '')) {
      self.postMessage({ ts: md.rtpTimestamp, event: new Uint8Array(frame.data)[0] });
    }
    out.enqueue(frame);
  } })).pipeTo(t.writable);
};`], { type: 'text/javascript' }));

function listenForTelephoneEvents(receiver, rec) {
  if (!window.Far.listenForDtmf) return;
  if (!receiver || receiver.transform || typeof RTCRtpScriptTransform === 'undefined') return;
  const worker = new Worker(TELEPHONE_EVENT_WORKER);
  const seen = new Set();
  worker.onmessage = ({ data }) => {
    if (seen.has(data.ts)) return;
    seen.add(data.ts);
    rec.rtpDtmf += '0123456789*#ABCD'[data.event] ?? `?${data.event}`;
  };
  receiver.transform = new RTCRtpScriptTransform(worker, {});
}

window.Far = {
  /** Read RFC 4733 digits in the media (a worker per call); the benchmark turns it off. */
  listenForDtmf: true,
  /** Registers `user`; behaviour: 'answer' | 'busy' | 'ring'. */
  async start(wsUrl, user, password, behaviour = 'ring') {
    const ua = new JsSIP.UA({
      sockets: [new JsSIP.WebSocketInterface(wsUrl)],
      uri: `sip:${user}@sip.test`,
      password,
      register: true,
      session_timers: false,
      user_agent: `far-end-jssip-${user}`,
    });
    const ph = { user, ua, behaviour, sessions: [], reg: 'none' };
    phones[user] = ph;
    ua.on('registered', () => { ph.reg = 'registered'; });
    ua.on('registrationFailed', (e) => { ph.reg = `failed:${e.cause}`; });
    ua.on('newRTCSession', (e) => {
      track(ph, e.session, e.originator);
      if (e.originator !== 'remote') return;
      if (ph.behaviour === 'answer') media().then((m) => e.session.answer(m));
      else if (ph.behaviour === 'busy') e.session.terminate({ status_code: 486, reason_phrase: 'Busy Here' });
    });
    ua.start();
    await waitFor(() => ph.reg !== 'none', 10000, `${user} registration`);
    return ph.reg;
  },
  behave(user, behaviour) { phones[user].behaviour = behaviour; },
  /** Whether `user`'s JsSIP phone is registered now (it re-registers by itself after a drop). */
  registered(user) { return phones[user].ua.isRegistered(); },
  call(user, target) {
    return media().then((m) => { phones[user].ua.call(`sip:${target}@sip.test`, m); });
  },
  async answer(user) { this.lastSession(user).session.answer(await media()); },
  hangup(user) { this.lastSession(user).session.terminate(); },
  lastSession(user) { const s = phones[user].sessions; return s[s.length - 1]; },
  /** What the last session of `user` saw, as plain data. */
  last(user) {
    const rec = this.lastSession(user);
    if (!rec) return null;
    const pc = rec.session.connection;
    return {
      originator: rec.originator,
      events: rec.events.map((e) => e.ev + (e.code ? `:${e.code}` : '') + (e.cause ? `(${e.cause})` : '')),
      reinviteSdps: rec.events.filter((e) => e.ev === 'reinvite').map((e) => e.sdp || ''),
      dtmf: rec.dtmf.filter((d) => d.originator === 'remote').map((d) => d.tone).join(''),
      rtpDtmf: rec.rtpDtmf,
      connectionState: pc ? pc.connectionState : null,
      sessions: phones[user].sessions.length,
      // The SIP Call-ID both ends share: the phone logs its Task under it (CallObject).
      callId: rec.session._request ? rec.session._request.call_id : null,
    };
  },
  /** Audio packets of the last session's peer connection. */
  /** The newest session of `user` whose media is not closed (after a failed transfer, the
   * call that stayed), or the newest one. */
  sessionsOf(user) {
    return phones[user].sessions.map((r) => ({ originator: r.originator, events: r.events.map((e) => e.ev + (e.code ? `:${e.code}` : '')) }));
  },
  liveSession(user) {
    const s = phones[user].sessions;
    return [...s].reverse().find((r) => r.session.connection?.connectionState !== 'closed') ?? s[s.length - 1];
  },
  /**
   * What `user`'s live call sends from now on, in place of the microphone: a WAV (base64) the
   * far end says, or silence (`null`). Resolves, with the WAV's seconds, once it has been said.
   */
  async voice(user, wav) {
    const pc = this.liveSession(user).session.connection;
    const ctx = new AudioContext();
    const out = ctx.createMediaStreamDestination();
    let seconds = 0;
    let said = Promise.resolve();
    let source = null;
    if (wav) {
      const bytes = Uint8Array.from(atob(wav), (c) => c.charCodeAt(0));
      source = ctx.createBufferSource();
      source.buffer = await ctx.decodeAudioData(bytes.buffer);
      seconds = source.buffer.duration;
      source.connect(out);
      said = new Promise((r) => { source.onended = r; });
    }
    const sender = pc.getSenders().find((s) => s.track?.kind === 'audio');
    await sender.replaceTrack(out.stream.getAudioTracks()[0]);
    source?.start();
    await said;
    return seconds;
  },
  async stats(user) {
    const pc = this.liveSession(user).session.connection;
    const out = { connectionState: pc.connectionState, received: 0, sent: 0, reportsFromPeer: 0 };
    (await pc.getStats()).forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'audio') {
        out.received = s.packetsReceived;
        // What the far end heard: the energy of the audio it received (muted audio is silence,
        // whose energy does not grow).
        out.energy = s.totalAudioEnergy ?? 0;
        out.heardFor = s.totalSamplesDuration ?? 0;
      }
      if (s.type === 'outbound-rtp' && s.kind === 'audio') out.sent = s.packetsSent;
      // RTCP receiver reports about our audio: the other side only sends them for packets it got.
      if (s.type === 'remote-inbound-rtp' && s.kind === 'audio') out.reportsFromPeer = s.roundTripTimeMeasurements ?? 1;
    });
    return out;
  },
};
