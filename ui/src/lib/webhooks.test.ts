import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import { headersToRows, rowsToHeaders, webhookErrors } from './webhooks';

describe('headers editor', () => {
  it('turns headers into rows and back', () => {
    const rows = headersToRows({ 'X-Team': 'billing', Authorization: 'Bearer x' });
    expect(rows).toEqual([
      { name: 'X-Team', value: 'billing' },
      { name: 'Authorization', value: 'Bearer x' },
    ]);
    expect(rowsToHeaders(rows)).toEqual({ headers: { 'X-Team': 'billing', Authorization: 'Bearer x' } });
  });
  it('starts with one empty row and skips empty rows', () => {
    expect(headersToRows({})).toEqual([{ name: '', value: '' }]);
    expect(headersToRows(null)).toEqual([{ name: '', value: '' }]);
    expect(rowsToHeaders([{ name: ' ', value: '' }, { name: ' X-A ', value: ' 1 ' }])).toEqual({ headers: { 'X-A': '1' } });
  });
  it('refuses what the server refuses', () => {
    expect(rowsToHeaders([{ name: '', value: 'v' }])).toEqual({ error: 'A header needs a name' });
    expect(rowsToHeaders([{ name: 'bad name', value: 'v' }])).toEqual({ error: "Header 'bad name' is not a valid name" });
    expect(rowsToHeaders([{ name: 'X-SnackBase-Event', value: 'v' }])).toEqual({ error: "Header 'X-SnackBase-Event' cannot be set" });
    expect(rowsToHeaders([{ name: 'content-type', value: 'v' }])).toEqual({ error: "Header 'content-type' cannot be set" });
    expect(rowsToHeaders([{ name: 'X-A', value: '1' }, { name: 'x-a', value: '2' }])).toEqual({ error: "Header 'x-a' is repeated" });
    expect(rowsToHeaders([{ name: 'X-A', value: 'a\nb' }])).toEqual({ error: "Header 'X-A' has a line break in its value" });
  });
});

describe('webhookErrors', () => {
  it('maps 422 details to their fields, with the filter position', () => {
    const e = new ApiError(422, {
      error: 'validation_error',
      message: 'Invalid',
      details: [{ field: 'filter', code: 'syntax', message: 'Unexpected token', position: 7 }],
    });
    const r = webhookErrors(e);
    expect(r.form).toBe('');
    expect(r.fields.filter).toMatchObject({ message: 'Unexpected token', position: 7 });
  });
  it('keeps a message no field claims at the form level', () => {
    const e = new ApiError(403, { error: 'forbidden', message: 'Nope' });
    expect(webhookErrors(e)).toEqual({ fields: {}, form: 'Nope' });
    expect(webhookErrors(new Error('offline')).form).toBe('offline');
    const u = new ApiError(422, { error: 'validation_error', message: 'x', details: [{ field: 'url', code: 'url_not_allowed', message: 'internal' }] });
    expect(webhookErrors(u).fields.url?.message).toBe('internal');
  });
});
