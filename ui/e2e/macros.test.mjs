// Macros: the superadmin writes one (a refused query first), saves it, and
// tests it in an account.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiClient, horizontalOverflow, launchBrowser, navTo, screenshot, startServer, toast, uiLogin } from './lib/harness.mjs';

describe('macros', () => {
  let server;
  let browser;
  let page;
  let api;
  let acme;

  before(async () => {
    server = await startServer();
    api = apiClient(server.base);
    await api.login();
    acme = await api.post('/accounts', { name: 'Acme', slug: 'acme' });
    const globex = await api.post('/accounts', { name: 'Globex', slug: 'globex' });
    await api.post('/collections', { name: 'tickets', schema: [{ name: 'status', type: 'text' }] });
    await api.post('/records/tickets/batch', { records: [{ status: 'open' }, { status: 'open' }, { status: 'closed' }] }, { 'X-Account-ID': acme.id });
    await api.post('/records/tickets', { status: 'open' }, { 'X-Account-ID': globex.id });
    browser = await launchBrowser();
    page = browser.page;
    await uiLogin(page, server.base);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('create a macro (a refused query first) and test it', async () => {
    await navTo(page, 'Macros');
    await page.getByText('No macros yet').waitFor();
    await page.getByRole('button', { name: 'New macro' }).click();
    await page.locator('#macro-name').fill('open_tickets');
    await page.locator('#macro-params').fill('status');
    await page.locator('#macro-description').fill('Tickets with a status');
    await page.locator('#macro-sql').fill('DELETE FROM {tickets}');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#macro-sql-error').waitFor();
    await screenshot(page, 'macro-error');
    await page.locator('#macro-sql').fill('SELECT COUNT(*) FROM {tickets} WHERE status = :status');
    await page.getByRole('button', { name: 'Save' }).click();
    await toast(page, 'Macro open_tickets saved');
    await page.getByTestId('macros-list').getByText('@open_tickets(status)').waitFor();

    const tester = page.getByTestId('macro-tester');
    await tester.locator('#macro-test-account').selectOption(acme.id);
    await tester.locator('#macro-test-status').fill('open');
    await tester.getByRole('button', { name: 'Run test' }).click();
    await tester.getByTestId('macro-test-result').getByText('2', { exact: true }).waitFor();
    await screenshot(page, 'macro-tested');
    const macros = await api.get('/macros');
    assert.equal(macros[0].sql_query, 'SELECT COUNT(*) FROM {tickets} WHERE status = :status');

    await page.setViewportSize({ width: 390, height: 800 });
    assert.ok((await horizontalOverflow(page)) <= 0);
    await screenshot(page, 'macros-mobile');
  });

  test('no errors in the page', () => {
    assert.deepEqual(browser.problems, []);
  });
});
