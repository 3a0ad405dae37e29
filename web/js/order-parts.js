/** Pieces several pages show for an order: status badges, the pay link, invoice download, tracking. */

import { ApiProblem, paymentsApi } from './api.js';
import { announce, h, saveFile } from './dom.js';
import { countryName } from './countries.js';
import { money } from './format.js';
import { orderStatus, words } from './labels.js';

export function badge(value, kind = 'status') {
  if (!value) return h('span', { class: 'muted' }, '—');
  return h('span', { class: `badge ${kind}-${value.toLowerCase().replace(/_/g, '-')}` }, words(value, kind));
}

/** The order's one status in words ("In production · Stitching"), as a badge. */
export function statusBadge(order) {
  const { text, tone } = orderStatus(order);
  return h('span', { class: `badge status-${tone}` }, text);
}

export function isPayableAlone(order) {
  return order.status === 'PENDING_PAYMENT' && order.payment_status === 'UNPAID' && !order.shipping_group_id;
}

export function isGroupable(order) {
  return isPayableAlone(order) && order.type === 'MTO';
}

/** Where the pay page takes up a payment already in progress (3-D Secure to finish, or to follow). */
export function finishPaymentHref(paymentId, target) {
  return `#/pay?payment=${encodeURIComponent(paymentId)}&${target}`;
}

/**
 * An order or group locked by a payment in progress: finish it, or cancel it and free the orders at once.
 * `target` is the pay page's query for what is paid (`order=…` or `group=…`); `onDone` shows the page again.
 */
export function paymentInProgress(paymentId, target, what, onDone) {
  const area = h('div');
  const cancel = h('button', { type: 'button', class: 'button secondary' }, 'Cancel this payment');
  const panel = h('section', { class: 'panel notice-warning', 'aria-labelledby': 'open-payment-heading' },
    h('h2', { id: 'open-payment-heading' }, 'A payment is in progress'),
    h('p', {}, `${what} is locked while its payment is unfinished (for example, your bank's confirmation window was closed). `
      + 'Finish it, or cancel it to change or pay the order again at once.'),
    h('div', { class: 'actions' },
      h('a', { class: 'button', href: finishPaymentHref(paymentId, target) }, 'Finish payment'), cancel),
    area);
  cancel.addEventListener('click', () => {
    const yes = h('button', { type: 'button', class: 'button danger' }, 'Yes, cancel the payment');
    const box = h('div', { class: 'panel warning', role: 'group', 'aria-labelledby': 'cancel-payment-heading' },
      h('h3', { id: 'cancel-payment-heading', tabindex: '-1' }, 'Cancel this payment?'),
      h('p', {}, 'Nothing is charged, and the payment cannot be finished afterwards. You can pay again with a new payment.'),
      h('div', { class: 'actions' }, yes,
        h('button', { type: 'button', class: 'button secondary', onclick: () => { area.replaceChildren(); cancel.focus(); } }, 'Keep the payment')));
    yes.addEventListener('click', async () => {
      yes.disabled = true;
      try {
        await paymentsApi.post(`/payments/${encodeURIComponent(paymentId)}/cancel`, {});
        onDone('The payment is canceled; nothing was charged.');
      } catch (error) {
        if (!(error instanceof ApiProblem)) throw error;
        if (error.status === 409) { onDone(error.detail, 'warning'); return; }
        yes.disabled = false;
        box.append(h('p', { class: 'notice notice-error', role: 'alert' }, error.detail || error.title));
      }
    });
    area.replaceChildren(box);
    box.querySelector('h3').focus();
  });
  return panel;
}

export function payLink(order) {
  if (isPayableAlone(order)) {
    return h('a', { class: 'button small', href: `#/pay?order=${encodeURIComponent(order.order_number)}` },
      'Pay', h('span', { class: 'visually-hidden' }, ` order ${order.order_number}`));
  }
  if (order.status === 'PENDING_PAYMENT' && order.shipping_group_id) {
    return h('a', { href: `#/groups/${encodeURIComponent(order.shipping_group_id)}` },
      'Pay group', h('span', { class: 'visually-hidden' }, ` ${order.shipping_group_id}, which holds ${order.order_number}`));
  }
  return null;
}

export function trackingLink(tracking) {
  if (!tracking) return h('span', { class: 'muted' }, '—');
  const text = `${tracking.carrier} ${tracking.tracking_number}`;
  return tracking.tracking_url
    ? h('a', { href: tracking.tracking_url, target: '_blank', rel: 'noopener noreferrer' }, text,
      h('span', { class: 'visually-hidden' }, ' (opens the carrier’s page in a new tab)'))
    : h('span', {}, text);
}

/** GET /payments/{id}/invoice as a PDF blob, handed to the browser as a download. */
export async function downloadInvoice(paymentId, invoiceNumber) {
  const { blob, filename } = await paymentsApi.download(`/payments/${encodeURIComponent(paymentId)}/invoice`, 'application/pdf');
  saveFile(blob, filename || `${invoiceNumber}.pdf`);
}

export function invoiceButton(order) {
  if (!order.invoice_number || !order.payment_id) return h('span', { class: 'muted' }, '—');
  const button = h('button', { type: 'button', class: 'link-button' },
    h('span', { class: 'visually-hidden' }, 'Download invoice '), order.invoice_number);
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await downloadInvoice(order.payment_id, order.invoice_number);
      announce(`Invoice ${order.invoice_number} downloaded.`);
    } catch (error) {
      announce(error instanceof ApiProblem ? `The invoice could not be downloaded: ${error.detail || error.title}` : 'The invoice could not be downloaded.');
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

/** A table cell that, on a phone, shows its column name in front of the value. */
export function cell(name, ...content) {
  return h('td', { 'data-label': name }, h('span', { class: 'cell-value' }, ...content));
}

/** The same, kept on one line on wide screens (order and invoice numbers, dates). */
export function nowrapCell(name, ...content) {
  return h('td', { 'data-label': name, class: 'nowrap' }, h('span', { class: 'cell-value' }, ...content));
}

function costRows(costs) {
  const rows = [
    ['Manufacturing', costs.manufacturing],
    ['Shipping', costs.shipping],
    ['Customization', costs.customization],
  ];
  // Orders priced before IVA was charged carry no net: their total was the net.
  if (costs.net !== undefined) rows.push(['Net', costs.net], [`VAT (IVA ${costs.vat_rate_percent}%)`, costs.vat]);
  return rows.map(([name, cents]) => h('tr', {}, h('th', { scope: 'row' }, name), h('td', { class: 'num' }, money(cents, costs.currency))));
}

/** Manufacturing, shipping, customization, net, VAT and total, as a table; the legal reason when no VAT is due. */
export function costTable(costs, caption = 'Costs', { captionHidden = false } = {}) {
  const table = h('table', { class: 'table costs' },
    h('caption', { class: captionHidden ? 'visually-hidden' : null }, caption),
    h('tbody', {}, costRows(costs),
      h('tr', { class: 'total' }, h('th', { scope: 'row' }, 'Total'), h('td', { class: 'num' }, money(costs.total, costs.currency)))));
  return costs.vat_note ? [table, h('p', { class: 'hint vat-note' }, costs.vat_note)] : table;
}

/** "Order again": the new-order form filled from this order (views/new-order.js reads `again`). */
export function orderAgainButton(order, { inRow = false } = {}) {
  return h('button', {
    type: 'button',
    class: inRow ? 'link-button' : 'button secondary',
    onclick: () => { location.hash = `#/orders/new?again=${encodeURIComponent(order.order_number)}`; },
  }, 'Order again', h('span', { class: 'visually-hidden' }, ` like ${order.order_number}`));
}

/** "Berlin, Germany": where an order or a group goes, short enough for a column (the pool's format). */
export function shipToText(address) {
  return address ? `${address.city}, ${countryName(address.country)}` : '—';
}

/** Whether two shipping addresses are one shipment: field by field, ignoring case and spacing, as the server compares them. */
export function sameAddress(a, b) {
  const normal = (value) => String(value ?? '').split(/\s+/).filter(Boolean).join(' ').toLowerCase();
  const names = new Set([...Object.keys(a || {}), ...Object.keys(b || {})]);
  return Boolean(a && b) && [...names].every((name) => normal(a[name]) === normal(b[name]));
}

/** An order's costs as its group charges them: its manufacturing, its share of the shipment, stamp fee and IVA. */
export function groupShareCosts(order) {
  const share = order.group_share;
  if (!share) return null;
  return {
    ...order.costs, shipping: share.shipping, customization: share.customization, net: share.net, vat: share.vat, total: share.total,
  };
}

/** The order's costs on its own and, in a group, its share of the group's price beside them. */
export function orderCostTables(order) {
  const shared = groupShareCosts(order);
  if (!shared) return costTable(order.costs, 'Costs', { captionHidden: true });
  return h('div', { class: 'cost-pair' },
    costTable(shared, `Share of group ${order.shipping_group_id}`),
    h('p', { class: 'hint' }, 'The group ships as one parcel: its shipping is shared by pairs, and the shares of its orders add up to what the group’s payment charges.'),
    costTable({ ...order.costs, vat_note: null }, 'Shipped on its own'));  // the IVA note is said once, above
}
