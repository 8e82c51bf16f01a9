// The outcome measures as the supervisor and finance meet them: effective visits per rep per day
// against the team (horizontal bars, the team's figure as a line), and claim cycle time per week
// (the median as a bar, the 90th percentile as a tick, the case's 6.5 days as a reference line).
// Each card prints its definition and links its CSV. Inline SVG, as the team screen's charts.
import './strings.js';
import { api } from '../api.js';
import { html, render } from '../html.js';
import { formatMoney } from '../claims.js';
import { formatDay, localName, t } from '../i18n.js';

const fixed = (x, digits = 1) => (x == null ? '—' : (Math.round(x * 10 ** digits) / 10 ** digits).toString());
const pct = (x) => `${Math.round(x * 1000) / 10}%`;
const days = (hours) => (hours == null ? null : hours / 24);

function csvLink(path, params) {
  return html`<a class="csv" href="${path}?${new URLSearchParams(params)}" download data-csv="${path}">${t('exportCsv')}</a>`;
}

// One bar per rep: effective visits per day worked; the team's figure drawn across.
export function effectiveChart(data) {
  const reps = data.reps.filter((r) => r.days > 0);
  const max = Math.max(1, data.team.per_day || 0, ...reps.map((r) => r.per_day || 0));
  const left = 110, bar = 20, gap = 8, w = 360, plot = w - left - 40;
  const h = Math.max(1, reps.length) * (bar + gap) + 18;
  const x = (v) => left + (v / max) * plot;
  const rows = reps.map((r, i) => {
    const y = i * (bar + gap);
    return html`<g data-effective-rep="${r.rep.username}"><text class="rep" x="${left - 6}" y="${y + 15}" text-anchor="end">${r.rep.name || r.rep.username}</text>
      <rect x="${left}" y="${y}" width="${Math.max(1, x(r.per_day || 0) - left)}" height="${bar}" rx="3" fill="${(r.per_day || 0) >= (data.team.per_day || 0) ? '#0b6e4f' : '#8aa79b'}"><title>${t('effPerDay', { n: fixed(r.per_day, 2), days: r.days })}</title></rect>
      <text x="${x(r.per_day || 0) + 4}" y="${y + 15}">${fixed(r.per_day, 2)}</text></g>`;
  });
  const team = data.team.per_day;
  return html`<svg class="insight-chart" viewBox="0 0 ${w} ${h}" role="img" aria-label="${t('effectiveVisits')}">${rows}
    ${team != null && html`<line x1="${x(team)}" x2="${x(team)}" y1="0" y2="${h - 16}" class="ref"/><text x="${x(team)}" y="${h - 4}" text-anchor="middle" class="ref-label">${t('teamLine', { n: fixed(team, 2) })}</text>`}</svg>`;
}

export async function effectiveCard(box, start, end) {
  const data = await api(`/api/insights/effective-visits?from=${start}&to=${end}`);
  const def = data.definition;
  render(box, html`<h2>${t('effectiveVisits')}</h2>
    <p class="big" data-effective-team>${data.team.per_day == null ? t('noData') : t('effPerDay', { n: fixed(data.team.per_day, 2), days: data.team.days })}</p>
    <p class="hint" data-effective-definition>${t('effDefinition', { min: def.min_minutes })}</p>
    ${data.team.days > 0 ? html`<div class="scroll-x">${effectiveChart(data)}</div>` : html`<p class="hint">${t('noData')}</p>`}
    <p class="hint">${t('effNotCounted', {
      open: data.per_day.reduce((n, d) => n + d.open, 0), location: data.per_day.reduce((n, d) => n + d.location, 0),
      short: data.per_day.reduce((n, d) => n + d.short, 0) })}</p>
    <p class="actions">${csvLink('/api/insights/effective-visits.csv', { from: start, to: end })}</p>`);
}

// Weeks side by side: the median days from submission to decision as a bar, the p90 as a tick.
export function cycleChart(data) {
  const weeks = data.weeks.filter((w) => w.decided > 0);
  const target = data.definition.reference.claim_days_after;
  const max = Math.max(target * 1.2, ...weeks.map((w) => days(w.total_hours.p90) || 0));
  const bw = 28, gap = 12, top = 10, h = 150, base = h - 20, w = Math.max(320, weeks.length * (bw + gap) + 40);
  const y = (d) => base - (d / max) * (base - top);
  const bars = weeks.map((wk, i) => {
    const x = 30 + i * (bw + gap), med = days(wk.total_hours.median), p = days(wk.total_hours.p90);
    return html`<g data-cycle-week="${wk.week}"><rect x="${x}" y="${y(med)}" width="${bw}" height="${Math.max(1, base - y(med))}" rx="3" fill="#0b6e4f">
      <title>${t('cycleWeek', { week: wk.week, median: fixed(med), p90: fixed(p), n: wk.decided })}</title></rect>
      <line x1="${x - 3}" x2="${x + bw + 3}" y1="${y(p)}" y2="${y(p)}" class="p90"/>
      <text x="${x + bw / 2}" y="${h - 6}" text-anchor="middle">${wk.week.slice(5)}</text></g>`;
  });
  return html`<svg class="insight-chart" viewBox="0 0 ${w} ${h}" data-max-width="${w * 2}" role="img" aria-label="${t('claimCycle')}">
    <line x1="24" x2="${w}" y1="${y(target)}" y2="${y(target)}" class="ref"/><text x="${w - 2}" y="${y(target) - 4}" text-anchor="end" class="ref-label">${t('cycleTarget', { n: target })}</text>
    <line x1="24" x2="${w}" y1="${base}" y2="${base}" class="axis"/>${bars}</svg>`;
}

export async function cycleCard(box) {
  const data = await api('/api/insights/claim-cycle');
  const o = data.overall, ref = data.definition.reference;
  render(box, html`<h2>${t('claimCycle')}</h2>
    <p class="big" data-cycle-median>${o.decided ? t('cycleMedian', { median: fixed(days(o.total_hours.median)), p90: fixed(days(o.total_hours.p90)) }) : t('noData')}</p>
    <p class="hint" data-cycle-review>${o.decided ? t('cycleReview', { hours: fixed(o.review_hours.median), ref: ref.finance_review_hours }) : ''}
      ${o.open > 0 && html` · <span class="warn">${t('cycleOpen', { n: o.open, hours: fixed(o.oldest_open_hours, 0) })}</span>`}</p>
    ${o.decided > 0 && html`<div class="scroll-x">${cycleChart(data)}</div>`}
    <p class="hint">${t('cycleLegend')}</p>
    <p class="hint" data-cycle-definition>${t('cycleDefinition', { before: ref.claim_days_before, after: ref.claim_days_after })}</p>
    <p class="actions">${csvLink('/api/insights/claim-cycle.csv', { from: data.from, to: data.to })}</p>`);
  for (const svg of box.querySelectorAll('[data-max-width]')) svg.style.maxWidth = `${svg.dataset.maxWidth}px`;
}

// What slipped, each with what to do about it. Names and codes are the server's data, shown as text.
function alertText(a) {
  const rep = a.rep?.name || a.rep?.username || '';
  switch (a.kind) {
    case 'claim_waiting': return [t('al_claim_waiting', { store: a.store.name, rep, hours: fixed(a.hours, 0) }), t('do_claim_waiting')];
    case 'day_unconfirmed': return [t('al_day_unconfirmed', { rep, day: formatDay(a.day), n: a.visits }), t('do_day_unconfirmed')];
    case 'store_overdue': return [t('al_store_overdue', { store: a.store.name, code: a.store.code, n: a.missed,
      last: a.last_visit ? formatDay(a.last_visit) : t('al_never') }), t('do_store_overdue', { rep })];
    case 'pool_nearly_spent': return [t('al_pool_nearly_spent', { pool: localName(a.pool), left: formatMoney(a.left_cents),
      amount: formatMoney(a.amount_cents) }), t('do_pool_nearly_spent')];
    case 'sell_through_low': return [t('al_sell_through_low', { sku: localName(a.sku), p: pct(a.sell_through), day: formatDay(a.day),
      target: pct(a.target) }), t('do_sell_through_low')];
    default: return [a.kind, ''];
  }
}

export async function alertsCard(box, { claimLinks = false } = {}) {
  const data = await api('/api/insights/alerts');
  const item = (a) => {
    const [what, todo] = alertText(a);
    const text = claimLinks && a.kind === 'claim_waiting' ? html`<a href="#/finance/${encodeURIComponent(a.claim)}">${what}</a>` : what;
    return html`<li data-alert="${a.kind}"><span class="warn">${text}</span><br><small>${todo}</small></li>`;
  };
  // the most urgent five in sight; the rest (up to 30) one tap away, so the to-do stays near the top
  const first = data.alerts.slice(0, 5), rest = data.alerts.slice(5, 30);
  render(box, html`<h2>${t('alerts')} <small data-alert-count>${data.alerts.length}</small></h2>
    ${first.length ? html`<ul class="alerts" data-alerts-list>${first.map(item)}</ul>` : html`<p class="ok" data-no-alerts>${t('noAlerts')}</p>`}
    ${rest.length > 0 && html`<details class="more-alerts"><summary>${t('moreAlerts', { n: data.alerts.length - first.length })}</summary>
      <ul class="alerts">${rest.map(item)}</ul></details>`}`);
}
