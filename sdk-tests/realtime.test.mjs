// client.realtime: record changes pushed over a WebSocket (the SDK's choice
// when a global `WebSocket` exists) and over SSE (its fallback, through a
// global `EventSource`), filtered by the subscriber's read rule and fields.
//
// Node 20 has neither global, so the suite installs the `ws` and
// `eventsource` packages as `globalThis.WebSocket` / `globalThis.EventSource`,
// as the SDK expects of a non-browser runtime. The SDK reads them when it
// connects, so each part sets the globals it wants before its clients
// connect (the parts of a file run one after the other).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EventSource } from 'eventsource';
import WebSocket from 'ws';

import { newClient, PASSWORD, registerAccount, rootClient, uniq } from './lib/sdk.mjs';
import { startServer } from './lib/server.mjs';

/** How long an expected event may take (the tailer is woken by the commit). */
const WAIT_MS = 5_000;

/**
 * Everything a realtime client receives: the whole messages (`message`
 * listener) and the `data` handed to `<collection>.<op>`, `<collection>.*`
 * and `*` listeners, in arrival order.
 */
class Inbox {
  constructor(client, collections) {
    this.client = client;
    this.messages = [];
    this.byListener = new Map();
    this.waiters = [];
    client.realtime.on('message', (m) => {
      this.messages.push(m);
      for (const w of [...this.waiters]) w();
    });
    for (const name of collections) {
      for (const key of [`${name}.create`, `${name}.update`, `${name}.delete`, `${name}.*`]) {
        this.byListener.set(key, []);
        client.realtime.on(key, (data) => this.byListener.get(key).push(data));
      }
    }
  }

  /** Record-change messages (`<collection>.<op>`) only. */
  changes() {
    return this.messages.filter((m) => /^[^.]+\.(create|update|delete)$/.test(m.type ?? ''));
  }

  /** Waits until `count` change messages have arrived; returns them. */
  async waitForChanges(count, what = `${count} change(s)`) {
    const done = () => this.changes().length >= count;
    if (!done()) {
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== check);
          reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.changes())}`));
        }, WAIT_MS);
        const check = () => {
          if (done()) {
            clearTimeout(timer);
            this.waiters = this.waiters.filter((w) => w !== check);
            resolve();
          }
        };
        this.waiters.push(check);
      });
    }
    return this.changes();
  }
}

/** A compact view of change messages: `[type, id]`. */
const brief = (messages) => messages.map((m) => [m.type, m.data?.id]);

/**
 * A tenant with a collection `name` whose plain users may read only the
 * records they own (`record.owner == user.id`) and only the fields `title`
 * and `owner` (never `secret`), a collection `marks` everyone may read, and
 * two plain users.
 */
async function setup(server, root) {
  const tenant = await registerAccount(server, 'rt');
  const name = uniq('posts_');
  const marks = uniq('marks_');
  await root.collections.create({
    name,
    fields: [
      { name: 'title', type: 'text' },
      { name: 'owner', type: 'text' },
      { name: 'secret', type: 'text' },
    ],
  });
  await root.collectionRules.update(name, {
    list_rule: 'record.owner == user.id',
    list_fields: ['title', 'owner'],
    create_rule: '',
    update_rule: '',
    delete_rule: '',
  });
  await root.collections.create({ name: marks, fields: [{ name: 'label', type: 'text' }] });
  await root.collectionRules.update(marks, { list_rule: '', create_rule: '' });

  async function member() {
    const email = `m@${uniq('m')}.example.com`;
    const user = await tenant.client.users.create({ email, password: PASSWORD, account_id: tenant.account.id, role_id: 2 });
    const client = newClient(server);
    await client.auth.login({ account: tenant.account.slug, email, password: PASSWORD });
    return { client, id: user.id };
  }
  return { tenant, name, marks, a: await member(), b: await member() };
}

function assertNoSecret(messages) {
  for (const m of messages) {
    assert.ok(m.data && typeof m.data === 'object', `event without data: ${JSON.stringify(m)}`);
    assert.ok(!('secret' in m.data), `a plain user saw the unreadable field: ${JSON.stringify(m)}`);
  }
}

/** The superadmin's realtime inspector (GET /api/v1/admin/realtime). */
async function inspector(server, root) {
  const res = await fetch(`${server.base}/api/v1/admin/realtime`, {
    headers: { authorization: `Bearer ${root.internalAuthManager.token}` },
  });
  assert.equal(res.status, 200);
  return res.json();
}

/**
 * The admin writes six changes to `name` (two records, one for a, then moved
 * to b), then one record of `marks`: the marker every subscriber waits for,
 * so that whatever it was due before has arrived (a connection's events come
 * in `seq` order). Checks what each inbox got.
 */
async function writeAndCheck(ctx, inboxes) {
  const { name, marks, a, b, tenant } = ctx;
  const forA = await tenant.client.records.create(name, { title: 'for a', owner: a.id, secret: 's1' });
  const other = await tenant.client.records.create(name, { title: 'other', owner: 'nobody', secret: 's2' });
  await tenant.client.records.patch(name, forA.id, { title: 'for a, edited' });
  // Moving the record from a to b (a full PUT): it leaves a's view (delete)
  // and enters b's (create).
  await tenant.client.records.update(name, forA.id, { title: 'for a, edited', owner: b.id, secret: 's1' });
  await tenant.client.records.delete(name, forA.id);
  await tenant.client.records.delete(name, other.id);
  const marker = await tenant.client.records.create(marks, { label: 'end' });

  const upToMarker = async (inbox, count, who) => {
    const got = await inbox.waitForChanges(count, `${who}'s ${count} events`);
    // Nothing else arrives after the marker (it is the last change written).
    assert.deepEqual(brief(got.slice(-1)), [[`${marks}.create`, marker.id]], `${who}: ${JSON.stringify(brief(got))}`);
    return got.slice(0, -1);
  };

  // The tenant's admin reads everything, every field.
  const all = await upToMarker(inboxes.admin, 7, 'the admin');
  assert.deepEqual(brief(all), [
    [`${name}.create`, forA.id],
    [`${name}.create`, other.id],
    [`${name}.update`, forA.id],
    [`${name}.update`, forA.id],
    [`${name}.delete`, forA.id],
    [`${name}.delete`, other.id],
  ]);
  assert.equal(all[0].data.secret, 's1');
  assert.equal(all[1].data.title, 'other');
  assert.equal(all[2].data.title, 'for a, edited');
  assert.equal(all[3].data.owner, b.id);

  // a: its record's create and update, then its removal; never `other`, never `secret`.
  const seenA = await upToMarker(inboxes.a, 4, 'a');
  assert.deepEqual(brief(seenA), [
    [`${name}.create`, forA.id],
    [`${name}.update`, forA.id],
    [`${name}.delete`, forA.id],
  ]);
  assertNoSecret(seenA);
  assert.equal(seenA[0].data.title, 'for a');
  assert.equal(seenA[0].data.owner, a.id);
  assert.equal(seenA[0].data.account_id, tenant.account.id);
  assert.equal(seenA[1].data.title, 'for a, edited');
  for (const m of seenA) {
    assert.equal(typeof m.seq, 'number', 'changes carry their seq');
    assert.ok(!Number.isNaN(Date.parse(m.timestamp)), `timestamp: ${m.timestamp}`);
  }
  assert.ok(seenA[0].seq < seenA[1].seq && seenA[1].seq < seenA[2].seq, 'in seq order');

  // b: the record once it became b's (a create), then its deletion.
  const seenB = await upToMarker(inboxes.b, 3, 'b');
  assert.deepEqual(brief(seenB), [
    [`${name}.create`, forA.id],
    [`${name}.delete`, forA.id],
  ]);
  assertNoSecret(seenB);
  assert.equal(seenB[0].data.owner, b.id);
  assert.equal(seenB[0].data.title, 'for a, edited');

  return { forA, other, marker, seenA, seenB };
}

describe('realtime over WebSocket', () => {
  let server;
  let root;
  let ctx;
  const clients = [];
  before(async () => {
    globalThis.WebSocket = WebSocket;
    delete globalThis.EventSource;
    server = await startServer();
    root = await rootClient(server);
    ctx = await setup(server, root);
    clients.push(ctx.a.client, ctx.b.client, ctx.tenant.client);
  });
  after(async () => {
    for (const c of clients) c.realtime.disconnect();
    await server?.stop();
    delete globalThis.WebSocket;
  });

  test('changes reach the subscribers that may read them, with the readable fields only; unsubscribe stops them', async () => {
    const { name, marks, a, b, tenant } = ctx;
    const inboxes = {
      a: new Inbox(a.client, [name]),
      b: new Inbox(b.client, [name]),
      admin: new Inbox(tenant.client, [name]),
    };
    for (const c of [a.client, b.client, tenant.client]) {
      await c.realtime.connect();
      assert.equal(c.realtime.getState(), 'connected');
      await c.realtime.subscribe(name); // resolves on the server's `subscribed`
      await c.realtime.subscribe(marks, ['create']);
      assert.deepEqual(c.realtime.getSubscriptions().sort(), [marks, name].sort());
    }
    const seen = await inspector(server, root);
    const mine = seen.items.filter((i) => i.account_id === tenant.account.id);
    assert.equal(mine.length, 3);
    assert.ok(mine.every((i) => i.transport === 'websocket'), JSON.stringify(mine));

    const { forA, seenA } = await writeAndCheck(ctx, inboxes);

    // The SDK's per-type listeners get the record (`data`) only.
    assert.deepEqual(inboxes.a.byListener.get(`${name}.create`), [seenA[0].data]);
    assert.deepEqual(inboxes.a.byListener.get(`${name}.update`), [seenA[1].data]);
    assert.deepEqual(inboxes.a.byListener.get(`${name}.delete`), [seenA[2].data]);
    assert.deepEqual(inboxes.a.byListener.get(`${name}.*`), seenA.map((m) => m.data));
    assert.equal(inboxes.b.byListener.get(`${name}.update`).length, 0);
    assert.equal(forA.secret, 's1');

    // Unsubscribe: a gets nothing more of `name`, but still gets `marks`.
    await a.client.realtime.unsubscribe(name);
    assert.deepEqual(a.client.realtime.getSubscriptions(), [marks]);
    const before = inboxes.a.changes().length;
    await tenant.client.records.create(name, { title: 'after unsubscribe', owner: a.id, secret: 's3' });
    const marker = await tenant.client.records.create(marks, { label: 'after' });
    const got = await inboxes.a.waitForChanges(before + 1, 'the marker after unsubscribe');
    assert.deepEqual(brief(got.slice(before)), [[`${marks}.create`, marker.id]]);
    // The admin, still subscribed, got both.
    const adminGot = await inboxes.admin.waitForChanges(9, "the admin's events after a's unsubscribe");
    assert.deepEqual(adminGot.slice(7).map((m) => m.type), [`${name}.create`, `${marks}.create`]);
  });

  test('operations: a subscription to create only gets no update or delete', async () => {
    const { name, marks, b, tenant } = ctx;
    const c = newClient(server);
    clients.push(c);
    await c.auth.login({ account: tenant.account.slug, email: tenant.email, password: PASSWORD });
    const inbox = new Inbox(c, [name]);
    await c.realtime.connect();
    await c.realtime.subscribe(name, ['create']);
    await c.realtime.subscribe(marks, ['create']);
    const r = await tenant.client.records.create(name, { title: 'x', owner: b.id });
    await tenant.client.records.patch(name, r.id, { title: 'y' });
    await tenant.client.records.delete(name, r.id);
    const marker = await tenant.client.records.create(marks, { label: 'end' });
    const got = await inbox.waitForChanges(2);
    assert.deepEqual(brief(got), [[`${name}.create`, r.id], [`${marks}.create`, marker.id]]);
  });
  test('a batch of changes crossing a power of ten arrives once each, in seq order', async () => {
    // One batch create commits 100 changes at once, so the server reads
    // them from its change log together; their seqs cross 99 → 100 (this
    // server's log is short), where ordering them as text ("100" < "99")
    // would reorder and repeat events.
    const { marks, tenant } = ctx;
    const c = newClient(server);
    clients.push(c);
    await c.auth.login({ account: tenant.account.slug, email: tenant.email, password: PASSWORD });
    const inbox = new Inbox(c, [marks]);
    await c.realtime.connect();
    await c.realtime.subscribe(marks, ['create']);
    const batch = await tenant.client.records.batchCreate(marks, Array.from({ length: 100 }, (_, i) => ({ label: `b${i}` })));
    assert.equal(batch.count, 100);
    await inbox.waitForChanges(100);
    await new Promise((r) => setTimeout(r, 300)); // anything repeated would follow at once
    const all = inbox.changes();
    assert.equal(all.length, 100, `each change once: got ${all.length}`);
    assert.equal(new Set(all.map((m) => m.data.id)).size, 100);
    assert.ok(all[0].seq <= 99 && all[99].seq >= 100, `the batch crosses 99 → 100: ${all[0].seq}..${all[99].seq}`);
    for (let i = 1; i < all.length; i++) {
      assert.ok(all[i].seq > all[i - 1].seq, `seq order: ${all[i - 1].seq} then ${all[i].seq}`);
    }
    assert.deepEqual(all.map((m) => m.data.label), Array.from({ length: 100 }, (_, i) => `b${i}`));
  });
});

describe('realtime over SSE (no global WebSocket: the SDK falls back to EventSource)', () => {
  let server;
  let root;
  let ctx;
  const clients = [];
  before(async () => {
    delete globalThis.WebSocket;
    globalThis.EventSource = EventSource;
    server = await startServer();
    root = await rootClient(server);
    ctx = await setup(server, root);
    clients.push(ctx.a.client, ctx.b.client, ctx.tenant.client);
  });
  after(async () => {
    for (const c of clients) c.realtime.disconnect();
    await server?.stop();
    delete globalThis.EventSource;
  });

  test('changes reach the subscribers that may read them, with the readable fields only', async () => {
    const { name, marks, a, b, tenant } = ctx;
    const inboxes = {
      a: new Inbox(a.client, [name]),
      b: new Inbox(b.client, [name]),
      admin: new Inbox(tenant.client, [name]),
    };
    for (const c of [a.client, b.client, tenant.client]) {
      // Over SSE the subscriptions are fixed when the stream opens: the SDK
      // records them first and sends them with the connection.
      await c.realtime.subscribe(name);
      await c.realtime.subscribe(marks, ['create']);
      await c.realtime.connect();
      assert.equal(c.realtime.getState(), 'connected');
    }
    const seen = await inspector(server, root);
    const mine = seen.items.filter((i) => i.account_id === tenant.account.id);
    assert.equal(mine.length, 3);
    assert.ok(mine.every((i) => i.transport === 'sse'), JSON.stringify(mine));
    for (const i of mine) {
      assert.deepEqual(i.subscriptions.map((s) => s.collection).sort(), [marks, name].sort());
    }

    await writeAndCheck(ctx, inboxes);
  });
});
