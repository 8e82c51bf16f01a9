// Finance: the claims waiting for a decision, and one claim's review — the receipt beside the
// three fields OCR filled in (each with its confidence), the material photos with their watermark
// checks, the matched budget pool and its balance; approve, correct or reject with a reason.
// Online only: decisions move money and must see the pool as it is now.
import './strings.js';
import { OfflineError, api } from '../api.js';
import { flagText, formatMoney, parseMoney } from '../claims.js';
import { html, render } from '../html.js';
import { localName, t } from '../i18n.js';
import { bindHeader, header } from '../screens/header.js';

const TABS = ['review', 'approved', 'rejected'];
// Flags that leave the three fields empty: finance types them from the receipt (a 'correct').
const BY_HAND = ['reading_failed', 'receipt_unreadable', 'receipt_refused', 'receipt_missing', 'receipt_nothing_found'];

function confidence(c) {
  const pct = Math.round((c || 0) * 100);
  const tone = pct >= 80 ? 'ok' : pct >= 50 ? 'mid' : 'low';
  return html`<span class="conf ${tone}" title="${t('confidence')}"><span data-pct="${pct}"></span></span><small>${pct}%</small>`;
}

// The pool as a bar: spent, this claim, left.
function poolBar(pool, amount) {
  const w = 300, total = Math.max(1, pool.amount_cents);
  const spent = (pool.spent_cents / total) * w, claim = Math.min(w - spent, ((amount || 0) / total) * w);
  const over = (amount || 0) > pool.balance_cents;
  return html`<svg class="pool-bar" viewBox="0 0 ${w} 14" preserveAspectRatio="none" role="img" aria-label="${t('poolBalance', { left: formatMoney(pool.balance_cents) })}">
    <rect width="${w}" height="14" rx="7" fill="#e6f2ed"/><rect width="${spent}" height="14" rx="7" fill="#8aa79b"/>
    <rect x="${spent}" width="${Math.max(0, claim)}" height="14" fill="${over ? '#b3261e' : '#0b6e4f'}"/></svg>`;
}

class FinanceScreen extends HTMLElement {
  connectedCallback() {
    this.claimId = this.getAttribute('claim-id');
    this.tab = sessionStorage.getItem('fv.financeTab') || 'review';
    render(this, html`${header(t('financeTitle'), { back: !!this.claimId })}<main class="finance"><p class="hint">${t('loading')}</p></main>`);
    bindHeader(this);
    (this.claimId ? this.loadClaim() : this.loadList()).catch((e) => this.fail(e));
  }

  fail(e) {
    const main = this.querySelector('main');
    render(main, html`<p class="error" data-finance-error>${e instanceof OfflineError ? t('network') : e.message}</p>`);
  }

  async loadList() {
    const data = await api(`/api/claims/?status=${this.tab}&limit=100`);
    const main = this.querySelector('main');
    render(main, html`<nav class="tabs">${TABS.map((s) => html`<a href="#/finance" data-tab="${s}" ${s === this.tab && html`aria-current="page"`}>
        ${t(`fin_${s}`)} <small>${data.counts[s] || 0}</small></a>`)}</nav>
      <ul class="stores" data-claim-queue>${data.items.length ? data.items.map((c) => html`<li data-claim-row="${c.id}"><a href="#/finance/${encodeURIComponent(c.id)}">
        <span class="name">${c.store.name}</span><span class="dist">${formatMoney(c.approved_cents ?? c.claimed_cents)}</span>
        <span class="addr">${c.rep?.name} · ${new Date(c.submitted_at).toLocaleDateString()}
        ${c.pool ? ` · ${c.pool.name} ${t('left')} ${formatMoney(c.pool.balance_cents)}` : html` · <span class="warn">${t('flag_no_pool')}</span>`}
        ${c.flags.length > 0 && html`<br><span class="warn">${c.flags.map(flagText).join(' · ')}</span>`}</span></a></li>`)
        : html`<li class="empty">${t('noClaims')}</li>`}</ul>`);
    for (const a of main.querySelectorAll('[data-tab]')) {
      a.onclick = (e) => { e.preventDefault(); this.tab = a.dataset.tab; sessionStorage.setItem('fv.financeTab', this.tab); this.loadList().catch((err) => this.fail(err)); };
    }
  }

  async loadClaim() {
    const c = await api(`/api/claims/${encodeURIComponent(this.claimId)}`);
    this.claim = c;
    const f = c.fields, r = f.reading || {};
    const decided = c.status !== 'review';
    const amount = f.decision?.approved_cents ?? f.amount_cents ?? parseMoney(r.total?.value);
    const field = (key, type = 'text') => html`<div class="ocr-field" data-ocr="${key}"><label for="ocr-${key}">${t(`ocr_${key}`)}</label>
      <input id="ocr-${key}" type="${type}" value="${f.decision?.corrections?.[key] ?? r[key]?.value}" data-original="${r[key]?.value}" ${decided && html`disabled`}>
      ${r[key]?.value != null && html`<div class="row">${confidence(r[key].confidence)}${r[key].line && html`<small class="ocr-line">“${r[key].line}”</small>`}</div>`}</div>`;
    const pool = c.pool;
    // a receipt the server refused or never got: say so where the photo would be, not a broken image
    const noReceipt = (f.flags || []).find((x) => x === 'receipt_refused' || x === 'receipt_missing');
    const main = this.querySelector('main');
    render(main, html`<div class="review">
      ${noReceipt ? html`<figure class="receipt none" data-no-receipt><figcaption>${flagText(noReceipt)}</figcaption></figure>`
        : html`<figure class="receipt"><img src="/api/blobs/${encodeURIComponent(f.receipt)}" alt="${t('receiptPhoto')}" data-receipt-image data-zoom>
        <figcaption>${t('tapToZoom')}</figcaption></figure>`}
      <section class="card" data-review>
        <h2 class="store-name">${c.store.name} <small>${c.store.code}</small></h2>
        <p class="hint">${c.rep?.name} · ${new Date(c.submitted_at).toLocaleString()}${f.note && ` · ${f.note}`}</p>
        ${f.status === 'reading' && html`<p class="warn">${t('claimReading')}</p>`}
        ${!decided && (f.flags || []).some((x) => BY_HAND.includes(x)) && html`<p class="warn" data-by-hand>${t('fin_byHand')}${f.error && html`<br><small>${f.error}</small>`}</p>`}
        ${field('merchant')}${field('date', 'date')}${field('total')}
        ${f.suggested_store && html`<p class="hint" data-suggested>${t('suggestedStore')}: ${f.suggested_store.name} (${f.suggested_store.score})</p>`}
        <p>${t('claimAmount')}: <strong data-claimed>${formatMoney(f.amount_cents)}</strong></p>
        ${(f.flags || []).length ? html`<ul class="flags" data-flags>${f.flags.map((x) => html`<li data-flag="${x}">${flagText(x)}</li>`)}</ul>` : html`<p class="ok-text">${t('noFlags')}</p>`}
        <div class="pool" data-pool>${pool ? html`<p><strong>${localName(pool)}</strong>${pool.promotion && ` · ${localName(pool.promotion)}`}</p>
          ${poolBar(pool, decided ? 0 : amount)}<p class="hint" data-balance="${pool.balance_cents}">${t('poolBalance', { left: formatMoney(pool.balance_cents) })} / ${formatMoney(pool.amount_cents)}</p>`
          : html`<p class="warn">${t('flag_no_pool')}</p>`}
          ${!decided && c.pools.length > 0 && html`<label for="pool">${t('pool')}</label><select id="pool" data-pool-choice>${c.pools.map((p) => html`<option value="${p.id}" ${pool && p.id === pool.id && html`selected`}>
            ${localName(p)} — ${t('left')} ${formatMoney(p.balance_cents)}</option>`)}</select>`}</div>
        ${decided ? html`<p class="decision" data-decision>${t(`fin_${c.status}`)}${f.decision && ` · ${formatMoney(f.decision.approved_cents)} ${f.decision.reason ? `· ${t(`rr_${f.decision.reason}`)}` : ''} ${f.decision.comment || ''} · ${f.decision.by}`}</p>` : html`
        <label for="approve-amount">${t('approveAmount')}</label><input id="approve-amount" type="text" inputmode="decimal" value="${amount != null ? (amount / 100).toFixed(2) : ''}" data-approve-amount>
        <div class="row decide"><button type="button" class="primary" data-approve>${t('approve')}</button></div>
        <div class="reject"><label for="reason">${t('rejectReason')}</label><select id="reason" data-reject-reason><option value="">—</option>
          ${c.reject_reasons.map((x) => html`<option value="${x}">${t(`rr_${x}`)}</option>`)}</select>
          <textarea rows="2" data-reject-comment placeholder="${t('comment')}"></textarea>
          <button type="button" class="danger" data-reject>${t('reject')}</button></div>
        <p class="error" data-decide-error hidden></p>`}
      </section>
      <section class="card photos"><h3>${t('materialPhotos')}</h3>${(f.photos || []).map((sha) => {
        const check = (f.photo_checks || []).find((p) => p.blob === sha) || {};
        return html`<figure><img src="/api/blobs/${encodeURIComponent(sha)}" alt="" loading="lazy" data-zoom>
          <figcaption>${check.watermark && `${check.watermark.place || '—'} · ${String(check.watermark.taken_at || '—').replace('T', ' ')}`}
          ${(check.flags || []).length > 0 && html`<br><span class="warn">${check.flags.map(flagText).join(' · ')}</span>`}</figcaption></figure>`;
      })}</section></div>`);
    for (const bar of main.querySelectorAll('[data-pct]')) bar.style.width = `${bar.dataset.pct}%`;
    for (const img of this.querySelectorAll('[data-zoom]')) img.onclick = () => img.classList.toggle('zoomed');
    if (!decided) this.bindDecision();
  }

  bindDecision() {
    const q = (sel) => this.querySelector(sel);
    q('[data-approve]').onclick = () => {
      const body = { action: 'approve' };
      for (const key of ['merchant', 'date', 'total']) {
        const input = q(`#ocr-${key}`);
        if (input.value.trim() && input.value.trim() !== input.dataset.original) { body[key] = input.value.trim(); body.action = 'correct'; }
      }
      const cents = parseMoney(q('[data-approve-amount]').value) || parseMoney(body.total || '');  // typed total
      if (!cents) return this.showError(t('badAmount'));
      body.amount_cents = cents;
      const pool = q('[data-pool-choice]');
      if (pool) body.pool_id = pool.value;
      return this.decide(body);
    };
    q('[data-reject]').onclick = () => {
      const reason = q('[data-reject-reason]').value;
      if (!reason) return this.showError(t('rejectNeedsReason'));
      return this.decide({ action: 'reject', reason, comment: q('[data-reject-comment]').value.trim() || null });
    };
  }

  showError(text) {
    const el = this.querySelector('[data-decide-error]');
    el.textContent = text;
    el.hidden = false;
  }

  async decide(body) {
    for (const b of this.querySelectorAll('.decide button, [data-reject]')) b.disabled = true;
    try {
      await api(`/api/claims/${encodeURIComponent(this.claimId)}/decision`, { method: 'POST', body });
      await this.loadClaim();
    } catch (e) {
      for (const b of this.querySelectorAll('.decide button, [data-reject]')) b.disabled = false;
      this.showError(e instanceof OfflineError ? t('network') : e.message);
    }
  }
}
customElements.define('fv-finance', FinanceScreen);
