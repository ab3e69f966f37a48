import { describe, expect, it } from 'vitest';
import { cellErrors, matrixDiff, parseUpdatePath, toDraft } from './permissions';
import type { PermissionRow } from './types';

const rows: PermissionRow[] = [
  { collection: '*', permission_id: null, create: null, read: null, update: null, delete: null },
  {
    collection: 'notes',
    permission_id: 7,
    create: { rule: 'true', fields: '*' },
    read: { rule: 'record.created_by == user.id', fields: ['title', 'body'] },
    update: null,
    delete: null,
  },
];

describe('matrixDiff', () => {
  it('is empty for an untouched draft', () => {
    expect(matrixDiff(rows, toDraft(rows))).toEqual([]);
  });

  it('adds, changes and removes cells, in matrix order', () => {
    const d = toDraft(rows);
    d['*'].read = { enabled: true, rule: ' true ', fields: '*' };
    d.notes.create = { enabled: true, rule: '', fields: '*' };
    d.notes.read = { ...d.notes.read, fields: ['body', 'title'] }; // same set, other order
    d.notes.delete = { enabled: true, rule: '@owns_record()', fields: '*' };
    expect(matrixDiff(rows, d)).toEqual([
      { collection: '*', operation: 'read', rule: 'true', fields: '*' },
      { collection: 'notes', operation: 'create', rule: null },
      { collection: 'notes', operation: 'delete', rule: '@owns_record()', fields: '*' },
    ]);
  });

  it('sends a fields-only change', () => {
    const d = toDraft(rows);
    d.notes.read = { ...d.notes.read, fields: '*' };
    expect(matrixDiff(rows, d)).toEqual([
      { collection: 'notes', operation: 'read', rule: 'record.created_by == user.id', fields: '*' },
    ]);
  });

  it('treats a disabled cell as removed', () => {
    const d = toDraft(rows);
    d.notes.read = { ...d.notes.read, enabled: false };
    expect(matrixDiff(rows, d)).toEqual([{ collection: 'notes', operation: 'read', rule: null }]);
  });
});

describe('server errors map back to cells', () => {
  it('parses updates[i].key', () => {
    expect(parseUpdatePath('updates[3].rule')).toEqual({ index: 3, key: 'rule' });
    expect(parseUpdatePath('updates[0]')).toEqual({ index: 0, key: '' });
    expect(parseUpdatePath('name')).toBeNull();
  });

  it('keys errors by collection and operation', () => {
    const updates = [
      { collection: '*', operation: 'read' as const, rule: 'true', fields: '*' as const },
      { collection: 'notes', operation: 'update' as const, rule: 'record.nope == 1', fields: '*' as const },
    ];
    const { byCell, other } = cellErrors(updates, [
      { field: 'updates[1].rule', message: 'unknown field nope', position: 7 },
      { field: 'updates[9].rule', message: 'stray' },
      { field: 'updates', message: 'too many' },
    ]);
    expect(byCell).toEqual({ 'notes:update': { message: 'unknown field nope', position: 7 } });
    expect(other).toEqual(['stray', 'too many']);
  });
});
