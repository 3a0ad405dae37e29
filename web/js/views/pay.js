/**
 * Paying one order or a shipping group: POST /payments (Idempotency-Key) for the cost summary, the card
 * in Stripe's element, POST /payments/{id}/confirm on the server, the bank's step if asked, then GET
 * /payments/{id} until Stripe's word settles it, and the orders shown in production.
 */

import { ApiProblem, newIdempotencyKey, ordersApi, paymentsApi } from '../api.js';
import { announce, focusOn, h } from '../dom.js';
import { money } from '../format.js';
import { badge, costTable, downloadInvoice } from '../order-parts.js';
import { clearProblems, showProblem } from '../problems.js';
import { paymentKeys } from '../store.js';
import { CardProblem, handleBankStep, mountCard, paymentMethodFor, stripeFor } from '../stripe.js';

const POLL_EVERY_MS = 1000;
const GIVE_UP_AFTER_MS = 90_000;
// After the bank refused, Stripe closes the payment by itself; the page does not make the buyer watch that.
const GIVE_UP_AFTER_BANK_REFUSAL_MS = 15_000;
const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

/** Why the bank step failed, or null: Stripe.js answers {error}, the emulator an intent that needs a new card. */
function bankRefusal(result) {
  if (!result) return null;
  if (result.error) return result.error.message || 'Your bank did not confirm the payment.';
  const intent = result.paymentIntent || result.setupIntent;
  if (intent && (intent.status === 'requires_payment_method' || intent.status === 'canceled')) {
    return (intent.last_payment_error && intent.last_payment_error.message) || 'Your bank did not confirm the payment.';
  }
  return null;
}

async function startPayment(target, body) {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    let key = paymentKeys.get(target);
    if (!key) {
      key = newIdempotencyKey();
      paymentKeys.set(target, key);
    }
    const payment = await paymentsApi.post('/payments', body, { headers: { 'Idempotency-Key': key } });
    if (payment.status !== 'CANCELED') return payment;
    paymentKeys.drop(target); // a canceled payment cannot be confirmed: start a new one
  }
  throw new ApiProblem(409, { detail: 'The payment could not be started. Reload the page to try again.' });
}

/*
 * The screen is a state machine. Its states, each drawn by one function below:
 *   card      the card form (with the last refusal, if any)        submit → charging, then waiting or closed
 *   bankStep  a payment left at the bank's step                    finish → waiting; cancel → closed (or waiting)
 *   waiting   following Stripe's word, GET /payments/{id} each second → paid | card | closed | review | gaveUp
 *   paid, closed, review, gaveUp: where the buyer is told what happened.
 * The payment's status as the server answers it is the event that moves the screen: `openingState` on arrival,
 * `AFTER_WAITING` while it is followed.
 */
const STATES = {
  card: showCard,
  bankStep: showBankStep,
  waiting: follow,
  paid: showPaid,
  closed: showClosed,
  review: showReview,
  gaveUp: showGaveUp,
};

/** Where a payment found on arrival starts: one already under way (another tab, a reload) is followed, not charged again. */
function openingState(payment) {
  if (payment.status === 'SUCCEEDED') return ['paid'];
  if (payment.status === 'REQUIRES_ACTION' && payment.stripe.client_secret) return ['bankStep'];
  if (payment.status === 'PROCESSING' || payment.status === 'REQUIRES_ACTION') return ['waiting'];
  return ['card', payment.status === 'FAILED' ? payment.failure_message : null];
}

/** While the screen waits: each settled status, the state it moves to and the reason shown when Stripe gives none. */
const AFTER_WAITING = {
  SUCCEEDED: ['paid'],
  FAILED: ['card', 'The payment did not go through.'],
  CANCELED: ['closed', 'The payment was canceled.'],
  NEEDS_REVIEW: ['review'],
};

function go(screen, state, payment, reason = null) {
  return STATES[state](screen, payment, reason);
}

export async function payView(ctx) {
  const group = ctx.query.get('group');
  // One order (`order=`), or several the pool's "Pay selected" chose (`orders=`, comma-separated), paid as one payment.
  const orderNumbers = ctx.query.get('order') ? [ctx.query.get('order')] : (ctx.query.get('orders') || '').split(',').filter(Boolean);
  const orderNumber = orderNumbers.length === 1 ? orderNumbers[0] : null;
  if (!group && !orderNumbers.length) return renderNothingChosen();
  const several = !group && orderNumbers.length > 1;
  const screen = {
    ctx,
    group,
    orderNumber,
    orderNumbers,
    // A payment already in progress (from the order or group page): taken up, not started again.
    resumed: ctx.query.get('payment'),
    target: group ? `group:${group}` : `order:${orderNumbers.join(',')}`,
    what: group ? `shipping group ${group}` : several ? `${orderNumbers.length} orders` : `order ${orderNumber}`,
    back: group ? `#/groups/${encodeURIComponent(group)}` : several ? '#/orders' : `#/orders/${encodeURIComponent(orderNumber)}`,
  };
  const page = renderPage(screen);
  let payment;
  try {
    payment = screen.resumed
      ? await paymentsApi.get(`/payments/${encodeURIComponent(screen.resumed)}`)
      : await startPayment(screen.target, group ? { shipping_group_id: group } : { order_numbers: orderNumbers });
  } catch (error) {
    if (!(error instanceof ApiProblem) || ![404, 409, 422].includes(error.status)) throw error;
    page.append(...renderNothingToPay(screen, error));
    return page;
  }
  page.append(renderLayout(screen, payment));
  // Started once the page is in the document (Stripe mounts its element into it).
  setTimeout(() => { if (!ctx.signal.aborted) begin(screen, payment); }, 0);
  return page;
}

async function begin(screen, payment) {
  try {
    const [state, reason] = openingState(payment);
    await go(screen, state, payment, reason);
  } catch (error) {
    if (screen.ctx.signal.aborted) return;
    screen.progress('');
    screen.outcome.replaceChildren(h('div', { class: 'notice notice-error', role: 'alert' },
      error instanceof ApiProblem ? `${error.title}: ${error.detail}` : 'Something went wrong. Reload the page.'));
  }
}

/** The waiting state: asks the server each second until Stripe's word settles the payment, or gives up. */
async function follow(screen, payment, afterBankStep = null) {
  const started = Date.now();
  const waitingFor = afterBankStep ? 'Checking with your bank' : 'Waiting for Stripe to confirm the payment';
  screen.progress(`${waitingFor}…`);
  while (!screen.ctx.signal.aborted) {
    let current = null;
    try {
      current = await paymentsApi.get(`/payments/${encodeURIComponent(payment.payment_id)}`);
    } catch (error) {
      if (!(error instanceof ApiProblem) || error.status !== 0) throw error; // a dropped connection: ask again
    }
    const next = current && AFTER_WAITING[current.status];
    if (next) {
      const [state, fallback] = next;
      if (state !== 'paid') screen.progress('');
      return go(screen, state, current, fallback ? current.failure_message || fallback : null);
    }
    const waited = Date.now() - started;
    if (waited > (afterBankStep ? GIVE_UP_AFTER_BANK_REFUSAL_MS : GIVE_UP_AFTER_MS)) {
      screen.progress('');
      return go(screen, 'gaveUp', payment, afterBankStep);
    }
    if (waited > 5000) screen.statusText.textContent = `${waitingFor}… (${Math.round(waited / 1000)} s)`;
    await sleep(POLL_EVERY_MS);
  }
  return null;
}

/** The paid state: the payment settles first and its orders are launched right after, so they are read until launched. */
async function showPaid(screen, payment) {
  screen.progress('Payment received. Launching production…');
  let orders = [];
  const deadline = Date.now() + 15_000;
  while (!screen.ctx.signal.aborted) {
    orders = await Promise.all(payment.order_numbers.map((n) => ordersApi.get(`/orders/${encodeURIComponent(n)}`)));
    if (orders.every((o) => o.status !== 'PENDING_PAYMENT') || Date.now() > deadline) break;
    await sleep(POLL_EVERY_MS);
  }
  screen.progress('');
  paymentKeys.drop(screen.target);
  screen.cardArea.replaceChildren();
  screen.outcome.replaceChildren(renderPaid(payment, orders));
  focusOn(screen.outcome.querySelector('h2'));
  announce('Payment received. Your order is in production.');
}

function showClosed(screen, payment, reason) {
  const startNew = () => {
    paymentKeys.drop(screen.target);
    if (!screen.resumed) screen.ctx.rerender();
    else if (screen.group) window.location.hash = `#/pay?group=${encodeURIComponent(screen.group)}`;
    else window.location.hash = `#/pay?orders=${screen.orderNumbers.map(encodeURIComponent).join(',')}`;
  };
  screen.cardArea.replaceChildren();
  screen.outcome.replaceChildren(h('div', { class: 'notice notice-warning', role: 'alert' },
    h('h2', {}, 'This payment was closed'),
    h('p', {}, reason),
    h('p', {}, h('button', { type: 'button', class: 'button', onclick: startNew }, 'Start a new payment'))));
}

function showReview(screen) {
  screen.outcome.replaceChildren(h('div', { class: 'notice notice-warning', role: 'alert' },
    h('h2', {}, 'The factory is checking this payment'),
    h('p', {}, 'Stripe charged a different amount than this payment’s. Do not pay again: the factory’s staff look into it and contact you.')));
  return null;
}

function showGaveUp(screen, payment, afterBankStep) {
  screen.outcome.replaceChildren(h('div', { class: 'notice notice-warning', role: 'alert' },
    afterBankStep ? h('h2', {}, 'Your bank did not confirm the payment') : null,
    h('p', {}, afterBankStep
      ? `${afterBankStep} The payment stays open until Stripe closes it; the order can be paid again within a few minutes.`
      : 'Stripe has not confirmed the payment yet. It settles by itself; the order pool shows when production starts.'),
    h('p', {}, h('a', { href: '#/orders' }, 'Go to the order pool'))));
  return null;
}

/** The card state: Stripe's element in a form; a refusal is shown at the card and the form stays. */
async function showCard(screen, payment, failure = null) {
  let stripe;
  try {
    stripe = await stripeFor(payment.stripe.publishable_key);
  } catch (error) {
    screen.cardArea.replaceChildren(h('div', { class: 'notice notice-error', role: 'alert' }, error.message));
    return;
  }
  const { form, mount, pay } = renderCardForm(payment);
  screen.cardArea.replaceChildren(form);
  const card = mountCard(stripe, mount);
  if (failure) {
    showProblem(form, { title: 'The payment did not go through', detail: 'Try again, or use another card.', errors: [{ loc: ['card'], msg: failure }] });
    announce(`The payment did not go through: ${failure}`);
  }
  let busy = false;
  const ready = () => {
    busy = false;
    pay.disabled = false;
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    pay.disabled = true;
    clearProblems(form);
    screen.outcome.replaceChildren();
    try {
      await charge(screen, payment, { stripe, card, form, ready });
    } catch (error) {
      screen.progress('');
      ready();
      form.hidden = false;
      showChargeProblem(screen, form, error);
    }
  });
}

/** The submit event of the card state: the card to Stripe, the charge on the server, the bank's step if asked. */
async function charge(screen, payment, { stripe, card, form, ready }) {
  screen.progress('Checking your card…');
  const method = await paymentMethodFor(stripe, card);
  screen.progress('Charging your card…');
  const answer = await paymentsApi.post(`/payments/${encodeURIComponent(payment.payment_id)}/confirm`, { payment_method: method });
  if (answer.status === 'CANCELED') {
    screen.progress('');
    go(screen, 'closed', answer, answer.failure_message || 'The payment was canceled.');
    return;
  }
  if (answer.status === 'FAILED') {
    screen.progress('');
    ready();
    const message = answer.failure_message || 'The payment did not go through.';
    showProblem(form, { title: 'The payment did not go through', detail: 'Try another card.', errors: [{ loc: ['card'], msg: message }] });
    announce(`The payment did not go through: ${message}`);
    return;
  }
  let bankProblem = null;
  if (answer.status === 'REQUIRES_ACTION' && answer.stripe.client_secret) {
    screen.progress('Your bank asks you to confirm the payment…');
    bankProblem = bankRefusal(await handleBankStep(stripe, answer.stripe.client_secret));
    if (bankProblem) {
      screen.outcome.replaceChildren(h('div', { class: 'notice notice-error', role: 'alert' },
        h('h2', {}, 'Your bank did not confirm the payment'), h('p', {}, bankProblem)));
    }
  }
  form.hidden = true;
  await go(screen, 'waiting', payment, bankProblem);
}

function showChargeProblem(screen, form, error) {
  if (error instanceof CardProblem) {
    showProblem(form, { title: 'Check the card', detail: '', errors: [{ loc: ['card'], msg: error.message }] });
  } else if (error instanceof ApiProblem) {
    const startNew = () => { paymentKeys.drop(screen.target); screen.ctx.rerender(); };
    const extra = error.status === 409
      ? h('button', { type: 'button', class: 'button secondary', onclick: startNew }, 'Start a new payment')
      : null;
    showProblem(form, error, { extra });
  } else {
    throw error;
  }
}

/** The bankStep state: a payment left at the bank's step; open the bank's window again, or give the payment up. */
function showBankStep(screen, payment) {
  const finish = h('button', { type: 'button', class: 'button' }, 'Finish payment');
  const cancel = h('button', { type: 'button', class: 'button secondary' }, 'Cancel this payment');
  screen.cardArea.replaceChildren(h('section', { class: 'panel', 'aria-labelledby': 'finish-heading' },
    h('h2', { id: 'finish-heading' }, 'Your bank is waiting for you'),
    h('p', {}, 'This payment needs your bank’s confirmation before the card is charged.'),
    h('div', { class: 'actions' }, finish, cancel)));
  finish.addEventListener('click', async () => {
    finish.disabled = true;
    try {
      const stripe = await stripeFor(payment.stripe.publishable_key);
      screen.progress('Your bank asks you to confirm the payment…');
      const bankProblem = bankRefusal(await handleBankStep(stripe, payment.stripe.client_secret));
      screen.cardArea.replaceChildren();
      await go(screen, 'waiting', payment, bankProblem);
    } catch (error) {
      finish.disabled = false;
      screen.progress('');
      screen.outcome.replaceChildren(h('div', { class: 'notice notice-error', role: 'alert' }, error.message || 'Something went wrong.'));
    }
  });
  cancel.addEventListener('click', async () => {
    cancel.disabled = true;
    try {
      const canceled = await paymentsApi.post(`/payments/${encodeURIComponent(payment.payment_id)}/cancel`, {});
      go(screen, 'closed', canceled, canceled.failure_message || 'The payment was canceled; nothing was charged.');
    } catch (error) {
      cancel.disabled = false;
      if (!(error instanceof ApiProblem)) throw error;
      screen.outcome.replaceChildren(h('div', { class: 'notice notice-warning', role: 'alert' }, error.detail || error.title));
      if (error.status === 409) await go(screen, 'waiting', payment);
    }
  });
}

// Render functions: DOM from what they are given, no requests and no state of their own.

function renderNothingChosen() {
  return h('section', { class: 'page' }, h('h1', {}, 'Pay'), h('p', {}, 'Choose an order to pay in the ',
    h('a', { href: '#/orders' }, 'order pool'), '.'));
}

function renderPage({ group, orderNumber, what, back }) {
  return h('section', { class: 'page' },
    h('p', { class: 'breadcrumb' }, h('a', { href: back }, group ? `Shipping group ${group}` : orderNumber ? `Order ${orderNumber}` : 'Order pool')),
    h('h1', {}, `Pay ${what}`));
}

function renderNothingToPay({ what, back }, problem) {
  return [h('div', { class: 'notice notice-warning', role: 'alert' },
    h('h2', {}, 'Nothing to pay here'), h('p', {}, problem.detail),
    (problem.errors || []).length ? h('ul', {}, problem.errors.map((error) => h('li', {}, error.msg))) : null),
  h('p', {}, h('a', { href: back }, `See ${what}`), ' · ', h('a', { href: '#/orders' }, 'Order pool'))];
}

/** The summary, the status line and the two areas the states draw into; the screen keeps hold of them. */
function renderLayout(screen, payment) {
  const summary = h('section', { class: 'panel', 'aria-labelledby': 'summary-heading' },
    h('h2', { id: 'summary-heading' }, 'Cost summary'),
    h('p', {}, payment.order_numbers.length === 1 ? 'Order ' : 'Orders ', payment.order_numbers.join(', '),
      payment.shipping_group_id ? ` (shipping group ${payment.shipping_group_id}, one shipment)`
        : payment.order_numbers.length > 1 ? ' (one payment and one invoice; each order ships on its own, so the shipping is theirs added up)' : ''),
    costTable({ ...payment.summary, currency: payment.currency }, 'What you pay'),
    payment.summary.customization ? h('p', { class: 'hint' }, 'Customization is the one-time development of your custom stamps.') : null);
  // The live region is in the page from the start and only its box is hidden: screen readers read out what
  // changes inside a region they already know, not a region that appears with its text.
  const statusBox = h('div', { class: 'progress', hidden: true },
    h('progress', { 'aria-label': 'Payment progress' }), h('span', { class: 'progress-text' }));
  const status = h('div', { role: 'status' }, statusBox);
  Object.assign(screen, {
    statusText: statusBox.querySelector('.progress-text'),
    cardArea: h('div'),
    outcome: h('div'),
    progress(text) {
      statusBox.hidden = !text;
      screen.statusText.textContent = text || '';
    },
  });
  return h('div', { class: 'pay-layout' }, summary, h('div', {}, status, screen.cardArea, screen.outcome));
}

function renderPaid(payment, orders) {
  const invoice = payment.invoice_number
    ? h('button', { type: 'button', class: 'link-button', onclick: () => downloadInvoice(payment.payment_id, payment.invoice_number) },
      `Download invoice ${payment.invoice_number}`)
    : null;
  return h('section', { class: 'panel success', 'aria-labelledby': 'paid-heading' },
    h('h2', { id: 'paid-heading', tabindex: '-1' }, 'Payment received'),
    h('p', {}, `${money(payment.amount)} paid. `, invoice),
    h('ul', { class: 'plain' }, orders.map((o) => h('li', {},
      h('a', { href: `#/orders/${encodeURIComponent(o.order_number)}` }, o.order_number), ': ', badge(o.status),
      o.production_stage ? [' · stage ', badge(o.production_stage, 'stage')] : null))),
    h('p', {}, orders.every((o) => o.status === 'WORK_IN_PROCESS')
      ? 'Production has started: your order is in production. We emailed the receipt.'
      : 'Production starts in a moment; the order pool shows each order’s status.'),
    h('div', { class: 'actions' }, h('a', { class: 'button secondary', href: '#/orders' }, 'Go to the order pool')));
}

function renderCardForm(payment) {
  const mount = h('div', { class: 'card-element', id: 'card-element', role: 'group', 'aria-labelledby': 'card-label' });
  const pay = h('button', { type: 'submit', class: 'button' }, `Pay ${money(payment.amount)}`);
  const form = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'card-heading' },
    h('h2', { id: 'card-heading' }, 'Pay by card'),
    h('div', { class: 'field', 'data-loc': 'card', 'data-label': 'Card' },
      h('span', { id: 'card-label', class: 'label' }, 'Card details'),
      payment.stripe.publishable_key.startsWith('pk_test_')
        ? h('p', { class: 'hint' }, 'Test mode: card 4242424242424242, any future expiry (MM and YY) and any 3-digit code.') : null,
      mount),
    h('p', { class: 'hint' }, 'Your card details go straight to Stripe; Welt never sees them.'),
    h('div', { class: 'actions' }, pay));
  return { form, mount, pay };
}
