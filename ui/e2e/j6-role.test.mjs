// J6 (seed-ui.md §3.2): create role `editor`; in the matrix give `posts` read
// with rule `true` limited to the field `title`, and create with
// `@has_role("editor")`; save, reopen, check it persisted. Create an Acme user
// with role `editor` in the UI, then check enforcement through the real API
// with that user's own token: list returns only `title`, create is allowed,
// delete is 403, and a collection with no rule for the role is denied. The
// rule tester says Allowed for an admin context and Denied for a viewer one.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiClient, launchBrowser, navTo, PASSWORD, screenshot, startServer, toast, uiLogin } from './lib/harness.mjs';

/** A raw call with a token, returning the status and the parsed body. */
async function call(base, token, method, path, body) {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

describe('J6: role and permission enforced', () => {
  let server;
  let browser;
  let page;
  let api;
  let acme;
  let seeded;

  before(async () => {
    server = await startServer();
    api = apiClient(server.base);
    await api.login();
    acme = await api.post('/accounts', { name: 'Acme', slug: 'acme' });
    await api.post('/collections', {
      name: 'posts',
      schema: [
        { name: 'title', type: 'text', required: true },
        { name: 'body', type: 'text' },
      ],
    });
    await api.post('/collections', { name: 'secrets', schema: [{ name: 'code', type: 'text' }] });
    seeded = await api.post('/records/posts', { title: 'Hello', body: 'hidden body' }, { 'X-Account-ID': acme.id });
    await api.post('/records/secrets', { code: 'xyz' }, { 'X-Account-ID': acme.id });
    browser = await launchBrowser();
    page = browser.page;
    await uiLogin(page, server.base);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const roleRow = (name) => page.locator(`[data-testid=roles-table] tbody tr[data-role="${name}"]`);

  test('create the role, set read (title only) and create (@has_role), save, reopen', async () => {
    await navTo(page, 'Roles');
    await page.getByRole('button', { name: 'New role' }).click();
    await page.locator('#role-name').fill('editor');
    await page.getByRole('button', { name: 'Create' }).click();
    await toast(page, 'Role editor created');
    await roleRow('editor').getByRole('link', { name: 'editor' }).click();
    await page.getByRole('heading', { name: 'Permissions of editor' }).waitFor();

    await page.locator('#rule-posts-read').fill('true');
    await page.getByTestId('cell-posts-read').getByText('valid').waitFor();
    await page.getByRole('button', { name: 'read fields of posts' }).click();
    await page.getByRole('checkbox', { name: 'All fields (*)' }).uncheck();
    await page.getByRole('checkbox', { name: 'title' }).check();
    await page.keyboard.press('Escape');
    await page.locator('#rule-posts-create').fill('@has_role("editor")');
    await page.getByTestId('cell-posts-create').getByText('valid').waitFor();
    await page.getByTestId('save-permissions').click();
    await toast(page, '2 permission changes saved');

    // Reopen: leave the page and come back; the matrix shows what was stored.
    await navTo(page, 'Roles');
    await roleRow('editor').getByRole('link', { name: 'editor' }).click();
    await page.getByRole('heading', { name: 'Permissions of editor' }).waitFor();
    await page.waitForFunction(() => document.querySelector('#rule-posts-read')?.value === 'true');
    assert.equal(await page.locator('#rule-posts-create').inputValue(), '@has_role("editor")');
    assert.equal(await page.locator('#rule-posts-delete').inputValue(), '');
    await page.getByRole('button', { name: 'read fields of posts' }).filter({ hasText: '1 field' }).waitFor();
    assert.equal(await page.locator('#rule-secrets-read').inputValue(), '', 'no rule on secrets');
    await screenshot(page, 'j6-matrix-saved', { fullPage: true });
  });

  test('the rule tester: an admin context is Allowed, a viewer context Denied', async () => {
    const tester = page.getByTestId('rule-tester');
    await tester.locator('#tester-collection').selectOption('posts');
    await tester.locator('#tester-rule').fill('@has_role("admin")');
    const ctx = (role) => JSON.stringify({ user: { id: 'u1', email: 'u1@example.com', role, groups: [] }, account: { id: acme.id }, record: {} });
    await tester.locator('#tester-context').fill(ctx('admin'));
    await tester.getByRole('button', { name: 'Run test' }).click();
    const result = page.getByTestId('rule-test-result');
    await result.getByText('Allowed', { exact: true }).waitFor();
    await screenshot(page, 'j6-tester-allowed');
    await tester.locator('#tester-context').fill(ctx('viewer'));
    await tester.getByRole('button', { name: 'Run test' }).click();
    await result.getByText('Denied', { exact: true }).waitFor();
    await screenshot(page, 'j6-tester-denied');
  });

  test('an Acme user with role editor, created in the UI', async () => {
    await navTo(page, 'Users');
    await page.getByRole('button', { name: 'New user' }).click();
    await page.locator('#user-email').fill('eddie@acme.example.com');
    await page.locator('#user-password').fill(PASSWORD);
    await page.locator('#user-confirm').fill(PASSWORD);
    await page.locator('#user-account').selectOption(acme.id);
    await page.locator('#user-role').selectOption('editor');
    await page.getByRole('button', { name: 'Create user' }).click();
    await toast(page, 'User eddie@acme.example.com created');
    await page.locator('[data-testid=users-table] tr[data-email="eddie@acme.example.com"]').getByText('editor').waitFor();
    await screenshot(page, 'j6-editor-user');
  });

  test('the API enforces it for that user', async () => {
    const login = await fetch(`${server.base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ account: 'acme', email: 'eddie@acme.example.com', password: PASSWORD }),
    });
    assert.equal(login.status, 200);
    const { token, user } = await login.json();
    assert.equal(user.role, 'editor');

    const list = await call(server.base, token, 'GET', '/records/posts');
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.equal(list.body.items.length, 1);
    const [post] = list.body.items;
    assert.equal(post.title, 'Hello');
    assert.ok(!('body' in post), `only title among the fields: ${JSON.stringify(post)}`);

    const created = await call(server.base, token, 'POST', '/records/posts', { title: 'By the editor' });
    assert.equal(created.status, 201, JSON.stringify(created.body));

    const del = await call(server.base, token, 'DELETE', `/records/posts/${seeded.id}`);
    assert.equal(del.status, 403, JSON.stringify(del.body));
    assert.equal(del.body.error, 'forbidden');

    const secrets = await call(server.base, token, 'GET', '/records/secrets');
    assert.equal(secrets.status, 403, JSON.stringify(secrets.body));

    // Nothing was deleted; the editor's post is there for the superadmin.
    const all = await api.get('/records/posts?sort=created_at', { 'X-Account-ID': acme.id });
    assert.deepEqual(all.items.map((p) => p.title).sort(), ['By the editor', 'Hello']);
  });

  test('no errors in the page', () => {
    assert.deepEqual(browser.problems, []);
  });
});
