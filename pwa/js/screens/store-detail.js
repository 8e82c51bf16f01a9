// One store: its facts, distance from here, a link to navigate there, and the rep's notes on it.
// Notes are edited offline; a note two people changed at once shows both texts for a person to choose.
import { claimsAt } from '../claims.js';
import { distanceM, lastFix, locate } from '../geo.js';
import { html, render } from '../html.js';
import { formatDistance, formatTime, t } from '../i18n.js';
import { uuid7 } from '../ids.js';
import { by, record, subscribe, write } from '../state.js';
import { bindHeader, header } from './header.js';
import { attachRecording, bindMic, loadPlayers, micHtml, recordingsHtml } from '../dictate.js';

function notesFor(storeId) {
  return by('note', 'store_id', storeId).sort((a, b) => (a.id < b.id ? 1 : -1));
}

function openConflicts(noteId) {
  return by('conflict', 'record_id', noteId).filter((c) => c.fields.status === 'open' && c.fields.field === 'text');
}

class StoreDetail extends HTMLElement {
  connectedCallback() {
    this.editing = null;
    this.fix = lastFix();
    this.unsubscribe = subscribe(() => {
      const present = !!record('store', this.getAttribute('store-id'));
      if (present !== this.present) { this.render(); return; } // the store arrived (or left) since the last render
      if (!this.editing && !this.drafting()) this.renderNotes();
    }, ['store', 'note', 'conflict', 'recording']);
    this.render();
    locate().then((fix) => { if (fix && this.isConnected) { this.fix = fix; this.render(); } });
  }

  disconnectedCallback() { this.unsubscribe?.(); }

  drafting() { return !!this.querySelector('textarea[name=note]')?.value; }

  render() {
    const id = this.getAttribute('store-id');
    const rec = record('store', id);
    this.present = !!rec;
    if (!rec || rec.deleted) {
      render(this, html`${header(t('stores'), { back: true })}<main><p class="empty">${t('notFound')}</p></main>`);
      bindHeader(this);
      return;
    }
    const s = rec.fields;
    const hasCoords = s.lat != null && s.lng != null;
    const d = this.fix && hasCoords ? distanceM(this.fix, s) : null;
    const claims = claimsAt(id).length;
    render(this, html`${header(s.name, { back: true })}
      <main><section class="card">
        <h2 class="store-name">${s.name}</h2>
        <dl class="facts">
          <dt>${t('code')}</dt><dd>${s.code}</dd>
          <dt>${t('address')}</dt><dd>${s.address}</dd>
          <dt>${t('channel')}</dt><dd>${t('ch_' + s.channel)}</dd>
          <dt>${t('geofence')}</dt><dd>${t('metres', { n: s.geofence_m })}</dd>
          ${hasCoords && html`<dt>${t('coords')}</dt><dd>${s.lat.toFixed(5)}, ${s.lng.toFixed(5)}</dd>`}
          ${d != null && html`<dt>${t('distance')}</dt><dd data-distance>${formatDistance(d)}</dd>`}
        </dl>
        <div class="actions"><a href="#/visit/${encodeURIComponent(id)}" data-start-visit>${t('startVisit')}</a>
          <a href="#/claim/${encodeURIComponent(id)}" data-file-claim>${t('claim')}${claims ? ` (${claims})` : ''}</a></div>
        ${hasCoords && html`<div class="actions"><a href="geo:${+s.lat},${+s.lng}?q=${+s.lat},${+s.lng}(${encodeURIComponent(s.name)})">${t('navigate')}</a></div>`}
      </section>
      <section class="card notes">
        <h3>${t('notes')}</h3>
        <form data-new-note>
          <textarea name="note" rows="3" placeholder="${t('notePlaceholder')}" aria-label="${t('notes')}"></textarea>
          ${micHtml()}
          <button type="submit" class="primary" data-add-note>${t('addNote')}</button>
        </form>
        <ul class="note-list" data-notes></ul>
      </section></main>`);
    bindHeader(this);
    this.querySelector('[data-new-note]').addEventListener('submit', async (e) => {
      e.preventDefault();
      const area = e.currentTarget.note;
      const text = area.value.trim();
      if (!text) return;
      await write('note.create', uuid7(), { store_id: id, text, lang: document.documentElement.lang });
      area.value = '';
      this.renderNotes();
    });
    this.querySelector('[data-notes]').addEventListener('click', (e) => this.onNoteClick(e));
    const form = this.querySelector('[data-new-note]');
    // Offline, a dictation becomes a note of its own (with whatever was typed), transcribed after sync.
    bindMic(form.querySelector('[data-mic-row]'), form.note, async (rec) => {
      await attachRecording({ noteId: uuid7(), storeId: id, create: true, text: form.note.value.trim() }, rec);
      form.note.value = '';
      this.renderNotes();
    });
    this.renderNotes();
  }

  renderNotes() {
    const ul = this.querySelector('[data-notes]');
    if (!ul) return;
    const notes = notesFor(this.getAttribute('store-id'));
    render(ul, notes.length ? html`${notes.map((n) => this.noteHtml(n))}` : html`<li class="empty">${t('noNotes')}</li>`);
    loadPlayers(ul);
  }

  noteHtml(n) {
    const conflicts = openConflicts(n.id);
    const editing = this.editing === n.id;
    const status = n.pending > 0 && html`<span class="chip wait" data-note-pending>${t('notSynced')}</span>`;
    const body = editing
      ? html`<textarea name="edit" rows="3">${n.fields.text}</textarea>${micHtml()}
         <div class="row"><button type="button" class="primary" data-save>${t('save')}</button>
         <button type="button" data-cancel>${t('cancel')}</button></div>`
      : html`<p class="note-text" data-text>${n.fields.text}</p>
         <div class="row">${status}<button type="button" class="link" data-edit>${t('edit')}</button></div>`;
    const conflictHtml = conflicts.map((c) => html`
      <div class="conflict" data-conflict-id="${c.id}" role="group" aria-label="${t('conflict')}">
        <p><b>${t('conflict')}</b> ${t('conflictHelp')}</p>
        <div class="choice"><span class="label">${t('kept')}</span><p data-kept>${c.fields.kept}</p>
          <button type="button" data-choose="kept">${t('useThis')}</button></div>
        <div class="choice"><span class="label">${t('other')} · ${formatTime(c.fields.other_client_time)}</span>
          <p data-other>${c.fields.other}</p>
          <button type="button" data-choose="other">${t('useThis')}</button></div>
      </div>`);
    return html`<li data-note-id="${n.id}">${body}${recordingsHtml(n.id)}${conflictHtml}</li>`;
  }

  async onNoteClick(e) {
    const li = e.target.closest('[data-note-id]');
    if (!li) return;
    const id = li.dataset.noteId;
    const note = record('note', id);
    if (e.target.closest('[data-edit]')) {
      this.editing = id; this.renderNotes();
      const item = this.querySelector(`[data-note-id="${CSS.escape(id)}"]`);
      bindMic(item.querySelector('[data-mic-row]'), item.querySelector('textarea'), async (rec) => {
        await attachRecording({ noteId: id, storeId: note.fields.store_id, create: false }, rec);
      });
      item.querySelector('textarea')?.focus();
      return;
    }
    if (e.target.closest('[data-cancel]')) { this.editing = null; this.renderNotes(); return; }
    const base = { text: note.server?.versions?.text || 0 };
    if (e.target.closest('[data-save]')) {
      const text = this.querySelector(`[data-note-id="${CSS.escape(id)}"] textarea`).value;
      this.editing = null;
      if (text !== note.fields.text) await write('note.edit', id, { text }, { base });
      this.renderNotes();
      return;
    }
    const choose = e.target.closest('[data-choose]');
    if (choose) {
      const box = choose.closest('[data-conflict-id]');
      const conflict = record('conflict', box.dataset.conflictId);
      const text = conflict.fields[choose.dataset.choose];
      await write('note.edit', id, { text }, { base, resolves: [conflict.id] });
      box.remove();
    }
  }
}
customElements.define('fv-store-detail', StoreDetail);
