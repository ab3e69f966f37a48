// Helpers shared by the SDK test files: SDK clients for a running server,
// unique names, and an assertion on the SDK's error classes.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SnackBaseClient, SnackBaseError } from '@snackbase/sdk';

import { PASSWORD, ROOT_EMAIL } from './server.mjs';

export { PASSWORD, ROOT_EMAIL };

/** A new SDK client for the server; never retries, so a failure shows at once. */
export function newClient(server, config = {}) {
  return new SnackBaseClient({ baseUrl: server.base, timeout: 10_000, ...config, maxRetries: 0 });
}

/** A client that sends a fixed access token (the SDK's `getAccessToken` hook). */
export function tokenClient(server, token) {
  return newClient(server, { getAccessToken: () => token });
}

/** A short unique suffix for names, slugs and emails (lower-case letters and digits). */
export function uniq(prefix = 'x') {
  return `${prefix}${randomBytes(4).toString('hex')}`;
}

/** An SDK client signed in as the superadmin (account `system`). */
export async function rootClient(server) {
  const client = newClient(server);
  await client.auth.login({ account: 'system', email: ROOT_EMAIL, password: PASSWORD });
  return client;
}

/**
 * Registers a new account through the SDK and signs its admin in.
 * Returns `{ client, account, user, email }`.
 */
export async function registerAccount(server, prefix = 'acct') {
  const client = newClient(server);
  const name = uniq(prefix);
  const email = `admin@${name}.example.com`;
  const reply = await client.auth.register({ email, password: PASSWORD, account_name: name });
  await client.auth.login({ account: reply.account.slug, email, password: PASSWORD });
  return { client, account: reply.account, user: reply.user, email };
}

/**
 * Awaits a promise that must reject with an instance of the SDK error class
 * `Class`, and returns the error. `status` (optional) must match too.
 */
export async function rejectsWith(promise, Class, { status, message } = {}) {
  let error;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  assert.ok(error, `expected ${Class.name}, but the call succeeded`);
  assert.ok(
    error instanceof Class,
    `expected ${Class.name}, got ${error?.constructor?.name}: ${error?.message} ${JSON.stringify(error?.details)}`,
  );
  assert.ok(error instanceof SnackBaseError, 'SDK errors derive from SnackBaseError');
  if (status !== undefined) assert.equal(error.status, status);
  if (message !== undefined) assert.match(error.message, message);
  return error;
}
