// File fields of record forms: what the form holds for one (the stored names
// it keeps and the files picked), their checks, and the request a save
// becomes: JSON when no file is attached, else multipart/form-data as
// docs/files.md describes (a part named after the field per file, `field+`
// appends to a multiple field, `field-` with a stored name removes one, the
// other values in one `@jsonPayload` part).

import type { Field, Json, RecordData } from './types';

export interface FileFormValue {
  /** Stored names the record keeps. */
  kept: string[];
  /** Files picked in this form, not uploaded yet. */
  added: File[];
}

export function isFileValue(v: unknown): v is FileFormValue {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'kept' in v && 'added' in v;
}

export const isMultipleFile = (f: Field) => f.type === 'file' && Boolean(f.options?.multiple);

/** The stored names a record's value holds (one, a list, or none). */
export function fileNames(value: Json | undefined): string[] {
  if (typeof value === 'string') return value ? [value] : [];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

export function toFileValue(value: Json | undefined): FileFormValue {
  return { kept: fileNames(value), added: [] };
}

/** Adds picked or dropped files: a single field keeps only the last one and drops what it held. */
export function addFiles(f: Field, v: FileFormValue, files: File[]): FileFormValue {
  if (files.length === 0) return v;
  if (isMultipleFile(f)) return { kept: v.kept, added: [...v.added, ...files] };
  return { kept: [], added: [files[files.length - 1]] };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Whether `type` matches one of `patterns` (`image/png`, `image/*`, `*`). */
export function mimeAllowed(type: string, patterns: string[]): boolean {
  return patterns.some((p) => p === '*' || p === type || (p.endsWith('/*') && type.startsWith(p.slice(0, -1))));
}

/**
 * The problem with a file field's value, or null. The size is exact; the type
 * is only the browser's guess (the server sniffs the content), so a file the
 * browser cannot name is left to the server.
 */
export function checkFiles(f: Field, v: FileFormValue): string | null {
  if (v.kept.length + v.added.length === 0) return f.required ? `${f.name} is required` : null;
  const max = f.options?.max_size;
  const big = max != null ? v.added.find((file) => file.size > max) : undefined;
  if (big) return `${big.name} is ${formatBytes(big.size)}; at most ${formatBytes(max ?? 0)}`;
  const types = f.options?.mime_types;
  const wrong = types?.length ? v.added.find((file) => file.type && !mimeAllowed(file.type, types)) : undefined;
  if (wrong) return `${wrong.name} is ${wrong.type}; allowed: ${types?.join(', ')}`;
  return null;
}

/** The JSON value a file field's kept names become. */
function keptJson(f: Field, v: FileFormValue): Json {
  return isMultipleFile(f) ? v.kept : (v.kept[0] ?? null);
}

/**
 * The body of a save. `payload`: the other fields' JSON (toPayload's);
 * `files`: each file field's form value; `original`: the record an edit
 * changes. JSON when nothing is attached (file fields as their kept names,
 * only when changed on an edit), FormData otherwise.
 */
export function recordBody(
  fileFields: Field[],
  payload: RecordData,
  files: Record<string, FileFormValue>,
  original?: RecordData,
): RecordData | FormData {
  const attached = fileFields.some((f) => (files[f.name]?.added.length ?? 0) > 0);
  if (!attached) {
    const out: RecordData = { ...payload };
    for (const f of fileFields) {
      const v = files[f.name];
      if (!v) continue;
      const before = fileNames(original?.[f.name]);
      if (!original) {
        if (v.kept.length) out[f.name] = keptJson(f, v);
      } else if (JSON.stringify(before) !== JSON.stringify(v.kept)) {
        out[f.name] = keptJson(f, v);
      }
    }
    return out;
  }
  const form = new FormData();
  if (Object.keys(payload).length) form.append('@jsonPayload', JSON.stringify(payload));
  for (const f of fileFields) {
    const v = files[f.name];
    if (!v) continue;
    const before = fileNames(original?.[f.name]);
    const removed = before.filter((n) => !v.kept.includes(n));
    if (!isMultipleFile(f)) {
      // A new file replaces the old one; without one, a removal clears the field.
      if (v.added.length) form.append(f.name, v.added[v.added.length - 1]);
      else for (const n of removed) form.append(`${f.name}-`, n);
      continue;
    }
    for (const n of removed) form.append(`${f.name}-`, n);
    // On a create there is nothing to append to.
    for (const file of v.added) form.append(original ? `${f.name}+` : f.name, file);
  }
  return form;
}

/** The download (or thumbnail) URL of a record's file. */
export function recordFileUrl(
  collection: string,
  recordId: string,
  name: string,
  opts: { token?: string | null; account?: string | null; thumb?: string; download?: boolean } = {},
): string {
  const params = new URLSearchParams();
  if (opts.thumb) params.set('thumb', opts.thumb);
  if (opts.download) params.set('download', '1');
  if (opts.account) params.set('account_id', opts.account);
  if (opts.token) params.set('token', opts.token);
  const q = params.toString();
  const seg = encodeURIComponent;
  return `/api/v1/files/${seg(collection)}/${seg(recordId)}/${seg(name)}${q ? `?${q}` : ''}`;
}

/** Whether a stored name looks like an image the server makes thumbnails of. */
export function isThumbable(name: string): boolean {
  return /\.(png|jpe?g)$/i.test(name);
}

export function isImageName(name: string): boolean {
  return /\.(png|jpe?g|gif|webp|avif|bmp)$/i.test(name);
}
