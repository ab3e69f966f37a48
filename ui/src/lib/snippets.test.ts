import { describe, expect, it } from 'vitest';
import { buildSnippets, exampleBody } from './snippets';
import type { Field } from './types';

const f = (name: string, type: Field['type'], extra: Partial<Field> = {}): Field => ({
  name, type, required: false, default: null, unique: false, pii: false, ...extra,
});

describe('API preview snippets', () => {
  const schema = [
    f('title', 'text'),
    f('status', 'select', { options: { values: ['draft', 'live'] } }),
    f('author', 'reference', { collection: 'authors', on_delete: 'cascade' }),
  ];

  it('builds an example body from the schema', () => {
    expect(exampleBody(schema)).toEqual({ title: 'Example title', status: 'draft', author: '<authors id>' });
  });

  it('uses the real URL of the collection, with the account header for the superadmin', () => {
    const s = buildSnippets('http://127.0.0.1:8000', 'posts', schema, true);
    const list = s.find((x) => x.id === 'list');
    expect(list?.curl).toContain('http://127.0.0.1:8000/api/v1/records/posts?limit=20');
    expect(list?.curl).toContain('X-Account-ID');
    const create = s.find((x) => x.id === 'create');
    expect(create?.js).toContain("method: 'POST'");
    expect(create?.js).toContain('"title": "Example title"');
    expect(buildSnippets('http://h', 'posts', schema, false)[0].curl).not.toContain('X-Account-ID');
  });
});
