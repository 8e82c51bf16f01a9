// Promotion claims on the phone: the store's claims, money in fen shown as yuan, flags in words.
import { getMeta, setMeta } from './db.js';
import { getLang, localName, t } from './i18n.js';
import { by, list, record } from './state.js';

// A claim the server acknowledged keeps no fields on the phone until the next pull brings it back
// (after its photos upload): what was sent is kept here until then (a refused one for two days).
const SENT = 'claims-sent';
let sent = {};
export async function loadSent() { sent = { ...((await getMeta(SENT).catch(() => null)) || {}), ...sent }; }
export function rememberSent(id, fields) { sent[id] = fields; setMeta(SENT, sent).catch(() => {}); }

export function claimsAt(storeId) {
  const own = by('claim', 'store_id', storeId);
  let pruned = false;
  for (const [id, fields] of Object.entries(sent)) {
    const r = record('claim', id);
    const age = Date.now() - parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    if (r?.server || age > 2 * 864e5) { delete sent[id]; pruned = true; } else if (fields.store_id === storeId && !r?.fields?.store_id) own.push({ id, fields, pending: 0 });
  }
  if (pruned) setMeta(SENT, sent).catch(() => {});
  return own.sort((a, b) => (a.id < b.id ? 1 : -1));
}

// Promotions running on `day` that a pool of theirs can pay at a store of `channel` (`channels`
// null: any channel).
export function activePromotions(day, channel) {
  return list('promotion').filter((p) => p.fields.active && p.fields.starts_on <= day && day <= p.fields.ends_on
    && (!Array.isArray(p.fields.channels) || p.fields.channels.includes(channel)))
    .sort((a, b) => a.fields.code.localeCompare(b.fields.code));
}

// What the claim is worth as far as the phone knows: approved, claimed, or read from the receipt.
export function claimCents(f) {
  if (f.status === 'approved' && f.decision?.approved_cents != null) return f.decision.approved_cents;
  return f.amount_cents ?? parseMoney(f.reading?.total?.value);
}

// The promotion's name in the UI's language: the one chosen, else the one its matched pool is of.
export function promotionName(f) {
  const p = record('promotion', f.promotion_id) || (f.pool?.promotion && list('promotion').find((x) => x.fields.name === f.pool.promotion));
  return p ? localName(p.fields) : f.pool?.promotion || t('promotionAuto');
}

export function formatMoney(cents) {
  if (cents == null) return '—';
  return `¥${(cents / 100).toLocaleString(getLang() === 'zh' ? 'zh-CN' : 'en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

// "1,234.5" or "¥88" → fen; null when it is not an amount.
export function parseMoney(text) {
  const clean = String(text ?? '').replace(/[¥,\s]/g, '');
  if (!/^\d{1,7}(\.\d{1,2})?$/.test(clean)) return null;
  return Math.round(Number(clean) * 100);
}

export function flagText(flag) { return t(`flag_${flag}`); }

export function statusText(fields) {
  const d = fields.decision;
  switch (fields.status) {
    case 'approved': return t('claimApproved', { amount: formatMoney(d?.approved_cents) });
    case 'rejected': return t('claimRejected', { reason: t(`rr_${d?.reason}`) });
    case 'review': return t('claimReview');
    case 'reading': return t('claimReading');
    default: return t('notSynced');
  }
}
