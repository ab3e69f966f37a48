// Email verification and password reset: the small rules the pages share.

import type { AccountVerificationSetting } from './types';

// --- single-use links --------------------------------------------------------

const inFlight = new Map<string, Promise<unknown>>();

/**
 * Runs `fn` once per key for the life of the page and hands every caller the
 * same promise. A verification token works once: React's StrictMode runs an
 * effect twice in development, and a second POST would turn a success into
 * "invalid or expired".
 */
export function once<T>(key: string, fn: () => Promise<T>): Promise<T> {
  let p = inFlight.get(key) as Promise<T> | undefined;
  if (!p) {
    p = fn();
    inFlight.set(key, p);
  }
  return p;
}

/** For tests: forget every key. */
export function resetOnce(): void {
  inFlight.clear();
}

// --- links between the public pages ------------------------------------------

/** The login page's "Forgot password?" link, carrying the account typed so far. */
export function forgotPasswordHref(account: string): string {
  const a = account.trim();
  return a ? `/forgot-password?account=${encodeURIComponent(a)}` : '/forgot-password';
}

/** The server's answer to a right password for an address not yet verified. */
export function isEmailNotVerified(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { status?: unknown; message?: unknown };
  return e.status === 401 && typeof e.message === 'string' && /not verified/i.test(e.message);
}

// --- the account setting -------------------------------------------------------

/** The account form's select: follow the server, or force it on or off. */
export type VerificationChoice = 'default' | 'required' | 'not_required';

export function toChoice(setting: boolean | null | undefined): VerificationChoice {
  if (setting === true) return 'required';
  if (setting === false) return 'not_required';
  return 'default';
}

export function fromChoice(choice: VerificationChoice): boolean | null {
  if (choice === 'required') return true;
  if (choice === 'not_required') return false;
  return null;
}

/**
 * The server default, as seen through the accounts that follow it: their
 * effective value is the default. `null` when no listed account follows it.
 */
export function serverDefaultFrom(accounts: readonly AccountVerificationSetting[] | undefined): boolean | null {
  const follower = accounts?.find((a) => a.require_email_verification === null);
  return follower ? follower.email_verification_required : null;
}

/** "Server default (currently on)", or without "currently" when it is unknown. */
export function defaultChoiceLabel(serverDefault: boolean | null): string {
  if (serverDefault === null) return 'Server default';
  return `Server default (currently ${serverDefault ? 'on' : 'off'})`;
}

/** What the detail page says: the effective value, and where it comes from. */
export function describeVerification(a: AccountVerificationSetting): { label: string; source: string } {
  return {
    label: a.email_verification_required ? 'Required' : 'Not required',
    source: a.require_email_verification === null ? 'server default' : 'set for this account',
  };
}
