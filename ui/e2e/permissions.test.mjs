// Roles and the permission matrix: create a role, see the server refuse to
// delete a built-in one, give it an owner-only read rule through the matrix
// (a rule error shown at its position, then fixed; a save refused per cell),
// test the rule, and check that a user of the role sees only their records.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiClient, horizontalOverflow, launchBrowser, navTo, PASSWORD, screenshot, startServer, toast, uiLogin } from './lib/harness.mjs';

describe('roles and permissions', () => {
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
    await api.post('/collections', { name: 'notes', schema: [{ name: 'title', type: 'text', required: true }, { name: 'body', type: 'text' }] });
    browser = await launchBrowser();
    page = browser.page;
    await uiLogin(page, server.base);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const roleRow = (name) => page.locator(`[data-testid=roles-table] tbody tr[data-role="${name}"]`);

  test('create a role; the server refuses to delete a built-in one', async () => {
    await navTo(page, 'Roles');
    await roleRow('admin').waitFor();
    await page.getByRole('button', { name: 'New role' }).click();
    await page.locator('#role-name').fill('member');
    await page.locator('#role-description').fill('Members see their own notes');
    await page.getByRole('button', { name: 'Create' }).click();
    await toast(page, 'Role member created');
    await roleRow('member').waitFor();

    await roleRow('user').getByRole('button', { name: 'Actions for user' }).click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    await page.getByTestId('confirm-ok').click();
    await page.locator('[data-toast]').filter({ hasText: /built-in|cannot/i }).first().waitFor();
    await roleRow('user').waitFor();

    await roleRow('admin').getByRole('button', { name: 'Actions for admin' }).click();
    await page.getByRole('menuitem', { name: 'Edit' }).click();
    await page.locator('#role-name').fill('boss');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('dialog').getByRole('alert').waitFor();
    await page.keyboard.press('Escape');
    await screenshot(page, 'roles-list');
  });

  test('the matrix: a rule error at its position, fixed, and one atomic save', async () => {
    await roleRow('member').getByRole('link', { name: 'member' }).click();
    await page.getByRole('heading', { name: 'Permissions of member' }).waitFor();
    await page.getByTestId('perm-row-*').waitFor();
    const read = page.locator('#rule-notes-read');
    await read.fill('record.created_by & user.id');
    const err = page.getByTestId('rule-notes-read-error');
    await err.waitFor();
    const pos = Number(await err.getAttribute('data-position'));
    assert.ok(pos >= 17 && pos <= 19, `error at the "&" (got ${pos})`);
    await screenshot(page, 'matrix-rule-error');
    await read.fill('record.created_by == user.id');
    await page.getByTestId('cell-notes-read').getByText('valid').waitFor();
    assert.equal(await err.count(), 0);

    await page.locator('#rule-notes-create').fill('true');
    // A broken rule saved before validation answers: the whole save is refused,
    // and the server's error lands on its cell.
    await page.locator('#rule-notes-update').fill('record.title ==');
    await page.getByTestId('save-permissions').click();
    await page.getByTestId('rule-notes-update-error').waitFor();
    const before = await api.get(`/roles/${await roleId()}/permissions/matrix`);
    assert.equal(before.permissions.find((p) => p.collection === 'notes').read, null, 'nothing was saved');

    await page.locator('#rule-notes-update').fill('');
    await page.getByRole('button', { name: 'read fields of notes' }).click();
    await page.getByRole('checkbox', { name: 'All fields (*)' }).uncheck();
    await page.getByRole('checkbox', { name: 'title' }).check();
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'read fields of notes' }).filter({ hasText: '1 field' }).waitFor();
    await page.getByTestId('save-permissions').click();
    await toast(page, '2 permission changes saved');
    const after = await api.get(`/roles/${await roleId()}/permissions/matrix`);
    const notes = after.permissions.find((p) => p.collection === 'notes');
    assert.equal(notes.read.rule, 'record.created_by == user.id');
    assert.deepEqual(notes.read.fields, ['title']);
    assert.equal(notes.create.rule, 'true');
    assert.equal(notes.update, null);
  });

  test('the rule tester explains the result', async () => {
    await page.getByRole('button', { name: 'Test read rule of notes' }).click();
    await page.waitForFunction(() => document.querySelector('#tester-rule')?.value === 'record.created_by == user.id');
    await page.getByRole('button', { name: 'Run test' }).click();
    const result = page.getByTestId('rule-test-result');
    await result.getByText('Allowed', { exact: true }).waitFor();
    await page.locator('#tester-context').fill('{"user": {"id": "u1"}, "record": {"created_by": "u2"}}');
    await page.getByRole('button', { name: 'Run test' }).click();
    await result.getByText('Denied', { exact: true }).waitFor();
    await screenshot(page, 'matrix-tester', { fullPage: true });
  });

  test('390 px: the matrix does not scroll sideways', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    await page.reload();
    await page.getByTestId('perm-row-notes').waitFor();
    assert.ok((await horizontalOverflow(page)) <= 0);
    await screenshot(page, 'matrix-mobile');
    await navTo(page, 'Roles').catch(async () => {
      await page.goto(`${server.base}/admin/roles`);
    });
    await page.goto(`${server.base}/admin/roles`);
    await roleRow('member').waitFor();
    assert.ok((await horizontalOverflow(page)) <= 0);
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  test('a user of the role sees only their own records', async () => {
    for (const who of ['mia', 'max']) {
      await api.post('/users', { email: `${who}@acme.example.com`, password: PASSWORD, account_id: acme.id, role: 'member' });
      const u = apiClient(server.base);
      await u.login('acme', `${who}@acme.example.com`);
      await u.post('/records/notes', { title: `${who}'s note`, body: 'secret body' });
    }
    const mia = await launchBrowser();
    try {
      await uiLogin(mia.page, server.base, { account: 'acme', email: 'mia@acme.example.com' });
      await mia.page.goto(`${server.base}/admin/collections/notes/records`);
      const table = mia.page.getByTestId('records-table');
      await table.getByText("mia's note").waitFor();
      assert.equal(await table.getByText("max's note").count(), 0);
      assert.equal(await table.getByText('secret body').count(), 0, 'body is outside the read fields');
      await screenshot(mia.page, 'matrix-owner-only');
      assert.deepEqual(mia.problems.filter((p) => !/403/.test(p)), []);
    } finally {
      await mia.close();
    }
  });

  test('no errors in the page', () => {
    assert.deepEqual(browser.problems, []);
  });

  async function roleId() {
    const roles = await api.get('/roles');
    return roles.items.find((r) => r.name === 'member').id;
  }
});
