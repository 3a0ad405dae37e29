/**
 * Checkout: shipping address (typed, or one of the brand's saved addresses) and billing, checked by the server's own
 * rules (POST /orders/check) before the specs and costs are shown; then POST /orders, and the address saved if asked.
 * One Idempotency-Key per checkout attempt (kept in the draft), so a double click or a retry after a
 * dropped connection places the order once.
 */

import { ApiProblem, localProblem, newIdempotencyKey, ordersApi } from '../api.js';
import { announce, focusOn, h } from '../dom.js';
import { addressFieldset, addressLines, field, materialName, select, textInput } from '../fields.js';
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

/** The brand's saved shipping addresses; none when they cannot be read (the form works without them). */
async function savedAddresses(signal) {
  try {
    return (await ordersApi.get('/brand/addresses', { signal })).addresses;
  } catch {
    return [];
  }
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
 *   confirm   the specs and costs POST /orders/check answered, and the button that places the order
 *   placed    the order number and the way to pay
 * Its events: a saved address chosen (fills the shipping address), the address form submitted (→ confirm once
 * POST /orders/check accepts the whole order, else its problems at the fields), "Change the address" (→ address),
 * "Place order" (→ placed, back to address for an address problem, or confirm with the problem shown).
 */
const STATES = { address: showAddressStep, confirm: showConfirmStep, placed: showPlaced };

function go(screen, state, given = null) {
  return STATES[state](screen, given);
}

export async function checkoutView(ctx) {
  const draft = loadDraft();
  if (!draft || !draft.materials_confirmed) return renderNothingToCheckOut();
  const [catalog, saved, latest] = await Promise.all([
    loadCatalog(), savedAddresses(ctx.signal), draft.shipping_address ? {} : latestAddresses(ctx.signal)]);
  const known = { ...draft, ...latest };
  const shoe = catalog.models.find((m) => m.id === draft.design.model) || { name: draft.design.model };
  const screen = { ctx, draft, catalog, shoe, saved, ...renderAddressForm(draft, known, saved) };
  screen.picker?.addEventListener('change', () => pickSaved(screen));
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
  const current = { ...previous, ...addresses, billing_same: same.checked, ...saveChoice(screen, previous) };
  if (changed) current.checkout_key = null; // another order body: another checkout attempt
  saveDraft(current);
  await checkOrder(screen, current);
}

/** Whether to save the shipping address when placing, under which name, and the key that saves it once. */
function saveChoice({ saveBox, saveName }, previous) {
  if (!saveBox.checked) return { save_label: null, save_key: null };
  return { save_label: saveName.value.trim(), save_key: previous.save_key || newIdempotencyKey() };
}

/** The end of the address step: the server checks the whole order by placing's rules, storing nothing. */
async function checkOrder(screen, current) {
  const button = screen.addressForm.querySelector('button[type=submit]');
  button.disabled = true;
  try {
    const quote = await ordersApi.post('/orders/check', orderBody(current), { signal: screen.ctx.signal });
    go(screen, 'confirm', { current, quote });
  } catch (error) {
    if (!(error instanceof ApiProblem)) throw error;
    go(screen, 'address', error);
  } finally {
    button.disabled = false;
  }
}

/** A saved address chosen: it fills the shipping address (and there is nothing new to save). */
function pickSaved(screen) {
  const chosen = screen.saved.find((saved) => saved.id === screen.picker.value);
  if (!chosen) return;
  screen.shipping.fill(chosen.address);
  screen.saveBox.checked = false;
  screen.saveBox.dispatchEvent(new Event('change'));
  announce(`Shipping address filled from ${chosen.label}.`);
}

function showAddressStep(screen, problem = null) {
  const { addressForm, addressStep, confirmStep, same } = screen;
  confirmStep.hidden = true;
  addressStep.hidden = false;
  if (problem) {
    if (same.checked) dropCopiedProblems(problem);
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

/** Billed to the shipping address, its problems come twice (shipping and billing): they are shown once, at shipping. */
function dropCopiedProblems(problem) {
  const at = (error) => fieldPath(error.loc);
  const shipping = new Set(problem.errors.map(at).filter((path) => path[0] === 'shipping_address').map((path) => path[1]));
  problem.errors = problem.errors.filter((error) => {
    const path = at(error);
    return !(path[0] === 'billing' && path[1] === 'address' && shipping.has(path[2]));
  });
}

function showConfirmStep(screen, { current, quote }) {
  const placeButton = h('button', { type: 'button', class: 'button' }, `Place order (${money(quote.costs.total, quote.costs.currency)})`);
  const progress = h('p', { class: 'progress-text' });
  const summaryPlace = h('div');
  screen.confirmStep.replaceChildren(
    steps(1),
    h('section', { class: 'panel', 'aria-labelledby': 'confirm-heading' },
      h('h2', { id: 'confirm-heading', tabindex: '-1' }, 'Confirm specs and costs'),
      summaryPlace,
      h('div', { class: 'columns' }, renderSpecs(screen, current, quote), renderAddresses(current)),
      current.save_label ? h('p', { class: 'hint' }, `The shipping address will be saved as “${current.save_label}”.`) : null,
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
  const saving = await saveAddress(attempt);
  clearDraft();
  go(screen, 'placed', { order, saving });
}

/** "Save this address", once the order is placed: its own key, so a retry of the checkout saves it once. */
async function saveAddress(attempt) {
  if (!attempt.save_label) return null;
  const body = { label: attempt.save_label, address: attempt.shipping_address };
  try {
    return { saved: await ordersApi.post('/brand/addresses', body, { headers: { 'Idempotency-Key': attempt.save_key } }) };
  } catch (error) {
    if (!(error instanceof ApiProblem)) throw error;
    return { problem: error };
  }
}

function showPlaced(screen, { order, saving }) {
  screen.page.replaceChildren(...renderPlaced(order, saving));
  document.title = 'Order placed — Welt';
  focusOn(screen.page.querySelector('h1'));
  announce(`Order ${order.order_number} placed.`);
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

/**
 * The address form: a saved address to start from (if the brand keeps any), the shipping address and the box to
 * save it, and the "bill to the shipping address" box that hides the billing address while ticked.
 */
function renderAddressForm(draft, known, saved) {
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
  const picker = saved.length ? select([['', 'Choose a saved address'], ...saved.map((a) => [a.id, a.label])]) : null;
  const keep = renderSaveBox(draft);
  shipping.element.append(keep.element);
  const addressForm = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'address-heading' },
    h('h2', { id: 'address-heading', tabindex: '-1' }, 'Shipping and billing'),
    renderPicker(picker), shipping.element, billing.element,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, 'Continue to confirmation'),
      h('a', { href: '#/orders/new', class: 'button secondary' }, 'Back to the design')));
  return { shipping, billing, same, toggleSame, addressForm, picker, saveBox: keep.box, saveName: keep.name };
}

function renderPicker(picker) {
  const manage = h('a', { href: '#/addresses' }, picker ? 'Manage saved addresses' : 'Saved addresses');
  if (!picker) return h('p', { class: 'hint' }, 'Ship to the same places often? Tick “Save this address” below, or keep them under ', manage, '.');
  return h('div', { class: 'saved-address-picker' },
    field({ label: 'Saved address', control: picker, hint: 'Fills the shipping address; you can still change it.' }),
    h('p', {}, manage));
}

/** "Save this address" and the name it is saved under, asked for only while the box is ticked. */
function renderSaveBox(draft) {
  const box = h('input', { type: 'checkbox', id: 'save-address', checked: Boolean(draft.save_label) });
  const name = textInput({ maxlength: '64', autocomplete: 'off', value: draft.save_label || '' });
  const nameField = field({ label: 'Name for this address', loc: 'save_label', control: name, required: 'Enter a name for the address',
    hint: 'Your own name for it, such as Berlin store; it is listed under Saved addresses.' });
  const toggle = () => { nameField.hidden = !box.checked; };
  box.addEventListener('change', toggle);
  toggle();
  const element = h('div', { class: 'save-address' },
    h('div', { class: 'field checkbox' }, box, h('label', { for: 'save-address' }, 'Save this address for later orders')), nameField);
  return { element, box, name };
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

function renderPlaced(order, saving) {
  return [
    h('h1', {}, 'Order placed'),
    h('section', { class: 'panel success', 'aria-labelledby': 'placed-heading' },
      h('h2', { id: 'placed-heading', tabindex: '-1' }, 'Your order number'),
      h('p', { class: 'order-number' }, order.order_number),
      h('p', {}, `Status: Awaiting payment. A confirmation with the specs and costs is on its way to ${order.billing.email}.`),
      renderSaving(saving),
      costTable(order.costs),
      h('div', { class: 'actions' },
        h('a', { class: 'button', href: `#/pay?order=${encodeURIComponent(order.order_number)}` }, `Pay ${money(order.costs.total)} now`),
        h('a', { class: 'button secondary', href: '#/orders' }, 'Go to the order pool'),
        h('a', { class: 'button secondary', href: `#/orders/${encodeURIComponent(order.order_number)}` }, 'View the order'))),
  ];
}

function renderSaving(saving) {
  if (!saving) return null;
  if (saving.saved) {
    return h('p', {}, `The shipping address is saved as “${saving.saved.label}”. `, h('a', { href: '#/addresses' }, 'See your saved addresses'));
  }
  return h('div', { class: 'notice notice-warning' },
    h('p', {}, `The order is placed, but the address was not saved: ${saving.problem.detail || saving.problem.title} `,
      h('a', { href: '#/addresses' }, 'Add it under Saved addresses')));
}
