// The server's password policy (crates/snackbase-server/src/auth/password.rs),
// mirrored with the same codes and messages so the form shows what the server
// would say, before it is asked.

import { z } from 'zod';

export const PASSWORD_SPECIAL = "!@#$%^&*()_+-=[]{};':\"\\|,.<>/?`~";

export interface PolicyViolation {
  code:
    | 'password_too_short'
    | 'password_no_uppercase'
    | 'password_no_lowercase'
    | 'password_no_digit'
    | 'password_no_special'
    | 'password_too_long';
  message: string;
}

const RULES: { code: PolicyViolation['code']; message: string; ok: (p: string) => boolean }[] = [
  {
    code: 'password_too_short',
    message: 'Password must be at least 12 characters',
    ok: (p) => Array.from(p).length >= 12,
  },
  {
    code: 'password_no_uppercase',
    message: 'Password must contain at least one uppercase letter',
    ok: (p) => /[A-Z]/.test(p),
  },
  {
    code: 'password_no_lowercase',
    message: 'Password must contain at least one lowercase letter',
    ok: (p) => /[a-z]/.test(p),
  },
  {
    // Rust's char::is_numeric: the Unicode categories Nd, Nl and No.
    code: 'password_no_digit',
    message: 'Password must contain at least one digit',
    ok: (p) => /\p{N}/u.test(p),
  },
  {
    code: 'password_no_special',
    message: 'Password must contain at least one special character',
    ok: (p) => Array.from(p).some((c) => PASSWORD_SPECIAL.includes(c)),
  },
  {
    code: 'password_too_long',
    message: 'Password must be at most 1024 bytes',
    ok: (p) => new TextEncoder().encode(p).length <= 1024,
  },
];

/** Every rule the password breaks, in the server's order. */
export function passwordViolations(password: string): PolicyViolation[] {
  return RULES.filter((r) => !r.ok(password)).map(({ code, message }) => ({ code, message }));
}

/** A zod string that reports each violated rule as an issue carrying its code. */
export const passwordSchema = z.string().superRefine((value, ctx) => {
  for (const v of passwordViolations(value)) {
    ctx.addIssue({ code: 'custom', message: v.message, params: { code: v.code } });
  }
});

/** A new password typed twice. */
export const newPasswordSchema = z
  .object({ password: passwordSchema, confirm: z.string() })
  .refine((v) => v.password === v.confirm, {
    path: ['confirm'],
    message: 'Passwords do not match',
  });
