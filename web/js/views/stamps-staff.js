/** Factory staff and the brands' custom stamps: every brand's stamps in one list (those waiting on the factory
 * first), and one brand's stamps to download the artwork, send a proof, set the expected date and mark them ready. */

import { ApiProblem, localProblem, ordersApi } from '../api.js';
import { h } from '../dom.js';
import { confirmAction } from '../confirm.js';
import { field } from '../fields.js';
import { day } from '../format.js';
import { STAMP_STEP, STAMPS_STATUS, wordsFor } from '../labels.js';
import { cell } from '../order-parts.js';
import { showProblem } from '../problems.js';
import { proofPanel, stampFacts, stampTimeline } from '../stamp-parts.js';

// What the factory acts on first: artwork to proof, changes to make, approved proofs to make into stamps.
const FACTORY_TURN = ['ARTWORK_RECEIVED', 'CHANGES_ASKED', 'PROOF_APPROVED'];
const CAN_PROOF = ['ARTWORK_RECEIVED', 'PROOF_SENT', 'CHANGES_ASKED'];

export async function stampsListView(ctx) {
  const page = await ordersApi.get('/admin/brands?limit=100', { signal: ctx.signal });
  const all = await Promise.all(page.brands.map((brand) => ordersApi.get(`/admin/brands/${brand.code}/stamps`, { signal: ctx.signal })
    .then((stamps) => ({ brand, stamps }))));
  const turn = ({ stamps }) => (FACTORY_TURN.includes(stamps.step) ? 0 : 1);
  all.sort((a, b) => turn(a) - turn(b) || a.brand.code.localeCompare(b.brand.code));
  return h('section', { class: 'page wide' },
    h('h1', {}, 'Custom stamps'),
    h('p', { class: 'lead' }, 'Every brand\'s stamps; those waiting on the factory come first. Open a brand to send a proof, set a date or mark its stamps ready.'),
    all.length ? stampsTable(all) : h('p', { class: 'empty' }, 'No brand is registered yet.'));
}

function stampsTable(rows) {
  const headers = ['Code', 'Brand', 'Stamps', 'Step', 'Expected on', 'Artwork'];
  return h('div', { class: 'table-wrap', role: 'region', 'aria-label': 'Stamps table', tabindex: '0' },
    h('table', { class: 'table responsive' },
      h('caption', {}, 'Brands\' custom stamps'),
      h('thead', {}, h('tr', {}, headers.map((name) => h('th', { scope: 'col' }, name)))),
      h('tbody', {}, rows.map(({ brand, stamps }) => h('tr', {},
        h('th', { scope: 'row', 'data-label': 'Code' }, h('a', { href: `#/staff/stamps/${brand.code}`, 'aria-label': `Stamps of ${brand.code}` }, brand.code)),
        cell('Brand', brand.name),
        cell('Stamps', wordsFor(STAMPS_STATUS, stamps.stamps_status)),
        cell('Step', wordsFor(STAMP_STEP, stamps.step)),
        cell('Expected on', stamps.expected_on ? day(stamps.expected_on) : '—'),
        cell('Artwork', stamps.artwork ? stamps.artwork.file_name : '—'))))));
}

export async function stampsBrandView(ctx) {
  const code = ctx.params.code;
  const [brand, stamps] = await Promise.all([
    ordersApi.get(`/admin/brands/${encodeURIComponent(code)}`, { signal: ctx.signal }),
    ordersApi.get(`/admin/brands/${encodeURIComponent(code)}/stamps`, { signal: ctx.signal }),
  ]);
  const base = `/admin/brands/${brand.code}/stamps`;
  return h('section', { class: 'page' },
    h('p', { class: 'breadcrumb' }, h('a', { href: '#/staff/stamps' }, 'Custom stamps')),
    h('h1', {}, `Stamps of ${brand.name} (${brand.code})`),
    stampFacts(stamps, { downloadPath: `${base}/artwork` }),
    proofPanel(stamps),
    CAN_PROOF.includes(stamps.step) ? proofForm(ctx, base, stamps) : null,
    stamps.step !== 'MADE' ? dateForm(ctx, base, stamps) : null,
    stamps.stamps_status !== 'READY' ? readyPanel(ctx, brand, stamps) : null,
    h('h2', {}, 'Steps so far'),
    stampTimeline(stamps.events, { staff: true }));
}

/** A form that sends its body at the stamps' revision and comes back to this page with a message. */
function stepForm(ctx, { heading, id, controls, submitText, send }) {
  const form = h('form', { class: 'form panel', novalidate: true, 'aria-labelledby': id },
    h('h2', { id }, heading), controls, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, submitText)));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      ctx.flash(await send());
      ctx.rerender();
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      showProblem(form, error);
    }
  });
  return form;
}

function proofForm(ctx, base, stamps) {
  const note = h('textarea', { rows: '3', maxlength: '1000' });
  return stepForm(ctx, {
    heading: stamps.proof ? 'Send a new proof' : 'Send a proof',
    id: 'proof-heading',
    controls: field({ label: 'How the stamp will be made', loc: 'note', control: note,
      hint: 'Size, placement and depth, and what changed since the last proof. The brand approves it or asks for changes.' }),
    submitText: 'Send proof',
    send: async () => {
      const text = note.value.replace(/\s+/g, ' ').trim();
      if (!text) throw localProblem('Describe the proof', [{ loc: ['note'], msg: 'Say how the stamp will be made' }]);
      await ordersApi.post(`${base}/proof`, { revision: stamps.revision, note: text });
      return 'The proof is sent; the brand is emailed to approve it.';
    },
  });
}

function dateForm(ctx, base, stamps) {
  const input = h('input', { type: 'date', class: 'short', value: stamps.expected_on || '' });
  return stepForm(ctx, {
    heading: 'Expected date',
    id: 'date-heading',
    controls: field({ label: 'Stamps expected ready on', loc: 'expected_on', control: input, hint: 'The brand sees it on its profile page and is emailed.' }),
    submitText: 'Set date',
    send: async () => {
      if (!input.value) throw localProblem('Choose a date', [{ loc: ['expected_on'], msg: 'Choose the day the stamps will be ready' }]);
      await ordersApi.put(`${base}/expected-date`, { revision: stamps.revision, expected_on: input.value });
      return `The stamps are expected on ${day(input.value)}; the brand is emailed.`;
    },
  });
}

function readyPanel(ctx, brand, stamps) {
  const ready = async () => {
    const sure = await confirmAction({
      title: 'Mark the stamps ready?',
      message: `${brand.name}'s paid orders waiting for stamps move on to cutting, and the brand is emailed.`,
      confirmText: 'Mark stamps ready',
    });
    if (!sure) return;
    const done = await ordersApi.post(`/admin/brands/${brand.code}/stamps`, { status: 'READY' });
    const moved = done.orders_released.length;
    ctx.flash(`The stamps are ready; ${moved === 1 ? '1 order moved' : `${moved} orders moved`} on to cutting.`);
    ctx.rerender();
  };
  return h('div', { class: 'panel' },
    h('h2', {}, 'Stamps made'),
    h('p', {}, stamps.step === 'PROOF_APPROVED' ? 'The brand approved the proof.' : 'The brand has not approved a proof here yet.'),
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'button', onclick: ready }, 'Mark stamps ready')));
}
