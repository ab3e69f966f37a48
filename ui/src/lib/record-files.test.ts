import { describe, expect, it } from 'vitest';
import { addFiles, checkFiles, fileNames, mimeAllowed, recordBody, recordFileUrl, type FileFormValue } from './record-files';
import { recordFormSchema, toFormValues, toPayload } from './record-form';
import type { Field } from './types';

const f = (name: string, type: Field['type'], extra: Partial<Field> = {}): Field => ({
  name, type, required: false, default: null, unique: false, pii: false, ...extra,
});

const cover = f('cover', 'file', { options: { mime_types: ['image/*'], max_size: 1000 } });
const docs = f('docs', 'file', { options: { multiple: true } });
const png = (name = 'a.png', size = 10) => new File([new Uint8Array(size)], name, { type: 'image/png' });
const v = (kept: string[], added: File[] = []): FileFormValue => ({ kept, added });

/** A FormData as [name, text or file name] pairs, in order. */
const parts = (form: FormData) =>
  [...form.entries()].map(([k, x]) => [k, typeof x === 'string' ? x : `file:${x.name}`]);

describe('record file fields', () => {
  it('reads stored names from a record value', () => {
    expect(fileNames('a.png')).toEqual(['a.png']);
    expect(fileNames(['a.png', 'b.pdf'])).toEqual(['a.png', 'b.pdf']);
    expect(fileNames(null)).toEqual([]);
    expect(fileNames('')).toEqual([]);
  });

  it('a single field keeps the last picked file and drops what it held; a multiple one adds', () => {
    expect(addFiles(cover, v(['old.png']), [png('x.png'), png('y.png')])).toEqual({ kept: [], added: [png('y.png')] });
    const many = addFiles(docs, v(['old.pdf'], [png('x.png')]), [png('y.png')]);
    expect(many.kept).toEqual(['old.pdf']);
    expect(many.added.map((x) => x.name)).toEqual(['x.png', 'y.png']);
  });

  it('checks required, size and the browser-known type', () => {
    expect(checkFiles({ ...cover, required: true }, v([]))).toBe('cover is required');
    expect(checkFiles(cover, v([]))).toBeNull();
    expect(checkFiles(cover, v([], [png('big.png', 2000)]))).toMatch(/^big\.png is 2\.0 KB; at most/);
    expect(checkFiles(cover, v([], [new File(['x'], 'n.pdf', { type: 'application/pdf' })]))).toMatch(/allowed: image\/\*/);
    // Unknown to the browser: the server decides.
    expect(checkFiles(cover, v([], [new File(['x'], 'n.bin')]))).toBeNull();
    expect(mimeAllowed('image/png', ['image/*'])).toBe(true);
    expect(mimeAllowed('text/plain', ['*'])).toBe(true);
    expect(mimeAllowed('imagex/png', ['image/*'])).toBe(false);
  });

  it('the form schema accepts file values and reports their problems', () => {
    const schema = [f('title', 'text'), { ...cover, required: true }];
    const values = toFormValues(schema);
    expect(values.data.cover).toEqual(v([]));
    const r = recordFormSchema(schema).safeParse(values);
    expect(r.success).toBe(false);
    if (!r.success) expect(r.error.issues[0].path).toEqual(['data', 'cover']);
    expect(recordFormSchema(schema).safeParse({ data: { title: '', cover: v(['k.png']) } }).success).toBe(true);
    // File fields never reach the JSON payload of the other fields.
    expect(toPayload(schema, { data: { title: 'Hi', cover: v([], [png()]) } })).toEqual({ title: 'Hi' });
  });

  it('a create without files is JSON', () => {
    const body = recordBody([cover, docs], { title: 'Hi' }, { cover: v([]), docs: v([]) });
    expect(body).toEqual({ title: 'Hi' });
  });

  it('a create with files is multipart: the values in @jsonPayload, one part per file named after its field', () => {
    const body = recordBody([cover, docs], { title: 'Hi', n: 2 }, { cover: v([], [png('c.png')]), docs: v([], [png('d1.png'), png('d2.png')]) });
    expect(body).toBeInstanceOf(FormData);
    expect(parts(body as FormData)).toEqual([
      ['@jsonPayload', '{"title":"Hi","n":2}'],
      ['cover', 'file:c.png'],
      ['docs', 'file:d1.png'],
      ['docs', 'file:d2.png'],
    ]);
  });

  it('an edit that only removes files is JSON with the names kept (null for a single field), unchanged fields left out', () => {
    const original = { cover: 'c.png', docs: ['a.pdf', 'b.pdf'] };
    expect(recordBody([cover, docs], {}, { cover: v([]), docs: v(['b.pdf']) }, original)).toEqual({ cover: null, docs: ['b.pdf'] });
    expect(recordBody([cover, docs], { title: 'x' }, { cover: v(['c.png']), docs: v(['a.pdf', 'b.pdf']) }, original)).toEqual({ title: 'x' });
  });

  it('an edit with files appends with field+, removes with field-, replaces a single file by its part', () => {
    const original = { cover: 'c.png', docs: ['a.pdf', 'b.pdf'] };
    const body = recordBody([cover, docs], {}, { cover: v([], [png('new.png')]), docs: v(['b.pdf'], [png('d.png')]) }, original);
    expect(parts(body as FormData)).toEqual([
      ['cover', 'file:new.png'],
      ['docs-', 'a.pdf'],
      ['docs+', 'file:d.png'],
    ]);
  });

  it('an edit with a file in one field and a removal in a single field sends field- for it', () => {
    const original = { cover: 'c.png', docs: [] };
    const body = recordBody([cover, docs], { title: 'T' }, { cover: v([]), docs: v([], [png('d.png')]) }, original);
    expect(parts(body as FormData)).toEqual([
      ['@jsonPayload', '{"title":"T"}'],
      ['cover-', 'c.png'],
      ['docs+', 'file:d.png'],
    ]);
  });

  it('builds download and thumbnail URLs with the file token', () => {
    expect(recordFileUrl('posts', 'r1', 'a b.png', { thumb: '100x100', token: 't.k' })).toBe('/api/v1/files/posts/r1/a%20b.png?thumb=100x100&token=t.k');
    expect(recordFileUrl('posts', 'r1', 'a.pdf', { download: true })).toBe('/api/v1/files/posts/r1/a.pdf?download=1');
    expect(recordFileUrl('posts', 'r1', 'a.png', { token: 't', account: 'AA0002' })).toBe('/api/v1/files/posts/r1/a.png?account_id=AA0002&token=t');
  });
});
