import { describe, expect, it } from 'vitest';
import { newPasswordSchema, passwordSchema, passwordViolations } from './password';

const codes = (p: string) => passwordViolations(p).map((v) => v.code);

describe('password policy (mirrors the server)', () => {
  it('accepts a password that meets every rule', () => {
    expect(codes('Correct-Horse-42!')).toEqual([]);
    expect(passwordSchema.safeParse('Analytical-Engine-1843').success).toBe(true);
  });

  it('lists every broken rule in the server order, with its messages', () => {
    expect(passwordViolations('short')).toEqual([
      { code: 'password_too_short', message: 'Password must be at least 12 characters' },
      { code: 'password_no_uppercase', message: 'Password must contain at least one uppercase letter' },
      { code: 'password_no_digit', message: 'Password must contain at least one digit' },
      { code: 'password_no_special', message: 'Password must contain at least one special character' },
    ]);
  });

  it('checks each rule on its own', () => {
    expect(codes('Abcdefgh12!')).toEqual(['password_too_short']);
    expect(codes('abcdefgh123!')).toEqual(['password_no_uppercase']);
    expect(codes('ABCDEFGH123!')).toEqual(['password_no_lowercase']);
    expect(codes('Abcdefghijk!')).toEqual(['password_no_digit']);
    expect(codes('Abcdefghij12')).toEqual(['password_no_special']);
  });

  it('uses the server special characters and ASCII-only letters', () => {
    for (const c of "!@#$%^&*()_+-=[]{};':\"\\|,.<>/?`~") {
      expect(codes(`Abcdefghij1${c}`)).toEqual([]);
    }
    expect(codes('Abcdefghij1§')).toEqual(['password_no_special']);
    // Non-ASCII letters do not count as upper or lower case, as on the server.
    expect(codes('ÄBCDEFGHIJ1!')).toEqual(['password_no_lowercase']);
  });

  it('counts characters, not UTF-16 units, for the minimum length', () => {
    // 12 characters, 20 UTF-16 units: long enough.
    expect(codes('Ab1!😀😀😀😀😀😀😀😀')).toEqual([]);
    // 11 characters but 18 UTF-16 units: too short.
    expect(codes('Ab1!😀😀😀😀😀😀😀')).toEqual(['password_too_short']);
  });

  it('rejects passwords over 1024 bytes', () => {
    expect(codes(`Ab1!${'x'.repeat(1021)}`)).toEqual(['password_too_long']);
  });

  it('reports zod issues carrying the server codes', () => {
    const r = passwordSchema.safeParse('abc');
    expect(r.success).toBe(false);
    if (!r.success) {
      expect(r.error.issues.map((i) => i.message)).toContain('Password must be at least 12 characters');
      const issue = r.error.issues[0];
      expect(issue.code === 'custom' ? issue.params?.code : undefined).toBe('password_too_short');
    }
  });

  it('requires the confirmation to match', () => {
    const r = newPasswordSchema.safeParse({ password: 'Correct-Horse-42!', confirm: 'Correct-Horse-43!' });
    expect(r.success).toBe(false);
    if (!r.success) {
      expect(r.error.issues[0].path).toEqual(['confirm']);
      expect(r.error.issues[0].message).toBe('Passwords do not match');
    }
    expect(newPasswordSchema.safeParse({ password: 'Correct-Horse-42!', confirm: 'Correct-Horse-42!' }).success).toBe(true);
  });
});
