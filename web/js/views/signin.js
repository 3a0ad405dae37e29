/** Sign in (Cognito USER_PASSWORD_AUTH), choose a password at the first sign-in, type the code of an authenticator
 * app (or enrol one: required for staff), or reset a forgotten one.
 *
 * One page, one step at a time: each step is a form; what Cognito answers decides the next step. */

import {
  PASSWORD_RULES, answerChallenge, currentSession, finishEnrolment, forgotPassword, hasAuthenticator, homeFor, resetPassword, signIn, SignInError,
  startEnrolment,
} from '../auth.js';
import { enrolmentFields, typedCode } from './authenticator.js';
import { localProblem } from '../api.js';
import { focusOn, h, uid } from '../dom.js';
import { field } from '../fields.js';
import { missingFields, showProblem } from '../problems.js';

function policy() {
  const id = uid('policy');
  return {
    id,
    node: h('div', { class: 'hint', id },
      h('p', {}, 'Your password needs:'),
      h('ul', {}, PASSWORD_RULES.map((rule) => h('li', {}, rule)))),
  };
}

function newPasswordFields(label) {
  const rules = policy();
  const password = h('input', { type: 'password', autocomplete: 'new-password', 'aria-describedby': rules.id });
  const again = h('input', { type: 'password', autocomplete: 'new-password' });
  return {
    password,
    again,
    nodes: [
      rules.node,
      field({ label, loc: 'new_password', control: password, required: 'Choose a new password' }),
      field({ label: 'New password again', loc: 'new_password_again', control: again, required: 'Type the new password again' }),
    ],
  };
}

function mismatch(fields) {
  return fields.password.value !== fields.again.value
    ? [{ loc: ['new_password_again'], msg: 'The two passwords differ; type the same password twice.' }]
    : [];
}

export async function signInView(ctx) {
  const page = h('section', { class: 'page' });
  let email = '';

  function finish(session) {
    const next = ctx.query.get('next');
    const target = next && next.startsWith('/') && !next.startsWith('/signin') ? `#${next}` : homeFor(session);
    ctx.navigate(target, { replace: true });
  }

  /** A step's page: heading, lead, the form; `act` does the step and returns nothing or throws SignInError. */
  function step({ title, lead, fields, submit, busy, act, after = [], focus = true, missingTitle = `${title} needs every field` }) {
    const button = h('button', { type: 'submit', class: 'button' }, submit);
    const form = h('form', { class: 'form narrow', novalidate: true }, ...fields, h('div', { class: 'actions' }, button));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const missing = missingFields(form);
      if (missing.length) {
        showProblem(form, localProblem(missingTitle, missing));
        return;
      }
      button.disabled = true;
      button.textContent = busy;
      try {
        await act(form);
      } catch (error) {
        const problems = error.problems || [{ loc: ['form'], msg: 'That did not work. Try again.' }];
        showProblem(form, localProblem(error.title || `${title} failed`, problems));
        button.disabled = false;
        button.textContent = submit;
      }
    });
    const heading = h('h1', {}, title);
    page.replaceChildren(heading, h('p', { class: 'lead' }, lead), form, ...after);
    // The first step is focused by the app like any page; later steps replace the form the focus was in.
    if (focus) focusOn(heading);
  }

  function problem(title, loc, msg) {
    return Object.assign(new Error(msg), { title, problems: [{ loc: [loc], msg }] });
  }

  function showSignIn(message = null, focus = true) {
    const address = h('input', { type: 'email', autocomplete: 'username', spellcheck: 'false', value: email });
    const password = h('input', { type: 'password', autocomplete: 'current-password' });
    const forgot = h('button', { type: 'button', class: 'link-button' }, 'Forgot password?');
    forgot.addEventListener('click', () => {
      email = address.value.trim();
      showForgot();
    });
    step({
      title: 'Sign in',
      missingTitle: 'Sign-in needs both fields',
      lead: message || 'The order desk of the factory: check out designs, pay orders and follow production.',
      fields: [
        field({ label: 'Email address', loc: 'email', control: address, required: 'Enter your email address' }),
        field({ label: 'Password', loc: 'password', control: password, required: 'Enter your password' }),
      ],
      submit: 'Sign in',
      busy: 'Signing in…',
      focus,
      act: async () => {
        email = address.value.trim();
        try {
          await proceed(await signIn(email, password.value));
        } catch (error) {
          password.value = '';
          throw problem('Sign-in failed', 'password', error instanceof SignInError ? error.message : 'Sign-in failed. Try again.');
        }
      },
      after: [
        h('p', {}, forgot),
        h('p', { class: 'hint' }, 'New to Welt? The factory invites you by email, with a temporary password. '
          + 'On the local stack (make dev) the demo users and their password are listed in .welt/dev-stack.json.'),
      ],
    });
  }

  async function proceed(result) {
    if (result.step === 'SIGNED_IN') await signedIn(result.session);
    else if (result.step === 'NEW_PASSWORD_REQUIRED') showNewPassword(result);
    else if (result.step === 'SOFTWARE_TOKEN_MFA') showCode(result);
    else if (result.step === 'MFA_SETUP') await showEnrol(result);
  }

  /** Staff go no further than enrolling an authenticator app until they have one: the APIs refuse them without. */
  async function signedIn(session) {
    if (session.staff && !session.brand && !(await hasAuthenticator())) await showEnrol(null);
    else finish(session);
  }

  function showCode(challenge) {
    const code = h('input', { type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', spellcheck: 'false', maxlength: '6' });
    step({
      title: 'Enter your code',
      lead: 'Open your authenticator app and type the 6-digit code it shows for Welt.',
      fields: [field({ label: 'Code from the app', loc: 'code', control: code, required: 'Enter the 6-digit code from the app' })],
      submit: 'Sign in',
      busy: 'Checking the code…',
      act: async () => {
        const typed = typedCode(code);
        try {
          await proceed(await answerChallenge(challenge, { code: typed }));
        } catch (error) {
          code.value = '';
          throw problem('Sign-in failed', 'code', error instanceof SignInError ? error.message : 'Try again.');
        }
      },
    });
  }

  /** Enrol an authenticator app: during sign-in (MFA_SETUP, `challenge`) or just after it (staff without one). */
  async function showEnrol(challenge) {
    const secret = await startEnrolment(challenge);
    const parts = enrolmentFields(email, secret);
    step({
      title: 'Set up two-step sign-in',
      lead: challenge
        ? 'Your account asks for a code from an authenticator app at each sign-in, as well as the password. Set one up to continue.'
        : 'Factory staff see every brand\'s orders and addresses, so each sign-in asks for a code from an authenticator app as well as the password. Set one up to continue.',
      fields: parts.nodes,
      submit: 'Turn on and continue',
      busy: 'Checking the code…',
      act: async () => {
        const typed = typedCode(parts.code);
        try {
          const result = await finishEnrolment(typed, challenge);
          if (result.step === 'ENROLLED') finish(currentSession());
          else await proceed(result);
        } catch (error) {
          parts.code.value = '';
          throw problem('Two-step sign-in is not on yet', 'code', error instanceof SignInError ? error.message : 'Try again.');
        }
      },
    });
  }

  function showNewPassword(challenge) {
    const fields = newPasswordFields('New password');
    step({
      title: 'Choose your password',
      lead: 'You signed in with a temporary password. Choose your own to finish signing in.',
      fields: fields.nodes,
      submit: 'Set password and sign in',
      busy: 'Setting your password…',
      act: async () => {
        const differ = mismatch(fields);
        if (differ.length) throw Object.assign(new Error(), { title: 'The passwords differ', problems: differ });
        try {
          await proceed(await answerChallenge(challenge, { newPassword: fields.password.value }));
        } catch (error) {
          throw problem('The password was not set', 'new_password', error instanceof SignInError ? error.message : 'Try again.');
        }
      },
    });
  }

  function showForgot() {
    const address = h('input', { type: 'email', autocomplete: 'username', spellcheck: 'false', value: email });
    const back = h('button', { type: 'button', class: 'link-button' }, 'Back to sign in');
    back.addEventListener('click', () => showSignIn());
    step({
      title: 'Reset your password',
      lead: 'We email you a code; with it you choose a new password.',
      fields: [field({ label: 'Email address', loc: 'email', control: address, required: 'Enter your email address' })],
      submit: 'Email me a code',
      busy: 'Sending…',
      act: async () => {
        email = address.value.trim();
        try {
          await forgotPassword(email);
        } catch (error) {
          throw problem('No code was sent', 'email', error instanceof SignInError ? error.message : 'Try again.');
        }
        showReset();
      },
      after: [h('p', {}, back)],
    });
  }

  function showReset() {
    const code = h('input', { type: 'text', autocomplete: 'one-time-code', spellcheck: 'false' });
    const fields = newPasswordFields('New password');
    step({
      title: 'Choose a new password',
      lead: `If ${email} has an account, a code is on its way there. Type it here with your new password.`,
      fields: [field({ label: 'Code from the email', loc: 'code', control: code, required: 'Enter the code from the email' }), ...fields.nodes],
      submit: 'Set new password',
      busy: 'Setting your password…',
      act: async () => {
        const differ = mismatch(fields);
        if (differ.length) throw Object.assign(new Error(), { title: 'The passwords differ', problems: differ });
        try {
          await resetPassword(email, code.value.trim(), fields.password.value);
        } catch (error) {
          throw problem('The password was not set', 'code', error instanceof SignInError ? error.message : 'Try again.');
        }
        showSignIn('Your password is set. Sign in with it.');
      },
    });
  }

  showSignIn(null, false);
  return page;
}
