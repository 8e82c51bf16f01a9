// Live dictation (online only, so not precached): the microphone as 16 kHz PCM over a socket to
// the server, partial and final text coming back while the rep speaks.
const RATE = 16000;

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
      else if (msg.type === 'error') { // before 'ready' it is a refusal: its code tells the rep why
        if (ready) live.error?.(msg); else reject(Object.assign(new Error(msg.detail), { code: msg.code }));
      }
    };
    ws.onerror = () => { if (!ready) reject(new Error('socket')); };
    ws.onclose = () => { if (!ready) reject(new Error('closed')); ws.fvDone?.(null); };
  });
}

// Stream `stream` to the server; `live` gets {partial, final, error, done}. Throws when no socket
// opens. end() stops streaming and resolves to the final text (null when the socket closed).
export async function listen(stream, lang, live) {
  const socket = await openSocket(lang, live);
  const ctx = new AudioContext();
  const source = ctx.createMediaStreamSource(stream);
  const node = ctx.createScriptProcessor(4096, 1, 1);
  node.onaudioprocess = (e) => {
    if (socket.readyState === WebSocket.OPEN) socket.send(toPcm16(e.inputBuffer.getChannelData(0), ctx.sampleRate).buffer);
  };
  source.connect(node); node.connect(ctx.destination);
  const finished = new Promise((resolve) => { socket.fvDone = resolve; });
  return {
    async end() {
      node.disconnect(); await ctx.close();
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: 'end' }));
      return finished;
    },
  };
}
