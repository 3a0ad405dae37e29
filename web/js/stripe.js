/**
 * Stripe.js, loaded from the address config.json names (Stripe's, or the local emulator's), and the
 * calls the payment page needs from it, with the emulator's gaps filled in the way Stripe itself behaves.
 */

import { config } from './config.js';

let loading = null;

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.async = true;
    script.onload = () => (window.Stripe ? resolve(window.Stripe) : reject(new Error('Stripe.js did not load.')));
    script.onerror = () => reject(new Error('Stripe.js could not be loaded.'));
    document.head.append(script);
  });
}

export async function stripeFor(publishableKey) {
  const settings = await config();
  loading ??= loadScript(settings.stripe.js_url).catch((error) => {
    loading = null;
    throw error;
  });
  const Stripe = await loading;
  return Stripe(publishableKey || settings.stripe.publishable_key);
}

const EMULATOR_FIELDS = {
  number: 'Card number',
  exp_month: 'Expiry month (MM)',
  exp_year: 'Expiry year (YY)',
  cvc: 'Security code (CVC)',
  postal_code: 'Postal code',
};

/** Mounts a card element; the emulator's plain inputs get the labels its script leaves out. */
export function mountCard(stripe, container) {
  const card = stripe.elements().create('card', { hidePostalCode: false });
  card.mount(container);
  container.querySelectorAll('input').forEach((input) => {
    const name = EMULATOR_FIELDS[input.getAttribute('placeholder')];
    if (name) {
      input.setAttribute('aria-label', name);
      input.setAttribute('autocomplete', 'off');
      input.setAttribute('inputmode', 'numeric');
    }
  });
  return card;
}

export class CardProblem extends Error {}

/**
 * A payment method id (pm_…) for the card element. The emulator's Stripe.js has no createPaymentMethod;
 * a card token's card (card_…) is what it accepts as a payment method instead.
 */
export async function paymentMethodFor(stripe, card) {
  let result;
  try {
    result = await stripe.createPaymentMethod({ type: 'card', card });
  } catch (error) {
    throw new CardProblem(error.message || 'The card could not be read.');
  }
  if (result && result.error) throw new CardProblem(result.error.message || 'The card was not accepted.');
  if (result && result.paymentMethod) return result.paymentMethod.id;
  let token;
  try {
    token = await stripe.createToken(card);
  } catch {
    throw new CardProblem('Enter the card number, expiry date and security code.');
  }
  if (token.error) {
    const message = token.error.message === 'Bad request'
      ? 'Check the card number (16 digits), the expiry date and the security code.' : token.error.message;
    throw new CardProblem(message || 'The card was not accepted.');
  }
  return token.token.card.id;
}

/** 3-D Secure and other bank steps for a payment the server confirmed: whatever this Stripe.js offers. */
export async function handleBankStep(stripe, clientSecret) {
  if (typeof stripe.handleNextAction === 'function') return stripe.handleNextAction({ clientSecret });
  if (typeof stripe.handleCardAction === 'function') return stripe.handleCardAction(clientSecret);
  return stripe.confirmCardPayment(clientSecret);
}
