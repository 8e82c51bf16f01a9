// Supervisor: the team's visits and photo check-ins, newest first, filtered by status, rep, day,
// store and flag. An item shows its photo large (tap to zoom), the watermark and capture data,
// the flags in words, and the store's previous check-in photo beside it; approve, or reject
// with a reason and a comment; approve everything the filter shows in one action. On a desktop
// the list and the item sit side by side and keys move through the queue. Online only: the
// photos live on the server (the list loads 240 px thumbnails).
import './strings.js';
import { ApiError, OfflineError, api } from '../api.js';
import { html, render } from '../html.js';
import { formatDay, formatDistance, formatTime, has, localName, t } from '../i18n.js';
import { askConfirm } from '../reason.js';
import { bindHeader, header, supervisorTabs } from '../screens/header.js';
import { choiceLabel } from '../screens/visit-screen.js';
import { list } from '../state.js';

const FLAGS = ['any', 'outside_geofence', 'location_missing', 'watermark_mismatch', 'sign_mismatch', 'recycled_photo', 'blurred_dark', 'exception'];
const STATUSES = ['pending', 'approved', 'rejected', 'all'];
const REASONS = ['not_at_store', 'photo_unclear', 'wrong_store', 'recycled_photo', 'watermark_wrong', 'steps_incomplete', 'other'];

// A decision's chip: approved green, rejected red (as the rep's day shows them).
const decidedChip = (status) => html`<span class="chip ${status === 'rejected' ? 'status-missed' : status === 'approved' ? 'status-done' : ''}" data-status-chip="${status}">${t(`rv_${status}`)}</span>`;
const flagWords = (flags) => flags.map((f) => html`<span class="flag">${t(`flag_${f}`)}</span>`);
// The server's stable error codes in the UI's language; others as the server said them.
const errorText = (e) => (e instanceof OfflineError ? t('network')
  : e instanceof ApiError && has(`err_${e.code}`) ? t(`err_${e.code}`) : e.message);

// A step's answer as the rep gave it: products and materials by their names, choices and yes/no in
// the UI's language, photos counted (the check-in photo is shown above).
function answerText(a, names) {
  const v = a.value;
  if (v == null || v === '') return '—';
  if (typeof v === 'boolean') return t(v ? 'yes' : 'no');
  if (a.type === 'photos' && Array.isArray(v)) return t('nBlobs', { n: v.length });
  if (a.type === 'barcodes' && Array.isArray(v)) return v.map((c) => (c?.name ? `${c.name} (${c.code})` : `${c?.code} · ${t('notInCatalogue')}`)).join('；') || '—';
  if (a.type === 'choice') return choiceLabel(String(v));
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const given = Object.entries(v).filter(([, n]) => n);
    return given.length ? given.map(([code, n]) => `${names.get(code) || code} × ${n}`).join('；') : '—';
  }
  return Array.isArray(v) ? v.join('；') : String(v);
}

function stepsHtml(steps) {
  const names = new Map([...list('sku'), ...list('material')].map((r) => [r.fields.code, localName(r.fields)]));
  return html`<ol class="review-steps" data-steps>${steps.map((s) => {
    const status = s.status === 'done' ? 'done' : s.status === 'excepted' ? 'excepted' : 'notdone';
    return html`<li data-step-key="${s.step}" data-step-status="${status}"><h4><span data-step-title>${localName(s) || s.step}</span>
      <span class="chip step-${status}">${t(status === 'notdone' ? 'stepNotDone' : `step_${status}`)}</span>
      ${(s.server_flags || []).map((f) => html`<span class="flag" data-step-flag="${f}">${t(`flag_${f}`)}</span>`)}</h4>
      ${s.exception && html`<p class="hint" data-step-exception>${has(`reason_${s.exception.reason}`) ? t(`reason_${s.exception.reason}`) : s.exception.reason}: ${s.exception.note}</p>`}
      ${s.answers?.length > 0 && html`<dl class="answers">${s.answers.map((a) => {
        const label = localName(a, 'label') || a.key;
        const shas = a.type === 'photos' && Array.isArray(a.value) ? a.value.filter((x) => typeof x === 'string' && x) : [];
        // the step's photos as thumbnails a tap opens large, as the check-in photo above
        return shas.length ? html`<dt class="photos-label">${label}</dt><dd class="step-photos" data-answer="${a.key}">${shas.map((sha, n) => html`<img src="/api/blobs/${encodeURIComponent(sha)}/thumb/s" alt="${label} ${n + 1}" width="96" height="72" loading="lazy" tabindex="0" role="button" data-step-photo="${sha}">`)}</dd>`
          : html`<dt>${label}</dt><dd data-answer="${a.key}">${answerText(a, names)}</dd>`;
      })}</dl>`}</li>`;
  })}</ol>`;
}


class ReviewScreen extends HTMLElement {
  connectedCallback() {
    const q = new URLSearchParams(this.getAttribute('query') || '');
    this.filter = { status: q.get('status') || 'pending', rep: q.get('rep') || '', day: q.get('day') || '', store: q.get('store') || '', flag: q.get('flag') || '' };
    this.items = [];
    this.selected = null;
    render(this, html`${header(t('reviewQueue'))}<main class="review-main">${supervisorTabs('reviewQueue')}
      <form class="filters" data-filters>
        <select name="status" aria-label="${t('st_all')}">${STATUSES.map((s) => html`<option value="${s}">${t(`st_${s}`)}</option>`)}</select>
        <select name="rep" aria-label="${t('allReps')}" data-rep-filter><option value="">${t('allReps')}</option></select>
        <input type="date" name="day" aria-label="${t('today')}">
        <input type="search" name="store" placeholder="${t('storeFilter')}" aria-label="${t('storeFilter')}">
      </form>
      <div class="chips" data-flag-chips></div>
      <div class="rq" data-review>
        <section class="queue"><p class="hint" data-queue-meta></p><ul class="queue-list" data-queue></ul>
          <button type="button" class="link" data-more hidden></button>
          <button type="button" class="primary" data-approve-all hidden></button></section>
        <section class="item card" data-item hidden></section>
      </div><p class="hint keys">${t('keys')}</p></main>`);
    bindHeader(this);
    const form = this.querySelector('[data-filters]');
    for (const [k, v] of Object.entries(this.filter)) if (form[k]) form[k].value = v;
    form.addEventListener('change', () => this.applyForm());
    form.addEventListener('submit', (e) => { e.preventDefault(); this.applyForm(); });
    this.querySelector('[data-more]').onclick = () => this.load(true);
    this.querySelector('[data-approve-all]').onclick = () => this.approveAll();
    this.onKey = (e) => this.key(e);
    document.addEventListener('keydown', this.onKey);
    api('/api/team/confirmations').then((data) => {
      const select = this.querySelector('[data-rep-filter]');
      select.append(...data.reps.map((r) => new Option(`${r.rep.name} (${r.rep.username})`, r.rep.id)));
      select.value = this.filter.rep;
    }).catch(() => {});
    this.load().catch((e) => this.fail(e));
  }

  disconnectedCallback() { document.removeEventListener('keydown', this.onKey); }

  fail(e) {
    render(this.querySelector('[data-queue-meta]'), html`<span class="error" data-review-error>${errorText(e)}</span>`);
  }

  applyForm() {
    const form = this.querySelector('[data-filters]');
    Object.assign(this.filter, { status: form.status.value, rep: form.rep.value, day: form.day.value, store: form.store.value.trim() });
    this.load().catch((e) => this.fail(e));
  }

  query(extra = {}) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...this.filter, ...extra })) if (v) q.set(k, v);
    return q.toString();
  }

  async load(more = false) {
    const data = await api(`/api/review/?${this.query(more && this.next ? { before: this.next } : {})}`);
    this.items = more ? this.items.concat(data.items) : data.items;
    this.next = data.next;
    this.counts = data.counts;
    if (!more) this.selected = null;
    this.renderList();
    if (!this.selected && this.items.length && matchMedia('(min-width: 900px)').matches) this.select(this.items[0].visit_id);
    if (!this.items.length) this.querySelector('[data-item]').hidden = true;
  }

  renderList() {
    const c = this.counts;
    render(this.querySelector('[data-flag-chips]'), html`${[['', c.all, t('st_all')], ...FLAGS.map((f) => [f, c[f], t(`fl_${f}`)])]
      .map(([f, n, label]) => html`<button type="button" class="chip ${this.filter.flag === f ? 'on' : ''}" data-flag="${f}" aria-pressed="${this.filter.flag === f}">${label} <small>${n}</small></button>`)}`);
    for (const b of this.querySelectorAll('[data-flag]')) b.onclick = () => { this.filter.flag = b.dataset.flag; this.load().catch((e) => this.fail(e)); };
    this.querySelector('[data-queue-meta]').textContent = this.filter.status === 'pending' ? t('waitingReview', { n: this.filter.flag ? c[this.filter.flag] : c.all }) : '';
    render(this.querySelector('[data-queue]'), this.items.length ? html`${this.items.map((i) => html`<li data-item-id="${i.visit_id}" data-status="${i.status}" class="${i.visit_id === this.selected ? 'selected' : ''}">
        ${i.thumb ? html`<img src="${i.thumb}" alt="" loading="lazy" width="96" height="72">` : html`<span class="nophoto">—</span>`}
        <span class="what"><strong>${i.store.name}</strong><br><small>${i.rep.name} · ${formatTime(i.arrived_at)}</small>
        ${i.flags.length > 0 && html`<br>${flagWords(i.flags)}`}${i.status !== 'pending' && html`<br><small>${decidedChip(i.status)}</small>`}</span></li>`)}`
      : html`<li class="empty">${t('noItems')}</li>`);
    for (const li of this.querySelectorAll('[data-item-id]')) li.onclick = () => this.select(li.dataset.itemId);
    const more = this.querySelector('[data-more]');
    more.hidden = !this.next;
    more.textContent = t('moreItems', { n: Math.max(0, (this.filter.flag ? c[this.filter.flag] : c.all) - this.items.length) });
    const pending = this.filter.status === 'pending' ? (this.filter.flag ? c[this.filter.flag] : c.all) : 0;
    const all = this.querySelector('[data-approve-all]');
    all.hidden = !pending;
    all.textContent = t('approveAll', { n: pending });
  }

  // `keep`: the line saying what was just decided stays (the queue moved on by itself).
  async select(id, keep = false) {
    if (!keep) this.lastDecision = null;
    this.selected = id;
    for (const li of this.querySelectorAll('[data-item-id]')) li.classList.toggle('selected', li.dataset.itemId === id);
    const pane = this.querySelector('[data-item]');
    const item = this.items.find((i) => i.visit_id === id);
    pane.hidden = false;
    if (item) this.renderItem(item, null);
    else render(pane, html`<p class="hint">${t('loading')}</p>`);
    pane.scrollIntoView({ block: 'nearest' });
    try {
      const detail = await api(`/api/review/${encodeURIComponent(id)}`);
      if (this.selected === id) this.renderItem(item, detail); // a later selection wins over a slow answer
    } catch (e) { /* the list's data is shown */ }
  }

  renderItem(item, detail) {
    const d = detail || item;
    const cap = d.capture || {};
    const mark = cap.server?.watermark || {};
    const sign = cap.server?.sign;
    const prev = d.previous;
    const pane = this.querySelector('[data-item]');
    render(pane, html`<button type="button" class="link close" data-close>‹ ${t('back')}</button>
      ${this.decidedLine()}
      <h2>${d.store.name} <small>${d.store.code}</small></h2>
      <p><small>${d.rep.name} · ${formatTime(d.arrived_at)}</small></p>
      <div class="compare">
        <figure data-current-photo>${d.large ? html`<img src="${d.large}" alt="${d.store.name}" data-zoom>` : html`<p class="hint">${t('noPhoto')}</p>`}
          <figcaption>${formatDay(d.day)}</figcaption></figure>
        <figure data-previous-photo>${prev ? html`<img src="${prev.large}" alt="${t('previousPhoto')}">
          <figcaption>${t('previousPhoto')}: ${formatDay(prev.day)} · ${prev.rep_name}</figcaption>` : html`<p class="hint">${t('noPrevious')}</p>`}</figure>
      </div>
      <div data-item-flags>${d.flags.length ? flagWords(d.flags) : html`<span class="ok">${t('noFlags')}</span>`}</div>
      ${detail?.distance_m != null && html`<p><small>${t('distanceFrom', { d: formatDistance(detail.distance_m), g: formatDistance(detail.geofence_m || 0) })}</small></p>`}
      <dl class="facts">
        ${cap.at && html`<dt>${t('capture')}</dt><dd>${formatTime(cap.at)}${cap.width ? ` · ${cap.width}×${cap.height}` : ''}${cap.brightness != null ? ` · ☀ ${cap.brightness}` : ''}${cap.sharpness != null ? ` · ◎ ${cap.sharpness}` : ''}</dd>`}
        ${(mark.place || mark.taken_at) && html`<dt>${t('watermarkRead')}</dt><dd data-watermark>${[mark.place, mark.taken_at && formatTime(mark.taken_at)].filter(Boolean).join(' · ')}</dd>`}
        ${sign?.texts?.length > 0 && html`<dt>${t('signRead')}</dt><dd data-sign>“${sign.texts[0]}”${sign.match && sign.match.id !== d.store.id && html` · ${t('signNames', { name: sign.match.name })}`}</dd>`}
      </dl>
      ${detail?.steps?.length > 0 && html`<h3>${t('steps')}</h3>${stepsHtml(detail.steps)}`}
      ${d.status === 'pending' ? html`<div class="actions decide">
        <button type="button" class="primary" data-approve>${t('approve')}</button>
        <form data-reject-form novalidate><select name="reason" data-reject-reason aria-label="${t('rejectReason')}"><option value="">${t('rejectReason')}</option>
          ${REASONS.map((r) => html`<option value="${r}">${t(`vr_${r}`)}</option>`)}</select>
          <input name="comment" maxlength="1000" placeholder="${t('comment')}" data-reject-comment>
          <button type="submit" class="danger" data-reject>${t('reject')}</button></form></div>`
        : html`<p data-item-status>${decidedChip(d.status)} ${d.reason && t(`vr_${d.reason}`)} ${d.comment && `“${d.comment}”`}
          ${d.decided_at && html`<br><small>${t('decidedBy', { at: formatTime(d.decided_at) })}</small>`}</p>
        ${d.can_reopen && html`<div class="actions"><button type="button" class="secondary" data-reopen>${t('reopen')}</button></div>`}`}
      <p class="error" role="alert" data-decide-error hidden></p><p class="ok-text" role="status" data-decide-result hidden></p>`);
    pane.querySelector('[data-close]').onclick = () => { pane.hidden = true; };
    pane.querySelector('[data-zoom]')?.addEventListener('click', (e) => this.zoom(e.currentTarget, d.photo));
    for (const img of pane.querySelectorAll('[data-step-photo]')) {
      img.addEventListener('click', () => this.zoom(img, img.dataset.stepPhoto));
      img.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); this.zoom(img, img.dataset.stepPhoto); } });
    }
    this.bindUndo(pane);
    pane.querySelector('[data-approve]')?.addEventListener('click', (e) => this.decide({ action: 'approve', visit_ids: [d.visit_id] }, e.currentTarget, d));
    pane.querySelector('[data-reject-form]')?.addEventListener('submit', (e) => {
      e.preventDefault();
      const f = e.currentTarget;
      // Our own words, not the browser's bubble: a reason first, and a comment for "other".
      const missing = !f.reason.value ? 'rejectNeedsReason' : f.reason.value === 'other' && !f.comment.value.trim() ? 'rejectNeedsComment' : null;
      if (missing) { this.say('error', t(missing)); (missing === 'rejectNeedsReason' ? f.reason : f.comment).focus(); return; }
      this.decide({ action: 'reject', visit_ids: [d.visit_id], reason: f.reason.value, comment: f.comment.value.trim() || null }, f.querySelector('[data-reject]'), d);
    });
    pane.querySelector('[data-reopen]')?.addEventListener('click', (e) => this.reopenOne(e.currentTarget, item || d));
  }

  // One line under the item: what went wrong, or what was done.
  say(kind, text) {
    for (const [sel, on] of [['[data-decide-error]', kind === 'error'], ['[data-decide-result]', kind === 'result']]) {
      const box = this.querySelector(sel);
      if (box) { box.hidden = !on; box.textContent = on ? text : ''; }
    }
  }

  // Take one's own decision of today back: the button is busy while the server answers, then the
  // item shows waiting again (with the decide form) and says so.
  async reopenOne(button, item) {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    button.textContent = t('reopening');
    try {
      await api('/api/review/reopen', { method: 'POST', body: { visit_ids: [item.visit_id] } });
      const update = (fields) => {
        for (const x of new Set([item, this.items.find((i) => i.visit_id === item.visit_id)])) if (x) Object.assign(x, fields);
        this.renderList();
      };
      update({ status: 'pending', reason: null, comment: null, decided_at: null, can_reopen: false });
      if (this.selected === item.visit_id) {
        const detail = await api(`/api/review/${encodeURIComponent(item.visit_id)}`).catch(() => null);
        if (detail) update({ status: detail.status, reason: detail.reason, comment: detail.comment, decided_at: detail.decided_at, can_reopen: detail.can_reopen });
        if (this.selected === item.visit_id) this.renderItem(item, detail);
      }
      this.say('result', t('reopened'));
      this.refreshCounts();
    } catch (e) {
      button.disabled = false;
      button.removeAttribute('aria-busy');
      button.textContent = t('reopen');
      this.say('error', errorText(e));
    }
  }

  // The chips' and buttons' counts after a change, without reloading the list.
  async refreshCounts() {
    try {
      const data = await api(`/api/review/?${this.query({ limit: 1 })}`);
      this.counts = data.counts;
      this.renderList();
    } catch { /* the older counts stay */ }
  }

  // Tap: the full-size original, scrollable and pinch-zoomable; tap again to fit.
  zoom(img, sha) {
    const zoomed = img.classList.toggle('zoomed');
    if (zoomed && sha) img.src = `/api/blobs/${encodeURIComponent(sha)}`;
  }

  // Approve or reject the item shown: both buttons off and the pressed one busy while the server
  // answers; then the queue moves on to the next item, with a line saying what was decided (and
  // an Undo) above it — or above the list when nothing is left.
  async decide(body, button, d) {
    const buttons = [...this.querySelectorAll('[data-item] [data-approve], [data-item] [data-reject]')];
    const label = button.textContent;
    for (const b of buttons) b.disabled = true;
    button.setAttribute('aria-busy', 'true');
    button.textContent = t(body.action === 'approve' ? 'approving' : 'rejecting');
    try {
      await api('/api/review/decisions', { method: 'POST', body });
    } catch (e) {
      for (const b of buttons) b.disabled = false;
      button.removeAttribute('aria-busy');
      button.textContent = label;
      this.say('error', errorText(e));
      return;
    }
    const at = this.items.findIndex((i) => i.visit_id === d.visit_id);
    try { await this.load(); } catch (e) { this.fail(e); }
    this.lastDecision = { visit_id: d.visit_id, status: body.action === 'approve' ? 'approved' : 'rejected', store: d.store.name };
    const still = this.items.findIndex((i) => i.visit_id === d.visit_id);  // a filter that shows decided items too
    const next = still >= 0 ? this.items[still + 1] || this.items[still] : this.items[Math.min(at, this.items.length - 1)];
    const pane = this.querySelector('[data-item]');
    if (next) {
      this.select(next.visit_id, true);
      pane.scrollTop = 0;  // a phone's pane: the next item from its top, under the line
    } else {
      pane.hidden = true;
      const meta = this.querySelector('[data-queue-meta]');
      render(meta, this.decidedLine());
      this.bindUndo(meta);
    }
    this.querySelector('[data-last-decision]')?.scrollIntoView?.({ block: 'center' });
  }

  // What was just decided, and of which store, with an Undo (one's own decision of today).
  decidedLine() {
    const last = this.lastDecision;
    if (!last) return '';
    return html`<div class="decided-line ${last.status}" data-last-decision="${last.status}" role="status">
      <span data-last-decision-text>${t(`rv_${last.status}`)} · ${last.store}</span>
      <button type="button" class="secondary" data-undo-decision>${t('undo')}</button></div>`;
  }

  bindUndo(root) {
    root.querySelector('[data-undo-decision]')?.addEventListener('click', (e) => this.undoDecision(e.currentTarget));
  }

  // Undo the decision just taken: busy while the server answers, then the item is shown waiting again.
  async undoDecision(button) {
    const last = this.lastDecision;
    if (!last) return;
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    button.textContent = t('reopening');
    try {
      await api('/api/review/reopen', { method: 'POST', body: { visit_ids: [last.visit_id] } });
    } catch (e) {
      button.disabled = false;
      button.removeAttribute('aria-busy');
      button.textContent = t('undo');
      const pane = this.querySelector('[data-item]');
      if (pane.hidden) this.fail(e); else this.say('error', errorText(e));
      return;
    }
    this.lastDecision = null;
    await this.load().catch((e) => this.fail(e));
    await this.select(last.visit_id);
    this.say('result', t('reopened'));
  }

  // Approve everything the filter shows: asked once, with the count; then an Undo reopens exactly
  // the items approved (the supervisor's own decisions of today).
  async approveAll() {
    const c = this.counts;
    const n = this.filter.flag ? c[this.filter.flag] : c.all;
    if (!(await askConfirm(t('approveAllAsk', { n }), [], t('approveAllOk', { n })))) return;
    const filter = { ...this.filter, status: 'pending' };
    for (const k of Object.keys(filter)) if (!filter[k]) delete filter[k];
    const meta = () => this.querySelector('[data-queue-meta]');
    let result;
    try {
      result = await api('/api/review/decisions', { method: 'POST', body: { action: 'approve', filter } });
      await this.load();
    } catch (e) { this.fail(e); return; }
    const ids = result.decided;
    render(meta(), html`<span data-approved-n>${t('approvedN', { n: ids.length })}</span>
      ${ids.length > 0 && html`<button type="button" class="secondary" data-undo>${t('undo')}</button>`}`);
    meta().querySelector('[data-undo]')?.addEventListener('click', async (e) => {
      const b = e.currentTarget;
      b.disabled = true;
      b.setAttribute('aria-busy', 'true');
      try {
        await api('/api/review/reopen', { method: 'POST', body: { visit_ids: ids } });
        await this.load();
        meta().textContent = t('undone', { n: ids.length });
      } catch (err) {
        b.disabled = false;
        b.removeAttribute('aria-busy');
        render(meta(), html`<span class="error" data-review-error>${errorText(err)}</span>`);
      }
    });
  }

  key(e) {
    if (e.target.closest('input, select, textarea') || e.metaKey || e.ctrlKey || e.altKey) return;
    const at = this.items.findIndex((i) => i.visit_id === this.selected);
    if (e.key === 'j' || e.key === 'ArrowDown') { if (this.items[at + 1]) this.select(this.items[at + 1].visit_id); }
    else if (e.key === 'k' || e.key === 'ArrowUp') { if (at > 0) this.select(this.items[at - 1].visit_id); }
    else if (e.key === 'a') this.querySelector('[data-approve]')?.click();
    else if (e.key === 'r') this.querySelector('[data-reject-reason]')?.focus();
    else if (e.key === 'z') this.querySelector('[data-zoom]')?.click();
    else return;
    e.preventDefault();
  }
}
customElements.define('fv-review', ReviewScreen);
