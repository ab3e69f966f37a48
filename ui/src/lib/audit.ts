// Pure helpers of the audit-log pages: filters <-> URL, values, changes and diffs.

import type { BadgeTone } from '@/components/ui/badge';
import type { AuditLog } from './audit-types';

export const AUDIT_OPERATIONS = [
  'CREATE',
  'UPDATE',
  'DELETE',
  'LOGIN',
  'LOGIN_FAILED',
  'LOGOUT',
  'REFRESH_REUSE',
  'PASSWORD_RESET',
  'EMAIL_VERIFIED',
  'IMPERSONATE',
] as const;

export const AUDIT_SORT_FIELDS = ['id', 'occurred_at', 'table_name', 'operation', 'user_email'] as const;
export type AuditSortField = (typeof AUDIT_SORT_FIELDS)[number];

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

/** The list's filters, sort and page, as kept in the URL (same names as the API). */
export interface AuditFilters {
  account_id: string;
  table_name: string;
  record_id: string;
  user_id: string;
  operation: string;
  from_date: string;
  to_date: string;
  sort_by: AuditSortField;
  sort_order: 'asc' | 'desc';
  skip: number;
  limit: number;
}

/** The narrowing filters (not sort or page); Clear filters empties these. */
export const FILTER_KEYS = ['account_id', 'table_name', 'record_id', 'user_id', 'operation', 'from_date', 'to_date'] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

const DEFAULTS: AuditFilters = {
  account_id: '',
  table_name: '',
  record_id: '',
  user_id: '',
  operation: '',
  from_date: '',
  to_date: '',
  sort_by: 'id',
  sort_order: 'desc',
  skip: 0,
  limit: DEFAULT_LIMIT,
};

function wholeNumber(raw: string | null): number | null {
  if (raw === null || !/^\d+$/.test(raw.trim())) return null;
  return Number(raw.trim());
}

/** Reads the filters from URL search params; anything invalid falls back to its default. */
export function filtersFromParams(params: URLSearchParams): AuditFilters {
  const f: AuditFilters = { ...DEFAULTS };
  for (const k of FILTER_KEYS) f[k] = (params.get(k) ?? '').trim();
  const sortBy = params.get('sort_by');
  if ((AUDIT_SORT_FIELDS as readonly string[]).includes(sortBy ?? '')) f.sort_by = sortBy as AuditSortField;
  f.sort_order = params.get('sort_order') === 'asc' ? 'asc' : 'desc';
  const limit = wholeNumber(params.get('limit'));
  f.limit = limit === null || limit < 1 ? DEFAULT_LIMIT : Math.min(limit, MAX_LIMIT);
  const skip = wholeNumber(params.get('skip'));
  f.skip = skip ?? 0;
  return f;
}

/**
 * Writes the filters into search params: values equal to the default are left
 * out, so a plain view has a plain URL. Other params of `base` (e.g. the open
 * entry) are kept.
 */
export function filtersToParams(f: AuditFilters, base?: URLSearchParams): URLSearchParams {
  const next = new URLSearchParams(base);
  const values: Record<keyof AuditFilters, string> = {
    ...Object.fromEntries(FILTER_KEYS.map((k) => [k, f[k].trim()])),
    sort_by: f.sort_by,
    sort_order: f.sort_order,
    skip: String(f.skip),
    limit: String(f.limit),
  } as Record<keyof AuditFilters, string>;
  for (const [k, v] of Object.entries(values) as [keyof AuditFilters, string][]) {
    if (v === '' || v === String(DEFAULTS[k])) next.delete(k);
    else next.set(k, v);
  }
  return next;
}

/** Whether any narrowing filter is set. */
export function hasFilters(f: AuditFilters): boolean {
  return FILTER_KEYS.some((k) => f[k] !== '');
}

/** The filters as API query parameters (empty ones dropped by the client). */
export function listQuery(f: AuditFilters): Record<string, string | number> {
  return { ...exportQuery(f), skip: f.skip, limit: f.limit };
}

/** What an export sends: every filter and the sort, but no page (it exports all matches). */
export function exportQuery(f: AuditFilters): Record<string, string> {
  const q: Record<string, string> = {};
  for (const k of FILTER_KEYS) if (f[k]) q[k] = f[k];
  q.sort_by = f.sort_by;
  q.sort_order = f.sort_order;
  return q;
}

/** 1-based page of a skip/limit window, and the number of pages. */
export function pageOf(skip: number, limit: number): number {
  return Math.floor(skip / Math.max(1, limit)) + 1;
}

export function pageCount(total: number, limit: number): number {
  return Math.max(1, Math.ceil(total / Math.max(1, limit)));
}

export function skipForPage(page: number, limit: number): number {
  return Math.max(0, page - 1) * limit;
}

/** The URL of a record's history page (relative to the router's basename). */
export function historyHref(tableName: string, recordId: string): string {
  return `/audit-logs/history?${new URLSearchParams({ table_name: tableName, record_id: recordId })}`;
}

export interface DisplayValue {
  text: string;
  /** The column had no value (null in the entry). */
  absent: boolean;
  /** The server masked it ("***"). */
  masked: boolean;
}

/**
 * An entry's value for display. Values are JSON text: a JSON string shows
 * without its quotes, other JSON as written; text that is not JSON as is.
 */
export function displayValue(raw: string | null): DisplayValue {
  if (raw === null) return { text: '', absent: true, masked: false };
  if (raw === '***') return { text: '***', absent: false, masked: true };
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed === 'string') return { text: parsed, absent: false, masked: parsed === '***' };
    return { text: JSON.stringify(parsed), absent: false, masked: false };
  } catch {
    return { text: raw, absent: false, masked: false };
  }
}

export function operationTone(op: string): BadgeTone {
  switch (op) {
    case 'CREATE':
      return 'success';
    case 'UPDATE':
      return 'primary';
    case 'DELETE':
    case 'LOGIN_FAILED':
    case 'REFRESH_REUSE':
      return 'danger';
    case 'IMPERSONATE':
      return 'warn';
    default:
      return 'neutral';
  }
}

export function changeSeqOf(e: AuditLog): number | null {
  const seq = e.extra_metadata?.change_seq;
  return typeof seq === 'number' && Number.isFinite(seq) ? seq : null;
}

export interface ColumnDiff {
  column: string | null;
  old: string | null;
  new: string | null;
  /** Old and new differ (or are masked, so cannot be compared). */
  changed: boolean;
}

const isMasked = (raw: string | null) => raw !== null && displayValue(raw).masked;

/** Old and new differ; masked values cannot be compared, and count as changed. */
function differs(oldValue: string | null, newValue: string | null): boolean {
  return oldValue !== newValue || isMasked(oldValue) || isMasked(newValue);
}

/**
 * One line per column of a change, in entry order. A column written twice in
 * one change keeps its first old and its last new value.
 */
export function buildDiff(entries: AuditLog[]): ColumnDiff[] {
  const byColumn = new Map<string, ColumnDiff>();
  const out: ColumnDiff[] = [];
  for (const e of [...entries].sort((a, b) => a.id - b.id)) {
    const key = e.column_name ?? '';
    const seen = e.column_name === null ? undefined : byColumn.get(key);
    if (seen) {
      seen.new = e.new_value;
      seen.changed = differs(seen.old, seen.new);
      continue;
    }
    const line: ColumnDiff = { column: e.column_name, old: e.old_value, new: e.new_value, changed: differs(e.old_value, e.new_value) };
    if (e.column_name !== null) byColumn.set(key, line);
    out.push(line);
  }
  return out;
}

/** One change of a record: the entries sharing a change_seq, or one entry without it. */
export interface AuditChange {
  key: string;
  changeSeq: number | null;
  /** The first entry: who, when, which operation, signature. */
  head: AuditLog;
  entries: AuditLog[];
  diff: ColumnDiff[];
}

/**
 * Groups entries into changes by `extra_metadata.change_seq` (within a
 * chain); entries without it stand alone. Changes come oldest first, by time,
 * then by their first entry's id.
 */
export function groupChanges(entries: AuditLog[]): AuditChange[] {
  const groups = new Map<string, AuditLog[]>();
  for (const e of entries) {
    const seq = changeSeqOf(e);
    const key = seq === null ? `entry:${e.id}` : `change:${e.chain}:${seq}`;
    const list = groups.get(key);
    if (list) list.push(e);
    else groups.set(key, [e]);
  }
  const changes: AuditChange[] = [...groups.entries()].map(([key, list]) => {
    const sorted = [...list].sort((a, b) => a.id - b.id);
    return { key, changeSeq: changeSeqOf(sorted[0]), head: sorted[0], entries: sorted, diff: buildDiff(sorted) };
  });
  const time = (c: AuditChange) => {
    const t = Date.parse(c.head.occurred_at);
    return Number.isNaN(t) ? 0 : t;
  };
  return changes.sort((a, b) => time(a) - time(b) || a.head.id - b.head.id);
}

/** "a, b ,, a" → ["a", "b"]: the excluded-fields editor's comma list. */
export function parseFieldList(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split(',')) {
    const name = part.trim();
    if (name && !out.includes(name)) out.push(name);
  }
  return out;
}

/** A fallback name for an export the server did not name. */
export function exportFilename(format: string, now: Date = new Date()): string {
  return `audit-logs-${now.toISOString().slice(0, 10)}.${format}`;
}
