import { describe, expect, it } from 'vitest';
import {
  buildDiff,
  displayValue,
  exportQuery,
  filtersFromParams,
  filtersToParams,
  groupChanges,
  hasFilters,
  historyHref,
  listQuery,
  pageCount,
  pageOf,
  parseFieldList,
  skipForPage,
} from './audit';
import type { AuditLog } from './audit-types';

let nextId = 1;
function entry(over: Partial<AuditLog> = {}): AuditLog {
  const id = over.id ?? nextId++;
  return {
    id,
    account_id: 'AC0001',
    operation: 'UPDATE',
    table_name: 'notes',
    record_id: 'r1',
    column_name: 'title',
    old_value: '"a"',
    new_value: '"b"',
    user_id: 'u1',
    user_email: 'ann@acme.test',
    user_name: null,
    es_username: null,
    es_reason: null,
    es_timestamp: null,
    ip_address: null,
    user_agent: null,
    request_id: null,
    occurred_at: '2026-12-04T10:00:00Z',
    checksum: 'c',
    previous_hash: 'p',
    extra_metadata: null,
    chain: 'AC0001',
    sequence: id,
    ...over,
  };
}

describe('filters <-> URL', () => {
  it('reads defaults from an empty URL', () => {
    const f = filtersFromParams(new URLSearchParams());
    expect(f).toMatchObject({ table_name: '', sort_by: 'id', sort_order: 'desc', skip: 0, limit: 50 });
    expect(hasFilters(f)).toBe(false);
  });

  it('reads filters, sort and page', () => {
    const f = filtersFromParams(
      new URLSearchParams('table_name=notes&record_id=r1&operation=UPDATE&from_date=2026-12-01&sort_by=user_email&sort_order=asc&skip=100&limit=25'),
    );
    expect(f).toMatchObject({ table_name: 'notes', record_id: 'r1', operation: 'UPDATE', from_date: '2026-12-01', sort_by: 'user_email', sort_order: 'asc', skip: 100, limit: 25 });
    expect(hasFilters(f)).toBe(true);
  });

  it('falls back on invalid sort and page values, and caps the limit', () => {
    const f = filtersFromParams(new URLSearchParams('sort_by=checksum&sort_order=up&skip=-3&limit=9999'));
    expect(f).toMatchObject({ sort_by: 'id', sort_order: 'desc', skip: 0, limit: 500 });
    expect(filtersFromParams(new URLSearchParams('limit=0&skip=x')).limit).toBe(50);
  });

  it('writes only what differs from the default, keeping other params', () => {
    const f = filtersFromParams(new URLSearchParams('table_name=notes'));
    const base = new URLSearchParams('entry=7&operation=DELETE');
    const out = filtersToParams({ ...f, skip: 50 }, base);
    expect(out.get('table_name')).toBe('notes');
    expect(out.get('skip')).toBe('50');
    expect(out.get('entry')).toBe('7');
    expect(out.has('operation')).toBe(false);
    expect(out.has('limit')).toBe(false);
    expect(out.has('sort_by')).toBe(false);
  });

  it('round-trips', () => {
    const text = 'account_id=AC0001&table_name=notes&user_id=u1&to_date=2026-12-31&sort_order=asc&skip=10&limit=10';
    const f = filtersFromParams(new URLSearchParams(text));
    expect(filtersFromParams(filtersToParams(f))).toEqual(f);
  });

  it('builds the list and export queries', () => {
    const f = filtersFromParams(new URLSearchParams('table_name=notes&skip=50'));
    expect(listQuery(f)).toEqual({ table_name: 'notes', sort_by: 'id', sort_order: 'desc', skip: 50, limit: 50 });
    expect(exportQuery(f)).toEqual({ table_name: 'notes', sort_by: 'id', sort_order: 'desc' });
  });
});

describe('paging', () => {
  it('converts between skip/limit and pages', () => {
    expect(pageOf(0, 50)).toBe(1);
    expect(pageOf(100, 50)).toBe(3);
    expect(pageCount(0, 50)).toBe(1);
    expect(pageCount(101, 50)).toBe(3);
    expect(skipForPage(3, 50)).toBe(100);
    expect(skipForPage(0, 50)).toBe(0);
  });

  it('links a record history', () => {
    expect(historyHref('my notes', 'a&b')).toBe('/audit-logs/history?table_name=my+notes&record_id=a%26b');
  });
});

describe('displayValue', () => {
  it('unquotes JSON strings and keeps other JSON', () => {
    expect(displayValue('"hello"')).toEqual({ text: 'hello', absent: false, masked: false });
    expect(displayValue('42').text).toBe('42');
    expect(displayValue('{"a":[1,2]}').text).toBe('{"a":[1,2]}');
    expect(displayValue('null').text).toBe('null');
  });
  it('marks absent and masked values, and shows non-JSON as is', () => {
    expect(displayValue(null).absent).toBe(true);
    expect(displayValue('***').masked).toBe(true);
    expect(displayValue('"***"').masked).toBe(true);
    expect(displayValue('not json').text).toBe('not json');
  });
});

describe('buildDiff', () => {
  it('has one line per column, marking unchanged ones', () => {
    const d = buildDiff([
      entry({ id: 2, column_name: 'body', old_value: '"x"', new_value: '"x"' }),
      entry({ id: 1, column_name: 'title', old_value: '"a"', new_value: '"b"' }),
    ]);
    expect(d).toEqual([
      { column: 'title', old: '"a"', new: '"b"', changed: true },
      { column: 'body', old: '"x"', new: '"x"', changed: false },
    ]);
  });
  it('merges a column written twice: first old, last new', () => {
    const d = buildDiff([
      entry({ id: 1, column_name: 'title', old_value: '"a"', new_value: '"b"' }),
      entry({ id: 2, column_name: 'title', old_value: '"b"', new_value: '"c"' }),
    ]);
    expect(d).toEqual([{ column: 'title', old: '"a"', new: '"c"', changed: true }]);
  });
  it('counts masked values as changed', () => {
    expect(buildDiff([entry({ id: 1, column_name: 'password', old_value: '***', new_value: '***' })])[0].changed).toBe(true);
  });
  it('keeps entries without a column separate', () => {
    const d = buildDiff([entry({ id: 1, column_name: null, old_value: null, new_value: null }), entry({ id: 2, column_name: null })]);
    expect(d).toHaveLength(2);
    expect(d[0].changed).toBe(false);
  });
});

describe('groupChanges', () => {
  it('groups by change_seq and leaves entries without it alone', () => {
    const changes = groupChanges([
      entry({ id: 5, operation: 'UPDATE', column_name: 'title', occurred_at: '2026-12-04T10:05:00Z', extra_metadata: { change_seq: 2 } }),
      entry({ id: 1, operation: 'CREATE', column_name: 'title', old_value: null, occurred_at: '2026-12-04T10:00:00Z', extra_metadata: { change_seq: 1 } }),
      entry({ id: 2, operation: 'CREATE', column_name: 'body', old_value: null, occurred_at: '2026-12-04T10:00:00Z', extra_metadata: { change_seq: 1 } }),
      entry({ id: 3, operation: 'LOGIN', column_name: null, occurred_at: '2026-12-04T10:01:00Z', extra_metadata: null }),
      entry({ id: 4, operation: 'LOGIN', column_name: null, occurred_at: '2026-12-04T10:01:00Z', extra_metadata: { role: 'admin' } }),
      entry({ id: 6, operation: 'UPDATE', column_name: 'body', occurred_at: '2026-12-04T10:05:00Z', extra_metadata: { change_seq: 2 } }),
    ]);
    expect(changes.map((c) => [c.changeSeq, c.head.operation, c.entries.map((e) => e.id)])).toEqual([
      [1, 'CREATE', [1, 2]],
      [null, 'LOGIN', [3]],
      [null, 'LOGIN', [4]],
      [2, 'UPDATE', [5, 6]],
    ]);
    expect(changes[0].diff.map((d) => d.column)).toEqual(['title', 'body']);
  });

  it('does not merge the same change_seq of two chains', () => {
    const changes = groupChanges([
      entry({ id: 1, chain: 'A', extra_metadata: { change_seq: 1 } }),
      entry({ id: 2, chain: 'B', extra_metadata: { change_seq: 1 } }),
    ]);
    expect(changes).toHaveLength(2);
  });

  it('is empty for no entries', () => {
    expect(groupChanges([])).toEqual([]);
  });
});

describe('parseFieldList', () => {
  it('trims, drops empties and duplicates', () => {
    expect(parseFieldList(' password, token ,, password,')).toEqual(['password', 'token']);
    expect(parseFieldList('')).toEqual([]);
  });
});
