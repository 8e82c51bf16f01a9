// New products and the stores to send them to, as the supervisor (and an admin) meet them:
// a launch's distribution and sell-through week by week since its launch (two lines, its target
// dashed) with the definitions printed beside them and the figures per rep; and the
// store-potential ranking's top stores, each with the factors that put it there, with trial
// samples allocated to them in one action. Inline SVG, as the other cards; names are data, shown as text.
import './strings.js';
import { ApiError, api } from '../api.js';
import { html, render } from '../html.js';
import { formatDay, localName, t } from '../i18n.js';

const pct = (x) => (x == null ? '—' : `${Math.round(x * 1000) / 10}%`);

function csvLink(path) {
  return html`<a class="csv" href="${path}" download data-csv="${path}">${t('exportCsv')}</a>`;
}

// Weeks along the bottom, 0–100 % up the side: distribution, sell-through, the target.
export function launchChart(report) {
  const s = report.series;
  const w = Math.max(320, s.length * 26 + 40), h = 170, left = 34, top = 10, base = h - 24;
  const x = (i) => left + (s.length > 1 ? (i / (s.length - 1)) * (w - left - 10) : 0);
  const y = (v) => base - (v || 0) * (base - top);
  const line = (key) => s.map((p, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)} ${y(p[key]).toFixed(1)}`).join(' ');
  const every = Math.max(1, Math.ceil(s.length / 8));
  const target = report.sku.target;
  return html`<svg class="insight-chart launch-chart" viewBox="0 0 ${w} ${h}" data-max-width="${w * 2}" role="img" aria-label="${t('launchChart')}">
    ${[0, 0.5, 1].map((v) => html`<line x1="${left}" x2="${w}" y1="${y(v)}" y2="${y(v)}" class="axis"/><text x="${left - 4}" y="${y(v) + 4}" text-anchor="end">${v * 100}%</text>`)}
    ${target != null && html`<line x1="${left}" x2="${w}" y1="${y(target)}" y2="${y(target)}" class="ref"/><text x="${left + 4}" y="${y(target) - 4}" class="ref-label">${t('lc_target', { p: pct(target) })}</text>`}
    <path d="${line('distribution')}" class="series dist"/><path d="${line('sell_through')}" class="series sell"/>
    ${s.map((p, i) => html`<g data-launch-week="${p.day}"><circle cx="${x(i)}" cy="${y(p.distribution)}" r="3" class="dot dist"><title>${t('lc_point', { day: formatDay(p.day), dist: pct(p.distribution), sell: pct(p.sell_through) })}</title></circle>
      <circle cx="${x(i)}" cy="${y(p.sell_through)}" r="3" class="dot sell"/>
      ${i % every === 0 && html`<text x="${x(i)}" y="${h - 8}" text-anchor="middle">${p.day.slice(5)}</text>`}</g>`)}</svg>`;
}

function repRows(report) {
  return html`<table class="rep-figures" data-launch-reps><thead><tr><th>${t('lc_rep')}</th><th>${t('lc_distribution')}</th><th>${t('lc_sellThrough')}</th></tr></thead>
    <tbody>${report.reps.map((r) => html`<tr data-launch-rep="${r.rep.username}"><td>${r.rep.name || r.rep.username}</td>
      <td><span class="meter"><span class="fill dist" data-width="${Math.round((r.distribution || 0) * 100)}"></span></span> ${pct(r.distribution)}</td>
      <td><span class="meter"><span class="fill sell" data-width="${Math.round((r.sell_through || 0) * 100)}"></span></span> ${pct(r.sell_through)} <small>${r.sold}/${r.placed}</small></td></tr>`)}</tbody></table>`;
}

function sizeBars(box) {
  for (const svg of box.querySelectorAll('[data-max-width]')) svg.style.maxWidth = `${svg.dataset.maxWidth}px`;
  for (const bar of box.querySelectorAll('[data-width]')) bar.style.width = `${bar.dataset.width}%`;
}

export async function launchCard(box) {
  const { items } = await api('/api/insights/launches');
  if (!items.length) { render(box, html`<h2>${t('launches')}</h2><p class="hint">${t('noLaunches')}</p>`); return; }
  const show = async (code) => {
    const r = await api(`/api/insights/launches/${encodeURIComponent(code)}`);
    const l = r.latest, low = l.sell_through != null && r.sku.target != null && l.sell_through < r.sku.target;
    render(box, html`<h2>${t('launches')}</h2>
      ${items.length > 1 && html`<label class="launch-pick">${t('lc_pick')} <select data-launch-pick>${items.map((i) => html`<option value="${i.code}" ${i.code === code && html`selected`}>${localName(i)}</option>`)}</select></label>`}
      <p class="hint">${t('lc_launched', { name: localName(r.sku), day: formatDay(r.sku.launch_date) })}</p>
      <div class="figures"><p><span class="big" data-distribution>${pct(l.distribution)}</span><br><small>${t('lc_distribution')} · ${t('lc_onShelf', { n: l.on_shelf, of: l.stores })}</small></p>
        <p><span class="big ${low ? 'warn' : 'ok'}" data-sell-through>${pct(l.sell_through)}</span><br><small>${t('lc_sellThrough')} · ${t('lc_sold', { n: l.sold, of: l.placed, pending: l.pending })}</small></p></div>
      <div class="scroll-x">${launchChart(r)}</div>
      <p class="hint"><span class="swatch dist"></span> ${t('lc_distribution')} <span class="swatch sell"></span> ${t('lc_sellThrough')}</p>
      <p class="hint" data-launch-definition>${t('lc_definition', { days: r.definition.window_days })}</p>
      <details class="launch-reps"><summary>${t('lc_perRep')}</summary><div class="scroll-x">${repRows(r)}</div></details>
      <p class="actions">${csvLink(`/api/insights/launches/${encodeURIComponent(code)}/csv`)}</p>`);
    sizeBars(box);
    const pick = box.querySelector('[data-launch-pick]');
    if (pick) pick.onchange = () => show(pick.value).catch((e) => render(box, html`<p class="error">${e.message}</p>`));
  };
  await show(items[0].code);
}

function factorText(f) {
  const name = f.key.startsWith('channel_') ? t(`ch_${f.key.slice(8)}`) : t(`pf_${f.key}`);
  return html`<span class="factor ${f.effect > 0 ? 'up' : 'down'}" data-factor="${f.key}">${f.effect > 0 ? '▲' : '▼'} ${name}</span>`;
}

export async function potentialCard(box) {
  const data = await api('/api/insights/potential?top_only=true&limit=10');
  const m = data.model;
  if (!m) { render(box, html`<h2>${t('potential')}</h2><p class="hint">${t('pt_none')}</p>`); return; }
  const done = data.samples;
  render(box, html`<h2>${t('potential')}</h2>
    <p class="big" data-top-count>${t('pt_top', { n: data.top_total, share: Math.round((m.top_share || 0.2) * 100) })}</p>
    <p class="hint" data-model>${t('pt_model', { v: m.version, day: formatDay(m.trained_at.slice(0, 10)), sku: m.trained_on })}
      ${m.backtest && html`<br>${t('pt_backtest', { from: m.backtest.trained_on, to: m.trained_on, auc: m.backtest.auc.toFixed(2), lift: m.backtest.lift_top20.toFixed(1) })}`}</p>
    <ol class="ranking" data-ranking>${data.items.map((i) => html`<li data-rank-store="${i.store.code}"><span class="rank">${i.rank}</span>
      <span class="who"><strong>${i.store.name}</strong> <small>${i.store.code} · ${i.rep?.name || ''}</small><br>${i.factors.map(factorText)}</span>
      <span class="score" title="${t('pt_score')}">${Math.round(i.score * 100)}%</span></li>`)}</ol>
    ${data.total > data.items.length && html`<p class="hint">${t('pt_more', { n: data.total - data.items.length })}</p>`}
    <div class="samples" data-samples>${done ? html`<p class="ok" data-samples-done>${t('pt_sent', { n: done.stores, units: done.units, by: done.by })}</p>`
      : html`<form class="row" data-samples-form><label>${t('pt_perStore')} <input type="number" name="per_store" min="1" max="100" value="2" inputmode="numeric"></label>
        <button type="submit" data-send-samples>${t('pt_send', { n: data.top_total })}</button></form><p class="error" data-samples-error role="alert" hidden></p>`}</div>
    <p class="hint">${t('pt_how')}</p>
    <p class="actions">${csvLink('/api/insights/potential.csv')}</p>`);
  const form = box.querySelector('[data-samples-form]');
  if (!form) return;
  form.onsubmit = async (e) => {
    e.preventDefault();
    const button = form.querySelector('button'), error = box.querySelector('[data-samples-error]');
    button.disabled = true;
    button.textContent = t('pt_sending');
    error.hidden = true;
    try {
      await api(`/api/insights/potential/${m.version}/samples`, { method: 'POST', body: { per_store: Number(form.per_store.value) || 2 } });
      await potentialCard(box);
    } catch (err) {
      button.disabled = false;
      button.textContent = t('pt_send', { n: data.top_total });
      error.textContent = err instanceof ApiError && err.code === 'model_outdated' ? t('pt_outdated') : err.message;
      error.hidden = false;
    }
  };
}
