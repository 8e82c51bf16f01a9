// End of day: what today held — planned stores visited and missed, steps, photos, claims,
// exceptions, and what is still only on this phone — and a tap to confirm it (asked once more while
// planned stores are unvisited). Works offline: the confirmation is a record like any other and
// reaches the supervisor at the next sync. After it, the figures follow later changes and show
// what changed since.
// Below it, the supervisor's decisions on this rep's recent check-ins (a rejection says why).
import { html, render } from '../html.js';
import { countsText, formatDay, formatTime, joinList, t } from '../i18n.js';
import { uuid7 } from '../ids.js';
import { localDay, plannedOn } from '../route.js';
import { by, confirmedDay, list, record, state, subscribe, write } from '../state.js';
import { refreshCounts } from '../sync.js';
import { bindHeader, header, repTabs } from './header.js';

// A record made on this phone carries its creation time in its UUIDv7 id.
const createdDay = (id) => localDay(new Date(parseInt(id.replace(/-/g, '').slice(0, 12), 16)));

// Every planned store of the day not visited yet, by name: the screen lists all of them (in a box
// that scrolls), the confirmation record keeps the first 20.
function missedStores(day) {
  const visited = new Set(by('visit', 'day', day).map((v) => v.fields.store_id));
  return list('store').filter((r) => plannedOn(r.fields, day) && !visited.has(r.id)).map((r) => r.fields.name);
}

export function daySummary(day) {
  const stores = list('store').map((r) => ({ id: r.id, ...r.fields }));
  const planned = stores.filter((s) => plannedOn(s, day));
  const visits = by('visit', 'day', day);
  const visited = new Set(visits.map((v) => v.fields.store_id));
  const steps = visits.flatMap((v) => by('step', 'visit_id', v.id));
  const missed = missedStores(day);
  return {
    planned: planned.length,
    visited: planned.length - missed.length,
    missed: missed.length,
    unplanned: [...visited].filter((id) => !planned.some((s) => s.id === id)).length,
    steps_done: steps.filter((s) => s.fields.status === 'done').length,
    exceptions: steps.filter((s) => s.fields.status === 'excepted').length,
    photos: steps.reduce((n, s) => n + (s.fields.photos || []).length, 0),
    notes: list('note').filter((n) => createdDay(n.id) === day).length,
    claims: list('claim').filter((c) => createdDay(c.id) === day).length,
    unsynced: state.sync.pending,
    unsynced_photos: state.sync.blobs,
    missed_stores: missed.slice(0, 20), // what the confirmation keeps (the record takes 20)
  };
}

const FIGURES = ['visited', 'missed', 'unplanned', 'steps_done', 'exceptions', 'photos', 'notes', 'claims'];

class TodayScreen extends HTMLElement {
  connectedCallback() {
    render(this, html`${header(t('today'))}<main class="today">
      ${repTabs('today')}
      <section class="card" data-day-summary></section>
      <section class="card" data-decisions></section></main>`);
    bindHeader(this);
    // The sync state matters here only for what is still on the phone.
    this.unsubscribe = subscribe((changed) => {
      if (changed?.size === 1 && changed.has('sync') && this.shown === `${state.sync.pending}/${state.sync.blobs}`) return;
      this.render();
    }, ['store', 'visit', 'step', 'note', 'claim', 'day', 'sync']);
    refreshCounts().then(() => this.render());
    this.render();
  }

  disconnectedCallback() { this.unsubscribe?.(); }

  render() {
    this.shown = `${state.sync.pending}/${state.sync.blobs}`;
    const day = localDay();
    const done = confirmedDay(day);
    const sum = daySummary(day);
    const was = done?.fields.summary || {};
    const changed = done ? ['planned', ...FIGURES].filter((k) => Number.isInteger(was[k]) && was[k] !== sum[k]) : [];
    const waiting = sum.unsynced + sum.unsynced_photos;
    const missed = missedStores(day);
    const left = new Set(missed);
    const since = done && Array.isArray(was.missed_stores) ? was.missed_stores.filter((n) => !left.has(n)) : [];
    render(this.querySelector('[data-day-summary]'), html`
      <h2>${t('daySummary', { day: formatDay(day) })}</h2>
      <p class="big">${t('visitedOf', { n: sum.visited, of: sum.planned })}</p>
      <dl class="figures">${FIGURES.map((k) => html`<div data-fig="${k}"><dt>${t(`sum_${k}`)}</dt><dd>${sum[k] ?? 0}</dd>${changed.includes(k) && html`<small class="was">${t('wasN', { n: was[k] })}</small>`}</div>`)}</dl>
      ${(changed.length > 0 || since.length > 0) && html`<p class="warn" data-changed-after>${t('changedAfterConfirm')}: ${changed.map((k) => `${t(`sum_${k}`)} ${was[k]} → ${sum[k]}`).join(' · ')}${since.length > 0 && html`<br>${t('visitedSince')}: ${joinList(since)}`}</p>`}
      ${missed.length > 0 && html`<details class="missed" data-missed ${!done && html`open`}><summary>${t('missedStores')} (${sum.missed})</summary>
        <ul>${missed.map((n) => html`<li>${n}</li>`)}</ul></details>`}
      <p class="${waiting ? 'warn' : 'ok'}" data-unsynced>${waiting ? t('stillOnPhone', { what: countsText(sum.unsynced || 0, sum.unsynced_photos || 0) }) : t('synced')}</p>
      ${done
        ? html`<p class="confirmed" data-confirmed>✓ ${t('confirmedAt', { time: formatTime(done.fields.confirmed_at) })}${done.pending > 0 && ` · ${t('notSynced')}`}</p>`
        : html`<button type="button" class="primary big-button" data-confirm-day>${t('confirmToday')}</button>`}`);
    this.querySelector('[data-confirm-day]')?.addEventListener('click', async (e) => {
      const button = e.currentTarget, now = daySummary(day);
      button.disabled = true;
      if (now.missed > 0 && !(await (await import('../reason.js')).askConfirm(t('confirmMissed', { n: now.missed }), missedStores(day)))) {
        button.disabled = false;
        return;
      }
      await write('day.confirm', uuid7(), { day, confirmed_at: new Date().toISOString(), summary: now });
    });
    this.renderDecisions();
  }

  // The supervisor's decisions on recent visits, rejections first.
  renderDecisions() {
    const decided = list('visit').filter((v) => v.fields.review?.status)
      .sort((a, b) => (a.fields.review.status === 'rejected' ? 0 : 1) - (b.fields.review.status === 'rejected' ? 0 : 1)
        || String(b.fields.day).localeCompare(String(a.fields.day)))
      .slice(0, 20);
    render(this.querySelector('[data-decisions]'), html`<h3>${t('decisions')}</h3>${decided.length
      ? html`<ul class="decisions">${decided.map((v) => {
        const r = v.fields.review;
        const store = record('store', v.fields.store_id)?.fields.name || '';
        return html`<li data-decision="${v.id}" data-status="${r.status}"><span class="chip status-${r.status === 'rejected' ? 'missed' : 'done'}">${t(`rv_${r.status}`)}</span>
          ${store} · ${formatDay(v.fields.day)}${r.reason && html`<br><strong data-reject-reason>${t(`vr_${r.reason}`)}</strong>`}
          ${r.comment && html`<br><span data-reject-comment>“${r.comment}”</span>`}${r.by && html` <small>— ${r.by}</small>`}</li>`;
      })}</ul>`
      : html`<p class="hint">${t('noDecisions')}</p>`}`);
  }
}
customElements.define('fv-today', TodayScreen);
