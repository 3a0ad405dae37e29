/**
 * "Download CSV": every order matching the pool's filters, read page by page from GET /orders (100 at a
 * time, with the cursor), written as RFC 4180 CSV in the browser and handed over as a download.
 */

import { ordersApi, queryString } from './api.js';
import { saveFile } from './dom.js';
import { materialName } from './fields.js';
import {
  LABELING, ORDER_TYPE, PAYMENT_STATUS, STAGE, orderStatus, wordsFor,
} from './labels.js';

const EXPORT_PAGE = 100;

const euros = (cents) => (cents === null || cents === undefined ? '' : (cents / 100).toFixed(2));

/**
 * The columns, in order: header and how each order fills it. The help center lists the same. People read
 * the words (labels.js); the codes the API uses stay in their own `*_code` columns, for formulas and imports.
 */
export function columnsFor(catalog) {
  const material = (id) => (catalog && materialName(catalog, id)) || id;
  return [
    ['order_number', (o) => o.order_number],
    ['created_at', (o) => o.created_at],
    ['wip_started_at', (o) => o.wip_started_at],
    ['expected_ship_date', (o) => o.expected_ship_date],
    ['shipped_at', (o) => o.tracking && o.tracking.shipped_at],
    ['type', (o) => wordsFor(ORDER_TYPE, o.type)],
    ['type_code', (o) => o.type],
    ['model', (o) => o.model_name || o.design.model],
    ['model_code', (o) => o.design.model],
    ['upper', (o) => material(o.design.materials.upper)],
    ['upper_code', (o) => o.design.materials.upper],
    ['lining', (o) => material(o.design.materials.lining)],
    ['lining_code', (o) => o.design.materials.lining],
    ['sole', (o) => material(o.design.materials.sole)],
    ['sole_code', (o) => o.design.materials.sole],
    ['design_ref', (o) => o.design.design_ref],
    ['sizes', (o) => o.sizes.map((line) => `${line.size}x${line.pairs}`).join(' ')],
    ['pairs', (o) => o.pairs],
    ['labeling', (o) => wordsFor(LABELING, o.labeling)],
    ['labeling_code', (o) => o.labeling],
    ['status', (o) => orderStatus(o).text],
    ['status_code', (o) => o.status],
    ['production_stage', (o) => wordsFor(STAGE, o.production_stage)],
    ['production_stage_code', (o) => o.production_stage],
    ['payment_status', (o) => wordsFor(PAYMENT_STATUS, o.payment_status)],
    ['payment_status_code', (o) => o.payment_status],
    ['shipping_group_id', (o) => o.shipping_group_id],
    ['invoice_number', (o) => o.invoice_number],
    ['carrier', (o) => o.tracking && o.tracking.carrier],
    ['tracking_number', (o) => o.tracking && o.tracking.tracking_number],
    ['manufacturing_eur', (o) => euros(o.costs.manufacturing)],
    ['shipping_eur', (o) => euros(o.costs.shipping)],
    ['customization_eur', (o) => euros(o.costs.customization)],
    ['net_eur', (o) => euros(o.costs.net ?? o.costs.total)],
    ['vat_eur', (o) => euros(o.costs.vat ?? 0)],
    ['total_eur', (o) => euros(o.costs.total)],
    ['group_shipping_eur', (o) => (o.group_share ? euros(o.group_share.shipping) : '')],
    ['group_total_eur', (o) => (o.group_share ? euros(o.group_share.total) : '')],
    ['currency', (o) => o.costs.currency],
  ];
}

/**
 * One CSV field. Text a spreadsheet would run as a formula (starting with = + - @, or a tab or carriage
 * return, even after leading spaces, which spreadsheets skip) gets a leading apostrophe; quotes, commas and line breaks are quoted as RFC 4180 says.
 */
export function csvField(value) {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^\s*[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvOf(orders, catalog) {
  const columns = columnsFor(catalog);
  const lines = [columns.map(([name]) => name), ...orders.map((order) => columns.map(([, read]) => read(order)))];
  return lines.map((line) => line.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** Every order matching `filters`, one normal page request after another; `progress(n)` after each page. */
export async function allOrders(filters, progress = () => {}) {
  const found = [];
  let cursor = '';
  do {
    const page = await ordersApi.get(`/orders${queryString({ ...filters, limit: EXPORT_PAGE, cursor })}`);
    found.push(...page.orders);
    progress(found.length);
    cursor = page.next_cursor || '';
  } while (cursor);
  return found;
}

export function downloadCsv(text, filename) {
  // The byte order mark makes spreadsheet programs read the file as UTF-8 (names with accents).
  saveFile(new Blob(['\ufeff', text], { type: 'text/csv;charset=utf-8' }), filename);
}
