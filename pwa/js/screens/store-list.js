// Today's stores: the rep's stores from IndexedDB, searchable, nearest first when the position is known.
import { distanceM, lastFix, locate } from '../geo.js';
import { html, render } from '../html.js';
import { formatDistance, formatTime, t } from '../i18n.js';
import { list, state, subscribe } from '../state.js';
import { bindHeader, header, repTabs, supervisorTabs } from './header.js';

const CHUNK = 50;
const byCode = new Intl.Collator().compare; // as localeCompare, without its cost per call

class StoreList extends HTMLElement {
  connectedCallback() {
    this.query = '';
    this.shown = CHUNK;
    this.fix = lastFix();
    render(this, html`${header(t('stores'))}
      <main>
        ${state.me?.user.role === 'supervisor' ? supervisorTabs('allStores') : repTabs('stores')}
        <input class="search" type="search" placeholder="${t('search')}" aria-label="${t('search')}">
        <div class="meta"><span data-count></span><span data-updated></span></div>
        <ul class="stores" data-list></ul>
        <div data-more></div>
      </main>`);
    bindHeader(this);
    const input = this.querySelector('.search');
    input.addEventListener('input', () => { this.query = input.value.trim().toLowerCase(); this.shown = CHUNK; this.renderList(); });
    this.unsubscribe = subscribe((changed) => {
      if (!changed || changed.has('store')) this.renderList();
      else this.updated();
    }, ['store', 'sync']);
    this.renderList();
    locate().then((fix) => { if (fix && this.isConnected) { this.fix = fix; this.renderList(); } });
  }

  disconnectedCallback() { this.unsubscribe?.(); }

  updated() {
    this.querySelector('[data-updated]').textContent = t('updated', { t: formatTime(state.sync.lastSuccess) });
  }

  rows() {
    const q = this.query, fix = this.fix;
    let rows = list('store').map((r) => ({ id: r.id, s: r.fields, d: null }));
    if (q) rows = rows.filter(({ s }) => s.name.toLowerCase().includes(q) || s.code.toLowerCase().includes(q) || (s.address || '').toLowerCase().includes(q));
    if (fix) {
      for (const row of rows) row.d = row.s.lat == null ? Infinity : distanceM(fix, row.s);
      return rows.sort((a, b) => a.d - b.d);
    }
    return rows.sort((a, b) => byCode(a.s.code, b.s.code));
  }

  renderList() {
    const rows = this.rows();
    const ul = this.querySelector('[data-list]');
    this.querySelector('[data-count]').textContent = t('count', { n: rows.length });
    this.updated();
    if (!rows.length) {
      render(ul, html`<li class="empty">${this.query ? t('noStores') : t('noStoresAssigned')}</li>`);
    } else {
      render(ul, html`${rows.slice(0, this.shown).map(({ id, s, d }) => html`<li data-store-id="${id}"><a href="#/stores/${encodeURIComponent(id)}">
        <span class="name">${s.name}</span>
        <span class="dist">${d != null && d !== Infinity && formatDistance(d)}</span>
        <span class="addr"><span class="chip">${t('ch_' + s.channel)}</span>${s.address}</span></a></li>`)}`);
    }
    const more = this.querySelector('[data-more]');
    const left = rows.length - this.shown;
    render(more, html`${left > 0 && html`<button type="button" class="more">${t('showMore', { n: left })}</button>`}`);
    more.querySelector('button')?.addEventListener('click', () => { this.shown += CHUNK * 4; this.renderList(); });
    if (rows.length && !this.marked) { this.marked = true; performance.mark('fv:stores-rendered'); }
  }
}
customElements.define('fv-store-list', StoreList);
