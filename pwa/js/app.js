// App entry: registers the service worker, restores state from IndexedDB and routes by hash.
import { HOMES, loadLocal, onReasonNeeded, state, subscribe } from './state.js';
import { startSync } from './sync.js';
import { t } from './i18n.js';
import { html, render } from './html.js';
import './screens/route-screen.js';
import './screens/store-list.js';

onReasonNeeded(async (day) => (await import('./reason.js')).askReason(day));

// The first screens come with the app, the others load when first opened; those in online/ need
// the network anyway and are not precached, which keeps a rep's offline shell small.
const SCREENS = {
  'fv-visit': './screens/visit-screen.js',
  'fv-store-detail': './screens/store-detail.js',
  'fv-claim': './screens/claim-screen.js',
  'fv-today': './screens/today-screen.js',
  'fv-login': './online/login-screen.js',
  'fv-finance': './online/finance-screen.js',
  'fv-review': './online/review-screen.js',
  'fv-team': './online/team-screen.js',
  'fv-admin': './admin/admin-screen.js',
};

class FvApp extends HTMLElement {
  connectedCallback() {
    this.current = null;
    window.addEventListener('hashchange', () => this.route());
    window.addEventListener('fv:lang', () => this.route(true));
    subscribe(() => this.route(), ['me']);
    let syncingFor = null;
    subscribe(() => {
      // Sync whenever someone (new) is signed in; an admin works online and keeps no records.
      const id = state.me?.user.id || null;
      if (id && id !== syncingFor && state.me.user.role !== 'admin') { syncingFor = id; startSync(); }
      if (!id) syncingFor = null;
    }, ['me']);
    loadLocal().then(() => this.route());
  }

  route(force = false) {
    const role = state.me?.user.role;
    const admin = role === 'admin';
    const home = HOMES[role] || '/route';
    let hash = location.hash.slice(1);
    if (state.me && (!hash || (hash === '/route' && home !== '/route'))) {
      hash = home; // the address says where one is: a supervisor's start is #/team, not a rep's #/route
      history.replaceState(null, '', `#${home}`);
    }
    let tag = hash.startsWith('/stores') ? 'fv-store-list' : 'fv-route', param = null, attr = 'store-id';
    if (!state.me) tag = 'fv-login';
    else if (admin && !hash.startsWith('/review') && !hash.startsWith('/finance')) { // the console, or what it links to
      tag = 'fv-admin'; attr = 'section'; param = hash.startsWith('/admin/') ? decodeURIComponent(hash.slice(7)) : null;
    }
    else if (hash.startsWith('/stores/')) { tag = 'fv-store-detail'; param = decodeURIComponent(hash.slice(8)); }
    else if (hash.startsWith('/visit/')) { tag = 'fv-visit'; param = decodeURIComponent(hash.slice(7)); }
    else if (hash.startsWith('/claim/')) { tag = 'fv-claim'; param = decodeURIComponent(hash.slice(7)); }
    else if (hash === '/today') tag = 'fv-today';
    else if (hash.startsWith('/review')) { tag = 'fv-review'; attr = 'query'; param = hash.split('?')[1] || null; }
    else if (hash.startsWith('/team')) tag = 'fv-team';
    else if (hash.startsWith('/finance')) {
      tag = 'fv-finance'; attr = 'claim-id'; param = hash.startsWith('/finance/') ? decodeURIComponent(hash.slice(9)) : null;
    }
    if (SCREENS[tag]) {
      // The element upgrades when its module arrives; offline on first use, say so instead of a blank page.
      import(SCREENS[tag]).catch(() => {
        if (this.current === `${tag}:${param}`) render(this, html`<p class="error" data-needs-network>${t('network')}</p>`);
      });
    }
    const key = `${tag}:${param}`;
    if (!force && key === this.current) return;
    this.current = key;
    const el = document.createElement(tag);
    if (param) el.setAttribute(attr, param);
    this.replaceChildren(el);
  }
}
customElements.define('fv-app', FvApp);

// Service worker: precache the shell; when a new version waits, offer to switch.
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js').then((reg) => {
    const offer = (worker) => {
      if (!worker || !navigator.serviceWorker.controller) return;
      const bar = document.createElement('div');
      bar.className = 'banner';
      render(bar, html`<span>${t('update')}</span><button type="button">${t('reload')}</button>`);
      bar.querySelector('button').onclick = () => { window.__fvAskedUpdate = true; worker.postMessage('skip-waiting'); };
      document.body.append(bar);
    };
    if (reg.waiting) offer(reg.waiting);
    reg.addEventListener('updatefound', () => {
      const worker = reg.installing;
      worker?.addEventListener('statechange', () => { if (worker.state === 'installed') offer(worker); });
    });
  }).catch((e) => console.warn('service worker not registered', e));
  let reloading = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (reloading || !window.__fvAskedUpdate) return;
    reloading = true; location.reload();
  });
}
// Keep what the phone stores from being evicted under storage pressure.
navigator.storage?.persist?.().catch(() => {});
