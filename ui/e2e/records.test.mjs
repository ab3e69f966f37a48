// J5 (records grid) of seed-ui.md §3.2: create with the relation picker,
// invalid JSON blocked, sort, edit, view, delete, bulk delete, column toggle.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiClient, launchBrowser, screenshot, startServer, toast, uiLogin, navTo } from './lib/harness.mjs';

describe('J5 records', () => {
  let server;
  let browser;
  let page;
  let api;
  let acme;
  let globex;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    page = browser.page;
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.base });
    api = apiClient(server.base);
    await api.login();
    acme = await api.post('/accounts', { name: 'Acme' });
    globex = await api.post('/accounts', { name: 'Globex' });
    await api.post('/collections', { name: 'authors', schema: [{ name: 'name', type: 'text', required: true }] });
    await api.post('/collections', {
      name: 'posts',
      schema: [
        { name: 'title', type: 'text', required: true },
        { name: 'views', type: 'number' },
        { name: 'published', type: 'boolean' },
        { name: 'meta', type: 'json' },
        { name: 'status', type: 'select', options: { values: ['draft', 'live'] } },
        { name: 'author', type: 'reference', collection: 'authors', on_delete: 'set_null' },
      ],
    });
    const h = { 'X-Account-ID': acme.id };
    await api.post('/records/authors', { name: 'Ada Lovelace' }, h);
    await api.post('/records/authors', { name: 'Grace Hopper' }, h);
    await api.post('/records/authors', { name: 'Globex Author' }, { 'X-Account-ID': globex.id });
    await uiLogin(page, server.base);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const rows = () => page.locator('[data-testid=records-table] tbody tr');
  const row = (text) => rows().filter({ hasText: text });

  test('J5: create a record; invalid JSON is blocked; the relation picker offers only this account', async () => {
    await page.goto(`${server.base}/admin/collections/posts/records?account=${acme.id}`);
    await page.getByText('No records yet').waitFor();
    await page.getByRole('button', { name: 'New record' }).click();
    await page.locator('#record-title').fill('Hello');
    await page.locator('#record-views').fill('5');
    await page.locator('#record-published').selectOption('true');
    await page.locator('#record-meta').fill('{"tags": [1, 2]');
    await page.locator('#record-status').selectOption('live');
    await page.getByTestId('relation-record-author').click();
    const list = page.getByRole('listbox', { name: 'authors records' });
    await list.getByText('Grace Hopper').waitFor();
    assert.equal(await list.getByText('Globex Author').count(), 0, 'another account’s records are not offered');
    await page.getByLabel('Search authors').fill('ada');
    await list.getByText('Ada Lovelace').click();
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByText(/^Invalid JSON/).waitFor();
    await screenshot(page, 'j5-invalid-json');
    await page.locator('#record-meta').fill('{"tags": [1, 2]}');
    await page.getByRole('button', { name: 'Create' }).click();
    await toast(page, 'created');
    await row('Hello').waitFor();
    await row('Hello').getByText('Ada Lovelace').waitFor();
  });

  test('J5: a new record shows at the top; sort by a column', async () => {
    await page.getByRole('button', { name: 'New record' }).click();
    await page.locator('#record-title').fill('Another');
    await page.locator('#record-views').fill('1');
    await page.getByRole('button', { name: 'Create' }).click();
    await toast(page, 'created');
    await page.waitForFunction(() => document.querySelector('[data-testid=records-table] tbody tr td[data-col=title]')?.textContent === 'Another');
    await page.getByRole('button', { name: 'views' }).click();
    await page.waitForFunction(() => {
      const cells = [...document.querySelectorAll('[data-testid=records-table] tbody tr td[data-col=views]')];
      return cells.map((c) => c.textContent).join(',') === '1,5';
    });
    await page.getByRole('button', { name: 'views' }).click();
    await page.waitForFunction(() => {
      const cells = [...document.querySelectorAll('[data-testid=records-table] tbody tr td[data-col=views]')];
      return cells.map((c) => c.textContent).join(',') === '5,1';
    });
    assert.match(page.url(), /sort=-views/);
    await screenshot(page, 'j5-records-grid');
  });

  test('J5: edit a value, view the record, copy it as JSON', async () => {
    await row('Hello').getByRole('button', { name: /Actions for record/ }).click();
    await page.getByRole('menuitem', { name: 'Edit' }).click();
    await page.locator('#record-title').fill('Hello world');
    await page.getByRole('button', { name: 'Save' }).click();
    await toast(page, 'Record saved');
    await row('Hello world').waitFor();

    await row('Hello world').getByRole('button', { name: /Actions for record/ }).click();
    await page.getByRole('menuitem', { name: 'View' }).click();
    const view = page.getByTestId('record-view');
    await view.getByText('Hello world').waitFor();
    await view.getByText('Ada Lovelace').waitFor();
    await screenshot(page, 'j5-record-view');
    await page.getByRole('button', { name: 'Copy JSON' }).click();
    await toast(page, 'Record copied as JSON');
    const copied = JSON.parse(await page.evaluate(() => navigator.clipboard.readText()));
    assert.equal(copied.title, 'Hello world');
    assert.deepEqual(copied.meta, { tags: [1, 2] });
    await page.keyboard.press('Escape');
  });

  test('J5: hide a column', async () => {
    await page.getByRole('button', { name: 'Columns' }).click();
    await page.getByRole('menuitemcheckbox', { name: 'meta' }).click();
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('td[data-col=meta]').count(), 0);
    assert.ok((await page.locator('td[data-col=title]').count()) > 0);
  });

  test('J5: delete one record after confirming, then bulk delete', async () => {
    await row('Another').getByRole('button', { name: /Actions for record/ }).click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    await page.getByTestId('confirm-ok').click();
    await toast(page, 'Record deleted');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=records-table] tbody tr').length === 1);

    const h = { 'X-Account-ID': acme.id };
    await api.post('/records/posts/batch', { records: [{ title: 'Bulk one' }, { title: 'Bulk two' }] }, h);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await row('Bulk two').waitFor();
    await row('Bulk one').getByRole('checkbox').check();
    await row('Bulk two').getByRole('checkbox').check();
    await page.getByTestId('bulk-delete').click();
    await page.getByRole('heading', { name: 'Delete 2 records?' }).waitFor();
    await page.getByTestId('confirm-ok').click();
    await toast(page, '2 records deleted');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=records-table] tbody tr').length === 1);
    const left = await api.get('/records/posts', h);
    assert.deepEqual(left.items.map((r) => r.title), ['Hello world']);
  });

  test('J5: the dashboard counts follow', async () => {
    await navTo(page, 'Dashboard');
    // 2 Acme authors + 1 Globex author + 1 post
    await page.waitForFunction(() => document.querySelector('[data-testid=stat-records-value]')?.textContent === '4');
  });

  test('J5: the superadmin switches account with the picker', async () => {
    await page.goto(`${server.base}/admin/collections/authors/records?account=${acme.id}`);
    await row('Ada Lovelace').waitFor();
    await page.getByTestId('account-picker').selectOption(globex.id);
    await row('Globex Author').waitFor();
    assert.equal(await row('Ada Lovelace').count(), 0);
  });

  test('no errors in the page', () => {
    assert.deepEqual(browser.problems, []);
  });
});
