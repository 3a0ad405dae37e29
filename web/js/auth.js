/** Cognito sign-in (USER_PASSWORD_AUTH over fetch) and the ID token kept in sessionStorage for this tab. */

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

export async function signIn(email, password) {
  const { cognito } = await config();
  let response;
  try {
    response = await fetch(cognito.endpoint.replace(/\/+$/, '') + '/', {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.1',
        'X-Amz-Target': 'AWSCognitoIdentityProviderService.InitiateAuth',
      },
      body: JSON.stringify({
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: cognito.client_id,
        AuthParameters: { USERNAME: email, PASSWORD: password },
      }),
    });
  } catch {
    throw new SignInError('The sign-in service could not be reached. Check your connection and try again.');
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const kind = String(body.__type || '').split('#').pop();
    throw new SignInError(COGNITO_MESSAGES[kind] || body.message || `Sign-in failed (${response.status}).`);
  }
  if (body.ChallengeName) {
    throw new SignInError('This account has to finish setting up (a new password or a second factor). Ask the factory.');
  }
  const token = body.AuthenticationResult && body.AuthenticationResult.IdToken;
  if (!token) throw new SignInError('The sign-in service gave no token.');
  sessionStorage.setItem(TOKEN_KEY, token);
  return currentSession();
}

export function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** Where a user lands after signing in: brands in their order pool, staff in production. */
export function homeFor(session) {
  if (!session) return '#/signin';
  return session.staff && !session.brand ? '#/staff' : '#/orders';
}
