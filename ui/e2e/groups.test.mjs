// Groups: the superadmin picks an account, creates a group and adds a member;
// the account's admin manages their own account's groups.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiClient, horizontalOverflow, launchBrowser, navTo, PASSWORD, screenshot, startServer, toast, uiLogin } from './lib/harness.mjs';

describe('groups', () => {
  let server;
  let browser;
  let page;
  let api;
  let acme;
  let bob;

  before(async () => {
    server = await startServer();
    api = apiClient(server.base);
    await api.login();
    acme = await api.post('/accounts', { name: 'Acme', slug: 'acme' });
    await api.post('/accounts', { name: 'Globex', slug: 'globex' });
    await api.post('/users', { email: 'ann@acme.example.com', password: PASSWORD, account_id: acme.id, role: 'admin' });
    bob = await api.post('/users', { email: 'bob@acme.example.com', password: PASSWORD, account_id: acme.id, role: 'user' });
    browser = await launchBrowser();
    page = browser.page;
    await uiLogin(page, server.base);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const group = (p, name) => p.locator(`[data-testid=groups-list] li[data-group="${name}"]`);

  test('the superadmin creates a group in an account and adds a member', async () => {
    await navTo(page, 'Groups');
    await page.getByTestId('account-picker').selectOption(acme.id);
    await page.getByText('No groups yet').waitFor();
    await page.getByRole('button', { name: 'New group' }).click();
    await page.locator('#group-name').fill('editors');
    await page.locator('#group-description').fill('Can edit posts');
    await page.getByRole('button', { name: 'Create' }).click();
    await toast(page, 'Group editors created');
    await group(page, 'editors').getByRole('button', { name: /^editors \d/ }).click();
    await page.getByLabel('User to add').selectOption({ label: 'bob@acme.example.com' });
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await toast(page, 'Member added');
    await page.getByTestId('members-list').getByText('bob@acme.example.com').waitFor();
    await group(page, 'editors').getByText('1 member').waitFor();
    await screenshot(page, 'groups-superadmin');
    const groups = await api.get(`/groups?account_id=${acme.id}`);
    assert.deepEqual(groups.map((g) => g.name), ['editors']);
  });

  test('the account admin manages their account’s groups', async () => {
    const ann = await launchBrowser({ width: 390, height: 800 });
    try {
      const p = ann.page;
      await uiLogin(p, server.base, { account: 'acme', email: 'ann@acme.example.com' });
      await p.goto(`${server.base}/admin/groups`);
      await group(p, 'editors').waitFor();
      assert.equal(await p.getByTestId('account-picker').count(), 0);
      await p.getByRole('button', { name: 'New group' }).click();
      await p.locator('#group-name').fill('reviewers');
      await p.getByRole('button', { name: 'Create' }).click();
      await toast(p, 'Group reviewers created');
      await group(p, 'reviewers').getByRole('button', { name: /^reviewers \d/ }).click();
      await p.getByLabel('User to add').selectOption({ label: 'bob@acme.example.com' });
      await p.getByRole('button', { name: 'Add', exact: true }).click();
      await toast(p, 'Member added');
      await p.getByTestId('members-list').getByText('bob@acme.example.com').waitFor();

      await group(p, 'editors').getByRole('button', { name: /^editors \d/ }).click();
      await p.getByRole('button', { name: 'Remove bob@acme.example.com' }).click();
      await toast(p, 'bob@acme.example.com removed');
      await p.getByText('No members yet').waitFor();
      assert.ok((await horizontalOverflow(p)) <= 0);
      await screenshot(p, 'groups-account-admin-mobile');

      await group(p, 'reviewers').getByRole('button', { name: 'Edit reviewers' }).click();
      await p.locator('#group-name').fill('critics');
      await p.getByRole('button', { name: 'Save' }).click();
      await toast(p, 'Group critics saved');
      await group(p, 'critics').getByRole('button', { name: 'Delete critics' }).click();
      await p.getByTestId('confirm-ok').click();
      await toast(p, 'Group critics deleted');
      assert.deepEqual(ann.problems, []);
    } finally {
      await ann.close();
    }
  });

  test('no errors in the page', () => {
    assert.deepEqual(browser.problems, []);
  });
});
