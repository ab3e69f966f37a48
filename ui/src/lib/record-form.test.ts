import { describe, expect, it } from 'vitest';
import { checkValue, recordFormSchema, toFormValues, toPayload } from './record-form';
import type { Field } from './types';

const f = (name: string, type: Field['type'], extra: Partial<Field> = {}): Field => ({
  name, type, required: false, default: null, unique: false, pii: false, ...extra,
});

const schema = [
  f('title', 'text', { required: true }),
  f('views', 'number'),
  f('published', 'boolean'),
  f('meta', 'json'),
  f('tags', 'select', { options: { values: ['a', 'b'], multiple: true } }),
];

describe('record form', () => {
  it('blocks invalid JSON and reports missing required values', () => {
    const r = recordFormSchema(schema).safeParse({ data: { title: '', views: '', published: '', meta: '{bad', tags: [] } });
    expect(r.success).toBe(false);
    if (!r.success) {
      const byPath = Object.fromEntries(r.error.issues.map((i) => [i.path.join('.'), i.message]));
      expect(byPath['data.title']).toBe('title is required');
      expect(byPath['data.meta']).toMatch(/^Invalid JSON/);
    }
  });

  it('checks numbers and select values', () => {
    expect(checkValue(f('n', 'number', { options: { integer: true } }), '1.5')).toBe('Enter a whole number');
    expect(checkValue(f('n', 'number'), 'abc')).toBe('Enter a number');
    expect(checkValue(schema[4], ['a', 'z'])).toBe("'z' is not one of a, b");
  });

  it('builds a create body without empty inputs, typed per field', () => {
    const body = toPayload(schema, { data: { title: 'Hi', views: '3', published: 'true', meta: '{"a":1}', tags: ['b'] } });
    expect(body).toEqual({ title: 'Hi', views: 3, published: true, meta: { a: 1 }, tags: ['b'] });
    expect(toPayload(schema, { data: { title: 'Hi', views: '', published: '', meta: '', tags: [] } })).toEqual({ title: 'Hi' });
  });

  it('sends only changes on edit, null for cleared values', () => {
    const original = { title: 'Hi', views: 3, published: true, meta: { a: 1 }, tags: ['a'] };
    const values = toFormValues(schema, original);
    expect(toPayload(schema, values, original)).toEqual({});
    values.data.views = '';
    values.data.title = 'Hello';
    expect(toPayload(schema, values, original)).toEqual({ views: null, title: 'Hello' });
  });
});
