// Today's route, computed on the phone from the stores' visit cycles (works offline).
import { distanceM } from './geo.js';

const DAY_MS = 86400000;

export function localDay(date = new Date()) {
  const p = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}`;
}

function isoWeekday(day) { // 1 = Monday … 7 = Sunday
  const d = new Date(`${day}T12:00:00`).getDay();
  return d === 0 ? 7 : d;
}

// Planned on `day`: its weekday is among the store's visit days, and the week is one of its cycle.
export function plannedOn(store, day) {
  const days = (store.visit_days || '').split(',').filter(Boolean).map(Number);
  if (!days.includes(isoWeekday(day))) return false;
  const weeks = store.cycle_weeks || 1;
  if (weeks === 1) return true;
  // Noon UTC, not local: across a DST change two local noons are not whole days apart.
  const elapsed = Math.floor((Date.parse(`${day}T12:00:00Z`) - Date.parse(`${store.cycle_anchor || '2026-01-05'}T12:00:00Z`)) / (7 * DAY_MS));
  return ((elapsed % weeks) + weeks) % weeks === 0;
}

// A supervisor's fixed order wins; otherwise nearest neighbour from where the rep stands.
export function order(stores, from) {
  if (stores.some((s) => s.route_order != null)) {
    return [...stores].sort((a, b) => (a.route_order ?? 1e9) - (b.route_order ?? 1e9) || a.code.localeCompare(b.code));
  }
  if (!from) return [...stores].sort((a, b) => a.code.localeCompare(b.code));
  const left = stores.filter((s) => s.lat != null && s.lng != null);
  const out = [];
  let here = from;
  while (left.length) {
    let best = 0;
    for (let i = 1; i < left.length; i++) if (distanceM(here, left[i]) < distanceM(here, left[best])) best = i;
    here = left.splice(best, 1)[0];
    out.push(here);
  }
  return out.concat(stores.filter((s) => s.lat == null || s.lng == null));
}

// done / in progress / missed / planned, from the day's visits.
export function statusOf(store, visits, { day, now = new Date(), dayEndsAt = 18 } = {}) {
  const mine = visits.filter((v) => v.store_id === store.id && v.day === day);
  if (mine.some((v) => v.status === 'checked_out')) return 'done';
  if (mine.length) return 'in_progress';
  const past = day < localDay(now) || (day === localDay(now) && now.getHours() >= dayEndsAt);
  return past ? 'missed' : 'planned';
}
