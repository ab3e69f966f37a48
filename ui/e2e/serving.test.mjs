// J9 (serving the app) plus the phone viewport and dark mode.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiClient, horizontalOverflow, launchBrowser, screenshot, startServer, uiLogin } from './lib/harness.mjs';

describe('J9 serving, phone layout, dark mode', () => {
  let server;
  let acme;

  before(async () => {
    server = await startServer();
    const api = apiClient(server.base);
    await api.login();
    acme = await api.post('/accounts', { name: 'Acme Corporation International', slug: 'acme' });
    await api.post('/collections', {
      name: 'posts',
      schema: [
        { name: 'title', type: 'text', required: true },
        { name: 'body', type: 'text' },
        { name: 'views', type: 'number' },
        { name: 'meta', type: 'json' },
      ],
    });
    for (let i = 1; i <= 3; i += 1) {
      await api.post('/records/posts', { title: `A rather long post title number ${i}`, body: 'x'.repeat(80), views: i, meta: { i } }, { 'X-Account-ID': acme.id });
    }
  });
  after(async () => {
    await server?.stop();
  });

  test('J9: a hard reload on a deep link serves the app', async () => {
    const b = await launchBrowser();
    try {
      await uiLogin(b.page, server.base);
      await b.page.goto(`${server.base}/admin/collections/posts/records?account=${acme.id}`);
      await b.page.getByTestId('records-table').waitFor();
      await b.page.reload();
      await b.page.getByTestId('records-table').getByText('A rather long post title number 1').waitFor();
      assert.deepEqual(b.problems, [], 'no CSP violations or script errors');
      await screenshot(b.page, 'j9-deep-link-reload');
    } finally {
      await b.close();
    }
  });

  test('J9: API misses are JSON, missing assets are 404, hashed assets are immutable', async () => {
    const nope = await fetch(`${server.base}/api/v1/nope`);
    assert.equal(nope.status, 404);
    assert.match(nope.headers.get('content-type') ?? '', /application\/json/);
    assert.equal((await nope.json()).error, 'not_found');

    const missing = await fetch(`${server.base}/admin/assets/x.js`);
    assert.equal(missing.status, 404);

    const html = await (await fetch(`${server.base}/admin/login`)).text();
    const asset = html.match(/src="(\/admin\/assets\/[^"]+\.js)"/)?.[1];
    assert.ok(asset, 'index.html loads a hashed script');
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline scripts');
    const res = await fetch(`${server.base}${asset}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('cache-control') ?? '', /immutable/);
  });

  test('J9: / leads to the admin app', async () => {
    const res = await fetch(`${server.base}/`, { redirect: 'manual' });
    assert.ok([301, 302, 303, 307, 308].includes(res.status));
    assert.equal(res.headers.get('location'), '/admin');
    for (const path of ['/admin', '/admin/']) {
      const root = await fetch(`${server.base}${path}`, { redirect: 'manual' });
      assert.equal(root.status, 200, path);
      assert.match(await root.text(), /<div id="root">/);
    }
  });

  for (const scheme of ['light', 'dark']) {
    test(`390 px phone, ${scheme}: no sideways page scroll`, async () => {
      const b = await launchBrowser({ width: 390, height: 844, colorScheme: scheme });
      try {
        const { page } = b;
        await uiLogin(page, server.base);
        await page.waitForURL(/dashboard/);
        await page.getByTestId('stat-accounts-value').waitFor();
        assert.equal(await page.evaluate(() => document.documentElement.classList.contains('dark')), scheme === 'dark');
        assert.ok((await horizontalOverflow(page)) <= 0, 'dashboard fits');
        await screenshot(page, `phone-${scheme}-dashboard`);

        await page.goto(`${server.base}/admin/accounts`);
        await page.getByTestId('accounts-table').waitFor();
        assert.ok((await horizontalOverflow(page)) <= 0, 'accounts fits');
        await screenshot(page, `phone-${scheme}-accounts`);

        await page.goto(`${server.base}/admin/collections/posts/records?account=${acme.id}`);
        await page.getByTestId('records-table').waitFor();
        assert.ok((await horizontalOverflow(page)) <= 0, 'records fits (the table scrolls in its box)');
        await screenshot(page, `phone-${scheme}-records`);

        await page.getByRole('button', { name: 'New record' }).click();
        await page.locator('#record-title').waitFor();
        assert.ok((await horizontalOverflow(page)) <= 0, 'record dialog fits');
        await screenshot(page, `phone-${scheme}-record-form`);
        await page.keyboard.press('Escape');

        await page.goto(`${server.base}/admin/collections/new`);
        await page.locator('#schema-0-name').waitFor();
        assert.ok((await horizontalOverflow(page)) <= 0, 'builder fits');
        await screenshot(page, `phone-${scheme}-builder`);

        await page.getByRole('button', { name: 'Open menu' }).click();
        await page.getByRole('dialog').getByRole('link', { name: 'Users' }).click();
        await page.waitForURL(/\/admin\/users$/);
        await page.getByTestId('users-table').waitFor();
        assert.ok((await horizontalOverflow(page)) <= 0, 'users fits');
        await screenshot(page, `phone-${scheme}-users`);
        assert.deepEqual(b.problems, []);
      } finally {
        await b.close();
      }
    });
  }

  test('the theme toggle switches to dark mode and remembers it', async () => {
    const b = await launchBrowser();
    try {
      const { page } = b;
      await uiLogin(page, server.base);
      await page.getByRole('button', { name: 'Switch to dark mode' }).click();
      assert.equal(await page.evaluate(() => document.documentElement.classList.contains('dark')), true);
      await page.reload();
      await page.getByTestId('stat-accounts-value').waitFor();
      assert.equal(await page.evaluate(() => document.documentElement.classList.contains('dark')), true);
      await screenshot(page, 'desktop-dark-dashboard');
      await page.goto(`${server.base}/admin/collections/posts/records?account=${acme.id}`);
      await page.getByTestId('records-table').waitFor();
      await screenshot(page, 'desktop-dark-records');
    } finally {
      await b.close();
    }
  });
});
