/** Cognito sign-in (USER_SRP_AUTH over fetch: the password never leaves the browser, first-time new password, authenticator-app codes and their
 * enrolment, forgotten password) and the tokens kept in sessionStorage for this tab: the ID token for Welt's APIs,
 * the access token for the user's own Cognito calls (enrolling an authenticator, signing out everywhere), the
 * refresh token that renews both (staff ID tokens are honoured for 15 minutes only). */

import { config } from './config.js';
import { cognitoTimestamp, passwordClaim, srpStart } from './srp.js';

const TOKEN_KEY = 'welt.idToken';
const ACCESS_KEY = 'welt.accessToken';
const REFRESH_KEY = 'welt.refreshToken';
const EXPIRY_MARGIN_MS = 10_000;
// Welt honours a staff ID token for 15 minutes from its issue (WELT_STAFF_TOKEN_SECONDS); the app renews it well
// before, and any token in its last five minutes, so nobody is signed out while working.
const STAFF_RENEW_AFTER_MS = 10 * 60_000;
const RENEW_BEFORE_EXPIRY_MS = 5 * 60_000;

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
    issuedAt: new Date((claims.iat || 0) * 1000),
    expiresAt: new Date(claims.exp * 1000),
  };
}

function due(session) {
  const now = Date.now();
  if (session.expiresAt.getTime() - now < RENEW_BEFORE_EXPIRY_MS) return true;
  return session.staff && now - session.issuedAt.getTime() > STAFF_RENEW_AFTER_MS;
}

let renewing = null;

/**
 * New ID and access tokens from the refresh token (Cognito's REFRESH_TOKEN_AUTH), or null when there is none or
 * Cognito refuses it (signed out everywhere, disabled). Requests renewing at once share one call.
 */
export function renewSession() {
  const refresh = sessionStorage.getItem(REFRESH_KEY);
  if (!refresh) return Promise.resolve(null);
  renewing ??= cognitoCall('InitiateAuth', { AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: refresh } })
    .then((body) => keepTokens(body.AuthenticationResult || {}))
    .catch(() => null)
    .finally(() => { renewing = null; });
  return renewing;
}

/** The session to send a request with: renewed first when its ID token is (nearly) too old; null if signed out. */
export async function freshSession() {
  const session = currentSession();
  if (session && !due(session)) return session;
  return (await renewSession()) || currentSession();
}

function keepTokens(result) {
  if (!result.IdToken) return null;
  sessionStorage.setItem(TOKEN_KEY, result.IdToken);
  sessionStorage.setItem(ACCESS_KEY, result.AccessToken || '');
  // A renewal answers no new refresh token: the one from signing in stays.
  if (result.RefreshToken) sessionStorage.setItem(REFRESH_KEY, result.RefreshToken);
  return currentSession();
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

// The calls that name the app client; the user's own (token or session) calls take no ClientId.
const CALLS_WITH_CLIENT = new Set(['InitiateAuth', 'RespondToAuthChallenge', 'ForgotPassword', 'ConfirmForgotPassword']);

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
      body: JSON.stringify(CALLS_WITH_CLIENT.has(operation) ? { ClientId: cognito.client_id, ...payload } : payload),
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

const CODE_MESSAGES = {
  ...COGNITO_MESSAGES,
  CodeMismatchException: 'That code is not right. Type the 6-digit code your authenticator app shows now.',
  EnableSoftwareTokenMFAException: 'That code is not right. Type the 6-digit code your authenticator app shows now.',
  NotAuthorizedException: 'The sign-in took too long. Sign in again with your password.',
  ExpiredCodeException: 'The sign-in took too long. Sign in again with your password.',
};

/**
 * Sign-in is a small state machine: each answer of Cognito is either tokens (signed in) or a challenge, which the
 * view answers with `answerChallenge`. A challenge Welt does not know yet (a second factor, once offered) is refused
 * with a message rather than half handled; adding one is an entry in CHALLENGES and a form in the view.
 */
const CHALLENGES = {
  SOFTWARE_TOKEN_MFA: {
    responses: (username, answers) => ({ USERNAME: username, SOFTWARE_TOKEN_MFA_CODE: answers.code }),
    messages: CODE_MESSAGES,
  },
  // The pool requires a second factor the user has not set up: `enrolAuthenticator` with the challenge's session,
  // then this answer finishes signing in.
  MFA_SETUP: {
    responses: (username) => ({ USERNAME: username }),
    messages: CODE_MESSAGES,
  },
  NEW_PASSWORD_REQUIRED: {
    responses: (username, answers) => ({ USERNAME: username, NEW_PASSWORD: answers.newPassword }),
    messages: {
      ...COGNITO_MESSAGES,
      InvalidPasswordException: `The new password does not meet the rules: ${PASSWORD_RULES.join(', ')}.`,
      NotAuthorizedException: 'The sign-in took too long. Sign in again with your temporary password.',
      CodeMismatchException: 'The sign-in took too long. Sign in again with your temporary password.',
    },
  },
};

// `username` is Cognito's name for the user (USER_ID_FOR_SRP), which answers every later challenge; `email` is
// what the user typed, for the screen.
function outcome(body, email, username = email) {
  if (body.ChallengeName) {
    if (!CHALLENGES[body.ChallengeName]) {
      throw new SignInError('This account needs a sign-in step this app does not offer yet. Ask the factory.');
    }
    return { step: body.ChallengeName, email, username, session: body.Session };
  }
  const session = keepTokens(body.AuthenticationResult || {});
  if (!session) throw new SignInError('The sign-in service gave no token.');
  return { step: 'SIGNED_IN', session };
}

/**
 * Email and password: `{step: 'SIGNED_IN', session}` or a challenge `{step, email, session}` to answer. The
 * password is proven with SRP (USER_SRP_AUTH, then PASSWORD_VERIFIER), never sent.
 */
export async function signIn(email, password) {
  const { cognito } = await config();
  const { a, srpA } = srpStart();
  const started = await cognitoCall('InitiateAuth', { AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: email, SRP_A: srpA } });
  if (started.ChallengeName !== 'PASSWORD_VERIFIER') return outcome(started, email);
  const asked = started.ChallengeParameters || {};
  const username = asked.USER_ID_FOR_SRP || email;
  const timestamp = cognitoTimestamp();
  let signature;
  try {
    signature = await passwordClaim({
      poolId: cognito.user_pool_id, userId: username, password, a, srpA,
      salt: asked.SALT, srpB: asked.SRP_B, secretBlock: asked.SECRET_BLOCK, timestamp,
    });
  } catch {
    throw new SignInError('The sign-in service answered something this app cannot use. Try again.');
  }
  const body = await cognitoCall('RespondToAuthChallenge', {
    ChallengeName: 'PASSWORD_VERIFIER',
    ...(started.Session ? { Session: started.Session } : {}),
    ChallengeResponses: {
      USERNAME: asked.USERNAME || username,
      TIMESTAMP: timestamp,
      PASSWORD_CLAIM_SECRET_BLOCK: asked.SECRET_BLOCK,
      PASSWORD_CLAIM_SIGNATURE: signature,
    },
  });
  return outcome(body, email, asked.USERNAME || username);
}

/** Answer the challenge `signIn` (or a previous answer) gave; the outcome is again signed in or a challenge. */
export async function answerChallenge(challenge, answers) {
  const kind = CHALLENGES[challenge.step];
  const body = await cognitoCall('RespondToAuthChallenge', {
    ChallengeName: challenge.step,
    Session: challenge.session,
    ChallengeResponses: kind.responses(challenge.username || challenge.email, answers),
  }, kind.messages);
  return outcome(body, challenge.email, challenge.username);
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

/** The otpauth:// address an authenticator app reads (from the QR code), naming Welt and the account. */
export function authenticatorUri(email, secret) {
  const label = encodeURIComponent(`Welt:${email}`);
  return `otpauth://totp/${label}?secret=${encodeURIComponent(secret)}&issuer=Welt&algorithm=SHA1&digits=6&period=30`;
}

/**
 * Start enrolling an authenticator app: the shared secret for the QR code. During sign-in (the MFA_SETUP challenge)
 * Cognito ties it to the challenge's session; once signed in, to the access token.
 */
export async function startEnrolment(challenge = null) {
  const who = challenge ? { Session: challenge.session } : { AccessToken: accessToken() };
  const body = await cognitoCall('AssociateSoftwareToken', who, CODE_MESSAGES);
  if (challenge && body.Session) challenge.session = body.Session;
  return body.SecretCode;
}

/**
 * Finish enrolling with a code the app shows. During sign-in the challenge is then answered (signed in, or another
 * step); once signed in, the app becomes the user's preferred second factor, asked at every sign-in from then on.
 */
export async function finishEnrolment(code, challenge = null) {
  const who = challenge ? { Session: challenge.session } : { AccessToken: accessToken() };
  const body = await cognitoCall('VerifySoftwareToken', { ...who, UserCode: code, FriendlyDeviceName: 'Authenticator app' }, CODE_MESSAGES);
  if (body.Status !== 'SUCCESS') throw new SignInError(CODE_MESSAGES.CodeMismatchException);
  if (challenge) {
    return answerChallenge({ ...challenge, session: body.Session || challenge.session }, {});
  }
  await cognitoCall('SetUserMFAPreference', {
    AccessToken: accessToken(),
    SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
  }, CODE_MESSAGES);
  return { step: 'ENROLLED' };
}

/** Whether the signed-in user has an authenticator app as second factor (Cognito's GetUser). */
export async function hasAuthenticator() {
  const body = await cognitoCall('GetUser', { AccessToken: accessToken() });
  return (body.UserMFASettingList || []).includes('SOFTWARE_TOKEN_MFA');
}

function accessToken() {
  const token = sessionStorage.getItem(ACCESS_KEY);
  if (!token) throw new SignInError('Sign in again to set up an authenticator app.');
  return token;
}

/**
 * Forget the tokens of this tab and have Cognito revoke the user's refresh tokens (GlobalSignOut), so a copied
 * token cannot be renewed. The ID token Welt's APIs verify stays valid until it expires (its signature is all
 * they check); staff's after 15 minutes.
 */
export async function signOut() {
  const access = sessionStorage.getItem(ACCESS_KEY);
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(ACCESS_KEY);
  sessionStorage.removeItem(REFRESH_KEY);
  if (!access) return;
  try {
    await cognitoCall('GlobalSignOut', { AccessToken: access });
  } catch {
    // Signed out here either way; an expired access token has nothing left to revoke.
  }
}

/** Where a user lands after signing in: brands in their order pool, staff in production. */
export function homeFor(session) {
  if (!session) return '#/signin';
  return session.staff && !session.brand ? '#/staff' : '#/home';
}
