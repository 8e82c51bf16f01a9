// Sign-in screen.
import { ApiError, OfflineError } from '../api.js';
import { html, render } from '../html.js';
import { LANGS, getLang, has, setLang, t } from '../i18n.js';
import { signIn, state } from '../state.js';

export function errorText(e) {
  if (e instanceof OfflineError) return t('network');
  if (e instanceof ApiError) {
    if (has(e.code)) {
      const extra = e.extra || {};
      return t(e.code, { ...extra, minutes: Math.ceil((extra.retry_after || 60) / 60) });
    }
    return e.message;
  }
  return String(e.message || e);
}

class LoginScreen extends HTMLElement {
  connectedCallback() {
    render(this, html`
      <main><form class="card login" novalidate>
        <div class="langs">${LANGS.map(([code, label]) =>
          html`<button type="button" data-lang="${code}" aria-pressed="${code === getLang()}">${label}</button>`)}</div>
        <h1>${t('app')}</h1>
        <label for="u">${t('username')}</label>
        <input id="u" name="username" type="text" autocomplete="username" autocapitalize="none" required>
        <label for="p">${t('password')}</label>
        <input id="p" name="password" type="password" autocomplete="current-password" required>
        <button class="primary" type="submit">${t('signIn')}</button>
        <p class="error" role="alert" ${!state.sessionEnded && html`hidden`}>${state.sessionEnded && t('session_expired')}</p>
      </form></main>`);
    this.querySelectorAll('[data-lang]').forEach((b) => b.addEventListener('click', () => setLang(b.dataset.lang)));
    const form = this.querySelector('form');
    const error = this.querySelector('.error');
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const button = form.querySelector('button[type=submit]');
      const username = form.username.value.trim(), password = form.password.value;
      if (!username || !password) return;
      if (!navigator.onLine) { error.textContent = t('needOnline'); error.hidden = false; return; }
      button.disabled = true; button.textContent = t('signingIn'); error.hidden = true;
      try {
        await signIn(username, password);
        location.hash = '#/route';
      } catch (e) {
        error.textContent = errorText(e); error.hidden = false;
        button.disabled = false; button.textContent = t('signIn');
      }
    });
  }
}
customElements.define('fv-login', LoginScreen);
