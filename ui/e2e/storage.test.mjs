// The superadmin's Storage page. (a) Local disk: a user of an account uploads
// a file; Storage (from the navigation) shows the backend and its path, the
// limits, the account's row in the usage table with one file, and "Sweep
// now" reports its run in a toast and as the last run. Account admins have
// no Storage page and the API refuses them. (b) S3 (an endpoint nobody
// answers: the server does not contact S3 at start): the bucket and endpoint
// show, the access key only as the server's redacted text, the secret never;
// a sweep there fails and says so.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { apiClient, horizontalOverflow, launchBrowser, navTo, PASSWORD, screenshot, startServer, toast, uiLogin } from './lib/harness.mjs';

// A 1×1 PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');
const SECRET = 'very-secret-value-123';
const KEY_ID = 'AKIAEXAMPLEKEY';

describe('Storage page, local disk', () => {
  let server;
  let browser;
  let page;
  let api;
  let alpha;

  before(async () => {
    server = await startServer();
    api = apiClient(server.base);
    await api.login();
    alpha = await api.post('/accounts', { name: 'Alpha Media', slug: 'alpha' });
    await api.post('/users', { email: 'ann@alpha.example.com', password: PASSWORD, account_id: alpha.id, role: 'admin' });
    const ann = apiClient(server.base);
    const { token } = await ann.login('alpha', 'ann@alpha.example.com');
    const form = new FormData();
    form.append('file', new Blob([PNG], { type: 'image/png' }), 'dot.png');
    const res = await fetch(`${server.base}/api/v1/files/upload`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: form });
    assert.equal(res.status, 201, await res.text());
    browser = await launchBrowser();
    page = browser.page;
    await uiLogin(page, server.base);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const usageRow = () => page.locator(`[data-testid=storage-usage] tbody tr[data-account="${alpha.id}"]`);

  test('Storage shows the local backend, the limits and the usage per account', async () => {
    await navTo(page, 'Storage');
    await page.getByRole('heading', { name: 'Storage' }).waitFor();
    assert.equal(await page.getByTestId('storage-backend-kind').innerText(), 'Local disk');
    const shown = await page.getByTestId('storage-local-path').innerText();
    assert.ok(path.isAbsolute(shown), shown);
    assert.ok(shown.endsWith('/sb_data/files'), shown);
    assert.ok(shown.includes(path.basename(server.dir)), `${shown} is in ${server.dir}`);
    assert.equal(await page.getByTestId('storage-max-size').innerText(), '10 MiB');
    assert.equal(await page.getByTestId('storage-token-lifetime').innerText(), '3 min');
    await page.locator('[data-testid=storage-mime-types] [data-mime="image/png"]').waitFor();

    await usageRow().waitFor();
    assert.equal(await usageRow().getAttribute('data-files'), '1');
    assert.equal(await usageRow().getAttribute('data-bytes'), String(PNG.length));
    await usageRow().getByText('Alpha Media').waitFor();
    await usageRow().getByText(alpha.id, { exact: true }).waitFor();
    assert.equal(await page.getByTestId('storage-total-files').innerText(), '1');
    assert.equal(await page.getByTestId('storage-total-bytes').innerText(), `${PNG.length} B`);
    await screenshot(page, 'storage-local', { fullPage: true });
  });

  test('Sweep now reports its run and keeps a file inside the grace period', async () => {
    await page.getByRole('button', { name: 'Sweep now' }).click();
    await toast(page, 'Sweep done');
    const lastRun = page.getByTestId('storage-last-run');
    await lastRun.locator('[data-finished]').waitFor();
    assert.doesNotMatch(await lastRun.innerText(), /Not run yet|failed/);
    // The upload is younger than the grace period: still counted.
    await page.getByRole('button', { name: 'Refresh' }).click();
    await usageRow().waitFor();
    assert.equal(await usageRow().getAttribute('data-files'), '1');
    await screenshot(page, 'storage-swept');
    const info = await api.get('/admin/storage');
    assert.ok(info.sweeper.last_run, 'the server keeps the last run');
  });

  test('390 px: the page does not scroll sideways', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    await page.reload();
    await usageRow().waitFor();
    assert.ok((await horizontalOverflow(page)) <= 0);
    await screenshot(page, 'storage-mobile', { fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  test('an account admin has no Storage, and the API refuses them', async () => {
    const ann = await launchBrowser();
    try {
      await uiLogin(ann.page, server.base, { account: 'alpha', email: 'ann@alpha.example.com' });
      const nav = ann.page.getByRole('navigation', { name: 'Main' });
      await nav.getByRole('link', { name: 'Users' }).waitFor();
      assert.equal(await nav.getByRole('link', { name: 'Storage' }).count(), 0);
      await ann.page.goto(`${server.base}/admin/storage`);
      await ann.page.getByTestId('forbidden').waitFor();
      const statuses = await ann.page.evaluate(async () => {
        const s = JSON.parse(localStorage.getItem('snackbase.session'));
        const headers = { Authorization: `Bearer ${s.token}` };
        const get = await fetch('/api/v1/admin/storage', { headers });
        const sweep = await fetch('/api/v1/admin/storage/sweep', { method: 'POST', headers });
        return [get.status, sweep.status];
      });
      assert.deepEqual(statuses, [403, 403]);
    } finally {
      await ann.close();
    }
  });

  test('no errors in the page', () => {
    assert.deepEqual(browser.problems, []);
  });
});

describe('Storage page, S3', () => {
  let server;
  let browser;
  let page;

  before(async () => {
    server = await startServer({
      env: {
        SNACKBASE_STORAGE_BACKEND: 's3',
        SNACKBASE_STORAGE_S3_BUCKET: 'media',
        SNACKBASE_STORAGE_S3_ENDPOINT: 'http://127.0.0.1:9',
        SNACKBASE_STORAGE_S3_FORCE_PATH_STYLE: 'true',
        SNACKBASE_STORAGE_S3_ACCESS_KEY_ID: KEY_ID,
        SNACKBASE_STORAGE_S3_SECRET_ACCESS_KEY: SECRET,
      },
    });
    browser = await launchBrowser();
    page = browser.page;
    await uiLogin(page, server.base);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the bucket and endpoint show; the keys only as the server redacts them', async () => {
    await navTo(page, 'Storage');
    await page.getByRole('heading', { name: 'Storage' }).waitFor();
    assert.equal(await page.getByTestId('storage-backend-kind').innerText(), 'S3');
    assert.equal(await page.getByTestId('storage-s3-bucket').innerText(), 'media');
    assert.equal(await page.getByTestId('storage-s3-endpoint').innerText(), 'http://127.0.0.1:9');
    const keyId = await page.getByTestId('storage-s3-access-key').innerText();
    assert.ok(keyId.startsWith('AKIA') && keyId !== KEY_ID, keyId);
    const text = await page.locator('body').innerText();
    const html = await page.content();
    for (const s of [SECRET, KEY_ID]) {
      assert.ok(!text.includes(s), `the page shows ${s}`);
      assert.ok(!html.includes(s), `the page holds ${s}`);
    }
    await screenshot(page, 'storage-s3', { fullPage: true });
  });

  test('Sweep now against an S3 nobody answers reports the failure', async () => {
    // The server retries the listing for a few seconds, then answers 200 with the run's error.
    await page.getByRole('button', { name: 'Sweep now' }).click();
    await page.locator('[data-toast=error]').filter({ hasText: 'Sweep failed' }).waitFor({ timeout: 60_000 });
    await page.getByTestId('storage-last-run').getByText('failed', { exact: true }).waitFor();
    const text = await page.locator('body').innerText();
    assert.ok(!text.includes(SECRET) && !text.includes(KEY_ID), 'the error shows no key');
    await screenshot(page, 'storage-s3-sweep-failed');
  });

  test('390 px: the S3 settings fit', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    await page.reload();
    await page.getByTestId('storage-s3-bucket').waitFor();
    assert.ok((await horizontalOverflow(page)) <= 0);
    await screenshot(page, 'storage-s3-mobile', { fullPage: true });
  });

  test('no errors in the page', () => {
    assert.deepEqual(browser.problems, []);
  });
});
