// Sign-in screen. Signing in needs the server, so it is not precached: it loads when first shown.
import { ApiError, OfflineError } from '../api.js';
import { html, render } from '../html.js';
import { LANGS, addStrings, getLang, has, setLang, t } from '../i18n.js';
import { HOMES, signIn, state } from '../state.js';

addStrings({
  en: {
    signIn: 'Sign in', username: 'Username', password: 'Password', signingIn: 'Signing in…',
    needOnline: 'The first sign-in needs a connection.',
    bad_credentials: 'Wrong username or password. {n} attempts left.', bad_credentials_one: 'Wrong username or password. 1 attempt left.',
    login_locked_account: 'Too many failed sign-ins for this account. Try again in {minutes} min.',
    login_locked_address: 'Too many failed sign-ins from this network. Try again in {minutes} min.',
    session_expired: 'Your session has ended; sign in again.',
  },
  zh: {
    signIn: '登录', username: '用户名', password: '密码', signingIn: '正在登录…',
    needOnline: '首次登录需要联网。',
    bad_credentials: '用户名或密码错误，还可尝试 {n} 次。',
    login_locked_account: '该账号登录失败次数过多，请 {minutes} 分钟后再试。',
    login_locked_address: '该网络登录失败次数过多，请 {minutes} 分钟后再试。',
    session_expired: '登录已过期，请重新登录。',
  },
});

export function errorText(e) {
  if (e instanceof OfflineError) return t('network');
  if (e instanceof ApiError) {
    if (has(e.code)) {
      const extra = e.extra || {};
      return t(e.code, { n: extra.attempts_left, ...extra, minutes: Math.ceil((extra.retry_after || 60) / 60) });
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
        location.hash = `#${HOMES[state.me?.user.role] || '/route'}`;
      } catch (e) {
        error.textContent = errorText(e); error.hidden = false;
        button.disabled = false; button.textContent = t('signIn');
      }
    });
  }
}
customElements.define('fv-login', LoginScreen);
