// The plain admin page: visit templates (as JSON, saved as new versions) and the store CSV import.
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
      + report.errors.map((e) => `\nline ${e.line} (${e.code || '—'}): ${e.errors.map((x) => `${x.field}: ${x.message}`).join('; ')}`).join('');
  } catch (e) { out.textContent = e.message; }
});

call('/api/me').then((me) => {
  if (me.user.role !== 'admin') throw new Error('This page is for admins.');
  return loadTemplates();
}).catch((e) => { $('who').hidden = false; $('who').textContent = `${e.message} Sign in as an admin in the app first.`; });
