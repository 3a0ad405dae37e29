/** How money, dates and the API's enum values read in the interface. */

import { ORDER_TYPE, anyWords, wordsFor } from './labels.js';

const formatters = new Map();

export function money(cents, currency = 'EUR') {
  if (cents === null || cents === undefined) return '—';
  if (!formatters.has(currency)) {
    formatters.set(currency, new Intl.NumberFormat('en-IE', { style: 'currency', currency }));
  }
  return formatters.get(currency).format(cents / 100);
}

export function orderType(type) {
  return wordsFor(ORDER_TYPE, type);
}

/** A code as words from the one table of labels (labels.js): PENDING_PAYMENT -> "Awaiting payment". */
export function label(value) {
  if (!value) return '—';
  return anyWords(value);
}

const dateFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric' });
const dateTimeFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });

export function date(iso) {
  return iso ? dateFormat.format(new Date(iso)) : '—';
}

export function dateTime(iso) {
  return iso ? dateTimeFormat.format(new Date(iso)) : '—';
}

export function pairs(count) {
  return count === 1 ? '1 pair' : `${count} pairs`;
}

/** "stripe" -> "Stripe", "brand:DMO:<sub>" -> "you" (or "brand DMO" to staff), "staff:<sub>" -> "factory staff". */
export function actor(text, { staff = false } = {}) {
  if (!text) return '';
  if (text === 'stripe') return 'Stripe';
  if (text.startsWith('staff')) return 'factory staff';
  if (text.startsWith('brand:')) return staff ? `brand ${text.split(':')[1]}` : 'you';
  return text;
}

const dayFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

/** A calendar day from the API ("2026-11-18"), the same day whatever the browser's time zone. */
export function day(isoDate) {
  return isoDate ? dayFormat.format(new Date(`${isoDate}T00:00:00Z`)) : '—';
}
