// J7 (seed-ui.md §3.2): create a group in Acme, add a user, close and reopen
// it, and check the member is still listed. A rule with `@has_group(...)` then
// changes what the API returns: a member of the group reads the records, a
// non-member of the same role does not, and a change of membership counts at
// once.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiClient, launchBrowser, navTo, PASSWORD, screenshot, startServer, toast, uiLogin } from './lib/harness.mjs';

async function titlesFor(base, email) {
  const user = apiClient(base);
  await user.login('acme', email);
  const list = await user.get('/records/docs');
  return list.items.map((d) => d.title);
}

describe('J7: group', () => {
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
    await api.post('/collections', { name: 'docs', schema: [{ name: 'title', type: 'text', required: true }] });
    await api.post('/records/docs', { title: 'Draft plan' }, { 'X-Account-ID': acme.id });
    const role = await api.post('/roles', { name: 'member', description: 'Reads docs through a group' });
    await api.put(`/roles/${role.id}/permissions/bulk`, {
      updates: [{ collection: 'docs', operation: 'read', rule: '@has_group("reviewers")', fields: '*' }],
    });
    for (const who of ['bob', 'carl']) {
      await api.post('/users', { email: `${who}@acme.example.com`, password: PASSWORD, account_id: acme.id, role: 'member' });
    }
    browser = await launchBrowser();
    page = browser.page;
    await uiLogin(page, server.base);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const group = (name) => page.locator(`[data-testid=groups-list] li[data-group="${name}"]`);
  const members = () => page.getByTestId('members-list');

  test('before any group, the rule lets nobody read', async () => {
    assert.deepEqual(await titlesFor(server.base, 'bob@acme.example.com'), []);
    assert.deepEqual(await titlesFor(server.base, 'carl@acme.example.com'), []);
  });

  test('create the group in Acme, add bob, close and reopen: bob is still listed', async () => {
    await navTo(page, 'Groups');
    await page.getByTestId('account-picker').selectOption(acme.id);
    await page.getByRole('button', { name: 'New group' }).click();
    await page.locator('#group-name').fill('reviewers');
    await page.getByRole('button', { name: 'Create' }).click();
    await toast(page, 'Group reviewers created');
    await group('reviewers').getByRole('button', { name: /^reviewers \d/ }).click();
    await page.getByLabel('User to add').selectOption({ label: 'bob@acme.example.com' });
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await toast(page, 'Member added');
    await members().getByText('bob@acme.example.com').waitFor();

    // Close (leave the page) and reopen the group from a fresh load.
    await navTo(page, 'Records');
    await navTo(page, 'Groups');
    await page.reload();
    await group('reviewers').getByText('1 member').waitFor();
    await group('reviewers').getByRole('button', { name: /^reviewers \d/ }).click();
    await members().locator('li[data-email="bob@acme.example.com"]').waitFor();
    assert.equal(await members().locator('li').count(), 1);
    await screenshot(page, 'j7-group-members');
  });

  test('@has_group changes what the API returns, member against non-member', async () => {
    assert.deepEqual(await titlesFor(server.base, 'bob@acme.example.com'), ['Draft plan']);
    assert.deepEqual(await titlesFor(server.base, 'carl@acme.example.com'), []);
  });

  test('moving the membership from bob to carl moves the access', async () => {
    await page.getByRole('button', { name: 'Remove bob@acme.example.com' }).click();
    await toast(page, 'bob@acme.example.com removed');
    await page.getByLabel('User to add').selectOption({ label: 'carl@acme.example.com' });
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await toast(page, 'Member added');
    await members().locator('li[data-email="carl@acme.example.com"]').waitFor();
    assert.deepEqual(await titlesFor(server.base, 'bob@acme.example.com'), []);
    assert.deepEqual(await titlesFor(server.base, 'carl@acme.example.com'), ['Draft plan']);
    await screenshot(page, 'j7-membership-moved');
  });

  test('no errors in the page', () => {
    assert.deepEqual(browser.problems, []);
  });
});
