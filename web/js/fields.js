/** Labelled form fields (label, hint, control wired with for/aria-describedby) and the order's fieldsets. */

import { h, uid } from './dom.js';
import { COUNTRIES } from './countries.js';
import { money, orderType } from './format.js';

/** One labelled control in a .field wrapper. `required` is the message shown when it is left empty. */
export function field({ label, loc, control, hint = null, required = null, optional = false }) {
  const id = control.id || uid('field');
  control.id = id;
  if (loc) control.dataset.loc = loc;
  if (required) {
    control.dataset.required = required;
    control.setAttribute('aria-required', 'true');
  }
  const hintNode = hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
  if (hintNode) control.setAttribute('aria-describedby', hintNode.id);
  return h('div', { class: 'field' },
    h('label', { for: id }, label, optional ? h('span', { class: 'optional' }, ' (optional)') : null),
    hintNode,
    control);
}

export function textInput(attrs = {}) {
  return h('input', { type: 'text', ...attrs });
}

export function select(options, attrs = {}) {
  return h('select', attrs, options.map(([value, text]) => h('option', { value }, text)));
}

/** A fieldset of radio buttons: options are [value, label, description?]. */
export function radioGroup({ legend, name, loc, options, value = null, hint = null, required = null, onchange = null, boxed = false }) {
  const hintNode = hint ? h('p', { class: 'hint', id: uid('hint') }, hint) : null;
  const set = h('fieldset', { class: boxed ? 'group radios' : 'radios', 'data-loc': loc, 'aria-describedby': hintNode ? hintNode.id : null },
    h('legend', {}, legend),
    hintNode,
    options.map(([optionValue, text, description]) => {
      const id = uid(name);
      const descriptionId = description ? `${id}-description` : null;
      return h('div', { class: 'radio' },
        h('input', { type: 'radio', id, name, value: optionValue, checked: optionValue === value,
          'aria-describedby': descriptionId, onchange }),
        h('label', { for: id }, text),
        description ? h('p', { class: 'hint', id: descriptionId }, description) : null);
    }));
  if (required) set.dataset.required = required;
  return set;
}

export function checkedValue(scope, name) {
  const checked = scope.querySelector(`input[name="${name}"]:checked`);
  return checked ? checked.value : null;
}

function trimmed(input) {
  const value = input.value.trim();
  return value === '' ? undefined : value;
}

// ------------------------------------------------------------------ design

const PARTS = [['upper', 'Upper'], ['lining', 'Lining'], ['sole', 'Sole']];

export function materialName(catalog, id) {
  const material = catalog.materials.find((m) => m.id === id);
  return material ? material.name : id;
}

/** Model, then a material per part chosen among those the model allows, and the 3D designer's reference. */
export function designFieldset(catalog, value = {}) {
  const materials = new Map(catalog.materials.map((m) => [m.id, m]));
  const model = select(catalog.models.map((m) => [m.id, `${m.name} — ${money(m.base_price)} a pair`]),
    { value: value.model || catalog.models[0].id });
  const partSelects = Object.fromEntries(PARTS.map(([part]) => [part, h('select')]));
  const chosen = { ...(value.materials || {}) };

  function refill() {
    const shoe = catalog.models.find((m) => m.id === model.value);
    for (const [part] of PARTS) {
      const control = partSelects[part];
      const previous = control.value || chosen[part];
      const allowed = shoe.materials[part];
      control.replaceChildren(...allowed.map((id) => {
        const material = materials.get(id) || { name: id, surcharge: 0 };
        const extra = material.surcharge ? ` (+${money(material.surcharge)})` : '';
        return h('option', { value: id }, `${material.name}${extra}`);
      }));
      control.value = allowed.includes(previous) ? previous : allowed[0];
    }
  }
  model.addEventListener('change', refill);
  refill();

  const reference = textInput({ maxlength: '64', value: value.design_ref || '', autocomplete: 'off' });
  const element = h('fieldset', { class: 'group', 'data-loc': 'design' },
    h('legend', {}, 'Design'),
    h('p', { class: 'hint' }, 'Materials are limited to what the chosen model can be made with.'),
    field({ label: 'Model', loc: 'design.model', control: model }),
    PARTS.map(([part, text]) => field({ label: text, loc: `design.materials.${part}`, control: partSelects[part] })),
    field({ label: 'Design reference', loc: 'design.design_ref', control: reference, optional: true,
      hint: 'The reference of this design in the 3D designer, up to 64 characters.' }));

  return {
    element,
    read() {
      const design = {
        model: model.value,
        materials: Object.fromEntries(PARTS.map(([part]) => [part, partSelects[part].value])),
      };
      const ref = trimmed(reference);
      if (ref) design.design_ref = ref;
      return design;
    },
  };
}

// ------------------------------------------------------------------ order type and size run

export const EU_SIZES = (() => {
  const sizes = [];
  for (let n = 35; n <= 48; n += 1) {
    sizes.push(`EU${n}`);
    if (n < 48) sizes.push(`EU${n}.5`);
  }
  return sizes;
})();

function typeDescription(catalog, type) {
  const rule = catalog.order_types[type];
  const range = rule.min_pairs === rule.max_pairs ? pairsText(rule.min_pairs) : `${rule.min_pairs} to ${rule.max_pairs} pairs`;
  const discount = Math.round((1 - Number(rule.factor)) * 100);
  const made = type === 'MTO' ? 'Made to order, one pair' : 'One design in a size run';
  return `${made}: ${range}${discount > 0 ? `, ${discount}% off manufacturing` : ''}.`;
}

function pairsText(count) {
  return count === 1 ? '1 pair' : `${count} pairs`;
}

export function typeFieldset(catalog, value, onchange) {
  return radioGroup({
    legend: 'Order type',
    name: 'type',
    loc: 'type',
    value: value || 'MTO',
    options: Object.keys(catalog.order_types).map((type) => [type, orderType(type), typeDescription(catalog, type)]),
    onchange,
    boxed: true,
  });
}

/**
 * The size run: one size for MTO, pairs per size (EU35 to EU48, half sizes) otherwise.
 * resolve(path) finds the control for a problem about the n-th line that was last read.
 */
export function sizeRunFieldset(catalog, { type = 'MTO', sizes = [] } = {}) {
  const given = new Map(sizes.map((line) => [line.size, line.pairs]));
  const single = select([['', 'Choose a size'], ...EU_SIZES.map((size) => [size, size.replace('EU', 'EU ')])],
    { value: type === 'MTO' && sizes[0] ? sizes[0].size : '' });
  const inputs = new Map(EU_SIZES.map((size) => [size, h('input', {
    type: 'number', min: '0', max: '5000', step: '1', inputmode: 'numeric',
    value: type !== 'MTO' && given.has(size) ? String(given.get(size)) : '',
  })]));
  const total = h('output', { 'aria-live': 'polite' });
  const rule = h('p', { class: 'hint' });
  const singleField = field({ label: 'Size', loc: 'sizes.0.size', control: single });
  const grid = h('div', { class: 'size-grid' },
    EU_SIZES.map((size) => {
      const input = inputs.get(size);
      input.id = uid('size');
      input.dataset.size = size;
      return h('div', { class: 'size-cell' },
        h('label', { for: input.id }, size.replace('EU', ''), h('span', { class: 'visually-hidden' }, ` (${size}) pairs`)),
        input);
    }));
  const element = h('fieldset', { class: 'group', 'data-loc': 'sizes' },
    h('legend', {}, 'Size run'),
    rule,
    singleField,
    grid,
    h('p', { class: 'total' }, 'Total: ', total));
  let current = type;
  let lastRead = [];

  function update() {
    const count = readLines().reduce((sum, line) => sum + line.pairs, 0);
    total.value = pairsText(count);
    total.textContent = pairsText(count);
  }

  function readLines() {
    if (current === 'MTO') return single.value ? [{ size: single.value, pairs: 1 }] : [];
    const lines = [];
    for (const size of EU_SIZES) {
      const count = Number.parseInt(inputs.get(size).value, 10);
      if (Number.isFinite(count) && count !== 0) lines.push({ size, pairs: count });
    }
    return lines;
  }

  function setType(type) {
    current = type;
    const limits = catalog.order_types[type];
    singleField.hidden = type !== 'MTO';
    grid.hidden = type === 'MTO';
    rule.textContent = type === 'MTO'
      ? 'An MTO order is one pair: choose its size.'
      : `Enter the pairs per size; ${orderType(type)} orders have ${limits.min_pairs} to ${limits.max_pairs} pairs in all.`;
    update();
  }

  element.addEventListener('input', update);
  element.addEventListener('change', update);
  setType(type);

  return {
    element,
    setType,
    read() {
      lastRead = readLines();
      return lastRead;
    },
    /** Client-side checks the API would make too, so the buyer hears about them at once. */
    problems() {
      const lines = readLines();
      const count = lines.reduce((sum, line) => sum + line.pairs, 0);
      const limits = catalog.order_types[current];
      if (current === 'MTO') return lines.length ? [] : [{ loc: ['sizes', '0', 'size'], msg: 'Choose the size of the pair' }];
      if (lines.some((line) => line.pairs < 0)) return [{ loc: ['sizes'], msg: 'Pairs cannot be negative' }];
      if (count < limits.min_pairs || count > limits.max_pairs) {
        return [{ loc: ['sizes'], msg: `${orderType(current)} orders have ${limits.min_pairs} to ${limits.max_pairs} pairs; this run has ${count}` }];
      }
      return [];
    },
    resolve(path) {
      if (path[0] !== 'sizes' || path.length < 2) return null;
      if (current === 'MTO') return single;
      const line = lastRead[Number(path[1])];
      return line ? inputs.get(line.size) : null;
    },
  };
}

// ------------------------------------------------------------------ labeling

export function labelingFieldset(catalog, brand, value) {
  const first = brand.labeling_default === null || brand.labeling_default === undefined;
  const chosen = value || brand.labeling_default || null;
  const feeNote = brand.stamps_status === 'NONE'
    ? `Metal molds engrave your logo. A one-time development fee of ${money(catalog.stamp_fee)} is charged with your first paid order that uses them.`
    : `Metal molds engrave your logo. Your stamps are ${brand.stamps_status === 'READY' ? 'ready' : 'in development'}; no further fee.`;
  return radioGroup({
    legend: 'Labeling',
    name: 'labeling',
    loc: 'labeling',
    value: chosen,
    hint: first
      ? 'This is your first order: choose how your shoes are labeled. Later orders start with this choice.'
      : 'Starts with the choice of your last order.',
    required: first ? 'Choose how the shoes are labeled' : null,
    boxed: true,
    options: [
      ['UNLABELED', 'Unlabeled', 'No brand marks on the shoes.'],
      ['CUSTOM_STAMPS', 'Custom stamps', feeNote],
    ],
  });
}

// ------------------------------------------------------------------ addresses

const POSTAL_KEYS = ['line1', 'line2', 'city', 'postal_code', 'region', 'country'];

export function countrySelect(value) {
  return select([['', 'Choose a country'], ...COUNTRIES], { value: value || '' });
}

/**
 * The shipping address, or (with billing: true) the billing party and its postal address.
 * Every control carries the loc the API uses for it.
 */
export function addressFieldset({ legend, value = {}, billing = false, section }) {
  const base = billing ? 'billing' : 'shipping_address';
  const post = billing ? 'billing.address' : 'shipping_address';
  const address = (billing ? value.address : value) || {};
  const auto = (name) => `section-${section} ${name}`;
  const controls = {};
  const make = (key, attrs, val) => {
    controls[key] = textInput({ ...attrs, value: val || '' });
    return controls[key];
  };
  const partyFields = [
    field({ label: billing ? 'Name on the invoice' : 'Recipient name', loc: `${base}.name`,
      control: make('name', { autocomplete: auto('name'), maxlength: '200' }, value.name),
      required: billing ? 'Enter the name for the invoice' : 'Enter the recipient’s name' }),
    field({ label: 'Company', loc: `${base}.company`, optional: true,
      control: make('company', { autocomplete: auto('organization'), maxlength: '200' }, value.company) }),
  ];
  if (billing) {
    partyFields.push(field({ label: 'VAT number', loc: 'billing.vat_id', optional: true, hint: 'For example DE123456788.',
      control: make('vat_id', { autocomplete: 'off', maxlength: '32' }, value.vat_id) }));
    partyFields.push(field({ label: 'Invoice email', loc: 'billing.email', hint: 'Order confirmations and invoices go here.',
      control: make('email', { type: 'email', autocomplete: auto('email'), maxlength: '254' }, value.email),
      required: 'Enter the email address for invoices' }));
  }
  controls.country = countrySelect(address.country);
  const addressFields = h('div', { class: 'address-fields' },
    field({ label: 'Address line 1', loc: `${post}.line1`,
      control: make('line1', { autocomplete: auto('address-line1'), maxlength: '200' }, address.line1),
      required: 'Enter the street and number' }),
    field({ label: 'Address line 2', loc: `${post}.line2`, optional: true,
      control: make('line2', { autocomplete: auto('address-line2'), maxlength: '200' }, address.line2) }),
    h('div', { class: 'field-row' },
      field({ label: 'Postal code', loc: `${post}.postal_code`,
        control: make('postal_code', { autocomplete: auto('postal-code'), maxlength: '16', class: 'short' }, address.postal_code),
        required: 'Enter the postal code' }),
      field({ label: 'City', loc: `${post}.city`,
        control: make('city', { autocomplete: auto('address-level2'), maxlength: '200' }, address.city),
        required: 'Enter the city' })),
    field({ label: 'Region or state', loc: `${post}.region`, optional: true,
      control: make('region', { autocomplete: auto('address-level1'), maxlength: '200' }, address.region) }),
    field({ label: 'Country', loc: `${post}.country`, control: controls.country, required: 'Choose the country' }));
  const contactFields = billing ? [] : [
    field({ label: 'Phone', loc: 'shipping_address.phone', hint: 'The carrier calls this number if needed, for example +49 30 1234567.',
      control: make('phone', { type: 'tel', autocomplete: auto('tel'), maxlength: '32' }, value.phone),
      required: 'Enter a phone number for the carrier' }),
    field({ label: 'Email', loc: 'shipping_address.email',
      control: make('email', { type: 'email', autocomplete: auto('email'), maxlength: '254' }, value.email),
      required: 'Enter an email address for delivery notices' }),
  ];
  const element = h('fieldset', { class: 'group' }, h('legend', {}, legend), partyFields, addressFields, contactFields);

  function readPostal() {
    const postal = {};
    for (const key of ['line1', 'line2', 'city', 'postal_code', 'region']) {
      const text = trimmed(controls[key]);
      if (text !== undefined) postal[key] = text;
    }
    postal.country = controls.country.value;
    return postal;
  }

  return {
    element,
    addressFields,
    controls,
    read() {
      const party = {};
      for (const key of billing ? ['name', 'company', 'vat_id', 'email'] : ['name', 'company', 'phone', 'email']) {
        const text = trimmed(controls[key]);
        if (text !== undefined) party[key] = text;
      }
      return billing ? { ...party, address: readPostal() } : { ...party, ...readPostal() };
    },
    /** Fill the postal part from another address (billing "same as shipping"). */
    fillPostal(from) {
      for (const key of POSTAL_KEYS) controls[key].value = from[key] || '';
    },
    /** Fill every field from an address of the same shape (a saved shipping address chosen at checkout). */
    fill(from) {
      const postal = (billing ? from.address : from) || {};
      for (const [key, control] of Object.entries(controls)) control.value = (POSTAL_KEYS.includes(key) ? postal[key] : from[key]) || '';
    },
  };
}

/** The address as lines for display. */
export function addressLines(address, countryName) {
  if (!address) return [];
  return [address.company, address.line1, address.line2, [address.postal_code, address.city].filter(Boolean).join(' '),
    address.region, countryName(address.country)].filter(Boolean);
}
