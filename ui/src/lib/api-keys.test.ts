import { describe, expect, it } from 'vitest';
import { apiKeyBody, apiKeyField, apiKeyStatus, scopeLabel } from './api-keys';

const NOW = Date.parse('2026-06-01T12:00:00Z');

describe('apiKeyStatus', () => {
  it('is Active when neither revoked nor expired', () => {
    expect(apiKeyStatus({ revoked_at: null, expires_at: null, is_active: true }, NOW)).toBe('Active');
    expect(apiKeyStatus({ revoked_at: null, expires_at: '2026-06-02T00:00:00Z', is_active: true }, NOW)).toBe('Active');
  });
  it('is Revoked when revoked, even if also expired', () => {
    expect(apiKeyStatus({ revoked_at: '2026-05-01T00:00:00Z', expires_at: '2026-05-02T00:00:00Z', is_active: false }, NOW)).toBe('Revoked');
  });
  it('is Expired past its expiry or when the server says inactive without a revocation', () => {
    expect(apiKeyStatus({ revoked_at: null, expires_at: '2026-06-01T11:59:59Z', is_active: true }, NOW)).toBe('Expired');
    expect(apiKeyStatus({ revoked_at: null, expires_at: '2026-05-01T00:00:00Z', is_active: false }, NOW)).toBe('Expired');
  });
});

describe('apiKeyBody', () => {
  const form = { name: '  CI deploy ', role: 'admin', expires: '', account: '' };
  it('trims the name and leaves out what is not set', () => {
    expect(apiKeyBody(form, false, NOW)).toEqual({ body: { name: 'CI deploy', role: 'admin' } });
  });
  it('requires a name of at most 100 characters', () => {
    expect(apiKeyBody({ ...form, name: '  ' }, false, NOW)).toMatchObject({ field: 'name' });
    expect(apiKeyBody({ ...form, name: 'x'.repeat(101) }, false, NOW)).toMatchObject({ field: 'name' });
    expect(apiKeyBody({ ...form, name: 'é'.repeat(100) }, false, NOW)).toHaveProperty('body');
  });
  it('refuses the public role', () => {
    expect(apiKeyBody({ ...form, role: 'public' }, false, NOW)).toMatchObject({ field: 'role' });
  });
  it('sends the expiry as RFC 3339 and refuses one in the past', () => {
    const later = new Date(NOW + 86_400_000);
    const local = new Date(later.getTime() - later.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    const r = apiKeyBody({ ...form, expires: local }, false, NOW);
    expect(r).toHaveProperty('body');
    if ('body' in r) expect(Date.parse(r.body.expires_at ?? '')).toBe(new Date(local).getTime());
    const earlier = new Date(NOW - 86_400_000);
    const past = new Date(earlier.getTime() - earlier.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    expect(apiKeyBody({ ...form, expires: past }, false, NOW)).toMatchObject({ field: 'expires_at' });
  });
  it('requires the superadmin to choose an account, and sends it', () => {
    expect(apiKeyBody(form, true, NOW)).toMatchObject({ field: 'account_id' });
    expect(apiKeyBody({ ...form, account: 'AB1234' }, true, NOW)).toEqual({ body: { name: 'CI deploy', role: 'admin', account_id: 'AB1234' } });
    expect(apiKeyBody({ ...form, account: 'AB1234' }, false, NOW)).toEqual({ body: { name: 'CI deploy', role: 'admin' } });
  });
});

describe('apiKeyField', () => {
  it('maps the server fields the form has', () => {
    expect(apiKeyField('expires_at')).toBe('expires_at');
    expect(apiKeyField('account_id')).toBe('account_id');
    expect(apiKeyField('other')).toBeNull();
  });
});

describe('the key scope', () => {
  const form = { name: 'reader', role: 'user', expires: '', account: '' };
  it('leaves the scope out unless limited, and sends the chosen names once', () => {
    expect(apiKeyBody({ ...form, scoped: false, collections: ['posts'] }, false, NOW)).toEqual({ body: { name: 'reader', role: 'user' } });
    expect(apiKeyBody({ ...form, scoped: true, collections: ['posts', 'tags', 'posts'] }, false, NOW)).toEqual({
      body: { name: 'reader', role: 'user', collections: ['posts', 'tags'] },
    });
  });
  it('needs at least one collection when limited', () => {
    expect(apiKeyBody({ ...form, scoped: true, collections: [] }, false, NOW)).toMatchObject({ field: 'collections' });
  });
  it('reads as the names, or all collections', () => {
    expect(scopeLabel(null)).toBe('All collections');
    expect(scopeLabel(undefined)).toBe('All collections');
    expect(scopeLabel(['posts', 'tags'])).toBe('posts, tags');
    expect(apiKeyField('collections')).toBe('collections');
  });
});
