// A store visit: arrive (GPS fix, geofence), then the template's steps strictly in order — each
// unlocks when the one before is done or excepted (特批, with a reason and a note) — then check out.
import { keepBlob, showPhotos } from '../blobs.js';
import { getMeta, setMeta } from '../db.js';
import { capture, closeCamera, openCamera, watermarkLines } from '../camera.js';
import { api } from '../api.js';
import { distanceM, locate } from '../geo.js';
import { html, render } from '../html.js';
import { formatDistance, has, localName, t } from '../i18n.js';
import { uuid7 } from '../ids.js';
import { localDay, plannedOn } from '../route.js';
import { list, record, state, subscribe, write } from '../state.js';
import {
  EXCEPTION_REASONS, currentStep, missing, overAllocated, remainingMaterials, stepsOf, templateById, templateFor, visitsAt,
} from '../visits.js';
import { bindHeader, header } from './header.js';
import { attachRecording, bindMic, micHtml } from '../dictate.js';

// A choice field's option in the UI's language (the review screen shows answers with it too).
export const choiceLabel = (o) => (has(`opt_${o}`) ? t(`opt_${o}`) : o);

class VisitScreen extends HTMLElement {
  connectedCallback() {
    this.draft = {};
    this.excepting = false;
    // Re-render only when the visit or its steps changed (held while the camera is open).
    this.unsubscribe = subscribe(() => {
      const seen = this.signature();
      if (this.busy || seen === this.seen || this.querySelector('[data-mic].on')) return;
      this.rerender();
    }, ['store', 'template', 'visit', 'step']);
    this.addEventListener('click', (e) => this.onClick(e));
    this.addEventListener('change', (e) => this.onChange(e));
    this.addEventListener('input', (e) => this.onChange(e));
    this.render();
  }

  disconnectedCallback() { this.unsubscribe?.(); closeCamera(this.stream); }

  // Draw again for news from elsewhere (sync, a restored draft) — later while the camera is open.
  rerender() {
    if (this.querySelector('.camera:not([hidden])')) { this.stale = true; return; }
    this.render();
  }

  // Live dictation fills the field; offline, the recording is kept as a voice note on the store.
  bindMics(storeId) {
    for (const row of this.querySelectorAll('[data-mic-row]')) {
      const area = row.previousElementSibling;
      if (area?.tagName !== 'TEXTAREA') continue;
      bindMic(row, area, (rec) => attachRecording({ noteId: uuid7(), storeId, create: true, text: '' }, rec));
    }
  }

  get store() { return record('store', this.getAttribute('store-id')); }

  openVisit() {
    return visitsAt(this.store.id, localDay()).find((v) => v.fields.status === 'arrived');
  }

  // The step's answers are kept as they are entered: a reload or crash mid-step loses nothing.
  draftKey() {
    const { visit, step } = this.inHand();
    return step ? `draft:${visit.id}:${step.key}` : null;
  }

  // The open visit and the step in hand (null when there is none).
  inHand() {
    const visit = this.store && this.openVisit();
    const template = visit && templateById(visit.fields.template_id);
    return { visit, step: (template && currentStep(template, stepsOf(visit.id))) || null };
  }

  persistDraft() {
    const key = this.draftKey();
    if (key) setMeta(key, this.draft).catch(() => {});
  }

  restoreDraft() {
    const key = this.draftKey();
    if (!key || key === this.draftFor) return;
    this.draftFor = key;
    this.draft = {};
    getMeta(key).then((saved) => {
      if (saved && Object.keys(saved).length && this.draftFor === key && this.isConnected) { this.draft = saved; this.rerender(); }
    }).catch(() => {});
  }

  signature() {
    const visit = this.store && this.openVisit();
    if (!visit) return `none:${this.store ? visitsAt(this.store.id, localDay()).map((v) => `${v.id}=${v.fields.status}/${v.fields.score}`).join() : ''}`;
    const steps = stepsOf(visit.id);
    return `${visit.id}:${visit.fields.status}:${Object.entries(steps).map(([k, s]) => `${k}=${s.fields.status}`).join(',')}`;
  }

  render() {
    this.seen = this.signature();
    this.stale = false;
    this.restoreDraft();
    const store = this.store;
    if (!store) { render(this, html`${header(t('visit'), { back: true })}<main><p class="empty">${t('notFound')}</p></main>`); bindHeader(this); return; }
    const s = store.fields;
    const visit = this.openVisit();
    let body;
    if (!visit) {
      const last = visitsAt(store.id, localDay()).filter((v) => v.fields.status === 'checked_out')
        .sort((a, b) => (a.id < b.id ? 1 : -1))[0];
      body = last ? html`${this.summaryHtml(last)}<section class="card"><p>${t('visitDoneToday')}</p>
          <button type="button" class="secondary" data-arrive>${t('visitAgain')}</button></section>`
        : html`<section class="card"><p>${t('arriveHelp')}</p>
          <button type="button" class="primary" data-arrive>${t('arrive')}</button></section>`;
    } else {
      const template = templateById(visit.fields.template_id);
      const steps = stepsOf(visit.id);
      const current = template ? currentStep(template, steps) : null;
      const a = visit.fields.arrival;
      const d = a && s.lat != null ? distanceM(a, s) : null;
      const outside = d != null && d > s.geofence_m;
      body = html`<section class="card"><p data-geofence="${d == null ? 'unknown' : outside ? 'outside' : 'inside'}">
          ${d == null ? t('noLocation') : outside ? t('outsideFence', { d: formatDistance(d) }) : t('insideFence', { d: formatDistance(d) })}</p></section>
        <ol class="steps">${(template?.fields.steps || []).map((st) => this.stepHtml(st, steps[st.key], current))}</ol>
        ${!current && html`<button type="button" class="primary" data-checkout>${t('checkout')}</button>`}`;
    }
    render(this, html`${header(s.name, { back: true })}<main class="visit">${body}</main>
      <div class="camera" hidden><video playsinline muted></video><div class="row">
        <button type="button" class="primary" data-shutter>${t('shutter')}</button><button type="button" data-close-camera>${t('cancel')}</button></div></div>`);
    bindHeader(this);
    this.bindMics(store.id);
    showPhotos(this);
    performance.mark('fv:visit-render');
  }


  // The finished visit: steps done and excepted, photos, time at the store, score (the server's
  // once synced; until then the same rule on the phone: a done step earns its points, an exception none).
  summaryHtml(visit) {
    const v = visit.fields;
    const steps = Object.values(stepsOf(visit.id)).map((r) => r.fields);
    const tpl = templateById(v.template_id)?.fields.steps || [];
    const done = steps.filter((x) => x.status === 'done');
    const mins = v.minutes_on_site ?? (v.checked_out_at ? Math.max(0, Math.round((Date.parse(v.checked_out_at) - Date.parse(v.arrived_at)) / 60000)) : null);
    const score = v.score ?? tpl.filter((x) => done.some((d) => d.step === x.key)).reduce((n, x) => n + (x.points || 0), 0);
    const max = v.max_score ?? tpl.reduce((n, x) => n + (x.points || 0), 0);
    const fig = (key, label, value) => html`<div><dt>${label}</dt><dd data-sum="${key}">${value}</dd></div>`;
    const r = v.review?.status && v.review.status !== 'pending' ? v.review : null;
    return html`<section class="card" data-visit-summary><h2 class="store-name">${t('visitFinished')}</h2>
      ${r && html`<p class="${r.status === 'rejected' ? 'error' : 'ok'}" data-review-status="${r.status}" role="status"><strong>${t(`rv_${r.status}`)}</strong>${r.reason && html` · ${t(`vr_${r.reason}`)}`}${r.comment && html`<br>“${r.comment}”`}${r.by && html` <small>— ${r.by}</small>`}</p>`}
      <p class="big" data-sum="score">${t('score')} ${score}<small> / ${max}</small></p>
      <dl class="figures">${fig('done', t('sum_steps_done'), done.length)}${fig('excepted', t('sum_exceptions'), steps.length - done.length)}
        ${fig('photos', t('sum_photos'), steps.reduce((n, x) => n + (x.photos?.length || 0), 0))}
        ${fig('minutes', t('timeAtStore'), mins == null ? '—' : t('minutes', { n: mins }))}</dl>
      <div class="actions"><a href="#/route" class="go" data-to-route>${t('route')}</a></div></section>`;
  }

  stepHtml(step, rec, current) {
    const state = rec ? rec.fields.status : current && current.key === step.key ? 'current' : 'locked';
    const title = html`<h3>${localName(step)} <span class="chip step-${state}" data-step-chip>${t(`step_${state}`)}</span></h3>`;
    if (state !== 'current') return html`<li class="step ${state}" data-step="${step.key}" data-state="${state}">${title}</li>`;
    const answers = this.draft;
    const gaps = this.gaps(step, answers);
    const fields = step.fields.map((f) => this.fieldHtml(f, answers[f.key]));
    const exception = this.excepting && html`<div class="exception">
        <label>${t('reason')}</label><select data-except-reason aria-label="${t('reason')}"><option value="">—</option>
        ${EXCEPTION_REASONS.map((r) => html`<option value="${r}" ${this.exceptDraft?.reason === r && html`selected`}>${t(`reason_${r}`)}</option>`)}</select>
        <label>${t('exceptionNote')}</label><textarea data-except-note rows="2" aria-label="${t('exceptionNote')}">${this.exceptDraft?.note}</textarea>${micHtml()}
        <p class="error" role="alert" data-except-error ${!this.exceptError && html`hidden`}>${this.exceptError}</p>
        <button type="button" class="primary" data-except-submit>${t('submitException')}</button></div>`;
    return html`<li class="step current" data-step="${step.key}" data-state="current">${title}${fields}
      <div class="row"><button type="button" class="primary" data-complete ${gaps.length > 0 && html`disabled`}>${t('completeStep')}</button>
      <button type="button" class="link" data-except>${t('exception')}</button></div>${exception}</li>`;
  }

  fieldHtml(f, value) {
    const name = localName(f, 'label') + (f.required ? ' *' : '');
    const wrap = (inner) => html`<div class="field" data-field="${f.key}" data-type="${f.type}"><label>${name}</label>${inner}</div>`;
    switch (f.type) {
      case 'photos':
        return wrap(html`<div class="thumbs">${(value || []).map((h) => html`<img class="thumb" data-photo="${h}" alt="${String(h).slice(0, 8)}">`)}</div>
          <button type="button" data-take-photo="${f.key}">${t('takePhoto')}</button>`);
      case 'yesno':
        return wrap(html`<div class="row" role="group" aria-label="${name}"><button type="button" data-yesno="${f.key}" data-value="true" aria-pressed="${value === true}">${t('yes')}</button>
          <button type="button" data-yesno="${f.key}" data-value="false" aria-pressed="${value === false}">${t('no')}</button></div>`);
      case 'number':
        return wrap(html`<input type="number" inputmode="decimal" data-number="${f.key}" value="${value}" aria-label="${name}">`);
      case 'facings':
      case 'stock':
      case 'materials': {
        // By code: the same order on every screen and after every reload.
        const items = [...list(f.type === 'materials' ? 'material' : 'sku')]
          .sort((a, b) => a.fields.code.localeCompare(b.fields.code));
        const left = f.type === 'materials' ? remainingMaterials(localDay(), value) : null;
        return wrap(html`<div class="grid">${items.map((i) => html`<label class="qty">${localName(i.fields)}
          <input type="number" min="0" inputmode="numeric" data-qty="${f.key}" data-item="${i.fields.code}" value="${value?.[i.fields.code]}">
          ${left && i.fields.code in left && html`<small data-remaining="${i.fields.code}">${this.remainingText(left[i.fields.code], value?.[i.fields.code])}</small>`}</label>`)}</div>`);
      }
      case 'barcodes':
        return wrap(html`<ul class="codes">${(value || []).map((c, i) => html`<li data-code="${c.code}"><span class="code-line"><span>${c.code} ${c.name ? `· ${c.name}`
          : html`· ${t('notInCatalogue')} <button type="button" class="link" data-find="${f.key}|${i}">${t('findByName')}</button>`}</span>
          <button type="button" class="link" data-remove-code="${f.key}|${i}" aria-label="${t('remove')} ${c.code}">${t('remove')}</button></span>
          ${this.finding === `${f.key}|${i}` && html`<div class="row"><input type="text" data-find-name placeholder="${t('productName')}" aria-label="${t('productName')}">
            <button type="button" data-find-go="${f.key}|${i}">${t('findGo')}</button></div>
            ${this.choices?.length === 0 && this.searched && html`<p class="hint" data-no-match role="status">${t('noMatch')}</p>`}
            <div class="choices">${(this.choices || []).map((c) => html`<button type="button" data-pick="${f.key}|${i}|${c.id}">${localName(c)}${c.score ? ` · ${c.score}%` : ''}</button>`)}</div>`}</li>`)}</ul>
          <div class="row"><input type="text" inputmode="numeric" data-code-input="${f.key}" placeholder="${t('typeCode')}" aria-label="${t('typeCode')}">
          <button type="button" data-add-code="${f.key}">${t('add')}</button>
          ${'BarcodeDetector' in window && html`<button type="button" data-scan="${f.key}">${t('scan')}</button>`}</div>`);
      case 'choice':
        return wrap(html`<select data-choice="${f.key}" aria-label="${name}"><option value="">—</option>${f.options.map((o) => html`<option value="${o}" ${o === value && html`selected`}>${choiceLabel(o)}</option>`)}</select>`);
      default:
        return wrap(html`<textarea data-text="${f.key}" rows="2" aria-label="${name}">${value}</textarea>${micHtml()}`);
    }
  }

  onChange(e) {
    const el = e.target;
    // What the exception form holds survives a re-render (sync news arriving while the rep types).
    if ('exceptReason' in el.dataset || 'exceptNote' in el.dataset) {
      this.exceptDraft = { ...this.exceptDraft, ['exceptReason' in el.dataset ? 'reason' : 'note']: el.value };
      return;
    }
    if (el.dataset.number) this.draft[el.dataset.number] = el.value === '' ? undefined : Number(el.value);
    else if (el.dataset.qty) {
      const map = { ...(this.draft[el.dataset.qty] || {}) };
      if (el.value === '') delete map[el.dataset.item]; else map[el.dataset.item] = Math.max(0, Math.round(Number(el.value)));
      this.draft[el.dataset.qty] = map;
      if (el.dataset.qty === 'placed') this.updateRemaining();
    } else if (el.dataset.choice) this.draft[el.dataset.choice] = el.value || undefined;
    else if (el.dataset.text) this.draft[el.dataset.text] = el.value;
    else return;
    this.persistDraft();
    this.refreshComplete();
  }

  // What is left after this entry; past the allocation, what may still be placed (and the step cannot complete).
  remainingText(n, mine) {
    return n < 0 ? html`<span class="over" data-over>${t('overAllocation', { n: Math.max(0, n + (mine || 0)) })}</span>` : t('remaining', { n });
  }

  updateRemaining() {
    const left = remainingMaterials(localDay(), this.draft.placed);
    for (const el of this.querySelectorAll('[data-remaining]')) {
      const code = el.dataset.remaining;
      render(el, html`${this.remainingText(left[code], this.draft.placed?.[code])}`);
    }
  }

  // Missing answers, and materials beyond this month's allocation.
  gaps(step, answers) {
    const out = missing(step, answers);
    for (const f of step.fields) if (f.type === 'materials' && overAllocated(localDay(), answers[f.key]).length) out.push(f.key);
    return out;
  }

  refreshComplete() {
    const { step } = this.inHand();
    const button = this.querySelector('[data-complete]');
    if (step && button) button.disabled = this.gaps(step, this.draft).length > 0;
  }

  async onClick(e) {
    const el = e.target.closest('button');
    if (!el) return;
    const d = el.dataset;
    if ('arrive' in d) return this.arrive();
    if (d.yesno) { // the answer's two buttons, not the whole screen
      this.draft[d.yesno] = d.value === 'true';
      this.persistDraft();
      for (const b of el.parentElement.children) b.setAttribute('aria-pressed', b === el);
      return this.refreshComplete();
    }
    if (d.addCode) {
      const input = this.querySelector(`[data-code-input="${CSS.escape(d.addCode)}"]`);
      const code = input.value.trim();
      if (code) this.addCode(d.addCode, code);
      return undefined;
    }
    if (d.find) { this.finding = d.find; this.choices = []; this.searched = false; return this.render(); }
    if (d.removeCode) { // a mistyped code goes again
      const [key, index] = d.removeCode.split('|');
      this.draft[key] = (this.draft[key] || []).filter((_, i) => i !== Number(index));
      this.finding = null;
      this.persistDraft();
      return this.render();
    }
    if (d.findGo) return this.findByName(d.findGo);
    if (d.pick) {
      const [key, index, skuId] = d.pick.split('|');
      const sku = record('competitor_sku', skuId);
      const entries = [...(this.draft[key] || [])];
      entries[Number(index)] = { ...entries[Number(index)], sku_id: skuId, name: sku ? localName(sku.fields) : skuId, matched_by: 'name' };
      this.draft[key] = entries;
      this.finding = null;
      this.persistDraft();
      return this.render();
    }
    if (d.scan) return this.scan(d.scan);
    if (d.takePhoto) return this.startCamera(d.takePhoto);
    if ('shutter' in d) return this.shoot();
    if ('closeCamera' in d) {
      closeCamera(this.stream); this.querySelector('.camera').hidden = true;
      if (this.stale) this.render();
      return undefined;
    }
    if ('complete' in d) return this.complete();
    if ('except' in d) { this.excepting = !this.excepting; this.exceptError = ''; return this.render(); }
    if ('exceptSubmit' in d) return this.except();
    if ('checkout' in d) return this.checkout();
    return undefined;
  }

  addCode(key, code) {
    const match = list('competitor_sku').find((c) => c.fields.barcode === code);
    this.draft[key] = [...(this.draft[key] || []), { code, sku_id: match?.id || null, name: match ? localName(match.fields) : null }];
    this.persistDraft();
    this.render();
  }

  // An unknown code: the closest names (the server's fuzzy match; offline, a substring search).
  async findByName(where) {
    const [key, index] = where.split('|');
    const name = this.querySelector('[data-find-name]').value.trim();
    if (!name) return;
    const code = this.draft[key][Number(index)].code;
    try {
      const found = await api(`/api/catalog/competitor-skus/match?code=${encodeURIComponent(code)}&name=${encodeURIComponent(name)}`);
      this.choices = found.exact ? [found.exact] : found.suggestions;
    } catch (e) {
      const q = name.toLowerCase();
      this.choices = list('competitor_sku').filter((c) => `${c.fields.name} ${c.fields.name_en}`.toLowerCase().includes(q))
        .slice(0, 5).map((c) => ({ id: c.id, ...c.fields }));
    }
    this.searched = true;
    this.render();
    const input = this.querySelector('[data-find-name]');
    if (input) input.value = name;
  }

  // The browser's own barcode reader, where it has one (Android Chrome): point the camera at the code.
  async scan(key) {
    const box = this.querySelector('.camera');
    box.hidden = false;
    const video = box.querySelector('video');
    try { this.stream = await openCamera(video); } catch (e) { box.hidden = true; import('../reason.js').then((m) => m.notify(t('noCamera'))); return; }
    if (!this.stream) return;
    const detector = new window.BarcodeDetector({ formats: ['ean_13', 'ean_8', 'upc_a', 'upc_e', 'code_128'] });
    const started = Date.now();
    while (!box.hidden && Date.now() - started < 20000) {
      const codes = await detector.detect(video).catch(() => []);
      if (codes.length) { closeCamera(this.stream); this.addCode(key, codes[0].rawValue); return; }
      await new Promise((r) => setTimeout(r, 250));
    }
    closeCamera(this.stream);
    box.hidden = true;
  }

  async arrive() {
    this.busy = true;
    const store = this.store;
    const fix = await locate({ timeout: 8000, maximumAge: 0 });
    const template = templateFor(store.fields.channel);
    const now = new Date().toISOString();
    this.busy = false;
    await write('visit.arrive', uuid7(), {
      store_id: store.id, template_id: template.id, day: localDay(), arrived_at: now, status: 'arrived',
      arrival: fix ? { lat: fix.lat, lng: fix.lng, accuracy: fix.accuracy, at: new Date(fix.at).toISOString() } : null,
      planned: plannedOn(store.fields, localDay()), flags: fix ? [] : ['location_denied'],
    });
  }

  async startCamera(field) {
    this.photoField = field;
    const box = this.querySelector('.camera');
    box.hidden = false;
    try { this.stream = await openCamera(box.querySelector('video')); } catch (err) { box.hidden = true; import('../reason.js').then((m) => m.notify(t('noCamera'))); }
  }

  async shoot() {
    const video = this.querySelector('.camera video');
    const visit = this.openVisit();
    const a = visit.fields.arrival;
    const shot = await capture(video, watermarkLines(this.store.fields.name, a, state.me.user.display_name));
    if ((shot.dark || shot.blurred) && await (await import('../reason.js')).askRetake(shot)) return; // retake
    closeCamera(this.stream);
    const hash = await keepBlob(shot.blob);
    this.draft[this.photoField] = [...(this.draft[this.photoField] || []), hash];
    this.draft.__captures = { ...(this.draft.__captures || {}), [hash]: { at: new Date().toISOString(), width: shot.width, height: shot.height, brightness: shot.brightness, sharpness: shot.sharpness } };
    this.persistDraft();
    this.render();
  }

  async complete() {
    const { visit, step } = this.inHand();
    if (this.gaps(step, this.draft).length) { this.refreshComplete(); return; }
    const { __captures: captures, ...answers } = this.draft;
    const photos = step.fields.filter((f) => f.type === 'photos').flatMap((f) => answers[f.key] || []);
    if (captures) answers.captures = captures;
    const key = this.draftKey();
    this.draft = {};
    if (await write('step.complete', uuid7(), { visit_id: visit.id, store_id: this.store.id, step: step.key, answers, photos,
      status: 'done', completed_at: new Date().toISOString() })) setMeta(key, null).catch(() => {}); // after: one write at a time
  }

  async except() {
    const reason = this.querySelector('[data-except-reason]').value;
    const note = this.querySelector('[data-except-note]').value.trim();
    if (!reason || !note) { // said beside the form, and the missing field takes the focus
      this.exceptError = t('exceptionNeedsReason');
      this.exceptDraft = { reason, note };
      this.render();
      this.querySelector(reason ? '[data-except-note]' : '[data-except-reason]')?.focus();
      return;
    }
    this.exceptError = '';
    const { visit, step } = this.inHand();
    this.excepting = false;
    this.exceptDraft = null;
    const key = this.draftKey();
    this.draft = {};
    if (await write('step.except', uuid7(), { visit_id: visit.id, store_id: this.store.id, step: step.key,
      exception: { reason, note }, status: 'excepted' })) setMeta(key, null).catch(() => {});
  }

  async checkout() {
    // The page stays: the visit's summary and score take the steps' place.
    await write('visit.checkout', this.openVisit().id, { status: 'checked_out', checked_out_at: new Date().toISOString() });
  }
}
customElements.define('fv-visit', VisitScreen);
