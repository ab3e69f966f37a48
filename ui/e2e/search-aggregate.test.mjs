// Search and aggregation in the records browser: a collection built in the
// schema editor with one searchable text field; the records list's search box
// finds the matching records of the chosen account only (ranked, without a
// sort), ignores a field that is not searchable until the schema marks it;
// the Aggregate tab counts and sums per group, with a filter and a having,
// and shows a having error at its position.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiClient, horizontalOverflow, launchBrowser, navTo, screenshot, startServer, toast, uiLogin } from './lib/harness.mjs';

const ARTICLES = [
  { title: 'How to make bread', body: 'flour water salt', status: 'open', total: 10 },
  { title: 'Bread and butter', body: 'a classic', status: 'done', total: 5 },
  { title: 'Pasta night', body: 'bread crumbs on top', status: 'open', total: 20 },
  { title: 'Salad days', body: 'greens', status: 'done', total: 7.5 },
  { title: 'Breadboard wiring', body: 'electronics', status: 'open', total: 1 },
];

describe('records: search and aggregate', () => {
  let server;
  let browser;
  let page;
  let api;
  let acme;

  before(async () => {
    server = await startServer();
    api = apiClient(server.base);
    await api.login();
    acme = await api.post('/accounts', { name: 'Acme' });
    browser = await launchBrowser();
    page = browser.page;
    await uiLogin(page, server.base);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const rows = () => page.locator('[data-testid=records-table] tbody tr');
  const titles = async () => (await rows().allInnerTexts()).map((t) => ARTICLES.find((a) => t.includes(a.title))?.title ?? t).sort();

  async function field(i, name, type) {
    if (i > 0) await page.getByRole('button', { name: 'Add field' }).click();
    await page.locator(`#schema-${i}-name`).fill(name);
    await page.locator(`#schema-${i}-type`).selectOption(type);
  }

  test('the schema editor marks a text field searchable', async () => {
    await navTo(page, 'Collections');
    await page.getByRole('button', { name: 'New collection' }).click();
    await page.locator('#collection-name').fill('articles');
    await field(0, 'title', 'text');
    await page.getByTestId('schema-0-searchable').check();
    await field(1, 'body', 'text');
    await field(2, 'status', 'select');
    await page.locator('#schema-2-values').fill('open, done');
    await field(3, 'total', 'number');
    assert.equal(await page.getByTestId('schema-3-searchable').count(), 0, 'numbers cannot be searchable');
    await page.getByRole('button', { name: 'Create collection' }).click();
    await toast(page, 'Collection articles created');
    const list = await api.get('/collections?search=articles');
    const c = await api.get(`/collections/${list.items[0].id}`);
    assert.deepEqual(
      c.schema.map((f) => [f.name, f.searchable]),
      [['title', true], ['body', false], ['status', false], ['total', false]],
    );
    for (const a of ARTICLES) await api.post('/records/articles', a, { 'X-Account-ID': acme.id });
    const globex = await api.post('/accounts', { name: 'Globex' });
    await api.post('/records/articles', { title: 'Bread of Globex', status: 'open', total: 100 }, { 'X-Account-ID': globex.id });
  });

  test('the search box finds the account’s matching records, ranked', async () => {
    await page.goto(`${server.base}/admin/collections/articles/records?account=${acme.id}`);
    await rows().first().waitFor();
    assert.equal(await rows().count(), 5);
    const box = page.getByLabel('Search records');
    assert.match(await box.getAttribute('placeholder'), /title/);
    await box.fill('bread');
    const request = page.waitForRequest((r) => r.url().includes('/api/v1/records/articles?') && r.url().includes('search=bread'));
    await box.press('Enter');
    const url = new URL((await request).url());
    assert.equal(url.searchParams.get('sort'), null, 'a ranked search sends no sort');
    await page.waitForURL(/q=bread/);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=records-table] tbody tr').length === 3);
    assert.deepEqual(await titles(), ['Bread and butter', 'Breadboard wiring', 'How to make bread']);
    await page.getByTestId('search-order').getByText(/Most relevant first/).waitFor();
    await screenshot(page, 'records-search');

    // Text only in a field that is not searchable finds nothing.
    await box.fill('crumbs');
    await box.press('Enter');
    await page.getByText('No records match “crumbs”').waitFor();
    await page.getByRole('button', { name: 'Clear search' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=records-table] tbody tr').length === 5);
  });

  test('marking another field searchable in the schema makes it searched', async () => {
    await page.getByRole('button', { name: 'Edit schema' }).click();
    await page.locator('#schema-1-name').waitFor();
    await page.getByTestId('schema-1-searchable').check();
    await page.getByRole('button', { name: 'Review changes' }).click();
    await page.getByTestId('schema-changes').getByText('Change the settings of “body”').waitFor();
    await page.getByTestId('apply-schema').click();
    await toast(page, 'Schema of articles updated');
    await page.goto(`${server.base}/admin/collections/articles/records?account=${acme.id}&q=bread`);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=records-table] tbody tr').length === 4);
    assert.deepEqual(await titles(), ['Bread and butter', 'Breadboard wiring', 'How to make bread', 'Pasta night']);
    // A chosen sort replaces the ranking.
    await page.getByRole('button', { name: /^title/i }).first().click();
    await page.waitForURL(/sort=title/);
    await page.getByTestId('search-order').getByText('Sorted by the chosen column.').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=records-table] tbody tr').length === 4);
  });

  /** The result table as [group, count, sum] rows. */
  async function resultRows() {
    return page.locator('[data-testid=aggregate-table] tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => `${td.dataset.col}=${td.textContent}`).join(' ')),
    );
  }

  test('Aggregate counts and sums per group, with a filter and a having', async () => {
    await page.goto(`${server.base}/admin/collections/articles/records?account=${acme.id}`);
    await page.getByRole('navigation', { name: 'Collection views' }).getByRole('link', { name: 'Aggregate' }).click();
    await page.waitForURL(/\/collections\/articles\/aggregate\?account=/);
    // count() is there by default (once the schema is in, fields are picked from it); add sum(total) and the group.
    await page.getByLabel('Field of function 1').locator('option').first().waitFor({ state: 'attached' });
    await page.getByRole('button', { name: 'Add function' }).click();
    assert.equal(await page.getByLabel('Function 2', { exact: true }).inputValue(), 'sum');
    assert.equal(await page.getByLabel('Field of function 2').inputValue(), 'total');
    await page.getByRole('button', { name: 'Add group field' }).click();
    await page.getByLabel('Group by field 1').selectOption('status');
    await page.getByRole('button', { name: 'Run' }).click();
    await page.locator('[data-testid=aggregate-table] tbody tr').first().waitFor();
    assert.deepEqual(await resultRows(), ['status=done count=2 sum_total=12.5', 'status=open count=3 sum_total=31']);
    assert.match(page.url(), /functions=count%28%29%2Csum%28total%29|functions=count\(\)%2Csum\(total\)/);
    await screenshot(page, 'aggregate');

    await page.locator('#agg-filter').fill('total > 5');
    await page.getByRole('button', { name: 'Run' }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid=aggregate-table] td[data-col=sum_total]')?.textContent === '7.5');
    assert.deepEqual(await resultRows(), ['status=done count=1 sum_total=7.5', 'status=open count=2 sum_total=30']);

    await page.locator('#agg-having').fill('count() > 1');
    await page.getByRole('button', { name: 'Run' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=aggregate-table] tbody tr').length === 1);
    assert.deepEqual(await resultRows(), ['status=open count=2 sum_total=30']);

    // The same numbers from the API, and the query survives a reload.
    const direct = await api.get(
      `/records/articles/aggregate?functions=count(),sum(total)&group_by=status&filter=${encodeURIComponent('total > 5')}&having=${encodeURIComponent('count() > 1')}`,
      { 'X-Account-ID': acme.id },
    );
    assert.deepEqual(direct.results, [{ status: 'open', count: 2, sum_total: 30 }]);
    await page.reload();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=aggregate-table] tbody tr').length === 1);
    assert.equal(await page.locator('#agg-having').inputValue(), 'count() > 1');
  });

  test('a having error is shown at its position; a function mix-up is caught before sending', async () => {
    await page.locator('#agg-having').fill('count() > > 1');
    await page.getByRole('button', { name: 'Run' }).click();
    const error = page.getByTestId('agg-having-error');
    await error.waitFor();
    await page.locator('[data-testid=agg-having-error][data-position]').waitFor();
    assert.ok(Number(await error.getAttribute('data-position')) > 0);
    await page.getByText('Fix the query to see a result').waitFor();
    await screenshot(page, 'aggregate-having-error');
    await page.locator('#agg-having').fill('');

    // The field choices follow the function: sum offers only numbers.
    await page.getByLabel('Function 1', { exact: true }).selectOption('sum');
    const options = await page.getByLabel('Field of function 1').locator('option').allInnerTexts();
    assert.deepEqual(options, ['total']);
    await page.getByRole('button', { name: 'Run' }).click();
    await page.getByText('“sum_total” appears twice').waitFor();
  });

  test('390 px: the aggregate page does not scroll sideways', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    await page.reload();
    await page.getByRole('button', { name: 'Run' }).waitFor();
    assert.ok((await horizontalOverflow(page)) <= 0);
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  test('no errors in the page', () => {
    assert.deepEqual(browser.problems, []);
  });
});
