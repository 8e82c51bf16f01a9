// The plain admin page: visit templates (as JSON, saved as new versions), the store CSV import, and
// the durable jobs (state, attempts, last error; a dead one retried).
import { html, render } from '/js/html.js';

const $ = (id) => document.getElementById(id);

async function call(path, options = {}) {
  const res = await fetch(path, { credentials: 'same-origin', ...options });
  const body = res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text();
  if (!res.ok) throw Object.assign(new Error(body.detail || res.statusText), { body });
  return body;
}

function editable(t) {
  return { code: t.code, name: t.name, name_en: t.name_en, channels: t.channels, steps: t.steps };
}

async function loadTemplates() {
  const rows = await call('/api/templates');
  render($('templates'), html`${rows.map((t) => html`<tr data-template="${t.code}"><td>${t.code}</td><td data-version>${t.version}</td>
    <td>${t.name} / ${t.name_en}</td><td>${t.channels.join(', ')}</td>
    <td>${t.steps.map((s) => `${s.name_en || s.name} (${s.points})`).join(' → ')}</td>
    <td><button type="button" data-edit="${t.id}">Edit</button></td></tr>`)}`);
  $('templates').querySelectorAll('[data-edit]').forEach((b) => b.addEventListener('click', () => {
    const t = rows.find((r) => r.id === b.dataset.edit);
    $('spec').value = JSON.stringify(editable(t), null, 2);
  }));
  if (!$('spec').value && rows[0]) $('spec').value = JSON.stringify(editable(rows[0]), null, 2);
}

$('save').addEventListener('click', async () => {
  const out = $('save-result');
  out.hidden = false;
  let spec;
  try { spec = JSON.parse($('spec').value); } catch (e) { out.textContent = `Not valid JSON: ${e.message}`; return; }
  try {
    const saved = await call('/api/admin/templates', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(spec) });
    out.textContent = `Saved ${saved.code} version ${saved.version}.`;
    await loadTemplates();
  } catch (e) {
    out.textContent = `${e.message}\n${JSON.stringify(e.body?.extra ?? '', null, 2)}`;
  }
});

$('import').addEventListener('click', async () => {
  const out = $('import-result');
  out.hidden = false;
  const file = $('csv').files[0];
  if (!file) { out.textContent = 'Choose a CSV file first.'; return; }
  try {
    const report = await call(`/api/admin/stores/import?dry_run=${$('dry').checked}`, { method: 'POST', headers: { 'Content-Type': 'text/csv' }, body: file });
    out.textContent = `created ${report.created}, updated ${report.updated}, unchanged ${report.unchanged}, rejected ${report.rejected}`
      + report.errors.map((e) => `\nline ${e.line} (${e.code || '—'}): ${e.errors.map((x) => (x.field ? `${x.field}: ${x.message}` : x.message)).join('; ')}`).join('');
  } catch (e) { out.textContent = e.message; }
});

const JOB_STATES = ['dead', 'queued', 'running', 'done', ''];
let jobState = 'dead';

function jobRow(j) {
  const [first, ...rest] = (j.last_error || '').split('\n');
  const retryable = j.state === 'dead' || j.state === 'queued';
  return html`<tr data-job="${j.id}" data-job-state="${j.state}">
    <td><span class="job-state ${j.state}">${j.state}</span></td><td>${j.kind}</td>
    <td>${j.record ? html`${j.record.collection} <code>${j.record.id.slice(-8)}</code>` : j.key}</td>
    <td data-attempts>${j.attempts} / ${j.max_attempts}</td>
    <td class="job-error">${first ? html`<span data-last-error>${first}</span>${rest.length > 0 && html`<details><summary>trace</summary><pre>${rest.join('\n')}</pre></details>`}` : '—'}
      ${j.waits_for && html`<br><small>waits for ${j.waits_for.slice(0, 12)}…</small>`}</td>
    <td>${new Date(j.created_at).toLocaleString()}</td>
    <td>${retryable && html`<button type="button" data-retry="${j.id}">${j.state === 'dead' ? 'Retry' : 'Run now'}</button>`}</td></tr>`;
}

async function loadJobs() {
  const data = await call(`/api/admin/jobs?limit=100${jobState ? `&state=${jobState}` : ''}`);
  const total = Object.values(data.counts).reduce((a, b) => a + b, 0);
  render($('job-states'), html`${JOB_STATES.map((s) => html`<button type="button" data-job-filter="${s}" ${s === jobState && html`aria-pressed="true"`}>
    ${s || 'all'} <small>${s ? data.counts[s] : total}</small></button>`)}`);
  render($('jobs'), data.items.length ? html`${data.items.map(jobRow)}` : html`<tr><td colspan="7" class="hint" data-no-jobs>No ${jobState} jobs.</td></tr>`);
  $('job-states').querySelectorAll('[data-job-filter]').forEach((b) => b.addEventListener('click', () => { jobState = b.dataset.jobFilter; loadJobs(); }));
  $('jobs').querySelectorAll('[data-retry]').forEach((b) => b.addEventListener('click', async () => {
    b.disabled = true;
    b.textContent = 'Retrying…';
    try {
      const job = await call(`/api/admin/jobs/${encodeURIComponent(b.dataset.retry)}/retry`, { method: 'POST' });
      b.textContent = job.state === 'queued' ? 'Queued ✓' : `${job.state} ✓`;
      b.dataset.retried = '';
      b.closest('tr').dataset.jobState = job.state;
      b.closest('tr').querySelector('.job-state').className = `job-state ${job.state}`;
      b.closest('tr').querySelector('.job-state').textContent = job.state;
      b.closest('tr').querySelector('[data-attempts]').textContent = `${job.attempts} / ${job.max_attempts}`;
    } catch (e) {
      b.disabled = false;
      b.textContent = 'Retry';
      b.insertAdjacentText('afterend', ` ${e.message}`);
    }
  }));
}

call('/api/me').then((me) => {
  if (me.user.role !== 'admin') throw new Error('This page is for admins.');
  return Promise.all([loadTemplates(), loadJobs()]);
}).catch((e) => { $('who').hidden = false; $('who').textContent = `${e.message} Sign in as an admin in the app first.`; });
