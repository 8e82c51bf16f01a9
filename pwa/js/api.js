// Talking to the server. Every request says which device it comes from; errors come back
// as ApiError with the server's stable `code`, or as OfflineError when there is no network.
import { getMeta, setMeta } from './db.js';

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.detail || `HTTP ${status}`);
    this.status = status; this.code = body?.code || 'error'; this.extra = body?.extra;
  }
}
export class OfflineError extends Error {}

let deviceId = null;
export async function getDeviceId() {
  if (deviceId) return deviceId;
  deviceId = await getMeta('device_id');
  if (!deviceId) {
    deviceId = crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2);
    await setMeta('device_id', deviceId);
  }
  return deviceId;
}

export async function api(path, { method = 'GET', body, timeout = 20000 } = {}) {
  const headers = { 'X-Device-Id': await getDeviceId(), Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), timeout);
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin', signal: ctrl.signal });
  } catch (e) {
    throw new OfflineError(e.message);
  } finally {
    clearTimeout(timer);
  }
  const data = res.headers.get('content-type')?.includes('json') ? await res.json().catch(() => null) : null;
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}
