/** A modal question before an action that is hard to take back: it says what will happen, and Cancel is the default. */

import { h, uid } from './dom.js';

/**
 * Resolves true when the person confirms, false on Cancel or Escape. Focus returns to where it was.
 * `details` are lines listed under the message (e.g. each order a bulk move touches).
 */
export function confirmAction({ title, message, details = [], confirmText }) {
  const titleId = uid('confirm-title');
  const messageId = uid('confirm-message');
  const before = document.activeElement;
  const cancel = h('button', { type: 'button', class: 'button secondary' }, 'Cancel');
  const confirm = h('button', { type: 'button', class: 'button' }, confirmText);
  const dialog = h('dialog', { class: 'confirm-dialog', 'aria-labelledby': titleId, 'aria-describedby': messageId },
    h('h2', { id: titleId }, title),
    h('p', { id: messageId }, message),
    details.length ? h('ul', { class: 'confirm-details' }, details.map((line) => h('li', {}, line))) : null,
    h('div', { class: 'actions' }, confirm, cancel));
  document.body.append(dialog);
  return new Promise((resolve) => {
    const close = (answer) => {
      dialog.close();
      dialog.remove();
      if (before instanceof HTMLElement && before.isConnected) before.focus();
      resolve(answer);
    };
    cancel.addEventListener('click', () => close(false));
    confirm.addEventListener('click', () => close(true));
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      close(false);
    });
    dialog.showModal();
    cancel.focus();
  });
}
