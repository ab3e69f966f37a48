import { describe, expect, it } from 'vitest';
import { diffDocuments, parseExportDocument } from './schema-diff';
import type { CollectionRules, ExportDocument, Field, PermissionFields } from './types';

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

  it('lists rule changes, reading the SDK\'s text form of field lists', () => {
    const rules: CollectionRules = {
      list_rule: '',
      view_rule: '',
      create_rule: null,
      update_rule: null,
      delete_rule: null,
      list_fields: '*',
      view_fields: '*',
      create_fields: ['title'],
      update_fields: '*',
    };
    const now: ExportDocument = { format_version: 1, collections: [{ name: 'tags', schema: [field('label')], rules: { ...rules } }] };
    const same: ExportDocument = {
      version: '1.0',
      collections: [{ name: 'tags', schema: [field('label')], rules: { ...rules, create_fields: ' title ' as unknown as PermissionFields } }],
    };
    expect(diffDocuments(same, now, 'update')[0]).toMatchObject({ status: 'unchanged', rules: [] });
    const changed: ExportDocument = {
      version: '1.0',
      collections: [{ name: 'tags', schema: [field('label')], rules: { ...rules, delete_rule: 'true' } }],
    };
    expect(diffDocuments(changed, now, 'update')[0]).toMatchObject({
      status: 'changed',
      outcome: 'update',
      rules: ['delete_rule: null → "true"'],
    });
    // Without rules, permissions are left alone: nothing to show.
    const bare: ExportDocument = { format_version: 1, collections: [{ name: 'tags', schema: [field('label')] }] };
    expect(diffDocuments(bare, now, 'update')[0].rules).toEqual([]);
  });

  it('parses documents and explains bad ones', () => {
    expect('doc' in parseExportDocument(JSON.stringify(current))).toBe(true);
    const bad = parseExportDocument('{"format_version":1}');
    expect('error' in bad && bad.error).toMatch(/collections/);
    // The SDK's documents name `version`; unknown keys are kept for the server.
    const sdk = parseExportDocument(
      JSON.stringify({ version: '1.0', exported_by: 'x@example.com', collections: [{ name: 'a', schema: [], rules: { list_rule: '' } }] }),
    );
    expect('doc' in sdk && sdk.doc).toMatchObject({ exported_by: 'x@example.com', collections: [{ rules: { list_rule: '' } }] });
    const unnamed = parseExportDocument('{"collections": []}');
    expect('error' in unnamed && unnamed.error).toMatch(/format_version/);
    const notJson = parseExportDocument('{nope');
    expect('error' in notJson && notJson.error).toMatch(/Not valid JSON/);
  });
});
