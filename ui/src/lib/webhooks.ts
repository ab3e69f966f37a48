// The webhook form's pure logic: the headers editor's rows, the checks the
// server makes on them, and which field a 422 belongs to.

import { ApiError } from './api';
import type { FieldErrorDetail } from './types';

export interface HeaderRow {
  name: string;
  value: string;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const RESERVED = new Set(['host', 'content-length', 'content-type']);

/** The headers object as editable rows (one empty row when there are none). */
export function headersToRows(headers: Record<string, string> | null | undefined): HeaderRow[] {
  const rows = Object.entries(headers ?? {}).map(([name, value]) => ({ name, value: String(value) }));
  return rows.length ? rows : [{ name: '', value: '' }];
}

/**
 * The rows as the headers object the API takes, or the first problem found:
 * rows with neither name nor value are skipped; names must be HTTP tokens, not
 * reserved (X-SnackBase-*, Host, Content-Length, Content-Type) nor repeated.
 */
export function rowsToHeaders(rows: HeaderRow[]): { headers: Record<string, string> } | { error: string } {
  const headers: Record<string, string> = {};
  const seen = new Set<string>();
  for (const row of rows) {
    const name = row.name.trim();
    if (!name && !row.value.trim()) continue;
    if (!name) return { error: 'A header needs a name' };
    if (!TOKEN.test(name)) return { error: `Header '${name}' is not a valid name` };
    const lower = name.toLowerCase();
    if (lower.startsWith('x-snackbase-') || RESERVED.has(lower)) return { error: `Header '${name}' cannot be set` };
    if (seen.has(lower)) return { error: `Header '${name}' is repeated` };
    if (/[\r\n]/.test(row.value)) return { error: `Header '${name}' has a line break in its value` };
    seen.add(lower);
    headers[name] = row.value.trim();
  }
  return { headers };
}

export type WebhookField = 'url' | 'collection' | 'events' | 'filter' | 'headers';
const FIELDS: WebhookField[] = ['url', 'collection', 'events', 'filter', 'headers'];

/** A failed save split into per-field errors and a form-level message. */
export function webhookErrors(e: unknown): {
  fields: Partial<Record<WebhookField, FieldErrorDetail>>;
  form: string;
} {
  if (!(e instanceof ApiError)) return { fields: {}, form: e instanceof Error ? e.message : String(e) };
  const fields: Partial<Record<WebhookField, FieldErrorDetail>> = {};
  for (const d of e.details) {
    const f = FIELDS.find((name) => d.field === name || d.field.startsWith(`${name}.`) || d.field.startsWith(`${name}[`));
    if (f && !fields[f]) fields[f] = d;
  }
  return { fields, form: Object.keys(fields).length ? '' : e.message };
}
