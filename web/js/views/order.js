/** One order: status, specs, costs, addresses, tracking, invoice, the timeline; edit (If-Match) and cancel while unpaid. */

import { ApiProblem, etagOf, localProblem, ordersApi } from '../api.js';
import { focusOn, h } from '../dom.js';
import {
  addressFieldset, addressLines, checkedValue, designFieldset, labelingFieldset, materialName, sizeRunFieldset,
} from '../fields.js';
import { countryName } from '../countries.js';
import { actor, date, dateTime, day, label, money, orderType } from '../format.js';
import {
  invoiceButton, isPayableAlone, orderAgainButton, orderCostTables, paymentInProgress, statusBadge, trackingLink,
} from '../order-parts.js';
import { productionDays, words } from '../labels.js';
import { missingFields, showProblem } from '../problems.js';
import { loadCatalog } from '../store.js';

const EVENT_NAMES = {
  CREATED: 'Order placed',
  EDITED: 'Order edited',
  CANCELLED: 'Order cancelled',
  GROUPED: 'Added to a shipping group',
  UNGROUPED: 'Taken out of a shipping group',
  PAYMENT_STARTED: 'Payment started',
  PAYMENT_RELEASED: 'Payment did not go through',
  LAUNCHED_TO_PRODUCTION: 'Paid: launched to production',
  STAGE_CHANGED: 'Production stage changed',
  STAGE_MOVE_UNDONE: 'Stage move undone',
  SHIPPED: 'Shipped',
  DELIVERED: 'Delivered',
  REFUNDED: 'Refund',
};

function eventDetails(event) {
  const d = event.details || {};
  switch (event.type) {
    case 'CREATED': return d.costs ? `Total ${money(d.costs.total, d.costs.currency)}` : '';
    case 'EDITED': return d.fields ? `Changed: ${d.fields.map((f) => f.replace(/_/g, ' ')).join(', ')}` : '';
    case 'GROUPED': case 'UNGROUPED': return d.shipping_group_id ? `Group ${d.shipping_group_id}` : '';
    case 'PAYMENT_RELEASED': return d.reason || '';
    case 'LAUNCHED_TO_PRODUCTION': return [d.invoice_number && `Invoice ${d.invoice_number}`, d.production_stage && `stage ${label(d.production_stage)}`].filter(Boolean).join(', ');
    case 'STAGE_CHANGED': case 'STAGE_MOVE_UNDONE': return `${label(d.from)} → ${label(d.to)}${d.reason ? ` (${d.reason})` : ''}`;
    case 'SHIPPED': return [d.carrier, d.tracking_number].filter(Boolean).join(' ');
    case 'REFUNDED': return label(d.payment_status);
    default: return '';
  }
}

export function timeline(events, { staff = false } = {}) {
  return h('ol', { class: 'timeline' }, events.map((event) => h('li', {},
    h('time', { datetime: event.at }, dateTime(event.at)),
    h('span', { class: 'event-name' }, EVENT_NAMES[event.type] || label(event.type)),
    eventDetails(event) ? h('span', { class: 'event-details' }, eventDetails(event)) : null,
    h('span', { class: 'event-actor' }, `by ${actor(event.actor, { staff })}`))));
}

export function orderFacts(order, catalog) {
  const materials = ['upper', 'lining', 'sole']
    .map((part) => `${part}: ${catalog ? materialName(catalog, order.design.materials[part]) : order.design.materials[part]}`);
  return h('div', { class: 'columns' },
    h('section', { 'aria-labelledby': 'status-heading' },
      h('h2', { id: 'status-heading' }, 'Status'),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Status'), h('dd', {}, statusBadge(order)),
        order.production_stage ? [h('dt', {}, 'Production stage'),
          h('dd', {}, order.tracking ? 'Shipped' : words(order.production_stage, 'stage'))] : null,
        order.wip_started_at ? [h('dt', {}, 'Production started'),
          h('dd', {}, date(order.wip_started_at), order.tracking ? null : h('span', { class: 'hint block' }, productionDays(order)))] : null,
        order.expected_ship_date ? [h('dt', {}, 'Expected to ship'), h('dd', { class: 'ship-date' }, day(order.expected_ship_date),
          h('span', { class: 'hint block' }, 'Estimated from the factory’s lead times; it moves as production moves.'))] : null,
        h('dt', {}, 'Shipping group'), h('dd', {}, order.shipping_group_id
          ? h('a', { href: `#/groups/${encodeURIComponent(order.shipping_group_id)}` }, order.shipping_group_id) : '—'),
        h('dt', {}, 'Invoice'), h('dd', {}, invoiceButton(order)),
        h('dt', {}, 'Tracking'), h('dd', { class: 'tracking' }, trackingLink(order.tracking)),
        order.tracking ? [h('dt', {}, 'Shipped'), h('dd', {}, dateTime(order.tracking.shipped_at))] : null)),
    h('section', { 'aria-labelledby': 'specs-heading' },
      h('h2', { id: 'specs-heading' }, 'Specs'),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Model'), h('dd', {}, order.model_name || order.design.model),
        h('dt', {}, 'Materials'), h('dd', {}, materials.join('; ')),
        order.design.design_ref ? [h('dt', {}, 'Design reference'), h('dd', {}, order.design.design_ref)] : null,
        h('dt', {}, 'Order type'), h('dd', {}, orderType(order.type)),
        h('dt', {}, 'Size run'), h('dd', {}, order.sizes.map((l) => `${l.size} × ${l.pairs}`).join(', ')),
        h('dt', {}, 'Pairs'), h('dd', {}, String(order.pairs)),
        h('dt', {}, 'Labeling'), h('dd', {}, order.labeling === 'CUSTOM_STAMPS' ? 'Custom stamps' : 'Unlabeled'),
        h('dt', {}, 'Placed'), h('dd', {}, dateTime(order.created_at)))),
    h('section', { 'aria-labelledby': 'costs-heading' },
      h('h2', { id: 'costs-heading' }, 'Costs'),
      orderCostTables(order),
      order.status === 'PENDING_PAYMENT' ? h('p', { class: 'hint' }, 'At today’s prices; they are fixed when you pay.') : null),
    h('section', { 'aria-labelledby': 'addresses-heading' },
      h('h2', { id: 'addresses-heading' }, 'Addresses'),
      h('h3', {}, 'Ship to'),
      h('address', {}, [order.shipping_address.name, ...addressLines(order.shipping_address, countryName),
        order.shipping_address.phone, order.shipping_address.email].map((line) => h('span', { class: 'line' }, line))),
      h('h3', {}, 'Bill to'),
      h('address', {}, [order.billing.name, ...addressLines({ ...order.billing.address, company: order.billing.company }, countryName),
        order.billing.vat_id ? `VAT ${order.billing.vat_id}` : null, order.billing.email].filter(Boolean)
        .map((line) => h('span', { class: 'line' }, line)))));
}

/** Equal once empty optional values are dropped (the API answers null where the form leaves a field out). */
function same(a, b) {
  const plain = (value) => {
    if (Array.isArray(value)) return value.map(plain);
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined && v !== '')
        .sort(([x], [y]) => x.localeCompare(y)).map(([k, v]) => [k, plain(v)]));
    }
    return value;
  };
  return JSON.stringify(plain(a)) === JSON.stringify(plain(b));
}

/*
 * The order screen's states come from the order: payable alone (pay, edit, cancel), paid through its group, a
 * payment in progress, or only shown. Its work area is empty, shows the payment in progress, the edit form or
 * "Cancel order …?". Events: edit (saved or discarded), cancel (done or kept); a change made reloads the screen
 * with a flash, a refusal is shown in the work area, with a way to reload when the order changed meanwhile (412).
 */
export async function orderView(ctx) {
  const number = ctx.params.number;
  const path = `/orders/${encodeURIComponent(number)}`;
  const [order, history, catalog] = await Promise.all([
    ordersApi.get(path, { signal: ctx.signal }),
    ordersApi.get(`${path}/events`, { signal: ctx.signal }),
    loadCatalog(),
  ]);
  const screen = { ctx, number, path, order, catalog, actions: h('div', { class: 'actions' }), workArea: h('div') };
  const { actions, workArea } = screen;
  if (isPayableAlone(order)) {
    actions.append(
      h('a', { class: 'button', href: `#/pay?order=${encodeURIComponent(number)}` }, `Pay ${money(order.costs.total)}`),
      h('button', { type: 'button', class: 'button secondary', onclick: () => showEdit(screen) }, 'Edit order'),
      h('button', { type: 'button', class: 'button danger', onclick: () => showCancel(screen) }, 'Cancel order'));
  } else if (order.open_payment_id && !order.shipping_group_id) {
    workArea.append(paymentInProgress(order.open_payment_id, `order=${encodeURIComponent(number)}`, `Order ${number}`,
      (message, kind) => { ctx.flash(message, kind); ctx.rerender(); }));
  } else if (order.status === 'PENDING_PAYMENT' && order.shipping_group_id) {
    actions.append(h('a', { class: 'button', href: `#/groups/${encodeURIComponent(order.shipping_group_id)}` },
      `Pay through group ${order.shipping_group_id}`));
  }
  actions.append(orderAgainButton(order));
  return h('section', { class: 'page' },
    h('p', { class: 'breadcrumb' }, h('a', { href: '#/orders' }, 'Order pool')),
    h('h1', {}, `Order ${order.order_number}`),
    h('p', { class: 'lead' }, `${order.model_name || order.design.model} · ${orderType(order.type)} · `, statusBadge(order)),
    actions,
    workArea,
    orderFacts(order, catalog),
    h('section', { 'aria-labelledby': 'timeline-heading' },
      h('h2', { id: 'timeline-heading' }, 'Timeline'),
      timeline(history.events)));
}

/** Empties the work area and gives the focus back to the first action. */
function closeWork({ actions, workArea }) {
  workArea.replaceChildren();
  focusOn(actions.querySelector('button'));
}

function reloadHint(ctx) {
  return h('p', {}, h('button', { type: 'button', class: 'link-button', onclick: () => ctx.rerender() }, 'Reload the order'),
    ' to see the latest version, then make your change again.');
}

function showCancel(screen) {
  const { ctx, number, path, order, workArea } = screen;
  const yes = h('button', { type: 'button', class: 'button danger' }, 'Yes, cancel the order');
  const box = h('section', { class: 'panel warning', 'aria-labelledby': 'cancel-heading' },
    h('h2', { id: 'cancel-heading', tabindex: '-1' }, `Cancel order ${number}?`),
    h('p', {}, 'A cancelled order cannot be paid or made. This cannot be undone.'),
    h('div', { class: 'actions' }, yes,
      h('button', { type: 'button', class: 'button secondary', onclick: () => closeWork(screen) }, 'Keep the order')));
  yes.addEventListener('click', async () => {
    yes.disabled = true;
    try {
      await ordersApi.post(`${path}/cancel`, {}, { headers: { 'If-Match': etagOf(order) } });
      ctx.flash(`Order ${number} is cancelled.`);
      ctx.rerender();
    } catch (error) {
      yes.disabled = false;
      if (!(error instanceof ApiProblem)) throw error;
      showProblem(box, error, { extra: error.status === 412 ? reloadHint(ctx) : null });
    }
  });
  workArea.replaceChildren(box);
  focusOn(box.querySelector('h2'));
}

async function showEdit(screen) {
  const { number, order, catalog, workArea } = screen;
  const brand = await ordersApi.get('/brand');
  const parts = {
    design: designFieldset(catalog, order.design),
    sizeRun: sizeRunFieldset(catalog, { type: order.type, sizes: order.sizes }),
    labeling: labelingFieldset(catalog, brand, order.labeling),
    shipping: addressFieldset({ legend: 'Shipping address', value: order.shipping_address, section: 'shipping' }),
    billing: addressFieldset({ legend: 'Billing', value: order.billing, billing: true, section: 'billing' }),
    save: h('button', { type: 'submit', class: 'button' }, 'Save changes'),
  };
  const form = h('form', { class: 'form panel', novalidate: true, 'aria-labelledby': 'edit-heading' },
    h('h2', { id: 'edit-heading', tabindex: '-1' }, `Edit order ${number}`),
    h('p', { class: 'hint' }, `Costs are recalculated when you save. Order type: ${orderType(order.type)}.`),
    parts.design.element, parts.sizeRun.element, parts.labeling, parts.shipping.element, parts.billing.element,
    h('div', { class: 'actions' }, parts.save,
      h('button', { type: 'button', class: 'button secondary', onclick: () => closeWork(screen) }, 'Discard changes')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    saveEdit(screen, form, parts);
  });
  workArea.replaceChildren(form);
  focusOn(form.querySelector('h2'));
}

/** The edit form's submit event: only what changed is sent (so the timeline says what was edited), at the version read. */
async function saveEdit({ ctx, number, path, order }, form, { design, sizeRun, shipping, billing, save }) {
  const problems = [...missingFields(form), ...sizeRun.problems()];
  if (problems.length) {
    showProblem(form, localProblem('Check the changes', problems), { resolve: sizeRun.resolve });
    return;
  }
  const wanted = {
    design: design.read(),
    sizes: sizeRun.read(),
    labeling: checkedValue(form, 'labeling'),
    shipping_address: shipping.read(),
    billing: billing.read(),
  };
  const edit = Object.fromEntries(Object.entries(wanted).filter(([name, value]) => !same(value, order[name])));
  if (!Object.keys(edit).length) {
    showProblem(form, localProblem('Nothing to save', [], 'Change something first, or discard the changes.'));
    return;
  }
  save.disabled = true;
  try {
    const updated = await ordersApi.patch(path, edit, { headers: { 'If-Match': etagOf(order) } });
    ctx.flash(`Order ${number} is saved. New total: ${money(updated.costs.total)}.`);
    ctx.rerender();
  } catch (error) {
    save.disabled = false;
    if (!(error instanceof ApiProblem)) throw error;
    showProblem(form, error, { resolve: sizeRun.resolve, extra: error.status === 412 ? reloadHint(ctx) : null });
  }
}
