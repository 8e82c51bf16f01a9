// Today's route: the stores planned for today, in order, each done / in progress / missed.
import { distanceM, lastFix, locate } from '../geo.js';
import { html, render } from '../html.js';
import { formatDistance, localName, t } from '../i18n.js';
import { localDay, order, plannedOn, statusOf } from '../route.js';
import { by, list, subscribe } from '../state.js';
import { bindHeader, header, repTabs } from './header.js';

class RouteScreen extends HTMLElement {
  connectedCallback() {
    this.fix = lastFix();
    render(this, html`${header(t('route'))}
      <main>
        ${repTabs('route')}
        <div class="meta"><span data-route-count></span><span data-route-day></span></div>
        <ul class="alerts" data-rep-alerts></ul>
        <ol class="stores route" data-route></ol>
      </main>`);
    bindHeader(this);
    this.unsubscribe = subscribe(() => this.renderRoute(), ['store', 'visit', 'alert']);
    this.renderRoute();
    locate().then((fix) => { if (fix && this.isConnected) { this.fix = fix; this.renderRoute(); } });
  }

  disconnectedCallback() { this.unsubscribe?.(); }

  renderRoute() {
    const day = localDay();
    const stores = list('store').map((r) => ({ id: r.id, ...r.fields })).filter((s) => plannedOn(s, day));
    const visits = by('visit', 'day', day).map((r) => ({ id: r.id, ...r.fields })); // statusOf looks at the day's only
    const ordered = order(stores, this.fix);
    const counts = { done: 0 };
    const items = ordered.map((s, i) => {
      const status = statusOf(s, visits, { day });
      counts[status] = (counts[status] || 0) + 1;
      const d = this.fix && s.lat != null ? formatDistance(distanceM(this.fix, s)) : '';
      return html`<li data-route-store="${s.id}" data-status="${status}"><a href="#/stores/${encodeURIComponent(s.id)}">
        <span class="name"><span class="seq">${i + 1}</span>${s.name}</span>
        <span class="dist">${d}</span>
        <span class="addr"><span class="chip status-${status}" data-route-status>${t(`st_${status}`)}</span>${s.address}</span></a></li>`;
    });
    // what slipped, from the server's daily evaluation: what, and what to do
    const alerts = list('alert').filter((a) => a.fields.active).map((a) => html`<li data-rep-alert>${localName(a.fields, 'text')}</li>`);
    render(this.querySelector('[data-rep-alerts]'), html`${alerts.slice(0, 3)}${alerts.length > 3 && html`<li><details class="missed">
      <summary>${t('moreAlerts', { n: alerts.length - 3 })}</summary><ul class="alerts">${alerts.slice(3)}</ul></details></li>`}`);
    render(this.querySelector('[data-route]'), items.length ? html`${items}` : html`<li class="empty">${t('nothingPlanned')}</li>`);
    this.querySelector('[data-route-count]').textContent = t('routeCount', { done: counts.done, n: ordered.length });
    this.querySelector('[data-route-day]').textContent = day;
    if (!this.marked && ordered.length) { this.marked = true; performance.mark('fv:route-rendered'); }
  }
}
customElements.define('fv-route', RouteScreen);
