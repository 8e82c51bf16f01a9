// The microphone: a recording kept as a file (MediaRecorder: webm/opus on Chrome and Android,
// mp4/aac on Safari) and, while online, 16 kHz PCM streamed to the server for live text.
const RATE = 16000;

function pickMime() {
  for (const m of ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/mp4']) {
    if (window.MediaRecorder?.isTypeSupported?.(m)) return m;
  }
  return '';
}

// Average the microphone's samples down to 16 kHz, as 16-bit integers.
function toPcm16(input, fromRate) {
  const ratio = fromRate / RATE;
  const out = new Int16Array(Math.floor(input.length / ratio));
  for (let i = 0; i < out.length; i++) {
    const start = Math.floor(i * ratio); const end = Math.min(input.length, Math.floor((i + 1) * ratio));
    let sum = 0; for (let j = start; j < end; j++) sum += input[j];
    const v = Math.max(-1, Math.min(1, sum / Math.max(1, end - start)));
    out[i] = v < 0 ? v * 0x8000 : v * 0x7fff;
  }
  return out;
}

// Start recording. `live` (optional) gets {partial, final, error, done} callbacks and is used
// only when a socket to the server opens. Returns { stop(): Promise<{blob, seconds, text}> }.
export async function record({ lang, live } = {}) {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: true } });
  const mime = pickMime();
  const rec = new MediaRecorder(stream, mime ? { mimeType: mime } : undefined);
  const parts = [];
  rec.ondataavailable = (e) => { if (e.data.size) parts.push(e.data); };
  rec.start(1000);
  const started = performance.now();
  let socket = null; let ctx = null; let node = null; let finished = null;
  if (live && navigator.onLine) {
    socket = await openSocket(lang, live).catch(() => null);
    if (socket) {
      ctx = new AudioContext();
      const source = ctx.createMediaStreamSource(stream);
      node = ctx.createScriptProcessor(4096, 1, 1);
      node.onaudioprocess = (e) => {
        if (socket.readyState === WebSocket.OPEN) socket.send(toPcm16(e.inputBuffer.getChannelData(0), ctx.sampleRate).buffer);
      };
      source.connect(node); node.connect(ctx.destination);
      finished = new Promise((resolve) => { socket.fvDone = resolve; });
    }
  }
  return {
    live: !!socket,
    async stop() {
      const stopped = new Promise((resolve) => { rec.onstop = resolve; });
      rec.stop();
      node?.disconnect(); await ctx?.close();
      if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: 'end' }));
      await stopped;
      for (const t of stream.getTracks()) t.stop();
      const text = finished ? await Promise.race([finished, new Promise((r) => setTimeout(() => r(null), 15000))]) : null;
      return { blob: new Blob(parts, { type: (rec.mimeType || mime || 'audio/webm').split(';')[0] }),
        seconds: (performance.now() - started) / 1000, text };
    },
  };
}

function openSocket(lang, live) {
  return new Promise((resolve, reject) => {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/speech/live?lang=${encodeURIComponent(lang)}`;
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    let ready = false;
    ws.onmessage = (e) => {
      const msg = JSON.parse(e.data);
      if (msg.type === 'ready') { ready = true; resolve(ws); } else if (msg.type === 'partial') live.partial?.(msg.text);
      else if (msg.type === 'final') live.final?.(msg.text);
      else if (msg.type === 'done') { ws.fvDone?.(msg.text); live.done?.(msg.text); }
      else if (msg.type === 'error') { live.error?.(msg); if (!ready) reject(new Error(msg.detail)); }
    };
    ws.onerror = () => { if (!ready) reject(new Error('socket')); };
    ws.onclose = () => { if (!ready) reject(new Error('closed')); ws.fvDone?.(null); };
  });
}
