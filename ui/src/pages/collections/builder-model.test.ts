import { describe, expect, it } from 'vitest';
import { builderSchema, fromField, newField, toFieldInput } from './builder-model';

describe('builder: file fields', () => {
  it('sends the file options that are set, and reads them back', () => {
    const f = { ...newField('cover'), type: 'file' as const, max_size: '2000000', mime_types: 'image/*, application/pdf', thumbs: '300x0, 200x200f', multiple: true, protected: true };
    const input = toFieldInput(f, false);
    expect(input).toEqual({
      name: 'cover', type: 'file', required: false, unique: false, pii: false,
      options: { multiple: true, max_size: 2000000, mime_types: ['image/*', 'application/pdf'], thumbs: ['300x0', '200x200f'], protected: true },
    });
    const back = fromField({ ...input, required: false, unique: false, pii: false, default: null, options: input.options });
    expect(back).toMatchObject({ max_size: '2000000', mime_types: 'image/*, application/pdf', thumbs: '300x0, 200x200f', multiple: true, protected: true });
    expect(toFieldInput({ ...newField('plain'), type: 'file' }, false).options).toBeUndefined();
  });

  it('rejects a bad size, type, thumbnail size or a default', () => {
    const f = { ...newField('cover'), type: 'file' as const, max_size: '0', mime_types: 'png', thumbs: '100', default: 'x' };
    const r = builderSchema.safeParse({ name: 'photos', schema: [f], indexes: [] });
    expect(r.success).toBe(false);
    if (!r.success) {
      const paths = r.error.issues.map((i) => i.path.join('.'));
      expect(paths).toEqual(expect.arrayContaining(['schema.0.max_size', 'schema.0.mime_types', 'schema.0.thumbs', 'schema.0.default']));
    }
  });
});
