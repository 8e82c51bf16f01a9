// The microphone: a recording kept as a file (MediaRecorder: webm/opus on Chrome and Android,
// mp4/aac on Safari) and, while online, streamed to the server for live text (online/live.js,
// loaded only then).

function pickMime() {
  for (const m of ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/mp4']) {
    if (window.MediaRecorder?.isTypeSupported?.(m)) return m;
  }
  return '';
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
  let liveError = null; // the server's code when it refused to listen (model_missing …)
  const listening = live && navigator.onLine
    ? await import('./online/live.js').then((m) => m.listen(stream, lang, live)).catch((e) => { liveError = e.code || null; return null; }) : null;
  return {
    live: !!listening,
    liveError,
    async stop() {
      const stopped = new Promise((resolve) => { rec.onstop = resolve; });
      rec.stop();
      const finished = listening?.end(); // the final text, once the server has heard the end
      await stopped;
      for (const t of stream.getTracks()) t.stop();
      const text = finished ? await Promise.race([finished, new Promise((r) => setTimeout(() => r(null), 15000))]) : null;
      return { blob: new Blob(parts, { type: (rec.mimeType || mime || 'audio/webm').split(';')[0] }),
        seconds: (performance.now() - started) / 1000, text };
    },
  };
}
