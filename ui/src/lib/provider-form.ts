// A provider's settings form, generated from its JSON schema
// (GET /admin/configuration/schema/{category}/{provider}): one control per
// property, secret properties as password inputs holding the server's mask,
// integers as number inputs, a string `enum` as a select.

export const MASK = '********';

export interface SchemaProperty {
  type: 'string' | 'boolean' | 'array' | 'integer';
  title?: string;
  description?: string;
  format?: string;
  secret?: boolean;
  default?: unknown;
  /** The words a string may be (a select). */
  enum?: string[];
  /** An integer's bounds. */
  minimum?: number;
  maximum?: number;
}

export interface ProviderSchema {
  title?: string;
  description?: string;
  properties: Record<string, SchemaProperty>;
  required?: string[];
}

/** The form's state: text for strings, integers and lists (comma-separated), booleans as they are. */
export type ProviderForm = Record<string, string | boolean>;

/** The kind of control a property gets. */
export type ControlKind = 'checkbox' | 'number' | 'select' | 'list' | 'text';

export function controlKind(p: SchemaProperty): ControlKind {
  if (p.type === 'boolean') return 'checkbox';
  if (p.type === 'integer') return 'number';
  if (p.type === 'array') return 'list';
  return Array.isArray(p.enum) && p.enum.length > 0 ? 'select' : 'text';
}

export function fieldNames(schema: ProviderSchema): string[] {
  return Object.keys(schema.properties);
}

/** The form filled from stored values (editing) or the schema's defaults (creating). */
export function initialForm(schema: ProviderSchema, values?: Record<string, unknown>): ProviderForm {
  const form: ProviderForm = {};
  for (const [name, p] of Object.entries(schema.properties)) {
    const v = values && name in values ? values[name] : values ? undefined : p.default;
    if (p.type === 'boolean') form[name] = typeof v === 'boolean' ? v : p.default === true;
    else if (p.type === 'array') form[name] = Array.isArray(v) ? v.join(', ') : '';
    else if (p.type === 'integer') form[name] = typeof v === 'number' && Number.isFinite(v) ? String(v) : '';
    else form[name] = typeof v === 'string' ? v : '';
  }
  return form;
}

/**
 * An integer field's text as sent: a JSON number when it is one, else the
 * text as typed (the server names the field in its error).
 */
function integerValue(text: string): number | string {
  return /^[+-]?\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : text;
}

/**
 * The values to send. Creating: empty fields are left out (the server's
 * defaults apply). Editing: an emptied field is sent as null (back to the
 * default), a secret left as the mask keeps the stored secret.
 */
export function formValues(schema: ProviderSchema, form: ProviderForm, editing: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(schema.properties)) {
    const v = form[name];
    if (p.type === 'boolean') {
      out[name] = v === true;
    } else if (p.type === 'array') {
      out[name] = String(v ?? '')
        .split(/[,\s]+/)
        .map((s) => s.trim())
        .filter(Boolean);
    } else {
      const text = String(v ?? '').trim();
      if (text) out[name] = p.type === 'integer' ? integerValue(text) : text;
      else if (editing && !p.secret) out[name] = null;
    }
  }
  return out;
}

/** The form field a server error names (`config.client_id` → `client_id`). */
export function configField(field: string): string | null {
  return field.startsWith('config.') ? field.slice('config.'.length) : null;
}
