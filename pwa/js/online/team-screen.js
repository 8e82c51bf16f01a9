// Supervisor's to-do and dashboard: who confirmed the day (with what their phone showed) and who
// did not; the on-time rate of key actions with its definition; a rep × day heat map; route
// coverage per day; CSV exports. Drawn as inline SVG: no chart library, light on a phone. The SVGs'
// largest width is set from script after render (data-max-width): a style attribute is blocked by the CSP.
import './strings.js';
import { OfflineError, api } from '../api.js';
import { html, render } from '../html.js';
import { countsText, formatTime, t } from '../i18n.js';
import { localDay } from '../route.js';
import { bindHeader, header, supervisorTabs } from '../screens/header.js';
import { alertsCard, effectiveCard } from './insights.js';
import { launchCard, potentialCard } from './outlets.js';

const KIND_LABEL = { step: 'steps', note: 'sum_notes', claim: 'sum_claims' };
const pct = (x) => `${Math.round(x * 1000) / 10}%`;

// Green at or above the healthy line, amber within 8 points under it, red below.
const TONES = { top: '#0b6e4f', healthy: '#4f9d7e', near: '#e0a526', low: '#b3261e', none: '#e4e8e6' };
function band(rate, healthy) {
  if (rate == null) return 'none';
  if (rate >= healthy) return rate >= (1 + healthy) / 2 ? 'top' : 'healthy';
  return rate >= healthy - 0.08 ? 'near' : 'low';
}
const tone = (rate, healthy) => TONES[band(rate, healthy)];

// What each colour means, with the day's figures behind it.
export function heatLegend(healthy) {
  const top = (1 + healthy) / 2, near = Math.max(0, healthy - 0.08);
  const bands = [['top', `≥ ${pct(top)}`], ['healthy', `${pct(healthy)} – ${pct(top)}`], ['near', `${pct(near)} – ${pct(healthy)}`],
    ['low', `< ${pct(near)}`], ['none', t('noData')]];
  return html`<ul class="heat-legend" data-heat-legend aria-label="${t('heatLegend')}">${bands.map(([b, text]) => html`<li data-band="${b}"><span class="swatch band-${b}"></span> ${text}</li>`)}</ul>`;
}

// Rep × day at 44 px a square (a tap target on a phone): the names stay put while the squares
// scroll sideways in their own box (not the page); a tap or Enter on a square says its figures
// below the map, with a link to those visits.
export function heatmap(board) {
  const healthy = board.definition.healthy;
  const cells = new Map(board.heat.map((c) => [`${c.rep}|${c.day}`, c]));
  const wide = (name) => [...String(name || '')].reduce((n, ch) => n + (/[\u2e80-\uffff]/.test(ch) ? 14 : 8), 0);
  const left = Math.min(150, Math.max(48, ...board.reps.map((r) => wide(r.name || r.username)))) + 10;
  const top = 24, size = 44, gap = 4;
  const w = board.days.length * (size + gap), h = top + board.reps.length * (size + gap);
  const days = board.days.map((d, i) => html`<text x="${i * (size + gap) + size / 2}" y="16" text-anchor="middle">${d.slice(8)}</text>`);
  const names = board.reps.map((r, j) => html`<text class="rep" x="${left - 8}" y="${top + j * (size + gap) + size / 2 + 5}" text-anchor="end" data-rep-name="${r.username}">${r.name || r.username}</text>`);
  const rows = board.reps.map((r, j) => {
    const y = top + j * (size + gap);
    const name = r.name || r.username;
    const squares = board.days.map((d, i) => {
      const c = cells.get(`${r.id}|${d}`);
      const rate = c && c.actions ? c.on_time / c.actions : null;
      const info = c && c.actions ? t('cellInfo', { rep: name, day: d, rate: pct(rate), on: c.on_time, n: c.actions, covered: c.covered, planned: c.planned })
        : t('cellNone', { rep: name, day: d });
      return html`<rect data-cell="${r.username}|${d}" data-rep-id="${r.id}" data-day="${d}" data-info="${info}" data-band="${band(rate, healthy)}"
        x="${i * (size + gap)}" y="${y}" width="${size}" height="${size}" rx="5" fill="${tone(rate, healthy)}" tabindex="0" role="button" aria-label="${info}"></rect>`;
    });
    return squares;
  });
  return html`<div class="heat-wrap" data-heat-box><svg class="heat-names" width="${left}" height="${h}" viewBox="0 0 ${left} ${h}" aria-hidden="true">${names}</svg>
    <div class="scroll-x heat-scroll" data-heat-scroll><svg class="heatmap" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="group" aria-label="${t('heatmap')}">${days}${rows}</svg></div></div>`;
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
      <section class="card" data-alerts><p class="hint">${t('loading')}</p></section>
      <section class="card" data-todo><p class="hint">${t('loading')}</p></section>
      <section class="card" data-board><p class="hint">${t('loading')}</p></section>
      <section class="card" data-launch><p class="hint">${t('loading')}</p></section>
      <section class="card" data-potential><p class="hint">${t('loading')}</p></section>
      <section class="card" data-effective><p class="hint">${t('loading')}</p></section>
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
    alertsCard(this.querySelector('[data-alerts]')).catch((e) => this.fail('[data-alerts]', e));
    this.loadTodo().catch((e) => this.fail('[data-todo]', e));
    this.loadBoard(start, end).catch((e) => this.fail('[data-board]', e));
    effectiveCard(this.querySelector('[data-effective]'), start, end).catch((e) => this.fail('[data-effective]', e));
    launchCard(this.querySelector('[data-launch]')).catch((e) => this.fail('[data-launch]', e));
    potentialCard(this.querySelector('[data-potential]')).catch((e) => this.fail('[data-potential]', e));
  }

  fail(where, e) {
    render(this.querySelector(where), html`<p class="error">${e instanceof OfflineError ? t('network') : e.message}</p>`);
  }

  async loadTodo() {
    const data = await api(`/api/team/confirmations?day=${encodeURIComponent(this.day)}`);
    const box = this.querySelector('[data-todo]');
    // A confirmation's summary is what the rep's phone sent: every figure in it is only text here.
    render(box, html`<h2 class="todo-head">${t('todo')} <input type="date" value="${data.day}" data-todo-day aria-label="${t('todo')}"></h2>
      <p class="big" data-confirmed-count>${t('confirmedN', { n: data.confirmed, of: data.total })}</p>
      <ul class="todo">${data.reps.map((r) => {
        const s = r.summary && typeof r.summary === 'object' ? r.summary : {};
        const late = Array.isArray(s.changed_after) ? s.changed_after : [];
        return html`<li data-todo-rep="${r.rep.username}" data-confirmed="${r.confirmed}">
          <span class="chip status-${r.confirmed ? 'done' : 'missed'}">${r.confirmed ? '✓' : t('notConfirmed')}</span> <strong>${r.rep.name}</strong> <small>${r.rep.username}</small>
          ${!!r.confirmed && html`<br><small>${formatTime(r.confirmed_at)} · ${t('visitedOf', { n: s.visited ?? 0, of: s.planned ?? 0 })} · ${t('sum_exceptions')} ${s.exceptions ?? 0} · ${t('sum_photos')} ${s.photos ?? 0} · ${t('sum_claims')} ${s.claims ?? 0}${!!(s.unsynced || s.unsynced_photos) && html` · <span class="warn">${t('stillOnPhone', { what: countsText(s.unsynced || 0, s.unsynced_photos || 0) })}</span>`}</small>`}
          ${late.length > 0 && html`<br><small class="warn" data-changed-after>${t('changedAfter')}: ${late.map((c) => c?.reason).join('；')}</small>`}
          ${r.pending_review > 0 && html`<br><a class="to-review" data-to-review href="#/review?rep=${encodeURIComponent(r.rep.id)}&day=${encodeURIComponent(data.day)}">${t('waitingReview', { n: r.pending_review })} ›</a>`}</li>`;
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
      <h3>${t('heatmap')}</h3>${heatLegend(def.healthy)}<p class="hint">${t('tapCell')}</p>
      ${heatmap(board)}<p class="cell-info" role="status" data-cell-info hidden></p>
      <h3>${t('coverage')}</h3><div class="scroll-x">${coverageChart(board)}</div>
      <p class="hint"><span class="swatch planned"></span> ${t('planned')} <span class="swatch covered"></span> ${t('covered')}</p>`);
    for (const svg of box.querySelectorAll('[data-max-width]')) svg.style.maxWidth = `${svg.dataset.maxWidth}px`;
    const scroller = box.querySelector('[data-heat-scroll]');
    scroller.scrollLeft = scroller.scrollWidth; // the latest days first
    const show = (cell) => {
      for (const other of box.querySelectorAll('rect.on')) other.classList.remove('on');
      cell.classList.add('on');
      const q = new URLSearchParams({ rep: cell.dataset.repId, day: cell.dataset.day, status: 'all' });
      const out = box.querySelector('[data-cell-info]');
      render(out, html`<span data-cell-text>${cell.dataset.info}</span> <a href="#/review?${q}">${t('openReview')}</a>`);
      out.hidden = false;
    };
    for (const cell of box.querySelectorAll('rect[data-cell]')) {
      cell.addEventListener('click', () => show(cell));
      cell.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); show(cell); } });
    }
  }
}
customElements.define('fv-team', TeamScreen);
