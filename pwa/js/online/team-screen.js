// Supervisor's to-do and dashboard: who confirmed the day (with what their phone showed) and who
// did not; the on-time rate of key actions with its definition; a rep × day heat map; route
// coverage per day; CSV exports. Drawn as inline SVG: no chart library, light on a phone. The SVGs'
// largest width is set from script after render (data-max-width): a style attribute is blocked by the CSP.
import './strings.js';
import { OfflineError, api } from '../api.js';
import { html, render } from '../html.js';
import { formatTime, t } from '../i18n.js';
import { localDay } from '../route.js';
import { bindHeader, header, supervisorTabs } from '../screens/header.js';

const KIND_LABEL = { step: 'steps', note: 'sum_notes', claim: 'sum_claims' };
const pct = (x) => `${Math.round(x * 1000) / 10}%`;

// Green at or above the healthy line, amber within 8 points under it, red below.
function tone(rate, healthy) {
  if (rate == null) return '#e4e8e6';
  if (rate >= healthy) return rate >= (1 + healthy) / 2 ? '#0b6e4f' : '#4f9d7e';
  return rate >= healthy - 0.08 ? '#e0a526' : '#b3261e';
}

export function heatmap(board) {
  const healthy = board.definition.healthy;
  const cells = new Map(board.heat.map((c) => [`${c.rep}|${c.day}`, c]));
  const left = 64, top = 22, size = 18, gap = 2;
  const w = left + board.days.length * (size + gap), h = top + board.reps.length * (size + gap);
  const days = board.days.map((d, i) => (i % 2 === 0 || board.days.length < 10)
    && html`<text x="${left + i * (size + gap) + size / 2}" y="14" text-anchor="middle">${d.slice(8)}</text>`);
  const rows = board.reps.map((r, j) => {
    const y = top + j * (size + gap);
    const squares = board.days.map((d, i) => {
      const c = cells.get(`${r.id}|${d}`);
      const rate = c && c.actions ? c.on_time / c.actions : null;
      const tip = c ? `${r.name} ${d}: ${c.actions ? pct(rate) : t('noData')} (${c.on_time}/${c.actions}) · ${c.covered}/${c.planned}` : `${r.name} ${d}: ${t('noData')}`;
      return html`<a href="#/review?rep=${encodeURIComponent(r.id)}&day=${encodeURIComponent(d)}&status=all"><rect data-cell="${r.username}|${d}" x="${left + i * (size + gap)}" y="${y}" width="${size}" height="${size}" rx="3" fill="${tone(rate, healthy)}"><title>${tip}</title></rect></a>`;
    });
    return html`<text x="${left - 6}" y="${y + size - 5}" text-anchor="end">${r.username}</text>${squares}`;
  });
  return html`<svg class="heatmap" viewBox="0 0 ${w} ${h}" data-max-width="${Math.round(w * 2.2)}" role="img" aria-label="${t('heatmap')}">${days}${rows}</svg>`;
}

export function coverageChart(board) {
  const days = board.coverage.filter((d) => d.planned);
  const max = Math.max(1, ...days.map((d) => d.planned));
  const bw = 22, gap = 6, h = 120, w = Math.max(120, days.length * (bw + gap));
  const bars = days.map((d, i) => {
    const x = i * (bw + gap), ph = (d.planned / max) * (h - 20), ch = (d.covered / max) * (h - 20);
    return html`<g data-coverage-day="${d.day}"><rect x="${x}" y="${h - 14 - ph}" width="${bw}" height="${ph}" fill="#d6e6df"/>
      <rect x="${x}" y="${h - 14 - ch}" width="${bw}" height="${ch}" fill="#0b6e4f"><title>${d.day}: ${d.covered}/${d.planned}</title></rect>
      <text x="${x + bw / 2}" y="${h - 2}" text-anchor="middle">${d.day.slice(8)}</text></g>`;
  });
  return html`<svg class="coverage" viewBox="0 0 ${w} ${h}" data-max-width="${Math.round(w * 2)}" role="img" aria-label="${t('coverage')}">${bars}</svg>`;
}

class TeamScreen extends HTMLElement {
  connectedCallback() {
    this.day = localDay();
    const end = localDay(), start = localDay(new Date(Date.now() - 13 * 86400000));
    render(this, html`${header(t('team'))}<main class="team">${supervisorTabs('team')}
      <section class="card" data-todo><p class="hint">${t('loading')}</p></section>
      <section class="card" data-board><p class="hint">${t('loading')}</p></section>
      <section class="card"><h3>${t('exportCsv')}</h3><form class="filters" data-export>
        <label>${t('from')} <input type="date" name="from" value="${start}"></label>
        <label>${t('to')} <input type="date" name="to" value="${end}"></label></form>
        <p class="actions">${['visits', 'reviews', 'confirmations'].map((k) => html`<a href="#" data-export-kind="${k}">${t(`ex_${k}`)}</a> `)}</p></section></main>`);
    bindHeader(this);
    for (const a of this.querySelectorAll('[data-export-kind]')) {
      a.onclick = (e) => {
        const f = this.querySelector('[data-export]');
        e.currentTarget.href = `/api/team/export/${a.dataset.exportKind}.csv?${new URLSearchParams({ from: f.from.value, to: f.to.value })}`;
      };
    }
    this.loadTodo().catch((e) => this.fail('[data-todo]', e));
    this.loadBoard(start, end).catch((e) => this.fail('[data-board]', e));
  }

  fail(where, e) {
    render(this.querySelector(where), html`<p class="error">${e instanceof OfflineError ? t('network') : e.message}</p>`);
  }

  async loadTodo() {
    const data = await api(`/api/team/confirmations?day=${encodeURIComponent(this.day)}`);
    const box = this.querySelector('[data-todo]');
    // A confirmation's summary is what the rep's phone sent: every figure in it is only text here.
    render(box, html`<h2>${t('todo')} <input type="date" value="${data.day}" data-todo-day aria-label="${t('todo')}"></h2>
      <p class="big" data-confirmed-count>${t('confirmedN', { n: data.confirmed, of: data.total })}</p>
      <ul class="todo">${data.reps.map((r) => {
        const s = r.summary && typeof r.summary === 'object' ? r.summary : {};
        const late = Array.isArray(s.changed_after) ? s.changed_after : [];
        return html`<li data-todo-rep="${r.rep.username}" data-confirmed="${r.confirmed}">
          <span class="chip status-${r.confirmed ? 'done' : 'missed'}">${r.confirmed ? '✓' : t('notConfirmed')}</span> <strong>${r.rep.name}</strong> <small>${r.rep.username}</small>
          ${!!r.confirmed && html`<br><small>${formatTime(r.confirmed_at)} · ${t('visitedOf', { n: s.visited ?? 0, of: s.planned ?? 0 })} · ${t('sum_exceptions')} ${s.exceptions ?? 0} · ${t('sum_photos')} ${s.photos ?? 0} · ${t('sum_claims')} ${s.claims ?? 0}${!!(s.unsynced || s.unsynced_photos) && html` · <span class="warn">${t('stillOnPhone', { ops: s.unsynced || 0, photos: s.unsynced_photos || 0 })}</span>`}</small>`}
          ${late.length > 0 && html`<br><small class="warn" data-changed-after>${t('changedAfter')}: ${late.map((c) => c?.reason).join('；')}</small>`}
          ${r.pending_review > 0 && html` <a href="#/review?rep=${encodeURIComponent(r.rep.id)}&day=${encodeURIComponent(data.day)}"><small>${t('waitingReview', { n: r.pending_review })}</small></a>`}</li>`;
      })}</ul>`);
    box.querySelector('[data-todo-day]').onchange = (e) => { this.day = e.target.value || localDay(); this.loadTodo().catch((err) => this.fail('[data-todo]', err)); };
  }

  async loadBoard(start, end) {
    const board = await api(`/api/team/dashboard?from=${start}&to=${end}`);
    const o = board.ontime, def = board.definition;
    const good = o.rate != null && o.rate >= def.healthy;
    const box = this.querySelector('[data-board]');
    render(box, html`<h2>${t('onTime')}</h2>
      <p class="big ${good ? 'ok' : 'warn'}" data-ontime-rate>${o.rate == null ? t('noData') : pct(o.rate)} <small>${t('healthy', { p: pct(def.healthy) })}</small></p>
      <p class="hint" data-definition>${t('definition', { note: def.note_hours, claim: def.claim_hours })}</p>
      <p class="hint">${Object.entries(o.by_kind).map(([k, v]) => `${t(KIND_LABEL[k] || k)} ${v.on_time}/${v.actions}`).join(' · ')}</p>
      <h3>${t('heatmap')}</h3><div class="scroll-x">${heatmap(board)}</div>
      <h3>${t('coverage')}</h3><div class="scroll-x">${coverageChart(board)}</div>
      <p class="hint"><span class="swatch planned"></span> ${t('planned')} <span class="swatch covered"></span> ${t('covered')}</p>`);
    for (const svg of box.querySelectorAll('[data-max-width]')) svg.style.maxWidth = `${svg.dataset.maxWidth}px`;
  }
}
customElements.define('fv-team', TeamScreen);
