// The durable jobs (receipt reading, transcription): filter by state with counts, a dead job's last
// error (the trace folded away), and running a dead or waiting job again.
import { html, render } from '../html.js';
import { addStrings, formatTime, t } from '../i18n.js';
import { api, busy, loadInto, table } from './common.js';

addStrings({
  en: {
    aj_states: 'Job state', aj_all: 'All', js_dead: 'Dead', js_queued: 'Queued', js_running: 'Running', js_done: 'Done',
    aj_state: 'State', aj_kind: 'Kind', aj_record: 'Record', aj_attempts: 'Attempts', aj_error: 'Last error', aj_created: 'Created',
    aj_retry: 'Retry', aj_runNow: 'Run now', aj_retrying: 'Retrying…', aj_queued: 'Queued', aj_trace: 'Details',
    aj_none: 'No jobs in this state.', aj_waits: 'Waits for a file', err_job_running: 'This job is running.', err_job_done: 'This job is finished.',
  },
  zh: {
    aj_states: '任务状态', aj_all: '全部', js_dead: '已失败', js_queued: '排队中', js_running: '运行中', js_done: '已完成',
    aj_state: '状态', aj_kind: '类型', aj_record: '记录', aj_attempts: '尝试次数', aj_error: '最后错误', aj_created: '创建时间',
    aj_retry: '重试', aj_runNow: '立即运行', aj_retrying: '正在重试…', aj_queued: '已排队', aj_trace: '详情',
    aj_none: '没有此状态的任务。', aj_waits: '等待文件上传', err_job_running: '该任务正在运行。', err_job_done: '该任务已完成。',
  },
});

const STATES = ['dead', 'queued', 'running', 'done', ''];

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
      [t('aj_kind'), (j) => html`<code>${j.kind}</code>`],
      [t('aj_record'), (j) => (j.record ? html`<code>${j.record.collection} ${j.record.id.slice(-8)}</code>` : html`<code>${j.key}</code>`)],
      [t('aj_attempts'), (j) => html`<span data-attempts>${j.attempts} / ${j.max_attempts}</span>`, { cls: 'num' }],
      [t('aj_error'), (j) => {
        const [first, ...rest] = (j.last_error || '').split('\n');
        return first ? html`<span class="adm-error" data-last-error lang="en">${first}</span>${rest.length > 0 && html`<details><summary>${t('aj_trace')}</summary><pre class="adm-cmd" lang="en">${rest.join('\n')}</pre></details>`}`
          : j.waits_for ? t('aj_waits') : t('adm_none');
      }],
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
