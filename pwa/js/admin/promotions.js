// Promotions and their budget pools: each pool's amount, spent and left (yuan, drawn as a bar),
// editing a promotion (names, period, active), a new pool and editing one (amount never below what
// it has paid out: the server refuses with below_spent).
import { html, render } from '../html.js';
import { addStrings, joinList, localName, t } from '../i18n.js';
import { api, busy, field, formValues, icon, loadInto, showError, showNote } from './common.js';

addStrings({
  en: {
    ap_amount: 'Amount (yuan)', ap_spent: 'Spent {v}', ap_left: 'Left {v}', ap_of: '{spent} of {amount} yuan spent',
    ap_name: 'Name (Chinese)', ap_nameEn: 'Name (English)', ap_starts: 'Starts on', ap_ends: 'Ends on', ap_active: 'Active',
    ap_channels: 'Channels (none: every channel)', ap_region: 'Region', ap_anyRegion: 'Every region', ap_newPool: 'New pool',
    ap_editPool: 'Edit pool {name}', ap_editPromo: 'Edit promotion {name}', ap_noPools: 'No budget pool yet: no claim can be paid.',
    ap_none: 'No promotions yet.', ap_saved: 'Saved.', ap_inactive: 'Inactive', ap_allChannels: 'Every channel',
    err_below_spent: 'This pool has paid out {spent} yuan already; its amount cannot be less.', err_bad_period: 'The period ends before it starts.',
    err_missing_field: 'A pool needs a name and an amount.', ap_badAmount: 'Write the amount in yuan, above 0.',
    ap_newPromo: 'New promotion', ap_code: 'Code', ap_firstPool: 'First budget pool (more can be added after)',
    ap_poolName: 'Pool name', ap_created: 'Promotion {name} created.',
  },
  zh: {
    ap_amount: '金额（元）', ap_spent: '已用 {v}', ap_left: '剩余 {v}', ap_of: '已用 {spent} / {amount} 元',
    ap_name: '名称（中文）', ap_nameEn: '名称（英文）', ap_starts: '开始日期', ap_ends: '结束日期', ap_active: '启用',
    ap_channels: '渠道（不选即全部渠道）', ap_region: '区域', ap_anyRegion: '全部区域', ap_newPool: '新建费用池',
    ap_editPool: '编辑费用池 {name}', ap_editPromo: '编辑促销 {name}', ap_noPools: '还没有费用池，无法支付任何申请。',
    ap_none: '还没有促销活动。', ap_saved: '已保存。', ap_inactive: '已停用', ap_allChannels: '全部渠道',
    err_below_spent: '该费用池已支出 {spent} 元，金额不能低于此数。', err_bad_period: '结束日期早于开始日期。',
    err_missing_field: '费用池需要名称和金额。', ap_badAmount: '请以元为单位填写大于 0 的金额。',
    ap_newPromo: '新建促销', ap_code: '编码', ap_firstPool: '第一个费用池（之后可再添加）',
    ap_poolName: '费用池名称', ap_created: '已创建促销 {name}。',
  },
});

const CHANNELS = ['supermarket', 'convenience', 'restaurant', 'tobacco_liquor', 'other'];
const yuan = (c) => (c / 100).toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

class AdminPromotions extends HTMLElement {
  connectedCallback() {
    render(this, html`<div class="adm-toolbar"><button type="button" class="adm-btn main" data-new-promo>${icon('plus')}${t('ap_newPromo')}</button></div>
      <p class="adm-status" role="status" hidden data-note></p><div data-editor></div><div data-list></div>`);
    this.querySelector('[data-new-promo]').onclick = () => this.newPromoForm();
    this.load();
  }

  load() { return loadInto(this.querySelector('[data-list]'), () => api('/api/admin/promotions'), (d) => { this.data = d; this.draw(); }); }

  pool(p) {
    return html`<li class="adm-pool" data-pool="${p.id}"><div class="adm-pool-head"><b>${localName(p)}</b>
        <span class="adm-muted">${p.channels.length ? joinList(p.channels.map((c) => t(`ch_${c}`))) : t('ap_allChannels')}</span>
        <button type="button" class="adm-btn" data-edit-pool="${p.id}" aria-label="${t('ap_editPool', { name: localName(p) })}">${icon('edit')}${t('adm_edit')}</button></div>
      <meter min="0" max="${p.amount_cents}" value="${p.spent_cents}" high="${Math.round(p.amount_cents * 0.9)}" aria-label="${t('ap_of', { spent: yuan(p.spent_cents), amount: yuan(p.amount_cents) })}"></meter>
      <div class="adm-pool-nums"><span data-spent>${t('ap_spent', { v: yuan(p.spent_cents) })}</span><span data-left>${t('ap_left', { v: yuan(p.left_cents) })}</span>
        <span class="adm-muted">${t('ap_amount')} ${yuan(p.amount_cents)}</span></div></li>`;
  }

  draw() {
    const list = this.querySelector('[data-list]');
    if (!this.data.promotions.length) { render(list, html`<p class="empty">${t('ap_none')}</p>`); return; }
    render(list, html`${this.data.promotions.map((pr) => html`<section class="card adm-region" data-promotion="${pr.id}">
      <header><h3>${localName(pr)} <span class="adm-muted">${pr.code} · ${pr.starts_on} – ${pr.ends_on}</span>${!pr.active && html` <span class="chip off">${t('ap_inactive')}</span>`}</h3>
        <span class="adm-buttons"><button type="button" class="adm-btn" data-edit-promo="${pr.id}" aria-label="${t('ap_editPromo', { name: localName(pr) })}">${icon('edit')}${t('adm_edit')}</button>
        <button type="button" class="adm-btn" data-new-pool="${pr.id}">${icon('plus')}${t('ap_newPool')}</button></span></header>
      ${pr.pools.length ? html`<ul class="adm-pools">${pr.pools.map((p) => this.pool(p))}</ul>` : html`<p class="empty">${t('ap_noPools')}</p>`}</section>`)}`);
    for (const b of list.querySelectorAll('[data-edit-pool]')) b.onclick = () => this.poolForm(b.dataset.editPool, null);
    for (const b of list.querySelectorAll('[data-new-pool]')) b.onclick = () => this.poolForm(null, b.dataset.newPool);
    for (const b of list.querySelectorAll('[data-edit-promo]')) b.onclick = () => this.promoForm(b.dataset.editPromo);
  }

  editor(title, fields, submit) {
    const box = this.querySelector('[data-editor]');
    render(box, html`<form class="card adm-editor" novalidate data-form><h3><span>${title}</span>
        <button type="button" class="adm-btn" data-close aria-label="${t('adm_close')}">${icon('close')}</button></h3>
      <div class="adm-form">${fields}</div><div class="adm-buttons"><button type="submit" class="adm-btn main">${t('adm_save')}</button></div>
      <p class="adm-status" role="alert" hidden data-status></p></form>`);
    const form = box.querySelector('form'), status = form.querySelector('[data-status]');
    form.querySelector('[data-close]').onclick = () => box.replaceChildren();
    form.onsubmit = async (e) => {
      e.preventDefault();
      const done = await busy(form.querySelector('[type=submit]'), () => submit(formValues(form)), { status });
      if (!done) return;
      box.replaceChildren(); showNote(this.querySelector('[data-note]'), t('ap_saved')); this.load();
    };
    box.scrollIntoView({ block: 'nearest' });
    form.querySelector('input')?.focus();
  }

  poolForm(id, promotionId) {
    const pool = id && this.data.promotions.flatMap((p) => p.pools).find((p) => p.id === id);
    const regions = [['', t('ap_anyRegion')], ...this.data.regions.map((r) => [r.id, localName(r)])];
    this.editor(pool ? t('ap_editPool', { name: localName(pool) }) : t('ap_newPool'), html`
      ${field(t('ap_name'), 'name', { value: pool?.name || '', required: true, attrs: html`maxlength="120"` })}
      ${field(t('ap_nameEn'), 'name_en', { value: pool?.name_en || '', attrs: html`maxlength="120" lang="en"` })}
      ${field(t('ap_amount'), 'amount', { type: 'number', value: pool ? pool.amount_cents / 100 : '', required: true, attrs: html`min="0.01" step="0.01" inputmode="decimal"` })}
      ${field(t('ap_region'), 'region_id', { type: 'select', value: pool?.region_id || '', options: regions })}
      <fieldset class="adm-days adm-wide"><legend>${t('ap_channels')}</legend>${CHANNELS.map((c) =>
        field(t(`ch_${c}`), 'channels', { type: 'checkbox', value: pool?.channels.includes(c), attrs: html`value="${c}"` }))}</fieldset>`, (v) => {
      const cents = Math.round(Number(v.amount) * 100);
      if (!v.name.trim()) return Promise.reject(new Error(t('adm_required', { field: t('ap_name') })));
      if (!Number.isFinite(cents) || cents <= 0) return Promise.reject(new Error(t('ap_badAmount')));
      const body = { name: v.name.trim(), name_en: v.name_en.trim(), amount_cents: cents, region_id: v.region_id || null,
        channels: Array.isArray(v.channels) ? v.channels : [] };
      if (pool) return api(`/api/admin/pools/${encodeURIComponent(pool.id)}`, { method: 'PATCH', body });
      return api(`/api/admin/promotions/${encodeURIComponent(promotionId)}/pools`, { method: 'POST', body });
    });
  }

  // A promotion is created with its first pool (a promotion without one could pay nothing).
  newPromoForm() {
    const regions = [['', t('ap_anyRegion')], ...(this.data?.regions || []).map((r) => [r.id, localName(r)])];
    this.editor(t('ap_newPromo'), html`
      ${field(t('ap_code'), 'code', { required: true, attrs: html`maxlength="32" autocapitalize="characters" data-promo-code` })}
      ${field(t('ap_name'), 'name', { required: true, attrs: html`maxlength="120"` })}
      ${field(t('ap_nameEn'), 'name_en', { attrs: html`maxlength="120" lang="en"` })}
      ${field(t('ap_starts'), 'starts_on', { type: 'date', required: true })}
      ${field(t('ap_ends'), 'ends_on', { type: 'date', required: true })}
      <fieldset class="adm-days adm-wide"><legend>${t('ap_firstPool')}</legend>
        ${field(t('ap_poolName'), 'pool_name', { required: true, attrs: html`maxlength="120"` })}
        ${field(t('ap_amount'), 'amount', { type: 'number', required: true, attrs: html`min="0.01" step="0.01" inputmode="decimal"` })}
        ${field(t('ap_region'), 'region_id', { type: 'select', value: '', options: regions })}</fieldset>`, (v) => {
      const cents = Math.round(Number(v.amount) * 100);
      for (const [key, label] of [['code', 'ap_code'], ['name', 'ap_name'], ['starts_on', 'ap_starts'], ['ends_on', 'ap_ends'], ['pool_name', 'ap_poolName']]) {
        if (!String(v[key] || '').trim()) return Promise.reject(new Error(t('adm_required', { field: t(label) })));
      }
      if (!Number.isFinite(cents) || cents <= 0) return Promise.reject(new Error(t('ap_badAmount')));
      return api('/api/admin/promotions', { method: 'POST', body: { code: v.code.trim(), name: v.name.trim(), name_en: v.name_en.trim(),
        starts_on: v.starts_on, ends_on: v.ends_on, pools: [{ name: v.pool_name.trim(), amount_cents: cents, region_id: v.region_id || null }] } });
    });
  }

  promoForm(id) {
    const pr = this.data.promotions.find((p) => p.id === id);
    this.editor(t('ap_editPromo', { name: localName(pr) }), html`
      ${field(t('ap_name'), 'name', { value: pr.name, required: true, attrs: html`maxlength="120"` })}
      ${field(t('ap_nameEn'), 'name_en', { value: pr.name_en, attrs: html`maxlength="120" lang="en"` })}
      ${field(t('ap_starts'), 'starts_on', { type: 'date', value: pr.starts_on, required: true })}
      ${field(t('ap_ends'), 'ends_on', { type: 'date', value: pr.ends_on, required: true })}
      ${field(t('ap_active'), 'active', { type: 'checkbox', value: pr.active })}`, (v) => {
      if (!v.name.trim()) return Promise.reject(new Error(t('adm_required', { field: t('ap_name') })));
      return api(`/api/admin/promotions/${encodeURIComponent(pr.id)}`, { method: 'PATCH',
        body: { name: v.name.trim(), name_en: v.name_en.trim(), starts_on: v.starts_on, ends_on: v.ends_on, active: v.active } });
    });
  }
}
customElements.define('fv-admin-promotions', AdminPromotions);
