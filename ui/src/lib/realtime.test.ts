import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  applyRecordEvent,
  backoffDelay,
  parseMessage,
  RealtimeConnection,
  realtimeUrl,
  tokenExpiring,
  type ConnectionState,
  type RecordEvent,
  type SocketLike,
} from './realtime';
import type { RecordItem, RecordList } from './types';

const rec = (id: string, extra: Record<string, unknown> = {}): RecordItem =>
  ({ id, account_id: 'AB1234', created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z', ...extra }) as RecordItem;
const list = (...items: RecordItem[]): RecordList => ({ items, skip: 0, limit: 25, total: items.length });
const ev = (operation: RecordEvent['operation'], record: RecordItem, seq = 1): RecordEvent => ({ collection: 'posts', operation, seq, record });

describe('realtimeUrl', () => {
  it('uses ws for http and wss for https, with the token escaped', () => {
    expect(realtimeUrl({ protocol: 'http:', host: '127.0.0.1:8000' }, 'a.b+c')).toBe('ws://127.0.0.1:8000/api/v1/realtime/ws?token=a.b%2Bc');
    expect(realtimeUrl({ protocol: 'https:', host: 'x.example' }, 't')).toBe('wss://x.example/api/v1/realtime/ws?token=t');
  });
  it('names the account the superadmin acts in', () => {
    expect(realtimeUrl({ protocol: 'https:', host: 'h' }, 't', 'AB1234')).toBe('wss://h/api/v1/realtime/ws?token=t&account_id=AB1234');
    expect(realtimeUrl({ protocol: 'https:', host: 'h' }, 't', null)).toBe('wss://h/api/v1/realtime/ws?token=t');
  });
});

describe('backoffDelay', () => {
  it('doubles from the base up to the cap', () => {
    const top = () => 1;
    expect([0, 1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, { base: 500, max: 15_000 }, top))).toEqual([500, 1000, 2000, 4000, 8000, 15_000, 15_000]);
    expect(backoffDelay(1000, {}, top)).toBe(15_000);
  });
  it('jitters between half and all of the ceiling', () => {
    expect(backoffDelay(2, { base: 500 }, () => 0)).toBe(1000);
    for (let i = 0; i < 50; i++) {
      const d = backoffDelay(3, { base: 500 });
      expect(d).toBeGreaterThanOrEqual(2000);
      expect(d).toBeLessThanOrEqual(4000);
    }
  });
});

describe('tokenExpiring', () => {
  const jwt = (claims: object) => `h.${btoa(JSON.stringify(claims)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')}.s`;
  it('reads exp from the token', () => {
    const now = 1_000_000_000_000;
    expect(tokenExpiring(jwt({ exp: now / 1000 + 3600 }), now)).toBe(false);
    expect(tokenExpiring(jwt({ exp: now / 1000 + 5 }), now)).toBe(true);
    expect(tokenExpiring(jwt({ exp: now / 1000 - 1 }), now)).toBe(true);
  });
  it('treats unreadable tokens as not expiring (the server decides)', () => {
    expect(tokenExpiring('opaque', 0)).toBe(false);
    expect(tokenExpiring('a.!!!.b', 0)).toBe(false);
  });
});

describe('parseMessage', () => {
  it('reads events, with collection names that contain dots', () => {
    expect(parseMessage('{"type":"posts.create","seq":7,"data":{"id":"r1","title":"x"}}')).toEqual({
      kind: 'event',
      event: { collection: 'posts', operation: 'create', seq: 7, record: { id: 'r1', title: 'x' } },
    });
    expect(parseMessage('{"type":"a.b.delete","seq":8,"data":{"id":"r1"}}')).toMatchObject({ kind: 'event', event: { collection: 'a.b', operation: 'delete' } });
  });
  it('reads acks, resyncs and errors', () => {
    expect(parseMessage('{"type":"subscribed","collection":"posts"}')).toEqual({ kind: 'subscribed', collection: 'posts' });
    expect(parseMessage('{"type":"resync","collection":"posts","message":"pruned"}')).toEqual({ kind: 'resync', collection: 'posts', message: 'pruned' });
    expect(parseMessage('{"type":"error","data":{"code":"forbidden","message":"no","collection":"posts"}}')).toEqual({
      kind: 'error',
      code: 'forbidden',
      message: 'no',
      collection: 'posts',
    });
  });
  it('ignores what it does not know', () => {
    expect(parseMessage('not json')).toBeNull();
    expect(parseMessage('[1]')).toBeNull();
    expect(parseMessage('{"type":"heartbeat"}')).toEqual({ kind: 'other', type: 'heartbeat' });
    expect(parseMessage('{"type":"posts.create","data":{"id":"r"}}')).toEqual({ kind: 'other', type: 'posts.create' });
    expect(parseMessage('{"type":"posts.rename","seq":1,"data":{"id":"r"}}')).toEqual({ kind: 'other', type: 'posts.rename' });
  });
});

describe('applyRecordEvent', () => {
  it('replaces an updated row in place', () => {
    const before = list(rec('a', { title: 'A' }), rec('b', { title: 'B' }));
    const after = applyRecordEvent(before, ev('update', rec('b', { title: 'B2' })));
    expect(after.items.map((r) => r.title)).toEqual(['A', 'B2']);
    expect(after.total).toBe(2);
    expect(before.items[1].title).toBe('B');
  });
  it('drops fields the event no longer has and keeps still-valid expansions', () => {
    const before = list(rec('a', { title: 'A', secret: 's', author: 'u1', tag: 't1', expand: { author: { id: 'u1' }, tag: { id: 't1' } } }));
    const after = applyRecordEvent(before, ev('update', rec('a', { title: 'A', author: 'u1', tag: 't2' })));
    expect(after.items[0]).not.toHaveProperty('secret');
    expect(after.items[0].expand).toEqual({ author: { id: 'u1' } });
  });
  it('removes a deleted row and lowers the total', () => {
    const after = applyRecordEvent(list(rec('a'), rec('b')), ev('delete', rec('a')));
    expect(after.items.map((r) => r.id)).toEqual(['b']);
    expect(after.total).toBe(1);
  });
  it('leaves creates and rows not shown to the refetch', () => {
    const before = list(rec('a'));
    expect(applyRecordEvent(before, ev('create', rec('z')))).toBe(before);
    expect(applyRecordEvent(before, ev('update', rec('z')))).toBe(before);
    expect(applyRecordEvent(before, ev('delete', rec('z')))).toBe(before);
  });
});

class FakeSocket implements SocketLike {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: unknown[] = [];
  closed: number | null = null;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close(code = 1000) {
    this.closed = code;
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(msg: object) {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
  drop(code = 1006, reason = '') {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

describe('RealtimeConnection', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    FakeSocket.all = [];
  });
  afterEach(() => vi.useRealTimers());

  function connect(extra: Partial<ConstructorParameters<typeof RealtimeConnection>[0]> = {}) {
    const states: ConnectionState[] = [];
    const events: RecordEvent[] = [];
    let stale = 0;
    const conn = new RealtimeConnection({
      collection: 'posts',
      url: () => 'ws://h/api/v1/realtime/ws?token=t',
      onEvent: (e) => events.push(e),
      onStale: () => stale++,
      onState: (s) => states.push(s),
      createSocket: (u) => new FakeSocket(u),
      backoff: { base: 100, max: 1000 },
      ...extra,
    });
    conn.start();
    return { conn, states, events, stale: () => stale };
  }
  const flush = () => vi.advanceTimersByTimeAsync(0);

  it('subscribes, is connected on the ack, and reloads once when there is nothing to resume from', async () => {
    const c = connect();
    await flush();
    const s = FakeSocket.all[0];
    s.open();
    expect(s.sent).toEqual([{ action: 'subscribe', collection: 'posts' }]);
    expect(c.states).toEqual(['connecting']);
    s.receive({ type: 'subscribed', collection: 'posts' });
    expect(c.states).toEqual(['connecting', 'connected']);
    expect(c.stale()).toBe(1);
    s.receive({ type: 'posts.create', seq: 5, data: { id: 'r1' } });
    s.receive({ type: 'posts.create', seq: 5, data: { id: 'r1' } });
    s.receive({ type: 'other.create', seq: 6, data: { id: 'r2' } });
    expect(c.events.map((e) => e.seq)).toEqual([5]);
    expect(c.conn.seq).toBe(5);
  });

  it('reconnects with backoff and resumes with since = the last seq', async () => {
    const c = connect();
    await flush();
    FakeSocket.all[0].open();
    FakeSocket.all[0].receive({ type: 'subscribed', collection: 'posts' });
    FakeSocket.all[0].receive({ type: 'posts.update', seq: 41, data: { id: 'r1' } });
    FakeSocket.all[0].drop();
    expect(c.states.at(-1)).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(49);
    expect(FakeSocket.all).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(60);
    expect(FakeSocket.all).toHaveLength(2);
    // The second attempt fails too: the next wait is longer.
    FakeSocket.all[1].drop();
    await vi.advanceTimersByTimeAsync(99);
    expect(FakeSocket.all).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(120);
    expect(FakeSocket.all).toHaveLength(3);
    const s = FakeSocket.all[2];
    s.open();
    expect(s.sent).toEqual([{ action: 'subscribe', collection: 'posts', since: 41 }]);
    s.receive({ type: 'subscribed', collection: 'posts' });
    expect(c.states.at(-1)).toBe('connected');
    expect(c.stale()).toBe(1);
    s.receive({ type: 'resync', collection: 'posts', message: 'too old' });
    expect(c.stale()).toBe(2);
  });

  it('refreshes the token after a 4001 close and reconnects at once', async () => {
    const refreshToken = vi.fn(async () => true);
    const c = connect({ refreshToken });
    await flush();
    FakeSocket.all[0].open();
    FakeSocket.all[0].drop(4001, 'token expired');
    expect(refreshToken).toHaveBeenCalledTimes(1);
    await flush();
    await flush();
    expect(FakeSocket.all).toHaveLength(2);
    expect(c.states.at(-1)).toBe('reconnecting');
  });

  it('checks the session over HTTP when a handshake fails, then retries', async () => {
    let verify!: () => void;
    const verifySession = vi.fn(() => new Promise<void>((r) => (verify = r)));
    const c = connect({ verifySession });
    await flush();
    FakeSocket.all[0].drop();
    expect(verifySession).toHaveBeenCalledTimes(1);
    expect(c.states.at(-1)).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(5000);
    expect(FakeSocket.all).toHaveLength(1);
    verify();
    await vi.advanceTimersByTimeAsync(110);
    expect(FakeSocket.all).toHaveLength(2);
    // Once it has opened, a drop is retried without the check.
    FakeSocket.all[1].open();
    FakeSocket.all[1].drop();
    expect(verifySession).toHaveBeenCalledTimes(1);
  });

  it('is offline when the session is over or the subscription is refused', async () => {
    const c = connect({ refreshToken: async () => false });
    await flush();
    FakeSocket.all[0].open();
    FakeSocket.all[0].receive({ type: 'error', data: { code: 'forbidden', message: 'no', collection: 'posts' } });
    expect(c.states.at(-1)).toBe('offline');
    FakeSocket.all[0].drop(4003);
    await flush();
    await vi.advanceTimersByTimeAsync(5000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(c.states.at(-1)).toBe('offline');
  });

  it('says offline while the browser is, and nudge() reconnects at once', async () => {
    let online = false;
    const c = connect({ online: () => online });
    await flush();
    FakeSocket.all[0].drop();
    expect(c.states.at(-1)).toBe('offline');
    online = true;
    c.conn.nudge();
    await flush();
    expect(FakeSocket.all).toHaveLength(2);
  });

  it('reconnects when the server goes silent', async () => {
    connect({ silenceMs: 1000 });
    await flush();
    FakeSocket.all[0].open();
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeSocket.all[0].closed).toBe(1000);
    await vi.advanceTimersByTimeAsync(200);
    expect(FakeSocket.all).toHaveLength(2);
  });

  it('stop() closes the socket (once open, if still connecting) and never reconnects', async () => {
    const c = connect();
    await flush();
    const s = FakeSocket.all[0];
    c.conn.stop();
    expect(s.closed).toBeNull();
    s.open();
    expect(s.closed).toBe(1000);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.all).toHaveLength(1);
  });
});
