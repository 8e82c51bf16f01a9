// In-app dialogs: why a confirmed day's record changes (the reason is audited), and a question to
// confirm. An OK the answer cannot take says why in the dialog and keeps it open. And a notice at
// the bottom of the screen for what went wrong outside a form (no camera), instead of alert().
import { html, render } from './html.js';
import { formatDay, t } from './i18n.js';

function ask(body, ok, check, cancel = t('cancel')) {
  return new Promise((resolve) => {
    const dialog = document.createElement('dialog');
    dialog.className = 'reason-dialog';
    render(dialog, html`<form method="dialog">${body}<p class="error" role="alert" data-dialog-error hidden></p>
      <div class="actions"><button value="cancel" data-dialog-cancel>${cancel}</button>
      <button value="ok" class="primary" data-reason-ok>${ok}</button></div></form>`);
    document.body.append(dialog);
    let answer = null;
    dialog.querySelector('form').addEventListener('submit', (e) => {
      if (e.submitter?.value !== 'ok') return;
      const [value, error] = check(dialog);
      if (error) {
        e.preventDefault();
        Object.assign(dialog.querySelector('[data-dialog-error]'), { textContent: error, hidden: false });
      } else answer = value;
    });
    dialog.addEventListener('close', () => { dialog.remove(); resolve(answer); });
    dialog.showModal();
  });
}

export function askReason(day) {
  return ask(html`<label for="reason-text">${t('confirmedChange', { day: formatDay(day) })}</label>
    <textarea id="reason-text" rows="3" maxlength="500" data-reason></textarea>`, t('save'), (d) => {
    const text = d.querySelector('[data-reason]').value.trim();
    return [text, !text && t('reasonNeeded')];
  });
}

// Resolves to true (OK) or null.
export function askConfirm(question, items = [], ok = t('confirmAnyway'), cancel = t('cancel')) {
  return ask(html`<p>${question}</p>${items.length > 0 && html`<ul class="dialog-list">${items.map((i) => html`<li>${i}</li>`)}</ul>`}`, ok, () => [true], cancel);
}

// A dark or blurred photo: true when the rep would rather take it again.
export async function askRetake(shot) {
  return !!(await askConfirm(shot.dark ? t('tooDark') : t('blurred'), [], t('retake'), t('useAnyway')));
}

// A message at the bottom of the screen that goes by itself (or on OK); one at a time.
export function notify(text) {
  document.querySelector('.banner[data-notice]')?.remove();
  const bar = document.createElement('div');
  bar.className = 'banner';
  bar.dataset.notice = '';
  bar.setAttribute('role', 'alert');
  render(bar, html`<span>${text}</span><button type="button">${t('ok')}</button>`);
  bar.querySelector('button').onclick = () => bar.remove();
  document.body.append(bar);
  setTimeout(() => bar.remove(), 8000);
}
