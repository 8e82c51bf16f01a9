// The sync status a rep reads at a glance: what waits, what is only on the phone, when the last
// sync worked, progress while syncing, errors in words. Tap for details and "Sync now".
import { getAll } from '../db.js';
import { esc, formatTime, t } from '../i18n.js';
import { state, subscribe } from '../state.js';
import { syncNow } from '../sync.js';

class SyncStatus extends HTMLElement {
  connectedCallback() {
    this.open = false;
    this.unsubscribe = subscribe(() => this.render());
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
    if (s.pending || s.blobs) return { cls: 'wait', text: t('waiting', { n: s.pending + s.blobs }) };
    if (!s.lastSuccess) return { cls: 'wait', text: t('neverSynced') }; // not "all synced" before the first sync
    return { cls: 'ok', text: t('synced') };
  }

  async render() {
    const s = state.sync;
    const { cls, text } = this.summary();
    const warn = s.storageLow ? t('storageLow') : s.stale ? t('staleData') : '';
    let failed = '';
    if (this.open && s.failed) {
      const rows = await getAll('failed').catch(() => []);
      failed = `<ul class="failed">${rows.map((f) => `<li><b>${esc(f.op.type)}</b> — ${esc(f.detail || f.code)}</li>`).join('')}</ul>`;
    }
    this.innerHTML = `<button type="button" class="sync ${cls}" data-toggle aria-expanded="${this.open}">
        <span data-sync-summary>${esc(text)}</span>${warn ? ' ⚠' : ''}</button>
      ${this.open ? `<div class="sync-panel card" role="dialog">
        <dl class="facts">
          <dt>${t('opsWaiting')}</dt><dd data-pending>${s.pending}</dd>
          <dt>${t('blobsOnPhone')}</dt><dd data-blobs>${s.blobs}</dd>
          <dt>${t('lastSync')}</dt><dd data-last>${esc(formatTime(s.lastSuccess))}</dd>
          ${s.failed ? `<dt>${t('refused')}</dt><dd>${s.failed}</dd>` : ''}
        </dl>
        ${s.error ? `<p class="error">${esc(s.error === 'offline' ? t('network') : s.error)}</p>` : ''}
        ${warn ? `<p class="warn">${esc(warn)}</p>` : ''}
        ${failed}
        <button type="button" class="primary" data-sync-now ${state.online ? '' : 'disabled'}>${t('syncNow')}</button>
      </div>` : ''}`;
  }
}
customElements.define('fv-sync-status', SyncStatus);
