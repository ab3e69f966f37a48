import { describe, expect, it } from 'vitest';
import { configField, formValues, initialForm, MASK, type ProviderSchema } from './provider-form';

const schema: ProviderSchema = {
  properties: {
    issuer_url: { type: 'string', format: 'uri' },
    client_secret: { type: 'string', secret: true },
    scopes: { type: 'string', default: 'openid email profile' },
    allowed_domains: { type: 'array', default: [] },
    allow_signup: { type: 'boolean', default: true },
  },
  required: ['issuer_url', 'client_secret'],
};

describe('provider form', () => {
  it('starts from the defaults when creating', () => {
    const form = initialForm(schema);
    expect(form).toEqual({ issuer_url: '', client_secret: '', scopes: 'openid email profile', allowed_domains: '', allow_signup: true });
    expect(formValues(schema, { ...form, allowed_domains: 'a.com, b.org' }, false)).toEqual({
      scopes: 'openid email profile',
      allowed_domains: ['a.com', 'b.org'],
      allow_signup: true,
    });
  });

  it('keeps the mask and clears emptied fields when editing', () => {
    const form = initialForm(schema, { issuer_url: 'https://x', client_secret: MASK, allow_signup: false });
    expect(form.client_secret).toBe(MASK);
    expect(form.allow_signup).toBe(false);
    const v = formValues(schema, { ...form, scopes: '' }, true);
    expect(v.client_secret).toBe(MASK);
    expect(v.scopes).toBeNull();
    expect(v.issuer_url).toBe('https://x');
  });

  it('maps server fields', () => {
    expect(configField('config.client_id')).toBe('client_id');
    expect(configField('display_name')).toBeNull();
  });
});
