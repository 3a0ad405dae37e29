/**
 * The order pool: filters (status, type, text, order dates), pages (next_cursor), sorting of the page shown,
 * a Pay link per payable order, and a selection of orders to pay as one payment, export as CSV, or group for
 * shipping with the savings shown (POST /quotes) before the group is made. Above the table, the groups the
 * API suggests, each made with one click; "Download CSV" exports every order the filters match; each row can
 * be ordered again.
 */

import { ApiProblem, ordersApi, queryString } from '../api.js';
import { announce, focusOn, h } from '../dom.js';
import { field, select } from '../fields.js';
import { countryName } from '../countries.js';
import { date, day, money, orderType, pairs } from '../format.js';
import { ORDER_STATUS, productionDays, wordsFor } from '../labels.js';
import {
  cell, costTable, invoiceButton, isGroupable, isPayableAlone, nowrapCell, orderAgainButton, payLink, statusBadge, trackingLink,
} from '../order-parts.js';
import { allOrders, csvOf, downloadCsv } from '../pool-export.js';
import {
  SERVER_ORDER, SORT_KEYS, describeSort, isServerOrder, nextSort, parseSort, sortOrders, sortParam,
} from '../pool-sorting.js';
import { showProblem } from '../problems.js';
import { loadCatalog } from '../store.js';

const STATUSES = ['PENDING_PAYMENT', 'WORK_IN_PROCESS', 'SHIPPED', 'DELIVERED', 'CANCELLED'];
const TYPES = ['MTO', 'MINI_BULK', 'BULK'];
const PAGE_SIZES = ['10', '25', '50', '100'];
const MAX_PAID_TOGETHER = 20; // POST /payments takes at most this many orders (as many as a shipping group holds)
const SORTABLE = { Order: 'date', Status: 'status', Total: 'total' };

// Cursors of the pages before the current one, per filter, so "Previous page" can go back.
const trails = new Map();

/*
 * The screen is a state machine. Where the buyer looks (filters, sort, page) lives in the address, so its
 * events navigate: filters applied, a column sorted, previous or next page. What the buyer does on the page
 * is the screen's own state:
 *   selection   none → one → several orders chosen (a chooser's or "select all"'s change); "Pay selected" needs
 *               orders payable alone (at most 20), "Group selected" several groupable ones, "Export selected" any
 *   groupPanel  hidden → quote (the group's savings, POST /quotes) or problem; cancel or a new choice hides it,
 *               "Create shipping group" leaves for the new group (or shows the refusal)
 *   export      idle → exporting (counting the orders read) → idle
 */
export async function poolView(ctx) {
  const q = ctx.query;
  const filters = Object.fromEntries(['status', 'type', 'q', 'created_from', 'created_to'].map((name) => [name, q.get(name) || '']));
  filters.limit = q.get('limit') || '25';
  const cursor = q.get('cursor') || '';
  const sort = parseSort(q.get('sort') || '');
  // Suggestions are about unpaid MTO orders: shown on the pool's first page unless the filters look elsewhere.
  const suggesting = !cursor && ['', 'PENDING_PAYMENT'].includes(filters.status) && ['', 'MTO'].includes(filters.type);
  const [{ page, refused }, suggested] = await Promise.all([
    readPage(ctx, filters, cursor),
    // The pool works without suggestions: a failure to read them only leaves them out.
    suggesting ? ordersApi.get('/shipping-groups/suggestions', { signal: ctx.signal }).catch(() => ({ suggestions: [] }))
      : { suggestions: [] },
  ]);
  const filterKey = JSON.stringify(filters);
  const trail = trails.get(filterKey) || [];
  if (!cursor) trail.length = 0;
  trails.set(filterKey, trail);
  const filtering = Boolean(filters.status || filters.type || filters.q || filters.created_from || filters.created_to);
  const shown = sortOrders(page.orders, sort);
  const screen = { ctx, filters, cursor, sort, page, shown, trail, filtering, ...renderBulkBar() };
  const filterForm = renderFilters(screen);
  if (refused) showProblem(filterForm, refused, { strip: ['query'], focus: false });

  return h('section', { class: 'page wide' },
    h('div', { class: 'page-head' },
      h('h1', {}, 'Order pool'),
      h('div', { class: 'actions' }, h('a', { class: 'button', href: '#/orders/new?fresh=1' }, 'New order'), renderExportButton(screen))),
    h('details', { class: 'filter-box', open: filtering || Boolean(refused) || window.matchMedia('(min-width: 761px)').matches },
      h('summary', {}, filtering ? 'Filters (in use)' : 'Filter and search'), filterForm),
    suggestionsPanel(ctx, suggested.suggestions),
    shown.length ? renderBulkActions(screen) : null,
    screen.groupPanel,
    renderTable(screen),
    renderPager(screen));
}

/** One page of the pool; filters the API refuses (422: a bad date, a range that ends before it starts) leave it empty. */
async function readPage(ctx, filters, cursor) {
  try {
    return { page: await ordersApi.get(`/orders${queryString({ ...filters, cursor })}`, { signal: ctx.signal }) };
  } catch (error) {
    if (!(error instanceof ApiProblem) || error.status !== 422) throw error;
    return { page: { orders: [], next_cursor: null }, refused: error };
  }
}

/** The pool's address: its filters, the sort unless it is the API's order, and the page's cursor. */
function poolHref(filters, { sort = SERVER_ORDER, cursor = '' } = {}) {
  return `#/orders${queryString({ ...filters, limit: filters.limit === '25' ? '' : filters.limit, sort: sortParam(sort), cursor })}`;
}

/** The filters form; applying it is a navigation, so the filters are in the address and the history. */
function renderFilters({ ctx, filters, sort }) {
  const statusSelect = select([['', 'All statuses'], ...STATUSES.map((s) => [s, wordsFor(ORDER_STATUS, s)])], { value: filters.status });
  const typeSelect = select([['', 'All types'], ...TYPES.map((t) => [t, orderType(t)])], { value: filters.type });
  const search = h('input', { type: 'search', value: filters.q, maxlength: '100' });
  // Named for the error summary, which may be drawn before the form is in the document (where labels are found).
  const from = h('input', { type: 'date', value: filters.created_from, 'data-label': 'Placed from' });
  const to = h('input', { type: 'date', value: filters.created_to, 'data-label': 'Placed to' });
  const limit = select(PAGE_SIZES.map((n) => [n, n]), { value: PAGE_SIZES.includes(filters.limit) ? filters.limit : '25' });
  const filterForm = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter orders' },
    field({ label: 'Status', control: statusSelect, loc: 'status' }),
    field({ label: 'Type', control: typeSelect, loc: 'type' }),
    field({ label: 'Search', control: search, loc: 'q', hint: 'Order number, model or design ref.' }),
    field({ label: 'Placed from', control: from, loc: 'created_from', hint: 'Order date, Madrid time; this day included.' }),
    field({ label: 'Placed to', control: to, loc: 'created_to', hint: 'This day included.' }),
    field({ label: 'Rows per page', control: limit, loc: 'limit' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button secondary' }, 'Apply filters')));
  filterForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = { status: statusSelect.value, type: typeSelect.value, q: search.value.trim(), created_from: from.value, created_to: to.value, limit: limit.value };
    ctx.navigate(poolHref(chosen, { sort }));
  });
  return filterForm;
}

/** The selection's state (the chosen orders and their checkboxes) and the bar and panel that act on it. */
function renderBulkBar() {
  return {
    selected: new Map(),
    checkboxes: new Map(),
    selectAll: h('input', { type: 'checkbox', id: 'select-all-orders' }),
    selectedCount: h('span', { 'aria-live': 'polite' }, 'No orders selected.'),
    payButton: h('button', { type: 'button', class: 'button', disabled: true }, 'Pay selected'),
    exportSelected: h('button', { type: 'button', class: 'button secondary', disabled: true }, 'Export selected'),
    groupButton: h('button', { type: 'button', class: 'button secondary', disabled: true }, 'Group selected orders for shipping'),
    bulkNote: h('p', { class: 'hint' }, 'Select orders to pay them as one payment, export them, or ship MTO orders to one address together for less.'),
    groupPanel: h('section', { class: 'panel', hidden: true, 'aria-labelledby': 'group-heading' }),
  };
}

/** The bar above the table: "select all on this page", the count, the bulk actions, and (on phones) the sort. */
function renderBulkActions(screen) {
  const { ctx, selectAll, selectedCount, payButton, exportSelected, groupButton, bulkNote, checkboxes } = screen;
  selectAll.addEventListener('change', () => {
    const wanted = selectAll.checked; // each choice below redraws the box, so read it first
    for (const order of screen.shown) {
      const chooser = checkboxes.get(order.order_number);
      if (chooser.checked !== wanted) {
        chooser.checked = wanted;
        choose(screen, order, wanted);
      }
    }
  });
  payButton.addEventListener('click', () => {
    const numbers = chosenInOrder(screen).map((order) => encodeURIComponent(order.order_number));
    ctx.navigate(`#/pay?orders=${numbers.join(',')}`);
  });
  exportSelected.addEventListener('click', () => exportChosen(screen));
  groupButton.addEventListener('click', () => askGroupQuote(screen));
  return h('div', { class: 'bulk-bar', role: 'group', 'aria-label': 'Selected orders' },
    h('span', { class: 'select-all' }, selectAll, h('label', { for: 'select-all-orders' }, 'Select all on this page')),
    selectedCount, payButton, exportSelected, groupButton, renderPhoneSort(screen), bulkNote);
}

/** The selected orders as the table shows them. */
function chosenInOrder({ shown, selected }) {
  return shown.filter((order) => selected.has(order.order_number));
}

/** "Export selected": exactly the selected rows, with the same columns as "Download CSV". */
async function exportChosen(screen) {
  const orders = chosenInOrder(screen);
  const stamp = new Date().toISOString().slice(0, 10);
  downloadCsv(csvOf(orders, await loadCatalog()), `welt-orders-selected-${stamp}.csv`);
  announce(`${orders.length} selected ${orders.length === 1 ? 'order' : 'orders'} exported to CSV.`);
}

/** The chooser's event: an order joins or leaves the selection, the actions follow, and any quote shown is put away. */
function choose(screen, order, chosen) {
  const { selected, checkboxes, selectAll, selectedCount, payButton, exportSelected, groupButton, groupPanel, bulkNote } = screen;
  if (chosen) selected.set(order.order_number, order);
  else selected.delete(order.order_number);
  const orders = [...selected.values()];
  const count = orders.length;
  selectedCount.textContent = count === 0 ? 'No orders selected.' : `${count} ${count === 1 ? 'order' : 'orders'} selected.`;
  const unpayable = orders.filter((o) => !isPayableAlone(o)).map((o) => o.order_number);
  payButton.disabled = count === 0 || unpayable.length > 0 || count > MAX_PAID_TOGETHER;
  groupButton.disabled = count < 2 || orders.some((o) => !isGroupable(o));
  exportSelected.disabled = count === 0;
  selectAll.checked = count > 0 && count === checkboxes.size;
  selectAll.indeterminate = count > 0 && count < checkboxes.size;
  bulkNote.textContent = count > MAX_PAID_TOGETHER ? `One payment takes at most ${MAX_PAID_TOGETHER} orders.`
    : unpayable.length ? `Pay selected takes unpaid orders outside shipping groups; not ${unpayable.join(', ')}.`
      : count === 1 ? 'Grouping for shipping needs at least 2 MTO orders.' : '';
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
    groupButton.disabled = selected.size < 2 || [...selected.values()].some((order) => !isGroupable(order));
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
    ...[costTable(quote.costs, 'Costs of the group')].flat(), // a table, and its VAT note when there is one
    h('p', { class: 'hint' }, 'Orders in a group are paid together, through the group, and ship with one tracking number.'),
    problems,
    h('div', { class: 'actions' }, create,
      h('button', { type: 'button', class: 'button secondary', onclick: () => { groupPanel.hidden = true; focusOn(groupButton); } }, 'Cancel')));
  groupPanel.hidden = false;
  focusOn(groupPanel.querySelector('h2'));
  onCreateGroup(ctx, create, numbers, (error) => showProblem(problems, error, { resolve: (path) => resolveSelected(screen, path, numbers) }));
}

function renderRow(screen, order, columns) {
  const chooser = h('input', { type: 'checkbox', class: 'chooser', 'aria-label': `Select ${order.order_number}` });
  chooser.addEventListener('change', () => choose(screen, order, chooser.checked));
  screen.checkboxes.set(order.order_number, chooser);
  return h('tr', {},
    h('th', { scope: 'row', 'data-label': 'Order', class: 'col-order' },
      h('span', { class: 'order-cell' }, chooser,
        h('a', { href: `#/orders/${encodeURIComponent(order.order_number)}` }, order.order_number)),
      h('span', { class: 'muted small block' }, date(order.created_at))),
    columns.map(([name]) => COLUMN_CELLS[name](order)));
}

/** A search or a date range looks at a bounded number of orders per request: a short page with a cursor means "not done yet". */
function searchGoesOn({ filters, page }) {
  const bounded = filters.q || filters.created_from || filters.created_to;
  return Boolean(bounded && page.next_cursor && page.orders.length < Number(filters.limit || 25));
}

function renderTable(screen) {
  const { filters, page, cursor, trail, filtering, sort, shown } = screen;
  if (!page.orders.length) {
    return h('p', { class: 'empty' }, searchGoesOn(screen) ? 'No matches among the orders searched so far.'
      : cursor ? 'No more orders.' : filtering
        ? 'No orders match these filters.' : ['No orders yet. ', h('a', { href: '#/orders/new' }, 'Place your first order'), '.']);
  }
  const columns = poolColumns(filters.status);
  const headers = [['Order'], ...columns];
  return h('div', {},
    isServerOrder(sort) ? null : h('p', { class: 'hint sort-note' }, `Sorted by ${describeSort(sort)}: the ${shown.length} orders on this page. `
      + 'Pages still run newest first; to sort more orders at once, show more rows per page or narrow the filters.'),
    h('div', { class: 'table-wrap', role: 'region', 'aria-label': 'Orders table', tabindex: '0' },
      h('table', { class: 'table responsive pool-table' },
        h('caption', {}, `Orders, page ${trail.length + 1}`, filtering ? ' (filtered)' : '',
          isServerOrder(sort) ? '' : `, this page sorted by ${describeSort(sort)}`),
        h('thead', {}, h('tr', {}, headers.map((header) => headerCell(screen, header)))),
        h('tbody', {}, shown.map((order) => renderRow(screen, order, columns))))));
}

/** A column's heading; Order (by date), Status and Total sort the page, and say how it is sorted (aria-sort). */
function headerCell({ ctx, filters, cursor, sort }, [name, more]) {
  const key = SORTABLE[name];
  const attrs = { scope: 'col', class: `col-${name.toLowerCase().replace(/ /g, '-')}` };
  const extra = more ? h('span', { class: 'visually-hidden' }, more) : null;
  if (!key) return h('th', attrs, name, extra);
  const active = sort.key === key;
  if (active) attrs['aria-sort'] = sort.direction;
  const mark = active ? (sort.direction === 'ascending' ? '▲' : '▼') : '↕';
  const button = h('button', { type: 'button', class: 'sort-button' }, name, key === 'date' ? h('span', { class: 'visually-hidden' }, ' date') : null,
    h('span', { class: 'sort-mark', 'aria-hidden': 'true' }, ` ${mark}`));
  button.addEventListener('click', () => ctx.navigate(poolHref(filters, { sort: nextSort(sort, key), cursor })));
  return h('th', attrs, button, h('span', { class: 'sort-name' }, name), extra);
}

/** On a phone the table's headings are out of sight: the same sorts, as a choice. */
function renderPhoneSort({ ctx, filters, cursor, sort }) {
  const options = Object.entries(SORT_KEYS).flatMap(([key, { first }]) => {
    const other = first === 'ascending' ? 'descending' : 'ascending';
    return [first, other].map((direction) => [`${direction === 'descending' ? '-' : ''}${key}`, describeSort({ key, direction })]);
  });
  const current = `${sort.direction === 'descending' ? '-' : ''}${sort.key}`;
  const choice = select(options.map(([value, words]) => [value, words[0].toUpperCase() + words.slice(1)]), { value: current });
  choice.addEventListener('change', () => ctx.navigate(poolHref(filters, { sort: parseSort(choice.value), cursor })));
  return h('div', { class: 'phone-sort' }, field({ label: 'Sort this page by', control: choice, loc: 'sort' }));
}

/** Previous and next page: navigations, with the cursors behind this page kept in `trails`. */
function renderPager(screen) {
  const { ctx, filters, page, cursor, trail, sort } = screen;
  const goTo = (to) => ctx.navigate(poolHref(filters, { sort, cursor: to }));
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
    const wanted = { status: filters.status, type: filters.type, q: filters.q, created_from: filters.created_from, created_to: filters.created_to };
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
