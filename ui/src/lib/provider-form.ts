// A provider's settings form, generated from its JSON schema
// (GET /admin/configuration/schema/{category}/{provider}): one control per
// property, secret properties as password inputs holding the server's mask.

export const MASK = '********';

export interface SchemaProperty {
  type: 'string' | 'boolean' | 'array';
  title?: string;
  description?: string;
  format?: string;
  secret?: boolean;
  default?: unknown;
}

export interface ProviderSchema {
  title?: string;
  description?: string;
  properties: Record<string, SchemaProperty>;
  required?: string[];
}

/** The form's state: text for strings and lists (comma-separated), booleans as they are. */
export type ProviderForm = Record<string, string | boolean>;

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
    else form[name] = typeof v === 'string' ? v : '';
  }
  return form;
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
      if (text) out[name] = text;
      else if (editing && !p.secret) out[name] = null;
    }
  }
  return out;
}

/** The form field a server error names (`config.client_id` → `client_id`). */
export function configField(field: string): string | null {
  return field.startsWith('config.') ? field.slice('config.'.length) : null;
}
