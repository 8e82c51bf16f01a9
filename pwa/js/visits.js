// Visit rules on the phone, mirroring server/visits: which template, which step is unlocked,
// whether a step's answers are complete. The server checks the same again when the visit syncs.
import { by, list, record } from './state.js';

export const EXCEPTION_REASONS = ['store_closed', 'owner_refused', 'strategic_customer', 'no_stock_delivered', 'safety', 'other'];

export function templateFor(channel) {
  const active = list('template').filter((t) => t.fields.active);
  return active.find((t) => t.fields.channels.includes(channel)) || active.find((t) => t.fields.code === 'standard');
}

export function templateById(id) { const t = record('template', id); return t && !t.deleted ? t : undefined; }

export function visitsAt(storeId, day) {
  return by('visit', 'store_id', storeId).filter((v) => v.fields.day === day);
}

export function stepsOf(visitId) {
  const out = {};
  for (const s of by('step', 'visit_id', visitId)) out[s.fields.step] = s;
  return out;
}

function empty(v) { return v == null || v === '' || (Array.isArray(v) && !v.length) || (typeof v === 'object' && !Array.isArray(v) && !Object.keys(v).length); }

export function missing(step, answers) {
  const out = [];
  for (const f of step.fields) {
    const v = answers[f.key];
    if (empty(v)) { if (f.required) out.push(f.key); continue; }
    let ok = true;
    if (f.type === 'photos' || f.type === 'barcodes') ok = Array.isArray(v) && v.length >= (f.min || 1) && (f.max == null || v.length <= f.max);
    else if (f.type === 'yesno') ok = typeof v === 'boolean';
    else if (f.type === 'number') ok = typeof v === 'number' && (f.min == null || v >= f.min);
    else if (['facings', 'stock', 'materials'].includes(f.type)) ok = typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((n) => Number.isInteger(n) && n >= 0) && (!f.required || Object.values(v).some((n) => n > 0));
    else if (f.type === 'choice') ok = f.options.includes(v);
    else if (f.type === 'text') ok = typeof v === 'string' && !!v.trim();
    if (!ok) out.push(f.key);
  }
  return out;
}

// This month's POSM allocation less what the rep's visits placed (and `draft`, being entered now).
export function remainingMaterials(day, draft = {}) {
  const month = day.slice(0, 7);
  const left = {};
  for (const a of list('allocation')) if (a.fields.period === month) left[a.fields.material_code] = a.fields.quantity;
  for (let d = 1; d <= 31; d++) {
    for (const v of by('visit', 'day', `${month}-${String(d).padStart(2, '0')}`)) {
      for (const s of by('step', 'visit_id', v.id)) {
        if (s.fields.step !== 'materials') continue;
        for (const [code, n] of Object.entries(s.fields.answers?.placed || {})) if (code in left) left[code] -= n;
      }
    }
  }
  for (const [code, n] of Object.entries(draft || {})) if (code in left) left[code] -= n;
  return left;
}

// The material codes `placed` would take past this month's allocation (what is left, `placed` counted, below 0).
export function overAllocated(day, placed) {
  const left = remainingMaterials(day, placed);
  return Object.keys(placed || {}).filter((code) => left[code] < 0);
}

// The first step not yet done or excepted; steps after it stay locked.
export function currentStep(template, steps) {
  return template.fields.steps.find((s) => !steps[s.key]) || null;
}
