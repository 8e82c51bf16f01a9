// The microphone button under every note field. Online, text appears as the rep speaks and is
// added to what is typed; offline (or when the server cannot listen), the recording is kept on the
// phone and handed to `onRecorded`, which attaches it to a note to be transcribed after sync.
import { keepBlob } from './blobs.js';
import { html, render } from './html.js';
import { has, t } from './i18n.js';
import { uuid7 } from './ids.js';
import { record } from './recorder.js';
import { get } from './db.js';
import { by, write } from './state.js';

function appendText(area, text) {
  if (!text) return;
  const cur = area.value.replace(/\s+$/, '');
  area.value = cur ? `${cur}${/[\u3000-\u9fff]$/.test(cur) && /^[\u3000-\u9fff]/.test(text) ? '' : ' '}${text}` : text;
  area.dispatchEvent(new Event('input', { bubbles: true }));
  area.dispatchEvent(new Event('change', { bubbles: true }));
}

const MIC = html`<svg class="icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><path fill="currentColor" d="M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.9V21h2v-3.1A7 7 0 0 0 19 11h-2z"/></svg>`;
const STOP = html`<svg class="icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><rect x="6" y="6" width="12" height="12" rx="2" fill="currentColor"/></svg>`;
const label = (button, icon, text) => { render(button, html`${icon} ${text}`); button.setAttribute('aria-label', text); };

// A speech error's code in the rep's words (the server's English detail is for admins and logs).
const NO_MODEL = new Set(['model_missing', 'model_broken', 'model_unavailable']);

export function speechText(code, fallback = t('transcribeFailed')) {
  if (NO_MODEL.has(code)) return t('noModel');
  return code && /audio|refused/.test(code) ? t('badAudio') : has(`sp_${code}`) ? t(`sp_${code}`) : fallback;
}

export function micHtml() {
  const lang = document.documentElement.lang?.startsWith('zh') ? 'zh' : 'en';
  const on = html`selected`;
  return html`<div class="row mic-row" data-mic-row>
    <button type="button" class="mic" data-mic aria-label="${t('dictate')}">${MIC} ${t('dictate')}</button>
    <select data-mic-lang aria-label="${t('language')}"><option value="zh" lang="zh-CN" ${lang === 'zh' && on}>中文</option>
      <option value="en" lang="en" ${lang === 'en' && on}>English</option></select>
    <span class="mic-state" data-mic-state aria-live="polite"></span></div>`;
}

// Wire the mic row that follows `area` (rendered with micHtml()).
export function bindMic(row, area, onRecorded) {
  const button = row.querySelector('[data-mic]');
  const status = row.querySelector('[data-mic-state]');
  let session = null;
  // No model for the language: nothing would ever transcribe it, so stop now and say so.
  const noModel = async (code) => {
    const current = session; session = null;
    button.classList.remove('on');
    label(button, MIC, t('dictate'));
    status.textContent = speechText(code); status.dataset.code = code;
    await current?.stop();
  };
  button.addEventListener('click', async () => {
    if (!session) {
      button.disabled = true;
      try {
        session = await record({ lang: row.querySelector('[data-mic-lang]').value, live: {
          partial: (text) => { status.textContent = text; status.dataset.partial = text; },
          final: (text) => { appendText(area, text); status.textContent = ''; },
          error: (e) => {
            if (NO_MODEL.has(e.code) && session) { noModel(e.code); return; }
            status.textContent = speechText(e.code); status.dataset.code = e.code || '';
          },
        } });
      } catch (e) {
        status.textContent = t('micDenied');
        button.disabled = false;
        return;
      }
      button.disabled = false;
      if (NO_MODEL.has(session.liveError)) { noModel(session.liveError); return; }
      button.classList.add('on');
      label(button, STOP, t('stopDictation'));
      status.textContent = session.live ? t('listening') : session.liveError ? speechText(session.liveError) : t('recordingOffline');
      return;
    }
    const current = session; session = null;
    button.disabled = true;
    const lang = row.querySelector('[data-mic-lang]').value;
    const result = await current.stop();
    button.disabled = false; button.classList.remove('on');
    label(button, MIC, t('dictate'));
    if (result.text != null) { status.textContent = ''; return; } // live: the text is in the field
    if (!result.blob.size) { status.textContent = t('nothingRecorded'); return; }
    const sha = await keepBlob(result.blob);
    await onRecorded({ sha, mime: result.blob.type, seconds: Math.round(result.seconds * 10) / 10, lang });
    status.textContent = current.liveError ? speechText(current.liveError) : t('willTranscribe');
  });
}

// A recording made offline becomes a record of the note (created now if `noteId` is new).
export async function attachRecording({ noteId, storeId, create, text }, rec) {
  const id = uuid7();
  if (create) {
    await write('note.create', noteId, { store_id: storeId, text: text || '', lang: rec.lang, recordings: [id] });
  } else {
    await write('note.edit', noteId, { recordings: { add: [id] } });
  }
  await write('recording.create', id, { note_id: noteId, store_id: storeId, blob: rec.sha, mime: rec.mime,
    lang: rec.lang, seconds: rec.seconds, recorded_at: new Date().toISOString() });
}

export function recordingsHtml(noteId) {
  return by('recording', 'note_id', noteId).map((r) => {
    const f = r.fields;
    const stateText = f.status === 'done' ? t('transcribed') : f.status === 'failed' ? speechText(f.error_code)
      : r.pending || !f.status ? t('willTranscribe') : f.error_code || f.error ? speechText(f.error_code, t('transcribing')) : t('transcribing');
    return html`<div class="recording" data-recording-id="${r.id}" data-status="${f.status || 'local'}">
      <audio controls preload="none" data-blob="${f.blob}"></audio>
      <span class="chip ${f.status === 'done' ? 'ok' : f.status === 'failed' ? 'bad' : 'wait'}" data-recording-state>${stateText}</span></div>`;
  });
}

// Point each player at the phone's copy, or at the server's when the phone has none.
export async function loadPlayers(root) {
  for (const el of root.querySelectorAll('audio[data-blob]')) {
    if (el.src) continue;
    const row = await get('blobs', el.dataset.blob).catch(() => null);
    el.src = row ? URL.createObjectURL(row.blob) : `/api/blobs/${encodeURIComponent(el.dataset.blob)}`;
  }
}
