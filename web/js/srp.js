/**
 * Cognito's SRP sign-in proof (USER_SRP_AUTH, then the PASSWORD_VERIFIER challenge), with BigInt and WebCrypto.
 *
 * The password never leaves the browser: Cognito sends a salt, its public value B and a secret block; the browser
 * answers a signature only someone knowing the password can make (SRP-6a over the 3072-bit group of RFC 5054 with
 * generator 2, SHA-256, the key derived with HKDF as Cognito's own SDKs do).
 */

const N_HEX =
  'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD' +
  'EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED' +
  'EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F' +
  '83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B' +
  'E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510' +
  '15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7' +
  'ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C' +
  'BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF';
const N = BigInt(`0x${N_HEX}`);
const G = 2n;
const INFO = new TextEncoder().encode('Caldera Derived Key');
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export class SrpError extends Error {}

/** A number as the SDKs hash it: big-endian, with a leading zero byte when the high bit is set. */
function padded(n) {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if ('89abcdef'.includes(hex[0])) hex = `00${hex}`;
  return Uint8Array.from(hex.match(/../g), (pair) => parseInt(pair, 16));
}

function joined(...parts) {
  const all = new Uint8Array(parts.reduce((size, part) => size + part.length, 0));
  parts.reduce((at, part) => { all.set(part, at); return at + part.length; }, 0);
  return all;
}

function bigOf(bytes) {
  return BigInt(`0x${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('') || '0'}`);
}

async function sha256(...parts) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', joined(...parts)));
}

function mod(n) {
  return ((n % N) + N) % N;
}

function power(base, exponent) {
  let result = 1n;
  let b = mod(base);
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % N;
    b = (b * b) % N;
  }
  return result;
}

/** A fresh secret `a` (256 random bytes) and the public SRP_A (hex) to send with USER_SRP_AUTH. */
export function srpStart() {
  const a = bigOf(crypto.getRandomValues(new Uint8Array(256))) % N;
  return { a, srpA: power(G, a).toString(16) };
}

/** Cognito's TIMESTAMP: "Tue Mar 3 09:05:07 UTC 2026" (day not padded, UTC). */
export function cognitoTimestamp(date = new Date()) {
  const two = (n) => String(n).padStart(2, '0');
  const time = `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;
  return `${WEEKDAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()} ${time} UTC ${date.getUTCFullYear()}`;
}

function base64(bytes) {
  return btoa(String.fromCharCode(...bytes));
}

function unbase64(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/**
 * PASSWORD_CLAIM_SIGNATURE (base64) for the PASSWORD_VERIFIER challenge. `poolId` is the user pool's id
 * (eu-west-1_AbC123: the part after "_" is hashed), `userId` the challenge's USER_ID_FOR_SRP, `salt` and `srpB`
 * its SALT and SRP_B (hex), `secretBlock` its SECRET_BLOCK (base64).
 */
export async function passwordClaim({ poolId, userId, password, a, srpA, salt, srpB, secretBlock, timestamp }) {
  const text = new TextEncoder();
  const B = BigInt(`0x${srpB}`);
  const A = BigInt(`0x${srpA}`);
  if (B % N === 0n) throw new SrpError('The sign-in service answered an unusable challenge.');
  const u = bigOf(await sha256(padded(A), padded(B)));
  if (u === 0n) throw new SrpError('The sign-in service answered an unusable challenge.');
  const poolName = poolId.split('_').slice(1).join('_');
  const k = bigOf(await sha256(padded(N), padded(G)));
  const secret = await sha256(text.encode(`${poolName}${userId}:${password}`));
  const x = bigOf(await sha256(padded(BigInt(`0x${salt}`)), secret));
  const S = power(B - k * power(G, x), a + u * x);
  const ikm = await crypto.subtle.importKey('raw', padded(S), 'HKDF', false, ['deriveBits']);
  const derived = await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: padded(u), info: INFO }, ikm, 128);
  const key = await crypto.subtle.importKey('raw', derived, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const message = joined(text.encode(poolName), text.encode(userId), unbase64(secretBlock), text.encode(timestamp));
  return base64(new Uint8Array(await crypto.subtle.sign('HMAC', key, message)));
}
