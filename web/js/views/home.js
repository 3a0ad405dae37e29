/**
 * The brand's home page (GET /brand/summary on the payments API): what awaits payment, what is being made and
 * when it should ship, what shipped this week and what was paid this month and year. Each figure links to the
 * order pool filtered by the status that lists its orders (the pool's own `status` filter), spend to the invoices.
 *
 * One state: shown. The screen reads the summary once and renders it; every link is a navigation.
 */

import { paymentsApi } from '../api.js';
import { h } from '../dom.js';
import { date, day, money } from '../format.js';
import { STAGE, wordsFor } from '../labels.js';

const POOL = (status) => `#/orders?status=${status}`;
const ORDERS = (count) => `${count} ${count === 1 ? 'order' : 'orders'}`;

export async function homeView(ctx) {
  const summary = await paymentsApi.get('/brand/summary', { signal: ctx.signal });
  return h('section', { class: 'page wide' },
    h('div', { class: 'page-head' },
      h('h1', {}, 'Home'),
      h('div', { class: 'actions' }, h('a', { class: 'button', href: '#/orders/new?fresh=1' }, 'New order'))),
    h('div', { class: 'home-figures' },
      renderAwaiting(summary.awaiting_payment),
      renderInProduction(summary.in_production),
      renderShipped(summary.shipped_this_week),
      renderSpend(summary.spend)));
}

/** One figure: its title, the number as a link to the orders behind it, and what goes with it. */
function renderFigure(id, title, href, figure, ...details) {
  return h('section', { class: 'panel home-figure', 'aria-labelledby': id },
    h('h2', { id }, title),
    h('p', { class: 'figure' }, h('a', { href }, figure, h('span', { class: 'visually-hidden' }, ` ${title.toLowerCase()}`))),
    ...details);
}

function budgetNote(part) {
  return part.complete ? null : h('p', { class: 'hint' }, 'More than 500 orders: the figure counts the newest 500.');
}

function renderAwaiting(part) {
  const oldest = part.oldest;
  return renderFigure('home-awaiting', 'Awaiting payment', POOL(part.status), ORDERS(part.count),
    h('p', {}, 'Total ', h('strong', { class: 'total' }, money(part.total))),
    oldest ? h('p', {}, 'Oldest: ', h('a', { href: `#/orders/${oldest.order_number}` }, oldest.order_number),
      ` placed ${date(oldest.created_at)} (${money(oldest.total)})`) : null,
    budgetNote(part));
}

function renderInProduction(part) {
  const next = part.next_ships.length ? h('ul', { class: 'plain-list' }, ...part.next_ships.map((o) => h('li', {},
    h('a', { href: `#/orders/${o.order_number}` }, o.order_number), ' · ',
    o.production_stage ? wordsFor(STAGE, o.production_stage) : '', ' · ',
    o.expected_ship_date ? `ships ${day(o.expected_ship_date)}` : 'ship date not set yet'))) : null;
  return renderFigure('home-production', 'In production', POOL(part.status), ORDERS(part.count),
    h('p', {}, 'Total ', h('strong', { class: 'total' }, money(part.total))),
    next ? h('h3', { class: 'small' }, 'Expected to ship next') : null, next,
    budgetNote(part));
}

function renderShipped(part) {
  return renderFigure('home-shipped', 'Shipped this week', POOL(part.status), ORDERS(part.count),
    h('p', {}, `Since Monday ${day(part.week_starts)} · total `, h('strong', { class: 'total' }, money(part.total))),
    h('p', { class: 'hint' }, 'The link lists every order on its way.'),
    budgetNote(part));
}

function renderSpend(spend) {
  return h('section', { class: 'panel home-figure', 'aria-labelledby': 'home-spend' },
    h('h2', { id: 'home-spend' }, 'Spend'),
    h('dl', { class: 'spend' },
      h('dt', {}, 'This month'),
      h('dd', {}, h('a', { href: '#/invoices', class: 'figure' }, money(spend.this_month, spend.currency)),
        ` · ${spend.payments_this_month} ${spend.payments_this_month === 1 ? 'payment' : 'payments'}`),
      h('dt', {}, 'This year'),
      h('dd', {}, h('a', { href: '#/invoices', class: 'figure' }, money(spend.this_year, spend.currency)),
        ` · ${spend.payments_this_year} ${spend.payments_this_year === 1 ? 'payment' : 'payments'}`)),
    h('p', { class: 'hint' }, 'What you paid, VAT included, by payment date (Madrid time).'));
}
