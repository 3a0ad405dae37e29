/**
 * Help in place: each screen's page in the help center, linked from the header as "Help for this page".
 * The help center's address comes from config.json (`help_center`), as the APIs' do.
 */

import { config } from './config.js';

// Route (as app.js names it) → the help center's page; one line per screen.
const PAGES = {
  '/signin': 'guide/getting-your-account/',
  '/home': 'guide/home-and-invoices/',
  '/invoices': 'guide/home-and-invoices/#invoices',
  '/orders/new': 'guide/design-to-order/',
  '/checkout': 'guide/checkout/',
  '/orders/:number': 'guide/order-management/',
  '/orders': 'guide/order-pool/',
  '/groups/:id': 'guide/group-shipping/',
  '/groups': 'guide/group-shipping/',
  '/pay': 'guide/paying/',
  '/team': 'guide/getting-your-account/',
  '/addresses': 'guide/checkout/#saved-addresses',
  '/profile': 'guide/custom-stamps/',
  '/security': 'guide/getting-your-account/',
  '/staff/orders/:number': 'guide/running-production/',
  '/staff/brands/:code': 'guide/onboarding-a-brand/',
  '/staff/brands': 'guide/onboarding-a-brand/',
  '/staff/team': 'guide/onboarding-a-brand/',
  '/staff/stamps/:code': 'guide/custom-stamps/#for-factory-staff',
  '/staff/stamps': 'guide/custom-stamps/#for-factory-staff',
  '/staff': 'guide/running-production/',
};

/** Point the header's help link at the page of the screen shown (the help center's start page for any other). */
export async function showHelpFor(routePath) {
  const link = document.getElementById('help-link');
  if (!link) return;
  // The help link never breaks a page: without the settings (the screen that needs them says so) it is not shown.
  const helpCenter = await config().then((settings) => settings.help_center, () => null);
  if (!helpCenter) {
    link.hidden = true;
    return;
  }
  link.href = new URL(PAGES[routePath] || '', helpCenter.endsWith('/') ? helpCenter : `${helpCenter}/`).href;
  link.hidden = false;
}
