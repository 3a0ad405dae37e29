/** Factory staff: every brand's orders, production stages, shipping (alone or as a group), delivery, stamps. */

import { ApiProblem, localProblem, ordersApi, paymentsApi, queryString } from '../api.js';
import { confirmAction } from '../confirm.js';
import { h, uid } from '../dom.js';
import { field, select, textInput } from '../fields.js';
import { date, dateTime, day, label, money, orderType } from '../format.js';
import { badge, cell, trackingLink } from '../order-parts.js';
import { missingFields, showProblem } from '../problems.js';
import { loadCatalog } from '../store.js';
import { orderFacts, timeline } from './order.js';

const STATUSES = ['PENDING_PAYMENT', 'WORK_IN_PROCESS', 'SHIPPED', 'DELIVERED', 'CANCELLED'];
const STAGES = ['AWAITING_STAMPS', 'CUTTING', 'STITCHING', 'LASTING', 'FINISHING', 'PACKING', 'READY_TO_SHIP'];
const trails = new Map();
// The server takes a move back for 60 s by its own clock; the button leaves a little earlier so it never offers a refusal.
const UNDO_FOR_MS = 55_000;
// Moves made from this screen that can still be taken back: a key ("list", or an order number) -> { moves, to, until }.
const undoable = new Map();
const SORTS = [
  ['newest', 'Newest first'],
  ['oldest', 'Oldest first'],
  ['brand', 'Brand'],
  ['stage', 'Stage'],
];

const orderPath = (number) => `/admin/orders/${encodeURIComponent(number)}`;

/** Stages an order passes over when it goes from one to the other. */
function skipped(from, to) {
  return STAGES.slice(STAGES.indexOf(from) + 1, STAGES.indexOf(to)).filter((s) => s !== 'AWAITING_STAMPS');
}

function moveLine(number, from, to) {
  const over = skipped(from, to);
  return `${number}: ${label(from)} → ${label(to)}${over.length ? ` (skips ${over.map(label).join(', ')})` : ''}`;
}

/** Moves each order (already confirmed), one request each; what moved can be undone for a minute. */
async function moveOrders(orders, stage) {
  const moved = [];
  const refused = [];
  for (const order of orders) {
    try {
      const answer = await ordersApi.post(`${orderPath(order.order_number)}/production`, { stage });
      if (answer.version !== order.version) moved.push({ number: order.order_number, version: answer.version, from: order.production_stage });
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      refused.push(`${order.order_number}: ${error.detail || error.title}`);
    }
  }
  return { moved, refused };
}

function remember(key, moved, to) {
  if (moved.length) undoable.set(key, { moves: moved, to, until: Date.now() + UNDO_FOR_MS });
  else undoable.delete(key);
}

/** "Undo" for the moves just made, gone after a minute or once anything else changed the orders. */
function undoPanel(ctx, key, current = null) {
  const entry = undoable.get(key);
  if (!entry) return null;
  const left = entry.until - Date.now();
  const stale = current && entry.moves.some((move) => move.version !== current.version);
  if (left <= 0 || stale) {
    undoable.delete(key);
    return null;
  }
  const many = entry.moves.length > 1;
  const what = many
    ? `${entry.moves.length} orders moved to ${label(entry.to)}: ${entry.moves.map((move) => move.number).join(', ')}.`
    : `${entry.moves[0].number} moved from ${label(entry.moves[0].from)} to ${label(entry.to)}.`;
  const headingId = uid('undo-heading');
  const button = h('button', { type: 'button', class: 'button secondary' }, many ? `Undo the move of ${entry.moves.length} orders` : `Undo move to ${label(entry.to)}`);
  const panel = h('section', { class: 'panel undo-panel', 'aria-labelledby': headingId },
    h('h2', { id: headingId }, 'Moved by mistake?'),
    h('p', {}, what, ' You can undo it for a minute.'),
    h('div', { class: 'actions' }, button));
  setTimeout(() => {
    undoable.delete(key);
    if (panel.contains(document.activeElement)) document.querySelector('main h1')?.focus();
    panel.remove();
  }, left);
  button.addEventListener('click', async () => {
    button.disabled = true;
    undoable.delete(key);
    const back = [];
    const refused = [];
    for (const move of entry.moves) {
      try {
        const answer = await ordersApi.post(`${orderPath(move.number)}/production/undo`, { version: move.version });
        back.push(`${move.number} is back at ${label(answer.production_stage)}.`);
      } catch (error) {
        if (!(error instanceof ApiProblem)) throw error;
        refused.push(`${move.number}: ${error.detail || error.title}`);
      }
    }
    ctx.flash([...back, ...refused].join(' '), refused.length ? 'warning' : 'success');
    ctx.rerender();
  });
  return panel;
}

function sortOrders(orders, sort) {
  const by = {
    oldest: (a, b) => a.created_at.localeCompare(b.created_at),
    brand: (a, b) => a.brand.localeCompare(b.brand) || b.created_at.localeCompare(a.created_at),
    stage: (a, b) => STAGES.indexOf(b.production_stage) - STAGES.indexOf(a.production_stage) || a.created_at.localeCompare(b.created_at),
  }[sort];
  return by ? [...orders].sort(by) : orders;
}

const movable = (order) => order.status === 'WORK_IN_PROCESS' && order.production_stage && order.production_stage !== 'READY_TO_SHIP';

/** Every registered brand, for the brand filter (a few pages at most). */
async function allBrands(signal) {
  const brands = [];
  let cursor = '';
  do {
    const page = await ordersApi.get(`/admin/brands${queryString({ limit: 100, cursor })}`, { signal });
    brands.push(...page.brands);
    cursor = page.next_cursor || '';
  } while (cursor);
  return brands;
}

/** Move the selected orders to one stage, after one confirmation that lists every order and what it skips. */
function bulkMoveForm(ctx, orders, boxes) {
  const target = select(STAGES.filter((s) => s !== 'AWAITING_STAMPS').map((s) => [s, label(s)]), { value: 'STITCHING' });
  const form = h('form', { class: 'bulk-move', novalidate: true, 'aria-label': 'Move selected orders' },
    field({ label: 'Move selected orders to', control: target, loc: 'stage' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button secondary' }, 'Move selected')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosen = orders.filter((order) => boxes.get(order.order_number)?.checked);
    if (!chosen.length) {
      showProblem(form, localProblem('Select orders to move', [], 'Tick the orders in the table first.'));
      return;
    }
    const stage = target.value;
    const behind = chosen.filter((order) => STAGES.indexOf(order.production_stage) > STAGES.indexOf(stage));
    if (behind.length) {
      const errors = [{ loc: ['stage'], msg: `Production never goes back: ${behind.map((o) => `${o.order_number} is at ${label(o.production_stage)}`).join(', ')}` }];
      showProblem(form, localProblem('Choose a later stage', errors), { resolve: () => target });
      return;
    }
    const moving = chosen.filter((order) => order.production_stage !== stage);
    if (!moving.length) {
      showProblem(form, localProblem(`The selected orders are already at ${label(stage)}`, []));
      return;
    }
    const ok = await confirmAction({
      title: `Move ${moving.length} ${moving.length === 1 ? 'order' : 'orders'} to ${label(stage)}?`,
      message: 'Each brand sees the new stage and expected ship date at once. You can undo the move for a minute.',
      details: moving.map((order) => moveLine(order.order_number, order.production_stage, stage)),
      confirmText: `Move ${moving.length} to ${label(stage)}`,
    });
    if (!ok) return;
    const { moved, refused } = await moveOrders(moving, stage);
    remember('list', moved, stage);
    const done = moved.length ? `Moved ${moved.length} ${moved.length === 1 ? 'order' : 'orders'} to ${label(stage)}.` : '';
    ctx.flash([done, ...refused].filter(Boolean).join(' '), refused.length ? 'warning' : 'success');
    ctx.rerender();
  });
  return form;
}

function stampsForm(ctx, brandCode = '') {
  const code = textInput({ value: brandCode, maxlength: '3', autocomplete: 'off', class: 'short', spellcheck: 'false' });
  const form = h('form', { class: 'form panel', novalidate: true, 'aria-labelledby': 'stamps-heading' },
    h('h2', { id: 'stamps-heading' }, 'Custom stamps'),
    field({ label: 'Brand code', loc: 'code', control: code, hint: 'Three letters, e.g. DMO. Their orders waiting for stamps move on to cutting.',
      required: 'Enter the brand code' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button secondary' }, 'Mark stamps ready')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const brand = code.value.trim().toUpperCase();
    const missing = missingFields(form);
    if (missing.length || !/^[A-Z]{3}$/.test(brand)) {
      showProblem(form, localProblem('Check the brand code', missing.length ? missing : [{ loc: ['code'], msg: 'A brand code is three letters' }]));
      return;
    }
    try {
      const result = await ordersApi.post(`/admin/brands/${brand}/stamps`, { status: 'READY' });
      const moved = result.orders_released || [];
      ctx.flash(`Stamps of ${result.name || brand} are READY.${moved.length ? ` Moved to cutting: ${moved.join(', ')}.` : ''}`);
      ctx.rerender();
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      showProblem(form, error, { resolve: () => code });
    }
  });
  return form;
}

/** Payments Stripe charged otherwise than priced: their orders stay locked until staff settle it with the brand. */
function paymentsToReview(found) {
  if (!found.length) return null;
  const headers = ['Payment', 'Brand', 'Orders', 'Amount', 'What Stripe did', 'Since'];
  return h('section', { class: 'panel', 'aria-labelledby': 'review-heading' },
    h('h2', { id: 'review-heading' }, `Payments to review (${found.length})`),
    h('p', { class: 'hint' }, 'Stripe took another amount or currency than priced. The orders stay locked: refund or settle with the brand in Stripe.'),
    h('div', { class: 'table-wrap', role: 'region', 'aria-label': 'Payments to review', tabindex: '0' },
      h('table', { class: 'table responsive review-table' },
        h('thead', {}, h('tr', {}, headers.map((name) => h('th', { scope: 'col' }, name)))),
        h('tbody', {}, found.map(({ brand, payment }) => h('tr', {},
          h('th', { scope: 'row', 'data-label': 'Payment' }, payment.payment_id),
          cell('Brand', brand),
          cell('Orders', h('span', {}, payment.order_numbers.flatMap((number, index) => [index ? ', ' : '',
            h('a', { href: `#/staff/orders/${encodeURIComponent(number)}` }, number)]))),
          cell('Amount', money(payment.amount, payment.currency)),
          cell('What Stripe did', payment.failure_message || '—'),
          cell('Since', dateTime(payment.updated_at))))))));
}

async function loadProduction(ctx, filters, cursor) {
  // Asked alongside the orders; its problem, if any, is raised once the orders are in.
  const review = paymentsApi.get('/admin/payments?status=NEEDS_REVIEW', { signal: ctx.signal }).catch((error) => error);
  const registered = allBrands(ctx.signal).catch((error) => error);
  let page;
  try {
    page = await ordersApi.get(`/admin/orders${queryString({ ...filters, limit: 25, cursor })}`, { signal: ctx.signal });
  } catch (error) {
    if (!(error instanceof ApiProblem) || error.status !== 422) throw error;
    page = { orders: [], next_cursor: null, problem: error };
  }
  const reviewed = await review;
  if (reviewed instanceof Error) throw reviewed;
  const brands = await registered;
  if (brands instanceof Error) throw brands;
  return { page, reviewing: reviewed.payments, brands };
}

function productionFilters(ctx, filters, sort, brands) {
  const filterForm = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter orders', novalidate: true });
  const brandChoices = brands.map((b) => [b.code, `${b.name} (${b.code})`]);
  if (filters.brand && !brands.some((b) => b.code === filters.brand)) brandChoices.push([filters.brand, filters.brand]);
  const brand = select([['', 'All brands'], ...brandChoices], { value: filters.brand });
  const sorting = select(SORTS, { value: sort });
  const status = select([['', 'All statuses'], ...STATUSES.map((s) => [s, label(s)])], { value: filters.status });
  const stage = select([['', 'All stages'], ...STAGES.map((s) => [s, label(s)])], { value: filters.stage });
  const search = h('input', { type: 'search', value: filters.q, maxlength: '100' });
  filterForm.append(
    field({ label: 'Brand', control: brand, loc: 'brand' }),
    field({ label: 'Status', control: status, loc: 'status' }),
    field({ label: 'Stage', control: stage, loc: 'stage' }),
    field({ label: 'Search', control: search, loc: 'q' }),
    field({ label: 'Sort by', control: sorting, loc: 'sort', hint: 'Sorts the orders on this page.' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button secondary' }, 'Apply filters')));
  filterForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = { brand: brand.value, status: status.value, stage: stage.value, q: search.value.trim() };
    ctx.navigate(`#/staff${queryString({ ...chosen, sort: sorting.value === 'newest' ? '' : sorting.value })}`);
  });
  return filterForm;
}

const PRODUCTION_HEADERS = ['Select', 'Order', 'Brand', 'Model', 'Pairs', 'Status', 'Payment', 'Stage', 'Expected to ship', 'Group', 'Days',
  'WIP start', 'Tracking'];

function productionRow(order, box) {
  return h('tr', {},
    cell('Select', box || h('span', { class: 'muted' }, '—')),
    h('th', { scope: 'row', 'data-label': 'Order' },
      h('a', { href: `#/staff/orders/${encodeURIComponent(order.order_number)}` }, order.order_number)),
    cell('Brand', order.brand),
    cell('Model', `${order.model_name || order.design.model} · ${orderType(order.type)}`),
    cell('Pairs', String(order.pairs)),
    cell('Status', badge(order.status)),
    cell('Payment', badge(order.payment_status, 'payment')),
    cell('Stage', order.production_stage ? badge(order.production_stage, 'stage') : '—'),
    cell('Expected to ship', day(order.expected_ship_date)),
    cell('Group', order.shipping_group_id || '—'),
    cell('Days', String(order.days_in_production ?? '—')),
    cell('WIP start', date(order.wip_started_at)),
    cell('Tracking', trackingLink(order.tracking)));
}

function productionTable(shown, boxes, caption) {
  if (!shown.length) return h('p', { class: 'empty' }, 'No orders match.');
  return h('div', { class: 'table-wrap', role: 'region', 'aria-label': 'Orders table', tabindex: '0' },
    h('table', { class: 'table responsive' },
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, PRODUCTION_HEADERS.map((name) => h('th', { scope: 'col' }, name)))),
      h('tbody', {}, shown.map((order) => productionRow(order, boxes.get(order.order_number))))));
}

function productionPager(ctx, { filters, sort, cursor, trail, next }) {
  const go = (c) => ctx.navigate(`#/staff${queryString({ ...filters, sort: sort === 'newest' ? '' : sort, cursor: c })}`);
  return h('nav', { class: 'pager', 'aria-label': 'Pages' },
    trail.length || cursor ? h('button', { type: 'button', class: 'button secondary', onclick: () => go(trail.pop() || '') }, 'Previous page') : null,
    next ? h('button', { type: 'button', class: 'button secondary', onclick: () => { trail.push(cursor); go(next); } }, 'Next page') : null);
}

export async function staffView(ctx) {
  const q = ctx.query;
  const filters = { brand: q.get('brand') || '', status: q.get('status') || '', stage: q.get('stage') || '', q: q.get('q') || '' };
  const sort = SORTS.some(([value]) => value === q.get('sort')) ? q.get('sort') : 'newest';
  const key = JSON.stringify(filters);
  const cursor = q.get('cursor') || '';
  const trail = trails.get(key) || [];
  if (!cursor) trail.length = 0;
  trails.set(key, trail);
  const { page, reviewing, brands } = await loadProduction(ctx, filters, cursor);
  const filterForm = productionFilters(ctx, filters, sort, brands);
  if (page.problem) setTimeout(() => showProblem(filterForm, page.problem, { focus: false }), 0);

  const shown = sortOrders(page.orders, sort);
  const boxes = new Map(shown.filter(movable).map((order) => [order.order_number,
    h('input', { type: 'checkbox', 'aria-label': `Select ${order.order_number}` })]));
  const sorted = sort === 'newest' ? '' : `, sorted by ${SORTS.find(([v]) => v === sort)[1].toLowerCase()}`;
  const table = productionTable(shown, boxes, `All brands’ orders, page ${trail.length + 1}${sorted}`);
  const pager = productionPager(ctx, { filters, sort, cursor, trail, next: page.next_cursor });
  return h('section', { class: 'page wide' },
    h('h1', {}, 'Production'),
    h('p', { class: 'lead' }, 'Every brand’s orders. Open an order to move it through production, ship it or mark it delivered.'),
    paymentsToReview(reviewing), filterForm, undoPanel(ctx, 'list'), boxes.size ? bulkMoveForm(ctx, shown, boxes) : null, table, pager,
    stampsForm(ctx));
}

function shipForm(ctx, { heading, submitText, url, hint }) {
  const carrier = textInput({ maxlength: '60', autocomplete: 'off' });
  const number = textInput({ maxlength: '60', autocomplete: 'off', spellcheck: 'false' });
  const link = h('input', { type: 'url', maxlength: '500', autocomplete: 'off', placeholder: 'https://' });
  const form = h('form', { class: 'form panel', novalidate: true, 'aria-labelledby': 'ship-heading' },
    h('h2', { id: 'ship-heading' }, heading),
    hint ? h('p', { class: 'hint' }, hint) : null,
    field({ label: 'Carrier', loc: 'carrier', control: carrier, required: 'Enter the carrier' }),
    field({ label: 'Tracking number', loc: 'tracking_number', control: number, required: 'Enter the tracking number',
      hint: 'Letters, digits, spaces and dashes.' }),
    field({ label: 'Tracking URL', loc: 'tracking_url', control: link, optional: true }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, submitText)));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const missing = missingFields(form);
    if (missing.length) {
      showProblem(form, localProblem('Some shipping details are missing', missing));
      return;
    }
    const body = { carrier: carrier.value.trim(), tracking_number: number.value.trim() };
    if (link.value.trim()) body.tracking_url = link.value.trim();
    try {
      await ordersApi.post(url, body);
      ctx.flash(`Shipped with ${body.carrier}, tracking number ${body.tracking_number}.`);
      ctx.rerender();
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      showProblem(form, error);
    }
  });
  return form;
}

function stageForm(ctx, order) {
  const number = order.order_number;
  const later = STAGES.slice(STAGES.indexOf(order.production_stage) + 1).filter((s) => s !== 'AWAITING_STAMPS');
  const next = select(later.map((s) => [s, label(s)]), { value: later[0] });
  const form = h('form', { class: 'form panel', novalidate: true, 'aria-labelledby': 'stage-heading' },
    h('h2', { id: 'stage-heading' }, 'Production stage'),
    h('p', {}, 'Now: ', badge(order.production_stage, 'stage')),
    field({ label: 'Move to stage', loc: 'stage', control: next }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, 'Move stage')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const stage = next.value;
    const over = skipped(order.production_stage, stage);
    if (over.length) {
      const ok = await confirmAction({
        title: `Move ${number} to ${label(stage)}?`,
        message: `This skips ${over.map(label).join(', ')}. The brand sees the new stage and expected ship date at once. `
          + 'You can undo the move for a minute.',
        confirmText: `Move to ${label(stage)}`,
      });
      if (!ok) return;
    }
    try {
      const moved = await ordersApi.post(`${orderPath(number)}/production`, { stage });
      remember(number, [{ number, version: moved.version, from: order.production_stage }], moved.production_stage);
      ctx.flash(`${number} is now at ${label(moved.production_stage)}.`);
      ctx.rerender();
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      showProblem(form, error);
    }
  });
  return form;
}

function shippingWork(ctx, order) {
  const group = order.shipping_group_id;
  if (group) {
    return shipForm(ctx, {
      heading: `Ship group ${group}`,
      submitText: `Ship group ${group}`,
      url: `/admin/shipping-groups/${encodeURIComponent(group)}/ship`,
      hint: 'The group ships as one parcel with one tracking number, once every order in it is ready to ship.',
    });
  }
  return shipForm(ctx, { heading: 'Ship the order', submitText: 'Ship order', url: `/admin/orders/${encodeURIComponent(order.order_number)}/ship` });
}

function deliveryBox(ctx, order) {
  const number = order.order_number;
  const deliver = h('button', { type: 'button', class: 'button' }, 'Mark delivered');
  const box = h('section', { class: 'panel', 'aria-labelledby': 'deliver-heading' },
    h('h2', { id: 'deliver-heading' }, 'Delivery'),
    h('p', {}, 'Tracking: ', trackingLink(order.tracking)),
    h('div', { class: 'actions' }, deliver));
  deliver.addEventListener('click', async () => {
    try {
      await ordersApi.post(`/admin/orders/${encodeURIComponent(number)}/deliver`, {});
      ctx.flash(`${number} is delivered.`);
      ctx.rerender();
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      showProblem(box, error);
    }
  });
  return box;
}

function productionWork(ctx, order) {
  const work = h('div', { class: 'staff-actions' });
  const inProduction = order.status === 'WORK_IN_PROCESS';
  if (inProduction && order.production_stage !== 'READY_TO_SHIP') work.append(stageForm(ctx, order));
  if (inProduction && order.production_stage === 'READY_TO_SHIP') work.append(shippingWork(ctx, order));
  if (order.status === 'SHIPPED') work.append(deliveryBox(ctx, order));
  if (order.production_stage === 'AWAITING_STAMPS') work.append(stampsForm(ctx, order.brand));
  if (!work.childElementCount) {
    work.append(h('p', { class: 'notice' }, order.status === 'PENDING_PAYMENT'
      ? 'This order waits for the brand’s payment; nothing to do in production yet.'
      : `This order is ${label(order.status)}; nothing left to do.`));
  }
  return work;
}

export async function staffOrderView(ctx) {
  const number = ctx.params.number;
  const [order, history, catalog] = await Promise.all([
    ordersApi.get(`/admin/orders/${encodeURIComponent(number)}`, { signal: ctx.signal }),
    ordersApi.get(`/orders/${encodeURIComponent(number)}/events`, { signal: ctx.signal }),
    loadCatalog(),
  ]);
  return h('section', { class: 'page' },
    h('p', { class: 'breadcrumb' }, h('a', { href: '#/staff' }, 'Production')),
    h('h1', {}, `Order ${order.order_number}`),
    h('p', { class: 'lead' }, `Brand ${order.brand} · ${order.model_name || order.design.model} · ${orderType(order.type)} · `, badge(order.status)),
    undoPanel(ctx, number, order),
    productionWork(ctx, order),
    orderFacts(order, catalog),
    h('section', { 'aria-labelledby': 'timeline-heading' }, h('h2', { id: 'timeline-heading' }, 'Timeline'), timeline(history.events, { staff: true })));
}
