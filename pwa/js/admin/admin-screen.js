// The admin console (online only, not precached): the header, a nav of sections and the section
// shown (#/admin/<key>). Each section is a module pwa/js/admin/<key>.js defining <fv-admin-<key>>,
// imported when first opened; one that cannot load says so instead of a blank page.
import { html, render } from '../html.js';
import { addStrings, t } from '../i18n.js';
import { bindHeader, header } from '../screens/header.js';
import './common.js';

addStrings({
  en: {
    adm_title: 'Administration', adm_sections: 'Sections', adm_unavailable: 'This section is not available yet.',
    adm_offline: 'No connection to the server. The console needs the network.',
    nav_users: 'Users', nav_teams: 'Regions & teams', nav_stores: 'Stores', nav_catalog: 'Catalogues',
    nav_allocations: 'Allocations', nav_promotions: 'Promotions', nav_templates: 'Visit templates', nav_jobs: 'Jobs',
    nav_status: 'Speech & OCR',
  },
  zh: {
    adm_title: '系统管理', adm_sections: '管理栏目', adm_unavailable: '此栏目暂不可用。',
    adm_offline: '无法连接服务器，管理后台需要联网使用。',
    nav_users: '用户', nav_teams: '区域与团队', nav_stores: '门店', nav_catalog: '产品目录',
    nav_allocations: '物料配额', nav_promotions: '促销活动', nav_templates: '拜访模板', nav_jobs: '后台任务',
    nav_status: '语音与识别',
  },
});

// [key, module, label key], in the nav's order; the first is the default.
export const SECTIONS = [
  ['users', './users.js', 'nav_users'],
  ['teams', './teams.js', 'nav_teams'],
  ['stores', './stores.js', 'nav_stores'],
  ['catalog', './catalog.js', 'nav_catalog'],
  ['allocations', './allocations.js', 'nav_allocations'],
  ['promotions', './promotions.js', 'nav_promotions'],
  ['templates', './templates.js', 'nav_templates'],
  ['jobs', './jobs.js', 'nav_jobs'],
  ['status', './status.js', 'nav_status'],
];

// The stylesheet comes with the console.
if (!document.querySelector('link[data-admin-css]')) {
  const link = Object.assign(document.createElement('link'), { rel: 'stylesheet', href: '/js/admin/admin.css' });
  link.dataset.adminCss = '';
  document.head.append(link);
}

class AdminScreen extends HTMLElement {
  static get observedAttributes() { return ['section']; }

  connectedCallback() { this.draw(); }

  attributeChangedCallback() { if (this.isConnected) this.draw(); }

  draw() {
    const wanted = this.getAttribute('section');
    const [key, module, label] = SECTIONS.find(([k]) => k === wanted) || SECTIONS[0];
    render(this, html`${header(t('adm_title'))}<main class="admin">
      <nav class="adm-nav" aria-label="${t('adm_sections')}">${SECTIONS.map(([k, , l]) =>
        html`<a href="#/admin/${k}" data-nav="${k}" ${k === key && html`aria-current="page"`}>${t(l)}</a>`)}</nav>
      <section class="adm-body" data-section="${key}" aria-labelledby="adm-h"><h2 id="adm-h">${t(label)}</h2>
        <div data-section-body><p class="hint">${t('adm_loading')}</p></div></section></main>`);
    // An admin's phone keeps no records and does not sync: no sync bar.
    this.querySelector('fv-sync-status')?.remove();
    bindHeader(this);
    document.title = `${t(label)} · ${t('adm_title')}`;
    const body = this.querySelector('[data-section-body]');
    const tag = `fv-admin-${key}`;
    import(module).then(() => {
      if (!body.isConnected) return;
      if (!customElements.get(tag)) throw new Error('missing');
      body.replaceChildren(document.createElement(tag));
    }).catch(() => {
      if (!body.isConnected) return;
      render(body, html`<p class="empty" data-unavailable>${navigator.onLine ? t('adm_unavailable') : t('adm_offline')}</p>`);
    });
  }
}
customElements.define('fv-admin', AdminScreen);
