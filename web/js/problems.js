/**
 * Shows a problem+json answer on a form: each `errors[].msg` next to the field its `loc` names, and a
 * summary (role="alert") at the top that links to those fields. Fields say which `loc` they stand for
 * with data-loc="shipping_address.postal_code" (the loc without its leading "body").
 */

import { h, inPageLink, uid } from './dom.js';

const REQUEST_PARTS = new Set(['body', 'query', 'header', 'path']);
const CONTROLS = 'input:not([type=hidden]), select, textarea, button';

/** ['body', 'order', 'design', 'model'] with strip ['order'] -> ['design', 'model']. */
export function fieldPath(loc, strip = []) {
  const path = (loc || []).map(String);
  if (REQUEST_PARTS.has(path[0])) path.shift();
  for (const prefix of strip) {
    if (path[0] === prefix) path.shift();
  }
  return path;
}

function isControl(element) {
  return element.matches('input, select, textarea');
}

function labelOf(element) {
  if (element.dataset.label) return element.dataset.label;
  if (element.tagName === 'FIELDSET') {
    const legend = element.querySelector('legend');
    return legend ? legend.textContent.trim() : '';
  }
  const label = element.labels && element.labels[0];
  if (label) return label.textContent.replace(/\s*\(optional\)\s*$/, '').trim();
  return element.getAttribute('aria-label') || '';
}

/** The field for a path: the exact data-loc, or the closest enclosing one (a fieldset for a list). */
function findField(scope, path) {
  for (let length = path.length; length > 0; length -= 1) {
    const key = path.slice(0, length).join('.');
    const element = scope.querySelector(`[data-loc="${CSS.escape(key)}"]`);
    if (element) return element;
  }
  return null;
}

function describe(element) {
  const control = isControl(element) ? element : element.querySelector(CONTROLS) || element;
  if (!control.id) control.id = uid('field');
  const container = element.tagName === 'FIELDSET' ? element : element.closest('.field') || element;
  return { element, control, container, label: labelOf(element) };
}

function addDescribedBy(element, id) {
  const ids = (element.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
  element.setAttribute('aria-describedby', [...ids, id].join(' '));
}

function attach(field, message) {
  const id = uid('error');
  const note = h('p', { class: 'field-error', id }, h('span', { class: 'visually-hidden' }, 'Error: '), message);
  const { container, element } = field;
  container.classList.add('has-error');
  if (container.tagName === 'FIELDSET') {
    const legend = container.querySelector('legend');
    const hint = container.querySelector(':scope > .hint');
    (hint || legend || container.firstChild).after(note);
    addDescribedBy(container, id);
    if (isControl(element)) {
      element.setAttribute('aria-invalid', 'true');
      addDescribedBy(element, id);
    }
  } else {
    const anchor = container.querySelector(':scope > .hint') || container.querySelector(':scope > label');
    if (anchor) anchor.after(note);
    else container.prepend(note);
    field.control.setAttribute('aria-invalid', 'true');
    addDescribedBy(field.control, id);
  }
}

export function clearProblems(scope) {
  scope.querySelectorAll('.error-summary').forEach((summary) => summary.remove());
  scope.querySelectorAll('.field-error').forEach((note) => {
    scope.querySelectorAll(`[aria-describedby~="${note.id}"]`).forEach((element) => {
      const ids = element.getAttribute('aria-describedby').split(/\s+/).filter((id) => id !== note.id);
      if (ids.length) element.setAttribute('aria-describedby', ids.join(' '));
      else element.removeAttribute('aria-describedby');
    });
    note.remove();
  });
  scope.querySelectorAll('[aria-invalid="true"]').forEach((element) => element.removeAttribute('aria-invalid'));
  scope.querySelectorAll('.has-error').forEach((element) => element.classList.remove('has-error'));
}

function readable(path) {
  return path.map((part) => (/^\d+$/.test(part) ? `#${Number(part) + 1}` : part.replace(/_/g, ' '))).join(' › ');
}

/**
 * Renders `problem` in `scope`. Options: strip (loc prefixes to drop, e.g. ['order'] for a quote),
 * resolve(path) -> element (for fields data-loc cannot name, like a size run's n-th line), summaryIn
 * (where the summary goes; default: the top of scope), focus (default true), extra (nodes for the summary).
 * Returns the summary element.
 */
export function showProblem(scope, problem, { strip = [], resolve = null, summaryIn = null, focus = true, extra = [] } = {}) {
  clearProblems(scope);
  const items = [];
  for (const error of problem.errors || []) {
    const path = fieldPath(error.loc, strip);
    const message = error.msg;  // the API words pattern failures plainly itself
    const element = (resolve && resolve(path)) || findField(scope, path);
    if (element) {
      const field = describe(element);
      attach(field, message);
      items.push(h('li', {}, inPageLink(field.control, field.label ? `${field.label}: ${message}` : message)));
    } else {
      items.push(h('li', {}, path.length ? `${readable(path)}: ${message}` : message));
    }
  }
  const headingId = uid('problem');
  const summary = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', 'aria-labelledby': headingId },
    h('h2', { id: headingId }, problem.title || 'There is a problem'),
    problem.detail && problem.detail !== problem.title ? h('p', {}, problem.detail) : null,
    items.length ? h('ul', {}, items) : null,
    extra);
  (summaryIn || scope).prepend(summary);
  if (focus) summary.focus();
  return summary;
}

/** Required fields left empty, as problem errors: every control with data-required inside scope. */
export function missingFields(scope) {
  const errors = [];
  scope.querySelectorAll('[data-required]').forEach((element) => {
    if (element.closest('[hidden]')) return;
    let empty;
    if (element.tagName === 'FIELDSET') empty = !element.querySelector('input:checked');
    else if (element.type === 'checkbox') empty = !element.checked;
    else empty = !String(element.value || '').trim();
    if (empty) errors.push({ loc: element.dataset.loc.split('.'), msg: element.dataset.required });
  });
  return errors;
}
