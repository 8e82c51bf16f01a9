// Small helpers every section of the admin console uses (online only, not precached): calling the
// API with errors in the UI's language, labelled form fields, a button's busy/done state, and a
// table that becomes stacked cards on a phone. Every string goes through t().
import { ApiError, OfflineError, api } from '../api.js';
import { html, render } from '../html.js';
import { addStrings, has, t } from '../i18n.js';

addStrings({
  en: {
    adm_save: 'Save', adm_saving: 'Saving…', adm_saved: 'Saved', adm_loading: 'Loading…', adm_create: 'Create',
    adm_edit: 'Edit', adm_close: 'Close', adm_cancel: 'Cancel', adm_none: '—', adm_yes: 'Yes', adm_no: 'No',
    adm_empty: 'Nothing here yet.', adm_retry: 'Try again', adm_actions: 'Actions', adm_search: 'Search',
    adm_prev: 'Previous', adm_next: 'Next', adm_range: '{from}–{to} of {total}', adm_required: 'Fill in {field}.',
    err_generic: 'The server refused this ({code}).', err_network: 'No connection to the server. Try again when online.',
    err_forbidden: 'Only an administrator can do this.', err_not_found: 'It is no longer there; reload the list.',
    err_validation_failed: 'Some values are not valid: {fields}.', err_malformed_json: 'The request was not readable.',
    err_conflict: 'This conflicts with what is stored.', err_duplicate_code: 'That code is already used.',
    err_invalid_input: 'A value is not valid.', err_too_large: 'The file is too large.', err_database_busy: 'The server is busy; try again in a moment.',
  },
  zh: {
    adm_save: '保存', adm_saving: '正在保存…', adm_saved: '已保存', adm_loading: '正在加载…', adm_create: '新建',
    adm_edit: '编辑', adm_close: '关闭', adm_cancel: '取消', adm_none: '—', adm_yes: '是', adm_no: '否',
    adm_empty: '这里还没有内容。', adm_retry: '重试', adm_actions: '操作', adm_search: '搜索',
    adm_prev: '上一页', adm_next: '下一页', adm_range: '第 {from}–{to} 条，共 {total} 条', adm_required: '请填写{field}。',
    err_generic: '服务器拒绝了此操作。', err_network: '无法连接服务器，请联网后重试。',
    err_forbidden: '只有管理员可以执行此操作。', err_not_found: '该记录已不存在，请刷新列表。',
    err_validation_failed: '有输入无效，请检查后重试。', err_malformed_json: '请求无法读取。',
    err_conflict: '与已保存的内容冲突。', err_duplicate_code: '该编码已被使用。',
    err_invalid_input: '有输入无效。', err_too_large: '文件太大。', err_database_busy: '服务器忙，请稍后重试。',
  },
});

// ---- talking to the server ---------------------------------------------------------------------

// api() from ../api.js, re-exported so a section needs one import; throws ApiError / OfflineError.
export { ApiError, OfflineError, api };

// What to show for an error, in the UI's language: `err_<code>_<extra.reason>` or `err_<code>` when
// a section (or this file) defines it, else a generic sentence. Parameters: the error's `extra`.
export function errorText(e) {
  if (e instanceof OfflineError) return t('err_network');
  if (e instanceof ApiError) {
    const extra = (e.extra && !Array.isArray(e.extra) ? e.extra : {});
    const fields = Array.isArray(e.extra) ? e.extra.map((x) => x.key).filter(Boolean).join(', ') : '';
    for (const key of [extra.reason && `err_${e.code}_${extra.reason}`, `err_${e.code}`]) {
      if (key && has(key)) return t(key, { n: extra.stores, ...extra, fields, code: e.code });
    }
    return t('err_generic', { code: e.code });
  }
  return e?.message || t('err_generic', { code: 'error' }); // a section's own check, already in words
}

// ---- form fields -------------------------------------------------------------------------------

let ids = 0;
// A labelled control: `field(label, name, {type, value, options, required, hint, attrs})`.
// type: text (default), number, date, password, search, email, textarea, select, checkbox, file.
// options (select): [[value, text], ...]; value picks the selected one. attrs: extra attributes as
// an html`` fragment (e.g. html`min="10" max="5000"`). Returns html`` with a <label for> and the control.
export function field(label, name, { type = 'text', value = '', options = [], required = false, hint = '', attrs = '' } = {}) {
  const id = `adm-f${++ids}`;
  const hintId = hint ? `${id}-hint` : '';
  const described = hint ? html`aria-describedby="${hintId}"` : '';
  const req = required ? html`required` : '';
  let control;
  if (type === 'select') {
    control = html`<select id="${id}" name="${name}" ${req} ${described} ${attrs}>${options.map(([v, text]) =>
      html`<option value="${v}" ${String(v) === String(value ?? '') && html`selected`}>${text}</option>`)}</select>`;
  } else if (type === 'textarea') {
    control = html`<textarea id="${id}" name="${name}" rows="3" ${req} ${described} ${attrs}>${value}</textarea>`;
  } else if (type === 'checkbox') {
    return html`<label class="adm-check" for="${id}"><input id="${id}" name="${name}" type="checkbox" ${value && html`checked`} ${attrs}>
      <span>${label}</span></label>`;
  } else {
    control = html`<input id="${id}" name="${name}" type="${type}" ${type !== 'file' && html`value="${value ?? ''}"`} ${req} ${described} ${attrs}>`;
  }
  return html`<div class="adm-field"><label for="${id}">${label}</label>${control}
    ${hint && html`<small class="hint" id="${hintId}">${hint}</small>`}</div>`;
}

// The form's values by name (checkboxes: true/false; several with one name: an array of the checked).
export function formValues(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name || el.disabled) continue;
    if (el.type === 'checkbox') {
      const all = form.querySelectorAll(`input[type=checkbox][name="${CSS.escape(el.name)}"]`);
      out[el.name] = all.length > 1 ? [...all].filter((c) => c.checked).map((c) => c.value) : el.checked;
    } else if (el.type === 'file') out[el.name] = el.files?.[0] || null;
    else if (el.tagName !== 'BUTTON') out[el.name] = el.value;
  }
  return out;
}

// ---- a button's busy / done state --------------------------------------------------------------

// Run `work()` behind `button`: disabled with "Saving…" (or `busyText`) while it runs, then "Saved"
// for a moment (or `doneText`); an error is shown in `status` (an element, role=alert) in words.
// Resolves to work()'s result, or undefined when it failed (the error is shown, not thrown).
export async function busy(button, work, { status = null, busyText = t('adm_saving'), doneText = t('adm_saved') } = {}) {
  const label = button?.textContent;
  if (button) { button.disabled = true; button.setAttribute('aria-busy', 'true'); button.textContent = busyText; }
  if (status) { status.textContent = ''; status.hidden = true; }
  try {
    const result = await work();
    if (button) {
      button.textContent = doneText; button.dataset.done = '';
      setTimeout(() => { if (button.isConnected) { button.textContent = label; delete button.dataset.done; } }, 1500);
    }
    return result;
  } catch (e) {
    if (button) button.textContent = label;
    showError(status, e);
    return undefined;
  } finally {
    if (button) { button.disabled = false; button.removeAttribute('aria-busy'); }
  }
}

// Show an error (or any text) in `status`; with no status element, nothing is lost: console.
export function showError(status, e) {
  const text = typeof e === 'string' ? e : errorText(e);
  if (!status) { console.warn(text, e); return; }
  status.textContent = text; status.hidden = false; status.classList.add('error');
}

export function showNote(status, text) {
  if (!status) return;
  status.textContent = text; status.hidden = false; status.classList.remove('error');
}

// ---- tables that become cards on a phone ---------------------------------------------------------

// columns: [[heading, (row) => cell (text or html``), {cls}?], ...]; rows: objects. Each <tr> gets
// data-row="${key(row)}"; each <td> a data-label (the heading, shown before the value on a phone).
export function table(columns, rows, { key = (r) => r.id, empty = t('adm_empty'), caption = '' } = {}) {
  if (!rows.length) return html`<p class="empty" data-empty>${empty}</p>`;
  return html`<table class="adm-table">${caption && html`<caption>${caption}</caption>`}
    <thead><tr>${columns.map(([h, , o]) => html`<th scope="col" class="${o?.cls || ''}">${h}</th>`)}</tr></thead>
    <tbody>${rows.map((r) => html`<tr data-row="${key(r)}">${columns.map(([h, cell, o]) =>
      html`<td data-label="${h}" class="${o?.cls || ''}">${cell(r)}</td>`)}</tr>`)}</tbody></table>`;
}

// "Loading…" / an error with a retry button in `el`, while `load()` runs; resolves to its result.
export async function loadInto(el, load, draw) {
  render(el, html`<p class="hint" data-loading>${t('adm_loading')}</p>`);
  try {
    const data = await load();
    draw(data);
    return data;
  } catch (e) {
    render(el, html`<p class="error" role="alert" data-load-error>${errorText(e)}</p>
      <button type="button" class="adm-btn" data-retry>${t('adm_retry')}</button>`);
    el.querySelector('[data-retry]').onclick = () => loadInto(el, load, draw);
    return undefined;
  }
}

// ---- icons (inline SVG, decorative: the button's text or aria-label says what it does) -----------

const PATHS = {
  edit: 'M3 17.25V21h3.75L17.8 9.94l-3.75-3.75L3 17.25zm17.7-10.2a1 1 0 0 0 0-1.41l-2.34-2.34a1 1 0 0 0-1.41 0l-1.83 1.83 3.75 3.75 1.83-1.83z',
  plus: 'M19 13h-6v6h-2v-6H5v-2h6V5h2v6h6v2z',
  close: 'M19 6.41 17.59 5 12 10.59 6.41 5 5 6.41 10.59 12 5 17.59 6.41 19 12 13.41 17.59 19 19 17.59 13.41 12z',
  check: 'M9 16.17 4.83 12l-1.42 1.41L9 19 21 7l-1.41-1.41z',
  download: 'M5 20h14v-2H5v2zM19 9h-4V3H9v6H5l7 7 7-7z',
  upload: 'M5 20h14v-2H5v2zm4-4h6v-6h4l-7-7-7 7h4v6z',
  warn: 'M1 21h22L12 2 1 21zm12-3h-2v-2h2v2zm0-4h-2v-4h2v4z',
};
export function icon(name) {
  return html`<svg class="adm-icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false"><path fill="currentColor" d="${PATHS[name] || ''}"/></svg>`;
}

// Call `fn` once typing pauses for `ms`.
export function debounce(fn, ms = 300) {
  let timer = null;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}
