// One store: its facts, distance from here, and a link to navigate there.
import { distanceM, lastFix, locate } from '../geo.js';
import { esc, formatDistance, t } from '../i18n.js';
import { state, subscribe } from '../state.js';
import { bindHeader, header, updateNet } from './header.js';

class StoreDetail extends HTMLElement {
  connectedCallback() {
    this.unsubscribe = subscribe(() => { updateNet(this); });
    this.render(lastFix());
    locate().then((fix) => { if (fix && this.isConnected) this.render(fix); });
  }

  disconnectedCallback() { this.unsubscribe?.(); }

  render(fix) {
    const id = this.getAttribute('store-id');
    const s = state.stores.find((x) => x.id === id);
    if (!s) {
      this.innerHTML = `${header(t('stores'), { back: true })}<main><p class="empty">${t('notFound')}</p></main>`;
      bindHeader(this);
      return;
    }
    const hasCoords = s.lat != null && s.lng != null;
    const d = fix && hasCoords ? distanceM(fix, s) : null;
    this.innerHTML = `${header(s.name, { back: true })}
      <main><section class="card">
        <h2 class="store-name">${esc(s.name)}</h2>
        <dl class="facts">
          <dt>${t('code')}</dt><dd>${esc(s.code)}</dd>
          <dt>${t('address')}</dt><dd>${esc(s.address)}</dd>
          <dt>${t('channel')}</dt><dd>${esc(t('ch_' + s.channel))}</dd>
          <dt>${t('geofence')}</dt><dd>${esc(t('metres', { n: s.geofence_m }))}</dd>
          ${hasCoords ? `<dt>${t('coords')}</dt><dd>${s.lat.toFixed(5)}, ${s.lng.toFixed(5)}</dd>` : ''}
          ${d != null ? `<dt>${t('distance')}</dt><dd data-distance>${esc(formatDistance(d))}</dd>` : ''}
        </dl>
        ${hasCoords ? `<div class="actions"><a href="geo:${s.lat},${s.lng}?q=${s.lat},${s.lng}(${encodeURIComponent(s.name)})">${t('navigate')}</a></div>` : ''}
      </section></main>`;
    bindHeader(this);
  }
}
customElements.define('fv-store-detail', StoreDetail);
