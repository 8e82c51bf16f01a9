// Visit templates edited as a form: the steps in order (key, names in Chinese and English, points,
// required, moved up or down, removed, added), each with its fields (key, type, labels, required,
// choices). Saving makes a new version; the server's objections are shown beside the form.
import { html, render } from '../html.js';
import { addStrings, localName, t } from '../i18n.js';
import { api, busy, field, icon, loadInto, showNote } from './common.js';

addStrings({
  en: {
    av_template: 'Template', av_version: 'Version {v}', av_step: 'Step {n}', av_key: 'Key (a–z, 0–9, _)', av_name: 'Title (Chinese)',
    av_nameEn: 'Title (English)', av_points: 'Points', av_required: 'Required', av_up: 'Move step {n} up', av_down: 'Move step {n} down',
    av_remove: 'Remove step {n}', av_addStep: 'Add step', av_addField: 'Add field', av_fields: 'Fields', av_type: 'Type',
    av_label: 'Label (Chinese)', av_labelEn: 'Label (English)', av_options: 'Choices (comma-separated)', av_removeField: 'Remove field {n}',
    av_save: 'Save as new version', av_saved: 'Saved as version {v}.', av_problems: 'The server refused the template:',
    ft_photos: 'Photos', ft_yesno: 'Yes / no', ft_number: 'Number', ft_facings: 'Facings per product', ft_barcodes: 'Barcodes',
    ft_materials: 'Materials placed', ft_choice: 'Choice', ft_text: 'Text',
  },
  zh: {
    av_template: '模板', av_version: '第 {v} 版', av_step: '步骤 {n}', av_key: '键名（a–z、0–9、_）', av_name: '标题（中文）',
    av_nameEn: '标题（英文）', av_points: '分值', av_required: '必做', av_up: '步骤 {n} 上移', av_down: '步骤 {n} 下移',
    av_remove: '删除步骤 {n}', av_addStep: '添加步骤', av_addField: '添加字段', av_fields: '字段', av_type: '类型',
    av_label: '标签（中文）', av_labelEn: '标签（英文）', av_options: '选项（用逗号分隔）', av_removeField: '删除字段 {n}',
    av_save: '保存为新版本', av_saved: '已保存为第 {v} 版。', av_problems: '服务器拒绝了该模板：',
    ft_photos: '照片', ft_yesno: '是 / 否', ft_number: '数字', ft_facings: '各产品排面', ft_barcodes: '条码',
    ft_materials: '投放物料', ft_choice: '选项', ft_text: '文字',
  },
});

const TYPES = ['photos', 'yesno', 'number', 'facings', 'barcodes', 'materials', 'choice', 'text'];

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
      ${problems.length > 0 && html`<div class="adm-status error" role="alert" data-problems><p>${t('av_problems')}</p><ul>${problems.map((p) => html`<li><code>${p.key || ''}</code> ${p.message}</li>`)}</ul></div>`}
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
      const btn = form.querySelector('[data-save]');
      btn.disabled = true;
      try {
        const saved = await api('/api/admin/templates', { method: 'POST', body: this.spec });
        this.version = saved.version; this.code = saved.code;
        await this.load(saved.code);
        showNote(this.querySelector('[data-note]'), t('av_saved', { v: saved.version }));
      } catch (err) {
        btn.disabled = false;
        const extra = Array.isArray(err.extra) ? err.extra : [{ key: '', message: err.message }];
        this.draw(extra.map((x) => ({ key: x.key, message: x.message })));
      }
    };
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
