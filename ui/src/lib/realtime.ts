// The admin console's realtime client (docs/realtime.md): one WebSocket per
// records page, subscribed to the shown collection. The pure parts (URL,
// message parsing, backoff, event → cached list) are exported for tests; the
// `RealtimeConnection` class owns the socket, reconnects with backoff and
// resumes with `since` = the last `seq` it saw.

import type { Json, RecordItem, RecordList } from './types';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline';
export type Operation = 'create' | 'update' | 'delete';

/** `ws(s)://<host>/api/v1/realtime/ws?token=…` (+ `account_id=` for the superadmin acting in an account). */
export function realtimeUrl(location: { protocol: string; host: string }, token: string, accountId?: string | null): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const params = new URLSearchParams({ token });
  if (accountId) params.set('account_id', accountId);
  return `${scheme}//${location.host}/api/v1/realtime/ws?${params.toString()}`;
}

export interface BackoffOptions {
  /** The first delay, in ms. */
  base?: number;
  /** The longest delay, in ms. */
  max?: number;
}

/**
 * The delay before reconnect attempt `attempt` (0-based): doubling from
 * `base` up to `max`, with jitter in [50 %, 100 %] so that many consoles
 * dropped by one restart do not come back in step.
 */
export function backoffDelay(attempt: number, { base = 500, max = 15_000 }: BackoffOptions = {}, random: () => number = Math.random): number {
  const ceiling = Math.min(max, base * 2 ** Math.max(0, Math.min(attempt, 30)));
  return Math.round(ceiling * (0.5 + random() / 2));
}

/** Seconds since the epoch at which a JWT expires, or null when it cannot be read. */
export function tokenExpiry(token: string): number | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const padded = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
    const claims: unknown = JSON.parse(atob(padded));
    const exp = (claims as { exp?: unknown } | null)?.exp;
    return typeof exp === 'number' ? exp : null;
  } catch {
    return null;
  }
}

/** Whether a token is expired, or will be within `marginSeconds`. */
export function tokenExpiring(token: string, nowMs: number, marginSeconds = 10): boolean {
  const exp = tokenExpiry(token);
  return exp !== null && exp * 1000 <= nowMs + marginSeconds * 1000;
}

export interface RecordEvent {
  collection: string;
  operation: Operation;
  seq: number;
  record: RecordItem;
}

export type ServerMessage =
  | { kind: 'event'; event: RecordEvent }
  | { kind: 'subscribed'; collection: string }
  | { kind: 'resync'; collection: string; message: string }
  | { kind: 'error'; code: string; message: string; collection: string | null }
  | { kind: 'other'; type: string };

const OPERATIONS: readonly string[] = ['create', 'update', 'delete'];

/** Reads one server frame; null when it is not JSON with a `type`. */
export function parseMessage(text: string): ServerMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const m = value as Record<string, Json | undefined>;
  const type = m.type;
  if (typeof type !== 'string') return null;
  const str = (v: Json | undefined) => (typeof v === 'string' ? v : '');
  switch (type) {
    case 'subscribed':
      return { kind: 'subscribed', collection: str(m.collection) };
    case 'resync':
      return { kind: 'resync', collection: str(m.collection), message: str(m.message) };
    case 'error': {
      const d = (typeof m.data === 'object' && m.data !== null && !Array.isArray(m.data) ? m.data : {}) as Record<string, Json | undefined>;
      return { kind: 'error', code: str(d.code), message: str(d.message), collection: typeof d.collection === 'string' ? d.collection : null };
    }
  }
  const dot = type.lastIndexOf('.');
  const operation = dot > 0 ? type.slice(dot + 1) : '';
  const data = m.data;
  if (
    OPERATIONS.includes(operation) &&
    typeof m.seq === 'number' &&
    typeof data === 'object' &&
    data !== null &&
    !Array.isArray(data) &&
    typeof data.id === 'string'
  ) {
    return {
      kind: 'event',
      event: { collection: type.slice(0, dot), operation: operation as Operation, seq: m.seq, record: data as RecordItem },
    };
  }
  return { kind: 'other', type };
}

export function isRecordList(value: unknown): value is RecordList {
  return typeof value === 'object' && value !== null && Array.isArray((value as RecordList).items);
}

/**
 * A cached list after an event, or the same object when the event changes
 * nothing it shows. Updates replace the row in place (keeping the expansion
 * of references whose value did not change), deletes remove it. Creates are
 * left alone: where a new row goes depends on the sort, filter and page,
 * which only the server knows (the caller refetches).
 */
export function applyRecordEvent(list: RecordList, event: RecordEvent): RecordList {
  const at = list.items.findIndex((r) => r.id === event.record.id);
  if (event.operation === 'create' || at < 0) return list;
  if (event.operation === 'delete') {
    const items = list.items.filter((r) => r.id !== event.record.id);
    const total = typeof list.total === 'number' ? Math.max(0, list.total - 1) : list.total;
    return { ...list, items, total };
  }
  const old = list.items[at];
  const next: RecordItem = { ...event.record };
  const expand = old.expand;
  if (expand && typeof expand === 'object' && !Array.isArray(expand)) {
    const kept = Object.fromEntries(Object.entries(expand).filter(([field]) => JSON.stringify(old[field]) === JSON.stringify(next[field])));
    if (Object.keys(kept).length > 0) next.expand = kept;
  }
  const items = list.items.slice();
  items[at] = next;
  return { ...list, items };
}

// ---------------------------------------------------------------------------

/** The subset of the browser's WebSocket the connection uses (tests pass a fake). */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface RealtimeOptions {
  collection: string;
  /** The socket URL with a current token, or null when there is no session. */
  url: () => Promise<string | null> | string | null;
  onEvent: (event: RecordEvent) => void;
  /** The list must be reloaded: a fresh subscription (nothing to resume from) or a `resync`. */
  onStale: () => void;
  onState: (state: ConnectionState, detail?: string) => void;
  /** Refreshes the access token (after a 4001/4003 close); false when the session is over. */
  refreshToken?: () => Promise<boolean>;
  /**
   * Called when a socket closes without ever opening (a refused handshake
   * looks like any network failure to a browser): lets the caller check the
   * session over HTTP, which refreshes a token the server no longer takes.
   */
  verifySession?: () => Promise<void>;
  createSocket?: (url: string) => SocketLike;
  backoff?: BackoffOptions;
  /** Whether the browser thinks it is online. */
  online?: () => boolean;
  /** Close and reconnect when nothing arrived for this long (the server beats every 30 s). */
  silenceMs?: number;
}

const CONNECTING = 0;

/** Close codes after which a fresh token may help. */
const TOKEN_CLOSES = new Set([4001, 4003]);

/** One socket subscribed to one collection, reconnecting until `stop()`. */
export class RealtimeConnection {
  private socket: SocketLike | null = null;
  private attempt = 0;
  private lastSeq: number | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private watchdog: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private state: ConnectionState | null = null;

  constructor(private readonly o: RealtimeOptions) {}

  /** The `seq` of the last event seen (resumed from on reconnect). */
  get seq(): number | null {
    return this.lastSeq;
  }

  start(): void {
    this.setState('connecting');
    void this.open();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    const s = this.socket;
    this.socket = null;
    if (s) this.closeQuietly(s);
  }

  /** Reconnects now (the browser came back online). */
  nudge(): void {
    if (this.stopped || this.state === 'connected') return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.attempt = 0;
    void this.open();
  }

  private setState(state: ConnectionState, detail?: string): void {
    if (this.state === state && detail === undefined) return;
    this.state = state;
    this.o.onState(state, detail);
  }

  private clearTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.watchdog) clearTimeout(this.watchdog);
    this.timer = null;
    this.watchdog = null;
  }

  /** Closing a socket that is still connecting makes browsers log an error: close it once open instead. */
  private closeQuietly(s: SocketLike): void {
    s.onmessage = null;
    s.onerror = null;
    s.onclose = null;
    if (s.readyState === CONNECTING) s.onopen = () => s.close(1000);
    else {
      s.onopen = null;
      s.close(1000);
    }
  }

  private feedWatchdog(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    const silence = this.o.silenceMs ?? 75_000;
    this.watchdog = setTimeout(() => {
      const s = this.socket;
      if (!s || this.stopped) return;
      this.socket = null;
      this.closeQuietly(s);
      this.retry();
    }, silence);
  }

  private async open(): Promise<void> {
    if (this.stopped) return;
    const url = await this.o.url();
    if (this.stopped) return;
    if (!url) {
      this.setState('offline', 'Not signed in');
      return;
    }
    const create = this.o.createSocket ?? ((u: string) => new WebSocket(u) as unknown as SocketLike);
    let s: SocketLike;
    try {
      s = create(url);
    } catch {
      this.retry();
      return;
    }
    this.socket = s;
    const since = this.lastSeq;
    let opened = false;
    s.onopen = () => {
      if (this.socket !== s) return;
      opened = true;
      this.feedWatchdog();
      const frame: Record<string, unknown> = { action: 'subscribe', collection: this.o.collection };
      if (since !== null) frame.since = since;
      s.send(JSON.stringify(frame));
    };
    s.onmessage = (ev) => {
      if (this.socket !== s || typeof ev.data !== 'string') return;
      this.feedWatchdog();
      this.handle(ev.data, since);
    };
    s.onerror = () => {};
    s.onclose = (ev) => {
      if (this.socket !== s) return;
      this.socket = null;
      if (this.watchdog) clearTimeout(this.watchdog);
      this.watchdog = null;
      if (this.stopped) return;
      if (TOKEN_CLOSES.has(ev.code) && this.o.refreshToken) {
        this.setState('reconnecting', ev.reason || undefined);
        void this.o.refreshToken().then((ok) => {
          if (this.stopped) return;
          if (ok) this.retry(0);
          else this.setState('offline', 'Session ended');
        });
        return;
      }
      if (!opened && this.o.verifySession) {
        this.setState(this.o.online && !this.o.online() ? 'offline' : 'reconnecting');
        void this.o.verifySession().then(
          () => this.retry(),
          () => this.retry(),
        );
        return;
      }
      this.retry();
    };
  }

  private handle(text: string, since: number | null): void {
    const m = parseMessage(text);
    if (!m) return;
    const same = (c: string | null) => c !== null && c.toLowerCase() === this.o.collection.toLowerCase();
    switch (m.kind) {
      case 'subscribed':
        if (!same(m.collection)) return;
        this.attempt = 0;
        this.setState('connected');
        // Nothing to resume from: what changed before this point is only in a fresh list.
        if (since === null) this.o.onStale();
        return;
      case 'resync':
        if (same(m.collection)) this.o.onStale();
        return;
      case 'error':
        if (same(m.collection)) this.setState('offline', m.message);
        return;
      case 'event':
        if (!same(m.event.collection)) return;
        if (this.lastSeq !== null && m.event.seq <= this.lastSeq) return;
        this.lastSeq = m.event.seq;
        this.o.onEvent(m.event);
        return;
      default:
        return;
    }
  }

  private retry(delay?: number): void {
    if (this.stopped) return;
    const online = this.o.online ? this.o.online() : true;
    this.setState(online ? 'reconnecting' : 'offline', online ? undefined : 'The browser is offline');
    const wait = delay ?? backoffDelay(this.attempt, this.o.backoff);
    this.attempt += 1;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.open();
    }, wait);
  }
}
