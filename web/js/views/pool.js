/**
 * The order pool: filters, pages (next_cursor), a Pay link per payable order, and several MTO orders
 * selected and grouped for shipping, with the savings shown (POST /quotes) before the group is made.
 * Above the table, the groups the API suggests, each made with one click; "Download CSV" exports
 * every order the filters match; each row can be ordered again.
 */

import { ApiProblem, ordersApi, queryString } from '../api.js';
import { announce, focusOn, h } from '../dom.js';
import { field, select } from '../fields.js';
import { countryName } from '../countries.js';
import { date, day, money, orderType, pairs } from '../format.js';
import { ORDER_STATUS, productionDays, wordsFor } from '../labels.js';
import {
  cell, costTable, invoiceButton, isGroupable, nowrapCell, orderAgainButton, payLink, statusBadge, trackingLink,
} from '../order-parts.js';
import { allOrders, csvOf, downloadCsv } from '../pool-export.js';
import { showProblem } from '../problems.js';
import { loadCatalog } from '../store.js';

const STATUSES = ['PENDING_PAYMENT', 'WORK_IN_PROCESS', 'SHIPPED', 'DELIVERED', 'CANCELLED'];
const TYPES = ['MTO', 'MINI_BULK', 'BULK'];
const PAGE_SIZES = ['10', '25', '50', '100'];

// Cursors of the pages before the current one, per filter, so "Previous page" can go back.
const trails = new Map();

/*
 * The screen is a state machine. Where the buyer looks (filters, page) lives in the address, so its events
 * navigate: filters applied, previous or next page. What the buyer does on the page is the screen's own state:
 *   selection   none → one → several orders chosen (a chooser's change); "Group selected" needs several
 *   groupPanel  hidden → quote (the group's savings, POST /quotes) or problem; cancel or a new choice hides it,
 *               "Create shipping group" leaves for the new group (or shows the refusal)
 *   export      idle → exporting (counting the orders read) → idle
 */
export async function poolView(ctx) {
  const q = ctx.query;
  const filters = { status: q.get('status') || '', type: q.get('type') || '', q: q.get('q') || '', limit: q.get('limit') || '25' };
  const cursor = q.get('cursor') || '';
  // Suggestions are about unpaid MTO orders: shown on the pool's first page unless the filters look elsewhere.
  const suggesting = !cursor && ['', 'PENDING_PAYMENT'].includes(filters.status) && ['', 'MTO'].includes(filters.type);
  const [page, suggested] = await Promise.all([
    ordersApi.get(`/orders${queryString({ ...filters, cursor })}`, { signal: ctx.signal }),
    // The pool works without suggestions: a failure to read them only leaves them out.
    suggesting ? ordersApi.get('/shipping-groups/suggestions', { signal: ctx.signal }).catch(() => ({ suggestions: [] }))
      : { suggestions: [] },
  ]);
  const filterKey = JSON.stringify(filters);
  const trail = trails.get(filterKey) || [];
  if (!cursor) trail.length = 0;
  trails.set(filterKey, trail);
  const filtering = Boolean(filters.status || filters.type || filters.q);
  const screen = { ctx, filters, cursor, page, trail, filtering, ...renderGroupBar() };
  screen.groupButton.addEventListener('click', () => askGroupQuote(screen));

  return h('section', { class: 'page wide' },
    h('div', { class: 'page-head' },
      h('h1', {}, 'Order pool'),
      h('div', { class: 'actions' }, h('a', { class: 'button', href: '#/orders/new?fresh=1' }, 'New order'), renderExportButton(screen))),
    h('details', { class: 'filter-box', open: filtering || window.matchMedia('(min-width: 761px)').matches },
      h('summary', {}, filtering ? 'Filters (in use)' : 'Filter and search'), renderFilters(screen)),
    h('div', { class: 'group-bar' }, screen.groupButton, ' ', screen.selectedCount,
      h('p', { class: 'hint' }, 'MTO orders waiting for payment, with the same address, can ship together for less.')),
    screen.groupPanel,
    suggestionsPanel(ctx, suggested.suggestions),
    renderTable(screen),
    renderPager(screen));
}

/** The filters form; applying it is a navigation, so the filters are in the address and the history. */
function renderFilters({ ctx, filters }) {
  const statusSelect = select([['', 'All statuses'], ...STATUSES.map((s) => [s, wordsFor(ORDER_STATUS, s)])], { value: filters.status });
  const typeSelect = select([['', 'All types'], ...TYPES.map((t) => [t, orderType(t)])], { value: filters.type });
  const search = h('input', { type: 'search', value: filters.q, maxlength: '100' });
  const limit = select(PAGE_SIZES.map((n) => [n, n]), { value: PAGE_SIZES.includes(filters.limit) ? filters.limit : '25' });
  const filterForm = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter orders' },
    field({ label: 'Status', control: statusSelect, loc: 'status' }),
    field({ label: 'Type', control: typeSelect, loc: 'type' }),
    field({ label: 'Search', control: search, loc: 'q', hint: 'Order number, model or design ref.' }),
    field({ label: 'Rows per page', control: limit, loc: 'limit' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button secondary' }, 'Apply filters')));
  filterForm.addEventListener('submit', (event) => {
    event.preventDefault();
    ctx.navigate(`#/orders${queryString({ status: statusSelect.value, type: typeSelect.value, q: search.value.trim(), limit: limit.value === '25' ? '' : limit.value })}`);
  });
  return filterForm;
}

/** The selection's state (the chosen orders and their checkboxes) and the bar and panel that show it. */
function renderGroupBar() {
  const bar = {
    selected: new Map(),
    checkboxes: new Map(),
    selectedCount: h('span', { 'aria-live': 'polite' }, 'No orders selected.'),
    groupButton: h('button', { type: 'button', class: 'button', disabled: true }, 'Group selected orders for shipping'),
    groupPanel: h('section', { class: 'panel', hidden: true, 'aria-labelledby': 'group-heading' }),
  };
  return bar;
}

/** The chooser's event: an order joins or leaves the selection, and any quote shown is put away. */
function choose(screen, order, chosen) {
  const { selected, selectedCount, groupButton, groupPanel } = screen;
  if (chosen) selected.set(order.order_number, order);
  else selected.delete(order.order_number);
  const count = selected.size;
  selectedCount.textContent = count === 0 ? 'No orders selected.' : count === 1 ? '1 order selected; select at least 2.' : `${count} orders selected.`;
  groupButton.disabled = count < 2;
  groupPanel.hidden = true;
}

/** "Group selected orders": the savings of shipping them together, or why they cannot be. */
async function askGroupQuote(screen) {
  const { selected, groupButton, groupPanel } = screen;
  const numbers = [...selected.keys()];
  groupButton.disabled = true;
  try {
    const quote = await ordersApi.post('/quotes', { order_numbers: numbers });
    showGroupQuote(screen, numbers, quote);
  } catch (error) {
    if (!(error instanceof ApiProblem)) throw error;
    groupPanel.hidden = false;
    groupPanel.replaceChildren(h('h2', { id: 'group-heading' }, 'Group shipping'));
    showProblem(groupPanel, error, { resolve: (path) => resolveSelected(screen, path, numbers) });
  } finally {
    groupButton.disabled = selected.size < 2;
  }
}

function resolveSelected({ checkboxes }, path, numbers) {
  if (path[0] === 'order_numbers' && path.length > 1) return checkboxes.get(numbers[Number(path[1])]) || null;
  return null;
}

function showGroupQuote(screen, numbers, quote) {
  const { ctx, groupButton, groupPanel } = screen;
  const separate = quote.costs.shipping + quote.shipping_savings;
  const create = h('button', { type: 'button', class: 'button' }, `Create shipping group of ${numbers.length} orders`);
  const problems = h('div');
  groupPanel.replaceChildren(
    h('h2', { id: 'group-heading', tabindex: '-1' }, `Ship ${numbers.length} orders together`),
    h('p', { class: 'savings' }, 'You save ', h('strong', {}, money(quote.shipping_savings, quote.costs.currency)), ' on shipping.'),
    h('p', {}, `Orders: ${numbers.join(', ')} (${quote.pairs} pairs, one shipment). Shipping alone: ${money(separate)}; together: ${money(quote.costs.shipping)}.`),
    costTable(quote.costs, 'Costs of the group'),
    h('p', { class: 'hint' }, 'Orders in a group are paid together, through the group, and ship with one tracking number.'),
    problems,
    h('div', { class: 'actions' }, create,
      h('button', { type: 'button', class: 'button secondary', onclick: () => { groupPanel.hidden = true; focusOn(groupButton); } }, 'Cancel')));
  groupPanel.hidden = false;
  focusOn(groupPanel.querySelector('h2'));
  onCreateGroup(ctx, create, numbers, (error) => showProblem(problems, error, { resolve: (path) => resolveSelected(screen, path, numbers) }));
}

function renderRow(screen, order, columns) {
  let chooser = null;
  if (isGroupable(order)) {
    chooser = h('input', { type: 'checkbox', class: 'chooser', 'aria-label': `Select ${order.order_number} for group shipping` });
    chooser.addEventListener('change', () => choose(screen, order, chooser.checked));
    screen.checkboxes.set(order.order_number, chooser);
  }
  return h('tr', {},
    h('th', { scope: 'row', 'data-label': 'Order', class: 'col-order' },
      h('span', { class: 'order-cell' }, chooser,
        h('a', { href: `#/orders/${encodeURIComponent(order.order_number)}` }, order.order_number)),
      h('span', { class: 'muted small block' }, date(order.created_at))),
    columns.map(([name]) => COLUMN_CELLS[name](order)));
}

/** A search looks at a bounded number of orders per request: a short page with a cursor means "not done yet". */
function searchGoesOn({ filters, page }) {
  return Boolean(filters.q && page.next_cursor && page.orders.length < Number(filters.limit || 25));
}

function renderTable(screen) {
  const { filters, page, cursor, trail, filtering } = screen;
  if (!page.orders.length) {
    return h('p', { class: 'empty' }, searchGoesOn(screen) ? 'No matches among the orders searched so far.'
      : cursor ? 'No more orders.' : filtering
        ? 'No orders match these filters.' : ['No orders yet. ', h('a', { href: '#/orders/new' }, 'Place your first order'), '.']);
  }
  const columns = poolColumns(filters.status);
  const headers = [['Order'], ...columns];
  return h('div', { class: 'table-wrap', role: 'region', 'aria-label': 'Orders table', tabindex: '0' },
    h('table', { class: 'table responsive pool-table' },
      h('caption', {}, `Orders, page ${trail.length + 1}`, filtering ? ' (filtered)' : ''),
      h('thead', {}, h('tr', {}, headers.map(([name, more]) => h('th', { scope: 'col', class: `col-${name.toLowerCase().replace(/ /g, '-')}` }, name,
        more ? h('span', { class: 'visually-hidden' }, more) : null)))),
      h('tbody', {}, page.orders.map((order) => renderRow(screen, order, columns)))));
}

/** Previous and next page: navigations, with the cursors behind this page kept in `trails`. */
function renderPager(screen) {
  const { ctx, filters, page, cursor, trail } = screen;
  const goTo = (to) => ctx.navigate(`#/orders${queryString({ ...filters, limit: filters.limit === '25' ? '' : filters.limit, cursor: to })}`);
  return h('nav', { class: 'pager', 'aria-label': 'Pages' },
    trail.length || cursor ? h('button', { type: 'button', class: 'button secondary', onclick: () => {
      const previous = trail.pop();
      goTo(previous || '');
    } }, 'Previous page') : null,
    page.next_cursor ? h('button', { type: 'button', class: 'button secondary', onclick: () => {
      trail.push(cursor);
      goTo(page.next_cursor);
    } }, searchGoesOn(screen) ? 'Search further' : 'Next page') : null);
}

/** "Download CSV": every order the filters match, read page by page while the button counts them. */
function renderExportButton({ filters, filtering }) {
  const exportButton = h('button', { type: 'button', class: 'button secondary' }, 'Download CSV',
    h('span', { class: 'visually-hidden' }, filtering ? ' of the filtered orders' : ' of all orders'));
  exportButton.addEventListener('click', async () => {
    exportButton.disabled = true;
    const wanted = { status: filters.status, type: filters.type, q: filters.q };
    try {
      const everything = await allOrders(wanted, (count) => {
        exportButton.firstChild.textContent = `Exporting… ${count} orders`;
      });
      const stamp = new Date().toISOString().slice(0, 10);
      downloadCsv(csvOf(everything, await loadCatalog()), `welt-orders-${stamp}.csv`);
      announce(`${everything.length} orders exported to CSV.`);
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      announce(`The export stopped: ${error.detail || error.title}`);
    } finally {
      exportButton.firstChild.textContent = 'Download CSV';
      exportButton.disabled = false;
    }
  });
  return exportButton;
}

/**
 * The pool's columns after "Order", each with what a screen reader adds to its short heading. Unpaid and
 * cancelled orders have no production, invoices or tracking: those columns only show where they can matter.
 */
function poolColumns(status) {
  const production = !['PENDING_PAYMENT', 'CANCELLED'].includes(status);
  const documents = status !== 'PENDING_PAYMENT';
  return [
    ['Model', ', type and pairs'], ['Ship to'], ['Group'], ['Status'],
    production ? ['Production', ': expected ship date and days in production'] : null,
    documents ? ['Invoice', ' and tracking'] : null,
    ['Total'], ['Actions'],
  ].filter(Boolean);
}

const COLUMN_CELLS = {
  Model: (order) => cell('Model', h('span', { class: 'model' }, order.model_name || order.design.model),
    h('span', { class: 'muted small block' }, `${orderType(order.type)} · ${pairs(order.pairs)}`)),
  'Ship to': (order) => cell('Ship to', shipTo(order.shipping_address)),
  Group: (order) => (order.shipping_group_id
    ? cell('Group', h('a', { href: `#/groups/${encodeURIComponent(order.shipping_group_id)}` },
      h('span', { class: 'visually-hidden' }, 'Shipping group '), order.shipping_group_id))
    : blankCell('Group')),
  Status: (order) => cell('Status', statusBadge(order)),
  Production: (order) => (order.status === 'WORK_IN_PROCESS' || (order.tracking && order.tracking.shipped_at)
    ? cell('Production', ...productionFacts(order)) : blankCell('Production')),
  Invoice: (order) => (!order.invoice_number && !order.tracking ? blankCell('Invoice') : cell('Invoice', invoiceButton(order), order.tracking ? h('span', { class: 'block' }, trackingLink(order.tracking)) : null)),
  Total: (order) => totalCell(order),
  Actions: (order) => h('td', { 'data-label': 'Actions', class: 'nowrap col-actions' },
    h('span', { class: 'row-actions' }, payLink(order), orderAgainButton(order, { inRow: true }))),
};

/** The order's total; in a group, its share of the group's total (what it adds to the payment), its own beside it. */
function totalCell(order) {
  const share = order.group_share;
  if (!share) return nowrapCell('Total', money(order.costs.total, order.costs.currency));
  return nowrapCell('Total', h('span', { class: 'group-share' }, money(share.total, order.costs.currency)),
    h('span', { class: 'muted small block' }, `group share · alone ${money(order.costs.total, order.costs.currency)}`));
}

/** A cell with nothing to say for this order: a dash on wide screens, left out of a phone's compact card. */
function blankCell(name) {
  return h('td', { 'data-label': name, class: 'blank' }, h('span', { class: 'muted' }, '—'));
}

/** "Berlin, Germany": where the order goes, short enough for a column. */
function shipTo(address) {
  if (!address) return h('span', { class: 'muted' }, '—');
  return h('span', { class: 'ship-to' }, `${address.city}, ${countryName(address.country)}`);
}

/** Expected ship date and time in production, or the day it shipped; a dash before production starts. */
function productionFacts(order) {
  if (order.tracking && order.tracking.shipped_at) return [h('span', { class: 'small' }, `Shipped ${date(order.tracking.shipped_at)}`)];
  return [
    order.expected_ship_date ? h('span', { class: 'ship-date small block' }, `Ships ${day(order.expected_ship_date)}`) : null,
    h('span', { class: 'muted small block' }, productionDays(order)),
  ];
}

/** `button` makes these orders a shipping group and opens it; a refusal goes to `refused`. */
function onCreateGroup(ctx, button, numbers, refused) {
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const group = await ordersApi.post('/shipping-groups', { order_numbers: numbers });
      ctx.flash(`Shipping group ${group.shipping_group_id} created: you save ${money(group.shipping_savings)} on shipping.`);
      ctx.navigate(`#/groups/${encodeURIComponent(group.shipping_group_id)}`);
    } catch (error) {
      button.disabled = false;
      if (!(error instanceof ApiProblem)) throw error;
      refused(error);
    }
  });
}

/** The groups the API suggests (GET /shipping-groups/suggestions), each created with one click. */
function suggestionsPanel(ctx, suggestions) {
  if (!suggestions.length) return null;
  const items = suggestions.map((suggestion) => {
    const to = suggestion.shipping_address;
    const numbers = suggestion.order_numbers;
    const alone = suggestion.costs.shipping + suggestion.shipping_savings;
    const problems = h('div');
    const create = h('button', { type: 'button', class: 'button small' }, 'Create group',
      h('span', { class: 'visually-hidden' }, ` of ${numbers.join(', ')}`));
    onCreateGroup(ctx, create, numbers, (error) => showProblem(problems, error, { extra: h('p', {},
      h('button', { type: 'button', class: 'link-button', onclick: () => ctx.rerender() }, 'Reload the suggestions')) }));
    return h('li', { class: 'suggestion' },
      h('h3', {}, `${numbers.length} orders to ${to.name}, ${to.line1}, ${to.postal_code} ${to.city}`),
      h('p', { class: 'savings' }, 'Save ', h('strong', {}, money(suggestion.shipping_savings, suggestion.costs.currency)),
        ` on shipping: ${money(alone)} apart, ${money(suggestion.costs.shipping)} together.`),
      h('p', { class: 'small' }, `Orders ${numbers.join(', ')} · ${suggestion.pairs} pairs · group total ${money(suggestion.costs.total)}`),
      problems,
      create);
  });
  return h('section', { class: 'panel suggestions', 'aria-labelledby': 'suggestions-heading' },
    h('h2', { id: 'suggestions-heading' }, 'Suggested shipping groups'),
    h('p', { class: 'hint' }, 'Unpaid MTO orders to the same address can ship as one group: one shipment, one payment, less shipping.'),
    h('ul', { class: 'suggestion-list' }, items));
}
