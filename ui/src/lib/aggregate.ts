// The Aggregate view's model: the functions chosen, the `functions=` text the
// server parses (`count(),sum(total)`), which fields each function accepts
// (mirroring records/aggregate on the server) and the result's keys.

import type { Field, Json } from './types';

export const AGG_FUNCS = ['count', 'sum', 'avg', 'min', 'max'] as const;
export type AggFunc = (typeof AGG_FUNCS)[number];

/** One aggregate: a function over a field; `count` with field '' counts rows. */
export interface AggSpec {
  func: AggFunc;
  field: string;
}

const SYSTEM_TEXT = ['id', 'created_by', 'updated_by'];
const SYSTEM_TIME = ['created_at', 'updated_at'];
export const SYSTEM_AGG_FIELDS = [...SYSTEM_TEXT, ...SYSTEM_TIME];

const isMultiple = (f: Field) => f.type === 'select' && Boolean(f.options?.multiple);

/** The server's key for a result column: `count`, `count_f`, `sum_f`, … */
export function aggregateKey(s: AggSpec): string {
  return s.field ? `${s.func}_${s.field}` : s.func;
}

export function functionsParam(specs: AggSpec[]): string {
  return specs.map((s) => `${s.func}(${s.field})`).join(',');
}

/** Back from `functions=` (as kept in the URL); what does not parse is dropped. */
export function parseFunctions(raw: string): AggSpec[] {
  const out: AggSpec[] = [];
  for (const part of raw.split(',')) {
    const m = /^\s*([a-z]+)\(\s*([A-Za-z0-9_*]*)\s*\)\s*$/i.exec(part);
    if (!m) continue;
    const func = m[1].toLowerCase() as AggFunc;
    if (!AGG_FUNCS.includes(func)) continue;
    const field = m[2] === '*' ? '' : m[2];
    if (func !== 'count' && !field) continue;
    out.push({ func, field });
  }
  return out;
}

/** The fields a function may take, in schema order (then system fields); count's '' (rows) first. */
export function fieldsFor(func: AggFunc, schema: Field[]): string[] {
  switch (func) {
    case 'count':
      return ['', ...schema.map((f) => f.name), ...SYSTEM_AGG_FIELDS];
    case 'sum':
    case 'avg':
      return schema.filter((f) => f.type === 'number').map((f) => f.name);
    case 'min':
    case 'max':
      return [
        ...schema.filter((f) => !['boolean', 'json'].includes(f.type) && !isMultiple(f)).map((f) => f.name),
        ...SYSTEM_AGG_FIELDS,
      ];
  }
}

/** Fields that may be grouped by: all but json and multiple selects, and the system fields. */
export function groupableFields(schema: Field[]): string[] {
  return [...schema.filter((f) => f.type !== 'json' && !isMultiple(f)).map((f) => f.name), ...SYSTEM_AGG_FIELDS];
}

/** The result table's columns: the group fields, then one per function. */
export function resultColumns(groupBy: string[], specs: AggSpec[]): string[] {
  return [...groupBy, ...specs.map(aggregateKey)];
}

/** What the server would refuse before asking it: nothing chosen, a key twice, a field a function does not take. */
export function checkAggregate(groupBy: string[], specs: AggSpec[], schema: Field[]): string | null {
  if (specs.length === 0) return 'Choose at least one function';
  if (specs.length > 10) return 'At most 10 functions';
  if (groupBy.length > 5) return 'Group by at most 5 fields';
  const seen = new Set<string>();
  for (const key of resultColumns(groupBy, specs)) {
    if (seen.has(key)) return `“${key}” appears twice`;
    seen.add(key);
  }
  for (const s of specs) {
    if (!fieldsFor(s.func, schema).includes(s.field)) {
      return s.field ? `${s.func}() cannot aggregate “${s.field}”` : `${s.func}() needs a field`;
    }
  }
  return null;
}

/** A result cell as text: numbers up to 4 decimals, null as an em dash. */
export function formatAggValue(v: Json | undefined): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Math.round(v * 10_000) / 10_000);
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}
