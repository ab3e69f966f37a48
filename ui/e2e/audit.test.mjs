// Audit trail (issue 17): a record created and updated through the API shows
// on the Audit logs page, filtered by its collection (the filter in the URL);
// its history shows the update's old and new value; Verify reports the chain
// intact; the CSV export downloads with its signature line; the dashboard
// lists a recent entry; an account admin sees their own account's trail.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { apiClient, launchBrowser, navTo, screenshot, startServer, uiLogin } from './lib/harness.mjs';

describe('audit trail', () => {
  let server;
  let browser;
  let page;
  let api;
  let acme;
  let note;

  before(async () => {
    server = await startServer();
    api = apiClient(server.base);
    await api.login();
    acme = await api.post('/accounts', { name: 'Acme', slug: 'acme' });
    await api.post('/collections', { name: 'notes', schema: [{ name: 'title', type: 'text' }] });
    const h = { 'X-Account-ID': acme.id };
    note = await api.post('/records/notes', { title: 'First draft' }, h);
    await api.patch(`/records/notes/${note.id}`, { title: 'Second draft' }, h);
    browser = await launchBrowser();
    page = browser.page;
    await uiLogin(page, server.base);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const rows = () => page.locator('[data-testid=audit-table] tbody tr');

  /** Refreshes until the table shows a row matching `selector`. */
  async function waitForRow(selector) {
    const deadline = Date.now() + 15_000;
    while ((await page.locator(`[data-testid=audit-table] tbody ${selector}`).count()) === 0) {
      if (Date.now() > deadline) {
        await screenshot(page, 'failed-audit-row');
        throw new Error(`no audit row ${selector}`);
      }
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.waitForTimeout(200);
    }
  }

  test('the API agrees with the contract before the UI is checked', async () => {
    const list = await api.get(`/audit-logs?table_name=notes&record_id=${encodeURIComponent(note.id)}`);
    assert.equal(list.audit_logging_enabled, true);
    const ops = new Set(list.items.map((e) => e.operation));
    assert.ok(ops.has('CREATE') && ops.has('UPDATE'), `operations: ${[...ops]}`);
  });

  test('filtering by the collection keeps the filter in the URL and shows CREATE and UPDATE', async () => {
    await navTo(page, 'Audit logs');
    await page.getByRole('heading', { name: 'Audit logs' }).waitFor();
    await page.getByLabel('Table', { exact: true }).fill('notes');
    await page.waitForURL(/[?&]table_name=notes(&|$)/);
    await waitForRow('tr[data-operation=UPDATE]');
    await page.waitForFunction(() => {
      const trs = [...document.querySelectorAll('[data-testid=audit-table] tbody tr')];
      return trs.length > 0 && trs.every((tr) => tr.dataset.table === 'notes');
    });
    const ops = await rows().evaluateAll((trs) => trs.map((tr) => tr.dataset.operation));
    assert.ok(ops.includes('CREATE'), `CREATE among ${ops}`);
    assert.ok(ops.includes('UPDATE'), `UPDATE among ${ops}`);
    const update = page.locator('[data-testid=audit-table] tbody tr[data-operation=UPDATE][data-column=title]').first();
    await update.getByText('First draft').waitFor();
    await update.getByText('Second draft').waitFor();
    await screenshot(page, 'audit-filtered');

    // A linkable view: the same URL, loaded afresh, shows the same filter.
    await page.reload();
    assert.equal(await page.getByLabel('Table', { exact: true }).inputValue(), 'notes');
    await waitForRow('tr[data-operation=CREATE]');
  });

  test('an entry opens with every field, its checksum included', async () => {
    await page.locator('[data-testid=audit-table] tbody tr[data-operation=UPDATE][data-column=title]').first().click();
    await page.waitForURL(/[?&]entry=\d+/);
    const detail = page.getByTestId('audit-detail');
    await detail.waitFor();
    assert.match(await page.getByTestId('audit-detail-checksum').innerText(), /[0-9a-f]{64}/);
    await page.getByTestId('audit-detail-old').getByText('First draft').waitFor();
    await page.getByTestId('audit-detail-new').getByText('Second draft').waitFor();
    await screenshot(page, 'audit-detail');
    await page.keyboard.press('Escape');
    await detail.waitFor({ state: 'detached' });
    assert.doesNotMatch(page.url(), /[?&]entry=/);
  });

  test("the record's history shows the update's old and new values", async () => {
    await page.getByRole('link', { name: `History of notes ${note.id}` }).first().click();
    await page.waitForURL((u) => u.pathname.endsWith('/audit-logs/history') && u.searchParams.get('record_id') === String(note.id));
    assert.equal(new URL(page.url()).searchParams.get('table_name'), 'notes');
    const timeline = page.getByTestId('audit-timeline');
    await timeline.waitFor();
    const update = timeline.locator('[data-testid=audit-change][data-operation=UPDATE]');
    assert.equal(await update.count(), 1, 'one update, however many columns it touched');
    const title = update.locator('tr[data-column=title]');
    assert.equal((await title.getByTestId('audit-diff-old').innerText()).trim(), 'First draft');
    assert.equal((await title.getByTestId('audit-diff-new').innerText()).trim(), 'Second draft');
    assert.equal(await timeline.locator('[data-testid=audit-change][data-operation=CREATE]').count(), 1);
    await timeline.locator('[data-testid=audit-change][data-operation=CREATE] tr[data-column=title]').getByText('First draft').waitFor();
    await screenshot(page, 'audit-history');
  });

  test("a record's actions in the records browser open its audit history", async () => {
    await page.goto(`${server.base}/admin/collections/notes/records?account=${acme.id}`);
    await page.locator('[aria-label^="Actions for record"]').first().click();
    await page.getByRole('menuitem', { name: 'Audit history' }).click();
    await page.waitForURL((u) => u.pathname.endsWith('/audit-logs/history') && u.searchParams.get('record_id') === String(note.id));
    await page.getByTestId('audit-timeline').locator('[data-testid=audit-change][data-operation=UPDATE]').waitFor();
  });

  test('Verify reports the chains intact', async () => {
    await navTo(page, 'Audit logs');
    await page.getByRole('button', { name: 'Verify chain' }).click();
    const report = page.getByTestId('audit-verify');
    await report.waitFor();
    assert.equal(await report.getAttribute('data-ok'), 'true');
    const chains = await report.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.ok));
    assert.ok(chains.length >= 1, 'at least one chain');
    assert.ok(chains.every((ok) => ok === 'true'), `chains: ${chains}`);
    await report.getByText('OK', { exact: true }).first().waitFor();
    await screenshot(page, 'audit-verify');
  });

  test('the CSV export downloads with a header row and its signature', async () => {
    await page.getByLabel('Table', { exact: true }).fill('notes');
    await page.waitForURL(/[?&]table_name=notes(&|$)/);
    await waitForRow('tr[data-operation=UPDATE]');
    const [download, response] = await Promise.all([
      page.waitForEvent('download'),
      page.waitForResponse((r) => r.url().includes('/api/v1/audit-logs/export') && r.url().includes('format=csv')),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    assert.equal(response.status(), 200);
    assert.match(response.headers()['content-type'] ?? '', /text\/csv/);
    assert.match(response.url(), /table_name=notes/);
    const text = fs.readFileSync(await download.path(), 'utf8');
    const lines = text.split(/\r?\n/).filter((l) => l !== '');
    assert.ok(lines.length >= 3, `header, rows and signature: ${lines.length} lines`);
    assert.ok(!lines[0].startsWith('#') && lines[0].includes(','), `a header row: ${lines[0]}`);
    assert.match(lines[0], /operation/i);
    assert.ok(lines.some((l) => l.includes('Second draft')), 'the update is exported');
    assert.ok(lines.at(-1).startsWith('#signature,'), `last line: ${lines.at(-1)}`);
  });

  test('the dashboard shows a recent audit entry', async () => {
    await navTo(page, 'Dashboard');
    const card = page.getByTestId('recent-audit');
    await card.waitFor();
    await card.locator('tbody tr[data-table=notes]').first().waitFor();
    // Today's bar of the activity chart counts the changes made above.
    const today = new Date().toISOString().slice(0, 10);
    const bar = page.getByTestId('audit-activity').locator(`[data-date="${today}"]`);
    await bar.waitFor();
    assert.ok(Number(await bar.getAttribute('data-create')) >= 1, 'a create today');
    assert.ok(Number(await bar.getAttribute('data-update')) >= 1, 'an update today');
    assert.equal(await page.getByTestId('audit-activity').getByRole('listitem').count(), 7);
    await card.getByRole('link', { name: 'View all audit logs' }).click();
    await page.waitForURL(/\/admin\/audit-logs$/);
  });

  test("an account admin sees their account's trail, without the settings", async () => {
    await api.post('/users', { email: 'ann@acme.example.com', password: 'Correct-Horse-42!', account_id: acme.id, role: 'admin' });
    const ann = await launchBrowser();
    try {
      await uiLogin(ann.page, server.base, { account: 'acme', email: 'ann@acme.example.com', password: 'Correct-Horse-42!' });
      await navTo(ann.page, 'Audit logs');
      await ann.page.locator('[data-testid=audit-table] tbody tr[data-table=notes]').first().waitFor();
      assert.equal(await ann.page.getByRole('link', { name: 'Settings', exact: true }).count(), 0);
      assert.equal(await ann.page.getByLabel('Account', { exact: true }).count(), 0);
      assert.deepEqual(ann.problems, []);
    } finally {
      await ann.close();
    }
  });

  test('no errors in the page', () => {
    assert.deepEqual(browser.problems, []);
  });
});
