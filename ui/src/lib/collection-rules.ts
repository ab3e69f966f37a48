// A collection's rules (the SDK's `list_rule` … `update_fields`) as the Rules
// editor shows them: one setting per operation, with list and view merged into
// one "read" because the server keeps them as one permission (sending them
// different is a 422 `rules_differ`).

import type { CollectionRules, CollectionRulesUpdate, FieldErrorDetail, PermissionFields } from './types';

/** `locked`: nobody but admins (`null`); `everyone`: also anonymous callers (`""`); `rule`: signed-in users matching it. */
export type RuleMode = 'locked' | 'everyone' | 'rule';

export type RuleOp = 'read' | 'create' | 'update' | 'delete';
export const RULE_OPS: RuleOp[] = ['read', 'create', 'update', 'delete'];

/** Which operations have a field list (delete has none). */
export const HAS_FIELDS: Record<RuleOp, boolean> = { read: true, create: true, update: true, delete: false };

export interface RuleDraft {
  mode: RuleMode;
  /** The expression (mode `rule`). */
  rule: string;
  /** `*` (or blank) for every field, else comma-separated names. */
  fields: string;
}

export type RulesDraft = Record<RuleOp, RuleDraft>;

export interface RuleErrors {
  rule?: { message: string; position?: number | null };
  fields?: string;
}

function modeOf(rule: string | null): RuleMode {
  if (rule === null) return 'locked';
  return rule === '' ? 'everyone' : 'rule';
}

function fieldsText(f: PermissionFields | undefined): string {
  if (f === undefined || f === '*') return '*';
  return f.join(', ');
}

export function toRulesDraft(r: CollectionRules): RulesDraft {
  const one = (rule: string | null, fields?: PermissionFields): RuleDraft => ({
    mode: modeOf(rule),
    rule: rule ?? '',
    fields: fieldsText(fields),
  });
  return {
    read: one(r.list_rule, r.list_fields),
    create: one(r.create_rule, r.create_fields),
    update: one(r.update_rule, r.update_fields),
    delete: one(r.delete_rule),
  };
}

/** `*` or a list of names from the fields text. */
export function parseFields(text: string): PermissionFields {
  const names = text
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0 || names.includes('*')) return '*';
  return Array.from(new Set(names));
}

function ruleValue(d: RuleDraft): string | null {
  if (d.mode === 'locked') return null;
  if (d.mode === 'everyone') return '';
  return d.rule.trim();
}

/**
 * Checks what the server cannot tell apart: a blank expression would mean
 * "everyone" there, so it is refused here. Returns errors per operation.
 */
export function checkDraft(d: RulesDraft): Partial<Record<RuleOp, RuleErrors>> {
  const out: Partial<Record<RuleOp, RuleErrors>> = {};
  for (const op of RULE_OPS) {
    if (d[op].mode === 'rule' && d[op].rule.trim() === '') {
      out[op] = { rule: { message: 'Enter a rule, or choose “Everyone” or “Locked”' } };
    }
  }
  return out;
}

/** The PUT body: every rule; list and view sent equal; fields of the operations that have them. */
export function toRulesUpdate(d: RulesDraft): CollectionRulesUpdate {
  const read = ruleValue(d.read);
  const readFields = parseFields(d.read.fields);
  return {
    list_rule: read,
    view_rule: read,
    create_rule: ruleValue(d.create),
    update_rule: ruleValue(d.update),
    delete_rule: ruleValue(d.delete),
    list_fields: readFields,
    view_fields: readFields,
    create_fields: parseFields(d.create.fields),
    update_fields: parseFields(d.update.fields),
  };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Only what changed, so an operation left alone is not rewritten (the server
 * keeps a key left out; a grant given to `public` alone through the matrix,
 * which these rules cannot show, survives).
 */
export function changedRulesUpdate(saved: CollectionRules, d: RulesDraft): CollectionRulesUpdate {
  const before = toRulesUpdate(toRulesDraft(saved));
  const after = toRulesUpdate(d);
  const out: CollectionRulesUpdate = {};
  const keys = Object.keys(after) as (keyof CollectionRulesUpdate)[];
  for (const k of keys) {
    if (!same(before[k], after[k])) (out as Record<string, unknown>)[k] = after[k];
  }
  // List and view are one setting: a change to it is sent under both names.
  if ('list_rule' in out || 'view_rule' in out) Object.assign(out, { list_rule: after.list_rule, view_rule: after.view_rule });
  if ('list_fields' in out || 'view_fields' in out) Object.assign(out, { list_fields: after.list_fields, view_fields: after.view_fields });
  return out;
}

/**
 * Whether the draft differs from what the server holds. A mode switched to
 * "rule" with no text yet counts, so Save is offered and explains the blank.
 */
export function isDirty(saved: CollectionRules, d: RulesDraft): boolean {
  const before = toRulesDraft(saved);
  return Object.keys(changedRulesUpdate(saved, d)).length > 0 || RULE_OPS.some((op) => before[op].mode !== d[op].mode);
}

const OP_OF: Record<string, RuleOp> = { list: 'read', view: 'read', create: 'create', update: 'update', delete: 'delete' };

/** The server's 422 details by operation (`list_rule`/`view_rule` are read's); the rest as messages. */
export function rulesErrors(details: FieldErrorDetail[]): { byOp: Partial<Record<RuleOp, RuleErrors>>; other: string[] } {
  const byOp: Partial<Record<RuleOp, RuleErrors>> = {};
  const other: string[] = [];
  for (const d of details) {
    const m = /^(list|view|create|update|delete)_(rule|fields)$/.exec(d.field);
    if (!m) {
      other.push(d.message);
      continue;
    }
    const op = OP_OF[m[1]];
    const e = (byOp[op] ??= {});
    if (m[2] === 'rule') e.rule ??= { message: d.message, position: d.position };
    else e.fields ??= d.message;
  }
  return { byOp, other };
}

/** Who may do an operation, in words. */
export function describeRule(op: RuleOp, d: RuleDraft): string {
  const verb = { read: 'list and view', create: 'create', update: 'update', delete: 'delete' }[op];
  switch (d.mode) {
    case 'locked':
      return `Only account admins and the superadmin may ${verb} records.`;
    case 'everyone':
      return `Anyone may ${verb} records, also without signing in (anonymous callers naming the account).`;
    case 'rule':
      return `Signed-in users may ${verb} the records the rule allows; anonymous callers may not.`;
  }
}
