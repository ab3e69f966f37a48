// The collection builder's form model: what the person edits, its validation
// (mirroring the server's rules), and its conversion to the API's FieldInput.

import { z } from 'zod';
import {
  FIELD_KINDS,
  MASK_TYPES,
  ON_DELETE,
  type Change,
  type Field,
  type FieldInput,
  type FieldKind,
  type FieldOptions,
  type IndexDef,
  type Json,
} from '@/lib/types';

export const RESERVED_FIELD_NAMES = [
  'id', 'account_id', 'created_at', 'created_by', 'updated_at', 'updated_by',
  'and', 'or', 'not', 'in', 'true', 'false', 'null', 'expand',
];

const IDENT = /^[A-Za-z][A-Za-z0-9_]*$/;
const MIME = /^[A-Za-z0-9*.+_-]+\/[A-Za-z0-9*.+_-]+$/;
const THUMB = /^\d{1,4}x\d{1,4}[tbf]?$/;

export const fieldFormSchema = z.object({
  /** The field's name when loaded (edit mode); '' for a new field. */
  original: z.string(),
  name: z.string(),
  type: z.enum(FIELD_KINDS),
  required: z.boolean(),
  unique: z.boolean(),
  pii: z.boolean(),
  /** Text, email and url fields: matched by the records list's search. */
  searchable: z.boolean(),
  mask_type: z.union([z.enum(MASK_TYPES), z.literal('')]),
  default: z.string(),
  min: z.string(),
  max: z.string(),
  integer: z.boolean(),
  min_length: z.string(),
  max_length: z.string(),
  pattern: z.string(),
  values: z.string(),
  multiple: z.boolean(),
  /** Files: the largest file, in bytes ('' for the server's limit). */
  max_size: z.string(),
  /** Files: comma-separated types, `image/*` allowed. */
  mime_types: z.string(),
  /** Files: comma-separated thumbnail sizes besides 100x100. */
  thumbs: z.string(),
  protected: z.boolean(),
  collection: z.string(),
  on_delete: z.union([z.enum(ON_DELETE), z.literal('')]),
});
export type FieldForm = z.infer<typeof fieldFormSchema>;

export const indexFormSchema = z.object({ fields: z.array(z.string()), unique: z.boolean() });

export function newField(name = ''): FieldForm {
  return {
    original: '', name, type: 'text', required: false, unique: false, pii: false, searchable: false, mask_type: '',
    default: '', min: '', max: '', integer: false, min_length: '', max_length: '', pattern: '',
    values: '', multiple: false, max_size: '', mime_types: '', thumbs: '', protected: false,
    collection: '', on_delete: '',
  };
}

/** The kinds `searchable` applies to. */
export const isTextual = (kind: FieldKind) => kind === 'text' || kind === 'email' || kind === 'url';

const str = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v));

function defaultToText(value: Json, kind: FieldKind): string {
  if (value === null || value === undefined) return '';
  if (kind === 'json') return JSON.stringify(value);
  if (Array.isArray(value)) return value.map(String).join(', ');
  return String(value);
}

export function fromField(f: Field): FieldForm {
  const o = f.options ?? {};
  return {
    original: f.name, name: f.name, type: f.type, required: f.required, unique: f.unique, pii: f.pii,
    searchable: f.searchable ?? false,
    mask_type: f.mask_type ?? '', default: defaultToText(f.default, f.type),
    min: str(o.min), max: str(o.max), integer: o.integer ?? false,
    min_length: str(o.min_length), max_length: str(o.max_length), pattern: o.pattern ?? '',
    values: (o.values ?? []).join(', '), multiple: o.multiple ?? false,
    max_size: str(o.max_size), mime_types: (o.mime_types ?? []).join(', '), thumbs: (o.thumbs ?? []).join(', '),
    protected: o.protected ?? false,
    collection: f.collection ?? '', on_delete: f.on_delete ?? '',
  };
}

export function splitValues(raw: string): string[] {
  return raw.split(/[,\n]/).map((v) => v.trim()).filter((v) => v !== '');
}

const num = (s: string): number | undefined => (s.trim() === '' ? undefined : Number(s));

/** Parses the typed default for a kind; throws a message when it does not fit. */
export function parseDefault(f: FieldForm): Json | undefined {
  const raw = f.default.trim();
  if (raw === '') return undefined;
  switch (f.type) {
    case 'number': {
      const n = Number(raw);
      if (!Number.isFinite(n)) throw new Error('Default must be a number');
      return n;
    }
    case 'boolean':
      if (raw !== 'true' && raw !== 'false') throw new Error('Default must be true or false');
      return raw === 'true';
    case 'json':
      try {
        return JSON.parse(raw) as Json;
      } catch {
        throw new Error('Default is not valid JSON');
      }
    case 'select': {
      const picked = f.multiple ? splitValues(raw) : [raw];
      const allowed = splitValues(f.values);
      const bad = picked.find((p) => !allowed.includes(p));
      if (bad !== undefined) throw new Error(`Default '${bad}' is not one of the values`);
      return f.multiple ? picked : raw;
    }
    default:
      return raw;
  }
}

function optionsOf(f: FieldForm): FieldOptions | undefined {
  const o: FieldOptions = {};
  if (f.type === 'number') {
    if (num(f.min) !== undefined) o.min = num(f.min);
    if (num(f.max) !== undefined) o.max = num(f.max);
    if (f.integer) o.integer = true;
  }
  if (f.type === 'text' || f.type === 'email' || f.type === 'url') {
    if (num(f.min_length) !== undefined) o.min_length = num(f.min_length);
    if (num(f.max_length) !== undefined) o.max_length = num(f.max_length);
    if (f.pattern.trim()) o.pattern = f.pattern.trim();
  }
  if (f.type === 'select') {
    o.values = splitValues(f.values);
    if (f.multiple) o.multiple = true;
  }
  if (f.type === 'file') {
    if (f.multiple) o.multiple = true;
    if (num(f.max_size) !== undefined) o.max_size = num(f.max_size);
    if (splitValues(f.mime_types).length) o.mime_types = splitValues(f.mime_types);
    if (splitValues(f.thumbs).length) o.thumbs = splitValues(f.thumbs);
    if (f.protected) o.protected = true;
  }
  return Object.keys(o).length ? o : undefined;
}

export function toFieldInput(f: FieldForm, withRenames: boolean): FieldInput {
  const out: FieldInput = { name: f.name.trim(), type: f.type, required: f.required, unique: f.unique, pii: f.pii };
  if (f.pii && f.mask_type) out.mask_type = f.mask_type;
  if (f.searchable && isTextual(f.type)) out.searchable = true;
  const d = parseDefault(f);
  if (d !== undefined) out.default = d;
  const options = optionsOf(f);
  if (options) out.options = options;
  if (f.type === 'reference') {
    if (f.collection) out.collection = f.collection;
    if (f.on_delete) out.on_delete = f.on_delete;
  }
  if (withRenames && f.original && f.original !== out.name) out.renamed_from = f.original;
  return out;
}

export const builderSchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, 'Collection name is required')
      .min(3, 'Collection name must be at least 3 characters')
      .max(48, 'Collection name must be at most 48 characters')
      .regex(IDENT, 'Collection name must start with a letter and contain only letters, digits and underscores'),
    schema: z.array(fieldFormSchema).min(1, 'A collection needs at least one field'),
    indexes: z.array(indexFormSchema),
  })
  .superRefine((v, ctx) => {
    const seen = new Set<string>();
    v.schema.forEach((f, i) => {
      const at = (key: string, message: string) => ctx.addIssue({ code: 'custom', path: ['schema', i, key], message });
      const name = f.name.trim();
      if (!name) at('name', 'Field name is required');
      else if (name.length > 59) at('name', 'Field name must be at most 59 characters');
      else if (!IDENT.test(name)) at('name', 'Field name must start with a letter and contain only letters, digits and underscores');
      else if (RESERVED_FIELD_NAMES.includes(name.toLowerCase())) at('name', `Field name '${name}' is reserved`);
      else if (seen.has(name.toLowerCase())) at('name', `Field name '${name}' is used twice`);
      seen.add(name.toLowerCase());
      if (f.type === 'reference') {
        if (!f.collection) at('collection', 'A reference field needs a target collection');
        if (!f.on_delete) at('on_delete', 'A reference field needs on_delete');
        else if (f.required && f.on_delete === 'set_null') at('on_delete', 'A required reference cannot use on_delete set_null');
      }
      if (f.type === 'select') {
        const values = splitValues(f.values);
        if (values.length === 0) at('values', 'A select field needs at least one value');
        else if (new Set(values).size !== values.length) at('values', 'Select values must be distinct');
      }
      if (f.type === 'json' && f.unique) at('unique', 'json fields cannot be unique');
      if (f.type === 'file') {
        if (f.max_size.trim() && !/^[1-9]\d*$/.test(f.max_size.trim())) at('max_size', 'max_size is a number of bytes, at least 1');
        if (splitValues(f.mime_types).some((t) => !MIME.test(t))) at('mime_types', 'Types look like image/png or image/*');
        if (splitValues(f.thumbs).some((t) => !THUMB.test(t))) at('thumbs', 'Sizes look like 200x200, 0x300, 300x0, 200x200t, 200x200b or 200x200f');
        if (f.default.trim()) at('default', 'A file field has no default');
      }
      if (f.type === 'number') {
        for (const k of ['min', 'max'] as const) if (f[k].trim() && !Number.isFinite(Number(f[k]))) at(k, `${k} must be a number`);
        if (f.min.trim() && f.max.trim() && Number(f.min) > Number(f.max)) at('max', 'min must not exceed max');
      }
      if (f.type === 'text' || f.type === 'email' || f.type === 'url') {
        for (const k of ['min_length', 'max_length'] as const) {
          if (f[k].trim() && !/^\d+$/.test(f[k].trim())) at(k, `${k} must be a whole number`);
        }
        if (f.min_length.trim() && f.max_length.trim() && Number(f.min_length) > Number(f.max_length)) {
          at('max_length', 'min_length must not exceed max_length');
        }
        if (f.pattern.trim()) {
          try {
            new RegExp(f.pattern);
          } catch {
            at('pattern', 'pattern is not a valid regular expression');
          }
        }
      }
      try {
        parseDefault(f);
      } catch (e) {
        at('default', e instanceof Error ? e.message : 'Invalid default');
      }
    });
    const names = new Set(v.schema.map((f) => f.name.trim()));
    v.indexes.forEach((ix, i) => {
      if (ix.fields.length === 0) ctx.addIssue({ code: 'custom', path: ['indexes', i, 'fields'], message: 'Pick at least one field' });
      const gone = ix.fields.find((f) => !names.has(f) && !['created_at', 'updated_at', 'created_by', 'updated_by'].includes(f));
      if (gone) ctx.addIssue({ code: 'custom', path: ['indexes', i, 'fields'], message: `No field named '${gone}'` });
    });
  });

export type BuilderValues = z.infer<typeof builderSchema>;

export function toIndexes(values: BuilderValues): IndexDef[] {
  return values.indexes.map((ix) => (ix.unique ? { fields: ix.fields, unique: true } : { fields: ix.fields }));
}

/** One schema change, in words; `loss` counts values it deletes. */
export function describeChange(c: Change): { text: string; loss: number } {
  switch (c.op) {
    case 'add_field':
      return { text: `Add field “${c.field}”`, loss: 0 };
    case 'rename_field':
      return { text: `Rename “${c.from}” to “${c.to}” (values kept)`, loss: 0 };
    case 'remove_field':
      return { text: `Remove field “${c.field}”`, loss: c.values_lost };
    case 'change_type':
      return { text: `Change “${c.field}” from ${c.from} to ${c.to}`, loss: c.values_lost };
    case 'change_options':
      return { text: `Change the settings of “${c.field}”`, loss: 0 };
    case 'backfill_default':
      return { text: `Fill the default of “${c.field}” into ${c.rows} existing records`, loss: 0 };
    case 'add_index':
      return { text: `Add ${c.unique ? 'unique ' : ''}index on ${c.fields.join(', ')}`, loss: 0 };
    case 'remove_index':
      return { text: `Remove ${c.unique ? 'unique ' : ''}index on ${c.fields.join(', ')}`, loss: 0 };
  }
}
