// Every page at 1280×800 and at a 390-wide phone: the page itself never
// scrolls sideways (tables may scroll inside their own box). The superadmin
// visits every page; an account admin visits theirs.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiClient, horizontalOverflow, launchBrowser, PASSWORD, screenshot, startServer, uiLogin } from './lib/harness.mjs';

const LONG = 'a-rather-long-name-that-could-push-a-layout-sideways';

/** Waits until the page has its heading and nothing is loading any more. */
async function settled(page) {
  await page.locator('main h1, h1').first().waitFor();
  await page.waitForFunction(
    () => ![...document.querySelectorAll('[role=status]')].some((el) => /Loading/.test(el.textContent ?? '')),
    null,
    { timeout: 10_000 },
  );
  await page.waitForTimeout(150);
}

describe('layout at desktop and phone widths', () => {
  let server;
  let acme;
  let roleId;
  let post;

  before(async () => {
    server = await startServer();
    const api = apiClient(server.base);
    await api.login();
    acme = await api.post('/accounts', { name: `Acme ${LONG}`, slug: 'acme' });
    await api.post('/users', { email: `ann.${LONG}@acme.example.com`, password: PASSWORD, account_id: acme.id, role: 'admin' });
    await api.post('/users', { email: 'ann@acme.example.com', password: PASSWORD, account_id: acme.id, role: 'admin' });
    await api.post('/collections', {
      name: 'posts',
      schema: [
        { name: 'title', type: 'text', required: true },
        { name: 'body', type: 'text' },
        { name: 'views', type: 'number' },
      ],
    });
    post = await api.post('/records/posts', { title: LONG.repeat(3), body: LONG, views: 1 }, { 'X-Account-ID': acme.id });
    const role = await api.post('/roles', { name: 'member' });
    roleId = role.id;
    await api.post('/groups', { name: LONG, account_id: acme.id });
    await fetch(`${server.base}/api/v1/${LONG}?q=${LONG}`);
  });
  after(async () => {
    await server?.stop();
  });

  const superadminPages = () => [
    ['dashboard', '/dashboard'],
    ['accounts', '/accounts'],
    ['account-detail', `/accounts/${acme.id}`],
    ['users', '/users'],
    ['groups', `/groups?account=${acme.id}`],
    ['invitations', `/invitations?account=${acme.id}`],
    ['collections', '/collections'],
    ['collection-new', '/collections/new'],
    ['collection-transfer', '/collections/transfer'],
    ['api-preview', '/collections/posts/api'],
    ['records-index', `/records?account=${acme.id}`],
    ['records', `/collections/posts/records?account=${acme.id}`],
    ['aggregate', `/collections/posts/aggregate?account=${acme.id}&functions=count(),sum(views)&group_by=title`],
    ['collection-rules', '/collections/posts/rules'],
    ['roles', '/roles'],
    ['role-matrix', `/roles/${roleId}`],
    ['macros', '/macros'],
    ['email-templates', '/email-templates'],
    ['email-logs', '/email-logs'],
    ['migrations', '/migrations'],
    ['webhooks', `/webhooks?account=${acme.id}`],
    ['logs', '/logs'],
    ['realtime', '/realtime'],
    ['storage', '/storage'],
    ['backups', '/backups'],
    ['jobs', '/jobs'],
    ['audit-logs', '/audit-logs'],
    ['audit-history', `/audit-logs/history?table_name=posts&record_id=${post.id}`],
    ['audit-settings', '/audit-logs/settings'],
    ['auth-providers', '/settings/auth-providers'],
    ['email-providers', '/settings/email-providers'],
    ['storage-providers', '/settings/storage-providers'],
  ];
  const accountAdminPages = [
    ['users', '/users'],
    ['groups', '/groups'],
    ['invitations', '/invitations'],
    ['records-index', '/records'],
    ['records', '/collections/posts/records'],
    ['aggregate', '/collections/posts/aggregate?functions=count()'],
    ['webhooks', '/webhooks'],
    ['audit-logs', '/audit-logs'],
    ['auth-providers', '/settings/auth-providers'],
    ['email-providers', '/settings/email-providers'],
  ];

  for (const [width, height] of [
    [1280, 800],
    [390, 800],
  ]) {
    test(`superadmin, ${width}×${height}: every page fits`, async () => {
      const b = await launchBrowser({ width, height });
      try {
        await uiLogin(b.page, server.base);
        const wide = [];
        for (const [name, path] of superadminPages()) {
          await b.page.goto(`${server.base}/admin${path}`);
          await settled(b.page);
          assert.equal(await b.page.getByTestId('forbidden').count(), 0, `${name} is allowed`);
          const overflow = await horizontalOverflow(b.page);
          if (overflow > 0) wide.push(`${name} (+${overflow}px)`);
          await screenshot(b.page, `layout-${width}-superadmin-${name}`);
        }
        assert.deepEqual(wide, [], 'pages that scroll sideways');
        assert.deepEqual(b.problems, []);
      } finally {
        await b.close();
      }
    });

    test(`account admin, ${width}×${height}: their pages fit`, async () => {
      const b = await launchBrowser({ width, height });
      try {
        await uiLogin(b.page, server.base, { account: 'acme', email: 'ann@acme.example.com' });
        const wide = [];
        for (const [name, path] of accountAdminPages) {
          await b.page.goto(`${server.base}/admin${path}`);
          await settled(b.page);
          assert.equal(await b.page.getByTestId('forbidden').count(), 0, `${name} is allowed`);
          const overflow = await horizontalOverflow(b.page);
          if (overflow > 0) wide.push(`${name} (+${overflow}px)`);
          await screenshot(b.page, `layout-${width}-account-admin-${name}`);
        }
        assert.deepEqual(wide, [], 'pages that scroll sideways');
        assert.deepEqual(b.problems, []);
      } finally {
        await b.close();
      }
    });
  }
});
