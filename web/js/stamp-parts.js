/** What the brand's profile page and staff's stamps pages both show of a brand's custom stamps: where they stand,
 * the artwork and proof, and the steps so far, in words. */

import { ordersApi } from './api.js';
import { h } from './dom.js';
import { actor, dateTime, day } from './format.js';
import { STAMP_EVENT, STAMP_STEP, STAMPS_STATUS, wordsFor } from './labels.js';

export const ARTWORK_TYPES = { 'image/svg+xml': 'SVG', 'application/pdf': 'PDF', 'image/png': 'PNG' };
export const MAX_ARTWORK_BYTES = 10 * 1024 * 1024;

export function fileSize(bytes) {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

/** The stamps' status, step and expected date as a list of facts; the artwork with a download button. */
export function stampFacts(stamps, { downloadPath }) {
  const artwork = stamps.artwork;
  return h('dl', { class: 'facts' },
    h('dt', {}, 'Stamps'), h('dd', {}, wordsFor(STAMPS_STATUS, stamps.stamps_status)),
    h('dt', {}, 'Step'), h('dd', { 'data-testid': 'stamp-step' }, wordsFor(STAMP_STEP, stamps.step)),
    h('dt', {}, 'Expected ready'), h('dd', { 'data-testid': 'stamp-date' }, stamps.expected_on ? day(stamps.expected_on) : 'Not set yet'),
    h('dt', {}, 'Artwork'), h('dd', {}, artwork
      ? [`${artwork.file_name} (${ARTWORK_TYPES[artwork.content_type] || 'file'}, ${fileSize(artwork.size)}) `, downloadButton(downloadPath)]
      : 'None uploaded yet'));
}

function downloadButton(path) {
  return h('button', {
    type: 'button',
    class: 'link-button',
    onclick: async () => {
      const link = await ordersApi.get(path);
      window.location.assign(link.url);
    },
  }, 'Download artwork');
}

export function proofPanel(stamps) {
  if (!stamps.proof) return null;
  return h('div', { class: 'panel' },
    h('h3', {}, 'Proof'),
    h('p', {}, stamps.proof.note),
    h('p', { class: 'hint' }, `Sent ${dateTime(stamps.proof.sent_at)}`),
    stamps.changes_asked ? h('p', {}, h('strong', {}, 'Changes asked: '), stamps.changes_asked) : null);
}

function eventDetail(event) {
  const details = event.details || {};
  if (event.type === 'ARTWORK_RECEIVED') return `${details.file_name} (${fileSize(details.size || 0)})`;
  if (event.type === 'PROOF_SENT') return details.note;
  if (event.type === 'CHANGES_ASKED') return details.comment;
  if (event.type === 'EXPECTED_DATE_SET') return `Expected ready ${day(details.expected_on)}`;
  return '';
}

export function stampTimeline(events, { staff = false } = {}) {
  if (!events.length) return h('p', { class: 'empty' }, 'No step yet.');
  return h('ol', { class: 'timeline' }, [...events].reverse().map((event) => h('li', {},
    h('time', { datetime: event.at }, dateTime(event.at)),
    h('span', { class: 'event-name' }, wordsFor(STAMP_EVENT, event.type)),
    eventDetail(event) ? h('span', { class: 'event-details' }, eventDetail(event)) : null,
    h('span', { class: 'event-actor' }, `by ${actor(event.actor, { staff })}`))));
}
