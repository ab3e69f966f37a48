// J4 (collection builder and schema changes) and the export/import round trip.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { apiClient, launchBrowser, screenshot, startServer, toast, uiLogin, navTo } from './lib/harness.mjs';

describe('J4 collections, export and import', () => {
  let server;
  let browser;
  let page;
  let api;
  let acme;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    page = browser.page;
    api = apiClient(server.base);
    await api.login();
    acme = await api.post('/accounts', { name: 'Acme' });
    await api.post('/collections', { name: 'authors', schema: [{ name: 'name', type: 'text', required: true }] });
    await uiLogin(page, server.base);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const row = (i) => page.getByTestId(`field-row-${i}`);

  async function field(i, name, type) {
    if (i > 0) await page.getByRole('button', { name: 'Add field' }).click();
    await page.locator(`#schema-${i}-name`).fill(name);
    await page.locator(`#schema-${i}-type`).selectOption(type);
  }

  test('J4: the builder rejects a bad name, a duplicate field and a reference without target', async () => {
    await navTo(page, 'Collections');
    await page.getByRole('button', { name: 'New collection' }).click();
    await page.locator('#collection-name').fill('1posts');
    await field(0, 'title', 'text');
    await field(1, 'title', 'number');
    await field(2, 'author', 'reference');
    await page.getByRole('button', { name: 'Create collection' }).click();
    await page.getByText('Collection name must start with a letter and contain only letters, digits and underscores').waitFor();
    await page.getByText("Field name 'title' is used twice").waitFor();
    await page.getByText('A reference field needs a target collection').waitFor();
    await screenshot(page, 'j4-builder-errors');
  });

  test('J4: create posts with every kind of field', async () => {
    await page.locator('#collection-name').fill('posts');
    await row(0).getByLabel('Required').check();
    await page.locator('#schema-0-max_length').fill('200');
    await page.locator('#schema-1-name').fill('views');
    await page.locator('#schema-1-default').fill('0');
    await page.locator('#schema-2-collection').selectOption('authors');
    await page.locator('#schema-2-on_delete').selectOption('cascade');
    await field(3, 'published', 'boolean');
    await field(4, 'meta', 'json');
    await field(5, 'author_email', 'email');
    await row(5).getByLabel('PII').check();
    await page.locator('#schema-5-mask').selectOption('email');
    await field(6, 'status', 'select');
    await page.locator('#schema-6-values').fill('draft, live');
    await field(7, 'homepage', 'url');
    await field(8, 'published_at', 'datetime');
    await page.getByRole('button', { name: 'Add index' }).click();
    await page.getByRole('group', { name: 'Fields of index 1' }).getByRole('button', { name: 'status' }).click();
    await screenshot(page, 'j4-builder-filled');
    await page.getByRole('button', { name: 'Create collection' }).click();
    await toast(page, 'Collection posts created');
    await page.waitForURL(/\/admin\/collections$/);
    const posts = (await api.get('/collections?search=posts')).items[0];
    const full = await api.get(`/collections/${posts.id}`);
    assert.deepEqual(
      full.schema.map((f) => [f.name, f.type]),
      [['title', 'text'], ['views', 'number'], ['author', 'reference'], ['published', 'boolean'], ['meta', 'json'],
        ['author_email', 'email'], ['status', 'select'], ['homepage', 'url'], ['published_at', 'datetime']],
    );
    assert.equal(full.schema[0].required, true);
    assert.equal(full.schema[0].options.max_length, 200);
    assert.equal(full.schema[1].default, 0);
    assert.equal(full.schema[2].collection, 'authors');
    assert.equal(full.schema[5].mask_type, 'email');
    assert.deepEqual(full.schema[6].options.values, ['draft', 'live']);
    assert.deepEqual(full.indexes, [{ fields: ['status'], unique: false }]);
  });

  test('J4: a schema change shows a dry-run preview, then applies', async () => {
    await page.locator('tr[data-collection=posts]').getByRole('button', { name: 'Actions for posts' }).click();
    await page.getByRole('menuitem', { name: 'Edit schema' }).click();
    await page.getByRole('heading', { name: 'Edit posts' }).waitFor();
    await field(9, 'subtitle', 'text');
    await page.locator('#schema-0-name').fill('headline');
    await page.getByRole('button', { name: 'Review changes' }).click();
    const changes = page.getByTestId('schema-changes');
    await changes.getByText('Add field “subtitle”').waitFor();
    await changes.getByText('Rename “title” to “headline” (values kept)').waitFor();
    await screenshot(page, 'j4-schema-preview');
    await page.getByTestId('apply-schema').click();
    await toast(page, 'Schema of posts updated to version 2');
    const posts = (await api.get('/collections?search=posts')).items[0];
    const full = await api.get(`/collections/${posts.id}`);
    assert.equal(full.schema[0].name, 'headline');
    assert.equal(full.schema.at(-1).name, 'subtitle');
  });

  test('J4: removing a field that holds data asks to confirm the loss', async () => {
    await api.post('/records/posts', { headline: 'Kept', views: 7 }, { 'X-Account-ID': acme.id });
    const posts = (await api.get('/collections?search=posts')).items[0];
    await page.goto(`${server.base}/admin/collections/${posts.id}/edit`);
    await page.getByRole('button', { name: 'Remove views' }).click();
    await page.getByRole('button', { name: 'Review changes' }).click();
    await page.getByTestId('schema-changes').getByText('Remove field “views”').waitFor();
    await page.getByText('deletes 1 value').waitFor();
    assert.equal(await page.getByTestId('apply-schema').isDisabled(), true);
    await screenshot(page, 'j4-data-loss-preview');
    await page.getByTestId('confirm-loss').check();
    await page.getByTestId('apply-schema').click();
    await toast(page, 'Schema of posts updated to version 3');
    const history = await api.get(`/collections/${posts.id}/history`);
    assert.equal(history.length, 3);
  });

  test('J4: leaving the builder with unsaved changes asks first', async () => {
    await page.getByRole('button', { name: 'New collection' }).click();
    await page.locator('#collection-name').fill('draft_only');
    await navTo(page, 'Users');
    await page.getByText('Discard unsaved changes?').waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
    assert.match(page.url(), /\/collections\/new$/);
    await navTo(page, 'Users');
    await page.getByRole('button', { name: 'Discard changes' }).click();
    await page.waitForURL(/\/admin\/users$/);
  });

  test('export, then import with a reviewed diff, and a delete/import round trip', async () => {
    await page.goto(`${server.base}/admin/collections/transfer`);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download JSON' }).click(),
    ]);
    const doc = JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
    assert.deepEqual(doc.collections.map((c) => c.name).sort(), ['authors', 'posts']);

    // Changed: authors gains a field; new: tags.
    doc.collections.find((c) => c.name === 'authors').schema.push({ name: 'bio', type: 'text' });
    doc.collections.push({ name: 'tags', schema: [{ name: 'label', type: 'text', required: true }] });
    await page.locator('#import-json').fill(JSON.stringify(doc));
    await page.locator('#import-strategy').selectOption('update');
    await page.getByRole('button', { name: 'Review changes' }).click();
    const diff = page.getByTestId('import-diff');
    await diff.locator('[data-collection=tags]').getByText('will be created').waitFor();
    await diff.locator('[data-collection=authors]').getByText('will be updated').waitFor();
    await diff.locator('[data-collection=authors]').getByText('+ bio').waitFor();
    await diff.locator('[data-collection=posts]').getByText('unchanged').waitFor();
    await screenshot(page, 'j6-import-diff');
    await page.getByTestId('run-import').click();
    const result = page.getByTestId('import-result');
    await result.getByText('tags: created').waitFor();
    await result.getByText('authors: updated').waitFor();

    // Round trip: delete tags, import the same document again.
    await page.goto(`${server.base}/admin/collections`);
    await page.locator('tr[data-collection=tags]').getByRole('button', { name: 'Actions for tags' }).click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    await page.locator('#confirm-typed').fill('tags');
    await page.getByTestId('confirm-ok').click();
    await toast(page, 'Collection tags deleted');
    await page.goto(`${server.base}/admin/collections/transfer`);
    await page.locator('#import-json').fill(JSON.stringify(doc));
    await page.getByRole('button', { name: 'Review changes' }).click();
    await page.getByTestId('import-diff').locator('[data-collection=tags]').getByText('will be created').waitFor();
    await page.getByTestId('run-import').click();
    await page.getByTestId('import-result').getByText('tags: created').waitFor();
    const names = await api.get('/collections/names');
    assert.deepEqual(names.names.sort(), ['authors', 'posts', 'tags']);
  });

  test('API preview shows this server’s URL', async () => {
    await page.goto(`${server.base}/admin/collections/posts/api`);
    await page.getByTestId('snippet-list').getByText(`${server.base}/api/v1/records/posts?limit=20`).waitFor();
    await page.getByRole('tab', { name: 'JavaScript' }).click();
    await page.getByTestId('snippet-create').getByText("method: 'POST'").waitFor();
    await screenshot(page, 'j4-api-preview');
  });

  test('no errors in the page', () => {
    assert.deepEqual(browser.problems, []);
  });
});
