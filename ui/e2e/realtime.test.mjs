// Realtime in the admin UI: a records page shows changes made through the API
// (not the UI) without a reload, says it is connected, reconnects after a
// drop and resumes where it stopped (`since`); the superadmin's inspector lists
// the page's own connection with its subscription, and forgets it once the
// page is left.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiClient, launchBrowser, navTo, ROOT_EMAIL, screenshot, startServer, uiLogin } from './lib/harness.mjs';

const WS = /\/api\/v1\/realtime\/ws/;

async function waitState(page, state) {
  try {
    await page.locator(`[data-testid=realtime-status][data-state=${state}]`).waitFor();
  } catch (e) {
    const now = await page.getByTestId('realtime-status').getAttribute('data-state').catch(() => null);
    throw new Error(`realtime indicator is ${now}, expected ${state}: ${e.message}`);
  }
}

const row = (page, id) => page.locator(`[data-testid=records-table] tbody tr[data-record-id="${id}"]`);
const title = (page, id) => row(page, id).locator('td[data-col=title]');

describe('realtime in the admin UI', () => {
  let server;
  let api;
  let acme;
  let recordsUrl;

  before(async () => {
    server = await startServer();
    api = apiClient(server.base);
    await api.login();
    acme = await api.post('/accounts', { name: 'Acme', slug: 'acme' });
    await api.post('/collections', {
      name: 'posts',
      schema: [
        { name: 'title', type: 'text', required: true },
        { name: 'views', type: 'number' },
      ],
    });
    await api.post('/records/posts', { title: 'Already there', views: 1 }, { 'X-Account-ID': acme.id });
    recordsUrl = `${server.base}/admin/collections/posts/records?account=${acme.id}`;
  });
  after(async () => {
    await server?.stop();
  });


  test('records page: rows created, changed and deleted through the API show up live', async () => {
    const b = await launchBrowser();
    const { page } = b;
    try {
      await uiLogin(page, server.base);
      await page.goto(recordsUrl);
      await title(page, (await api.get('/records/posts?limit=1', { 'X-Account-ID': acme.id })).items[0].id).waitFor();
      await waitState(page, 'connected');
      assert.equal(await page.getByTestId('realtime-status').textContent(), 'Live');
      // Anything that reloads the document would lose this.
      await page.evaluate(() => {
        window.__noReload = true;
      });

      const created = await api.post('/records/posts', { title: 'Made elsewhere', views: 2 }, { 'X-Account-ID': acme.id });
      await title(page, created.id).filter({ hasText: 'Made elsewhere' }).waitFor();
      await screenshot(page, 'realtime-created');

      await api.patch(`/records/posts/${created.id}`, { title: 'Edited elsewhere' }, { 'X-Account-ID': acme.id });
      await title(page, created.id).filter({ hasText: 'Edited elsewhere' }).waitFor();

      await api.del(`/records/posts/${created.id}`, undefined, { 'X-Account-ID': acme.id });
      await row(page, created.id).waitFor({ state: 'detached' });
      assert.equal(await page.locator('[data-testid=records-table] tbody tr').count(), 1);

      // Another account's change is not this page's.
      const other = await api.post('/records/posts', { title: 'Superadmin own' });
      await page.waitForTimeout(700);
      assert.equal(await row(page, other.id).count(), 0);

      assert.equal(await page.evaluate(() => window.__noReload), true, 'the page was not reloaded');
      await waitState(page, 'connected');
      assert.deepEqual(b.problems, []);
    } finally {
      await b.close();
    }
  });

  test('records page: after a dropped connection it reconnects and replays what it missed', async () => {
    const b = await launchBrowser();
    const { page, context } = b;
    let refuse = false;
    const fromPage = [];
    const toPage = [];
    let live = null;
    let liveUpstream = null;
    await context.routeWebSocket(WS, (ws) => {
      if (refuse) {
        // The server is "away": accept, then drop at once.
        setTimeout(() => ws.close({ code: 1011, reason: 'away' }), 50);
        return;
      }
      const upstream = ws.connectToServer();
      ws.onMessage((m) => {
        fromPage.push(JSON.parse(m));
        upstream.send(m);
      });
      upstream.onMessage((m) => {
        toPage.push(JSON.parse(m));
        ws.send(m);
      });
      live = ws;
      liveUpstream = upstream;
    });
    try {
      await uiLogin(page, server.base);
      await page.goto(recordsUrl);
      await waitState(page, 'connected');
      assert.deepEqual(fromPage, [{ action: 'subscribe', collection: 'posts' }]);
      const first = await api.post('/records/posts', { title: 'Before the drop' }, { 'X-Account-ID': acme.id });
      await title(page, first.id).waitFor();
      const seen = toPage.filter((m) => m.type === 'posts.create').at(-1);
      assert.equal(seen.data.id, first.id);

      refuse = true;
      await live.close({ code: 1012, reason: 'server restarting: reconnect' });
      await liveUpstream.close();
      await waitState(page, 'reconnecting');
      const missed = await api.post('/records/posts', { title: 'Made while away' }, { 'X-Account-ID': acme.id });
      await api.patch(`/records/posts/${first.id}`, { title: 'Changed while away' }, { 'X-Account-ID': acme.id });
      await page.waitForTimeout(800);
      assert.equal(await row(page, missed.id).count(), 0, 'nothing arrives while disconnected');
      await screenshot(page, 'realtime-reconnecting');

      refuse = false;
      await waitState(page, 'connected');
      await title(page, missed.id).filter({ hasText: 'Made while away' }).waitFor();
      await title(page, first.id).filter({ hasText: 'Changed while away' }).waitFor();
      const resumed = fromPage.at(-1);
      assert.deepEqual(resumed, { action: 'subscribe', collection: 'posts', since: seen.seq });
      // The server replayed the missed changes, in order, after the resumed subscription.
      const replayed = toPage.slice(toPage.findLastIndex((m) => m.type === 'subscribed')).filter((m) => m.type?.startsWith('posts.'));
      assert.deepEqual(
        replayed.map((m) => [m.type, m.data.id]),
        [
          ['posts.create', missed.id],
          ['posts.update', first.id],
        ],
      );
      assert.ok(replayed[0].seq > seen.seq && replayed[1].seq > replayed[0].seq);
      assert.deepEqual(b.problems, []);
    } finally {
      await b.close();
    }
  });

  test('inspector: lists the records page connection with its subscription, drops it when the page is left', async () => {
    const b = await launchBrowser();
    const { page, context } = b;
    try {
      await uiLogin(page, server.base);
      // Tab 1 shows the records, then leaves them through the sidebar.
      await page.goto(recordsUrl);
      await waitState(page, 'connected');
      // Tab 2 keeps a records page open.
      const other = await context.newPage();
      await other.goto(recordsUrl);
      await waitState(other, 'connected');

      await navTo(page, 'Realtime');
      await page.getByRole('heading', { name: 'Realtime' }).waitFor();
      const rows = page.locator('[data-testid=realtime-table] tbody tr');
      // Only tab 2's connection is left (tab 1 closed its socket on leaving), found by the auto-refresh.
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=realtime-table] tbody tr').length === 1, null, { timeout: 10_000 });
      const mine = rows.first();
      assert.equal(await mine.getAttribute('data-email'), ROOT_EMAIL);
      assert.equal(await mine.getAttribute('data-transport'), 'websocket');
      assert.equal(await mine.locator('[data-subscription]').count(), 1);
      assert.equal(await mine.locator('[data-subscription=posts]').textContent(), 'posts');
      assert.match(await mine.textContent(), new RegExp(acme.id));
      const perAccount = page.locator(`[data-testid=realtime-accounts] tbody tr[data-account="${acme.id}"] td`);
      assert.deepEqual((await perAccount.allTextContents()).slice(1), ['1', '1']);
      assert.match(await page.getByTestId('realtime-connections').textContent(), /^1 \/ \d+$/);
      await screenshot(page, 'realtime-inspector');

      // A change is counted as delivered to that connection.
      await api.post('/records/posts', { title: 'Counted' }, { 'X-Account-ID': acme.id });
      await page.waitForFunction(
        () => Number(document.querySelector('[data-testid=realtime-table] tbody tr td:nth-child(5)')?.textContent) >= 1,
        null,
        { timeout: 10_000 },
      );

      await other.close();
      await page.getByText('No realtime connections').waitFor({ timeout: 10_000 });
      assert.deepEqual(b.problems, []);
    } finally {
      await b.close();
    }
  });

  test('the inspector is the superadmin’s only', async () => {
    await api.post('/users', { email: 'ann@acme.example.com', password: 'Correct-Horse-42!', account_id: acme.id, role: 'admin' });
    const b = await launchBrowser();
    try {
      await uiLogin(b.page, server.base, { account: 'acme', email: 'ann@acme.example.com' });
      assert.equal(await b.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Realtime', exact: true }).count(), 0);
      await b.page.goto(`${server.base}/admin/realtime`);
      await b.page.getByTestId('forbidden').waitFor();
      // Their records page is live too, in their own account.
      await b.page.goto(`${server.base}/admin/collections/posts/records`);
      await waitState(b.page, 'connected');
      const created = await api.post('/records/posts', { title: 'For Ann' }, { 'X-Account-ID': acme.id });
      await title(b.page, created.id).waitFor();
    } finally {
      await b.close();
    }
  });
});
