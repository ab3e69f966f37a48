// The permission matrix as edited in the UI, and the diff that becomes one
// atomic PUT /roles/{id}/permissions/bulk.

import { OPERATIONS, type Operation, type PermissionFields, type PermissionRow } from './types';

/** One cell being edited: enabled with a rule and fields, or off. */
export interface CellDraft {
  enabled: boolean;
  rule: string;
  fields: PermissionFields;
}

export type MatrixDraft = Record<string, Record<Operation, CellDraft>>;

export interface BulkUpdate {
  collection: string;
  operation: Operation;
  rule: string | null;
  fields?: PermissionFields;
}

export const cellKey = (collection: string, op: Operation) => `${collection}:${op}`;

export function toDraft(rows: PermissionRow[]): MatrixDraft {
  const draft: MatrixDraft = {};
  for (const row of rows) {
    const cells = {} as Record<Operation, CellDraft>;
    for (const op of OPERATIONS) {
      const c = row[op];
      cells[op] = c ? { enabled: true, rule: c.rule, fields: c.fields } : { enabled: false, rule: '', fields: '*' };
    }
    draft[row.collection] = cells;
  }
  return draft;
}

function sameFields(a: PermissionFields, b: PermissionFields): boolean {
  if (a === '*' || b === '*') return a === b;
  if (a.length !== b.length) return false;
  const sa = [...a].sort();
  const sb = [...b].sort();
  return sa.every((v, i) => v === sb[i]);
}

/**
 * The changes from the saved matrix to the draft, in matrix order (so the
 * server's `updates[i]` errors map back to cells with `bulkIndex`).
 * An enabled cell with an empty rule counts as off.
 */
export function matrixDiff(saved: PermissionRow[], draft: MatrixDraft): BulkUpdate[] {
  const out: BulkUpdate[] = [];
  for (const row of saved) {
    const cells = draft[row.collection];
    if (!cells) continue;
    for (const op of OPERATIONS) {
      const before = row[op];
      const d = cells[op];
      const on = d.enabled && d.rule.trim() !== '';
      if (!on) {
        if (before) out.push({ collection: row.collection, operation: op, rule: null });
        continue;
      }
      const rule = d.rule.trim();
      if (!before || before.rule !== rule || !sameFields(before.fields, d.fields)) {
        out.push({ collection: row.collection, operation: op, rule, fields: d.fields });
      }
    }
  }
  return out;
}

/** `updates[3].rule` → 3 and "rule". */
export function parseUpdatePath(field: string): { index: number; key: string } | null {
  const m = /^updates\[(\d+)\](?:\.(\w+))?/.exec(field);
  if (!m) return null;
  return { index: Number(m[1]), key: m[2] ?? '' };
}

export interface CellError {
  message: string;
  position?: number | null;
}

/** The server's per-update errors, keyed by cell. */
export function cellErrors(
  updates: BulkUpdate[],
  details: { field: string; message: string; position?: number | null }[],
): { byCell: Record<string, CellError>; other: string[] } {
  const byCell: Record<string, CellError> = {};
  const other: string[] = [];
  for (const d of details) {
    const p = parseUpdatePath(d.field);
    const u = p ? updates[p.index] : undefined;
    if (!u) {
      other.push(d.message);
      continue;
    }
    const key = cellKey(u.collection, u.operation);
    if (!byCell[key]) byCell[key] = { message: d.message, position: d.position };
  }
  return { byCell, other };
}
