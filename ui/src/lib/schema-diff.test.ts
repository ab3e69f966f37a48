import { describe, expect, it } from 'vitest';
import { diffDocuments, parseExportDocument } from './schema-diff';
import type { ExportDocument, Field } from './types';

const field = (name: string, extra: Partial<Field> = {}): Field => ({
  name,
  type: 'text',
  required: false,
  default: null,
  unique: false,
  options: null,
  collection: null,
  on_delete: null,
  pii: false,
  mask_type: null,
  ...extra,
});

const current: ExportDocument = {
  format_version: 1,
  collections: [
    { name: 'posts', schema: [field('title', { required: true }), field('views', { type: 'number' })], indexes: [] },
    { name: 'tags', schema: [field('label')], indexes: [] },
  ],
};

describe('import diff', () => {
  it('finds new, changed and unchanged collections and field-level changes', () => {
    const incoming: ExportDocument = {
      format_version: 1,
      collections: [
        {
          name: 'posts',
          schema: [
            { name: 'title', type: 'text', required: true } as Field,
            field('views', { type: 'text' }),
            field('body'),
          ],
          indexes: [{ fields: ['title'] }],
        },
        { name: 'tags', schema: [{ name: 'label', type: 'text' } as Field] },
        { name: 'authors', schema: [field('name')] },
      ],
    };
    const diff = diffDocuments(incoming, current, 'update');
    const posts = diff.find((d) => d.name === 'posts');
    expect(posts?.status).toBe('changed');
    expect(posts?.outcome).toBe('update');
    expect(posts?.fields).toEqual([
      { name: 'views', kind: 'changed', details: ['type: "number" → "text"'] },
      { name: 'body', kind: 'added', details: [] },
    ]);
    expect(posts?.indexes).toEqual({ added: ['(title)'], removed: [] });
    expect(diff.find((d) => d.name === 'tags')).toMatchObject({ status: 'unchanged', outcome: 'unchanged' });
    expect(diff.find((d) => d.name === 'authors')).toMatchObject({ status: 'new', outcome: 'create' });
  });

  it('reports removed fields and maps outcomes by strategy', () => {
    const incoming: ExportDocument = { format_version: 1, collections: [{ name: 'posts', schema: [field('title', { required: true })] }] };
    expect(diffDocuments(incoming, current, 'update')[0].fields).toEqual([{ name: 'views', kind: 'removed', details: [] }]);
    expect(diffDocuments(incoming, current, 'skip')[0].outcome).toBe('skip');
    expect(diffDocuments(incoming, current, 'error')[0].outcome).toBe('conflict');
  });

  it('parses documents and explains bad ones', () => {
    expect('doc' in parseExportDocument(JSON.stringify(current))).toBe(true);
    const bad = parseExportDocument('{"format_version":1}');
    expect('error' in bad && bad.error).toMatch(/collections/);
    const notJson = parseExportDocument('{nope');
    expect('error' in notJson && notJson.error).toMatch(/Not valid JSON/);
  });
});
