// Storage providers settings (the superadmin's only). The page shows the
// environment's storage in use and warns that switching does not move files.
// A relative directory is refused on its field; an absolute one in a fresh
// temporary directory passes the connection test, and adding it (confirmed,
// the confirmation saying uploads will go there) makes it the storage in use:
// a file uploaded through the API lands in that directory. Disabling and
// enabling it (each confirmed) switch back and forth; deleting it (confirmed)
// leaves the environment's storage in use and the uploaded file where it
// was. An account admin has no such page.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { apiClient, launchBrowser, navTo, PASSWORD, screenshot, startServer, toast, uiLogin } from './lib/harness.mjs';

// A 1×1 PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

/** Every file under `dir`, recursively. */
function filesUnder(dir) {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath ?? e.path, e.name));
}

describe('Storage providers', () => {
  let server;
  let api;
  let token;
  let browser;
  let page;
  let dir;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-storage-journey-'));
    server = await startServer();
    api = apiClient(server.base);
    ({ token } = await api.login());
    const acme = await api.post('/accounts', { name: 'Acme', slug: 'acme' });
    await api.post('/users', { email: 'ann@acme.example.com', password: PASSWORD, account_id: acme.id, role: 'admin' });
    browser = await launchBrowser();
    page = browser.page;
    await uiLogin(page, server.base);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const inUse = () => page.getByTestId('storage-in-use');
  const confirmDialog = () => page.getByTestId('storage-confirm');

  /** Confirms the storage change asked about; returns whether it said the storage switches. */
  async function confirmChange() {
    await confirmDialog().waitFor();
    await confirmDialog().getByTestId('storage-warning').getByText(/does not move files/).waitFor();
    const switches = await confirmDialog().getAttribute('data-switches');
    await page.getByTestId('confirm-ok').click();
    await confirmDialog().waitFor({ state: 'detached' });
    return switches === 'true';
  }

  async function upload() {
    const form = new FormData();
    form.append('file', new Blob([PNG], { type: 'image/png' }), 'dot.png');
    const res = await fetch(`${server.base}/api/v1/files/upload`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: form });
    assert.equal(res.status, 201, await res.text());
  }

  test('a local directory becomes the storage in use; deleted, the environment is back', async () => {
    await navTo(page, 'Storage providers');
    await page.waitForURL((u) => u.pathname === '/admin/settings/storage-providers');
    await page.getByText('No storage configured').waitFor();
    await page.locator('[data-testid=storage-in-use][data-source=environment]').waitFor();
    await page.locator('[data-testid=storage-in-use][data-backend=local]').waitFor();
    assert.match(await page.getByTestId('storage-in-use-source').innerText(), /environment/);
    await inUse().getByTestId('storage-warning').getByText(/not served until you switch back/).waitFor();
    assert.equal(await page.getByTestId('providers-scope').count(), 0, 'storage is system-wide only');

    await page.getByRole('button', { name: 'Add storage' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add storage' });
    await page.waitForFunction(() => document.querySelectorAll('#provider-kind option').length > 2);
    await dialog.locator('#provider-kind').selectOption('local');
    await dialog.locator('#provider-field-path').waitFor();
    await dialog.locator('#provider-display-name').fill('Journey disk');

    // A relative directory: refused on its field.
    await dialog.locator('#provider-field-path').fill('relative/files');
    await dialog.getByRole('button', { name: 'Add storage' }).click();
    assert.equal(await confirmChange(), true, 'adding the first storage switches to it');
    await dialog.locator('#provider-field-path-error').getByText(/absolute path/).waitFor();
    assert.deepEqual(await api.get('/admin/configuration/system?category=storage_providers'), []);

    await dialog.locator('#provider-field-path').fill(dir);
    await dialog.getByTestId('provider-test').click();
    await dialog.locator('[data-testid=provider-test-result][data-success=true]').waitFor();
    assert.match(await dialog.getByTestId('provider-test-result').innerText(), /stored, read back and deleted/);
    await screenshot(page, 'storage-providers-create');
    await dialog.getByRole('button', { name: 'Add storage' }).click();
    await confirmDialog().getByText(/New uploads will go to “Journey disk” instead of the environment's storage/).waitFor();
    await screenshot(page, 'storage-providers-confirm');
    await confirmChange();
    await toast(page, 'Storage added');
    await dialog.waitFor({ state: 'detached' });

    const [stored] = await api.get('/admin/configuration/system?category=storage_providers');
    assert.equal(stored.display_name, 'Journey disk');
    await page.locator(`[data-testid=storage-in-use][data-source="${stored.id}"]`).waitFor();
    assert.match(await page.getByTestId('storage-in-use-source').innerText(), /Journey disk/);
    await page.locator('[data-testid=providers-table] tbody tr[data-name="Journey disk"]').getByText('in use').waitFor();

    // Uploads now land in the configured directory.
    assert.deepEqual(filesUnder(dir), [], 'the connection test left nothing behind');
    await upload();
    const uploaded = filesUnder(dir);
    assert.equal(uploaded.length, 1, uploaded.join(', '));
    assert.equal(fs.statSync(uploaded[0]).size, PNG.length);
    await screenshot(page, 'storage-providers-in-use');

    // Disabled: the environment's storage again; enabled: this one.
    await page.getByRole('button', { name: 'Disable Journey disk' }).click();
    assert.equal(await confirmChange(), true);
    await toast(page, 'Journey disk disabled');
    await page.locator('[data-testid=storage-in-use][data-source=environment]').waitFor();
    await page.getByRole('button', { name: 'Enable Journey disk' }).click();
    assert.equal(await confirmChange(), true);
    await toast(page, 'Journey disk enabled');
    await page.locator(`[data-testid=storage-in-use][data-source="${stored.id}"]`).waitFor();

    await page.getByRole('button', { name: 'Delete Journey disk' }).click();
    await confirmDialog().getByText(/New uploads will go to the environment's storage/).waitFor();
    assert.equal(await confirmChange(), true);
    await toast(page, 'Storage deleted');
    await page.getByText('No storage configured').waitFor();
    await page.locator('[data-testid=storage-in-use][data-source=environment]').waitFor();
    assert.match(await page.getByTestId('storage-in-use-source').innerText(), /environment/);
    assert.equal((await api.get('/admin/storage')).backend, 'local');
    assert.deepEqual(filesUnder(dir), uploaded, 'files are not moved or deleted');
    await screenshot(page, 'storage-providers-environment');
  });

  test('an account admin has no storage providers page', async () => {
    await page.context().clearCookies();
    await page.evaluate(() => localStorage.clear());
    await uiLogin(page, server.base, { account: 'acme', email: 'ann@acme.example.com' });
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Email providers' }).waitFor();
    assert.equal(await nav.getByRole('link', { name: 'Storage providers' }).count(), 0);
    await page.goto(`${server.base}/admin/settings/storage-providers`);
    await page.getByTestId('forbidden').waitFor();
  });

  test('the pages logged no errors but the refused path', () => {
    assert.deepEqual(browser.problems.filter((p) => !/422/.test(p)), []);
  });
});
