/** What the pages share: the catalog (fetched once), the checkout draft and payment keys (per tab). */

import { ordersApi } from './api.js';

let catalog = null;

export function loadCatalog() {
  catalog ??= ordersApi.get('/catalog').catch((error) => {
    catalog = null;
    throw error;
  });
  return catalog;
}

const DRAFT = 'welt.checkoutDraft';

/** The order being checked out: design, sizes, labeling, then addresses, then the checkout's Idempotency-Key. */
export function loadDraft() {
  try {
    return JSON.parse(sessionStorage.getItem(DRAFT)) || null;
  } catch {
    return null;
  }
}

export function saveDraft(draft) {
  sessionStorage.setItem(DRAFT, JSON.stringify(draft));
}

export function clearDraft() {
  sessionStorage.removeItem(DRAFT);
}

/** The Idempotency-Key of the payment for one order or group, kept so a reload finds the same payment. */
export const paymentKeys = {
  get: (target) => sessionStorage.getItem(`welt.paymentKey.${target}`),
  set: (target, key) => sessionStorage.setItem(`welt.paymentKey.${target}`, key),
  drop: (target) => sessionStorage.removeItem(`welt.paymentKey.${target}`),
};
