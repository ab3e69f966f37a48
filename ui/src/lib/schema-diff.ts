// What importing a collections document would change, computed against the
// server's current export (the import endpoint has no dry run).

import { z } from 'zod';
import type { ExportDocument, ExportedCollection, Field, ImportStrategy, IndexDef } from './types';

const fieldSchema = z
  .object({ name: z.string().min(1), type: z.string().min(1) })
  .passthrough();

// Unknown keys pass through to the server (which checks them): the SDK's
// documents carry `exported_by`, and rules whose form the server reads.
export const exportDocumentSchema = z
  .object({
    format_version: z.number().int().nonnegative().optional(),
    version: z.union([z.string(), z.number()]).optional(),
    exported_at: z.string().nullish(),
    collections: z.array(
      z
        .object({
          name: z.string().min(1),
          schema: z.array(fieldSchema),
          indexes: z.array(z.object({ fields: z.array(z.string()), unique: z.boolean().optional() })).optional(),
          rules: z.record(z.string(), z.unknown()).optional(),
        })
        .passthrough(),
    ),
  })
  .passthrough()
  .refine((d) => d.format_version !== undefined || d.version !== undefined, {
    message: 'names no format: format_version (ours) or version (the SDK\'s)',
    path: ['format_version'],
  });

/** Parses pasted or uploaded text into an export document, or explains why not. */
export function parseExportDocument(text: string): { doc: ExportDocument } | { error: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { error: `Not valid JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  const parsed = exportDocumentSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { error: `Not a collections export: ${issue.path.join('.') || 'document'}: ${issue.message}` };
  }
  return { doc: parsed.data as unknown as ExportDocument };
}

export type FieldChangeKind = 'added' | 'removed' | 'changed';

export interface FieldChange {
  name: string;
  kind: FieldChangeKind;
  /** For `changed`: which properties differ, as `property: old → new`. */
  details: string[];
}

export interface CollectionDiff {
  name: string;
  status: 'new' | 'changed' | 'unchanged';
  fields: FieldChange[];
  indexes: { added: string[]; removed: string[] };
  /** Rules that differ, as `key: old → new` (only when the document carries rules). */
  rules: string[];
  /** What the import will do with it under the chosen strategy. */
  outcome: 'create' | 'update' | 'skip' | 'unchanged' | 'conflict';
}

const RULE_KEYS = [
  'list_rule',
  'view_rule',
  'create_rule',
  'update_rule',
  'delete_rule',
  'list_fields',
  'view_fields',
  'create_fields',
  'update_fields',
] as const;

/** A rule setting as text; `*_fields` as text lists (`a, b`) equal the list form. */
function ruleText(rules: Record<string, unknown> | undefined, key: (typeof RULE_KEYS)[number]): string {
  const v = rules?.[key];
  if (key.endsWith('_fields')) {
    if (v === undefined || v === null || v === '*') return '"*"';
    const names = Array.isArray(v) ? v.map(String) : String(v).split(',');
    return stable(names.map((n) => n.trim()).filter(Boolean));
  }
  return stable(v);
}

function diffRules(incoming: ExportedCollection, current: ExportedCollection | undefined): string[] {
  if (!incoming.rules) return [];
  const now = current?.rules as Record<string, unknown> | undefined;
  const next = incoming.rules as unknown as Record<string, unknown>;
  return RULE_KEYS.filter((k) => k in next && ruleText(now, k) !== ruleText(next, k)).map(
    (k) => `${k}: ${ruleText(now, k)} → ${ruleText(next, k)}`,
  );
}

const PROPS = ['type', 'required', 'unique', 'default', 'options', 'collection', 'on_delete', 'pii', 'mask_type', 'searchable'] as const;

function stable(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== null && v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b));
    if (entries.length === 0) return 'null';
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stable(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function normal(f: Partial<Field>, prop: (typeof PROPS)[number]): string {
  const v = f[prop];
  if ((prop === 'required' || prop === 'unique' || prop === 'pii' || prop === 'searchable') && (v === undefined || v === null)) return 'false';
  if (prop === 'type' && typeof v === 'string') return JSON.stringify(v.toLowerCase());
  return stable(v);
}

const indexKey = (ix: IndexDef) => `${ix.unique ? 'unique ' : ''}(${ix.fields.join(', ')})`;

export function diffCollection(incoming: ExportedCollection, current: ExportedCollection | undefined): Omit<CollectionDiff, 'outcome'> {
  if (!current) {
    return {
      name: incoming.name,
      status: 'new',
      fields: incoming.schema.map((f) => ({ name: f.name, kind: 'added', details: [] })),
      indexes: { added: (incoming.indexes ?? []).map(indexKey), removed: [] },
      rules: diffRules(incoming, undefined),
    };
  }
  const before = new Map(current.schema.map((f) => [f.name.toLowerCase(), f]));
  const after = new Map(incoming.schema.map((f) => [f.name.toLowerCase(), f]));
  const fields: FieldChange[] = [];
  for (const f of incoming.schema) {
    const old = before.get(f.name.toLowerCase());
    if (!old) {
      fields.push({ name: f.name, kind: 'added', details: [] });
      continue;
    }
    const details = PROPS.filter((p) => normal(old, p) !== normal(f, p)).map(
      (p) => `${p}: ${normal(old, p)} → ${normal(f, p)}`,
    );
    if (details.length) fields.push({ name: f.name, kind: 'changed', details });
  }
  for (const f of current.schema) {
    if (!after.has(f.name.toLowerCase())) fields.push({ name: f.name, kind: 'removed', details: [] });
  }
  const oldIx = new Set((current.indexes ?? []).map(indexKey));
  const newIx = new Set((incoming.indexes ?? []).map(indexKey));
  const indexes = {
    added: [...newIx].filter((k) => !oldIx.has(k)),
    removed: [...oldIx].filter((k) => !newIx.has(k)),
  };
  const rules = diffRules(incoming, current);
  const changed = fields.length > 0 || indexes.added.length > 0 || indexes.removed.length > 0 || rules.length > 0;
  return { name: incoming.name, status: changed ? 'changed' : 'unchanged', fields, indexes, rules };
}

export function diffDocuments(incoming: ExportDocument, current: ExportDocument, strategy: ImportStrategy): CollectionDiff[] {
  const byName = new Map(current.collections.map((c) => [c.name.toLowerCase(), c]));
  return incoming.collections.map((c) => {
    const d = diffCollection(c, byName.get(c.name.toLowerCase()));
    let outcome: CollectionDiff['outcome'];
    if (d.status === 'new') outcome = 'create';
    else if (strategy === 'skip') outcome = 'skip';
    else if (strategy === 'error') outcome = 'conflict';
    else outcome = d.status === 'changed' ? 'update' : 'unchanged';
    return { ...d, outcome };
  });
}
