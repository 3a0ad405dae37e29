/**
 * The brand's invoices (GET /invoices on the payments API): each invoice, then the rectifying invoices its
 * refunds produced, with their orders, amounts and a download of the PDF. A page holds 20 payments.
 *
 * The page shown lives in the address (`cursor`), so "Next page" and "First page" are navigations; a download
 * is the screen's only event: idle → downloading → idle (announced either way).
 */

import { ApiProblem, paymentsApi, queryString } from '../api.js';
import { announce, h, saveFile } from '../dom.js';
import { day, money } from '../format.js';
import { cell, nowrapCell } from '../order-parts.js';

export async function invoicesView(ctx) {
  const cursor = ctx.query.get('cursor') || '';
  const page = await paymentsApi.get(`/invoices${queryString({ cursor })}`, { signal: ctx.signal });
  return h('section', { class: 'page wide' },
    h('h1', {}, 'Invoices'),
    h('p', { class: 'lead' }, 'Every invoice of your payments, newest first, and the rectifying invoices of refunds.'),
    page.invoices.length ? renderTable(page.invoices) : h('p', { class: 'empty' }, cursor ? 'No more invoices.'
      : 'No invoices yet: each payment gets one as soon as it goes through.'),
    renderPager(ctx, cursor, page));
}

function renderTable(rows) {
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'table responsive' },
      h('caption', { class: 'visually-hidden' }, 'Invoices and rectifying invoices'),
      h('thead', {}, h('tr', {}, ...['Invoice', 'Date', 'Orders', 'Net', 'VAT', 'Total', 'PDF'].map((name) => h('th', { scope: 'col' }, name)))),
      h('tbody', {}, ...rows.map(renderRow))));
}

function renderRow(row) {
  const rectifying = row.kind === 'RECTIFYING';
  return h('tr', { class: rectifying ? 'rectifying' : null },
    nowrapCell('Invoice', row.number, rectifying ? h('span', { class: 'block small muted' }, `Refund, corrects ${row.corrects}`) : null),
    nowrapCell('Date', day(row.issued_on)),
    cell('Orders', ...row.order_numbers.flatMap((number, i) => [i ? ', ' : '', h('a', { href: `#/orders/${number}` }, number)])),
    nowrapCell('Net', money(row.net, row.currency)),
    nowrapCell('VAT', money(row.vat, row.currency)),
    nowrapCell('Total', h('strong', {}, money(row.total, row.currency))),
    cell('PDF', renderDownload(row)));
}

/** Download the PDF through the API (it needs the sign-in token, so it is not a plain link). */
function renderDownload(row) {
  const button = h('button', { type: 'button', class: 'link-button' }, 'Download', h('span', { class: 'visually-hidden' }, ` ${row.number}`));
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const { blob, filename } = await paymentsApi.download(row.download, 'application/pdf');
      saveFile(blob, filename || `${row.number}.pdf`);
      announce(`${row.number} downloaded.`);
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      announce(`${row.number} could not be downloaded: ${error.detail || error.title}`);
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

function renderPager(ctx, cursor, page) {
  if (!cursor && !page.next_cursor) return null;
  return h('nav', { class: 'pager', 'aria-label': 'Pages' },
    cursor ? h('a', { class: 'button secondary', href: '#/invoices' }, 'First page') : null,
    page.next_cursor ? h('button', { type: 'button', class: 'button secondary',
      onclick: () => ctx.navigate(`#/invoices${queryString({ cursor: page.next_cursor })}`) }, 'Next page') : null);
}
