/** The brand profile: who the brand is as the factory registered it, and its custom stamps step by step — upload the
 * logo's artwork (straight to the factory's private storage), then approve the proof or ask for changes. */

import { ApiProblem, localProblem, ordersApi } from '../api.js';
import { announce, h } from '../dom.js';
import { field } from '../fields.js';
import { words } from '../labels.js';
import { showProblem } from '../problems.js';
import { ARTWORK_TYPES, MAX_ARTWORK_BYTES, proofPanel, stampFacts, stampTimeline } from '../stamp-parts.js';

// Until a proof is approved, new artwork replaces the one before.
const CAN_UPLOAD = ['AWAITING_ARTWORK', 'ARTWORK_RECEIVED', 'PROOF_SENT', 'CHANGES_ASKED'];

export async function profileView(ctx) {
  const [brand, stamps] = await Promise.all([
    ordersApi.get('/brand', { signal: ctx.signal }),
    ordersApi.get('/brand/stamps', { signal: ctx.signal }),
  ]);
  return h('section', { class: 'page' },
    h('h1', {}, 'Brand profile'),
    h('p', { class: 'lead' }, 'Your brand as the factory registered it, and your custom stamps.'),
    brandFacts(brand),
    stampsSection(ctx, stamps));
}

function brandFacts(brand) {
  const address = brand.billing_address;
  const facts = [
    ['Brand', `${brand.name} (${brand.code})`],
    ['Legal name', brand.legal_name || '—'],
    ['VAT ID', brand.vat_id || '—'],
    ['Contact email', brand.contact_email || '—'],
    ['Labeling of new orders', brand.labeling_default ? words(brand.labeling_default, 'labeling') : 'Chosen with your first order'],
    ['Billing address', address ? [address.line1, address.line2, `${address.postal_code} ${address.city}`, address.country].filter(Boolean).join(', ') : '—'],
  ];
  return h('section', { 'aria-labelledby': 'brand-heading' },
    h('h2', { id: 'brand-heading' }, 'Your brand'),
    h('dl', { class: 'facts' }, facts.map(([name, value]) => [h('dt', {}, name), h('dd', {}, value)])),
    h('p', { class: 'hint' }, 'To change these details, write to the factory.'));
}

function stampsSection(ctx, stamps) {
  return h('section', { 'aria-labelledby': 'stamps-heading' },
    h('h2', { id: 'stamps-heading' }, 'Custom stamps'),
    h('p', {}, 'Upload your logo, approve the proof we send you, and we make your stamps. '
      + 'Orders with custom stamps wait for them, then move on to cutting by themselves.'),
    stampFacts(stamps, { downloadPath: '/brand/stamps/artwork' }),
    proofPanel(stamps),
    stamps.step === 'PROOF_SENT' ? answerPanel(ctx, stamps) : null,
    CAN_UPLOAD.includes(stamps.step) ? uploadForm(ctx, stamps) : null,
    h('h3', {}, 'Steps so far'),
    stampTimeline(stamps.events));
}

/** The file, checked here first (type and size), then: a form from Welt, the upload to storage, and Welt told. */
async function sendArtwork(file, revision) {
  if (!file) throw localProblem('Choose a file', [{ loc: ['key'], msg: 'Choose your artwork file' }]);
  if (!ARTWORK_TYPES[file.type]) throw localProblem('This file cannot be used', [{ loc: ['key'], msg: 'Choose an SVG, PDF or PNG file' }]);
  if (file.size > MAX_ARTWORK_BYTES) throw localProblem('This file is too big', [{ loc: ['key'], msg: 'Choose a file of at most 10 MB' }]);
  const form = await ordersApi.post('/brand/stamps/upload-form', { content_type: file.type });
  const body = new FormData();
  Object.entries(form.fields).forEach(([name, value]) => body.append(name, value));
  body.append('file', file);
  const stored = await fetch(form.url, { method: 'POST', body }).catch(() => null);
  if (!stored || !stored.ok) {
    throw localProblem('The upload did not go through', [], 'Nothing was changed. Check the file is an SVG, PDF or PNG of at most 10 MB and try again.');
  }
  return ordersApi.post('/brand/stamps/artwork', { key: form.key, file_name: file.name.slice(0, 64), revision });
}

function uploadForm(ctx, stamps) {
  const input = h('input', { type: 'file', accept: '.svg,.pdf,.png,image/svg+xml,application/pdf,image/png' });
  const button = h('button', { type: 'submit', class: 'button' }, stamps.artwork ? 'Upload new artwork' : 'Upload artwork');
  const form = h('form', { class: 'form panel', novalidate: true, 'aria-labelledby': 'upload-heading' },
    h('h3', { id: 'upload-heading' }, stamps.artwork ? 'Replace your artwork' : 'Upload your artwork'),
    field({ label: 'Logo artwork', loc: 'key', control: input, hint: 'An SVG, PDF or PNG file of at most 10 MB. Vector files (SVG, PDF) give the sharpest stamp.' }),
    h('div', { class: 'actions' }, button));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    button.disabled = true;
    announce('Uploading your artwork…');
    try {
      await sendArtwork(input.files[0], stamps.revision);
      ctx.flash('Your artwork is uploaded. We will send you a proof to approve.');
      ctx.rerender();
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      showProblem(form, error);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

function answerPanel(ctx, stamps) {
  const act = async (scope, path, body, message) => {
    try {
      await ordersApi.post(path, { revision: stamps.revision, ...body });
      ctx.flash(message);
      ctx.rerender();
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      showProblem(scope, error);
    }
  };
  const comment = h('textarea', { rows: '3', maxlength: '1000' });
  const changes = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'changes-heading' },
    h('h4', { id: 'changes-heading' }, 'Something to change?'),
    field({ label: 'What should change', loc: 'comment', control: comment, required: 'Say what should change' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button secondary' }, 'Ask for changes')));
  changes.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = comment.value.replace(/\s+/g, ' ').trim();
    if (!text) showProblem(changes, localProblem('Say what should change', [{ loc: ['comment'], msg: 'Say what should change' }]));
    else act(changes, '/brand/stamps/changes', { comment: text }, 'Your changes are sent. We will send you a new proof.');
  });
  const panel = h('div', { class: 'panel success', 'aria-labelledby': 'answer-heading', role: 'group' },
    h('h3', { id: 'answer-heading' }, 'Your answer to the proof'),
    h('p', {}, 'Approve the proof and we make your stamps as shown.'),
    h('div', { class: 'actions' }, h('button', {
      type: 'button', class: 'button', onclick: () => act(panel, '/brand/stamps/approval', {}, 'You approved the proof. We are making your stamps.'),
    }, 'Approve proof')),
    changes);
  return panel;
}
