import { describe, expect, it } from 'vitest';
import { configField, controlKind, formValues, initialForm, MASK, type ProviderSchema } from './provider-form';

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

const smtp: ProviderSchema = {
  properties: {
    host: { type: 'string' },
    port: { type: 'integer', minimum: 1, maximum: 65535, default: 587 },
    security: { type: 'string', enum: ['starttls', 'tls', 'none'], default: 'starttls' },
    password: { type: 'string', secret: true },
  },
  required: ['host'],
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

  it('turns integers into JSON numbers, and leaves empty ones out', () => {
    const form = initialForm(smtp);
    expect(form.port).toBe('587');
    expect(formValues(smtp, { ...form, host: 'mail.example.com', port: ' 2525 ' }, false)).toMatchObject({ host: 'mail.example.com', port: 2525 });
    expect(formValues(smtp, { ...form, port: '' }, false)).not.toHaveProperty('port');
    expect(formValues(smtp, { ...form, port: '' }, true).port).toBeNull();
    // Not a whole number: sent as typed, so the server names the field.
    expect(formValues(smtp, { ...form, port: '25.5' }, false).port).toBe('25.5');
    expect(initialForm(smtp, { host: 'h', port: 465 }).port).toBe('465');
    expect(initialForm(smtp, { host: 'h' }).port).toBe('');
  });

  it('offers an enum as a select, sent as its word', () => {
    expect(controlKind(smtp.properties.security)).toBe('select');
    expect(controlKind(smtp.properties.port)).toBe('number');
    expect(controlKind(smtp.properties.host)).toBe('text');
    expect(controlKind(schema.properties.allowed_domains)).toBe('list');
    expect(controlKind(schema.properties.allow_signup)).toBe('checkbox');
    const form = initialForm(smtp);
    expect(form.security).toBe('starttls');
    expect(formValues(smtp, { ...form, security: 'none' }, false).security).toBe('none');
    expect(initialForm(smtp, { host: 'h', security: 'tls' }).security).toBe('tls');
    expect(formValues(smtp, { ...initialForm(smtp, { host: 'h' }) }, true).security).toBeNull();
  });

  it('maps server fields', () => {
    expect(configField('config.client_id')).toBe('client_id');
    expect(configField('display_name')).toBeNull();
  });
});
