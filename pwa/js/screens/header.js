// The top bar shared by the screens: title, network state, sync status, language and sign-out.
import { html } from '../html.js';
import { LANGS, getLang, setLang, t } from '../i18n.js';
import { signOut, state, subscribe } from '../state.js';
import './sync-status.js';

export function header(title, { back = false } = {}) {
  const other = LANGS.find(([code]) => code !== getLang());
  return html`<header class="bar">
    ${back && html`<a href="#/route" data-back aria-label="${t('back')}">‹ ${t('back')}</a>`}
    <h1>${title}</h1>
    <span class="net ${state.online ? '' : 'off'}" data-net>${state.online ? t('online') : t('offline')}</span>
    <button type="button" data-switch-lang="${other[0]}" lang="${other[0] === 'zh' ? 'zh-CN' : 'en'}">${other[1]}</button>
    ${!back && html`<button type="button" data-sign-out>${t('signOut')}</button>`}
  </header>
  <fv-sync-status></fv-sync-status>`;
}

export function bindHeader(root) {
  root.querySelector('[data-back]')?.addEventListener('click', (e) => {
    if (history.length > 1) { e.preventDefault(); history.back(); }
  });
  root.querySelector('[data-switch-lang]')?.addEventListener('click', (e) => setLang(e.currentTarget.dataset.switchLang));
  root.querySelector('[data-sign-out]')?.addEventListener('click', () => signOut());
}

// The network chip follows the network on every screen, without re-rendering the screen.
subscribe(() => {
  for (const chip of document.querySelectorAll('[data-net]')) {
    chip.classList.toggle('off', !state.online);
    chip.textContent = state.online ? t('online') : t('offline');
  }
}, ['online']);

// The supervisor's pages: the team, the review queue, the stores. The stores tab's label comes with
// the online pages' strings, loaded here when the stores list opens first (offline: "My stores").
// A rep's three tabs: today's route, all their stores, the end of day. Short labels, one line each.
export function repTabs(current) {
  return html`<nav class="tabs">${[['route', '#/route'], ['stores', '#/stores'], ['today', '#/today']]
    .map(([k, href]) => html`<a href="${href}" data-rep-tab="${k}" ${k === current && html`aria-current="page"`}>${t(`tab_${k}`)}</a>`)}</nav>`;
}

export function supervisorTabs(current) {
  const label = (k) => (t(k) === k ? '' : t(k));
  if (!label('supStores')) {
    const fill = (k) => { for (const a of document.querySelectorAll('[data-sup-tab]')) a.textContent = label(a.dataset.supTab) || t(k); };
    import('../online/strings.js').then(() => fill('supStores'), () => fill('stores'));
  }
  return html`<nav class="tabs">${[['team', '#/team'], ['reviewQueue', '#/review'], ['supStores', '#/stores']]
    .map(([k, href]) => html`<a href="${href}" data-sup-tab="${k}" ${(k === current || (current === 'allStores' && k === 'supStores')) && html`aria-current="page"`}>${label(k)}</a>`)}</nav>`;
}
