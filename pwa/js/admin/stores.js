// Stores: search and page through them (25 at a time: 2,800 are never loaded at once), edit one
// (name, address, channel, position, geofence, rep, visit cycle), and the CSV import / export.
import { html, render } from '../html.js';
import { addStrings, t } from '../i18n.js';
import { api, busy, debounce, field, formValues, icon, loadInto, showError, showNote, table } from './common.js';

addStrings({
  en: {
    as_search: 'Search stores by name, code or address', as_code: 'Code', as_name: 'Name', as_rep: 'Rep', as_noRep: 'No rep',
    as_channel: 'Channel', as_geofence: 'Geofence (m)', as_address: 'Address', as_lat: 'Latitude', as_lng: 'Longitude',
    as_days: 'Visit days', as_weeks: 'Every … weeks', as_anchor: 'Cycle starts on', as_editing: 'Edit store {code}',
    as_cycle: 'Visit cycle', as_noCycle: 'no fixed days', as_none: 'No stores match.', as_saved: 'Store {code} saved.',
    as_badNumber: '{field} must be a number.', as_geofenceRange: 'The geofence is 10 to 5,000 m.',
    as_csv: 'CSV import and export', as_export: 'Download all stores (CSV)', as_file: 'CSV file', as_dry: 'Check only (write nothing)',
    as_import: 'Import', as_chooseFile: 'Choose a CSV file first.',
    as_report: 'Created {created} · updated {updated} · unchanged {unchanged} · rejected {rejected}',
    as_reportDry: 'Check only: would create {created} · update {updated} · unchanged {unchanged} · rejected {rejected}',
    as_line: 'Line {line}', as_csvHint: 'Columns as in the export:',
    wk_1: 'Mon', wk_2: 'Tue', wk_3: 'Wed', wk_4: 'Thu', wk_5: 'Fri', wk_6: 'Sat', wk_7: 'Sun',
  },
  zh: {
    as_search: '按名称、编码或地址搜索门店', as_code: '编码', as_name: '名称', as_rep: '业务员', as_noRep: '未分配',
    as_channel: '渠道', as_geofence: '电子围栏（米）', as_address: '地址', as_lat: '纬度', as_lng: '经度',
    as_days: '拜访日', as_weeks: '每几周一次', as_anchor: '周期起始日', as_editing: '编辑门店 {code}',
    as_cycle: '拜访周期', as_noCycle: '无固定拜访日', as_none: '没有匹配的门店。', as_saved: '门店 {code} 已保存。',
    as_badNumber: '{field}必须是数字。', as_geofenceRange: '电子围栏为 10 到 5000 米。',
    as_csv: 'CSV 导入与导出', as_export: '下载全部门店（CSV）', as_file: 'CSV 文件', as_dry: '仅检查（不写入）',
    as_import: '导入', as_chooseFile: '请先选择 CSV 文件。',
    as_report: '新建 {created} · 更新 {updated} · 未变 {unchanged} · 拒绝 {rejected}',
    as_reportDry: '仅检查：将新建 {created} · 更新 {updated} · 未变 {unchanged} · 拒绝 {rejected}',
    as_line: '第 {line} 行', as_csvHint: '列与导出文件相同：',
    wk_1: '周一', wk_2: '周二', wk_3: '周三', wk_4: '周四', wk_5: '周五', wk_6: '周六', wk_7: '周日',
  },
});

const PAGE = 25;
const CHANNELS = ['supermarket', 'convenience', 'restaurant', 'tobacco_liquor', 'other'];
const repLabel = (u) => (u.display_name && u.display_name !== u.username ? `${u.display_name} (${u.username})` : u.username);

const CSV_COLUMNS = 'code, name, address, channel, lat, lng, geofence_m, rep, region, visit_days, cycle_weeks, cycle_anchor';

class AdminStores extends HTMLElement {
  connectedCallback() {
    this.q = ''; this.offset = 0; this.items = []; this.reps = [];
    render(this, html`
      <div class="adm-toolbar">${field(t('as_search'), 'q', { type: 'search', attrs: html`data-store-q autocomplete="off"` })}</div>
      <p class="adm-status" role="status" hidden data-note></p>
      <div data-editor></div><div data-list></div>
      <section class="card" data-csv><h3>${t('as_csv')}</h3>
        <p><a class="adm-btn" href="/api/admin/stores/export.csv" download="stores.csv" data-export>${icon('download')}${t('as_export')}</a></p>
        <form data-import novalidate>
          ${field(t('as_file'), 'file', { type: 'file', hint: html`${t('as_csvHint')} <code>${CSV_COLUMNS}</code>`, attrs: html`accept=".csv,text/csv"` })}
          ${field(t('as_dry'), 'dry', { type: 'checkbox' })}
          <div class="adm-buttons"><button type="submit" class="adm-btn main">${icon('upload')}${t('as_import')}</button></div>
          <p class="adm-status" role="alert" hidden data-import-status></p><div data-import-report></div>
        </form></section>`);
    this.querySelector('[data-store-q]').addEventListener('input', debounce((e) => { this.q = e.target.value; this.offset = 0; this.load(); }));
    this.bindImport();
    api('/api/admin/users?role=rep&limit=1000').then((d) => { this.reps = d.items; }).catch(() => {})
      .finally(() => this.load());
  }

  repName(id) {
    const rep = this.reps.find((u) => u.id === id);
    return rep ? repLabel(rep) : (id ? id.slice(-6) : t('as_noRep'));
  }

  load() {
    const params = new URLSearchParams({ limit: String(PAGE), offset: String(this.offset) });
    if (this.q.trim()) params.set('q', this.q.trim());
    return loadInto(this.querySelector('[data-list]'), () => api(`/api/stores/?${params}`), (data) => {
      this.items = data.items; this.total = data.total;
      this.drawList();
    });
  }

  drawList() {
    const list = this.querySelector('[data-list]');
    const from = this.total ? this.offset + 1 : 0, to = this.offset + this.items.length;
    render(list, html`${table([
      [t('as_code'), (s) => html`<b>${s.code}</b>`],
      [t('as_name'), (s) => s.name],
      [t('as_channel'), (s) => t(`ch_${s.channel}`)],
      [t('as_rep'), (s) => html`<span data-store-rep>${this.repName(s.rep_id)}</span>`],
      [t('as_geofence'), (s) => html`<span data-store-fence>${s.geofence_m}</span>`, { cls: 'num' }],
      [t('adm_actions'), (s) => html`<button type="button" class="adm-btn" data-edit-store="${s.id}" aria-label="${t('as_editing', { code: s.code })}">${icon('edit')}${t('adm_edit')}</button>`],
    ], this.items, { empty: t('as_none') })}
      <div class="adm-pager"><span class="adm-muted" data-range>${t('adm_range', { from, to, total: this.total })}</span>
        <span class="adm-buttons"><button type="button" class="adm-btn" data-prev ${this.offset === 0 && html`disabled`}>${t('adm_prev')}</button>
        <button type="button" class="adm-btn" data-next ${to >= this.total && html`disabled`}>${t('adm_next')}</button></span></div>`);
    list.querySelector('[data-prev]').onclick = () => { this.offset = Math.max(0, this.offset - PAGE); this.load(); };
    list.querySelector('[data-next]').onclick = () => { this.offset += PAGE; this.load(); };
    for (const b of list.querySelectorAll('[data-edit-store]')) b.onclick = () => this.drawEditor(b.dataset.editStore);
    if (this.open) list.querySelector(`tr[data-row="${CSS.escape(this.open)}"]`)?.setAttribute('data-selected', '');
  }

  drawEditor(id) {
    const s = this.items.find((x) => x.id === id);
    const box = this.querySelector('[data-editor]');
    this.open = s ? id : null;
    this.drawList();
    if (!s) { box.replaceChildren(); return; }
    const days = new Set((s.visit_days || '').split(',').filter(Boolean));
    const reps = [['', t('as_noRep')], ...this.reps.filter((u) => u.active || u.id === s.rep_id).map((u) => [u.id, repLabel(u)])];
    render(box, html`<form class="card adm-editor" data-store-editor="${s.id}" novalidate>
      <h3><span>${t('as_editing', { code: s.code })}</span><button type="button" class="adm-btn" data-close aria-label="${t('adm_close')}">${icon('close')}</button></h3>
      <div class="adm-form">
        ${field(t('as_name'), 'name', { value: s.name, required: true, attrs: html`maxlength="120"` })}
        ${field(t('as_channel'), 'channel', { type: 'select', value: s.channel, options: CHANNELS.map((c) => [c, t(`ch_${c}`)]) })}
        <div class="adm-wide">${field(t('as_address'), 'address', { value: s.address, attrs: html`maxlength="255"` })}</div>
        ${field(t('as_lat'), 'lat', { type: 'number', value: s.lat ?? '', attrs: html`step="any" min="-90" max="90" inputmode="decimal"` })}
        ${field(t('as_lng'), 'lng', { type: 'number', value: s.lng ?? '', attrs: html`step="any" min="-180" max="180" inputmode="decimal"` })}
        ${field(t('as_geofence'), 'geofence_m', { type: 'number', value: s.geofence_m, attrs: html`min="10" max="5000" step="1" inputmode="numeric"` })}
        ${field(t('as_rep'), 'rep_id', { type: 'select', value: s.rep_id || '', options: reps })}
        <fieldset class="adm-days adm-wide"><legend>${t('as_days')}</legend>
          ${[1, 2, 3, 4, 5, 6, 7].map((d) => field(t(`wk_${d}`), 'visit_days', { type: 'checkbox', value: days.has(String(d)), attrs: html`value="${d}"` }))}</fieldset>
        ${field(t('as_weeks'), 'cycle_weeks', { type: 'number', value: s.cycle_weeks, attrs: html`min="1" max="8" step="1" inputmode="numeric"` })}
        ${field(t('as_anchor'), 'cycle_anchor', { type: 'date', value: s.cycle_anchor })}
      </div>
      <div class="adm-buttons"><button type="submit" class="adm-btn main" data-save-store>${t('adm_save')}</button></div>
      <p class="adm-status" role="alert" hidden data-status></p></form>`);
    const form = box.querySelector('form'), status = form.querySelector('[data-status]');
    form.querySelector('[data-close]').onclick = () => this.drawEditor(null);
    form.onsubmit = async (e) => {
      e.preventDefault();
      const v = formValues(form), body = {};
      const num = (key, label) => {
        if (v[key] === '') return null;
        const n = Number(v[key]);
        if (!Number.isFinite(n)) throw new Error(t('as_badNumber', { field: label }));
        return n;
      };
      try {
        if (!v.name.trim()) throw new Error(t('adm_required', { field: t('as_name') }));
        const fence = num('geofence_m', t('as_geofence'));
        if (fence === null || fence < 10 || fence > 5000) throw new Error(t('as_geofenceRange'));
        const next = { name: v.name.trim(), address: v.address.trim(), channel: v.channel, lat: num('lat', t('as_lat')),
          lng: num('lng', t('as_lng')), geofence_m: Math.round(fence), rep_id: v.rep_id || null,
          visit_days: [].concat(v.visit_days || []).sort().join(','), cycle_weeks: num('cycle_weeks', t('as_weeks')) ?? 1,
          cycle_anchor: v.cycle_anchor || s.cycle_anchor };
        for (const [k, val] of Object.entries(next)) if (val !== (s[k] ?? null) && !(k === 'address' && val === (s[k] || ''))) body[k] = val;
      } catch (err) { showError(status, err.message); return; }
      const saved = await busy(form.querySelector('[data-save-store]'), () => api(`/api/stores/${encodeURIComponent(s.id)}`, { method: 'PATCH', body }), { status });
      if (!saved) return;
      Object.assign(s, saved);
      this.drawEditor(null);
      showNote(this.querySelector('[data-note]'), t('as_saved', { code: s.code }));
    };
    form.name.focus();
  }

  bindImport() {
    const form = this.querySelector('[data-import]');
    const status = form.querySelector('[data-import-status]');
    form.onsubmit = async (e) => {
      e.preventDefault();
      const v = formValues(form);
      if (!v.file) { showError(status, t('as_chooseFile')); return; }
      const report = await busy(form.querySelector('[type=submit]'), () => api(`/api/admin/stores/import?dry_run=${v.dry}`,
        { method: 'POST', raw: v.file, headers: { 'Content-Type': 'text/csv' }, timeout: 120000 }), { status, doneText: t('as_import') });
      if (!report) return;
      showNote(status, t(report.dry_run ? 'as_reportDry' : 'as_report', report));
      render(form.querySelector('[data-import-report]'), html`<ul class="adm-report">${report.errors.map((er) => html`<li data-import-error>
        <b>${t('as_line', { line: er.line })}</b>${er.code && html` · ${er.code}`} · ${er.errors.map((x) => x.field).filter(Boolean).join(', ')}</li>`)}</ul>`);
      if (!report.dry_run) this.load();
    };
  }
}
customElements.define('fv-admin-stores', AdminStores);
