/**
 * The words a person reads for the API's codes: statuses, stages, payments, groups, labeling. Every screen
 * and the CSV take their labels from here, so a code such as PENDING_PAYMENT never reaches a person.
 */

export const ORDER_STATUS = {
  PENDING_PAYMENT: 'Awaiting payment',
  WORK_IN_PROCESS: 'In production',
  SHIPPED: 'Shipped',
  DELIVERED: 'Delivered',
  CANCELLED: 'Cancelled',
};

export const PAYMENT_STATUS = {
  UNPAID: 'Unpaid',
  PROCESSING: 'Payment in progress',
  PAID: 'Paid',
  PARTIALLY_REFUNDED: 'Partly refunded',
  REFUNDED: 'Refunded',
};

export const STAGE = {
  AWAITING_STAMPS: 'Awaiting stamps',
  CUTTING: 'Cutting',
  STITCHING: 'Stitching',
  LASTING: 'Lasting',
  FINISHING: 'Finishing',
  PACKING: 'Packing',
  READY_TO_SHIP: 'Ready to ship',
};

export const GROUP_STATUS = {
  OPEN: 'Awaiting payment',
  PAYMENT_IN_PROGRESS: 'Payment in progress',
  PAID: 'Paid',
  SHIPPED: 'Shipped',
  DISSOLVED: 'Dissolved',
};

/** Where a brand's custom stamps stand (the brand profile page and staff's stamps page). */
export const STAMP_STEP = {
  AWAITING_ARTWORK: 'Waiting for artwork',
  ARTWORK_RECEIVED: 'Artwork received · proof in preparation',
  PROOF_SENT: 'Proof ready to approve',
  CHANGES_ASKED: 'Changes asked · new proof in preparation',
  PROOF_APPROVED: 'Proof approved · stamps being made',
  MADE: 'Stamps ready',
};

/** Each step on the stamps' timeline. */
export const STAMP_EVENT = {
  ARTWORK_RECEIVED: 'Artwork uploaded',
  PROOF_SENT: 'Proof sent',
  CHANGES_ASKED: 'Changes asked',
  PROOF_APPROVED: 'Proof approved',
  EXPECTED_DATE_SET: 'Expected date set',
  MADE: 'Stamps marked ready',
};

export const STAMPS_STATUS = { NONE: 'Stamp fee not paid yet', IN_DEVELOPMENT: 'In development', READY: 'Ready' };

export const LABELING = { UNLABELED: 'Unlabeled', CUSTOM_STAMPS: 'Custom stamps' };

export const ORDER_TYPE = { MTO: 'MTO', MINI_BULK: 'Mini bulk', BULK: 'Bulk' };

/** Words for a code of one of the tables above; an unknown code reads as words, never as UPPER_SNAKE. */
export function wordsFor(table, code) {
  if (!code) return '';
  if (table[code]) return table[code];
  const words = String(code).toLowerCase().replace(/[_-]+/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * One status per order, in words: "Awaiting payment", "Payment in progress", "In production · Stitching",
 * "Shipped", "Delivered", "Cancelled", "Refunded". Its `tone` names the badge's colour.
 */
export function orderStatus(order) {
  const payment = order.payment_status;
  if (order.status === 'PENDING_PAYMENT') {
    return payment === 'PROCESSING' || order.open_payment_id
      ? { text: 'Payment in progress', tone: 'processing' }
      : { text: 'Awaiting payment', tone: 'pending-payment' };
  }
  if (order.status === 'CANCELLED') {
    return { text: payment === 'REFUNDED' ? 'Cancelled · Refunded' : 'Cancelled', tone: 'cancelled' };
  }
  if (order.status === 'WORK_IN_PROCESS') {
    const stage = order.production_stage ? ` · ${wordsFor(STAGE, order.production_stage)}` : '';
    return { text: `In production${stage}`, tone: 'work-in-process' };
  }
  const refunded = payment === 'REFUNDED' || payment === 'PARTIALLY_REFUNDED' ? ` · ${wordsFor(PAYMENT_STATUS, payment)}` : '';
  return { text: `${wordsFor(ORDER_STATUS, order.status)}${refunded}`, tone: order.status.toLowerCase().replace(/_/g, '-') };
}

/** Where the order stands in production: "Started today", "Day 3 in production", or nothing before it starts. */
export function productionDays(order) {
  if (!order.wip_started_at || order.days_in_production === null || order.days_in_production === undefined) return '';
  if (order.days_in_production === 0) return 'Started today';
  return order.days_in_production === 1 ? '1 day in production' : `${order.days_in_production} days in production`;
}

const KINDS = { status: ORDER_STATUS, payment: PAYMENT_STATUS, stage: STAGE, group: GROUP_STATUS, labeling: LABELING };

/** Words for a code of a known kind (`status`, `payment`, `stage`, `group`, `labeling`). */
export function words(code, kind) {
  return wordsFor(KINDS[kind] || {}, code);
}

/** Words for a code whose kind the caller does not say (a timeline's details): stages first, then statuses. */
export function anyWords(code) {
  const table = [STAGE, ORDER_STATUS, PAYMENT_STATUS, GROUP_STATUS, LABELING, ORDER_TYPE].find((t) => t[code]);
  return wordsFor(table || {}, code);
}
