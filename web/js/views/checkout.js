/**
 * Checkout: shipping address and billing, then the specs and costs from POST /quotes, then POST /orders.
 * One Idempotency-Key per checkout attempt (kept in the draft), so a double click or a retry after a
 * dropped connection places the order once.
 */

import { ApiProblem, localProblem, newIdempotencyKey, ordersApi } from '../api.js';
import { announce, focusOn, h } from '../dom.js';
import { addressFieldset, addressLines, materialName } from '../fields.js';
import { countryName } from '../countries.js';
import { money, orderType, pairs } from '../format.js';
import { costTable } from '../order-parts.js';
import { clearProblems, fieldPath, missingFields, showProblem } from '../problems.js';
import { clearDraft, loadCatalog, loadDraft, saveDraft } from '../store.js';

const ADDRESS_PARTS = new Set(['shipping_address', 'billing']);

function steps(current) {
  const names = ['Address and billing', 'Confirm and place'];
  return h('ol', { class: 'steps', 'aria-label': 'Checkout steps' }, names.map((name, i) => h('li', {
    class: i === current ? 'current' : i < current ? 'done' : '',
    'aria-current': i === current ? 'step' : null,
  }, h('span', { class: 'step-number' }, String(i + 1)), name)));
}

/** The brand's registered billing details, as the API bills an order that sends none (first orders start from it). */
function registeredBilling(brand) {
  if (!brand || !brand.billing_address || !brand.contact_email) return null;
  const name = brand.legal_name || brand.name;
  return { name, company: brand.legal_name || undefined, vat_id: brand.vat_id || undefined, email: brand.contact_email, address: brand.billing_address };
}

async function latestAddresses(signal) {
  try {
    const page = await ordersApi.get('/orders?limit=1', { signal });
    const last = page.orders[0];
    if (last) return { shipping_address: last.shipping_address, billing: last.billing };
    const billing = registeredBilling(await ordersApi.get('/brand', { signal }));
    return billing ? { billing } : {};
  } catch {
    return {};
  }
}

function sameAddress(a, b) {
  const keys = ['line1', 'line2', 'city', 'postal_code', 'region', 'country'];
  return keys.every((key) => (a[key] || '') === (b[key] || ''));
}

/*
 * The screen is a state machine. Its states, each shown by one function below:
 *   address   the shipping and billing form (with the server's problem at its fields, if any)
 *   confirm   the specs and costs from POST /quotes, and the button that places the order
 *   placed    the order number and the way to pay
 * Its events: the address form submitted (→ confirm, or back to address when the quote refuses an address),
 * "Change the address" (→ address), "Place order" (→ placed, back to address for an address problem, or
 * confirm with the problem shown).
 */
const STATES = { address: showAddressStep, confirm: showConfirmStep, placed: showPlaced };

function go(screen, state, given = null) {
  return STATES[state](screen, given);
}

export async function checkoutView(ctx) {
  const draft = loadDraft();
  if (!draft || !draft.materials_confirmed) return renderNothingToCheckOut();
  const catalog = await loadCatalog();
  const known = draft.shipping_address ? draft : { ...draft, ...(await latestAddresses(ctx.signal)) };
  const shoe = catalog.models.find((m) => m.id === draft.design.model) || { name: draft.design.model };
  const screen = { ctx, draft, catalog, shoe, ...renderAddressForm(draft, known) };
  screen.addressStep = h('div', {}, steps(0), screen.addressForm);
  screen.confirmStep = h('div', { hidden: true });
  screen.page = h('section', { class: 'page' },
    h('h1', {}, 'Checkout'),
    h('p', { class: 'lead' }, `${shoe.name}, ${orderType(draft.type)}, ${pairs(draft.sizes.reduce((n, l) => n + l.pairs, 0))}.`),
    screen.addressStep, screen.confirmStep);
  screen.addressForm.addEventListener('submit', (event) => {
    event.preventDefault();
    submitAddresses(screen);
  });
  return screen.page;
}

/** The address form's submit event: the addresses go into the draft, and the screen moves to confirm. */
async function submitAddresses(screen) {
  const { addressForm, shipping, billing, same } = screen;
  const missing = missingFields(addressForm); // the billing address is not asked for while it is the shipping one
  if (missing.length) {
    showProblem(addressForm, localProblem('Some details are missing', missing));
    return;
  }
  clearProblems(addressForm);
  const shippingAddress = shipping.read();
  if (same.checked) billing.fillPostal(shippingAddress);
  const addresses = { shipping_address: shippingAddress, billing: billing.read() };
  const previous = loadDraft() || screen.draft;
  const changed = JSON.stringify([previous.shipping_address, previous.billing])
    !== JSON.stringify([addresses.shipping_address, addresses.billing]);
  const current = { ...previous, ...addresses, billing_same: same.checked };
  if (changed) current.checkout_key = null; // another order body: another checkout attempt
  saveDraft(current);
  await go(screen, 'confirm', current);
}

function showAddressStep(screen, problem = null) {
  const { addressForm, addressStep, confirmStep, same } = screen;
  confirmStep.hidden = true;
  addressStep.hidden = false;
  if (problem) {
    // Problems about the billing address cannot be shown on hidden fields.
    if (problem.errors.some((e) => fieldPath(e.loc).slice(0, 2).join('.') === 'billing.address')) {
      same.checked = false;
      screen.toggleSame();
    }
    showProblem(addressForm, problem, { summaryIn: addressForm });
  } else {
    focusOn(addressForm.querySelector('h2'));
  }
}

async function showConfirmStep(screen, current) {
  let quote;
  try {
    quote = await ordersApi.post('/quotes', { order: quoteFor(current) }, { signal: screen.ctx.signal });
  } catch (error) {
    if (!(error instanceof ApiProblem)) throw error;
    go(screen, 'address', error);
    return;
  }
  const placeButton = h('button', { type: 'button', class: 'button' }, `Place order (${money(quote.costs.total, quote.costs.currency)})`);
  const progress = h('p', { class: 'progress-text' });
  const summaryPlace = h('div');
  screen.confirmStep.replaceChildren(
    steps(1),
    h('section', { class: 'panel', 'aria-labelledby': 'confirm-heading' },
      h('h2', { id: 'confirm-heading', tabindex: '-1' }, 'Confirm specs and costs'),
      summaryPlace,
      h('div', { class: 'columns' }, renderSpecs(screen, current, quote), renderAddresses(current)),
      costTable(quote.costs),
      h('p', { class: 'hint' }, 'You pay after placing the order; it waits in your order pool, awaiting payment, until then.'),
      h('div', { role: 'status' }, progress), // a region that is there before its text, so it is read out
      h('div', { class: 'actions' }, placeButton,
        h('button', { type: 'button', class: 'button secondary', onclick: () => go(screen, 'address') }, 'Change the address'))));
  screen.addressStep.hidden = true;
  screen.confirmStep.hidden = false;
  focusOn(screen.confirmStep.querySelector('h2'));

  let placing = false;
  placeButton.addEventListener('click', async () => {
    if (placing) return; // a double click sends one request (and the key makes a retry harmless anyway)
    placing = true;
    placeButton.disabled = true;
    progress.textContent = 'Placing your order…';
    try {
      await place(screen, current);
    } catch (error) {
      placing = false;
      placeButton.disabled = false;
      progress.textContent = '';
      if (!(error instanceof ApiProblem)) throw error;
      if (error.errors.some((e) => ADDRESS_PARTS.has(fieldPath(e.loc)[0]))) {
        go(screen, 'address', error);
        return;
      }
      const extra = error.status === 0
        ? h('p', {}, 'If the order went through, placing it again will not place it twice.')
        : error.errors.length ? h('p', {}, h('a', { href: '#/orders/new' }, 'Change the design or size run')) : null;
      showProblem(summaryPlace, error, { extra });
    }
  });
}

/** The place event: POST /orders once per checkout attempt, whose key the draft keeps across retries. */
async function place(screen, current) {
  const attempt = loadDraft() || current;
  attempt.checkout_key ||= newIdempotencyKey();
  saveDraft(attempt);
  const order = await ordersApi.post('/orders', orderBody(attempt), { headers: { 'Idempotency-Key': attempt.checkout_key } });
  clearDraft();
  go(screen, 'placed', order);
}

function showPlaced(screen, order) {
  screen.page.replaceChildren(...renderPlaced(order));
  document.title = 'Order placed — Welt';
  focusOn(screen.page.querySelector('h1'));
  announce(`Order ${order.order_number} placed.`);
}

/** What POST /quotes is asked: where in the country and the buyer's VAT ID decide the IVA, as they will at checkout. */
function quoteFor(current) {
  const order = {
    type: current.type, design: current.design, sizes: current.sizes,
    country: current.shipping_address.country, postal_code: current.shipping_address.postal_code,
  };
  if (current.billing.vat_id) order.vat_id = current.billing.vat_id;
  if (current.labeling) order.labeling = current.labeling;
  return order;
}

function orderBody(current) {
  const body = {
    type: current.type, design: current.design, sizes: current.sizes,
    shipping_address: current.shipping_address, billing: current.billing,
  };
  if (current.labeling) body.labeling = current.labeling;
  return body;
}

// Render functions: DOM from what they are given, no requests.

function renderNothingToCheckOut() {
  return h('section', { class: 'page' },
    h('h1', {}, 'Checkout'),
    h('p', {}, 'There is nothing to check out yet. ', h('a', { href: '#/orders/new' }, 'Start a new order'),
      ' and confirm its raw materials first.'));
}

/** The address form, with the "bill to the shipping address" box that hides the billing address while ticked. */
function renderAddressForm(draft, known) {
  const shipping = addressFieldset({ legend: 'Shipping address', value: known.shipping_address || {}, section: 'shipping' });
  const billing = addressFieldset({ legend: 'Billing', value: known.billing || {}, billing: true, section: 'billing' });
  // A first order starts from the brand's registered billing, whose address is its own, not the shipping address.
  const billingSame = known.billing && known.shipping_address
    ? sameAddress(known.billing.address, known.shipping_address) : !known.billing;
  const same = h('input', { type: 'checkbox', id: 'billing-same', checked: draft.billing_same ?? billingSame });
  const sameField = h('div', { class: 'field checkbox' }, same, h('label', { for: 'billing-same' }, 'Bill to the shipping address'));
  billing.addressFields.before(sameField);
  const toggleSame = () => { billing.addressFields.hidden = same.checked; };
  same.addEventListener('change', toggleSame);
  toggleSame();
  const addressForm = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'address-heading' },
    h('h2', { id: 'address-heading', tabindex: '-1' }, 'Shipping and billing'),
    shipping.element, billing.element,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, 'Continue to confirmation'),
      h('a', { href: '#/orders/new', class: 'button secondary' }, 'Back to the design')));
  return { shipping, billing, same, toggleSame, addressForm };
}

function renderSpecs({ catalog, shoe }, current, quote) {
  const materials = ['upper', 'lining', 'sole'].map((part) => `${part}: ${materialName(catalog, current.design.materials[part])}`);
  return h('div', {},
    h('h3', {}, 'Specs'),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Model'), h('dd', {}, shoe.name),
      h('dt', {}, 'Materials'), h('dd', {}, materials.join('; ')),
      current.design.design_ref ? [h('dt', {}, 'Design reference'), h('dd', {}, current.design.design_ref)] : null,
      h('dt', {}, 'Order type'), h('dd', {}, orderType(current.type)),
      h('dt', {}, 'Size run'), h('dd', {}, current.sizes.map((l) => `${l.size} × ${l.pairs}`).join(', ')),
      h('dt', {}, 'Pairs'), h('dd', {}, String(quote.pairs)),
      h('dt', {}, 'Labeling'), h('dd', {}, quote.labeling === 'CUSTOM_STAMPS' ? 'Custom stamps' : 'Unlabeled')));
}

function renderAddresses(current) {
  return h('div', {},
    h('h3', {}, 'Ship to'),
    h('address', {}, [current.shipping_address.name, ...addressLines(current.shipping_address, countryName)]
      .map((line) => h('span', { class: 'line' }, line))),
    h('h3', {}, 'Bill to'),
    h('address', {}, [current.billing.name, ...addressLines({ ...current.billing.address, company: current.billing.company }, countryName),
      current.billing.vat_id ? `VAT ${current.billing.vat_id}` : null, current.billing.email].filter(Boolean)
      .map((line) => h('span', { class: 'line' }, line))));
}

function renderPlaced(order) {
  return [
    h('h1', {}, 'Order placed'),
    h('section', { class: 'panel success', 'aria-labelledby': 'placed-heading' },
      h('h2', { id: 'placed-heading', tabindex: '-1' }, 'Your order number'),
      h('p', { class: 'order-number' }, order.order_number),
      h('p', {}, `Status: Awaiting payment. A confirmation with the specs and costs is on its way to ${order.billing.email}.`),
      costTable(order.costs),
      h('div', { class: 'actions' },
        h('a', { class: 'button', href: `#/pay?order=${encodeURIComponent(order.order_number)}` }, `Pay ${money(order.costs.total)} now`),
        h('a', { class: 'button secondary', href: '#/orders' }, 'Go to the order pool'),
        h('a', { class: 'button secondary', href: `#/orders/${encodeURIComponent(order.order_number)}` }, 'View the order'))),
  ];
}
