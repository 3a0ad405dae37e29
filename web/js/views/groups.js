/** Shipping groups: the list, and one group with its orders, savings, payment, and changes while unpaid. */

import { ApiProblem, ordersApi, queryString } from '../api.js';
import { focusOn, h } from '../dom.js';
import { field, select } from '../fields.js';
import { money, orderType } from '../format.js';
import {
  badge, cell, costTable, isGroupable, paymentInProgress, sameAddress, shipToText, trackingLink,
} from '../order-parts.js';
import { showProblem } from '../problems.js';

function groupLink(id) {
  return h('a', { href: `#/groups/${encodeURIComponent(id)}` }, id);
}

export async function groupsView(ctx) {
  const cursor = ctx.query.get('cursor') || '';
  const { shipping_groups: groups, next_cursor: nextCursor } = await ordersApi.get(
    `/shipping-groups${queryString({ cursor })}`, { signal: ctx.signal });
  const body = groups.length
    ? h('div', { class: 'table-wrap', role: 'region', 'aria-label': 'Shipping groups table', tabindex: '0' },
      h('table', { class: 'table responsive' },
        h('caption', {}, 'Your shipping groups'),
        h('thead', {}, h('tr', {}, ['Group', 'Orders', 'Ship to', 'Pairs', 'Status', 'Shipping savings', 'Total', 'Tracking', 'Action']
          .map((name) => h('th', { scope: 'col' }, name)))),
        h('tbody', {}, groups.map((group) => h('tr', {},
          h('th', { scope: 'row', 'data-label': 'Group' }, groupLink(group.shipping_group_id)),
          cell('Orders', group.order_numbers.join(', ')),
          cell('Ship to', h('span', { class: 'ship-to' }, shipToText(group.shipping_address))),
          cell('Pairs', String(group.pairs)),
          cell('Status', badge(group.status, 'group')),
          cell('Shipping savings', money(group.shipping_savings)),
          cell('Total', money(group.costs.total, group.costs.currency)),
          cell('Tracking', trackingLink(group.tracking)),
          cell('Action', group.status === 'OPEN'
            ? h('a', { class: 'button small', href: `#/pay?group=${encodeURIComponent(group.shipping_group_id)}` },
              'Pay', h('span', { class: 'visually-hidden' }, ` group ${group.shipping_group_id}`))
            : h('span', { class: 'muted' }, '—')))))))
    : h('p', { class: 'empty' }, 'No shipping groups yet. Select two or more MTO orders in the ',
      h('a', { href: '#/orders' }, 'order pool'), ' to ship them together.');
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' },
    cursor ? h('a', { class: 'button secondary', href: '#/groups' }, 'Newest groups') : null,
    nextCursor ? h('a', { class: 'button secondary', href: `#/groups${queryString({ cursor: nextCursor })}` },
      'Older groups') : null);
  return h('section', { class: 'page wide' },
    h('h1', {}, 'Shipping groups'),
    h('p', { class: 'lead' }, 'MTO orders to the same address, paid together and shipped as one parcel for less.'),
    body, pager);
}

/*
 * The group screen's states come from the server: an OPEN group can be paid, changed and dissolved; any other
 * is only shown. Its work area is empty, shows the payment in progress, or asks "Dissolve group …?".
 * Events: remove an order, add one, dissolve (asked, kept or done); each change that succeeds reloads the screen
 * with a flash, a refusal is shown where it was asked.
 */
export async function groupView(ctx) {
  const id = ctx.params.id;
  const path = `/shipping-groups/${encodeURIComponent(id)}`;
  const group = await ordersApi.get(path, { signal: ctx.signal });
  const orders = await Promise.all(group.order_numbers.map((n) => ordersApi.get(`/orders/${encodeURIComponent(n)}`, { signal: ctx.signal })));
  const open = group.status === 'OPEN';
  const screen = { ctx, id, path, group, open, problems: h('div'), actions: h('div', { class: 'actions' }), workArea: h('div') };
  if (open) {
    screen.actions.append(
      h('a', { class: 'button', href: `#/pay?group=${encodeURIComponent(id)}` }, `Pay the group (${money(group.costs.total)})`),
      h('button', { type: 'button', class: 'button danger', onclick: () => confirmDissolve(screen) }, 'Dissolve the group'));
  }
  if (group.open_payment_id) {
    screen.workArea.append(paymentInProgress(group.open_payment_id, `group=${encodeURIComponent(id)}`, `Group ${id}`,
      (message, kind) => { ctx.flash(message, kind); ctx.rerender(); }));
  }
  const rows = orders.map((order) => renderGroupRow(screen, order));
  const addForm = open ? await renderAddForm(screen) : null;
  return h('section', { class: 'page' },
    h('p', { class: 'breadcrumb' }, h('a', { href: '#/groups' }, 'Shipping groups')),
    h('h1', {}, `Shipping group ${id}`),
    h('p', { class: 'lead' }, badge(group.status, 'group'), ` · ${group.order_numbers.length} orders · ${group.pairs} pairs · one shipment`),
    shipToLine(group.shipping_address),
    h('p', { class: 'savings' }, 'Shipping together saves ', h('strong', {}, money(group.shipping_savings)), '.'),
    screen.problems,
    screen.actions,
    screen.workArea,
    group.tracking ? h('p', {}, 'Tracking: ', trackingLink(group.tracking)) : null,
    costTable(group.costs, 'Costs of the group'),
    h('div', { class: 'table-wrap', role: 'region', 'aria-label': 'Orders in the group', tabindex: '0' },
      h('table', { class: 'table responsive' },
        h('caption', {}, 'Orders in the group'),
        h('thead', {}, h('tr', {}, ['Order', 'Model', 'Pairs', 'Status', 'Payment', 'Stage', 'Manufacturing', 'Shipping share', 'Share of total', open ? 'Action' : null]
          .filter(Boolean).map((name) => h('th', { scope: 'col' }, name)))),
        h('tbody', {}, rows))),
    open ? h('p', { class: 'hint' }, `A group holds 2 to 20 MTO orders. ${orderType('MTO')} orders in a group are paid only through the group.`) : null,
    addForm);
}

/** Where the group's one parcel goes: the name and street, and the pool's "City, Country". */
function shipToLine(address) {
  if (!address) return null;
  return h('p', { class: 'ship-to' }, 'Ships to ', h('strong', {}, shipToText(address)),
    ` · ${[address.name, address.line1, `${address.postal_code} ${address.city}`].join(', ')}`);
}

/** A change to the group: reloaded with a flash when it is made, the refusal shown above the actions when not. */
async function change(screen, action, message) {
  try {
    await action();
    screen.ctx.flash(message);
    screen.ctx.rerender();
  } catch (error) {
    if (!(error instanceof ApiProblem)) throw error;
    showProblem(screen.problems, error);
  }
}

function renderGroupRow(screen, order) {
  const { id, path, open } = screen;
  return h('tr', {},
    h('th', { scope: 'row', 'data-label': 'Order' }, h('a', { href: `#/orders/${encodeURIComponent(order.order_number)}` }, order.order_number)),
    cell('Model', order.model_name || order.design.model),
    cell('Pairs', String(order.pairs)),
    cell('Status', badge(order.status)),
    cell('Payment', badge(order.payment_status, 'payment')),
    cell('Stage', order.production_stage ? badge(order.production_stage, 'stage') : '—'),
    cell('Manufacturing', money(order.costs.manufacturing)),
    cell('Shipping share', money(order.group_share ? order.group_share.shipping : null)),
    cell('Share of total', money(order.group_share ? order.group_share.total : null)),
    open ? cell('Action', h('button', {
      type: 'button', class: 'button small secondary',
      onclick: () => change(screen, () => ordersApi.delete(`${path}/orders/${encodeURIComponent(order.order_number)}`),
        `${order.order_number} was taken out of group ${id}.`),
    }, 'Remove', h('span', { class: 'visually-hidden' }, ` ${order.order_number} from the group`))) : null);
}

/** The work area asks before the group is dissolved; "Keep the group" empties it again. */
function confirmDissolve({ ctx, id, path, actions, workArea }) {
  const yes = h('button', { type: 'button', class: 'button danger' }, 'Yes, dissolve it');
  const box = h('section', { class: 'panel warning', 'aria-labelledby': 'dissolve-heading' },
    h('h2', { id: 'dissolve-heading', tabindex: '-1' }, `Dissolve group ${id}?`),
    h('p', {}, 'Its orders go back to your order pool, each to be paid and shipped on its own.'),
    h('div', { class: 'actions' }, yes,
      h('button', { type: 'button', class: 'button secondary', onclick: () => { workArea.replaceChildren(); focusOn(actions.querySelector('button')); } }, 'Keep the group')));
  yes.addEventListener('click', async () => {
    yes.disabled = true;
    try {
      await ordersApi.delete(path);
      ctx.flash(`Group ${id} is dissolved; its orders are back in your order pool.`);
      ctx.navigate('#/orders');
    } catch (error) {
      yes.disabled = false;
      if (!(error instanceof ApiProblem)) throw error;
      showProblem(box, error);
    }
  });
  workArea.replaceChildren(box);
  focusOn(box.querySelector('h2'));
}

/** The unpaid MTO orders in no group and to the group's address, offered to join it; null when there are none. */
async function renderAddForm(screen) {
  const { ctx, id, path, group } = screen;
  const candidates = await ordersApi.get(`/orders${queryString({ status: 'PENDING_PAYMENT', type: 'MTO', limit: 100 })}`, { signal: ctx.signal });
  const addable = candidates.orders.filter((o) => isGroupable(o) && sameAddress(o.shipping_address, group.shipping_address));
  if (!addable.length) return null;
  const choice = select(addable.map((o) => [o.order_number, `${o.order_number} — ${o.model_name || o.design.model}`]));
  const addForm = h('form', { class: 'form inline', 'aria-labelledby': 'add-heading' },
    h('h2', { id: 'add-heading' }, 'Add an order'),
    field({ label: 'Order', loc: 'order_number', control: choice, hint: `Unpaid MTO orders in no group that ship to the group’s address (${shipToText(group.shipping_address)}).` }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button secondary' }, 'Add to the group')));
  addForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await ordersApi.post(`${path}/orders`, { order_number: choice.value });
      ctx.flash(`${choice.value} was added to group ${id}.`);
      ctx.rerender();
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      showProblem(addForm, error, { resolve: (at) => (at[0] === 'order_number' || at[0] === 'order_numbers' ? choice : null) });
    }
  });
  return addForm;
}
