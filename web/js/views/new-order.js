/**
 * A new order, standing in for the 3D designer's Order button: model and materials from the catalog,
 * order type, size run, labeling; then the raw materials are confirmed before checkout. "Order again"
 * (`?again=<order number>`) starts from an earlier order.
 */

import { ApiProblem, localProblem, ordersApi } from '../api.js';
import { focusOn, h } from '../dom.js';
import {
  checkedValue, designFieldset, labelingFieldset, materialName, sizeRunFieldset, typeFieldset,
} from '../fields.js';
import { money, orderType, pairs } from '../format.js';
import { clearProblems, missingFields, showProblem } from '../problems.js';
import { loadCatalog, loadDraft, saveDraft } from '../store.js';

/** A new checkout draft with an earlier order's design, size run, labeling and addresses (no prices: they are quoted afresh). */
function draftFrom(order) {
  return {
    type: order.type,
    design: order.design,
    sizes: order.sizes,
    labeling: order.labeling,
    shipping_address: order.shipping_address,
    billing: order.billing,
    again_from: order.order_number,
  };
}

/*
 * The screen is a state machine with two states: design (the form) and review (the raw materials shown for
 * confirmation, below the form). Events: "Review raw materials" (→ review once POST /quotes accepts the order,
 * or its problems at the fields), any change to the form or "Change the design" (→ design), and the confirmed
 * materials, which leave for the checkout with the order in the draft.
 */
export async function newOrderView(ctx) {
  const againFrom = ctx.query.get('again');
  const [catalog, brand, source] = await Promise.all([
    loadCatalog(),
    ordersApi.get('/brand', { signal: ctx.signal }),
    againFrom ? ordersApi.get(`/orders/${encodeURIComponent(againFrom)}`, { signal: ctx.signal }) : null,
  ]);
  if (source) saveDraft(draftFrom(source));
  const draft = ctx.query.get('fresh') ? {} : loadDraft() || {};
  const screen = { ctx, catalog, draft, ...renderDesignForm(catalog, brand, draft) };
  screen.review = h('section', { class: 'panel', hidden: true, 'aria-labelledby': 'review-heading' });
  // Any change after the review makes the buyer review again.
  screen.form.addEventListener('input', () => { screen.review.hidden = true; });
  screen.form.addEventListener('change', () => { screen.review.hidden = true; });
  screen.form.addEventListener('submit', (event) => {
    event.preventDefault();
    askReview(screen);
  });
  return h('section', { class: 'page' },
    h('h1', {}, 'New order'),
    h('p', { class: 'lead' }, `Ordering for ${brand.name} (${brand.code}). Choose the design and the size run, then confirm the raw materials.`),
    source ? h('div', { class: 'notice' },
      h('p', {}, `Ordering again from order ${source.order_number}: its design, size run, labeling and addresses are filled in. `
        + 'Change anything you like; prices are today’s.')) : null,
    screen.form,
    screen.review);
}

function renderDesignForm(catalog, brand, draft) {
  const design = designFieldset(catalog, draft.design);
  const sizeRun = sizeRunFieldset(catalog, { type: draft.type || 'MTO', sizes: draft.sizes || [] });
  const types = typeFieldset(catalog, draft.type || 'MTO', (event) => sizeRun.setType(event.target.value));
  const labeling = labelingFieldset(catalog, brand, draft.labeling);
  const reviewButton = h('button', { type: 'submit', class: 'button' }, 'Review raw materials');
  const form = h('form', { class: 'form order-form', novalidate: true, 'aria-labelledby': 'design-heading' },
    h('h2', { id: 'design-heading', class: 'visually-hidden' }, 'Design and size run'),
    h('div', { class: 'order-columns' },
      h('div', {}, design.element, labeling),
      h('div', {}, types, sizeRun.element)),
    h('div', { class: 'actions' }, reviewButton));
  return { design, sizeRun, reviewButton, form };
}

/** The design form's submit event: the quote validates the design and size run on the server and prices the manufacturing. */
async function askReview(screen) {
  const { ctx, draft, form, design, sizeRun, reviewButton } = screen;
  const problems = [...missingFields(form), ...sizeRun.problems()];
  if (problems.length) {
    showProblem(form, localProblem('Check the order', problems), { resolve: sizeRun.resolve });
    return;
  }
  const order = { type: checkedValue(form, 'type'), design: design.read(), sizes: sizeRun.read() };
  const chosen = checkedValue(form, 'labeling');
  if (chosen) order.labeling = chosen;
  reviewButton.disabled = true;
  try {
    // Shipping is priced at checkout, once the address is known.
    const country = (draft.shipping_address && draft.shipping_address.country) || 'DE';
    const quote = await ordersApi.post('/quotes', { order: { ...order, country } }, { signal: ctx.signal });
    clearProblems(form);
    showReview(screen, order, quote);
  } catch (error) {
    if (!(error instanceof ApiProblem)) throw error;
    showProblem(form, error, { strip: ['order'], resolve: sizeRun.resolve });
  } finally {
    reviewButton.disabled = false;
  }
}

function showReview(screen, order, quote) {
  const { form, review } = screen;
  const confirm = h('input', { type: 'checkbox', id: 'confirm-materials', 'data-loc': 'materials_confirmed',
    'data-required': 'Confirm the raw materials to continue' });
  const proceed = h('button', { type: 'submit', class: 'button' }, 'Continue to checkout');
  const confirmForm = h('form', { novalidate: true },
    h('div', { class: 'field checkbox' }, confirm,
      h('label', { for: 'confirm-materials' }, 'I confirm these raw materials for production')),
    h('div', { class: 'actions' }, proceed,
      h('button', { type: 'button', class: 'button secondary', onclick: () => {
        review.hidden = true;
        focusOn(form.querySelector('legend'));
      } }, 'Change the design')));
  confirmForm.addEventListener('submit', (event) => {
    event.preventDefault();
    confirmMaterials(screen, confirmForm, order, quote);
  });
  review.replaceChildren(h('h2', { id: 'review-heading', tabindex: '-1' }, 'Confirm the raw materials'),
    ...renderMaterials(screen.catalog, order, quote), confirmForm);
  review.hidden = false;
  focusOn(review.querySelector('h2'));
}

/** The confirmation's submit event: the order goes into the draft and the buyer on to the checkout. */
function confirmMaterials({ ctx }, confirmForm, order, quote) {
  const missing = missingFields(confirmForm);
  if (missing.length) {
    showProblem(confirmForm, localProblem('Confirm the raw materials', missing));
    return;
  }
  const previous = loadDraft() || {};
  const same = JSON.stringify([previous.type, previous.design, previous.sizes, previous.labeling])
    === JSON.stringify([order.type, order.design, order.sizes, order.labeling]);
  saveDraft({
    ...previous,
    ...order,
    labeling: order.labeling || quote.labeling,
    materials_confirmed: true,
    // A changed order is a new checkout attempt: it gets its own Idempotency-Key.
    checkout_key: same ? previous.checkout_key || null : null,
  });
  ctx.navigate('#/checkout');
}

function renderMaterials(catalog, order, quote) {
  const shoe = catalog.models.find((m) => m.id === order.design.model);
  const surcharge = (id) => (catalog.materials.find((m) => m.id === id) || { surcharge: 0 }).surcharge;
  return [
    h('p', {}, `${shoe.name}, ${orderType(order.type)}, ${pairs(quote.pairs)}.`),
    h('table', { class: 'table compact' },
      h('caption', { class: 'visually-hidden' }, 'Raw materials per part'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Part'), h('th', { scope: 'col' }, 'Material'),
        h('th', { scope: 'col', class: 'num' }, 'Per pair'))),
      h('tbody', {},
        h('tr', {}, h('th', { scope: 'row' }, 'Model'), h('td', {}, shoe.name), h('td', { class: 'num' }, money(shoe.base_price))),
        ['upper', 'lining', 'sole'].map((part) => h('tr', {},
          h('th', { scope: 'row' }, part.charAt(0).toUpperCase() + part.slice(1)),
          h('td', {}, materialName(catalog, order.design.materials[part])),
          h('td', { class: 'num' }, surcharge(order.design.materials[part]) ? `+${money(surcharge(order.design.materials[part]))}` : 'included'))))),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Size run'), h('dd', {}, order.sizes.map((line) => `${line.size} × ${line.pairs}`).join(', ')),
      h('dt', {}, 'Labeling'), h('dd', {}, quote.labeling === 'CUSTOM_STAMPS' ? 'Custom stamps' : 'Unlabeled'),
      h('dt', {}, 'Manufacturing'), h('dd', {}, money(quote.costs.manufacturing, quote.costs.currency),
        ` (${orderType(order.type)} price for ${pairs(quote.pairs)})`),
      quote.costs.customization ? [h('dt', {}, 'Stamp development'), h('dd', {}, money(quote.costs.customization))] : null),
    h('p', { class: 'hint' }, 'Shipping is priced at checkout, from the address.'),
  ];
}
