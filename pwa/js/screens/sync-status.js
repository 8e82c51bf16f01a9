// The sync status a rep reads at a glance: what waits, what is only on the phone, when the last
// sync worked, progress while syncing, errors in words. Tap for details and "Sync now".
import { getAll } from '../db.js';
import { html, render } from '../html.js';
import { countsText, formatTime, has, localName, t } from '../i18n.js';
import { list, state, subscribe } from '../state.js';
import { syncNow } from '../sync.js';


const WARN = html`<svg class="icon" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true"><path fill="currentColor" d="M12 2 1 21h22L12 2zm1 15h-2v2h2v-2zm0-7h-2v5h2v-5z"/></svg>`;

class SyncStatus extends HTMLElement {
  connectedCallback() {
    this.open = false;
    this.unsubscribe = subscribe(() => this.render(), ['sync', 'online']);
    this.addEventListener('click', (e) => {
      if (e.target.closest('[data-sync-now]')) { this.open = false; syncNow(); this.render(); return; }
      if (e.target.closest('[data-toggle]')) { this.open = !this.open; this.render(); }
    });
    this.render();
  }

  disconnectedCallback() { this.unsubscribe?.(); }

  summary() {
    const s = state.sync;
    if (s.phase !== 'idle') {
      const pct = s.total ? Math.min(100, Math.round((100 * s.done) / s.total)) : null;
      return { cls: 'busy', text: pct === null ? t(`sync_${s.phase}`) : `${t(`sync_${s.phase}`)} ${pct}%` };
    }
    if (s.error && s.error !== 'offline') return { cls: 'bad', text: t('syncError') };
    if (s.pending || s.blobs) return { cls: 'wait', text: t('waiting', { n: countsText(s.pending, s.blobs) }) };
    if (!s.lastSuccess) return { cls: 'wait', text: t('neverSynced') }; // not "all synced" before the first sync
    return s.failed ? { cls: 'wait', text: `${t('synced')} · ${t('refused')}: ${s.failed}` } : { cls: 'ok', text: t('synced') };
  }

  async render() {
    const s = state.sync;
    const { cls, text } = this.summary();
    const warn = s.storageLow ? t('storageLow') : s.stale ? t('staleData') : '';
    let failed = '';
    if (this.open && s.failed) {
      const rows = await getAll('failed').catch(() => []);
      const op = (type) => (has(`op_${String(type).replace('.', '_')}`) ? t(`op_${String(type).replace('.', '_')}`) : t('op_other'));
      // A refused step says which step: its title in the template, or the key it was sent with.
      const step = (key) => {
        const found = key && list('template').flatMap((tpl) => tpl.fields.steps || []).find((st) => st.key === key);
        return found ? html` · ${localName(found)}` : key && html` · <code>${key}</code>`;
      };
      failed = html`<ul class="failed">${rows.map((f) => html`<li data-failed-op="${f.op.type}"><b>${op(f.op.type)}</b>${step(f.op.fields?.step)} — ${has(`rj_${f.code}`) ? t(`rj_${f.code}`) : t('rj_other')}
        ${f.op.fields?.text && html`<br><small>${f.op.fields.text}</small>`}</li>`)}</ul>`;
    }
    render(this, html`<button type="button" class="sync ${cls}" data-toggle aria-expanded="${this.open}">
        <span data-sync-summary>${text}</span>${warn && html` <span data-sync-warn role="img" aria-label="${t('storageWarn')}">${WARN}</span>`}</button>
      ${this.open && html`<div class="sync-panel card" role="dialog">
        <dl class="facts">
          <dt>${t('opsWaiting')}</dt><dd data-pending>${s.pending}</dd>
          <dt>${t('blobsOnPhone')}</dt><dd data-blobs>${s.blobs}</dd>
          <dt>${t('lastSync')}</dt><dd data-last>${formatTime(s.lastSuccess)}</dd>
          ${!!s.failed && html`<dt>${t('refused')}</dt><dd>${s.failed}</dd>`}
        </dl>
        ${s.error && html`<p class="error" data-sync-error>${s.error === 'offline' ? t('network') : t('syncError')}</p>`}
        ${warn && html`<p class="warn">${warn}</p>`}
        ${failed}
        <button type="button" class="primary" data-sync-now ${!state.online && html`disabled`}>${t('syncNow')}</button>
      </div>`}`);
  }
}
customElements.define('fv-sync-status', SyncStatus);
