// Promotion claims on the phone: the store's claims, money in fen shown as yuan, flags in words.
import { getLang, t } from './i18n.js';
import { by, list } from './state.js';

export function claimsAt(storeId) {
  return by('claim', 'store_id', storeId).sort((a, b) => (a.id < b.id ? 1 : -1));
}

export function activePromotions(day) {
  return list('promotion').filter((p) => p.fields.active && p.fields.starts_on <= day && day <= p.fields.ends_on)
    .sort((a, b) => a.fields.code.localeCompare(b.fields.code));
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
