// Visit templates edited as a form: the steps in order (key, names in Chinese and English, points,
// required, moved up or down, removed, added), each with its fields (key, type, labels, required,
// choices). Saving makes a new version; the server's objections are shown beside the form.
import { html, render } from '../html.js';
import { addStrings, localName, t } from '../i18n.js';
import { ApiError, api, errorText, field, icon, loadInto, showNote } from './common.js';

addStrings({
  en: {
    av_template: 'Template', av_version: 'Version {v}', av_step: 'Step {n}', av_key: 'Key (a–z, 0–9, _)', av_name: 'Title (Chinese)',
    av_nameEn: 'Title (English)', av_points: 'Points', av_required: 'Required', av_up: 'Move step {n} up', av_down: 'Move step {n} down',
    av_remove: 'Remove step {n}', av_addStep: 'Add step', av_addField: 'Add field', av_fields: 'Fields', av_type: 'Type',
    av_label: 'Label (Chinese)', av_labelEn: 'Label (English)', av_options: 'Choices (comma-separated)', av_removeField: 'Remove field {n}',
    av_save: 'Save as new version', av_saved: 'Saved as version {v}.', av_problems: 'The template was not saved:',
    av_field: 'Field {n}', av_where: '{where}: {what}', av_err_key: 'use a–z, 0–9 and _, starting with a letter (at most 32).',
    av_err_repeat: 'this key is used twice.', av_err_text: 'fill this in (at most {max} characters).', av_err_textEn: 'at most {max} characters.',
    av_err_points: 'points are 0 to 1000.', av_err_options: 'a choice needs at least one choice (at most 20).',
    av_err_fields: 'a step needs 1 to 20 fields.', av_err_steps: 'a template needs 1 to 12 steps.',
    av_err_invalid: 'this is not valid.', av_err_check: 'Some values are not valid: check the highlighted fields.',
    ft_photos: 'Photos', ft_yesno: 'Yes / no', ft_number: 'Number', ft_facings: 'Facings per product', ft_stock: 'Stock count per product', ft_barcodes: 'Barcodes',
    ft_materials: 'Materials placed', ft_choice: 'Choice', ft_text: 'Text',
  },
  zh: {
    av_template: '模板', av_version: '第 {v} 版', av_step: '步骤 {n}', av_key: '键名（a–z、0–9、_）', av_name: '标题（中文）',
    av_nameEn: '标题（英文）', av_points: '分值', av_required: '必做', av_up: '步骤 {n} 上移', av_down: '步骤 {n} 下移',
    av_remove: '删除步骤 {n}', av_addStep: '添加步骤', av_addField: '添加字段', av_fields: '字段', av_type: '类型',
    av_label: '标签（中文）', av_labelEn: '标签（英文）', av_options: '选项（用逗号分隔）', av_removeField: '删除字段 {n}',
    av_save: '保存为新版本', av_saved: '已保存为第 {v} 版。', av_problems: '模板未保存：',
    av_field: '字段 {n}', av_where: '{where}：{what}', av_err_key: '只能用 a–z、0–9 和 _，以字母开头（最多 32 个）。',
    av_err_repeat: '该键名重复了。', av_err_text: '请填写（最多 {max} 个字）。', av_err_textEn: '最多 {max} 个字符。',
    av_err_points: '分值须在 0 到 1000 之间。', av_err_options: '选项类型至少需要一个选项（最多 20 个）。',
    av_err_fields: '每个步骤需要 1 到 20 个字段。', av_err_steps: '模板需要 1 到 12 个步骤。',
    av_err_invalid: '此项无效。', av_err_check: '有输入无效，请检查标红的字段。',
    ft_photos: '照片', ft_yesno: '是 / 否', ft_number: '数字', ft_facings: '各产品排面', ft_stock: '各产品库存', ft_barcodes: '条码',
    ft_materials: '投放物料', ft_choice: '选项', ft_text: '文字',
  },
});

const TYPES = ['photos', 'yesno', 'number', 'facings', 'stock', 'barcodes', 'materials', 'choice', 'text'];

// A problem is {key, code}: key is the server's path (steps.1.fields.0.label), code what is wrong.
// The server's validation answers name the path but say what in English only, so the code comes
// from the path's last part; keys repeating and a choice without choices are checked here first
// (the server says those without a path, or for a whole field).
const CODES = { key: 'key', name: 'text', label: 'text', name_en: 'textEn', label_en: 'textEn', points: 'points', options: 'options', fields: 'fields', steps: 'steps' };
const LABELS = { key: 'av_key', name: 'av_name', name_en: 'av_nameEn', points: 'av_points', label: 'av_label', label_en: 'av_labelEn', options: 'av_options', type: 'av_type', fields: 'av_fields' };
const MAX = { name: 40, label: 60, name_en: 40, label_en: 60 };

function localProblems(spec) {
  const out = [];
  const repeats = (keys, at) => keys.forEach((k, i) => { if (k && keys.indexOf(k) !== i) out.push({ key: at(i), code: 'repeat' }); });
  repeats(spec.steps.map((st) => st.key), (i) => `steps.${i}.key`);
  spec.steps.forEach((st, i) => {
    repeats(st.fields.map((f) => f.key), (j) => `steps.${i}.fields.${j}.key`);
    st.fields.forEach((f, j) => { if (f.type === 'choice' && !f.options?.length) out.push({ key: `steps.${i}.fields.${j}.options`, code: 'options' }); });
  });
  return out;
}

function serverProblems(err) {
  if (!(err instanceof ApiError) || err.code !== 'validation_failed' || !Array.isArray(err.extra)) return null;
  return err.extra.map((x) => {
    const last = (x.key || '').split('.').pop();
    return { key: x.key || '', code: CODES[last] || 'invalid' };
  });
}

// "Step 2 · Field 1 · Label (Chinese): fill this in."; a problem of the whole template: the general sentence.
function problemText({ key, code }) {
  const parts = key.split('.');
  const where = [];
  if (parts[0] === 'steps' && parts.length > 1) where.push(t('av_step', { n: +parts[1] + 1 }));
  if (parts[2] === 'fields' && parts.length > 3) where.push(t('av_field', { n: +parts[3] + 1 }));
  const last = parts[parts.length - 1];
  if (LABELS[last]) where.push(t(LABELS[last]));
  if (!where.length && code === 'invalid') return t('av_err_check');
  const what = t(`av_err_${code}`, { max: MAX[last] || 60 });
  return where.length ? t('av_where', { where: where.join(' · '), what }) : what;
}

// The control a problem is about (s1.f0.label), or the step's / field's box for a whole one.
function problemTarget(form, key) {
  const p = key.split('.');
  if (p[0] !== 'steps' || p.length < 2) return null;
  const name = p[2] === 'fields' ? (p.length > 4 ? `s${p[1]}.f${p[3]}.${p[4]}` : null) : (p.length > 2 ? `s${p[1]}.${p[2]}` : null);
  return (name && form.elements[name]) || form.querySelector(p[2] === 'fields' && p.length > 3
    ? `[data-step="${p[1]}"] [data-field="${p[3]}"]` : `[data-step="${p[1]}"]`);
}

class AdminTemplates extends HTMLElement {
  connectedCallback() {
    render(this, html`<div data-pick></div><p class="adm-status" role="status" hidden data-note></p><div data-list></div>`);
    this.load();
  }

  load(code) {
    return loadInto(this.querySelector('[data-list]'), () => api('/api/templates'), (rows) => {
      this.rows = rows;
      const row = rows.find((r) => r.code === (code || this.code)) || rows[0];
      this.code = row?.code;
      this.spec = row && JSON.parse(JSON.stringify({ code: row.code, name: row.name, name_en: row.name_en, channels: row.channels, steps: row.steps }));
      this.version = row?.version;
      this.draw();
    });
  }

  draw(problems = []) {
    const list = this.querySelector('[data-list]');
    if (!this.spec) { render(list, html`<p class="empty">${t('adm_empty')}</p>`); return; }
    const s = this.spec;
    render(list, html`<form class="card adm-editor" data-template-form novalidate>
      <div class="adm-toolbar">${field(t('av_template'), 'code', { type: 'select', value: this.code, options: this.rows.map((r) => [r.code, localName(r)]), attrs: html`data-code` })}
        <span class="chip on" data-version>${t('av_version', { v: this.version })}</span></div>
      ${problems.length > 0 && html`<div class="adm-status error" role="alert" data-problems><p>${t('av_problems')}</p><ul>${problems.map((p) =>
        html`<li data-problem="${p.key}">${p.text || problemText(p)}</li>`)}</ul></div>`}
      <ol class="adm-steps">${s.steps.map((st, i) => html`<li class="card adm-step" data-step="${i}"><h3><span>${t('av_step', { n: i + 1 })}</span><span class="adm-buttons">
          <button type="button" class="adm-btn" data-up="${i}" aria-label="${t('av_up', { n: i + 1 })}" ${i === 0 && html`disabled`}>↑</button>
          <button type="button" class="adm-btn" data-down="${i}" aria-label="${t('av_down', { n: i + 1 })}" ${i === s.steps.length - 1 && html`disabled`}>↓</button>
          <button type="button" class="adm-btn warn" data-remove="${i}" aria-label="${t('av_remove', { n: i + 1 })}">${icon('close')}</button></span></h3>
        <div class="adm-form">${field(t('av_key'), `s${i}.key`, { value: st.key, attrs: html`data-k="key"` })}
          ${field(t('av_name'), `s${i}.name`, { value: st.name, attrs: html`data-k="name" maxlength="40"` })}
          ${field(t('av_nameEn'), `s${i}.name_en`, { value: st.name_en, attrs: html`data-k="name_en" maxlength="40" lang="en"` })}
          ${field(t('av_points'), `s${i}.points`, { type: 'number', value: st.points, attrs: html`data-k="points" min="0" max="1000"` })}
          ${field(t('av_required'), `s${i}.required`, { type: 'checkbox', value: !st.optional, attrs: html`data-k="required"` })}</div>
        <fieldset class="adm-days"><legend>${t('av_fields')}</legend>${st.fields.map((f, j) => html`<div class="adm-form adm-fieldrow" data-field="${j}">
          ${field(t('av_key'), `s${i}.f${j}.key`, { value: f.key, attrs: html`data-f="key"` })}
          ${field(t('av_type'), `s${i}.f${j}.type`, { type: 'select', value: f.type, options: TYPES.map((x) => [x, t(`ft_${x}`)]), attrs: html`data-f="type"` })}
          ${field(t('av_label'), `s${i}.f${j}.label`, { value: f.label, attrs: html`data-f="label" maxlength="60"` })}
          ${field(t('av_labelEn'), `s${i}.f${j}.label_en`, { value: f.label_en, attrs: html`data-f="label_en" maxlength="60" lang="en"` })}
          ${field(t('av_options'), `s${i}.f${j}.options`, { value: (f.options || []).join(', '), attrs: html`data-f="options"` })}
          ${field(t('av_required'), `s${i}.f${j}.required`, { type: 'checkbox', value: f.required !== false, attrs: html`data-f="required"` })}
          <button type="button" class="adm-btn warn" data-remove-field="${i}.${j}" aria-label="${t('av_removeField', { n: j + 1 })}">${icon('close')}</button></div>`)}
          <button type="button" class="adm-btn" data-add-field="${i}">${icon('plus')}${t('av_addField')}</button></fieldset></li>`)}</ol>
      <div class="adm-buttons"><button type="button" class="adm-btn" data-add-step>${icon('plus')}${t('av_addStep')}</button>
        <button type="submit" class="adm-btn main" data-save>${t('av_save')}</button></div></form>`);
    const form = list.querySelector('form');
    const steps = s.steps;
    const redo = (fn) => () => { this.collect(form); fn(); this.draw(); };
    form.querySelector('[data-code]').onchange = (e) => this.load(e.target.value);
    for (const b of form.querySelectorAll('[data-up]')) b.onclick = redo(() => { const i = +b.dataset.up; [steps[i - 1], steps[i]] = [steps[i], steps[i - 1]]; });
    for (const b of form.querySelectorAll('[data-down]')) b.onclick = redo(() => { const i = +b.dataset.down; [steps[i + 1], steps[i]] = [steps[i], steps[i + 1]]; });
    for (const b of form.querySelectorAll('[data-remove]')) b.onclick = redo(() => steps.splice(+b.dataset.remove, 1));
    for (const b of form.querySelectorAll('[data-remove-field]')) b.onclick = redo(() => { const [i, j] = b.dataset.removeField.split('.').map(Number); steps[i].fields.splice(j, 1); });
    for (const b of form.querySelectorAll('[data-add-field]')) b.onclick = redo(() => steps[+b.dataset.addField].fields.push({ key: '', type: 'yesno', label: '', label_en: '', required: true, options: [] }));
    form.querySelector('[data-add-step]').onclick = redo(() => steps.push({ key: '', name: '', name_en: '', points: 0, optional: false,
      fields: [{ key: '', type: 'photos', label: '', label_en: '', required: true, options: [] }] }));
    form.onsubmit = async (e) => {
      e.preventDefault();
      this.collect(form);
      const local = localProblems(this.spec);
      if (local.length) { this.showProblems(local); return; }
      const btn = form.querySelector('[data-save]');
      btn.disabled = true;
      try {
        const saved = await api('/api/admin/templates', { method: 'POST', body: this.spec });
        this.version = saved.version; this.code = saved.code;
        await this.load(saved.code);
        showNote(this.querySelector('[data-note]'), t('av_saved', { v: saved.version }));
      } catch (err) {
        btn.disabled = false;
        this.showProblems(serverProblems(err) || [{ key: '', text: errorText(err) }]);
      }
    };
  }

  // The form again with the problems listed above it and their controls marked invalid.
  showProblems(problems) {
    this.draw(problems);
    const form = this.querySelector('[data-template-form]');
    const marked = problems.map((p) => p.key && problemTarget(form, p.key)).filter(Boolean);
    for (const el of marked) el.matches('input, select, textarea') ? el.setAttribute('aria-invalid', 'true') : el.setAttribute('data-invalid', '');
    form.querySelector('[data-problems]').scrollIntoView({ block: 'start' });
    if (marked[0]?.focus && marked[0].matches('input, select, textarea')) marked[0].focus({ preventScroll: true });
  }

  collect(form) {
    for (const li of form.querySelectorAll('[data-step]')) {
      const st = this.spec.steps[+li.dataset.step];
      for (const el of li.querySelectorAll('.adm-form:not(.adm-fieldrow) [data-k]')) {
        const k = el.dataset.k;
        if (k === 'required') st.optional = !el.checked;
        else if (k === 'points') st.points = Number(el.value) || 0;
        else st[k] = el.value.trim();
      }
      for (const row of li.querySelectorAll('[data-field]')) {
        const f = st.fields[+row.dataset.field];
        for (const el of row.querySelectorAll('[data-f]')) {
          const k = el.dataset.f;
          if (k === 'required') f.required = el.checked;
          else if (k === 'options') f.options = el.value.split(/[,，]/).map((x) => x.trim()).filter(Boolean);
          else f[k] = el.value.trim();
        }
      }
    }
  }
}
customElements.define('fv-admin-templates', AdminTemplates);
