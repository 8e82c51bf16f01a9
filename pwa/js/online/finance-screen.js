// Finance: the claims waiting for a decision, and one claim's review — the receipt beside the
// three fields OCR filled in (each with its confidence), the material photos with their watermark
// checks, the matched budget pool and its balance; approve, correct or reject with a reason.
// Online only: decisions move money and must see the pool as it is now.
import './strings.js';
import { OfflineError, api } from '../api.js';
import { flagText, formatMoney, parseMoney } from '../claims.js';
import { esc, localName, t } from '../i18n.js';
import { bindHeader, header } from '../screens/header.js';

const TABS = ['review', 'approved', 'rejected'];

function confidence(c) {
  const pct = Math.round((c || 0) * 100);
  const tone = pct >= 80 ? 'ok' : pct >= 50 ? 'mid' : 'low';
  return `<span class="conf ${tone}" title="${t('confidence')}"><span style="width:${pct}%"></span></span><small>${pct}%</small>`;
}

// The pool as a bar: spent, this claim, left.
function poolBar(pool, amount) {
  const w = 300, total = Math.max(1, pool.amount_cents);
  const spent = (pool.spent_cents / total) * w, claim = Math.min(w - spent, ((amount || 0) / total) * w);
  const over = (amount || 0) > pool.balance_cents;
  return `<svg class="pool-bar" viewBox="0 0 ${w} 14" preserveAspectRatio="none" role="img" aria-label="${esc(t('poolBalance', { left: formatMoney(pool.balance_cents) }))}">
    <rect width="${w}" height="14" rx="7" fill="#e6f2ed"/><rect width="${spent}" height="14" rx="7" fill="#8aa79b"/>
    <rect x="${spent}" width="${Math.max(0, claim)}" height="14" fill="${over ? '#b3261e' : '#0b6e4f'}"/></svg>`;
}

class FinanceScreen extends HTMLElement {
  connectedCallback() {
    this.claimId = this.getAttribute('claim-id');
    this.tab = sessionStorage.getItem('fv.financeTab') || 'review';
    this.innerHTML = `${header(t('financeTitle'), { back: !!this.claimId })}<main class="finance"><p class="hint">${t('loading')}</p></main>`;
    bindHeader(this);
    (this.claimId ? this.loadClaim() : this.loadList()).catch((e) => this.fail(e));
  }

  fail(e) {
    const main = this.querySelector('main');
    main.innerHTML = `<p class="error" data-finance-error>${esc(e instanceof OfflineError ? t('network') : e.message)}</p>`;
  }

  async loadList() {
    const data = await api(`/api/claims/?status=${this.tab}&limit=100`);
    const main = this.querySelector('main');
    main.innerHTML = `<nav class="tabs">${TABS.map((s) => `<a href="#/finance" data-tab="${s}" ${s === this.tab ? 'aria-current="page"' : ''}>
        ${t(`fin_${s}`)} <small>${data.counts[s] || 0}</small></a>`).join('')}</nav>
      <ul class="stores" data-claim-queue>${data.items.map((c) => `<li data-claim-row="${esc(c.id)}"><a href="#/finance/${encodeURIComponent(c.id)}">
        <span class="name">${esc(c.store.name)}</span><span class="dist">${formatMoney(c.approved_cents ?? c.claimed_cents)}</span>
        <span class="addr">${esc(c.rep?.name || '')} · ${new Date(c.submitted_at).toLocaleDateString()}
        ${c.pool ? ` · ${esc(c.pool.name)} ${t('left')} ${formatMoney(c.pool.balance_cents)}` : ` · <span class="warn">${t('flag_no_pool')}</span>`}
        ${c.flags.length ? `<br><span class="warn">${c.flags.map(flagText).map(esc).join(' · ')}</span>` : ''}</span></a></li>`).join('')
        || `<li class="empty">${t('noClaims')}</li>`}</ul>`;
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
    const field = (key, type = 'text') => `<div class="ocr-field" data-ocr="${key}"><label for="ocr-${key}">${t(`ocr_${key}`)}</label>
      <input id="ocr-${key}" type="${type}" value="${esc(r[key]?.value || '')}" data-original="${esc(r[key]?.value || '')}" ${decided ? 'disabled' : ''}>
      <div class="row">${confidence(r[key]?.confidence)}${r[key]?.line ? `<small class="ocr-line">“${esc(r[key].line)}”</small>` : ''}</div></div>`;
    const pool = c.pool;
    this.querySelector('main').innerHTML = `<div class="review">
      <figure class="receipt"><img src="/api/blobs/${esc(f.receipt)}" alt="${t('receiptPhoto')}" data-receipt-image data-zoom>
        <figcaption>${t('tapToZoom')}</figcaption></figure>
      <section class="card" data-review>
        <h2 class="store-name">${esc(c.store.name)} <small>${esc(c.store.code)}</small></h2>
        <p class="hint">${esc(c.rep?.name || '')} · ${new Date(c.submitted_at).toLocaleString()}${f.note ? ` · ${esc(f.note)}` : ''}</p>
        ${f.status === 'reading' ? `<p class="warn">${t('claimReading')}</p>` : ''}
        ${field('merchant')}${field('date', 'date')}${field('total')}
        ${f.suggested_store ? `<p class="hint" data-suggested>${t('suggestedStore')}: ${esc(f.suggested_store.name)} (${f.suggested_store.score})</p>` : ''}
        <p>${t('claimAmount')}: <strong data-claimed>${formatMoney(f.amount_cents)}</strong></p>
        ${(f.flags || []).length ? `<ul class="flags" data-flags>${f.flags.map((x) => `<li data-flag="${esc(x)}">${esc(flagText(x))}</li>`).join('')}</ul>` : `<p class="ok-text">${t('noFlags')}</p>`}
        <div class="pool" data-pool>${pool ? `<p><strong>${esc(localName(pool))}</strong>${pool.promotion ? ` · ${esc(localName(pool.promotion))}` : ''}</p>
          ${poolBar(pool, decided ? 0 : amount)}<p class="hint" data-balance="${pool.balance_cents}">${t('poolBalance', { left: formatMoney(pool.balance_cents) })} / ${formatMoney(pool.amount_cents)}</p>`
          : `<p class="warn">${t('flag_no_pool')}</p>`}
          ${!decided && c.pools.length ? `<label for="pool">${t('pool')}</label><select id="pool" data-pool-choice>${c.pools.map((p) => `<option value="${esc(p.id)}" ${pool && p.id === pool.id ? 'selected' : ''}>
            ${esc(localName(p))} — ${t('left')} ${formatMoney(p.balance_cents)}</option>`).join('')}</select>` : ''}</div>
        ${decided ? `<p class="decision" data-decision>${esc(t(`fin_${c.status}`))}${f.decision ? ` · ${formatMoney(f.decision.approved_cents)} ${f.decision.reason ? `· ${esc(t(`rr_${f.decision.reason}`))}` : ''} ${esc(f.decision.comment || '')} · ${esc(f.decision.by)}` : ''}</p>` : `
        <label for="approve-amount">${t('approveAmount')}</label><input id="approve-amount" type="text" inputmode="decimal" value="${amount != null ? (amount / 100).toFixed(2) : ''}" data-approve-amount>
        <div class="row decide"><button type="button" class="primary" data-approve>${t('approve')}</button></div>
        <div class="reject"><label for="reason">${t('rejectReason')}</label><select id="reason" data-reject-reason><option value="">—</option>
          ${c.reject_reasons.map((x) => `<option value="${x}">${esc(t(`rr_${x}`))}</option>`).join('')}</select>
          <textarea rows="2" data-reject-comment placeholder="${esc(t('comment'))}"></textarea>
          <button type="button" class="danger" data-reject>${t('reject')}</button></div>
        <p class="error" data-decide-error hidden></p>`}
      </section>
      <section class="card photos"><h3>${t('materialPhotos')}</h3>${(f.photos || []).map((sha) => {
        const check = (f.photo_checks || []).find((p) => p.blob === sha) || {};
        return `<figure><img src="/api/blobs/${esc(sha)}" alt="" loading="lazy" data-zoom>
          <figcaption>${check.watermark ? `${esc(check.watermark.place || '—')} · ${esc((check.watermark.taken_at || '—').replace('T', ' '))}` : ''}
          ${(check.flags || []).length ? `<br><span class="warn">${check.flags.map(flagText).map(esc).join(' · ')}</span>` : ''}</figcaption></figure>`;
      }).join('')}</section></div>`;
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
      const cents = parseMoney(q('[data-approve-amount]').value);
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
