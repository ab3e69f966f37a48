// The records filter bar: a rule-language expression (`filter=`), the
// server's error shown at its position under the input, then a working filter.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiClient, horizontalOverflow, launchBrowser, screenshot, startServer, uiLogin } from './lib/harness.mjs';

describe('records filter bar', () => {
  let server;
  let browser;
  let page;
  let acme;

  before(async () => {
    server = await startServer();
    const api = apiClient(server.base);
    await api.login();
    acme = await api.post('/accounts', { name: 'Acme' });
    await api.post('/collections', {
      name: 'posts',
      schema: [
        { name: 'title', type: 'text', required: true },
        { name: 'views', type: 'number' },
      ],
    });
    const h = { 'X-Account-ID': acme.id };
    await api.post('/records/posts/batch', { records: [{ title: 'Alpha', views: 1 }, { title: 'Beta', views: 20 }, { title: 'Gamma', views: 300 }] }, h);
    browser = await launchBrowser();
    page = browser.page;
    await uiLogin(page, server.base);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const rows = () => page.locator('[data-testid=records-table] tbody tr');

  test('a bad filter shows the error at its position; a good one narrows the list', async () => {
    await page.goto(`${server.base}/admin/collections/posts/records?account=${acme.id}`);
    await rows().filter({ hasText: 'Gamma' }).waitFor();
    const input = page.getByLabel('Filter expression');
    await input.fill('views > ');
    await input.press('Enter');
    const err = page.getByTestId('filter-error');
    await err.waitFor();
    assert.equal(await err.getAttribute('data-position'), '7'); // the end of "views >"

    assert.match(await err.innerText(), /\^/);
    // The list query may be fetched again (its error clears while it runs); wait for the settled state.
    await page.waitForFunction(() => document.querySelector('input[aria-label="Filter expression"]')?.getAttribute('aria-invalid') === 'true');
    await screenshot(page, 'filter-error');

    await input.fill("views > 10 and title != 'Gamma'");
    await input.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=records-table] tbody tr').length === 1);
    await rows().filter({ hasText: 'Beta' }).waitFor();
    assert.equal(await page.getByTestId('filter-error').count(), 0);
    assert.match(page.url(), /filter=/);
    await screenshot(page, 'filter-applied');

    await page.getByRole('button', { name: 'Clear filter' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=records-table] tbody tr').length === 3);
  });

  test('390 px: no sideways scroll', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    await page.goto(`${server.base}/admin/collections/posts/records?account=${acme.id}&filter=views%20%3E`);
    await page.getByTestId('filter-error').waitFor();
    assert.ok((await horizontalOverflow(page)) <= 0);
    await screenshot(page, 'filter-mobile');
  });

  test('no errors in the page', () => {
    assert.deepEqual(browser.problems, []);
  });
});
