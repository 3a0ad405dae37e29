/** The brand backoffice: hash routes, the session in the header, and focus on each page's heading. */

import { currentSession, homeFor, signOut } from './auth.js';
import { ApiProblem } from './api.js';
import { announce, focusOn, h } from './dom.js';
import { signInView } from './views/signin.js';
import { newOrderView } from './views/new-order.js';
import { checkoutView } from './views/checkout.js';
import { poolView } from './views/pool.js';
import { orderView } from './views/order.js';
import { groupsView, groupView } from './views/groups.js';
import { payView } from './views/pay.js';
import { staffView, staffOrderView } from './views/staff.js';
import { brandsView, brandView, staffTeamView, teamView } from './views/brands.js';
import { securityView } from './views/authenticator.js';
import { addressesView } from './views/addresses.js';
import { homeView } from './views/home.js';
import { invoicesView } from './views/invoices.js';
import { showHelpFor } from './help.js';
import { profileView } from './views/profile.js';
import { stampsBrandView, stampsListView } from './views/stamps-staff.js';

const ROUTES = [
  { path: '/signin', view: signInView, public: true },
  { path: '/home', view: homeView, brand: true },
  { path: '/invoices', view: invoicesView, brand: true },
  { path: '/orders/new', view: newOrderView, brand: true },
  { path: '/checkout', view: checkoutView, brand: true },
  { path: '/orders/:number', view: orderView, brand: true },
  { path: '/orders', view: poolView, brand: true },
  { path: '/groups/:id', view: groupView, brand: true },
  { path: '/groups', view: groupsView, brand: true },
  { path: '/pay', view: payView, brand: true },
  { path: '/staff/orders/:number', view: staffOrderView, staff: true },
  { path: '/staff/brands/:code', view: brandView, staff: true },
  { path: '/staff/brands', view: brandsView, staff: true },
  { path: '/staff/team', view: staffTeamView, staff: true },
  { path: '/team', view: teamView, brand: true },
  { path: '/addresses', view: addressesView, brand: true },
  { path: '/staff', view: staffView, staff: true },
  { path: '/security', view: securityView },
  { path: '/profile', view: profileView, brand: true },
  { path: '/staff/stamps/:code', view: stampsBrandView, staff: true },
  { path: '/staff/stamps', view: stampsListView, staff: true },
];

const main = document.getElementById('main');
let current = null;
let pendingFlash = null;

function match(path) {
  const parts = path.split('/').filter(Boolean);
  for (const route of ROUTES) {
    const pattern = route.path.split('/').filter(Boolean);
    if (pattern.length !== parts.length) continue;
    const params = {};
    const fits = pattern.every((piece, i) => {
      if (piece.startsWith(':')) {
        params[piece.slice(1)] = decodeURIComponent(parts[i]);
        return true;
      }
      return piece === parts[i];
    });
    if (fits) return { route, params };
  }
  return null;
}

export function navigate(hash, { replace = false } = {}) {
  if (replace) {
    history.replaceState(null, '', hash);
    render();
  } else if (location.hash === hash) {
    render();
  } else {
    location.hash = hash;
  }
}

/** A message shown (and focused) at the top of the next page rendered, e.g. after an action re-renders. */
export function flash(message, kind = 'success') {
  pendingFlash = { message, kind };
}

function renderHeader(session) {
  const nav = document.getElementById('nav');
  const who = document.getElementById('session');
  nav.hidden = !session;
  nav.querySelectorAll('[data-for]').forEach((item) => {
    const forStaff = item.dataset.for === 'staff';
    const forAnyone = item.dataset.for === 'anyone';
    item.hidden = !session || (forAnyone ? false : forStaff ? !session.staff : !session.brand);
  });
  if (!session) {
    who.replaceChildren();
    return;
  }
  const role = session.brand ? `brand ${session.brand}` : 'factory staff';
  who.replaceChildren(
    h('span', { class: 'who' }, h('span', { class: 'visually-hidden' }, 'Signed in as '), session.email, ` · ${role}`),
    h('button', {
      type: 'button', class: 'link-button', onclick: async () => {
        await signOut();
        announce('Signed out.');
        navigate('#/signin');
      },
    }, 'Sign out'));
}

function markCurrent(path) {
  const links = [...document.querySelectorAll('#nav a')];
  const leads = (link) => {
    const target = link.getAttribute('href').slice(1);
    return path === target || (target !== '/orders' && path.startsWith(`${target}/`))
      || (target === '/orders' && /^\/orders\/(?!new)/.test(path));
  };
  // The most specific link is the current one: Brands, not Production, on /staff/brands.
  const current = links.filter(leads).sort((a, b) => b.getAttribute('href').length - a.getAttribute('href').length)[0];
  links.forEach((link) => {
    if (link === current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  });
}

function errorPage(error) {
  const problem = error instanceof ApiProblem ? error : null;
  if (!problem) console.error(error);
  return h('section', { class: 'page' },
    h('h1', {}, problem ? problem.title : 'Something went wrong'),
    h('div', { class: 'notice notice-error', role: 'alert' },
      h('p', {}, problem ? problem.detail || problem.title : 'The page could not be shown. Reload to try again.')),
    h('p', {}, h('button', { type: 'button', class: 'button secondary', onclick: () => render() }, 'Try again'),
      ' ', h('a', { href: homeFor(currentSession()) }, 'Go to the start page')));
}

function notFound() {
  return h('section', { class: 'page' },
    h('h1', {}, 'Page not found'),
    h('p', {}, 'There is nothing at this address. ', h('a', { href: homeFor(currentSession()) }, 'Go to the start page'), '.'));
}

function forbidden(text) {
  return h('section', { class: 'page' }, h('h1', {}, 'Not for this account'), h('p', {}, text),
    h('p', {}, h('a', { href: homeFor(currentSession()) }, 'Go to your start page')));
}

async function render() {
  const hash = location.hash || '#/';
  if (!hash.startsWith('#/')) return; // an in-page anchor, not a route
  const [path, search = ''] = hash.slice(1).split('?');
  if (current) current.abort();
  const controller = new AbortController();
  current = controller;
  const session = currentSession();
  renderHeader(session);
  if (path === '/' || path === '') {
    navigate(homeFor(session), { replace: true });
    return;
  }
  const found = match(path);
  if (found && !found.route.public && !session) {
    navigate(`#/signin?next=${encodeURIComponent(hash.slice(1))}`, { replace: true });
    return;
  }
  markCurrent(path);
  showHelpFor(found ? found.route.path : '');
  main.setAttribute('aria-busy', 'true');
  main.replaceChildren(h('p', { class: 'loading' }, 'Loading…'));
  let page;
  try {
    if (!found) page = notFound();
    else if (found.route.staff && !(session && session.staff)) page = forbidden('This page is for factory staff.');
    else if (found.route.brand && !(session && session.brand)) page = forbidden('This page is for brand accounts; staff work in Production.');
    else {
      page = await found.route.view({
        params: found.params,
        query: new URLSearchParams(search),
        session,
        signal: controller.signal,
        navigate,
        rerender: render,
        flash,
      });
    }
  } catch (error) {
    if (controller.signal.aborted) return;
    page = errorPage(error);
  }
  if (controller.signal.aborted) return;
  main.replaceChildren(page);
  main.removeAttribute('aria-busy');
  const heading = main.querySelector('h1');
  document.title = heading ? `${heading.textContent} — Welt` : 'Welt';
  if (pendingFlash) {
    const note = h('div', { class: `notice notice-${pendingFlash.kind}`, role: 'status' }, pendingFlash.message);
    pendingFlash = null;
    heading.after(note);
    focusOn(note);
  } else {
    focusOn(heading);
  }
}

window.addEventListener('hashchange', render);
window.addEventListener('welt:session-ended', () => {
  const here = location.hash.slice(1);
  if (!here.startsWith('/signin')) {
    flash('Your session has ended. Sign in again to continue.', 'warning');
    navigate(`#/signin?next=${encodeURIComponent(here)}`, { replace: true });
  }
});

document.querySelector('.skip-link').addEventListener('click', (event) => {
  event.preventDefault();
  const heading = main.querySelector('h1');
  focusOn(heading || main);
});

render();
