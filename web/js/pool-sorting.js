/**
 * Sorting the order pool. The API pages the pool newest first with a cursor, so a sort is the browser's:
 * it puts the orders of the page on screen in order, and the screen says so. The sort lives in the
 * pool's address (`sort=total`, `sort=-total`, …) so a link reproduces it.
 */

import { ORDER_STATUS, wordsFor } from './labels.js';

// An order's life, in the order it is lived: "awaiting payment" first when sorting by status.
const LIFECYCLE = ['PENDING_PAYMENT', 'WORK_IN_PROCESS', 'SHIPPED', 'DELIVERED', 'CANCELLED'];

export const SORT_KEYS = {
  date: {
    name: 'order date', first: 'descending', compare: (a, b) => a.created_at.localeCompare(b.created_at),
    ends: ['oldest first', 'newest first'],
  },
  total: {
    name: 'total', first: 'descending', compare: (a, b) => a.costs.total - b.costs.total,
    ends: ['lowest first', 'highest first'],
  },
  status: {
    name: 'status', first: 'ascending', compare: (a, b) => LIFECYCLE.indexOf(a.status) - LIFECYCLE.indexOf(b.status),
    ends: [`${wordsFor(ORDER_STATUS, LIFECYCLE[0]).toLowerCase()} first`, `${wordsFor(ORDER_STATUS, LIFECYCLE[4]).toLowerCase()} first`],
  },
};

// The API's own order: nothing to sort, nothing in the address.
export const SERVER_ORDER = { key: 'date', direction: 'descending' };

/** The sort an address asks for (`-total` is highest first); anything else is the API's order. */
export function parseSort(text) {
  const key = (text || '').replace(/^-/, '');
  if (!SORT_KEYS[key]) return SERVER_ORDER;
  return { key, direction: text.startsWith('-') ? 'descending' : 'ascending' };
}

/** The sort as the address writes it: empty for the API's order. */
export function sortParam(sort) {
  if (isServerOrder(sort)) return '';
  return `${sort.direction === 'descending' ? '-' : ''}${sort.key}`;
}

export function isServerOrder(sort) {
  return sort.key === SERVER_ORDER.key && sort.direction === SERVER_ORDER.direction;
}

/** Clicking a column: the other direction if it is the column sorted by, else that column's usual first direction. */
export function nextSort(sort, key) {
  if (sort.key === key) return { key, direction: sort.direction === 'ascending' ? 'descending' : 'ascending' };
  return { key, direction: SORT_KEYS[key].first };
}

/** "total, highest first". */
export function describeSort(sort) {
  const { name, ends } = SORT_KEYS[sort.key];
  return `${name}, ${ends[sort.direction === 'ascending' ? 0 : 1]}`;
}

/** The orders in the sort's order; equal ones newest first, as the API lists them. */
export function sortOrders(orders, sort) {
  if (isServerOrder(sort)) return orders;
  const { compare } = SORT_KEYS[sort.key];
  const sign = sort.direction === 'descending' ? -1 : 1;
  return [...orders].sort((a, b) => sign * compare(a, b) || b.created_at.localeCompare(a.created_at));
}
