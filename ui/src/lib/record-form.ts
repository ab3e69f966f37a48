// Record forms: a record's values as form inputs, their checks before the
// server sees them, and the JSON body they become.

import { z } from 'zod';
import { checkFiles, isFileValue, toFileValue, type FileFormValue } from './record-files';
import type { Field, Json, RecordData } from './types';

export type FormValue = string | string[] | FileFormValue;
export type RecordFormValues = { data: Record<string, FormValue> };

const pad = (n: number) => String(n).padStart(2, '0');

/** An ISO timestamp as the value of a datetime-local input (local time). */
export function isoToLocalInput(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function localInputToIso(local: string): string {
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? local : d.toISOString();
}

function toFormValue(f: Field, value: Json | undefined): FormValue {
  if (f.type === 'file') return toFileValue(value);
  if (value === null || value === undefined) return f.type === 'select' && f.options?.multiple ? [] : '';
  switch (f.type) {
    case 'boolean':
      return value === true ? 'true' : value === false ? 'false' : '';
    case 'json':
      return JSON.stringify(value, null, 2);
    case 'datetime':
      return typeof value === 'string' ? isoToLocalInput(value) : '';
    case 'select':
      if (f.options?.multiple) return Array.isArray(value) ? value.map(String) : [String(value)];
      return String(value);
    default:
      return String(value);
  }
}

export function toFormValues(schema: Field[], record?: RecordData): RecordFormValues {
  const data: Record<string, FormValue> = {};
  for (const f of schema) {
    const start = record ? record[f.name] : f.type === 'file' ? null : f.default;
    data[f.name] = toFormValue(f, start ?? undefined);
  }
  return { data };
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The problem with one input, or null. */
export function checkValue(f: Field, v: FormValue): string | null {
  if (isFileValue(v)) return f.type === 'file' ? checkFiles(f, v) : null;
  const empty = Array.isArray(v) ? v.length === 0 : v.trim() === '';
  if (empty) return f.required && f.default === null ? `${f.name} is required` : null;
  if (Array.isArray(v)) {
    const allowed = f.options?.values ?? [];
    const bad = v.find((x) => !allowed.includes(x));
    return bad === undefined ? null : `'${bad}' is not one of ${allowed.join(', ')}`;
  }
  const s = v.trim();
  switch (f.type) {
    case 'number': {
      const n = Number(s);
      if (!Number.isFinite(n)) return 'Enter a number';
      if (f.options?.integer && !Number.isInteger(n)) return 'Enter a whole number';
      if (f.options?.min != null && n < f.options.min) return `Must be at least ${f.options.min}`;
      if (f.options?.max != null && n > f.options.max) return `Must be at most ${f.options.max}`;
      return null;
    }
    case 'json':
      try {
        JSON.parse(s);
        return null;
      } catch (e) {
        return `Invalid JSON: ${e instanceof Error ? e.message : String(e)}`;
      }
    case 'email':
      return EMAIL.test(s) ? null : 'Enter a valid email address';
    case 'url':
      try {
        new URL(s);
        return null;
      } catch {
        return 'Enter a full URL, e.g. https://example.com';
      }
    case 'datetime':
      return Number.isNaN(new Date(s).getTime()) ? 'Enter a date and time' : null;
    case 'select': {
      const allowed = f.options?.values ?? [];
      return allowed.includes(s) ? null : `'${s}' is not one of ${allowed.join(', ')}`;
    }
    case 'text': {
      const len = Array.from(s).length;
      if (f.options?.min_length != null && len < f.options.min_length) return `At least ${f.options.min_length} characters`;
      if (f.options?.max_length != null && len > f.options.max_length) return `At most ${f.options.max_length} characters`;
      return null;
    }
    default:
      return null;
  }
}

export function recordFormSchema(schema: Field[]) {
  return z
    .object({
      data: z.record(z.string(), z.union([z.string(), z.array(z.string()), z.custom<FileFormValue>(isFileValue)])),
    })
    .superRefine((values, ctx) => {
      for (const f of schema) {
        const problem = checkValue(f, values.data[f.name] ?? '');
        if (problem) ctx.addIssue({ code: 'custom', path: ['data', f.name], message: problem });
      }
    });
}

function toJson(f: Field, v: Exclude<FormValue, FileFormValue>): Json {
  if (Array.isArray(v)) return v;
  const s = f.type === 'text' || f.type === 'json' ? v : v.trim();
  if (s.trim() === '') return null;
  switch (f.type) {
    case 'number':
      return Number(s);
    case 'boolean':
      return s === 'true';
    case 'json':
      return JSON.parse(s) as Json;
    case 'datetime':
      return localInputToIso(s);
    default:
      return s;
  }
}

/**
 * The request body. A new record leaves out empty inputs (so defaults apply);
 * an edit sends only what changed, with null for a cleared value.
 */
export function toPayload(schema: Field[], values: RecordFormValues, original?: RecordData): RecordData {
  const out: RecordData = {};
  for (const f of schema) {
    const v = values.data[f.name] ?? '';
    // File fields are recordBody's (record-files.ts).
    if (f.type === 'file' || isFileValue(v)) continue;
    const json = toJson(f, v);
    if (!original) {
      if (json !== null && !(Array.isArray(json) && json.length === 0)) out[f.name] = json;
      continue;
    }
    const start = toFormValue(f, original[f.name] ?? undefined);
    const before = isFileValue(start) ? null : toJson(f, start);
    if (JSON.stringify(before) !== JSON.stringify(json)) out[f.name] = json;
  }
  return out;
}
