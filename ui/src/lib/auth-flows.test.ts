import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './api';
import {
  defaultChoiceLabel,
  describeVerification,
  forgotPasswordHref,
  fromChoice,
  isEmailNotVerified,
  once,
  resetOnce,
  serverDefaultFrom,
  toChoice,
} from './auth-flows';

describe('once: a single-use token is posted once', () => {
  afterEach(resetOnce);

  it('runs the call once per key and gives every caller the same answer', async () => {
    const post = vi.fn(async () => ({ email: 'a@example.com' }));
    // What StrictMode does in development: the effect runs twice.
    const first = once('verify:abc', post);
    const second = once('verify:abc', post);
    expect(second).toBe(first);
    await expect(second).resolves.toEqual({ email: 'a@example.com' });
    expect(post).toHaveBeenCalledTimes(1);
  });

  it('keeps a failure too, rather than asking again with a used token', async () => {
    const post = vi.fn(async () => {
      throw new Error('This verification link is invalid or has expired');
    });
    await expect(once('verify:used', post)).rejects.toThrow('invalid or has expired');
    await expect(once('verify:used', post)).rejects.toThrow('invalid or has expired');
    expect(post).toHaveBeenCalledTimes(1);
  });

  it('tells keys apart', async () => {
    const post = vi.fn(async () => 1);
    await once('verify:a', post);
    await once('verify:b', post);
    expect(post).toHaveBeenCalledTimes(2);
  });
});

describe('the login page', () => {
  it('carries the account typed so far to the forgot-password page', () => {
    expect(forgotPasswordHref('acme')).toBe('/forgot-password?account=acme');
    expect(forgotPasswordHref('  AB1234 ')).toBe('/forgot-password?account=AB1234');
    expect(forgotPasswordHref('a b&c')).toBe('/forgot-password?account=a%20b%26c');
    expect(forgotPasswordHref('')).toBe('/forgot-password');
  });

  it('recognises the 401 of an unverified address, not a wrong password', () => {
    const unverified = new ApiError(401, { error: 'unauthorized', message: 'Email not verified. Please check your email inbox.' });
    const wrong = new ApiError(401, { error: 'unauthorized', message: 'Invalid credentials' });
    const other = new ApiError(403, { error: 'forbidden', message: 'Email not verified' });
    expect(isEmailNotVerified(unverified)).toBe(true);
    expect(isEmailNotVerified(wrong)).toBe(false);
    expect(isEmailNotVerified(other)).toBe(false);
    expect(isEmailNotVerified(new Error('Email not verified'))).toBe(false);
    expect(isEmailNotVerified(null)).toBe(false);
  });
});

describe('the account setting "Require a verified email to sign in"', () => {
  it('maps null / true / false to the select and back', () => {
    for (const v of [null, true, false]) expect(fromChoice(toChoice(v))).toBe(v);
    expect(toChoice(undefined)).toBe('default');
    expect(toChoice(null)).toBe('default');
    expect(toChoice(true)).toBe('required');
    expect(toChoice(false)).toBe('not_required');
  });

  it('reads the server default from an account that follows it', () => {
    expect(
      serverDefaultFrom([
        { require_email_verification: true, email_verification_required: true },
        { require_email_verification: null, email_verification_required: false },
      ]),
    ).toBe(false);
    expect(serverDefaultFrom([{ require_email_verification: null, email_verification_required: true }])).toBe(true);
    // No account follows it: unknown.
    expect(serverDefaultFrom([{ require_email_verification: false, email_verification_required: false }])).toBeNull();
    expect(serverDefaultFrom(undefined)).toBeNull();
  });

  it('labels the default with its current value when known', () => {
    expect(defaultChoiceLabel(true)).toBe('Server default (currently on)');
    expect(defaultChoiceLabel(false)).toBe('Server default (currently off)');
    expect(defaultChoiceLabel(null)).toBe('Server default');
  });

  it('describes the effective value and where it comes from', () => {
    expect(describeVerification({ require_email_verification: null, email_verification_required: true })).toEqual({
      label: 'Required',
      source: 'server default',
    });
    expect(describeVerification({ require_email_verification: false, email_verification_required: false })).toEqual({
      label: 'Not required',
      source: 'set for this account',
    });
  });
});
