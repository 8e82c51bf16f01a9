// Taking evidence photos inside the app: the camera only (no gallery), a watermark band burned in
// (store, time, GPS, rep), the long side cut to 1600 px, and a quick blur/darkness check. Receipts
// may also come from the phone's camera app or gallery (photoFromFile).
const LONG_SIDE = 1600;

// The camera into `video`, the shutter disabled until live; an open overtaken by a cancel or a newer
// open gives null and stops its stream.
const opening = new WeakMap();
export async function openCamera(video) {
  const token = {};
  opening.set(video, token);
  const gone = (stream) => { if (opening.get(video) === token) return false; stream.getTracks().forEach((t) => t.stop()); return true; };
  const shutter = video.closest('.camera')?.querySelector('[data-shutter]');
  if (shutter) shutter.disabled = true;
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment', width: { ideal: 1920 } }, audio: false });
  if (gone(stream)) return null;
  video.srcObject = stream;
  try { await video.play(); } catch (e) { if (gone(stream)) return null; throw e; }
  if (gone(stream)) return null;
  if (shutter) shutter.disabled = false;
  return stream;
}

// Stop the camera, drop the picture (no frozen frame), call off an open under way.
export function closeCamera(stream) {
  stream?.getTracks().forEach((t) => t.stop());
  for (const v of document.querySelectorAll('video')) { opening.delete(v); if (stream && v.srcObject === stream) v.srcObject = null; }
}

function quality(ctx, w, h) {
  // Mean luminance and the variance of a Laplacian on a small grey copy: dark and blurred photos score low.
  const sw = 160, sh = Math.max(1, Math.round((h / w) * 160));
  const small = document.createElement('canvas');
  small.width = sw; small.height = sh;
  const sctx = small.getContext('2d', { willReadFrequently: true });
  sctx.drawImage(ctx.canvas, 0, 0, sw, sh);
  const px = sctx.getImageData(0, 0, sw, sh).data;
  const grey = new Float32Array(sw * sh);
  let sum = 0;
  for (let i = 0; i < grey.length; i++) { grey[i] = 0.299 * px[i * 4] + 0.587 * px[i * 4 + 1] + 0.114 * px[i * 4 + 2]; sum += grey[i]; }
  let lap = 0, n = 0, lsum = 0;
  for (let y = 1; y < sh - 1; y++) for (let x = 1; x < sw - 1; x++) {
    const i = y * sw + x;
    const v = 4 * grey[i] - grey[i - 1] - grey[i + 1] - grey[i - sw] - grey[i + sw];
    lap += v * v; lsum += v; n++;
  }
  const mean = sum / grey.length;
  const sharpness = n ? lap / n - (lsum / n) ** 2 : 0;
  return { brightness: Math.round(mean), sharpness: Math.round(sharpness), dark: mean < 40, blurred: sharpness < 30 };
}

// Capture the current frame as a watermarked JPEG; `lines` are the watermark's text lines.
export async function capture(video, lines) {
  const vw = video.videoWidth, vh = video.videoHeight;
  const scale = Math.min(1, LONG_SIDE / Math.max(vw, vh));
  const w = Math.round(vw * scale), h = Math.round(vh * scale);
  const canvas = document.createElement('canvas');
  canvas.width = w; canvas.height = h;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(video, 0, 0, w, h);
  const checks = quality(ctx, w, h);
  if (lines.length) burn(ctx, w, h, lines);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.8));
  return { blob, width: w, height: h, ...checks };
}

function burn(ctx, w, h, lines) {
  const size = Math.max(14, Math.round(h / 32));
  const band = size * (lines.length + 0.8);
  ctx.fillStyle = 'rgba(0,0,0,0.55)';
  ctx.fillRect(0, h - band, w, band);
  ctx.fillStyle = '#fff';
  ctx.font = `${size}px "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif`;
  lines.forEach((line, i) => ctx.fillText(line, size * 0.6, h - band + size * (i + 1.1)));
}

// The watermark band's lines: store, local time, position, who took it (the server reads them back).
export function watermarkLines(storeName, fix, who) {
  return [storeName, new Date().toLocaleString('zh-CN', { hour12: false }),
    fix ? `GPS ${fix.lat.toFixed(5)}, ${fix.lng.toFixed(5)} ±${Math.round(fix.accuracy)}m` : 'GPS —', who];
}

// A photo from the phone's camera app or gallery (a receipt): decoded here (a non-picture is
// refused on the spot) and re-encoded as a JPEG of at most 1600 px.
export async function photoFromFile(file) {
  let bitmap;
  try { bitmap = await createImageBitmap(file); } catch { throw new Error('not_a_photo'); }
  const scale = Math.min(1, LONG_SIDE / Math.max(bitmap.width, bitmap.height));
  const w = Math.round(bitmap.width * scale), h = Math.round(bitmap.height * scale);
  const canvas = document.createElement('canvas');
  canvas.width = w; canvas.height = h;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(bitmap, 0, 0, w, h);
  bitmap.close?.();
  const checks = quality(ctx, w, h);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.85));
  return { blob, width: w, height: h, ...checks };
}
