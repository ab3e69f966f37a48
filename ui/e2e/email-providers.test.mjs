// Email providers settings. The server starts with no SNACKBASE_SMTP_*
// variables; an SMTP sink (with AUTH PLAIN) runs beside it. The superadmin
// adds a system SMTP server pointing at the sink from a form made from its
// schema (the port a number input, the security a select): an out-of-range
// port is refused on the field, a wrong password fails the connection test,
// the right one passes it (the sink saw the login). Reopened, the password
// is only the mask, and testing from there uses the stored one (the `id` is
// sent). A test email from the Email templates page reaches the sink from the
// configured address; once the server is disabled, a test send says no SMTP
// server is configured. An account admin manages her account's servers
// only, and an internal host is refused for them.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiClient, launchBrowser, navTo, PASSWORD, screenshot, startServer, toast, uiLogin } from './lib/harness.mjs';
import { startSmtpSink } from './lib/smtp-sink.mjs';

const SECRET = 'journey-smtp-password-4c3b2a';
const FROM = 'noreply@journey.example.com';

describe('Email providers', () => {
  let smtp;
  let server;
  let api;
  let browser;
  let page;

  before(async () => {
    smtp = await startSmtpSink({ auth: true, password: SECRET });
    // No smtp.env(): mail has no server until one is configured in the UI.
    server = await startServer();
    api = apiClient(server.base);
    await api.login();
    const acme = await api.post('/accounts', { name: 'Acme', slug: 'acme' });
    await api.post('/users', { email: 'ann@acme.example.com', password: PASSWORD, account_id: acme.id, role: 'admin' });
    browser = await launchBrowser();
    page = browser.page;
    await uiLogin(page, server.base);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await smtp?.close();
  });

  const row = (name) => page.locator(`[data-testid=providers-table] tbody tr[data-name="${name}"]`);

  /** Sends the invitation template's test to dest@example.com; leaves the dialog open. */
  async function sendTest() {
    await navTo(page, 'Email templates');
    await page.getByTestId('template-invitation').getByRole('button', { name: 'Send test' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('#test-invitation-recipient').fill('dest@example.com');
    await dialog.getByRole('button', { name: 'Send test' }).click();
    return dialog;
  }

  test('the superadmin adds a system SMTP server, tests it and sees its password masked', async () => {
    await navTo(page, 'Email providers');
    await page.waitForURL((u) => u.pathname === '/admin/settings/email-providers');
    await page.getByText('No email providers yet').waitFor();
    await page.getByTestId('email-fallback').getByText(/environment settings/).waitFor();
    assert.equal(await page.getByTestId('providers-scope').inputValue(), 'SY0000');

    await page.getByRole('button', { name: 'Add email provider' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add email provider' });
    // The only provider, SMTP, is chosen already.
    await dialog.locator('#provider-field-host').waitFor();
    assert.equal(await dialog.locator('#provider-kind').inputValue(), 'smtp');
    assert.equal(await dialog.locator('#provider-field-port').getAttribute('type'), 'number');
    assert.equal(await dialog.locator('#provider-field-port').inputValue(), '587', 'the schema default');
    assert.equal(await dialog.locator('#provider-field-security').inputValue(), 'starttls');
    assert.deepEqual(
      await dialog.locator('#provider-field-security option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean)),
      ['starttls', 'tls', 'none'],
    );
    assert.equal(await dialog.locator('#provider-field-password').getAttribute('type'), 'password');

    await dialog.locator('#provider-display-name').fill('Company mail');
    await dialog.locator('#provider-field-host').fill('127.0.0.1');
    await dialog.locator('#provider-field-port').fill('70000');
    await dialog.locator('#provider-field-security').selectOption('none');
    await dialog.locator('#provider-field-username').fill('mailer');
    await dialog.locator('#provider-field-password').fill('not-the-password');
    await dialog.locator('#provider-field-from_email').fill(FROM);
    await dialog.locator('#provider-field-from_name').fill('Journey Mail');

    // The port is sent as a number; out of range, the server names the field.
    await dialog.getByRole('button', { name: 'Add email provider' }).click();
    await dialog.locator('#provider-field-port-error').getByText(/port/i).waitFor();
    await dialog.locator('#provider-field-port').fill(String(smtp.port));

    // A wrong password: the sink refuses the login.
    const result = dialog.getByTestId('provider-test-result');
    await dialog.getByTestId('provider-test').click();
    await result.waitFor();
    assert.equal(await result.getAttribute('data-success'), 'false', await result.innerText());
    assert.equal(smtp.logins.at(-1).password, 'not-the-password');

    await dialog.locator('#provider-field-password').fill(SECRET);
    await dialog.getByTestId('provider-test').click();
    await dialog.locator('[data-testid=provider-test-result][data-success=true]').waitFor();
    assert.match(await result.innerText(), /accepted the connection and the login/);
    assert.deepEqual(smtp.logins.at(-1), { username: 'mailer', password: SECRET });
    assert.equal(smtp.messages.length, 0, 'a connection test sends no mail');
    await screenshot(page, 'email-providers-create');

    await dialog.getByRole('button', { name: 'Add email provider' }).click();
    await toast(page, 'Email provider added');
    await dialog.waitFor({ state: 'detached' });
    await row('Company mail').waitFor();
    assert.equal(await row('Company mail').getAttribute('data-enabled'), 'true');

    // Reopened: the password is the mask; testing sends the id, so the stored one is used.
    await page.getByRole('button', { name: 'Edit Company mail' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit Company mail' });
    await edit.locator('#provider-field-password').waitFor();
    assert.equal(await edit.locator('#provider-field-password').inputValue(), '********');
    assert.equal(await edit.locator('#provider-field-port').inputValue(), String(smtp.port));
    assert.equal(await edit.locator('#provider-field-security').inputValue(), 'none');
    assert.ok(!(await page.content()).includes(SECRET), 'the password is nowhere in the page');
    const logins = smtp.logins.length;
    await edit.getByTestId('provider-test').click();
    await edit.locator('[data-testid=provider-test-result][data-success=true]').waitFor();
    assert.equal(smtp.logins.length, logins + 1);
    assert.deepEqual(smtp.logins.at(-1), { username: 'mailer', password: SECRET }, 'the stored password, not the mask');
    await edit.getByRole('button', { name: 'Cancel' }).click();
    await edit.waitFor({ state: 'detached' });

    const [stored] = await api.get('/admin/configuration/system?category=email_providers');
    const values = await api.get(`/admin/configuration/${stored.id}/values`);
    assert.equal(values.port, smtp.port, 'a JSON number');
    assert.equal(values.password, '********');
  });

  test('a test email goes through the configured server, and not once it is disabled', async () => {
    const since = smtp.messages.length;
    let dialog = await sendTest();
    await toast(page, 'Test email sent to dest@example.com');
    assert.equal(await page.getByTestId('test-email-result').getAttribute('data-status'), 'sent');
    const text = await smtp.waitFor(/^To: .*dest@example\.com/im, { since });
    assert.match(text, new RegExp(`^From: .*${FROM.replace(/\./g, '\\.')}`, 'im'));
    assert.match(text, /^From: .*Journey Mail/im);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    await navTo(page, 'Email providers');
    await page.getByRole('button', { name: 'Disable Company mail' }).click();
    await toast(page, 'Company mail disabled');
    await page.locator('[data-testid=providers-table] tbody tr[data-name="Company mail"][data-enabled="false"]').waitFor();

    const count = smtp.messages.length;
    dialog = await sendTest();
    await dialog.getByText(/No SMTP server is configured/).waitFor();
    await screenshot(page, 'email-providers-disabled-test-send');
    assert.equal(smtp.messages.length, count, 'nothing sent');
    await page.keyboard.press('Escape');
  });

  test("an account admin manages her account's servers; an internal host is refused", async () => {
    await page.context().clearCookies();
    await page.evaluate(() => localStorage.clear());
    await uiLogin(page, server.base, { account: 'acme', email: 'ann@acme.example.com' });
    await navTo(page, 'Email providers');
    await page.getByText('No email providers yet').waitFor();
    assert.equal(await page.getByTestId('providers-scope').count(), 0, 'no scope choice for her');
    assert.equal(await page.getByText('Company mail').count(), 0, 'the system server is not hers');
    await page.getByTestId('email-fallback').getByText(/public host/).waitFor();

    await page.getByRole('button', { name: 'Add email provider' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add email provider' });
    await dialog.locator('#provider-field-host').fill('127.0.0.1');
    await dialog.locator('#provider-field-from_email').fill('mail@acme.example.com');
    await dialog.getByRole('button', { name: 'Add email provider' }).click();
    await dialog.locator('#provider-field-host-error').getByText(/public host/).waitFor();
    await screenshot(page, 'email-providers-account-internal-host');
    await page.keyboard.press('Escape');
    assert.equal(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Storage providers' }).count(), 0);
  });

  test('the pages logged no errors but the refusals', () => {
    // The refused port, the refused host and the unconfigured test send are 422s.
    assert.deepEqual(browser.problems.filter((p) => !/422/.test(p)), []);
  });
});
