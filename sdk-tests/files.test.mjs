// files: the SDK's file service (upload, getDownloadUrl, delete) and a record
// file field written from an upload's path, as an app would use them.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { NotFoundError, ValidationError } from '@snackbase/sdk';

import { registerAccount, rejectsWith, rootClient, uniq } from './lib/sdk.mjs';
import { startServer } from './lib/server.mjs';

// A 1x1 PNG: real image bytes, so that the server's sniffing finds image/png.
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
    '1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5dd' +
    'b4a60000000049454e44ae426082',
  'hex',
);

describe('files', () => {
  let server;
  let alpha;
  let beta;
  let docs;
  before(async () => {
    server = await startServer();
    const root = await rootClient(server);
    docs = uniq('docs_');
    await root.collections.create({
      name: docs,
      fields: [
        { name: 'title', type: 'text', required: true },
        { name: 'scan', type: 'file', options: { mime_types: ['image/*'] } },
        { name: 'pages', type: 'file', options: { multiple: true } },
      ],
    });
    alpha = await registerAccount(server, 'fa');
    beta = await registerAccount(server, 'fb');
  });
  after(async () => {
    await server?.stop();
  });

  test('upload, download through getDownloadUrl, delete', async () => {
    const body = `hello from ${uniq('sdk')}\n`;
    const file = await alpha.client.files.upload(new Blob([body], { type: 'application/octet-stream' }), {
      filename: 'notes.txt',
    });
    assert.equal(file.filename, 'notes.txt');
    assert.equal(file.size, Buffer.byteLength(body));
    // Sniffed, not the type the client claimed.
    assert.match(file.mime_type, /^text\/plain/);
    assert.ok(file.path.startsWith(`${alpha.account.id}/`), file.path);

    const url = alpha.client.files.getDownloadUrl(file.path);
    assert.ok(new URL(url).searchParams.get('token'), 'the URL carries the access token');
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), body);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');

    // The URL without its token is refused; another account's token too.
    const bare = new URL(url);
    bare.searchParams.delete('token');
    assert.equal((await fetch(bare)).status, 401);
    assert.equal((await fetch(beta.client.files.getDownloadUrl(file.path))).status, 404);
    await rejectsWith(beta.client.files.delete(file.path), NotFoundError);

    assert.deepEqual(await alpha.client.files.delete(file.path), { success: true });
    assert.equal((await fetch(url)).status, 404);
    await rejectsWith(alpha.client.files.delete(file.path), NotFoundError);
  });

  test('a type outside the allow-list is a ValidationError', async () => {
    // An executable header: sniffed as such whatever the name says.
    const elf = Buffer.concat([Buffer.from('7f454c46020101', 'hex'), Buffer.alloc(64)]);
    await rejectsWith(alpha.client.files.upload(new Blob([elf]), { filename: 'photo.png' }), ValidationError, {
      status: 422,
    });
  });

  test('a record names an upload; its file follows the record', async () => {
    const file = await alpha.client.files.upload(new Blob([PNG]), { filename: 'scan.png' });
    assert.equal(file.mime_type, 'image/png');
    const record = await alpha.client.records.create(docs, { title: 'with scan', scan: file.path });
    assert.equal(typeof record.scan, 'string');
    assert.ok(record.scan.endsWith('.png'), record.scan);
    // Claimed: no longer an upload of its own.
    assert.equal((await fetch(alpha.client.files.getDownloadUrl(file.path))).status, 404);

    // Served through the record, under its read rule.
    const token = new URL(alpha.client.files.getDownloadUrl('x')).searchParams.get('token');
    const at = `${server.base}/api/v1/files/${docs}/${record.id}/${record.scan}`;
    const res = await fetch(at, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), PNG);
    const betaToken = new URL(beta.client.files.getDownloadUrl('x')).searchParams.get('token');
    assert.equal((await fetch(at, { headers: { Authorization: `Bearer ${betaToken}` } })).status, 404);

    // A file that is not an image is refused by the field's mime_types.
    const text = await alpha.client.files.upload(new Blob(['plain text\n']), { filename: 'a.txt' });
    await rejectsWith(alpha.client.records.create(docs, { title: 'bad', scan: text.path }), ValidationError);

    // Deleting the record deletes its file.
    await alpha.client.records.delete(docs, record.id);
    assert.equal((await fetch(at, { headers: { Authorization: `Bearer ${token}` } })).status, 404);
  });

  test('records.patch appends to and removes from a multiple file field (field+ / field-)', async () => {
    const record = await alpha.client.records.create(docs, { title: 'paged' });
    const uploads = await Promise.all(
      ['one', 'two', 'three'].map((n) => alpha.client.files.upload(new Blob([PNG]), { filename: `${n}.png` })),
    );
    // Concurrent appends from one app: each lands.
    await Promise.all(uploads.map((u) => alpha.client.records.patch(docs, record.id, { 'pages+': [u.path] })));
    let got = await alpha.client.records.get(docs, record.id);
    assert.equal(got.pages.length, 3, JSON.stringify(got.pages));
    const [first, ...rest] = got.pages;
    got = await alpha.client.records.patch(docs, record.id, { 'pages-': [first] });
    assert.deepEqual([...got.pages].sort(), [...rest].sort());
    // The removed file is gone, the others are served.
    const token = new URL(alpha.client.files.getDownloadUrl('x')).searchParams.get('token');
    const at = (name) => `${server.base}/api/v1/files/${docs}/${record.id}/${name}?token=${token}`;
    assert.equal((await fetch(at(first))).status, 404);
    for (const name of rest) assert.equal((await fetch(at(name))).status, 200);
    // A single file field takes no append.
    await rejectsWith(alpha.client.records.patch(docs, record.id, { 'scan+': [uploads[0].path] }), ValidationError, {
      status: 422,
    });
  });
});
