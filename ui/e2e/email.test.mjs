// The email section: a template previewed with sample values (unsaved edits
// included), test sends through a local SMTP sink (one delivered, one refused
// by the sink), both attempts in the email log with their status, the log
// filtered by status, and an entry's detail with the refusal and the token
// redacted. Without an SMTP server, a test send says so.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiClient, horizontalOverflow, launchBrowser, navTo, screenshot, startServer, toast, uiLogin } from './lib/harness.mjs';
import { startSmtpSink } from './lib/smtp-sink.mjs';

describe('email: preview, test sends and the email log', () => {
  let smtp;
  let server;
  let browser;
  let page;
  let api;

  before(async () => {
    smtp = await startSmtpSink();
    server = await startServer({ env: smtp.env() });
    api = apiClient(server.base);
    await api.login();
    browser = await launchBrowser();
    page = browser.page;
    await uiLogin(page, server.base);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await smtp?.close();
  });

  const card = () => page.getByTestId('template-invitation');
  const logRows = () => page.locator('[data-testid=email-logs-table] tbody tr');

  test('preview renders the template as edited, with the values given', async () => {
    await navTo(page, 'Email templates');
    await card().waitFor();
    await card().getByRole('button', { name: 'Preview' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('#preview-invitation-account_name').fill('Acme');
    await dialog.getByRole('button', { name: 'Render' }).click();
    await page.getByTestId('email-preview-subject').getByText('You are invited to Acme', { exact: true }).waitFor();
    await page.keyboard.press('Escape');

    // An unsaved subject is what the preview shows; nothing is saved.
    await page.locator('#tpl-invitation-subject').fill('Welcome aboard {{account_name}}');
    await card().getByRole('button', { name: 'Preview' }).click();
    await dialog.locator('#preview-invitation-account_name').fill('Globex');
    await dialog.getByRole('button', { name: 'Render' }).click();
    await page.getByTestId('email-preview-subject').getByText('Welcome aboard Globex', { exact: true }).waitFor();
    await screenshot(page, 'email-preview');
    await page.keyboard.press('Escape');
    const stored = (await api.get('/admin/email/templates')).find((t) => t.key === 'invitation');
    assert.equal(stored.subject, 'You are invited to {{account_name}}');
    await page.reload();
    await card().waitFor();
  });

  test('a test send is delivered, a refused one fails, and the result says so', async () => {
    await card().getByRole('button', { name: 'Send test' }).click();
    const dialog = page.getByRole('dialog');
    const recipient = dialog.locator('#test-invitation-recipient');
    await recipient.fill('not an address');
    await dialog.getByRole('button', { name: 'Send test' }).click();
    await dialog.locator('#test-invitation-recipient-error').getByText(/email address/).waitFor();

    await recipient.fill('dest@example.com');
    await dialog.locator('#test-invitation-account_name').fill('Acme');
    await dialog.locator('#test-invitation-token').fill('tok-secret-123');
    await dialog.getByRole('button', { name: 'Send test' }).click();
    await toast(page, 'Test email sent to dest@example.com');
    assert.equal(await page.getByTestId('test-email-result').getAttribute('data-status'), 'sent');
    assert.ok(smtp.messages.some((m) => m.includes('You are invited to Acme') && m.includes('tok-secret-123')), 'the sink got the message');

    await recipient.fill('reject@example.com');
    await dialog.getByRole('button', { name: 'Send test' }).click();
    await page.locator('[data-testid=test-email-result][data-status=failed]').waitFor();
    await screenshot(page, 'email-test-failed');
    assert.equal(smtp.messages.filter((m) => m.includes('reject@example.com')).length, 0);
    await page.keyboard.press('Escape');
  });

  test('the email log lists both attempts, filters by status and shows an entry', async () => {
    await page.getByRole('navigation', { name: 'Email' }).getByRole('link', { name: 'Email log' }).click();
    await page.waitForURL(/\/admin\/email-logs$/);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=email-logs-table] tbody tr').length === 2);
    const byRecipient = await logRows().evaluateAll((trs) => trs.map((tr) => `${tr.dataset.recipient}:${tr.dataset.status}`));
    // Newest first.
    assert.deepEqual(byRecipient, ['reject@example.com:failed', 'dest@example.com:sent']);
    await screenshot(page, 'email-logs');

    await page.getByLabel('Status').selectOption('failed');
    await page.waitForURL(/status=failed/);
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid=email-logs-table] tbody tr')];
      return rows.length === 1 && rows[0].dataset.status === 'failed';
    });
    await page.getByLabel('Status').selectOption('sent');
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid=email-logs-table] tbody tr')];
      return rows.length === 1 && rows[0].dataset.recipient === 'dest@example.com';
    });
    // A day range that ends before today holds nothing.
    await page.getByLabel('Status').selectOption('');
    await page.getByLabel('To (day, included)').fill('2020-01-01');
    await page.getByText('No messages match these filters').waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=email-logs-table] tbody tr').length === 2);

    await page.getByRole('link', { name: 'Details of the message to reject@example.com' }).click();
    const detail = page.getByTestId('email-log-detail');
    await detail.waitFor();
    assert.equal(await detail.getAttribute('data-status'), 'failed');
    await page.getByTestId('email-log-error').getByText(/550|refused/i).waitFor();
    const variables = JSON.parse(await page.getByTestId('email-log-variables').innerText());
    assert.equal(variables.token, '[redacted]');
    assert.equal(variables.account_name, 'Acme');
    assert.equal(await page.getByText('tok-secret-123').count(), 0, 'the token is not shown');
    await screenshot(page, 'email-log-detail');

    // The detail has its own URL: a reload shows it again.
    const id = page.url().split('/').pop();
    await page.reload();
    await page.getByTestId('email-log-detail').waitFor();
    const fromApi = await api.get(`/admin/email/logs/${id}`);
    assert.equal(fromApi.recipient_email, 'reject@example.com');
    assert.equal(fromApi.status, 'failed');
  });

  test('390 px: the email log and an entry do not scroll sideways', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    await page.goto(`${server.base}/admin/email-logs`);
    await logRows().first().waitFor();
    assert.ok((await horizontalOverflow(page)) <= 0);
    await page.goto(`${server.base}/admin/email-templates`);
    await card().waitFor();
    assert.ok((await horizontalOverflow(page)) <= 0);
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  test('no errors in the page', () => {
    assert.deepEqual(browser.problems, []);
  });
});

describe('email: a test send without an SMTP server', () => {
  let server;
  let browser;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    await uiLogin(browser.page, server.base);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the dialog says no SMTP server is configured, and nothing is logged', async () => {
    const page = browser.page;
    await page.goto(`${server.base}/admin/email-templates`);
    await page.getByTestId('template-invitation').getByRole('button', { name: 'Send test' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('#test-invitation-recipient').fill('dest@example.com');
    await dialog.getByRole('button', { name: 'Send test' }).click();
    await dialog.getByText(/No SMTP server is configured/).waitFor();
    await page.keyboard.press('Escape');
    await navTo(page, 'Email log');
    await page.getByText('No email sent yet').waitFor();
    assert.deepEqual(browser.problems.filter((p) => !/422/.test(p)), []);
  });
});
