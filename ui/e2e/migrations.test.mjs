// The Migrations page: the embedded migrations and the collection schema
// changes as the server lists them, the current revision named, and a schema
// change made through the API appearing as the newest one.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiClient, launchBrowser, navTo, screenshot, startServer, uiLogin } from './lib/harness.mjs';

describe('migrations page', () => {
  let server;
  let browser;
  let api;

  before(async () => {
    server = await startServer();
    api = apiClient(server.base);
    await api.login();
    await api.post('/collections', { name: 'gadgets', schema: [{ name: 'label', type: 'text' }] });
    browser = await launchBrowser();
    await uiLogin(browser.page, server.base);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('lists every revision and names the current one', async () => {
    const page = browser.page;
    await navTo(page, 'Migrations');
    const table = page.getByTestId('migrations-table');
    await table.waitFor();
    const expected = await api.get('/migrations');
    const shown = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.revision));
    assert.deepEqual(shown, expected.revisions.map((r) => r.revision));
    assert.equal(await page.getByTestId('current-revision').innerText(), expected.currentRevision);
    const change = table.locator('tbody tr[data-dynamic=true]');
    assert.equal(await change.count(), 1);
    await change.getByText("create collection 'gadgets'", { exact: false }).waitFor();
    assert.equal(expected.currentRevision, await change.getAttribute('data-revision'), 'the schema change is the current revision');
    await table.locator('tbody tr[data-dynamic=false]').first().getByText('embedded').waitFor();
    await screenshot(page, 'migrations');
    assert.deepEqual(browser.problems, []);
  });
});
