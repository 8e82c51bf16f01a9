// Catalogues: our own SKUs, competitor SKUs (by barcode) and display materials (POSM) — list with a
// search, a new item, editing names (Chinese and English), codes and barcodes. Phones get a change on
// their next sync (the server publishes it at once).
import { html, render } from '../html.js';
import { addStrings, getLang, has, localName, t } from '../i18n.js';
import { api, busy, debounce, field, formValues, icon, loadInto, showError, showNote, table } from './common.js';

addStrings({
  en: {
    ac_skus: 'Our products', ac_competitors: 'Competitor products', ac_materials: 'Materials (POSM)',
    ac_kinds: 'Catalogue', ac_code: 'Code', ac_barcode: 'Barcode', ac_brand: 'Brand', ac_name: 'Name (Chinese)',
    ac_launch: 'Launch day (new product)', ac_target: 'Sell-through target (%)', ac_nameEn: 'Name (English)', ac_category: 'Category', ac_unit: 'Unit', ac_new: 'New item', ac_newSku: 'New product',
    ac_newCompetitor: 'New competitor product', ac_newMaterial: 'New material', ac_editItem: 'Edit {name}',
    ac_find: 'Find by name, code or barcode', ac_count: '{n} items', ac_saved: 'Saved. Phones get it on their next sync.',
    ac_none: 'No items match.', ac_nameCol: 'Name', ac_otherName: 'Chinese name', ac_noCategory: 'No category',
    cat_water: 'Water', cat_tea: 'Tea', cat_juice: 'Juice', cat_energy: 'Energy drinks', cat_liquor: 'Liquor', cat_soda: 'Soft drinks',
    err_duplicate_barcode: 'That barcode is already used.', err_empty_field: 'Fill in every required field.',
  },
  zh: {
    ac_skus: '本品', ac_competitors: '竞品', ac_materials: '物料（POSM）',
    ac_kinds: '目录', ac_code: '编码', ac_barcode: '条码', ac_brand: '品牌', ac_name: '名称（中文）',
    ac_launch: '上市日期（新品）', ac_target: '动销率目标（%）', ac_nameEn: '名称（英文）', ac_category: '品类', ac_unit: '单位', ac_new: '新建', ac_newSku: '新建本品',
    ac_newCompetitor: '新建竞品', ac_newMaterial: '新建物料', ac_editItem: '编辑 {name}',
    ac_find: '按名称、编码或条码查找', ac_count: '共 {n} 项', ac_saved: '已保存，手机下次同步时更新。',
    ac_none: '没有符合的项目。', ac_nameCol: '名称', ac_otherName: '英文名称', ac_noCategory: '无品类',
    cat_water: '饮用水', cat_tea: '茶饮', cat_juice: '果汁', cat_energy: '功能饮料', cat_liquor: '酒类', cat_soda: '汽水',
    err_duplicate_barcode: '该条码已被使用。', err_empty_field: '请填写所有必填项。',
  },
});

// The categories the console names in words (stored as these codes); another stored one shows as it is.
const CATEGORIES = ['water', 'tea', 'juice', 'energy', 'soda', 'liquor'];
const categoryName = (c) => (!c ? t('adm_none') : has(`cat_${c}`) ? t(`cat_${c}`) : c);

// kind -> [list URL, label key, new-item key, fields [name, label key, required, attrs]]
const KINDS = {
  skus: ['/api/catalog/skus', 'ac_skus', 'ac_newSku', [
    ['code', 'ac_code', true, html`maxlength="32" autocapitalize="characters"`], ['barcode', 'ac_barcode', false, html`maxlength="32" inputmode="numeric"`],
    ['name', 'ac_name', true, html`maxlength="120"`], ['name_en', 'ac_nameEn', false, html`maxlength="120" lang="en"`],
    ['category', 'ac_category', false, html`maxlength="32"`],
    // a new product: its launch day and the sell-through it should reach (a percentage here, 0–1 on the server)
    ['launch_date', 'ac_launch', false, '', 'date'], ['launch_target', 'ac_target', false, html`min="0" max="100" step="1" inputmode="numeric"`, 'number']]],
  'competitor-skus': ['/api/catalog/competitor-skus', 'ac_competitors', 'ac_newCompetitor', [
    ['barcode', 'ac_barcode', true, html`maxlength="32" inputmode="numeric"`], ['brand', 'ac_brand', true, html`maxlength="64"`],
    ['name', 'ac_name', true, html`maxlength="120"`], ['name_en', 'ac_nameEn', false, html`maxlength="120" lang="en"`],
    ['category', 'ac_category', false, html`maxlength="32"`]]],
  materials: ['/api/catalog/materials', 'ac_materials', 'ac_newMaterial', [
    ['code', 'ac_code', true, html`maxlength="32" autocapitalize="characters"`], ['name', 'ac_name', true, html`maxlength="120"`],
    ['name_en', 'ac_nameEn', false, html`maxlength="120" lang="en"`], ['unit', 'ac_unit', true, html`maxlength="16"`]]],
};

class AdminCatalog extends HTMLElement {
  connectedCallback() {
    this.kind = this.kind || 'skus';
    this.q = '';
    this.draw();
  }

  draw() {
    render(this, html`<div class="adm-tabs" role="group" aria-label="${t('ac_kinds')}">${Object.entries(KINDS).map(([k, [, label]]) =>
      html`<button type="button" class="adm-btn" data-kind="${k}" aria-pressed="${k === this.kind ? 'true' : 'false'}">${t(label)}</button>`)}</div>
      <div class="adm-toolbar">${field(t('ac_find'), 'q', { type: 'search', value: this.q, attrs: html`data-q autocomplete="off"` })}
        <button type="button" class="adm-btn main" data-new>${icon('plus')}${t(KINDS[this.kind][2])}</button></div>
      <p class="adm-status" role="status" hidden data-note></p><div data-editor></div><div data-list></div>`);
    for (const b of this.querySelectorAll('[data-kind]')) b.onclick = () => { this.kind = b.dataset.kind; this.q = ''; this.draw(); };
    this.querySelector('[data-new]').onclick = () => this.form(null);
    this.querySelector('[data-q]').oninput = debounce((e) => { this.q = e.target.value; this.drawList(); }, 200);
    this.load();
  }

  load() {
    return loadInto(this.querySelector('[data-list]'), () => api(KINDS[this.kind][0]), (rows) => { this.rows = rows; this.drawList(); });
  }

  drawList() {
    const [, , , fields] = KINDS[this.kind];
    const q = this.q.trim().toLowerCase();
    const shown = (r, f) => (f === 'launch_target' ? (r[f] == null ? '' : `${Math.round(r[f] * 100)}%`) : String(r[f] ?? ''));
    const text = (r, f) => (f === 'category' ? `${r[f] || ''} ${categoryName(r[f])}` : shown(r, f));
    const rows = (this.rows || []).filter((r) => !q || fields.some(([f]) => text(r, f).toLowerCase().includes(q)));
    const cols = fields.filter(([f]) => f !== 'name_en' && f !== 'name').map(([f, label]) => [t(label),
      f === 'category' ? (r) => html`<span data-category="${r.category || ''}">${categoryName(r.category)}</span>` : (r) => shown(r, f) || t('adm_none'),
      { cls: f === 'code' || f === 'barcode' ? 'adm-nowrap' : '' }]);
    // the name in the UI's language, then the other language's (the one an admin also keeps up)
    const other = getLang() === 'en' ? 'name' : 'name_en';
    cols.splice(this.kind === 'materials' ? 1 : 2, 0, [t('ac_nameCol'), (r) => html`<b>${localName(r)}</b>`],
      [t('ac_otherName'), (r) => (r[other] ? html`<span lang="${other === 'name' ? 'zh' : 'en'}" data-other-name>${r[other]}</span>` : t('adm_none'))]);
    cols.push([t('adm_actions'), (r) => html`<button type="button" class="adm-btn" data-edit="${r.id}" aria-label="${t('ac_editItem', { name: localName(r) })}">${icon('edit')}${t('adm_edit')}</button>`]);
    render(this.querySelector('[data-list]'), html`<p class="adm-muted" data-count>${t('ac_count', { n: rows.length })}</p>
      ${table(cols, rows, { empty: q ? t('ac_none') : t('adm_empty') })}`);
    for (const b of this.querySelectorAll('[data-edit]')) b.onclick = () => this.form(b.dataset.edit);
  }

  form(id) {
    const [, , newKey, fields] = KINDS[this.kind];
    const item = id && this.rows.find((r) => r.id === id);
    const box = this.querySelector('[data-editor]');
    render(box, html`<form class="card adm-editor" data-item-form novalidate><h3><span>${item ? t('ac_editItem', { name: localName(item) }) : t(newKey)}</span>
        <button type="button" class="adm-btn" data-close aria-label="${t('adm_close')}">${icon('close')}</button></h3>
      <div class="adm-form">${fields.map(([f, label, required, a, type = 'text']) => (f === 'category'
        ? field(t(label), f, { type: 'select', value: item?.category || '', options: [['', t('ac_noCategory')],
          ...CATEGORIES.map((c) => [c, t(`cat_${c}`)]), ...(item?.category && !CATEGORIES.includes(item.category) ? [[item.category, item.category]] : [])] })
        : field(t(label), f, { type, value: item ? (f === 'launch_target' && item[f] != null ? Math.round(item[f] * 100) : item[f] ?? '') : (f === 'unit' ? 'pcs' : ''), required, attrs: a })))}</div>
      <div class="adm-buttons"><button type="submit" class="adm-btn main">${item ? t('adm_save') : t('adm_create')}</button></div>
      <p class="adm-status" role="alert" hidden data-status></p></form>`);
    const form = box.querySelector('form'), status = form.querySelector('[data-status]');
    form.querySelector('[data-close]').onclick = () => box.replaceChildren();
    form.onsubmit = async (e) => {
      e.preventDefault();
      const v = formValues(form);
      for (const k of Object.keys(v)) v[k] = v[k].trim();
      if ('launch_date' in v) { // empty: no longer a new product
        v.launch_date = v.launch_date || null;
        v.launch_target = v.launch_target === '' ? null : Number(v.launch_target) / 100;
      }
      const empty = fields.find(([f, , required]) => required && !v[f]);
      if (empty) { showError(status, t('adm_required', { field: t(empty[1]) })); form.elements[empty[0]].focus(); return; }
      const url = item ? `/api/admin/catalog/${this.kind}/${encodeURIComponent(item.id)}` : `/api/admin/catalog/${this.kind}`;
      const saved = await busy(form.querySelector('[type=submit]'), () => api(url, { method: item ? 'PATCH' : 'POST', body: v }), { status });
      if (!saved) return;
      box.replaceChildren();
      showNote(this.querySelector('[data-note]'), t('ac_saved'));
      this.load();
    };
    form.querySelector('input')?.focus();
  }
}
customElements.define('fv-admin-catalog', AdminCatalog);
