// Finance: the claims waiting for a decision, and one claim's review — the receipt beside the
// three fields OCR filled in (each with its confidence), the material photos with their watermark
// checks, the matched budget pool and its balance; approve, correct or reject with a reason, and
// reopen one's own decision the same day. Online only: decisions move money and must see the pool
// as it is now. Every text is ours, in the UI's language: the server's English `detail` is never
// shown, its `code` is worded here.
import './strings.js';
import { ApiError, OfflineError, api } from '../api.js';
import { flagText, formatMoney, parseMoney } from '../claims.js';
import { html, render } from '../html.js';
import { formatDay, formatTime, has, localName, t } from '../i18n.js';
import { bindHeader, header } from '../screens/header.js';
import { alertsCard, cycleCard } from './insights.js';

const TABS = ['review', 'approved', 'rejected'];
const FIELDS = ['merchant', 'date', 'total'];
// Flags that leave the three fields empty: finance types them from the receipt (a 'correct').
const BY_HAND = ['reading_failed', 'receipt_unreadable', 'receipt_refused', 'receipt_missing', 'receipt_nothing_found'];

const yuan = (cents) => (cents != null ? (cents / 100).toFixed(2) : '');
const unique = (list) => [...new Set(list || [])];

// An error from the server (or the network) in the UI's language, by its code.
export function errorText(e) {
  if (e instanceof OfflineError) return t('network');
  if (e instanceof ApiError) {
    const extra = e.extra && !Array.isArray(e.extra) ? e.extra : {};
    const key = `fin_err_${e.code}`;
    if (has(key)) return t(key, { left: formatMoney(extra.balance_cents), amount: formatMoney(extra.amount_cents) });
    return t('fin_err_generic', { code: e.code });
  }
  return t('fin_err_generic', { code: 'error' });
}

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

function poolSummary(pool, amount) {
  return html`<p data-pool-name><strong>${localName(pool)}</strong>${pool.promotion && ` · ${localName(pool.promotion)}`}</p>
    ${poolBar(pool, amount)}<p class="hint" data-balance="${pool.balance_cents}">${t('poolBalance', { left: formatMoney(pool.balance_cents) })} / ${formatMoney(pool.amount_cents)}</p>`;
}

// Where the amount to approve came from, and that it follows the total until finance types one.
const amountHint = (from) => (from === 'total' ? t('fin_amountFollows') : from === 'typed' ? t('fin_amountFrom_typed')
  : t('fin_amountHint', { from: t(`fin_amountFrom_${from}`), follows: t('fin_amountFollows') }));

// Why the fields are empty, in words of ours (the record's `error` is English, for admins).
function whyByHand(f, flags) {
  const code = f.error_code || flags.find((x) => BY_HAND.includes(x));
  return code && has(`fin_why_${code}`) ? t(`fin_why_${code}`) : '';
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
    render(main, html`<p class="error" data-finance-error>${errorText(e)}</p>`);
  }

  async loadList() {
    const data = await api(`/api/claims/?status=${this.tab}&limit=100`);
    const main = this.querySelector('main');
    const row = (c) => {
      const flags = unique(c.flags).filter((x) => x !== 'no_pool');
      return html`<li data-claim-row="${c.id}"><a href="#/finance/${encodeURIComponent(c.id)}">
        <span class="name">${c.store.name}</span><span class="dist">${formatMoney(c.approved_cents ?? c.claimed_cents)}</span>
        <span class="addr">${c.rep?.name} · ${formatDay(c.submitted_at)}
        ${c.pool ? html` · <span data-row-pool>${localName(c.pool)}</span> · ${t('fin_leftN', { left: formatMoney(c.pool.balance_cents) })}`
          : html` · <span class="warn" data-flag="no_pool">${flagText('no_pool')}</span>`}
        ${flags.length > 0 && html`<br><span class="warn">${flags.map((x) => html`<span data-flag="${x}">${flagText(x)}</span>`).reduce((a, b) => html`${a} · ${b}`)}</span>`}</span></a></li>`;
    };
    render(main, html`<nav class="tabs">${TABS.map((s) => html`<a href="#/finance" data-tab="${s}" ${s === this.tab && html`aria-current="page"`}>
        ${t(`fin_${s}`)} <small>${data.counts[s] || 0}</small></a>`)}</nav>
      <ul class="stores fin-list" data-claim-queue>${data.items.length ? data.items.map(row) : html`<li class="empty">${t('noClaims')}</li>`}</ul>
      <section class="card" data-alerts><p class="hint">${t('loading')}</p></section>
      <section class="card" data-cycle><p class="hint">${t('loading')}</p></section>`);
    const alerts = main.querySelector('[data-alerts]');
    alertsCard(alerts, { claimLinks: true }).catch((e) => render(alerts, html`<p class="error">${errorText(e)}</p>`));
    const cycle = main.querySelector('[data-cycle]');
    cycleCard(cycle).catch((e) => render(cycle, html`<p class="error">${errorText(e)}</p>`));
    for (const a of main.querySelectorAll('[data-tab]')) {
      a.onclick = (e) => { e.preventDefault(); this.tab = a.dataset.tab; sessionStorage.setItem('fv.financeTab', this.tab); this.loadList().catch((err) => this.fail(err)); };
    }
  }

  async loadClaim(note = null) {
    this.show(await api(`/api/claims/${encodeURIComponent(this.claimId)}`), note);
  }

  // One claim. `note`: what just happened (reopened), said at the top of the card. A decision
  // reopened (the server keeps it as `reopened`) fills the form again with its values.
  show(c, note = null) {
    this.claim = c;
    const f = c.fields, r = f.reading || {};
    const decided = c.status === 'approved' || c.status === 'rejected';
    const again = decided ? null : f.reopened;
    const flags = unique(f.flags);
    // where on the receipt each field was read (x, y, w, h as fractions of the photo)
    const boxed = FIELDS.filter((k) => Array.isArray(r[k]?.box) && r[k].box.length === 4 && r[k].box.every(Number.isFinite));
    const noPool = !c.pool;
    const corrections = f.decision?.corrections || {};
    const field = (key, type = 'text') => {
      const original = r[key]?.value ?? null, corrected = decided ? corrections[key] : again?.corrections?.[key];
      const isCorrected = corrected != null && corrected !== original;
      return html`<div class="ocr-field" data-ocr="${key}"><label for="ocr-${key}">${boxed.includes(key) && html`<span class="ocr-swatch" data-swatch="${key}"></span>`}${t(`ocr_${key}`)}${key === 'total' && flags.includes('currency_mismatch') && r.currency && html` <span class="warn" data-currency>${r.currency}</span>`}</label>
      <input id="ocr-${key}" type="${type}" value="${isCorrected ? corrected : original}" data-original="${original}" ${decided && html`disabled`} ${type === 'text' && key === 'total' && html`inputmode="decimal"`}>
      ${isCorrected ? html`<p class="corrected" data-corrected="${key}">${original != null ? t('fin_correctedFrom', { value: original }) : t('fin_typedByFinance')}</p>`
        : original != null && html`<div class="row ocr-read">${confidence(r[key].confidence)}${r[key].line && html`<small class="ocr-line">“${r[key].line}”</small>`}</div>`}</div>`;
    };
    // the amount: approved (or approved before the reopen), else claimed, else read from the receipt;
    // the form says which
    const amount = f.decision?.approved_cents ?? again?.approved_cents ?? f.amount_cents ?? parseMoney(r.total?.value);
    const amountFrom = again?.approved_cents != null ? 'decision' : f.amount_cents != null ? 'claimed'
      : parseMoney(r.total?.value) != null ? 'receipt' : 'none';
    // a receipt the server refused or never got: say so where the photo would be, not a broken image
    const noReceipt = flags.find((x) => x === 'receipt_refused' || x === 'receipt_missing');
    const photoFlags = (x) => (f.photo_checks || []).map((p, i) => ((p.flags || []).includes(x) ? i + 1 : 0)).filter(Boolean);
    // nothing read: said once, above the empty fields (a missing receipt where the photo would be)
    const byHand = !decided && flags.some((x) => BY_HAND.includes(x));
    const handFlag = byHand ? flags.find((x) => BY_HAND.includes(x) && x !== noReceipt) : null;
    const why = whyByHand(f, flags) || (handFlag ? flagText(handFlag) : '');
    // no_pool is said once, where the pool would be
    const listed = flags.filter((x) => x !== 'no_pool' && x !== noReceipt && x !== handFlag);
    const d = f.decision;
    const main = this.querySelector('main');
    render(main, html`<div class="review fin-claim">
      ${noReceipt ? html`<figure class="receipt none" data-no-receipt><figcaption data-flag="${noReceipt}">${flagText(noReceipt)}</figcaption></figure>`
        : html`<figure class="receipt"><div class="receipt-frame"><img src="/api/blobs/${encodeURIComponent(f.receipt)}" alt="${t('receiptPhoto')}" data-receipt-image data-zoom>
          ${boxed.map((k) => html`<span class="ocr-box" data-box="${k}" data-xywh="${r[k].box.join(',')}"></span>`)}</div>
        <figcaption>${boxed.length > 0 && html`<span data-boxes-hint>${t('fin_boxesHint')}</span> · `}${t('tapToZoom')}</figcaption></figure>`}
      <section class="card" data-review data-status="${c.status}">
        ${note && html`<p class="fin-note" data-reopened role="status">${note}</p>`}
        <h2 class="store-name">${c.store.name} <small>${c.store.code}</small></h2>
        <p class="hint">${c.rep?.name} · ${formatTime(c.submitted_at)}</p>
        ${f.note && html`<p class="fin-rep-note" data-rep-note>${f.note}</p>`}
        ${f.status === 'reading' && html`<p class="warn">${t('claimReading')}</p>`}
        ${byHand && html`<p class="warn fin-by-hand" data-by-hand>${why && html`<strong data-why ${handFlag && html`data-flag="${handFlag}"`}>${why}</strong><br>`}${t('fin_byHand')}</p>`}
        ${FIELDS.map((k) => field(k, k === 'date' ? 'date' : 'text'))}
        ${f.suggested_store && html`<p class="hint" data-suggested>${t('suggestedStore')}: ${f.suggested_store.name} (${f.suggested_store.score})</p>`}
        <p>${t('claimAmount')}: <strong data-claimed>${formatMoney(f.amount_cents ?? parseMoney(r.total?.value))}</strong>${f.amount_cents == null && html` <small class="hint" data-claimed-from>${t(r.total?.value ? 'fin_claimedReceipt' : 'fin_claimedNone')}</small>`}</p>
        ${listed.length ? html`<ul class="flags" data-flags>${listed.map((x) => {
          const photos = photoFlags(x);
          return html`<li data-flag="${x}">${flagText(x)}${photos.length > 0 && html` <small>(${photos.map((n) => t('fin_photoN', { n })).join(', ')})</small>`}</li>`;
        })}</ul>` : !noPool && !byHand && html`<p class="ok-text">${t('noFlags')}</p>`}
        <div class="pool" data-pool>${noPool && !decided ? html`<p class="warn fin-no-pool" data-no-pool data-flag="no_pool" role="note"><strong>${flagText('no_pool')}</strong><br>${t(c.pools.length ? 'fin_noPoolChoose' : 'fin_noPoolAtAll')}</p>`
          : noPool ? html`<p class="warn" data-flag="no_pool">${flagText('no_pool')}</p>` : ''}
          <div data-pool-summary>${c.pool && poolSummary(c.pool, decided ? 0 : amount)}</div>
          ${!decided && c.pools.length > 0 && html`<label for="pool">${t('pool')}</label><select id="pool" data-pool-choice>
            ${noPool && html`<option value="" selected data-placeholder>${t('fin_choosePool')}</option>`}
            ${c.pools.map((p) => html`<option value="${p.id}" ${c.pool && p.id === c.pool.id && html`selected`}>${localName(p)} — ${t('left')} ${formatMoney(p.balance_cents)}</option>`)}</select>`}</div>
        ${decided ? html`<div class="decision-box" data-decision-box><p class="decision ${c.status}" data-decision>${t(`fin_${c.status}`)}${c.status === 'approved' && d && html` · <span data-approved-amount>${formatMoney(d.approved_cents)}</span>`}${c.status === 'rejected' && d?.reason && ` · ${t(`rr_${d.reason}`)}`}</p>
          ${d?.comment && html`<p class="fin-comment" data-decision-comment>${d.comment}</p>`}
          ${d && html`<p class="hint">${t('fin_decidedBy', { by: d.by, at: formatTime(d.at) })}</p>`}
          ${c.can_reopen && html`<button type="button" class="secondary fin-btn" data-reopen>${t('fin_reopen')}</button><p class="hint">${t('fin_reopenHint')}</p>`}
          <p class="error" data-decide-error role="alert" hidden></p></div>` : html`
        <label for="approve-amount">${t('approveAmount')}</label><input id="approve-amount" type="text" inputmode="decimal" value="${yuan(amount)}" data-approve-amount>
        <p class="hint" data-amount-hint data-amount-from="${amountFrom}">${amountHint(amountFrom)}</p>
        <div class="decide"><button type="button" class="primary fin-btn" data-approve>${t('approve')}</button></div>
        <div class="reject"><label for="reason">${t('rejectReason')}</label><select id="reason" data-reject-reason><option value="">${t('fin_chooseReason')}</option>
          ${c.reject_reasons.map((x) => html`<option value="${x}">${t(`rr_${x}`)}</option>`)}</select>
          <label for="reject-comment">${t('comment')}</label><textarea id="reject-comment" rows="2" data-reject-comment></textarea>
          <button type="button" class="danger fin-btn" data-reject>${t('reject')}</button></div>
        <p class="error" data-decide-error role="alert" hidden></p>`}
      </section>
      <section class="card photos"><h3>${t('materialPhotos')}</h3>${(f.photos || []).map((sha, i) => {
        const check = (f.photo_checks || []).find((p) => p.blob === sha) || {};
        const bad = (check.flags || []).length > 0;
        return html`<figure class="${bad ? 'flagged' : ''}"><img src="/api/blobs/${encodeURIComponent(sha)}" alt="${t('fin_photoN', { n: i + 1 })}" loading="lazy" data-zoom>
          <figcaption><span>${t('fin_photoN', { n: i + 1 })}</span>${check.watermark && html`<span data-watermark> · ${check.watermark.place || '—'} · ${String(check.watermark.taken_at || '—').replace('T', ' ')}</span>`}${check.sign?.texts?.length > 0 && html`<span> · ${t('signRead')} </span><q data-sign>${check.sign.texts[0]}</q>`}</figcaption></figure>`;
      })}</section></div>`);
    for (const bar of main.querySelectorAll('[data-pct]')) bar.style.width = `${bar.dataset.pct}%`;
    for (const box of main.querySelectorAll('[data-xywh]')) {
      const [x, y, w, h] = box.dataset.xywh.split(',').map((v) => Math.min(1, Math.max(0, Number(v))) * 100);
      Object.assign(box.style, { left: `${x}%`, top: `${y}%`, width: `${w}%`, height: `${h}%` });
    }
    // a field's box stands out while its input is in hand
    for (const k of boxed) {
      const input = this.querySelector(`#ocr-${k}`), box = main.querySelector(`[data-box="${k}"]`);
      input?.addEventListener('focus', () => box?.classList.add('active'));
      input?.addEventListener('blur', () => box?.classList.remove('active'));
    }
    for (const img of this.querySelectorAll('[data-zoom]')) img.onclick = () => { img.classList.toggle('zoomed'); img.closest('.receipt-frame')?.classList.toggle('zoomed', img.classList.contains('zoomed')); };
    if (!decided) this.bindDecision(amount);
    const reopen = this.querySelector('[data-reopen]');
    if (reopen) reopen.onclick = () => this.reopen(reopen);
  }

  bindDecision(initial) {
    const q = (sel) => this.querySelector(sel);
    const amountInput = q('[data-approve-amount]'), totalInput = q('#ocr-total'), poolChoice = q('[data-pool-choice]');
    const hint = q('[data-amount-hint]'), from0 = hint.dataset.amountFrom;
    const from = (k) => { hint.dataset.amountFrom = k; hint.textContent = amountHint(k); };
    // the amount follows the total (as read or as corrected) until finance types an amount of its own
    let typed = false;
    amountInput.addEventListener('input', () => {
      typed = amountInput.value.trim() !== '';
      from(typed ? 'typed' : 'none');  // cleared: it follows the total again
      amountInput.removeAttribute('aria-invalid');
      this.drawPool();
    });
    totalInput.addEventListener('input', () => {
      if (typed) return;
      const cents = parseMoney(totalInput.value);
      amountInput.value = cents != null ? yuan(cents) : totalInput.value.trim() ? amountInput.value : yuan(initial);
      from(cents != null ? 'total' : from0);
      amountInput.removeAttribute('aria-invalid');
      this.drawPool();
    });
    poolChoice?.addEventListener('change', () => { this.hideError(); this.drawPool(); });
    q('[data-approve]').onclick = () => {
      this.near = q('[data-approve]');  // the message goes beside the button pressed
      this.hideError();
      const body = { action: 'approve' };
      for (const key of FIELDS) {
        const input = q(`#ocr-${key}`);
        if (input.value.trim() && input.value.trim() !== input.dataset.original) { body[key] = input.value.trim(); body.action = 'correct'; }
      }
      if (body.total && parseMoney(body.total) == null) return this.showError(t('badAmount'));
      // an amount is required: empty (nothing claimed, nothing read) says so
      const cents = parseMoney(amountInput.value);
      if (!cents) {
        amountInput.setAttribute('aria-invalid', 'true');
        amountInput.focus();
        return this.showError(t(amountInput.value.trim() ? 'badAmount' : 'fin_err_amount_required'));
      }
      body.amount_cents = cents;
      if (poolChoice) {
        if (!poolChoice.value) { poolChoice.focus(); return this.showError(t('fin_poolNeeded')); }
        body.pool_id = poolChoice.value;
      } else if (!this.claim.pool) return this.showError(t('fin_err_no_pool'));
      return this.decide(body, q('[data-approve]'), t('fin_approving'));
    };
    q('[data-reject]').onclick = () => {
      this.near = q('[data-reject]');
      this.hideError();
      const reason = q('[data-reject-reason]').value;
      if (!reason) { q('[data-reject-reason]').focus(); return this.showError(t('rejectNeedsReason')); }
      const comment = q('[data-reject-comment]').value.trim() || null;
      if (reason === 'other' && !comment) { q('[data-reject-comment]').focus(); return this.showError(t('fin_err_comment_required')); }
      return this.decide({ action: 'reject', reason, comment }, q('[data-reject]'), t('fin_rejecting'));
    };
  }

  // The chosen pool with this claim's amount on its bar.
  drawPool() {
    const choice = this.querySelector('[data-pool-choice]'), box = this.querySelector('[data-pool-summary]');
    if (!choice || !box) return;
    const pool = this.claim.pools.find((p) => p.id === choice.value);
    const cents = parseMoney(this.querySelector('[data-approve-amount]')?.value);
    render(box, pool ? poolSummary(pool, cents) : html``);
  }

  showError(text) {
    const el = this.querySelector('[data-decide-error]');
    if (this.near?.isConnected) this.near.after(el);
    el.textContent = text;
    el.hidden = false;
    el.scrollIntoView?.({ block: 'nearest' });
  }

  hideError() {
    const el = this.querySelector('[data-decide-error]');
    if (el) el.hidden = true;
  }

  // While a request is out: every decision button disabled, the pressed one saying what it does.
  busy(button, text) {
    const buttons = [...this.querySelectorAll('[data-approve], [data-reject], [data-reopen]')];
    const label = button.textContent;
    for (const b of buttons) b.disabled = true;
    button.textContent = text;
    button.setAttribute('aria-busy', 'true');
    return () => {
      for (const b of buttons) b.disabled = false;
      button.textContent = label;
      button.removeAttribute('aria-busy');
    };
  }

  async decide(body, button, text) {
    const done = this.busy(button, text);
    try {
      await api(`/api/claims/${encodeURIComponent(this.claimId)}/decision`, { method: 'POST', body });
    } catch (e) {
      done();
      this.showError(errorText(e));
      return;
    }
    await this.loadClaim().catch((e) => this.fail(e));
  }

  async reopen(button) {
    this.near = button;
    const done = this.busy(button, t('fin_reopening'));
    let claim;
    try {
      claim = await api(`/api/claims/${encodeURIComponent(this.claimId)}/reopen`, { method: 'POST' });
    } catch (e) {
      done();
      this.showError(errorText(e));
      return;
    }
    // the corrected values and the amount stay in the form: finance changes what it reopened for
    this.show(claim, t('fin_reopened'));
    this.querySelector('[data-reopened]')?.scrollIntoView?.({ block: 'center' });
  }
}
customElements.define('fv-finance', FinanceScreen);
