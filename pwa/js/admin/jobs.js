// The durable jobs (receipt reading, transcription): filter by state with counts, a dead job's last
// error (the trace folded away), and running a dead or waiting job again.
import { html, render } from '../html.js';
import { addStrings, formatTime, has, t } from '../i18n.js';
import { api, busy, loadInto, table } from './common.js';

addStrings({
  en: {
    aj_states: 'Job state', aj_all: 'All', js_dead: 'Dead', js_queued: 'Queued', js_running: 'Running', js_done: 'Done',
    aj_state: 'State', aj_kind: 'Kind', aj_record: 'Record', aj_attempts: 'Attempts', aj_error: 'Last error', aj_created: 'Created',
    aj_retry: 'Retry', aj_runNow: 'Run now', aj_retrying: 'Retrying…', aj_queued: 'Queued', aj_trace: 'Details',
    aj_none: 'No jobs in this state.', aj_waits: 'Waits for a file', err_job_running: 'This job is running.', err_job_done: 'This job is finished.',
    jk_read_claim: 'Read receipt', jk_transcribe: 'Transcribe recording', jk_inspect_checkin: 'Check check-in photo',
    jr_claim: 'Claim', jr_recording: 'Recording', jr_visit: 'Visit', aj_recordOf: '{what} · {id}',
    je_waiting_upload: 'Waiting for the photo or recording to be uploaded.', je_waited_too_long: 'Gave up: the file was never uploaded.',
    je_ocr_failed: 'The receipt could not be read (text recognition failed).', je_crashed: 'Stopped on an unexpected server error.',
    je_failed: 'The job failed.',
  },
  zh: {
    aj_states: '任务状态', aj_all: '全部', js_dead: '已失败', js_queued: '排队中', js_running: '运行中', js_done: '已完成',
    aj_state: '状态', aj_kind: '类型', aj_record: '记录', aj_attempts: '尝试次数', aj_error: '最后错误', aj_created: '创建时间',
    aj_retry: '重试', aj_runNow: '立即运行', aj_retrying: '正在重试…', aj_queued: '已排队', aj_trace: '详情',
    aj_none: '没有此状态的任务。', aj_waits: '等待文件上传', err_job_running: '该任务正在运行。', err_job_done: '该任务已完成。',
    jk_read_claim: '识别小票', jk_transcribe: '录音转文字', jk_inspect_checkin: '检查签到照片',
    jr_claim: '核销', jr_recording: '录音', jr_visit: '拜访', aj_recordOf: '{what} · {id}',
    je_waiting_upload: '正在等待照片或录音上传。', je_waited_too_long: '已放弃：文件一直没有上传。',
    je_ocr_failed: '小票无法识别（文字识别失败）。', je_crashed: '服务器出现意外错误，任务已停止。',
    je_failed: '任务失败。',
  },
});

const STATES = ['dead', 'queued', 'running', 'done', ''];

// A job kind, record collection or error code in words; one the console does not know stays as the
// server names it, marked as code.
function words(prefix, name) {
  return has(`${prefix}${name}`) ? t(`${prefix}${name}`) : html`<code lang="en">${name}</code>`;
}

function record(j) {
  if (!j.record) return html`<code lang="en">${j.key}</code>`;
  const { collection, id } = j.record;
  return html`<span data-record title="${id}">${has(`jr_${collection}`) ? t('aj_recordOf', { what: t(`jr_${collection}`), id: id.slice(-8) })
    : html`<code lang="en">${collection} ${id.slice(-8)}</code>`}</span>`;
}

// The last error in words (by its error_code), the server's own text folded away as the detail.
function lastError(j) {
  if (!j.last_error) return j.waits_for ? t('aj_waits') : t('adm_none');
  const [first, ...rest] = j.last_error.split('\n');
  return html`<div class="adm-job-error"><span class="${j.error_code === 'waiting_upload' ? 'adm-muted' : 'adm-error'}" data-last-error>${t(`je_${has(`je_${j.error_code}`) ? j.error_code : 'failed'}`)}</span>
    <details class="adm-detail"><summary>${t('aj_trace')}</summary><code lang="en" data-raw-error>${first}</code>${rest.length > 0 && html`<pre class="adm-cmd" lang="en">${rest.join('\n')}</pre>`}</details></div>`;
}

class AdminJobs extends HTMLElement {
  connectedCallback() {
    this.state = this.state ?? 'dead';
    render(this, html`<div class="adm-tabs" role="group" aria-label="${t('aj_states')}" data-states></div><div data-list></div>`);
    this.load();
  }

  load() {
    const q = new URLSearchParams({ limit: 100, ...(this.state ? { state: this.state } : {}) });
    return loadInto(this.querySelector('[data-list]'), () => api(`/api/admin/jobs?${q}`), (data) => this.draw(data));
  }

  draw(data) {
    const total = Object.values(data.counts).reduce((a, b) => a + b, 0);
    const bar = this.querySelector('[data-states]');
    render(bar, html`${STATES.map((s) => html`<button type="button" class="adm-btn" data-job-filter="${s}" aria-pressed="${s === this.state ? 'true' : 'false'}">
      ${s ? t(`js_${s}`) : t('aj_all')} <span class="adm-count">${s ? data.counts[s] ?? 0 : total}</span></button>`)}`);
    for (const b of bar.querySelectorAll('[data-job-filter]')) b.onclick = () => { this.state = b.dataset.jobFilter; this.load(); };
    const list = this.querySelector('[data-list]');
    render(list, table([
      [t('aj_state'), (j) => html`<span class="chip ${j.state === 'dead' ? 'off' : j.state === 'done' ? 'on' : 'warn'}" data-state>${t(`js_${j.state}`)}</span>`],
      [t('aj_kind'), (j) => html`<span data-job-kind>${words('jk_', j.kind)}</span>`],
      [t('aj_record'), record],
      [t('aj_attempts'), (j) => html`<span data-attempts>${j.attempts} / ${j.max_attempts}</span>`, { cls: 'num' }],
      [t('aj_error'), lastError],
      [t('aj_created'), (j) => formatTime(j.created_at)],
      [t('adm_actions'), (j) => ((j.state === 'dead' || j.state === 'queued')
        ? html`<button type="button" class="adm-btn" data-retry="${j.id}">${j.state === 'dead' ? t('aj_retry') : t('aj_runNow')}</button>` : '')],
    ], data.items, { empty: t('aj_none') }));
    for (const b of list.querySelectorAll('[data-retry]')) {
      b.onclick = async () => {
        const job = await busy(b, () => api(`/api/admin/jobs/${encodeURIComponent(b.dataset.retry)}/retry`, { method: 'POST' }),
          { busyText: t('aj_retrying'), doneText: t('aj_queued') });
        if (!job) return;
        const row = b.closest('tr');
        row.querySelector('[data-state]').textContent = t(`js_${job.state}`);
        row.querySelector('[data-attempts]').textContent = `${job.attempts} / ${job.max_attempts}`;
        b.dataset.retried = '';
      };
    }
  }
}
customElements.define('fv-admin-jobs', AdminJobs);
