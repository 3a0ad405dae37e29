/** Sign in (Cognito USER_SRP_AUTH, web/js/auth.js), choose a password at the first sign-in, type the code of an authenticator
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

/*
 * The screen is a state machine; each state is a step, one form, shown by one function below:
 *   signIn → (Cognito's answer, `AFTER_SIGN_IN`) newPassword | code | enrol | signed in
 *   newPassword, code, enrol → the same answers; enrol → signed in once the app's code is accepted
 *   signIn --"Forgot password?"--> forgot --code sent--> reset --password set--> signIn
 * Signed in, staff without an authenticator app are held at enrol; everyone else leaves for `next` or home.
 */
const AFTER_SIGN_IN = {
  NEW_PASSWORD_REQUIRED: showNewPassword,
  SOFTWARE_TOKEN_MFA: showCode,
  MFA_SETUP: showEnrol,
};

export async function signInView(ctx) {
  const screen = { ctx, page: h('section', { class: 'page' }), email: '' };
  showSignIn(screen, null, false);
  return screen.page;
}

/** Cognito's answer is the event that moves the screen on. */
async function proceed(screen, result) {
  if (result.step === 'SIGNED_IN') await signedIn(screen, result.session);
  else if (AFTER_SIGN_IN[result.step]) await AFTER_SIGN_IN[result.step](screen, result);
}

/** Staff go no further than enrolling an authenticator app until they have one: the APIs refuse them without. */
async function signedIn(screen, session) {
  if (session.staff && !session.brand && !(await hasAuthenticator())) await showEnrol(screen, null);
  else finish(screen, session);
}

function finish({ ctx }, session) {
  const next = ctx.query.get('next');
  const target = next && next.startsWith('/') && !next.startsWith('/signin') ? `#${next}` : homeFor(session);
  ctx.navigate(target, { replace: true });
}

/** A step's page: heading, lead, the form; `act` does the step and returns nothing or throws SignInError. */
function step({ page }, { title, lead, fields, submit, busy, act, after = [], focus = true, missingTitle = `${title} needs every field` }) {
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

function showSignIn(screen, message = null, focus = true) {
  const address = h('input', { type: 'email', autocomplete: 'username', spellcheck: 'false', value: screen.email });
  const password = h('input', { type: 'password', autocomplete: 'current-password' });
  const forgot = h('button', { type: 'button', class: 'link-button' }, 'Forgot password?');
  forgot.addEventListener('click', () => {
    screen.email = address.value.trim();
    showForgot(screen);
  });
  step(screen, {
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
      screen.email = address.value.trim();
      try {
        await proceed(screen, await signIn(screen.email, password.value));
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

function showCode(screen, challenge) {
  const code = h('input', { type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', spellcheck: 'false', maxlength: '6' });
  step(screen, {
    title: 'Enter your code',
    lead: 'Open your authenticator app and type the 6-digit code it shows for Welt.',
    fields: [field({ label: 'Code from the app', loc: 'code', control: code, required: 'Enter the 6-digit code from the app' })],
    submit: 'Sign in',
    busy: 'Checking the code…',
    act: async () => {
      const typed = typedCode(code);
      try {
        await proceed(screen, await answerChallenge(challenge, { code: typed }));
      } catch (error) {
        code.value = '';
        throw problem('Sign-in failed', 'code', error instanceof SignInError ? error.message : 'Try again.');
      }
    },
  });
}

/** Enrol an authenticator app: during sign-in (MFA_SETUP, `challenge`) or just after it (staff without one). */
async function showEnrol(screen, challenge) {
  const secret = await startEnrolment(challenge);
  const parts = enrolmentFields(screen.email, secret);
  step(screen, {
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
        if (result.step === 'ENROLLED') finish(screen, currentSession());
        else await proceed(screen, result);
      } catch (error) {
        parts.code.value = '';
        throw problem('Two-step sign-in is not on yet', 'code', error instanceof SignInError ? error.message : 'Try again.');
      }
    },
  });
}

function showNewPassword(screen, challenge) {
  const fields = newPasswordFields('New password');
  step(screen, {
    title: 'Choose your password',
    lead: 'You signed in with a temporary password. Choose your own to finish signing in.',
    fields: fields.nodes,
    submit: 'Set password and sign in',
    busy: 'Setting your password…',
    act: async () => {
      const differ = mismatch(fields);
      if (differ.length) throw Object.assign(new Error(), { title: 'The passwords differ', problems: differ });
      try {
        await proceed(screen, await answerChallenge(challenge, { newPassword: fields.password.value }));
      } catch (error) {
        throw problem('The password was not set', 'new_password', error instanceof SignInError ? error.message : 'Try again.');
      }
    },
  });
}

function showForgot(screen) {
  const address = h('input', { type: 'email', autocomplete: 'username', spellcheck: 'false', value: screen.email });
  const back = h('button', { type: 'button', class: 'link-button' }, 'Back to sign in');
  back.addEventListener('click', () => showSignIn(screen));
  step(screen, {
    title: 'Reset your password',
    lead: 'We email you a code; with it you choose a new password.',
    fields: [field({ label: 'Email address', loc: 'email', control: address, required: 'Enter your email address' })],
    submit: 'Email me a code',
    busy: 'Sending…',
    act: async () => {
      screen.email = address.value.trim();
      try {
        await forgotPassword(screen.email);
      } catch (error) {
        throw problem('No code was sent', 'email', error instanceof SignInError ? error.message : 'Try again.');
      }
      showReset(screen);
    },
    after: [h('p', {}, back)],
  });
}

function showReset(screen) {
  const code = h('input', { type: 'text', autocomplete: 'one-time-code', spellcheck: 'false' });
  const fields = newPasswordFields('New password');
  step(screen, {
    title: 'Choose a new password',
    lead: `If ${screen.email} has an account, a code is on its way there. Type it here with your new password.`,
    fields: [field({ label: 'Code from the email', loc: 'code', control: code, required: 'Enter the code from the email' }), ...fields.nodes],
    submit: 'Set new password',
    busy: 'Setting your password…',
    act: async () => {
      const differ = mismatch(fields);
      if (differ.length) throw Object.assign(new Error(), { title: 'The passwords differ', problems: differ });
      try {
        await resetPassword(screen.email, code.value.trim(), fields.password.value);
      } catch (error) {
        throw problem('The password was not set', 'code', error instanceof SignInError ? error.message : 'Try again.');
      }
      showSignIn(screen, 'Your password is set. Sign in with it.');
    },
  });
}
