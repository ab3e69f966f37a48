// A collection's Rules tab: the superadmin opens everyone's read, sees an
// anonymous caller let in through the real API; a broken rule is refused with
// its position shown and changes nothing; a rule for signed-in users then
// lets a user read only the matching records and shuts anonymous callers out;
// create is locked and a user's create is refused. List and view are one
// "read" setting, saved equal.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiClient, launchBrowser, screenshot, startServer, toast, uiLogin } from './lib/harness.mjs';

const USER_PASSWORD = 'Correct-Horse-42!';

describe('collection rules', () => {
  let server;
  let browser;
  let page;
  let api;
  let uma;

  /** An anonymous list of acme's notes: the HTTP status and the titles. */
  async function anonymousList() {
    const res = await fetch(`${server.base}/api/v1/records/notes?account=acme&sort=title`);
    const body = await res.json();
    return { status: res.status, titles: res.ok ? body.items.map((r) => r.title) : null };
  }

  /** The same as uma, a plain user of acme. */
  async function umaList() {
    const res = await fetch(`${server.base}/api/v1/records/notes?sort=title`, { headers: { Authorization: `Bearer ${uma}` } });
    const body = await res.json();
    return { status: res.status, titles: res.ok ? body.items.map((r) => r.title) : null };
  }

  before(async () => {
    server = await startServer();
    api = apiClient(server.base);
    await api.login();
    const acme = await api.post('/accounts', { name: 'Acme', slug: 'acme' });
    await api.post('/users', { email: 'uma@acme.example.com', password: USER_PASSWORD, account_id: acme.id, role: 'user' });
    await api.post('/collections', { name: 'notes', schema: [{ name: 'title', type: 'text', required: true }] });
    const h = { 'X-Account-ID': acme.id };
    await api.post('/records/notes', { title: 'public note' }, h);
    await api.post('/records/notes', { title: 'secret note' }, h);
    const login = await fetch(`${server.base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ account: 'acme', email: 'uma@acme.example.com', password: USER_PASSWORD }),
    });
    assert.equal(login.status, 200);
    uma = (await login.json()).token;
    browser = await launchBrowser();
    page = browser.page;
    await uiLogin(page, server.base);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const read = () => page.getByTestId('rules-read');
  const create = () => page.getByTestId('rules-create');
  const save = () => page.getByTestId('save-rules');

  /** Saves and waits for the server's answer (an earlier "saved" toast may still be showing). */
  async function saveRules(expectedStatus = 200) {
    const answered = page.waitForResponse((r) => r.url().endsWith('/api/v1/collections/notes/rules') && r.request().method() === 'PUT');
    await save().click();
    assert.equal((await answered).status(), expectedStatus);
    if (expectedStatus === 200) await toast(page, 'Rules of notes saved');
  }

  test('the Rules tab shows the rules; read is one setting for list and view', async () => {
    await page.goto(`${server.base}/admin/collections/notes/records`);
    await page.getByRole('navigation', { name: 'Collection views' }).getByRole('link', { name: 'Rules' }).click();
    await page.waitForURL(/\/collections\/notes\/rules$/);
    await read().waitFor();
    const rules = await api.get('/collections/notes/rules');
    assert.equal(await read().getAttribute('data-mode'), rules.list_rule === null ? 'locked' : rules.list_rule === '' ? 'everyone' : 'rule');
    await read().getByText('list_rule = view_rule').waitFor();
    await page.getByText(/list_rule and view_rule are saved equal/).waitFor();
    assert.equal(await save().isDisabled(), true, 'nothing to save yet');
  });

  test('read for everyone lets an anonymous caller list the records', async () => {
    await read().getByLabel('Everyone').check();
    await saveRules();
    const rules = await api.get('/collections/notes/rules');
    assert.equal(rules.list_rule, '');
    assert.equal(rules.view_rule, '');
    assert.deepEqual(await anonymousList(), { status: 200, titles: ['public note', 'secret note'] });
    await screenshot(page, 'rules-everyone');
  });

  test('a blank rule is refused before sending; a broken one shows its position and saves nothing', async () => {
    await read().getByLabel('Rule').check();
    await save().click();
    await read().getByText(/Enter a rule/).waitFor();
    assert.equal((await api.get('/collections/notes/rules')).list_rule, '', 'nothing sent');

    await read().locator('#rule-read-expression').fill('record.title ==');
    await saveRules(422);
    const error = page.getByTestId('rule-read-error');
    await error.waitFor();
    await page.locator('[data-testid=rule-read-error][data-position]').waitFor();
    const position = Number(await error.getAttribute('data-position'));
    assert.ok(position > 0 && position <= 'record.title =='.length, `the error has a position: ${position}`);
    assert.match(await error.innerText(), /\^/, 'a caret under the position');
    await screenshot(page, 'rules-error');
    assert.equal((await api.get('/collections/notes/rules')).list_rule, '', 'a bad rule changes nothing');
    assert.equal((await anonymousList()).status, 200);
  });

  test('a rule lets signed-in users read what it allows and shuts anonymous callers out', async () => {
    await read().locator('#rule-read-expression').fill("record.title == 'public note'");
    await saveRules();
    const rules = await api.get('/collections/notes/rules');
    assert.equal(rules.list_rule, "record.title == 'public note'");
    assert.equal(rules.view_rule, rules.list_rule);
    assert.deepEqual(await umaList(), { status: 200, titles: ['public note'] });
    const anon = await anonymousList();
    assert.ok(anon.status === 401 || anon.status === 403, `anonymous refused: ${anon.status}`);
    // The page reloads with what was saved.
    await page.reload();
    await page.locator('#rule-read-expression').waitFor();
    assert.equal(await page.locator('#rule-read-expression').inputValue(), "record.title == 'public note'");
  });

  test('create: everyone, then locked, and a user’s create follows', async () => {
    await create().getByLabel('Everyone').check();
    await saveRules();
    const post = (title) =>
      fetch(`${server.base}/api/v1/records/notes`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${uma}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ title }),
      });
    assert.equal((await post('by uma')).status, 201);

    await create().getByLabel('Locked').check();
    await create().getByText(/Only account admins and the superadmin may create/).waitFor();
    await saveRules();
    assert.equal((await api.get('/collections/notes/rules')).create_rule, null);
    assert.equal((await post('refused')).status, 403);
  });

  test('an account admin has no Rules tab, and cannot open the page', async () => {
    const acme = (await api.get('/accounts?search=acme')).items[0];
    await api.post('/users', { email: 'ann@acme.example.com', password: USER_PASSWORD, account_id: acme.id, role: 'admin' });
    const ann = await launchBrowser();
    try {
      await uiLogin(ann.page, server.base, { account: 'acme', email: 'ann@acme.example.com' });
      await ann.page.goto(`${server.base}/admin/collections/notes/records`);
      const tabs = ann.page.getByRole('navigation', { name: 'Collection views' });
      await tabs.getByRole('link', { name: 'Aggregate' }).waitFor();
      assert.equal(await tabs.getByRole('link', { name: 'Rules' }).count(), 0);
      await ann.page.goto(`${server.base}/admin/collections/notes/rules`);
      await ann.page.getByTestId('forbidden').waitFor();
    } finally {
      await ann.close();
    }
  });

  test('no errors in the page', () => {
    assert.deepEqual(browser.problems, []);
  });
});
