// Files in the admin console (issue 15): a collection with file fields made in
// the builder; a record created with an image picked from disk, its thumbnail
// in the grid; the image replaced and files dropped onto a multiple field;
// files removed. Images are tiny PNGs generated here.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { apiClient, launchBrowser, screenshot, startServer, toast, uiLogin, navTo } from './lib/harness.mjs';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
/** A width × height RGB PNG of one colour. */
export function png(width, height, [r, g, b]) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => [r, g, b]).flat())]);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('Files: file fields in the builder, record forms and the grid', () => {
  let server;
  let browser;
  let page;
  let api;
  let dir;
  let first;
  let second;
  const SY = 'SY0000';

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-files-ui-'));
    first = path.join(dir, 'sunset.png');
    second = path.join(dir, 'dawn.png');
    fs.writeFileSync(first, png(12, 8, [220, 90, 30]));
    fs.writeFileSync(second, png(6, 6, [30, 90, 220]));
    server = await startServer();
    browser = await launchBrowser();
    page = browser.page;
    api = apiClient(server.base);
    await api.login();
    await uiLogin(page, server.base);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const rows = () => page.locator('[data-testid=records-table] tbody tr');
  const row = (text) => rows().filter({ hasText: text });
  const record = async () => (await api.get('/records/photos', { 'X-Account-ID': SY })).items[0];

  test('the builder offers file fields with their options', async () => {
    await navTo(page, 'Collections');
    await page.getByRole('button', { name: 'New collection' }).click();
    await page.locator('#collection-name').fill('photos');
    await page.locator('#schema-0-name').fill('title');
    await page.getByRole('button', { name: 'Add field' }).click();
    await page.locator('#schema-1-name').fill('cover');
    await page.locator('#schema-1-type').selectOption('file');
    await page.locator('#schema-1-max_size').fill('1000000');
    await page.locator('#schema-1-mime_types').fill('image/*');
    await page.locator('#schema-1-thumbs').fill('bad');
    await page.getByRole('button', { name: 'Add field' }).click();
    await page.locator('#schema-2-name').fill('docs');
    await page.locator('#schema-2-type').selectOption('file');
    await page.getByTestId('schema-2-multiple').check();
    await page.getByRole('button', { name: 'Create collection' }).click();
    await page.getByText('Sizes look like 200x200').waitFor();
    await page.locator('#schema-1-thumbs').fill('300x0');
    await screenshot(page, 'files-builder');
    await page.getByRole('button', { name: 'Create collection' }).click();
    await toast(page, 'Collection photos created');
    const photos = (await api.get('/collections?search=photos')).items[0];
    const full = await api.get(`/collections/${photos.id}`);
    assert.deepEqual(full.schema[1].options, { max_size: 1000000, mime_types: ['image/*'], thumbs: ['300x0'] });
    assert.equal(full.schema[1].type, 'file');
    assert.deepEqual(full.schema[2].options, { multiple: true });
  });

  test('create a record with a picked image: multipart, previewed, its thumbnail in the grid', async () => {
    // The superadmin's own account: the file route serves the caller's account.
    await page.goto(`${server.base}/admin/collections/photos/records?account=${SY}`);
    await page.getByText('No records yet').waitFor();
    await page.getByRole('button', { name: 'New record' }).click();
    await page.locator('#record-title').fill('Sunset');
    await page.locator('#record-cover').setInputFiles(first);
    await page.locator('[data-added="sunset.png"] img').waitFor();
    await screenshot(page, 'files-form-new');
    const sent = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/api/v1/records/photos'));
    await page.getByRole('button', { name: 'Create' }).click();
    assert.match((await sent).headers()['content-type'], /^multipart\/form-data; boundary=/);
    await toast(page, 'created');
    const r = await record();
    assert.equal(r.title, 'Sunset');
    assert.match(r.cover, /^sunset_[a-z0-9]{10}\.png$/);
    assert.equal(r.docs, null);

    const img = row('Sunset').locator('td[data-col=cover] img');
    await img.waitFor();
    assert.match(await img.getAttribute('src'), new RegExp(`/api/v1/files/photos/${r.id}/${r.cover}\\?thumb=100x100&token=`));
    // The thumbnail loaded: 100x100, cropped from the 12x8 image.
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-testid=records-table] td[data-col=cover] img');
      return el instanceof HTMLImageElement && el.complete && el.naturalWidth === 100 && el.naturalHeight === 100;
    });
    const href = await row('Sunset').locator('td[data-col=cover] a').getAttribute('href');
    const status = await page.evaluate(async (u) => (await fetch(u)).status, href);
    assert.equal(status, 200, 'the link downloads with its file token');
    await screenshot(page, 'files-grid');
  });

  test('replace the image and drop two files onto the multiple field', async () => {
    const before = await record();
    await row('Sunset').getByRole('button', { name: /Actions for record/ }).click();
    await page.getByRole('menuitem', { name: 'Edit' }).click();
    await page.locator(`[data-kept="${before.cover}"] img`).waitFor();
    await page.locator('#record-cover').setInputFiles(second);
    await page.locator('[data-added="dawn.png"]').waitFor();
    assert.equal(await page.locator(`[data-kept="${before.cover}"]`).count(), 0, 'a single field replaces its file');
    // Drag and drop: a DataTransfer with two files dropped on the zone.
    await page.getByTestId('drop-docs').evaluate((zone) => {
      const dt = new DataTransfer();
      dt.items.add(new File(['hello'], 'notes.txt', { type: 'text/plain' }));
      dt.items.add(new File(['{"a":1}'], 'data.json', { type: 'application/json' }));
      zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await page.locator('[data-added="notes.txt"]').waitFor();
    await page.locator('[data-added="data.json"]').waitFor();
    await screenshot(page, 'files-form-edit');
    await page.getByRole('button', { name: 'Save' }).click();
    await toast(page, 'Record saved');
    const after = await record();
    assert.match(after.cover, /^dawn_[a-z0-9]{10}\.png$/);
    assert.equal(after.docs.length, 2);
    assert.match(after.docs[0], /^notes_/);
    assert.match(after.docs[1], /^data_/);
    await assert.rejects(api.get(`/files/photos/${after.id}/${before.cover}`), /404/, 'the replaced file is gone');
    // The grid shows the new thumbnail and the documents by name.
    await page.waitForFunction((name) => {
      const el = document.querySelector('[data-testid=records-table] td[data-col=cover] img');
      return el instanceof HTMLImageElement && el.src.includes(name) && el.complete && el.naturalWidth === 100;
    }, after.cover);
    await row('Sunset').locator('td[data-col=docs]').getByText('notes.txt').waitFor();
  });

  test('remove the image and one document (JSON write)', async () => {
    const before = await record();
    await row('Sunset').getByRole('button', { name: /Actions for record/ }).click();
    await page.getByRole('menuitem', { name: 'Edit' }).click();
    await page.getByRole('button', { name: `Remove ${before.cover}` }).click();
    await page.getByRole('button', { name: `Remove ${before.docs[0]}` }).click();
    const sent = page.waitForRequest((r) => r.method() === 'PATCH' && r.url().includes(`/records/photos/${before.id}`));
    await page.getByRole('button', { name: 'Save' }).click();
    const req = await sent;
    assert.match(req.headers()['content-type'], /^application\/json/);
    assert.deepEqual(JSON.parse(req.postData()), { cover: null, docs: [before.docs[1]] });
    // (The previous save's toast may still show: wait for this answer.)
    assert.equal((await req.response()).status(), 200);
    const after = await record();
    assert.equal(after.cover, null);
    assert.deepEqual(after.docs, [before.docs[1]]);
    await page.waitForFunction(() => document.querySelector('[data-testid=records-table] td[data-col=cover]')?.textContent === '—');
    await screenshot(page, 'files-removed');
  });

  test('a file too large is stopped in the form; a type the server refuses is shown under its field', async () => {
    await page.goto(`${server.base}/admin/collections/photos/records?account=${SY}`);
    await page.getByRole('button', { name: 'New record' }).click();
    await page.locator('#record-title').fill('Refused');
    const big = path.join(dir, 'big.png');
    fs.writeFileSync(big, Buffer.concat([png(2, 2, [0, 0, 0]), Buffer.alloc(1_100_000)]));
    await page.locator('#record-cover').setInputFiles(big);
    await page.getByRole('button', { name: 'Create' }).click();
    await page.locator('#record-cover-error').getByText(/^big\.png is 1\.\d MB; at most/).waitFor();
    // No type the browser knows: the server sniffs it (text) and refuses it for image/*.
    await page.getByRole('button', { name: 'Remove big.png' }).click();
    await page.getByTestId('drop-cover').evaluate((zone) => {
      const dt = new DataTransfer();
      dt.items.add(new File(['plain words'], 'mystery'));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await page.getByRole('button', { name: 'Create' }).click();
    await page.locator('#record-cover-error').getByText('Files of type text/plain are not allowed here').waitFor();
    await screenshot(page, 'files-refused');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByTestId('confirm-ok').click();
    assert.equal((await api.get('/records/photos', { 'X-Account-ID': SY })).items.length, 1, 'nothing was created');
  });

  test('the superadmin in another account opens its files (the account named in the link)', async () => {
    const acme = await api.post('/accounts', { name: 'Acme' });
    const { token } = await api.login();
    const form = new FormData();
    form.append('title', 'Acme photo');
    form.append('cover', new Blob([fs.readFileSync(first)], { type: 'image/png' }), 'acme.png');
    const res = await fetch(`${server.base}/api/v1/records/photos`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'X-Account-ID': acme.id },
      body: form,
    });
    const text = await res.text();
    assert.equal(res.status, 201, text);
    const created = JSON.parse(text);
    await page.goto(`${server.base}/admin/collections/photos/records?account=${acme.id}`);
    const cell = row('Acme photo').locator('td[data-col=cover]');
    await cell.locator('img').waitFor();
    assert.match(await cell.locator('img').getAttribute('src'), new RegExp(`\\?thumb=100x100&account_id=${acme.id}&token=`));
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-testid=records-table] td[data-col=cover] img');
      return el instanceof HTMLImageElement && el.complete && el.naturalWidth === 100;
    });
    const href = await cell.locator('a').getAttribute('href');
    assert.match(href, new RegExp(`/api/v1/files/photos/${created.id}/${created.cover}\\?account_id=${acme.id}&token=`));
    const bytes = await page.evaluate(async (u) => {
      const r = await fetch(u);
      return { status: r.status, size: (await r.arrayBuffer()).byteLength };
    }, href);
    assert.deepEqual(bytes, { status: 200, size: fs.statSync(first).size });
    // The same link naming another account finds nothing there.
    const elsewhere = href.replace(`account_id=${acme.id}`, `account_id=${SY}`);
    assert.equal(await page.evaluate(async (u) => (await fetch(u)).status, elsewhere), 404);
  });

  test('no errors in the page', () => {
    assert.deepEqual(browser.problems, []);
  });
});
