/**
 * The brand's saved shipping addresses (GET/POST/PUT/DELETE /brand/addresses): listed, added, changed and removed.
 * Checkout offers them to fill the shipping address; orders already placed keep the address they were placed with.
 */

import { ApiProblem, localProblem, newIdempotencyKey, ordersApi } from '../api.js';
import { confirmAction } from '../confirm.js';
import { announce, focusOn, h } from '../dom.js';
import { addressFieldset, addressLines, field, textInput } from '../fields.js';
import { countryName } from '../countries.js';
import { missingFields, showProblem } from '../problems.js';

/*
 * The screen is a state machine. Its states, each shown by one function below:
 *   list   the saved addresses, each with Change and Remove, and "Add an address"
 *   form   one address being added (saved) or changed (saved)
 * Its events: "Add an address" and "Change" (→ form), "Save address" (→ list once the API keeps it, else the
 * problem at its fields), "Cancel" (→ list), "Remove" (a confirmation, then → list as the removal left it).
 */
const STATES = { list: showList, form: showForm };

function go(screen, state, given = {}) {
  return STATES[state](screen, given);
}

export async function addressesView(ctx) {
  const book = await ordersApi.get('/brand/addresses', { signal: ctx.signal });
  const screen = { ctx, addresses: book.addresses, body: h('div') };
  screen.page = h('section', { class: 'page' },
    h('h1', {}, 'Saved addresses'),
    h('p', { class: 'lead' }, 'Shipping addresses your brand keeps under names of its own. At checkout, choose one to fill the '
      + 'shipping address. Changing or removing one here does not change orders already placed.'),
    screen.body);
  go(screen, 'list');
  return screen.page;
}

function showList(screen, { message = null, focus = false } = {}) {
  const events = {
    add: () => go(screen, 'form', {}),
    change: (saved) => go(screen, 'form', { saved }),
    remove: (saved) => removeAddress(screen, saved),
  };
  const notice = message ? h('div', { class: 'notice notice-success', role: 'status', tabindex: '-1' }, h('p', {}, message)) : null;
  screen.body.replaceChildren(...[notice, ...renderList(screen.addresses, events)].filter(Boolean));
  if (notice) focusOn(notice);
  else if (focus) focusOn(screen.body.querySelector('h2'));
}

function showForm(screen, { saved = null }) {
  const parts = renderForm(saved);
  parts.key = newIdempotencyKey(); // one per address being added: a retry after a lost answer saves it once
  parts.form.addEventListener('submit', (event) => {
    event.preventDefault();
    saveAddress(screen, saved, parts);
  });
  parts.cancel.addEventListener('click', () => go(screen, 'list', { focus: true }));
  screen.body.replaceChildren(parts.form);
  focusOn(parts.form.querySelector('h2'));
}

/** The form's submit event: POST a new address, PUT a changed one; its problems at the fields. */
async function saveAddress(screen, saved, { form, name, address, key }) {
  const missing = missingFields(form);
  if (missing.length) {
    showProblem(form, localProblem('Some details are missing', missing));
    return;
  }
  const body = { label: name.value.trim(), address: address.read() };
  const resolve = (path) => (path[0] === 'address' ? form.querySelector(`[data-loc="shipping_address.${path.slice(1).join('.')}"]`) : null);
  try {
    const kept = saved
      ? await ordersApi.put(`/brand/addresses/${encodeURIComponent(saved.id)}`, body)
      : await ordersApi.post('/brand/addresses', body, { headers: { 'Idempotency-Key': key } });
    screen.addresses = saved
      ? screen.addresses.map((one) => (one.id === kept.id ? kept : one))
      : [...screen.addresses.filter((one) => one.id !== kept.id), kept];
    go(screen, 'list', { message: `${kept.label} is saved.` });
  } catch (error) {
    if (!(error instanceof ApiProblem)) throw error;
    showProblem(form, error, { resolve });
  }
}

/** The Remove event: asked first, then DELETE; the list is the one the removal answers. */
async function removeAddress(screen, saved) {
  const sure = await confirmAction({
    title: `Remove ${saved.label}?`,
    message: 'It is no longer offered at checkout. Orders already placed keep their address.',
    confirmText: 'Remove address',
  });
  if (!sure) return;
  try {
    screen.addresses = (await ordersApi.delete(`/brand/addresses/${encodeURIComponent(saved.id)}`)).addresses;
    go(screen, 'list', { message: `${saved.label} is removed.` });
  } catch (error) {
    if (!(error instanceof ApiProblem)) throw error;
    announce(error.detail || error.title);
    if (error.status === 404) {
      screen.addresses = screen.addresses.filter((one) => one.id !== saved.id); // removed meanwhile, elsewhere
      go(screen, 'list', { message: `${saved.label} was already removed.` });
    }
  }
}

// Render functions: DOM from what they are given, no requests.

function renderList(addresses, { add, change, remove }) {
  const heading = h('h2', { id: 'saved-heading', tabindex: '-1' }, addresses.length ? `${addresses.length} saved` : 'None saved yet');
  const list = addresses.length
    ? h('ul', { class: 'address-book', 'aria-labelledby': 'saved-heading' }, addresses.map((saved) => renderAddress(saved, change, remove)))
    : h('p', {}, 'Add the places you ship to often, or tick “Save this address” when you check out.');
  return [heading, list, h('div', { class: 'actions' }, h('button', { type: 'button', class: 'button', onclick: add }, 'Add an address'))];
}

function renderAddress(saved, change, remove) {
  const { address } = saved;
  return h('li', { class: 'panel address-card' },
    h('h3', {}, saved.label),
    h('address', {}, [address.name, ...addressLines(address, countryName), address.phone, address.email]
      .filter(Boolean).map((line) => h('span', { class: 'line' }, line))),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'button secondary', onclick: () => change(saved) },
        'Change', h('span', { class: 'visually-hidden' }, ` ${saved.label}`)),
      h('button', { type: 'button', class: 'link-button', onclick: () => remove(saved) },
        'Remove', h('span', { class: 'visually-hidden' }, ` ${saved.label}`))));
}

function renderForm(saved) {
  const name = textInput({ maxlength: '64', autocomplete: 'off', value: saved ? saved.label : '' });
  const address = addressFieldset({ legend: 'Shipping address', value: saved ? saved.address : {}, section: 'saved' });
  const cancel = h('button', { type: 'button', class: 'button secondary' }, 'Cancel');
  const form = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'address-form-heading' },
    h('h2', { id: 'address-form-heading', tabindex: '-1' }, saved ? `Change ${saved.label}` : 'Add an address'),
    field({ label: 'Name for this address', loc: 'label', control: name, required: 'Enter a name for the address',
      hint: 'Your own name for it, such as Berlin store: checkout lists it under this name.' }),
    address.element,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, 'Save address'), cancel));
  return { form, name, address, cancel };
}
