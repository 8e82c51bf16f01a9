// Material allocations: how many of each display material a rep may place in a month. Pick the month,
// find reps by name, username or team, type a number; it is saved when the field is left (or Enter)
// and reaches the rep's phone on its next sync.
import { html, render } from '../html.js';
import { addStrings, localName, t } from '../i18n.js';
import { api, debounce, errorText, field, loadInto, table } from './common.js';

addStrings({
  en: {
    al_month: 'Month', al_find: 'Find a rep by name, username or team', al_rep: 'Rep', al_team: 'Team',
    al_qty: '{material} for {rep}', al_saved: 'Saved', al_saving: 'Saving…', al_noMaterials: 'There are no materials yet: add them under Catalogues.',
    al_none: 'No reps match.', al_hint: 'Type a number and leave the field: it is saved, and the rep’s phone gets it on its next sync.',
    err_unknown_rep: 'That rep no longer exists.', err_unknown_material: 'That material no longer exists.',
  },
  zh: {
    al_month: '月份', al_find: '按姓名、账号或团队查找业务员', al_rep: '业务员', al_team: '团队',
    al_qty: '{rep} 的{material}', al_saved: '已保存', al_saving: '正在保存…', al_noMaterials: '还没有物料，请先在“产品目录”中添加。',
    al_none: '没有符合的业务员。', al_hint: '输入数量后离开输入框即保存，业务员手机下次同步时更新。',
    err_unknown_rep: '该业务员已不存在。', err_unknown_material: '该物料已不存在。',
  },
});

const PAGE = 25;
const thisMonth = () => { const d = new Date(); return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`; };

class AdminAllocations extends HTMLElement {
  connectedCallback() {
    this.period = this.period || thisMonth();
    this.q = ''; this.offset = 0;
    render(this, html`<div class="adm-toolbar">
        ${field(t('al_month'), 'period', { type: 'month', value: this.period, attrs: html`data-period required` })}
        ${field(t('al_find'), 'q', { type: 'search', attrs: html`data-q autocomplete="off"` })}</div>
      <p class="hint">${t('al_hint')}</p><div data-list></div>`);
    this.querySelector('[data-period]').onchange = (e) => { if (/^\d{4}-\d{2}$/.test(e.target.value)) { this.period = e.target.value; this.offset = 0; this.load(); } };
    this.querySelector('[data-q]').oninput = debounce((e) => { this.q = e.target.value; this.offset = 0; this.load(); }, 300);
    this.load();
  }

  load() {
    const params = new URLSearchParams({ period: this.period, q: this.q.trim(), limit: PAGE, offset: this.offset });
    return loadInto(this.querySelector('[data-list]'), () => api(`/api/admin/allocations?${params}`), (data) => this.draw(data));
  }

  draw(data) {
    const list = this.querySelector('[data-list]');
    if (!data.materials.length) { render(list, html`<p class="empty">${t('al_noMaterials')}</p>`); return; }
    const repName = (r) => r.display_name || r.username;
    const cols = [
      [t('al_rep'), (r) => html`<b>${repName(r)}</b> <span class="adm-muted">${r.username}</span>`],
      [t('al_team'), (r) => (r.team ? localName(r.team) : t('adm_none'))],
      ...data.materials.map((m) => [localName(m), (r) => html`<span class="adm-qty"><input type="number" min="0" max="100000" step="1" inputmode="numeric"
        data-qty data-rep="${r.id}" data-material="${m.id}" value="${r.allocations[m.id] ?? ''}" placeholder="0"
        aria-label="${t('al_qty', { material: localName(m), rep: repName(r) })}"><small class="adm-cell-status" aria-live="polite"></small></span>`, { cls: 'num' }]),
    ];
    const end = Math.min(data.total, this.offset + data.reps.length);
    // a column per material: the grid scrolls sideways in its own box when they outgrow the screen
    render(list, html`<div class="adm-scroll">${table(cols, data.reps, { empty: t('al_none') })}</div>
      ${data.total > PAGE && html`<div class="adm-pager"><span class="adm-muted">${t('adm_range', { from: this.offset + 1, to: end, total: data.total })}</span>
        <span class="adm-buttons"><button type="button" class="adm-btn" data-page="-1" ${this.offset === 0 && html`disabled`}>${t('adm_prev')}</button>
        <button type="button" class="adm-btn" data-page="1" ${end >= data.total && html`disabled`}>${t('adm_next')}</button></span></div>`}`);
    for (const b of list.querySelectorAll('[data-page]')) b.onclick = () => { this.offset = Math.max(0, this.offset + Number(b.dataset.page) * PAGE); this.load(); };
    for (const input of list.querySelectorAll('[data-qty]')) {
      input.dataset.was = input.value;
      input.onchange = () => this.save(input);
      input.onkeydown = (e) => { if (e.key === 'Enter') { e.preventDefault(); input.blur(); } };
    }
  }

  async save(input) {
    const status = input.nextElementSibling;
    const value = input.value.trim() === '' ? 0 : Number(input.value);
    if (!Number.isInteger(value) || value < 0 || value > 100000) {
      input.setAttribute('aria-invalid', 'true'); status.textContent = t('err_invalid_input'); status.className = 'adm-cell-status error'; return;
    }
    input.removeAttribute('aria-invalid');
    status.textContent = t('al_saving'); status.className = 'adm-cell-status';
    try {
      await api('/api/admin/allocations', { method: 'PUT', body: { rep_id: input.dataset.rep, material_id: input.dataset.material, period: this.period, quantity: value } });
      input.dataset.was = String(value); input.dataset.saved = '';
      status.textContent = t('al_saved'); status.className = 'adm-cell-status ok';
    } catch (e) {
      input.value = input.dataset.was;
      status.textContent = errorText(e); status.className = 'adm-cell-status error';
    }
  }
}
customElements.define('fv-admin-allocations', AdminAllocations);
