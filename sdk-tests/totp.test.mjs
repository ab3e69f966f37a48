// TOTP second factor through the SDK 0.9, which knows nothing of it: for a
// TOTP user, client.auth.login resolves with the challenge (mfa_required,
// mfa_token) and leaves the client signed out; the code goes to
// /auth/mfa/verify by plain fetch, and the token it returns works in the SDK.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { newClient, PASSWORD, registerAccount, tokenClient } from './lib/sdk.mjs';
import { startServer } from './lib/server.mjs';

function base32(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of text.toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** RFC 6238 with the authenticator defaults: HMAC-SHA1, 30 s, 6 digits. */
function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = crypto.createHmac('sha1', base32(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

const step = () => Math.floor(Date.now() / 30_000);

describe('totp', () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  async function call(path, body, token) {
    const res = await fetch(`${server.base}/api/v1${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  }

  test('login yields no session for a TOTP user; /auth/mfa/verify gives a token the SDK uses', async () => {
    const { account, email } = await registerAccount(server, 'totp');
    const { token } = (await call('/auth/login', { account: account.slug, email, password: PASSWORD })).body;
    const setup = await call('/auth/totp/setup', {}, token);
    assert.equal(setup.status, 200, JSON.stringify(setup.body));
    const secret = setup.body.secret;
    const now = step();
    const confirmed = await call('/auth/totp/confirm', { code: totp(secret, now - 1) }, token);
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
    assert.equal(confirmed.body.recovery_codes.length, 10);

    const fresh = newClient(server);
    const reply = await fresh.auth.login({ account: account.slug, email, password: PASSWORD });
    assert.equal(reply.mfa_required, true);
    assert.deepEqual(reply.methods, ['totp', 'recovery_code']);
    assert.equal(typeof reply.mfa_token, 'string');
    assert.equal(reply.token, undefined);
    // The SDK takes the 200 as a login but finds no token and no user in it.
    assert.equal(fresh.isAuthenticated, false);
    assert.equal(fresh.user ?? null, null);

    const wrong = await call('/auth/mfa/verify', { mfa_token: reply.mfa_token, code: '000000' });
    assert.equal(wrong.status, 401);
    const verified = await call('/auth/mfa/verify', { mfa_token: reply.mfa_token, code: totp(secret, now) });
    assert.equal(verified.status, 200, JSON.stringify(verified.body));
    assert.equal(verified.body.user.email, email);

    const signedIn = tokenClient(server, verified.body.token);
    const listed = await signedIn.users.list();
    assert.ok(listed.items.some((u) => u.email === email && u.totp_enabled === true));
  });
});
