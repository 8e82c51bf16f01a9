// The dialog that asks why a confirmed day's record changes (the reason is audited).
import { html, render } from './html.js';
import { t } from './i18n.js';

export function askReason(day) {
  return new Promise((resolve) => {
    const dialog = document.createElement('dialog');
    dialog.className = 'reason-dialog';
    render(dialog, html`<form method="dialog">
      <p>${t('confirmedChange', { day })}</p>
      <textarea name="reason" rows="3" maxlength="500" required data-reason aria-label="${t('reason')}"></textarea>
      <div class="actions"><button value="cancel" formnovalidate>${t('cancel')}</button>
      <button value="ok" class="primary" data-reason-ok>${t('save')}</button></div></form>`);
    document.body.append(dialog);
    dialog.addEventListener('close', () => {
      const text = dialog.querySelector('[data-reason]').value.trim();
      dialog.remove();
      resolve(dialog.returnValue === 'ok' && text ? text : null);
    });
    dialog.showModal();
  });
}
