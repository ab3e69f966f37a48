// Pure helpers of the API keys page.

import type { BadgeTone } from '@/components/ui/badge';
import type { ApiKey } from './types';

export type ApiKeyStatus = 'Active' | 'Revoked' | 'Expired';

/** Revoked wins over expired; a key past its expiry is expired even before the server says so. */
export function apiKeyStatus(k: Pick<ApiKey, 'revoked_at' | 'expires_at' | 'is_active'>, now = Date.now()): ApiKeyStatus {
  if (k.revoked_at) return 'Revoked';
  if (!k.is_active) return 'Expired';
  if (k.expires_at) {
    const t = Date.parse(k.expires_at);
    if (!Number.isNaN(t) && t <= now) return 'Expired';
  }
  return 'Active';
}

export const STATUS_TONES: Record<ApiKeyStatus, BadgeTone> = { Active: 'success', Revoked: 'danger', Expired: 'neutral' };

export type ApiKeyField = 'name' | 'role' | 'expires_at' | 'account_id' | 'collections';

export interface ApiKeyForm {
  name: string;
  role: string;
  /** A `datetime-local` value (local time), or '' for a key that never expires. */
  expires: string;
  /** The superadmin's choice; '' for account admins (their own account). */
  account: string;
  /** Whether the key reaches only `collections` (else every collection). */
  scoped?: boolean;
  /** The collections a scoped key reaches, by name. */
  collections?: string[];
}

/** How a key's scope reads in the list. */
export function scopeLabel(collections: string[] | null | undefined): string {
  if (!collections) return 'All collections';
  return collections.join(', ');
}

/**
 * Checks the form as the server would and builds the request body; or the
 * first problem, with the field it belongs to.
 */
export function apiKeyBody(
  form: ApiKeyForm,
  superadmin: boolean,
  now = Date.now(),
):
  | { body: { name: string; role: string; expires_at?: string; account_id?: string; collections?: string[] } }
  | { field: ApiKeyField; message: string } {
  const name = form.name.trim();
  if (!name) return { field: 'name', message: 'A name is required' };
  if ([...name].length > 100) return { field: 'name', message: 'At most 100 characters' };
  if (!form.role) return { field: 'role', message: 'Choose a role' };
  if (form.role === 'public') return { field: 'role', message: 'A key cannot have the public role' };
  let expires_at: string | undefined;
  if (form.expires) {
    const t = new Date(form.expires);
    if (Number.isNaN(t.getTime())) return { field: 'expires_at', message: 'Not a valid date and time' };
    if (t.getTime() <= now) return { field: 'expires_at', message: 'The expiry must be in the future' };
    expires_at = t.toISOString();
  }
  if (superadmin && !form.account) return { field: 'account_id', message: 'Choose the account the key belongs to' };
  const collections = form.scoped ? [...new Set(form.collections ?? [])] : undefined;
  if (collections && collections.length === 0) return { field: 'collections', message: 'Choose at least one collection' };
  return {
    body: {
      name,
      role: form.role,
      ...(expires_at ? { expires_at } : {}),
      ...(superadmin ? { account_id: form.account } : {}),
      ...(collections ? { collections } : {}),
    },
  };
}

/** The field a server error detail names, when the form has it. */
export function apiKeyField(field: string): ApiKeyField | null {
  const f = field.replace(/^body\./, '');
  return f === 'name' || f === 'role' || f === 'expires_at' || f === 'account_id' || f === 'collections' ? f : null;
}
