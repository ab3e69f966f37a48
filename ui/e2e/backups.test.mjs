// The superadmin's Backups page. Backups (from the navigation) shows the
// settings (SQLite: the database is included) and no backups yet. "Back up
// now" starts one (202, running); the page polls until its row is completed
// and verified, with its size and the one stored file. The archive downloads
// and starts with zstd's magic bytes; deleting it, once confirmed, brings
// the empty state back. Account admins have no Backups page and the API
// refuses them.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { apiClient, horizontalOverflow, launchBrowser, navTo, PASSWORD, screenshot, startServer, toast, uiLogin } from './lib/harness.mjs';

// A 1×1 PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');
const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

describe('Backups page', () => {
  let server;
  let browser;
  let page;
  let api;
  let backupId;

  before(async () => {
    server = await startServer({ env: { SNACKBASE_BACKUP_KEEP: '3' } });
    api = apiClient(server.base);
    await api.login();
    const alpha = await api.post('/accounts', { name: 'Alpha Media', slug: 'alpha' });
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

  const row = () => page.locator(`[data-testid=backups-table] tbody tr[data-id="${backupId}"]`);

  test('Backups shows the settings and that there are no backups yet', async () => {
    await navTo(page, 'Backups');
    await page.getByRole('heading', { name: 'Backups' }).waitFor();
    await page.getByTestId('backups-empty').getByText('No backups yet').waitFor();
    const dir = await page.getByTestId('backups-directory').innerText();
    assert.match(dir, /sb_data\/backups$/);
    assert.equal(await page.getByTestId('backups-destination').innerText(), 'Local directory');
    assert.equal(await page.getByTestId('backups-schedule').innerText(), 'Not scheduled');
    assert.equal(await page.getByTestId('backups-keep').innerText(), 'The newest 3');
    assert.equal(await page.getByTestId('backups-database').innerText(), 'Included');
    assert.equal(await page.getByTestId('backups-no-database').count(), 0, 'SQLite: no pg_dump notice');
    assert.equal(await page.getByRole('button', { name: 'Back up now' }).isEnabled(), true);
    await screenshot(page, 'backups-empty', { fullPage: true });
  });

  test('Back up now runs a backup until it is completed and verified', async () => {
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/admin/backups') && r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Back up now' }).click(),
    ]);
    assert.equal(response.status(), 202);
    const started = await response.json();
    assert.equal(started.status, 'running');
    assert.equal(started.trigger, 'manual');
    assert.equal(started.file_name, `${started.id}.tar.zst`);
    backupId = started.id;
    await toast(page, `Backup ${backupId} started`);

    // The page polls the list while the backup runs; no reload here.
    await page.locator(`[data-testid=backups-table] tbody tr[data-id="${backupId}"][data-status=completed]`).waitFor({ timeout: 60_000 });
    assert.equal(await row().getAttribute('data-verified'), 'true');
    await row().getByRole('img', { name: 'Verified' }).waitFor();
    assert.equal(await row().getByTestId('backup-error').count(), 0);
    await row().getByText('Manual', { exact: true }).waitFor();
    await row().getByText('completed', { exact: true }).waitFor();
    const size = await row().getByTestId('backup-size').innerText();
    assert.match(size, /^\d+(\.\d)? (B|KiB|MiB)$/, size);
    assert.ok(Number(await row().getAttribute('data-size')) > 0);
    assert.equal(await row().getByTestId('backup-files').innerText(), '1', 'the one stored file');
    assert.equal(await page.getByRole('button', { name: 'Back up now' }).isEnabled(), true);
    await screenshot(page, 'backups-completed', { fullPage: true });

    const one = await api.get(`/admin/backups/${backupId}`);
    assert.equal(one.status, 'completed');
    assert.equal(one.verified, true);
  });

  test('the archive downloads and is zstd', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      row().getByRole('button', { name: `Download ${backupId}` }).click(),
    ]);
    assert.equal(download.suggestedFilename(), `${backupId}.tar.zst`);
    const bytes = fs.readFileSync(await download.path());
    assert.deepEqual(bytes.subarray(0, 4), ZSTD_MAGIC, `starts with ${bytes.subarray(0, 4).toString('hex')}`);
    assert.equal(String(bytes.length), await row().getAttribute('data-size'));
    await toast(page, `Downloaded ${backupId}.tar.zst`);
  });

  test('390 px: the page does not scroll sideways', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    await page.reload();
    await row().waitFor();
    assert.ok((await horizontalOverflow(page)) <= 0);
    await screenshot(page, 'backups-mobile', { fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  test('Delete asks first, then the empty state is back', async () => {
    await row().getByRole('button', { name: `Delete ${backupId}` }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(`Delete the backup ${backupId}?`).waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    await row().waitFor();

    await row().getByRole('button', { name: `Delete ${backupId}` }).click();
    await screenshot(page, 'backups-delete-confirm');
    await page.getByTestId('confirm-ok').click();
    await toast(page, 'Backup deleted');
    await page.getByTestId('backups-empty').waitFor();
    assert.equal(await row().count(), 0);
    const list = await api.get('/admin/backups');
    assert.equal(list.total, 0);
    await assert.rejects(api.get(`/admin/backups/${backupId}`), / 404:/);
  });

  test('an account admin has no Backups, and the API refuses them', async () => {
    const ann = await launchBrowser();
    try {
      await uiLogin(ann.page, server.base, { account: 'alpha', email: 'ann@alpha.example.com' });
      const nav = ann.page.getByRole('navigation', { name: 'Main' });
      await nav.getByRole('link', { name: 'Users' }).waitFor();
      assert.equal(await nav.getByRole('link', { name: 'Backups' }).count(), 0);
      await ann.page.goto(`${server.base}/admin/backups`);
      await ann.page.getByTestId('forbidden').waitFor();
      const statuses = await ann.page.evaluate(async () => {
        const s = JSON.parse(localStorage.getItem('snackbase.session'));
        const headers = { Authorization: `Bearer ${s.token}` };
        const list = await fetch('/api/v1/admin/backups', { headers });
        const start = await fetch('/api/v1/admin/backups', { method: 'POST', headers });
        return [list.status, start.status];
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
