// Speech and OCR status: which Vosk models the server has per language and which tesseract
// languages, each missing one with the command that installs it (run on the server).
import { html, render } from '../html.js';
import { addStrings, t } from '../i18n.js';
import { api, loadInto, table } from './common.js';

addStrings({
  en: {
    ast_speech: 'Speech models (voice notes)', ast_ocr: 'OCR languages (receipts, watermarks)', ast_lang: 'Language',
    ast_model: 'Model', ast_state: 'Status', ast_installed: 'Installed', ast_loaded: 'Installed, in use',
    ast_missing: 'Not installed', ast_incomplete: 'Incomplete', ast_setup: 'To install, run on the server',
    ast_dir: 'Model folder:', ast_tesseract: 'Tesseract {v}', ast_noTesseract: 'Tesseract is not installed.',
    ast_allThere: 'Everything needed is installed.', ast_refresh: 'Check again',
    lang_zh: 'Mandarin Chinese', lang_en: 'English', lang_chi_sim: 'Simplified Chinese', lang_eng: 'English', lang_other: 'Language “{code}”',
  },
  zh: {
    ast_speech: '语音模型（语音备注）', ast_ocr: '文字识别语言（小票、水印）', ast_lang: '语言',
    ast_model: '模型', ast_state: '状态', ast_installed: '已安装', ast_loaded: '已安装，使用中',
    ast_missing: '未安装', ast_incomplete: '不完整', ast_setup: '安装方法：在服务器上运行',
    ast_dir: '模型目录：', ast_tesseract: 'Tesseract {v}', ast_noTesseract: '服务器未安装 Tesseract。',
    ast_allThere: '所需组件均已安装。', ast_refresh: '重新检查',
    lang_zh: '普通话', lang_en: '英语', lang_chi_sim: '简体中文', lang_eng: '英语', lang_other: '语言“{code}”',
  },
});

const langName = (code) => (['zh', 'en', 'chi_sim', 'eng'].includes(code) ? t(`lang_${code}`) : t('lang_other', { code }));

function state(entry) {
  if (entry.installed) return html`<span class="chip on" data-state="installed">${entry.loaded ? t('ast_loaded') : t('ast_installed')}</span>`;
  return html`<span class="chip off" data-state="missing">${entry.problem === 'incomplete' ? t('ast_incomplete') : t('ast_missing')}</span>`;
}

const setup = (entry) => entry.command
  && html`<div data-setup="${entry.code}"><span class="adm-muted">${t('ast_setup')}</span><pre class="adm-cmd"><code>${entry.command}</code></pre></div>`;

class AdminStatus extends HTMLElement {
  connectedCallback() {
    render(this, html`<div data-status-body></div>
      <div class="adm-buttons"><button type="button" class="adm-btn" data-refresh>${t('ast_refresh')}</button></div>`);
    this.querySelector('[data-refresh]').onclick = () => this.load();
    this.load();
  }

  load() {
    const body = this.querySelector('[data-status-body]');
    return loadInto(body, () => api('/api/admin/status'), ({ speech, ocr }) => {
      const ok = speech.languages.every((l) => l.installed || !['zh', 'en'].includes(l.code)) && ocr.tesseract && ocr.languages.every((l) => l.installed);
      render(body, html`${ok && html`<p class="adm-status" data-all-installed>${t('ast_allThere')}</p>`}
        <section class="card" data-speech><h3>${t('ast_speech')}</h3>
          ${table([
            [t('ast_lang'), (l) => html`<b>${langName(l.code)}</b> <code class="adm-muted">${l.code}</code>`],
            [t('ast_model'), (l) => (l.model ? html`<code>${l.model}</code>` : t('adm_none'))],
            [t('ast_state'), state],
          ], speech.languages, { key: (l) => l.code })}
          ${speech.languages.map(setup)}
          <p class="adm-muted">${t('ast_dir')} <code>${speech.models_dir}</code></p></section>
        <section class="card" data-ocr><h3>${t('ast_ocr')}</h3>
          <p class="adm-muted">${ocr.tesseract ? t('ast_tesseract', { v: ocr.version }) : t('ast_noTesseract')}</p>
          ${!ocr.tesseract && setup({ code: 'tesseract', command: ocr.command })}
          ${table([
            [t('ast_lang'), (l) => html`<b>${langName(l.code)}</b> <code class="adm-muted">${l.code}</code>`],
            [t('ast_state'), state],
          ], ocr.languages, { key: (l) => l.code })}
          ${ocr.tesseract && ocr.languages.map(setup)}</section>`);
    });
  }
}
customElements.define('fv-admin-status', AdminStatus);
