/** Factory staff onboard brands: the brand list, registering and editing a brand, a brand's users and the staff's
 * own colleagues (invite, send a new invitation, disable, enable). A brand user sees their own team. */

import { ApiProblem, etagOf, localProblem, ordersApi, queryString } from '../api.js';
import { h } from '../dom.js';
import { countrySelect, field, textInput } from '../fields.js';
import { dateTime, label } from '../format.js';
import { cell } from '../order-parts.js';
import { missingFields, showProblem } from '../problems.js';

const STATE_TEXT = { invited: 'Invited', active: 'Active', disabled: 'Disabled' };

/** The brand's details as a form; `brand` prefills it (editing), without it the code is asked for (registering). */
function brandForm({ brand = null, heading, submitText, onsave }) {
  const controls = {};
  const input = (key, attrs, value) => {
    controls[key] = textInput({ maxlength: '200', autocomplete: 'off', ...attrs, value: value || '' });
    return controls[key];
  };
  const address = (brand && brand.billing_address) || {};
  controls.country = countrySelect(address.country);
  const fields = [
    brand ? null : field({ label: 'Brand code', loc: 'code', hint: 'Three capital letters, for good: order numbers end with it, as in 00001-XYZ.',
      control: input('code', { maxlength: '3', class: 'short', spellcheck: 'false' }), required: 'Enter the brand code' }),
    field({ label: 'Brand name', loc: 'name', control: input('name', {}, brand && brand.name), required: 'Enter the brand name' }),
    field({ label: 'Legal name', loc: 'legal_name', hint: 'Who invoices are made out to.',
      control: input('legal_name', {}, brand && brand.legal_name), required: 'Enter the legal name' }),
    field({ label: 'VAT ID', loc: 'vat_id', optional: true, hint: 'An EU VAT ID with its country prefix, for example ESB12345674.',
      control: input('vat_id', { maxlength: '32', spellcheck: 'false' }, brand && brand.vat_id) }),
    field({ label: 'Contact email', loc: 'contact_email', hint: 'Invoices and order emails go here unless an order says otherwise.',
      control: input('contact_email', { type: 'email', maxlength: '254' }, brand && brand.contact_email), required: 'Enter the contact email' }),
    h('fieldset', { class: 'group' }, h('legend', {}, 'Billing address'),
      field({ label: 'Address line 1', loc: 'billing_address.line1', control: input('line1', {}, address.line1), required: 'Enter the street and number' }),
      field({ label: 'Address line 2', loc: 'billing_address.line2', optional: true, control: input('line2', {}, address.line2) }),
      h('div', { class: 'field-row' },
        field({ label: 'Postal code', loc: 'billing_address.postal_code', control: input('postal_code', { maxlength: '16', class: 'short' }, address.postal_code),
          required: 'Enter the postal code' }),
        field({ label: 'City', loc: 'billing_address.city', control: input('city', {}, address.city), required: 'Enter the city' })),
      field({ label: 'Region or state', loc: 'billing_address.region', optional: true, control: input('region', {}, address.region) }),
      field({ label: 'Country', loc: 'billing_address.country', control: controls.country, required: 'Choose the country' })),
  ];
  const form = h('form', { class: 'form panel', novalidate: true, 'aria-labelledby': `${brand ? 'edit' : 'register'}-heading` },
    h('h2', { id: `${brand ? 'edit' : 'register'}-heading` }, heading), ...fields,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, submitText)));
  const value = (key) => controls[key].value.trim();
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const missing = missingFields(form);
    if (missing.length) {
      showProblem(form, localProblem('Some details are missing', missing));
      return;
    }
    const postal = { line1: value('line1'), city: value('city'), postal_code: value('postal_code'), country: controls.country.value };
    for (const key of ['line2', 'region']) if (value(key)) postal[key] = value(key);
    const body = { name: value('name'), legal_name: value('legal_name'), vat_id: value('vat_id') || null,
      contact_email: value('contact_email'), billing_address: postal };
    if (!brand) body.code = value('code').toUpperCase();
    try {
      await onsave(body);
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      showProblem(form, error);
    }
  });
  return form;
}

function pager(ctx, route, page, cursor) {
  if (!page.next_cursor && !cursor) return null;
  return h('nav', { class: 'pager', 'aria-label': 'Pages' },
    cursor ? h('a', { class: 'button secondary', href: `#${route}` }, 'First page') : null,
    page.next_cursor ? h('a', { class: 'button secondary', href: `#${route}${queryString({ cursor: page.next_cursor })}` }, 'Next page') : null);
}

export async function brandsView(ctx) {
  const cursor = ctx.query.get('cursor') || '';
  const page = await ordersApi.get(`/admin/brands${queryString({ limit: 50, cursor })}`, { signal: ctx.signal });
  const headers = ['Code', 'Name', 'Legal name', 'VAT ID', 'Contact', 'Stamps', 'Registered'];
  const table = page.brands.length
    ? h('div', { class: 'table-wrap', role: 'region', 'aria-label': 'Brands table', tabindex: '0' },
      h('table', { class: 'table responsive' },
        h('caption', {}, 'Registered brands'),
        h('thead', {}, h('tr', {}, headers.map((name) => h('th', { scope: 'col' }, name)))),
        h('tbody', {}, page.brands.map((brand) => h('tr', {},
          h('th', { scope: 'row', 'data-label': 'Code' }, h('a', { href: `#/staff/brands/${brand.code}` }, brand.code)),
          cell('Name', brand.name),
          cell('Legal name', brand.legal_name || '—'),
          cell('VAT ID', brand.vat_id || '—'),
          cell('Contact', brand.contact_email || '—'),
          cell('Stamps', label(brand.stamps_status)),
          cell('Registered', brand.registered_at ? dateTime(brand.registered_at) : '—'))))))
    : h('p', { class: 'empty' }, 'No brand is registered yet.');
  const register = brandForm({
    heading: 'Register a brand',
    submitText: 'Register brand',
    onsave: async (body) => {
      const made = await ordersApi.post('/admin/brands', body);
      ctx.flash(`Brand ${made.code} is registered. Invite its first user.`);
      ctx.navigate(`#/staff/brands/${made.code}`);
    },
  });
  return h('section', { class: 'page wide' },
    h('h1', {}, 'Brands'),
    h('p', { class: 'lead' }, 'The brands that order from the factory. Open a brand to edit it and to manage who has access.'),
    table, pager(ctx, '/staff/brands', page, cursor), register);
}

/** Users and what staff may do with each: a new invitation while invited, disable while active, enable while disabled. */
function usersSection(ctx, { heading, users, base, inviteHeading }) {
  const act = async (box, path, done) => {
    try {
      await ordersApi.post(path, {});
      ctx.flash(done);
      ctx.rerender();
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      showProblem(box, error);
    }
  };
  const headers = ['Email', 'Name', 'State', 'Action'];
  const section = h('section', { class: 'panel', 'aria-labelledby': 'users-heading' }, h('h2', { id: 'users-heading' }, heading));
  const rows = users.map((user) => {
    const path = `${base}/${encodeURIComponent(user.email)}`;
    const actions = [];
    if (user.state === 'invited') actions.push(['Send a new invitation', 'invite', `A new invitation is on its way to ${user.email}.`]);
    if (user.state !== 'disabled') actions.push(['Disable', 'disable', `${user.email} can no longer sign in.`]);
    else actions.push(['Enable', 'enable', `${user.email} can sign in again.`]);
    return h('tr', {},
      h('th', { scope: 'row', 'data-label': 'Email' }, user.email),
      cell('Name', user.name || '—'),
      cell('State', STATE_TEXT[user.state] || user.state),
      cell('Action', h('span', { class: 'row-actions' }, actions.map(([text, step, done]) => h('button', {
        type: 'button', class: 'button secondary small', 'aria-label': `${text}: ${user.email}`,
        onclick: () => act(section, `${path}/${step}`, done),
      }, text)))));
  });
  section.append(users.length
    ? h('div', { class: 'table-wrap', role: 'region', 'aria-label': `${heading} table`, tabindex: '0' },
      h('table', { class: 'table responsive' },
        h('thead', {}, h('tr', {}, headers.map((name) => h('th', { scope: 'col' }, name)))), h('tbody', {}, rows)))
    : h('p', { class: 'empty' }, 'Nobody has access yet.'));

  const email = textInput({ type: 'email', maxlength: '254', autocomplete: 'off', spellcheck: 'false' });
  const name = textInput({ maxlength: '100', autocomplete: 'off' });
  const invite = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'invite-heading' },
    h('h3', { id: 'invite-heading' }, inviteHeading),
    h('p', { class: 'hint' }, 'They get an email with the sign-in address and a temporary password, valid for 7 days.'),
    field({ label: 'Email', loc: 'email', control: email, required: 'Enter their email address' }),
    field({ label: 'Name', loc: 'name', control: name, required: 'Enter their name' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, 'Send invitation')));
  invite.addEventListener('submit', async (event) => {
    event.preventDefault();
    const missing = missingFields(invite);
    if (missing.length) {
      showProblem(invite, localProblem('Some details are missing', missing));
      return;
    }
    try {
      const made = await ordersApi.post(base, { email: email.value.trim(), name: name.value.trim() });
      ctx.flash(`${made.email} is invited.`);
      ctx.rerender();
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      showProblem(invite, error);
    }
  });
  section.append(invite);
  return section;
}

export async function brandView(ctx) {
  const code = ctx.params.code;
  const [brand, team] = await Promise.all([
    ordersApi.get(`/admin/brands/${encodeURIComponent(code)}`, { signal: ctx.signal }),
    ordersApi.get(`/admin/brands/${encodeURIComponent(code)}/users`, { signal: ctx.signal }),
  ]);
  const edit = brandForm({
    brand,
    heading: 'Brand details',
    submitText: 'Save changes',
    onsave: async (body) => {
      await ordersApi.patch(`/admin/brands/${encodeURIComponent(code)}`, body, { headers: { 'If-Match': etagOf(brand) } });
      ctx.flash(`Brand ${code} is saved.`);
      ctx.rerender();
    },
  });
  return h('section', { class: 'page wide' },
    h('p', { class: 'breadcrumb' }, h('a', { href: '#/staff/brands' }, 'Brands')),
    h('h1', {}, `${brand.name} (${brand.code})`),
    h('p', { class: 'lead' }, `Order numbers end in -${brand.code}. Stamps: ${label(brand.stamps_status)}.`),
    usersSection(ctx, { heading: 'Users', users: team.users, base: `/admin/brands/${encodeURIComponent(code)}/users`, inviteHeading: 'Invite a user' }),
    edit);
}

export async function staffTeamView(ctx) {
  const team = await ordersApi.get('/admin/staff', { signal: ctx.signal });
  return h('section', { class: 'page wide' },
    h('h1', {}, 'Staff'),
    h('p', { class: 'lead' }, 'The factory’s staff users: they see every brand and run production.'),
    usersSection(ctx, { heading: 'Staff users', users: team.users, base: '/admin/staff', inviteHeading: 'Invite a colleague' }));
}

export async function teamView(ctx) {
  const team = await ordersApi.get('/brand/users', { signal: ctx.signal });
  const headers = ['Email', 'Name', 'State'];
  return h('section', { class: 'page' },
    h('h1', {}, 'Your team'),
    h('p', { class: 'lead' }, 'Everyone with access to your brand. To add a colleague or take someone’s access away, ask the factory.'),
    h('div', { class: 'table-wrap', role: 'region', 'aria-label': 'Team table', tabindex: '0' },
      h('table', { class: 'table responsive' },
        h('thead', {}, h('tr', {}, headers.map((name) => h('th', { scope: 'col' }, name)))),
        h('tbody', {}, team.users.map((user) => h('tr', {},
          h('th', { scope: 'row', 'data-label': 'Email' }, user.email),
          cell('Name', user.name || '—'),
          cell('State', STATE_TEXT[user.state] || user.state)))))));
}
