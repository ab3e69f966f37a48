// The superadmin's Jobs page. A webhook points at a local port where nothing
// listens; a record change queues a delivery that fails twice
// (SNACKBASE_WEBHOOK_MAX_ATTEMPTS=2) and ends dead. Jobs (from the
// navigation) shows it dead with 2 / 2 attempts and the error, and counts it;
// the status filter lives in the URL; the detail shows the payload; Retry
// queues it again with its attempts reset, and it dies again. A backup shows
// up by itself (the page refreshes every 5 s) in the backups queue, completed.
// The API refuses what the page does not offer; account admins have no Jobs.

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { apiClient, horizontalOverflow, launchBrowser, navTo, PASSWORD, screenshot, startServer, toast, uiLogin } from './lib/harness.mjs';

/** A local port where nothing listens: opened, noted and closed again. */
async function closedPort() {
  const srv = net.createServer();
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

describe('Jobs page', () => {
  let server;
  let browser;
  let page;
  let api;
  let alpha;
  let hook;
  let jobId;

  before(async () => {
    server = await startServer({
      env: {
        SNACKBASE_WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'true',
        SNACKBASE_WEBHOOK_MAX_ATTEMPTS: '2',
        SNACKBASE_WEBHOOK_RETRY_BASE_MS: '200',
      },
    });
    api = apiClient(server.base);
    await api.login();
    alpha = await api.post('/accounts', { name: 'Alpha Media', slug: 'alpha' });
    await api.post('/users', { email: 'ann@alpha.example.com', password: PASSWORD, account_id: alpha.id, role: 'admin' });
    await api.post('/collections', { name: 'orders', schema: [{ name: 'title', type: 'text', required: true }] });
    const port = await closedPort();
    hook = await api.post('/webhooks', {
      account_id: alpha.id,
      url: `http://127.0.0.1:${port}/hook`,
      collection: 'orders',
      events: ['create'],
    });
    await api.post('/records/orders', { title: 'first order' }, { 'X-Account-ID': alpha.id });
    browser = await launchBrowser();
    page = browser.page;
    await uiLogin(page, server.base);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const rows = () => page.locator('[data-testid=jobs-table] tbody tr');
  const row = (id) => page.locator(`[data-testid=jobs-table] tbody tr[data-id="${id}"]`);
  const statusFilter = () => page.getByRole('combobox', { name: 'Status', exact: true });
  const queueFilter = () => page.getByRole('combobox', { name: 'Queue', exact: true });
  const listResponse = (check) =>
    page.waitForResponse((r) => {
      const u = new URL(r.url());
      return u.pathname === '/api/v1/admin/jobs' && r.request().method() === 'GET' && check(u.searchParams);
    });
  const statValue = (key) => page.getByTestId(`jobs-stat-${key}-value`);

  test('Jobs shows the failed delivery dead after 2 of 2 attempts, with its error', async () => {
    await navTo(page, 'Jobs');
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
    await page.getByTestId('jobs-stats').waitFor();

    const { items, total } = await api.get('/admin/jobs?queue=webhooks');
    assert.equal(total, 1);
    jobId = items[0].id;
    assert.match(jobId, /^webhook-/);
    assert.equal(items[0].handler, 'webhook.deliver');
    assert.equal(items[0].account_id, alpha.id);

    // Dead within about a second; the page refreshes itself, no reload.
    await page.locator(`[data-testid=jobs-table] tbody tr[data-id="${jobId}"][data-status=dead]`).waitFor({ timeout: 20_000 });
    assert.equal(await row(jobId).getAttribute('data-attempts'), '2');
    assert.equal(await row(jobId).getAttribute('data-queue'), 'webhooks');
    assert.equal(await row(jobId).getByTestId('job-attempts').innerText(), '2 / 2');
    const error = row(jobId).getByTestId('job-error');
    const message = (await error.innerText()).trim();
    assert.ok(message.length > 0, 'an error message');
    assert.equal(await error.getAttribute('title'), message, 'the whole message in the title');
    await row(jobId).getByText('webhook.deliver', { exact: true }).waitFor();
    await row(jobId).getByRole('link', { name: alpha.id }).waitFor();
    assert.equal(await row(jobId).getByRole('button', { name: `Retry ${jobId}` }).count(), 1);
    assert.equal(await row(jobId).getByRole('button', { name: `Cancel ${jobId}` }).count(), 0, 'a dead job is not cancelled');

    await statValue('dead').filter({ hasText: /^1$/ }).waitFor();
    await statValue('failure-rate').filter({ hasText: /^100%$/ }).waitFor();
    assert.equal(await statValue('pending').innerText(), '0');
    await screenshot(page, 'jobs-dead', { fullPage: true });
  });

  test('the status filter is set in the page and kept in the URL', async () => {
    await Promise.all([listResponse((q) => q.get('status') === 'dead'), statusFilter().selectOption('dead')]);
    await page.waitForURL((u) => u.searchParams.get('status') === 'dead');
    await row(jobId).waitFor();
    for (const s of await rows().evaluateAll((trs) => trs.map((tr) => tr.dataset.status))) assert.equal(s, 'dead');

    await page.reload();
    await row(jobId).waitFor();
    assert.equal(await statusFilter().inputValue(), 'dead');

    await Promise.all([listResponse((q) => q.get('queue') === 'backups'), queueFilter().selectOption('backups')]);
    await page.waitForURL((u) => u.searchParams.get('queue') === 'backups' && u.searchParams.get('status') === 'dead');
    await page.getByTestId('jobs-empty').getByText('No jobs match these filters').waitFor();

    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.waitForURL((u) => !u.searchParams.has('status') && !u.searchParams.has('queue'));
    await row(jobId).waitFor();
  });

  test('the detail shows every field and the payload', async () => {
    await row(jobId).getByRole('button', { name: `Details of ${jobId}` }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByTestId('job-detail').waitFor();
    await page.waitForURL((u) => u.searchParams.get('job') === jobId);
    assert.equal(await dialog.getByTestId('job-detail').getAttribute('data-status'), 'dead');
    const payload = JSON.parse(await dialog.getByTestId('job-detail-payload').locator('pre').innerText());
    assert.equal(payload.webhook_id, hook.id);
    assert.equal(payload.delivery_id, jobId.slice('webhook-'.length));
    assert.match(String(payload.event), /create/);
    assert.match(await dialog.getByTestId('job-detail-attempts').innerText(), /2 \/ 2$/);
    assert.ok((await dialog.getByTestId('job-detail-error').innerText()).length > 'Error'.length);
    await dialog.getByText(alpha.id).waitFor();
    await screenshot(page, 'jobs-detail');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.waitForURL((u) => !u.searchParams.has('job'));
  });

  test('Retry queues the delivery again with its attempts reset; it fails again', async () => {
    // Record what the row shows: with nothing listening the retried delivery
    // is dead again within a second, so the pending state does not last.
    await page.evaluate((id) => {
      window.__jobStates = [];
      const note = () => {
        const tr = document.querySelector(`[data-testid=jobs-table] tbody tr[data-id="${id}"]`);
        if (tr) window.__jobStates.push(`${tr.dataset.status}:${tr.dataset.attempts}`);
      };
      new MutationObserver(note).observe(document.body, {
        subtree: true,
        childList: true,
        attributes: true,
        attributeFilter: ['data-status', 'data-attempts'],
      });
    }, jobId);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/api/v1/admin/jobs/${jobId}/retry`) && r.request().method() === 'POST'),
      row(jobId).getByRole('button', { name: `Retry ${jobId}` }).click(),
    ]);
    assert.equal(response.status(), 200);
    const retried = await response.json();
    assert.equal(retried.id, jobId);
    assert.equal(retried.status, 'pending');
    assert.equal(retried.attempt_number, 0);
    assert.equal(retried.error_message, null);
    await toast(page, `Job ${jobId} queued again`);
    await page.waitForFunction(() => window.__jobStates.some((s) => /^(pending|retrying):[01]$/.test(s)));

    // It runs twice more and is dead again: 2 / 2 once more.
    await page.locator(`[data-testid=jobs-table] tbody tr[data-id="${jobId}"][data-status=dead][data-attempts="2"]`).waitFor({ timeout: 20_000 });
    const states = await page.evaluate(() => window.__jobStates);
    assert.ok(states.lastIndexOf('dead:2') > states.findIndex((s) => s.startsWith('pending')), states.join(' '));
    const again = await api.get(`/admin/jobs/${jobId}`);
    assert.equal(again.status, 'dead');
    assert.equal(again.attempt_number, 2);
  });

  test('a backup appears by itself in the backups queue, completed', async () => {
    const backup = await api.post('/admin/backups');
    const backupJob = `backup-${backup.id}`;
    // No reload and no click: the page refreshes every 5 s.
    await page.locator(`[data-testid=jobs-table] tbody tr[data-id="${backupJob}"][data-status=completed]`).waitFor({ timeout: 30_000 });

    await Promise.all([listResponse((q) => q.get('queue') === 'backups'), queueFilter().selectOption('backups')]);
    await page.waitForURL((u) => u.searchParams.get('queue') === 'backups');
    await row(backupJob).waitFor();
    for (const q of await rows().evaluateAll((trs) => trs.map((tr) => tr.dataset.queue))) assert.equal(q, 'backups');
    assert.equal(await row(backupJob).getAttribute('data-handler'), 'backup.create');
    assert.equal(await row(backupJob).getByTestId('job-attempts').innerText(), '1');
    await row(backupJob).getByText('system', { exact: true }).waitFor();
    assert.equal(await row(backupJob).getByRole('button', { name: `Retry ${backupJob}` }).count(), 0);
    assert.equal(await row(backupJob).getByRole('button', { name: `Cancel ${backupJob}` }).count(), 0);
    await statValue('completed').filter({ hasText: /^[1-9]\d*$/ }).waitFor();
    await screenshot(page, 'jobs-backups', { fullPage: true });

    const job = await api.get(`/admin/jobs/${backupJob}`);
    assert.equal(job.queue, 'backups');
    assert.equal(job.status, 'completed');
    assert.equal(job.payload.backup_id, backup.id);
    assert.equal(job.payload.file_name, backup.file_name);
    assert.equal(job.payload.trigger, 'manual');
    assert.ok(job.completed_at);
  });

  test('the API refuses what the page does not offer', async () => {
    await assert.rejects(api.del(`/admin/jobs/${jobId}`), / 400:/, 'a dead job is not cancelled');
    const { items } = await api.get('/admin/jobs?queue=backups');
    await assert.rejects(api.post(`/admin/jobs/${items[0].id}/retry`), / 400:/, 'a backup is not retried');
    await assert.rejects(api.get('/admin/jobs?status=stuck'), / 422:/);
    await assert.rejects(api.get('/admin/jobs?limit=101'), / 422:/);
    await assert.rejects(api.get('/admin/jobs/webhook-nope'), / 404:/);
    const stats = await api.get('/admin/jobs/stats');
    assert.equal(stats.dead, 1);
    assert.ok(stats.completed >= 1);
    assert.ok(stats.failure_rate > 0 && stats.failure_rate < 1, String(stats.failure_rate));
  });

  test('390 px: the page does not scroll sideways', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    await page.goto(`${server.base}/admin/jobs`);
    await row(jobId).waitFor();
    assert.ok((await horizontalOverflow(page)) <= 0);
    await screenshot(page, 'jobs-mobile', { fullPage: true });
    await row(jobId).getByRole('button', { name: `Details of ${jobId}` }).click();
    await page.getByRole('dialog').getByTestId('job-detail').waitFor();
    assert.ok((await horizontalOverflow(page)) <= 0);
    await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  test('an account admin has no Jobs, and the API refuses them', async () => {
    const ann = await launchBrowser();
    try {
      await uiLogin(ann.page, server.base, { account: 'alpha', email: 'ann@alpha.example.com' });
      const nav = ann.page.getByRole('navigation', { name: 'Main' });
      await nav.getByRole('link', { name: 'Users' }).waitFor();
      assert.equal(await nav.getByRole('link', { name: 'Jobs' }).count(), 0);
      await ann.page.goto(`${server.base}/admin/jobs`);
      await ann.page.getByTestId('forbidden').waitFor();
      const statuses = await ann.page.evaluate(async (id) => {
        const s = JSON.parse(localStorage.getItem('snackbase.session'));
        const headers = { Authorization: `Bearer ${s.token}` };
        const list = await fetch('/api/v1/admin/jobs', { headers });
        const stats = await fetch('/api/v1/admin/jobs/stats', { headers });
        const retry = await fetch(`/api/v1/admin/jobs/${id}/retry`, { method: 'POST', headers });
        return [list.status, stats.status, retry.status];
      }, jobId);
      assert.deepEqual(statuses, [403, 403, 403]);
    } finally {
      await ann.close();
    }
  });

  test('no errors in the page', () => {
    assert.deepEqual(browser.problems, []);
  });
});
