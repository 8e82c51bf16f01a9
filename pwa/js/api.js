// Talking to the server. Every request says which device it comes from; errors come back
// as ApiError with the server's stable `code`, or as OfflineError when there is no network.
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.detail || `HTTP ${status}`);
    this.status = status; this.code = body?.code || 'error'; this.extra = body?.extra || {};
  }
}
export class OfflineError extends Error {}

let deviceId = '';
export function setDeviceId(id) { deviceId = id || ''; }

export async function api(path, { method = 'GET', body, raw, headers = {}, timeout = 30000 } = {}) {
  const h = { 'X-Device-Id': deviceId, Accept: 'application/json', ...headers };
  if (body !== undefined) h['Content-Type'] = 'application/json';
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), timeout);
  let res;
  try {
    res = await fetch(path, { method, headers: h, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
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
