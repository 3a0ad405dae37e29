/** An authenticator app as second sign-in step: the QR code and secret to enrol it, and the page where a signed-in
 * user turns it on (brands may; factory staff must before Welt lets them work). */

import { authenticatorUri, currentSession, finishEnrolment, hasAuthenticator, SignInError, startEnrolment } from '../auth.js';
import { localProblem } from '../api.js';
import { h, uid } from '../dom.js';
import { field } from '../fields.js';
import { missingFields, showProblem } from '../problems.js';
import { encode } from '../vendor/uqr.js';

const SVG = 'http://www.w3.org/2000/svg';

/** The otpauth:// address as a QR code, drawn in the browser: the secret never leaves it. */
export function qrCode(uri, label) {
  const { data, size } = encode(uri, { ecc: 'M', border: 2 });
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${size} ${size}`);
  svg.setAttribute('width', String(size * 5));
  svg.setAttribute('height', String(size * 5));
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  svg.setAttribute('shape-rendering', 'crispEdges');
  const light = document.createElementNS(SVG, 'rect');
  light.setAttribute('width', String(size));
  light.setAttribute('height', String(size));
  light.setAttribute('fill', '#fff');
  svg.append(light);
  // One path of unit squares for the dark modules keeps the drawing a single node.
  const dark = [];
  data.forEach((row, y) => row.forEach((on, x) => { if (on) dark.push(`M${x} ${y}h1v1h-1z`); }));
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', dark.join(''));
  path.setAttribute('fill', '#000');
  svg.append(path);
  return svg;
}

/** The secret shown two ways (QR code, and text to type in), and the field for the first code the app shows. */
export function enrolmentFields(email, secret) {
  const secretId = uid('secret');
  const code = h('input', {
    type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', spellcheck: 'false', maxlength: '6', pattern: '[0-9]{6}',
  });
  return {
    code,
    nodes: [
      h('ol', {},
        h('li', {}, 'Open an authenticator app on your phone (for example Google Authenticator, Microsoft Authenticator or 1Password).'),
        h('li', {}, 'Scan this QR code with it, or add an account by hand with the key below.'),
        h('li', {}, 'Type the 6-digit code the app then shows.')),
      h('figure', { class: 'qr' }, qrCode(authenticatorUri(email, secret), `QR code to add Welt (${email}) to an authenticator app`)),
      h('p', {}, 'Key to type in by hand: ', h('code', { id: secretId, class: 'secret' }, secret)),
      field({ label: 'Code from the app', loc: 'code', control: code, hint: '6 digits; a new code every 30 seconds.', required: 'Enter the 6-digit code from the app' }),
    ],
  };
}

/** A code typed by a person: spaces dropped; anything but six digits is refused before Cognito is asked. */
export function typedCode(control) {
  const code = control.value.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(code)) {
    throw Object.assign(new Error(), { title: 'That is not a code', problems: [{ loc: ['code'], msg: 'The code is 6 digits, as the app shows it.' }] });
  }
  return code;
}

/** The signed-in user's two-step sign-in page (`#/security`): on, or how to turn it on. */
export async function securityView(ctx) {
  const session = currentSession();
  const page = h('section', { class: 'page' });
  const heading = h('h1', {}, 'Two-step sign-in');
  const on = await hasAuthenticator().catch((error) => {
    if (error instanceof SignInError) return null;
    throw error;
  });
  if (on === null) {
    page.append(heading, h('p', { class: 'lead' }, 'Sign out and in again to change your two-step sign-in.'));
    return page;
  }
  if (on) {
    page.append(heading, h('p', { class: 'lead' },
      'Two-step sign-in is on: each sign-in asks for the code from your authenticator app. '
      + 'Lost the phone? Ask the factory to reset it.'));
    return page;
  }
  const secret = await startEnrolment();
  const parts = enrolmentFields(session.email, secret);
  const button = h('button', { type: 'submit', class: 'button' }, 'Turn on two-step sign-in');
  const form = h('form', { class: 'form narrow', novalidate: true }, ...parts.nodes, h('div', { class: 'actions' }, button));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const missing = missingFields(form);
    if (missing.length) {
      showProblem(form, localProblem('Two-step sign-in needs the code', missing));
      return;
    }
    button.disabled = true;
    try {
      await finishEnrolment(typedCode(parts.code));
      ctx.flash('Two-step sign-in is on. Each sign-in now asks for a code from your app.');
      ctx.navigate(session.staff && !session.brand ? '#/staff' : '#/security', { replace: true });
    } catch (error) {
      const problems = error.problems || [{ loc: ['code'], msg: error instanceof SignInError ? error.message : 'That did not work. Try again.' }];
      showProblem(form, localProblem(error.title || 'Two-step sign-in is not on yet', problems));
      button.disabled = false;
    }
  });
  const why = session.staff && !session.brand
    ? 'Factory staff see every brand\'s orders and addresses, so Welt asks staff for a code from an authenticator app at every sign-in. Set it up to continue.'
    : 'Besides your password, each sign-in will ask for a code from an authenticator app on your phone, so a stolen password alone cannot open your order desk.';
  page.append(heading, h('p', { class: 'lead' }, why), form);
  return page;
}
