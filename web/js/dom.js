/** Builds DOM nodes without innerHTML, so text that comes from the API can never become markup. */

let counter = 0;

/** A page-unique id for label/aria wiring. */
export function uid(prefix = 'id') {
  counter += 1;
  return `${prefix}-${counter}`;
}

function appendAll(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
}

/**
 * h('a', {href: '#/orders', class: 'button'}, 'Order pool')
 * `on…` attributes take listeners, `text` sets textContent, `value` is set as a property after the
 * children (so a <select> can pick one of its options), true/false toggle boolean attributes.
 */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  let value;
  for (const [name, given] of Object.entries(attrs || {})) {
    if (given === null || given === undefined || given === false) continue;
    if (name === 'class') element.className = given;
    else if (name === 'text') element.textContent = given;
    else if (name === 'value') value = given;
    else if (name === 'dataset') Object.assign(element.dataset, given);
    else if (name.startsWith('on') && typeof given === 'function') element.addEventListener(name.slice(2).toLowerCase(), given);
    else element.setAttribute(name, given === true ? '' : String(given));
  }
  appendAll(element, children);
  if (value !== undefined) element.value = value;
  return element;
}

/** Text for screen readers only. */
export function srOnly(text) {
  return h('span', { class: 'visually-hidden' }, text);
}

const announcer = () => document.getElementById('announcer');

/** Says something through the page's polite live region (status that is not tied to a field). */
export function announce(message) {
  const region = announcer();
  if (!region) return;
  region.textContent = '';
  // A fresh text node after a tick is what makes screen readers speak a repeated message again.
  setTimeout(() => { region.textContent = message; }, 50);
}

const FOCUSABLE = 'a[href], button, input, select, textarea, summary, [contenteditable]';

/** Moves keyboard and screen-reader focus to an element, headings and messages included. */
export function focusOn(element) {
  if (!element) return;
  // tabindex="-1" lets a heading take the focus; on a control it would take the control out of the Tab order.
  if (!element.matches(FOCUSABLE) && !element.hasAttribute('tabindex')) element.setAttribute('tabindex', '-1');
  element.focus({ preventScroll: false });
}

/** A link inside the page that must not go through the hash router (error summary, skip link). */
export function inPageLink(target, text) {
  return h('a', {
    href: `#${target.id}`,
    onclick: (event) => {
      event.preventDefault();
      target.scrollIntoView({ block: 'center' });
      target.focus();
    },
  }, text);
}

/** Hands a file made in the page (or fetched with the token) to the browser as a download. */
export function saveFile(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
