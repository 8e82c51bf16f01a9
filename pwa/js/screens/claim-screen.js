// A promotion claim at one store, filed offline: photos of the posted material (the in-app camera,
// watermarked like visit photos), the receipt (the phone's camera app or gallery), the amount and
// the promotion; below, the store's claims with what OCR read and what finance decided.
import { keepBlob, showPhotos } from '../blobs.js';
import { capture, closeCamera, openCamera, photoFromFile, watermarkLines } from '../camera.js';
import { activePromotions, claimCents, claimsAt, flagText, formatMoney, loadSent, parseMoney, promotionName, rememberSent, statusText } from '../claims.js';
import { getMeta, setMeta } from '../db.js';
import { lastFix, locate } from '../geo.js';
import { html, render } from '../html.js';
import { formatTime, localName, t } from '../i18n.js';
import { uuid7 } from '../ids.js';
import { localDay } from '../route.js';
import { record, state, subscribe, write } from '../state.js';
import { visitsAt } from '../visits.js';
import { bindHeader, header } from './header.js';

const CAMERA = html`<svg class="icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><path fill="currentColor" d="M9 3 7.2 5H4a2 2 0 0 0-2 2v11a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2h-3.2L15 3H9zm3 5a5 5 0 1 1 0 10 5 5 0 0 1 0-10zm0 2a3 3 0 1 0 0 6 3 3 0 0 0 0-6z"/></svg>`;
const EMPTY = { photos: [], receipt: null, promotion_id: '', amount: '', note: '', taken_at: null };

class ClaimScreen extends HTMLElement {
  async connectedCallback() {
    this.storeId = this.getAttribute('store-id');
    this.draft = { ...EMPTY, ...((await getMeta(this.draftKey()).catch(() => null)) || {}) };
    await loadSent();
    this.unsubscribe = subscribe(() => this.renderClaims(), ['claim']);
    this.render();
    locate().catch(() => null);
  }

  disconnectedCallback() { this.unsubscribe?.(); closeCamera(this.stream); }

  draftKey() { return `claim-draft:${this.storeId}`; }

  save() { setMeta(this.draftKey(), this.draft).catch(() => {}); }

  render() {
    const store = record('store', this.storeId);
    if (!store) {
      render(this, html`${header(t('claim'), { back: true })}<main><p class="empty">${t('notFound')}</p></main>`);
      bindHeader(this);
      return;
    }
    const d = this.draft;
    const promos = activePromotions(localDay(), store.fields.channel);
    const thumb = (h) => html`<img class="thumb" data-photo="${h}" alt="">`;
    render(this, html`${header(t('claim'), { back: true })}<main class="claim">
      <form class="card" data-claim-form>
        <h2 class="store-name">${store.fields.name}</h2>
        <label for="promo">${t('promotion')}</label>
        <select id="promo" data-promotion><option value="">${t('promotionAuto')}</option>
          ${promos.map((p) => html`<option value="${p.id}" ${p.id === d.promotion_id && html`selected`}>${localName(p.fields)}</option>`)}</select>
        <div class="field"><label>${t('materialPhotos')} *</label>
          <div class="thumbs" data-material>${d.photos.map(thumb)}</div>
          <button type="button" data-take-photo>${t('takePhoto')}</button></div>
        <div class="field"><p class="label">${t('receiptPhoto')} *</p>
          <div class="thumbs" data-receipt>${d.receipt && thumb(d.receipt)}</div>
          <div class="file-row"><label class="file-btn">${CAMERA}${t('photoReceipt')}<input type="file" accept="image/*" capture="environment" data-receipt-file></label>
          <label class="file-btn">${t('fromGallery')}<input type="file" accept="image/*" data-receipt-pick></label></div>${/* the gallery: e-invoice screenshots */ ''}
          <p class="error" data-receipt-error hidden></p></div>
        <div class="field"><label for="amount">${t('claimAmount')}</label>
          <input id="amount" type="text" inputmode="decimal" placeholder="¥" value="${d.amount}" data-amount>
          <p class="hint">${t('claimAmountHint')}</p></div>
        <label for="cnote">${t('exceptionNote')}</label><textarea id="cnote" rows="2" data-claim-note>${d.note}</textarea>
        <p class="error" data-claim-error hidden></p>
        <button type="submit" class="primary" data-submit-claim ${!(d.photos.length && d.receipt) && html`disabled`}>${t('submitClaim')}</button>
      </form>
      <section class="card claims"><h3>${t('claimsHere')}</h3><ul class="claim-list" data-claims></ul></section></main>
      <div class="camera" hidden><video playsinline muted></video><div class="row">
        <button type="button" class="primary" data-shutter>${t('shutter')}</button><button type="button" data-close-camera>${t('cancel')}</button></div></div>`);
    bindHeader(this);
    this.bind();
    showPhotos(this);
    this.renderClaims();
  }

  renderClaims() {
    const ul = this.querySelector('[data-claims]');
    if (!ul) return;
    const items = claimsAt(this.storeId).map((c) => {
      const f = c.fields, r = f.reading || {};
      const tone = f.status === 'approved' ? 'ok' : f.status === 'rejected' ? 'bad' : 'wait';
      const when = f.taken_at ? formatTime(f.taken_at) : '';
      const read = r.total?.value ? `${t('readTotal')} ¥${r.total.value}${r.date?.value ? ` · ${r.date.value}` : ''}` : '';
      const why = f.status === 'rejected' && f.decision?.comment && html`<p class="hint" data-claim-comment>${f.decision.comment}</p>`;
      return html`<li data-claim="${c.id}" data-claim-status="${f.status || 'pending'}">
        <span class="chip ${tone}">${statusText(f)}</span> <strong data-claim-amount>${formatMoney(claimCents(f))}</strong>
        <p class="hint" data-claim-meta>${[when, promotionName(f)].filter(Boolean).join(' · ')}</p>
        ${c.pending > 0 && html`<span class="chip wait">${t('notSynced')}</span>`}
        ${read && html`<p class="hint">${read}</p>`}${why}
        ${(f.flags || []).length > 0 && html`<p class="warn">${f.flags.map(flagText).join(' · ')}</p>`}</li>`;
    });
    render(ul, items.length ? html`${items}` : html`<li class="empty">${t('noClaims')}</li>`);
  }

  bind() {
    const q = (sel) => this.querySelector(sel);
    q('[data-promotion]').onchange = (e) => { this.draft.promotion_id = e.target.value; this.save(); };
    q('[data-amount]').oninput = (e) => { this.draft.amount = e.target.value; this.save(); };
    q('[data-claim-note]').oninput = (e) => { this.draft.note = e.target.value; this.save(); };
    q('[data-take-photo]').onclick = () => this.startCamera();
    q('[data-close-camera]').onclick = () => { closeCamera(this.stream); q('.camera').hidden = true; };
    q('[data-shutter]').onclick = () => this.shoot();
    q('[data-receipt-file]').onchange = q('[data-receipt-pick]').onchange = (e) => this.takeReceipt(e.target.files[0]);
    q('[data-claim-form]').onsubmit = (e) => { e.preventDefault(); this.submit(); };
  }

  async startCamera() {
    const box = this.querySelector('.camera');
    box.hidden = false;
    try { this.stream = await openCamera(box.querySelector('video')); } catch { box.hidden = true; import('../reason.js').then((m) => m.notify(t('noCamera'))); }
  }

  async shoot() {
    const store = record('store', this.storeId);
    const shot = await capture(this.querySelector('.camera video'), watermarkLines(store.fields.name, lastFix(), state.me.user.display_name));
    if ((shot.dark || shot.blurred) && await (await import('../reason.js')).askRetake(shot)) return; // retake
    closeCamera(this.stream);
    this.draft.photos = [...this.draft.photos, await keepBlob(shot.blob)];
    this.draft.taken_at = this.draft.taken_at || new Date().toISOString();
    this.save();
    this.render();
  }

  async takeReceipt(file) {
    if (!file) return;
    const error = this.querySelector('[data-receipt-error]');
    try {
      const shot = await photoFromFile(file);
      if (shot.dark && !(await (await import('../reason.js')).askConfirm(t('tooDark'), [], t('useAnyway')))) return;
      this.draft.receipt = await keepBlob(shot.blob);
      this.save();
      this.render();
    } catch {
      error.textContent = t('notAPhoto');
      error.hidden = false;
    }
  }

  async submit() {
    const d = this.draft;
    const error = this.querySelector('[data-claim-error]');
    const amount = d.amount.trim() ? parseMoney(d.amount) : null;
    if (d.amount.trim() && !amount) { error.textContent = t('badAmount'); error.hidden = false; return; }
    const fields = { store_id: this.storeId, receipt: d.receipt, photos: d.photos, amount_cents: amount,
      note: d.note.trim() || null, taken_at: d.taken_at || new Date().toISOString() };
    if (d.promotion_id) fields.promotion_id = d.promotion_id;
    const visit = visitsAt(this.storeId, localDay()).find((v) => v.fields.status === 'arrived');
    if (visit) fields.visit_id = visit.id; // filed during a visit: finance sees which one
    const id = uuid7();
    if (!(await write('claim.submit', id, fields))) return;
    rememberSent(id, fields);
    this.draft = { ...EMPTY };
    await setMeta(this.draftKey(), null).catch(() => {});
    this.render();
  }
}
customElements.define('fv-claim', ClaimScreen);
