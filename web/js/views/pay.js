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

export async function payView(ctx) {
  const group = ctx.query.get('group');
  const orderNumber = ctx.query.get('order');
  // A payment already in progress (from the order or group page): taken up, not started again.
  const resumed = ctx.query.get('payment');
  if (!group && !orderNumber) {
    return h('section', { class: 'page' }, h('h1', {}, 'Pay'), h('p', {}, 'Choose an order to pay in the ',
      h('a', { href: '#/orders' }, 'order pool'), '.'));
  }
  const target = group ? `group:${group}` : `order:${orderNumber}`;
  const what = group ? `shipping group ${group}` : `order ${orderNumber}`;
  const back = group ? `#/groups/${encodeURIComponent(group)}` : `#/orders/${encodeURIComponent(orderNumber)}`;
  const page = h('section', { class: 'page' },
    h('p', { class: 'breadcrumb' }, h('a', { href: back }, group ? `Shipping group ${group}` : `Order ${orderNumber}`)),
    h('h1', {}, `Pay ${what}`));

  let payment;
  try {
    payment = resumed
      ? await paymentsApi.get(`/payments/${encodeURIComponent(resumed)}`)
      : await startPayment(target, group ? { shipping_group_id: group } : { order_numbers: [orderNumber] });
  } catch (error) {
    if (!(error instanceof ApiProblem) || ![404, 409].includes(error.status)) throw error;
    page.append(h('div', { class: 'notice notice-warning', role: 'alert' },
      h('h2', {}, 'Nothing to pay here'), h('p', {}, error.detail)),
    h('p', {}, h('a', { href: back }, `See ${what}`), ' · ', h('a', { href: '#/orders' }, 'Order pool')));
    return page;
  }

  const summary = h('section', { class: 'panel', 'aria-labelledby': 'summary-heading' },
    h('h2', { id: 'summary-heading' }, 'Cost summary'),
    h('p', {}, payment.order_numbers.length === 1 ? 'Order ' : 'Orders ', payment.order_numbers.join(', '),
      payment.shipping_group_id ? ` (shipping group ${payment.shipping_group_id}, one shipment)` : ''),
    costTable({ ...payment.summary, currency: payment.currency }, 'What you pay'),
    payment.summary.customization ? h('p', { class: 'hint' }, 'Customization is the one-time development of your custom stamps.') : null);
  // The live region is in the page from the start and only its box is hidden: screen readers read out what
  // changes inside a region they already know, not a region that appears with its text.
  const statusBox = h('div', { class: 'progress', hidden: true },
    h('progress', { 'aria-label': 'Payment progress' }), h('span', { class: 'progress-text' }));
  const status = h('div', { role: 'status' }, statusBox);
  const statusText = statusBox.querySelector('.progress-text');
  const cardArea = h('div');
  const outcome = h('div');
  page.append(h('div', { class: 'pay-layout' }, summary, h('div', {}, status, cardArea, outcome)));

  function progress(text) {
    statusBox.hidden = !text;
    statusText.textContent = text || '';
  }

  async function settled(current) {
    progress('Payment received. Launching production…');
    // The payment settles first; its orders are launched right after.
    let orders = [];
    const deadline = Date.now() + 15_000;
    while (!ctx.signal.aborted) {
      orders = await Promise.all(current.order_numbers.map((n) => ordersApi.get(`/orders/${encodeURIComponent(n)}`)));
      if (orders.every((o) => o.status !== 'PENDING_PAYMENT') || Date.now() > deadline) break;
      await sleep(POLL_EVERY_MS);
    }
    progress('');
    paymentKeys.drop(target);
    cardArea.replaceChildren();
    const invoice = current.invoice_number
      ? h('button', { type: 'button', class: 'link-button', onclick: () => downloadInvoice(current.payment_id, current.invoice_number) },
        `Download invoice ${current.invoice_number}`)
      : null;
    outcome.replaceChildren(h('section', { class: 'panel success', 'aria-labelledby': 'paid-heading' },
      h('h2', { id: 'paid-heading', tabindex: '-1' }, 'Payment received'),
      h('p', {}, `${money(current.amount)} paid. `, invoice),
      h('ul', { class: 'plain' }, orders.map((o) => h('li', {},
        h('a', { href: `#/orders/${encodeURIComponent(o.order_number)}` }, o.order_number), ': ', badge(o.status),
        o.production_stage ? [' · stage ', badge(o.production_stage, 'stage')] : null))),
      h('p', {}, orders.every((o) => o.status === 'WORK_IN_PROCESS')
        ? 'Production has started: your order is in production. We emailed the receipt.'
        : 'Production starts in a moment; the order pool shows each order’s status.'),
      h('div', { class: 'actions' }, h('a', { class: 'button secondary', href: '#/orders' }, 'Go to the order pool'))));
    focusOn(outcome.querySelector('h2'));
    announce('Payment received. Your order is in production.');
  }

  async function waitForStripe(paymentId, afterBankStep = null) {
    const started = Date.now();
    progress(afterBankStep ? 'Checking with your bank…' : 'Waiting for Stripe to confirm the payment…');
    while (!ctx.signal.aborted) {
      let current = null;
      try {
        current = await paymentsApi.get(`/payments/${encodeURIComponent(paymentId)}`);
      } catch (error) {
        if (!(error instanceof ApiProblem) || error.status !== 0) throw error; // a dropped connection: ask again
      }
      if (current && current.status === 'SUCCEEDED') return settled(current);
      if (current && current.status === 'FAILED') {
        progress('');
        return offerCard(current, current.failure_message || 'The payment did not go through.');
      }
      if (current && current.status === 'CANCELED') {
        progress('');
        return startOver(current.failure_message || 'The payment was canceled.');
      }
      if (current && current.status === 'NEEDS_REVIEW') {
        progress('');
        outcome.replaceChildren(h('div', { class: 'notice notice-warning', role: 'alert' },
          h('h2', {}, 'The factory is checking this payment'),
          h('p', {}, 'Stripe charged a different amount than this payment’s. Do not pay again: the factory’s staff look into it and contact you.')));
        return null;
      }
      const waited = Date.now() - started;
      if (waited > (afterBankStep ? GIVE_UP_AFTER_BANK_REFUSAL_MS : GIVE_UP_AFTER_MS)) {
        progress('');
        outcome.replaceChildren(h('div', { class: 'notice notice-warning', role: 'alert' },
          afterBankStep ? h('h2', {}, 'Your bank did not confirm the payment') : null,
          h('p', {}, afterBankStep
            ? `${afterBankStep} The payment stays open until Stripe closes it; the order can be paid again within a few minutes.`
            : 'Stripe has not confirmed the payment yet. It settles by itself; the order pool shows when production starts.'),
          h('p', {}, h('a', { href: '#/orders' }, 'Go to the order pool'))));
        return null;
      }
      if (waited > 5000) statusText.textContent = `${afterBankStep ? 'Checking with your bank' : 'Waiting for Stripe to confirm the payment'}… (${Math.round(waited / 1000)} s)`;
      await sleep(POLL_EVERY_MS);
    }
    return null;
  }

  function startOver(reason) {
    cardArea.replaceChildren();
    outcome.replaceChildren(h('div', { class: 'notice notice-warning', role: 'alert' },
      h('h2', {}, 'This payment was closed'),
      h('p', {}, reason),
      h('p', {}, h('button', {
        type: 'button',
        class: 'button',
        onclick: () => {
          paymentKeys.drop(target);
          if (resumed) window.location.hash = `#/pay?${group ? `group=${encodeURIComponent(group)}` : `order=${encodeURIComponent(orderNumber)}`}`;
          else ctx.rerender();
        },
      }, 'Start a new payment'))));
  }

  async function offerCard(current, failure = null) {
    let stripe;
    try {
      stripe = await stripeFor(current.stripe.publishable_key);
    } catch (error) {
      cardArea.replaceChildren(h('div', { class: 'notice notice-error', role: 'alert' }, error.message));
      return;
    }
    const mount = h('div', { class: 'card-element', id: 'card-element', role: 'group', 'aria-labelledby': 'card-label' });
    const pay = h('button', { type: 'submit', class: 'button' }, `Pay ${money(current.amount)}`);
    const form = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'card-heading' },
      h('h2', { id: 'card-heading' }, 'Pay by card'),
      h('div', { class: 'field', 'data-loc': 'card', 'data-label': 'Card' },
        h('span', { id: 'card-label', class: 'label' }, 'Card details'),
        current.stripe.publishable_key.startsWith('pk_test_')
          ? h('p', { class: 'hint' }, 'Test mode: card 4242424242424242, any future expiry (MM and YY) and any 3-digit code.') : null,
        mount),
      h('p', { class: 'hint' }, 'Your card details go straight to Stripe; Welt never sees them.'),
      h('div', { class: 'actions' }, pay));
    cardArea.replaceChildren(form);
    const card = mountCard(stripe, mount);
    if (failure) {
      showProblem(form, { title: 'The payment did not go through', detail: 'Try again, or use another card.', errors: [{ loc: ['card'], msg: failure }] });
      announce(`The payment did not go through: ${failure}`);
    }

    let busy = false;
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (busy) return;
      busy = true;
      pay.disabled = true;
      clearProblems(form);
      outcome.replaceChildren();
      try {
        progress('Checking your card…');
        const method = await paymentMethodFor(stripe, card);
        progress('Charging your card…');
        const answer = await paymentsApi.post(`/payments/${encodeURIComponent(current.payment_id)}/confirm`, { payment_method: method });
        if (answer.status === 'CANCELED') {
          progress('');
          startOver(answer.failure_message || 'The payment was canceled.');
          return;
        }
        if (answer.status === 'FAILED') {
          progress('');
          busy = false;
          pay.disabled = false;
          const message = answer.failure_message || 'The payment did not go through.';
          showProblem(form, { title: 'The payment did not go through', detail: 'Try another card.', errors: [{ loc: ['card'], msg: message }] });
          announce(`The payment did not go through: ${message}`);
          return;
        }
        let bankProblem = null;
        if (answer.status === 'REQUIRES_ACTION' && answer.stripe.client_secret) {
          progress('Your bank asks you to confirm the payment…');
          bankProblem = bankRefusal(await handleBankStep(stripe, answer.stripe.client_secret));
          if (bankProblem) {
            outcome.replaceChildren(h('div', { class: 'notice notice-error', role: 'alert' },
              h('h2', {}, 'Your bank did not confirm the payment'), h('p', {}, bankProblem)));
          }
        }
        form.hidden = true;
        await waitForStripe(current.payment_id, bankProblem);
      } catch (error) {
        progress('');
        busy = false;
        pay.disabled = false;
        form.hidden = false;
        if (error instanceof CardProblem) {
          showProblem(form, { title: 'Check the card', detail: '', errors: [{ loc: ['card'], msg: error.message }] });
        } else if (error instanceof ApiProblem) {
          const extra = error.status === 409
            ? h('button', { type: 'button', class: 'button secondary', onclick: () => { paymentKeys.drop(target); ctx.rerender(); } }, 'Start a new payment')
            : null;
          showProblem(form, error, { extra });
        } else {
          throw error;
        }
      }
    });
  }

  /** A payment left at the bank's step: open the bank's window again, or give the payment up. */
  function offerBankStepAgain(current) {
    const finish = h('button', { type: 'button', class: 'button' }, 'Finish payment');
    const cancel = h('button', { type: 'button', class: 'button secondary' }, 'Cancel this payment');
    cardArea.replaceChildren(h('section', { class: 'panel', 'aria-labelledby': 'finish-heading' },
      h('h2', { id: 'finish-heading' }, 'Your bank is waiting for you'),
      h('p', {}, 'This payment needs your bank’s confirmation before the card is charged.'),
      h('div', { class: 'actions' }, finish, cancel)));
    finish.addEventListener('click', async () => {
      finish.disabled = true;
      try {
        const stripe = await stripeFor(current.stripe.publishable_key);
        progress('Your bank asks you to confirm the payment…');
        const bankProblem = bankRefusal(await handleBankStep(stripe, current.stripe.client_secret));
        cardArea.replaceChildren();
        await waitForStripe(current.payment_id, bankProblem);
      } catch (error) {
        finish.disabled = false;
        progress('');
        outcome.replaceChildren(h('div', { class: 'notice notice-error', role: 'alert' }, error.message || 'Something went wrong.'));
      }
    });
    cancel.addEventListener('click', async () => {
      cancel.disabled = true;
      try {
        const canceled = await paymentsApi.post(`/payments/${encodeURIComponent(current.payment_id)}/cancel`, {});
        startOver(canceled.failure_message || 'The payment was canceled; nothing was charged.');
      } catch (error) {
        cancel.disabled = false;
        if (!(error instanceof ApiProblem)) throw error;
        outcome.replaceChildren(h('div', { class: 'notice notice-warning', role: 'alert' }, error.detail || error.title));
        if (error.status === 409) await waitForStripe(current.payment_id);
      }
    });
  }

  async function begin() {
    try {
      if (payment.status === 'SUCCEEDED') await settled(payment);
      else if (payment.status === 'REQUIRES_ACTION' && payment.stripe.client_secret) offerBankStepAgain(payment);
      // A payment already under way (another tab, or a reload) is followed, not charged again.
      else if (payment.status === 'PROCESSING' || payment.status === 'REQUIRES_ACTION') await waitForStripe(payment.payment_id);
      else await offerCard(payment, payment.status === 'FAILED' ? payment.failure_message : null);
    } catch (error) {
      if (ctx.signal.aborted) return;
      progress('');
      outcome.replaceChildren(h('div', { class: 'notice notice-error', role: 'alert' },
        error instanceof ApiProblem ? `${error.title}: ${error.detail}` : 'Something went wrong. Reload the page.'));
    }
  }

  // Started once the page is in the document (Stripe mounts its element into it).
  setTimeout(() => { if (!ctx.signal.aborted) begin(); }, 0);
  return page;
}
