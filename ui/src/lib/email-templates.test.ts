import { describe, expect, it } from 'vitest';
import { templateTitle } from './email-templates';

describe('templateTitle', () => {
  it('names the templates the server sends', () => {
    expect(templateTitle('invitation')).toBe('Invitation');
    expect(templateTitle('verification')).toBe('Email verification');
    expect(templateTitle('reset_password')).toBe('Password reset');
  });

  it('spells out a key it does not know', () => {
    expect(templateTitle('account_closed')).toBe('Account closed');
    expect(templateTitle('weekly-digest')).toBe('Weekly digest');
    expect(templateTitle('')).toBe('');
  });
});
