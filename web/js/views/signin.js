/** Sign in with email and password (Cognito USER_PASSWORD_AUTH). */

import { homeFor, signIn, SignInError } from '../auth.js';
import { localProblem } from '../api.js';
import { h } from '../dom.js';
import { field } from '../fields.js';
import { missingFields, showProblem } from '../problems.js';

export async function signInView(ctx) {
  const email = h('input', { type: 'email', autocomplete: 'username', spellcheck: 'false' });
  const password = h('input', { type: 'password', autocomplete: 'current-password' });
  const button = h('button', { type: 'submit', class: 'button' }, 'Sign in');
  const form = h('form', { class: 'form narrow', novalidate: true },
    field({ label: 'Email address', loc: 'email', control: email, required: 'Enter your email address' }),
    field({ label: 'Password', loc: 'password', control: password, required: 'Enter your password' }),
    h('div', { class: 'actions' }, button));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const missing = missingFields(form);
    if (missing.length) {
      showProblem(form, localProblem('Sign-in needs both fields', missing));
      return;
    }
    button.disabled = true;
    button.textContent = 'Signing in…';
    try {
      const session = await signIn(email.value.trim(), password.value);
      const next = ctx.query.get('next');
      const target = next && next.startsWith('/') && !next.startsWith('/signin') ? `#${next}` : homeFor(session);
      ctx.navigate(target, { replace: true });
    } catch (error) {
      const message = error instanceof SignInError ? error.message : 'Sign-in failed. Try again.';
      showProblem(form, localProblem('Sign-in failed', [{ loc: ['password'], msg: message }]));
      password.value = '';
      button.disabled = false;
      button.textContent = 'Sign in';
    }
  });

  return h('section', { class: 'page' },
    h('h1', {}, 'Sign in'),
    h('p', { class: 'lead' }, 'The order desk of the factory: check out designs, pay orders and follow production.'),
    form,
    h('p', { class: 'hint' }, 'On the local stack (make dev) the demo users and their password are listed in .welt/dev-stack.json.'));
}
