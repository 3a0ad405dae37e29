/** Cognito sign-in (USER_PASSWORD_AUTH over fetch, first-time new password, forgotten password) and the ID token
 * kept in sessionStorage for this tab. */

import { config } from './config.js';

const TOKEN_KEY = 'welt.idToken';
const EXPIRY_MARGIN_MS = 10_000;

export class SignInError extends Error {}

const COGNITO_MESSAGES = {
  NotAuthorizedException: 'Incorrect email address or password.',
  UserNotFoundException: 'Incorrect email address or password.',
  UserNotConfirmedException: 'This account is not confirmed yet. Ask the factory to confirm it.',
  PasswordResetRequiredException: 'This account needs a new password. Ask the factory to reset it.',
  TooManyRequestsException: 'Too many attempts. Wait a minute and try again.',
  LimitExceededException: 'Too many attempts. Wait a minute and try again.',
};

function decodeClaims(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const padded = part.padEnd(Math.ceil(part.length / 4) * 4, '=');
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}

/**
 * Who is signed in, from the token's claims. The claims only steer the interface (which menu to show);
 * the APIs verify the token and decide what the caller may see.
 */
export function currentSession() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return null;
  const claims = decodeClaims(token);
  if (!claims || !claims.exp || claims.exp * 1000 < Date.now() + EXPIRY_MARGIN_MS) {
    sessionStorage.removeItem(TOKEN_KEY);
    return null;
  }
  const groups = claims['cognito:groups'] || [];
  return {
    token,
    email: claims.email || claims['cognito:username'] || 'signed in',
    brand: claims['custom:brand'] || null,
    staff: Array.isArray(groups) && groups.includes('staff'),
    expiresAt: new Date(claims.exp * 1000),
  };
}

/**
 * The user pool's password policy (infra/auth_stack.py; welt/domain/team.py PASSWORD_RULES says the same), shown
 * before a new password is typed.
 */
export const PASSWORD_RULES = [
  'at least 12 characters',
  'a lower-case letter',
  'an upper-case letter',
  'a digit',
  'a symbol such as ! or #',
];

const UNREACHABLE = 'The sign-in service could not be reached. Check your connection and try again.';

/** One call of Cognito's API from the browser; a failure becomes a SignInError worded for the user. */
async function cognitoCall(operation, payload, messages = COGNITO_MESSAGES) {
  const { cognito } = await config();
  let response;
  try {
    response = await fetch(cognito.endpoint.replace(/\/+$/, '') + '/', {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.1',
        'X-Amz-Target': `AWSCognitoIdentityProviderService.${operation}`,
      },
      body: JSON.stringify({ ClientId: cognito.client_id, ...payload }),
    });
  } catch {
    throw new SignInError(UNREACHABLE);
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const kind = String(body.__type || '').split('#').pop();
    throw new SignInError(messages[kind] || body.message || `Sign-in failed (${response.status}).`);
  }
  return body;
}

/**
 * Sign-in is a small state machine: each answer of Cognito is either tokens (signed in) or a challenge, which the
 * view answers with `answerChallenge`. A challenge Welt does not know yet (a second factor, once offered) is refused
 * with a message rather than half handled; adding one is an entry in CHALLENGES and a form in the view.
 */
const CHALLENGES = {
  NEW_PASSWORD_REQUIRED: {
    responses: (email, answers) => ({ USERNAME: email, NEW_PASSWORD: answers.newPassword }),
    messages: {
      ...COGNITO_MESSAGES,
      InvalidPasswordException: `The new password does not meet the rules: ${PASSWORD_RULES.join(', ')}.`,
      NotAuthorizedException: 'The sign-in took too long. Sign in again with your temporary password.',
      CodeMismatchException: 'The sign-in took too long. Sign in again with your temporary password.',
    },
  },
};

function outcome(body, email) {
  if (body.ChallengeName) {
    if (!CHALLENGES[body.ChallengeName]) {
      throw new SignInError('This account needs a sign-in step this app does not offer yet. Ask the factory.');
    }
    return { step: body.ChallengeName, email, session: body.Session };
  }
  const token = body.AuthenticationResult && body.AuthenticationResult.IdToken;
  if (!token) throw new SignInError('The sign-in service gave no token.');
  sessionStorage.setItem(TOKEN_KEY, token);
  return { step: 'SIGNED_IN', session: currentSession() };
}

/** Email and password: `{step: 'SIGNED_IN', session}` or a challenge `{step, email, session}` to answer. */
export async function signIn(email, password) {
  const body = await cognitoCall('InitiateAuth', {
    AuthFlow: 'USER_PASSWORD_AUTH',
    AuthParameters: { USERNAME: email, PASSWORD: password },
  });
  return outcome(body, email);
}

/** Answer the challenge `signIn` (or a previous answer) gave; the outcome is again signed in or a challenge. */
export async function answerChallenge(challenge, answers) {
  const kind = CHALLENGES[challenge.step];
  const body = await cognitoCall('RespondToAuthChallenge', {
    ChallengeName: challenge.step,
    Session: challenge.session,
    ChallengeResponses: kind.responses(challenge.email, answers),
  }, kind.messages);
  return outcome(body, challenge.email);
}

const RESET_MESSAGES = {
  ...COGNITO_MESSAGES,
  CodeMismatchException: 'That code is not right. Check the email and type it again.',
  // Cognito says a code expired; the emulator (moto) says so of a wrong one too.
  ExpiredCodeException: 'That code is not right or has expired. Check the email, or ask for a new code.',
  InvalidPasswordException: `The new password does not meet the rules: ${PASSWORD_RULES.join(', ')}.`,
  InvalidParameterException: 'This account cannot reset its password yet: sign in with the temporary password from your invitation.',
};

/** Ask for a code by email to set a new password. */
export async function forgotPassword(email) {
  await cognitoCall('ForgotPassword', { Username: email }, RESET_MESSAGES);
}

/** Set a new password with the emailed code; the user then signs in with it. */
export async function resetPassword(email, code, newPassword) {
  await cognitoCall('ConfirmForgotPassword', { Username: email, ConfirmationCode: code, Password: newPassword }, RESET_MESSAGES);
}

export function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** Where a user lands after signing in: brands in their order pool, staff in production. */
export function homeFor(session) {
  if (!session) return '#/signin';
  return session.staff && !session.brand ? '#/staff' : '#/orders';
}
