import { describe, expect, it } from 'vitest';
import { changedRulesUpdate, checkDraft, describeRule, isDirty, parseFields, rulesErrors, toRulesDraft, toRulesUpdate } from './collection-rules';
import type { CollectionRules } from './types';

const saved: CollectionRules = {
  list_rule: 'record.owner == user.id',
  view_rule: 'record.owner == user.id',
  create_rule: '',
  update_rule: null,
  delete_rule: null,
  list_fields: '*',
  view_fields: '*',
  create_fields: ['title', 'body'],
  update_fields: '*',
};

describe('collection rules draft', () => {
  it('reads null as locked, "" as everyone, text as a rule', () => {
    const d = toRulesDraft(saved);
    expect(d.read).toEqual({ mode: 'rule', rule: 'record.owner == user.id', fields: '*' });
    expect(d.create).toEqual({ mode: 'everyone', rule: '', fields: 'title, body' });
    expect(d.update.mode).toBe('locked');
    expect(d.delete.mode).toBe('locked');
  });

  it('round-trips to the same body, list and view always equal', () => {
    const body = toRulesUpdate(toRulesDraft(saved));
    expect(body.list_rule).toBe('record.owner == user.id');
    expect(body.view_rule).toBe(body.list_rule);
    expect(body.list_fields).toEqual(body.view_fields);
    expect(body.create_rule).toBe('');
    expect(body.update_rule).toBeNull();
    expect(body.create_fields).toEqual(['title', 'body']);
    expect(isDirty(saved, toRulesDraft(saved))).toBe(false);
  });

  it('a changed mode is dirty and sent; a locked rule keeps no text', () => {
    const d = toRulesDraft(saved);
    d.read = { ...d.read, mode: 'locked' };
    expect(isDirty(saved, d)).toBe(true);
    const body = toRulesUpdate(d);
    expect(body.list_rule).toBeNull();
    expect(body.view_rule).toBeNull();
  });

  it('sends only the operations that changed, read under both names', () => {
    const d = toRulesDraft(saved);
    expect(changedRulesUpdate(saved, d)).toEqual({});
    d.read = { ...d.read, rule: 'true' };
    expect(changedRulesUpdate(saved, d)).toEqual({ list_rule: 'true', view_rule: 'true' });
    d.delete = { ...d.delete, mode: 'everyone' };
    d.create = { ...d.create, fields: '*' };
    expect(changedRulesUpdate(saved, d)).toEqual({ list_rule: 'true', view_rule: 'true', delete_rule: '', create_fields: '*' });
  });

  it('refuses a blank expression rather than sending "" (which means everyone)', () => {
    const d = toRulesDraft(saved);
    d.update = { mode: 'rule', rule: '   ', fields: '*' };
    expect(checkDraft(d).update?.rule?.message).toMatch(/Enter a rule/);
    expect(checkDraft(toRulesDraft(saved))).toEqual({});
    // Everyone → Rule with no text yet is a change (Save is offered and explains), though the body would not differ.
    const open: CollectionRules = { ...saved, delete_rule: '' };
    const switched = toRulesDraft(open);
    switched.delete = { ...switched.delete, mode: 'rule' };
    expect(changedRulesUpdate(open, switched)).toEqual({});
    expect(isDirty(open, switched)).toBe(true);
  });

  it('parses field lists', () => {
    expect(parseFields('')).toBe('*');
    expect(parseFields(' * ')).toBe('*');
    expect(parseFields('a, b,,a c')).toEqual(['a', 'b', 'c']);
  });

  it('maps the server errors to operations, list and view to read', () => {
    const { byOp, other } = rulesErrors([
      { field: 'list_rule', code: 'rule_invalid', message: 'bad', position: 7 },
      { field: 'update_fields', code: 'unknown_field', message: "no field 'x'" },
      { field: 'view_rule', code: 'rules_differ', message: 'differ' },
      { field: 'name', code: 'x', message: 'other' },
    ]);
    expect(byOp.read?.rule).toEqual({ message: 'bad', position: 7 });
    expect(byOp.update?.fields).toBe("no field 'x'");
    expect(other).toEqual(['other']);
  });

  it('describes who may act', () => {
    expect(describeRule('read', { mode: 'everyone', rule: '', fields: '*' })).toMatch(/without signing in/);
    expect(describeRule('delete', { mode: 'locked', rule: '', fields: '*' })).toMatch(/Only account admins/);
  });
});
