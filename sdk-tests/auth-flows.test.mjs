// Password reset and email verification through the SDK: auth.forgotPassword,
// verifyResetToken, resetPassword, sendVerification, verifyEmail,
// resendVerificationEmail; users.resetPassword({send_reset_link}),
// users.resendVerification, users.verifyEmail; accounts.update with
// require_email_verification. The server mails an SMTP sink (lib/smtp.mjs);
// the tests take the tokens from the links in those mails.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AuthenticationError,
  AuthorizationError,
  ConflictError,
  EmailVerificationRequiredError,
  RateLimitError,
  SnackBaseError,
  ValidationError,
} from '@snackbase/sdk';

import { newClient, PASSWORD, registerAccount, rejectsWith, rootClient, uniq } from './lib/sdk.mjs';
import { startServer } from './lib/server.mjs';
import { mailsTo, startSmtpSink, waitForMail } from './lib/smtp.mjs';

const USER = 2;
const NEW_PASSWORD = 'Brand-New-Secret-77?';
const EXTERNAL_URL = 'https://app.example.com';
const RESET_LINK = /\/admin\/reset-password\?token=([0-9a-f]+)/;
const VERIFY_LINK = /\/admin\/verify-email\?token=([0-9a-f]+)/;
// Lockout after this many consecutive failures, for good (an administrator, or
// a reset, must set a new password).
const LOCKOUT = 3;
// SNACKBASE_MAIL_RATE_LIMIT_PER_HOUR, the default.
const MAIL_LIMIT = 5;

/**
 * The token of the link in a mail, checked against the contract's shape (64
 * hex; under `base`, the server's SNACKBASE_EXTERNAL_URL, unless null).
 */
function linkToken(mail, pattern, base = EXTERNAL_URL) {
  const m = mail.text.match(pattern);
  assert.ok(m, `no link ${pattern} in:\n${mail.text}`);
  assert.match(m[1], /^[0-9a-f]{64}$/, 'tokens are 64 hex characters');
  if (base !== null) {
    const at = mail.text.indexOf(m[0]);
    assert.equal(mail.text.slice(at - base.length, at + m[0].length), `${base}${m[0]}`, 'links start with SNACKBASE_EXTERNAL_URL');
  }
  return m[1];
}

/** Awaits a promise; `{value}` or `{error}`. */
async function settle(promise) {
  try {
    return { value: await promise };
  } catch (error) {
    return { error };
  }
}

/** A call that must fail with a 4xx SDK error (never a 5xx, never a network error). */
async function refused4xx(promise, what) {
  const { value, error } = await settle(promise);
  assert.ok(error, `${what}: expected a 4xx, the call succeeded with ${JSON.stringify(value)}`);
  assert.ok(error instanceof SnackBaseError, `${what}: ${error}`);
  assert.ok(
    error.status >= 400 && error.status < 500,
    `${what}: expected a 4xx, got ${error.status} ${error.constructor.name} ${error.message}`,
  );
  return error;
}

/** The 400 of a used, unknown or expired link: the SDK's plain SnackBaseError (UNKNOWN_ERROR). */
async function badLink(promise, message) {
  const error = await rejectsWith(promise, SnackBaseError, { status: 400, message });
  assert.equal(error.constructor, SnackBaseError, `a 400 is no subclass, got ${error.constructor.name}`);
  assert.equal(error.code, 'UNKNOWN_ERROR');
  return error;
}

describe('password reset and email verification', () => {
  let server;
  let root;
  let smtp;
  before(async () => {
    smtp = await startSmtpSink();
    server = await startServer({
      env: {
        ...smtp.env(),
        SNACKBASE_EXTERNAL_URL: EXTERNAL_URL,
        SNACKBASE_AUTH_LOCKOUT_THRESHOLD: String(LOCKOUT),
        SNACKBASE_AUTH_LOCKOUT_MAX_FAILURES: String(LOCKOUT),
      },
    });
    root = await rootClient(server);
  });
  after(async () => {
    await server?.stop();
    await smtp?.close();
  });

  /** A new account (optionally requiring verification) with a user of role `user`. */
  async function accountWithUser({ requireVerification } = {}) {
    let account = await root.accounts.create({ name: uniq('Flows ') });
    if (requireVerification !== undefined) {
      // accounts.update is typed {name}, but the SDK sends what it is given.
      account = await root.accounts.update(account.id, { name: account.name, require_email_verification: requireVerification });
    }
    const email = `u@${uniq('flow')}.example.com`;
    const user = await root.users.create({ email, password: PASSWORD, account_id: account.id, role_id: USER });
    return { account, user, email };
  }

  async function login(account, email, password = PASSWORD) {
    const client = newClient(server);
    await client.auth.login({ account, email, password });
    return client;
  }

  /** Requests a reset link for `email` and returns the token from the mail. */
  async function resetToken(account, email) {
    const since = smtp.mails.length;
    await newClient(server).auth.forgotPassword({ email, account });
    return linkToken(await waitForMail(smtp, { to: email, since, match: RESET_LINK }), RESET_LINK);
  }

  test('forgotPassword answers alike for any address; only a user gets the mail, and the link resets once', async () => {
    const { account, user, email } = await accountWithUser();
    const ghost = `ghost@${uniq('ghost')}.example.com`;
    const signedIn = await login(account.slug, email);

    const anonymous = newClient(server);
    const since = smtp.mails.length;
    const forGhost = await anonymous.auth.forgotPassword({ email: ghost, account: account.slug });
    const forUser = await anonymous.auth.forgotPassword({ email, account: account.slug });
    assert.deepEqual(forGhost, forUser, 'the reply does not tell whether the address is a user');
    assert.equal(typeof forUser.message, 'string');

    const mail = await waitForMail(smtp, { to: email, since, match: RESET_LINK });
    const token = linkToken(mail, RESET_LINK);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(mailsTo(smtp, ghost, since).length, 0, 'nothing is mailed for an unknown address');
    const logs = await root.emailTemplates.listLogs({ template_type: 'reset_password', page_size: 100 });
    const logged = logs.logs.filter((l) => [email, ghost].includes(l.recipient_email));
    assert.deepEqual(logged.map((l) => [l.recipient_email, l.status]), [[email, 'sent']]);
    assert.ok(!JSON.stringify(logged).includes(token), 'the email log does not keep the token');

    // The token can be looked at: valid, with its expiry (30 minutes by default).
    const check = await anonymous.auth.verifyResetToken(token);
    assert.equal(check.valid, true);
    assert.equal(check.email, email);
    const expires = Date.parse(check.expires_at);
    assert.ok(expires > Date.now() + 25 * 60_000 && expires < Date.now() + 35 * 60_000, check.expires_at);
    assert.deepEqual(await anonymous.auth.verifyResetToken('f'.repeat(64)), { valid: false, expires_at: null, email: null });

    // A weak password is refused and does not use the token up.
    const weak = await rejectsWith(anonymous.auth.resetPassword({ token, new_password: 'weak' }), ValidationError, { status: 422 });
    assert.equal(weak.details?.details?.[0]?.field, 'new_password', JSON.stringify(weak.details));
    assert.equal((await anonymous.auth.verifyResetToken(token)).valid, true);

    const done = await anonymous.auth.resetPassword({ token, new_password: NEW_PASSWORD });
    assert.equal(done.message, 'Password reset successfully');
    assert.equal(anonymous.isAuthenticated, false, 'a reset does not sign in');

    await rejectsWith(login(account.slug, email, PASSWORD), AuthenticationError, { status: 401, message: /Invalid credentials/ });
    const fresh = await login(account.slug, email, NEW_PASSWORD);
    assert.equal(fresh.user.id, user.id);
    assert.equal(fresh.user.email_verified, true, 'a reset by mail proves the address');

    // Every session from before the reset is over: its refresh token and its access token.
    await rejectsWith(signedIn.auth.refreshToken(), AuthenticationError, { status: 401 });
    await rejectsWith(signedIn.auth.getCurrentUser(), AuthenticationError, { status: 401 });

    // The token is spent.
    assert.equal((await anonymous.auth.verifyResetToken(token)).valid, false);
    await badLink(anonymous.auth.resetPassword({ token, new_password: 'Yet-Another-Secret-88!' }), /invalid or has expired/);
    await login(account.slug, email, NEW_PASSWORD);
  });

  test('forgotPassword: the account by code, by slug or X-Account-ID; a bad address or no account is a ValidationError', async () => {
    const { account, email } = await accountWithUser();
    let since = smtp.mails.length;
    await newClient(server).auth.forgotPassword({ email, account: account.id });
    const first = linkToken(await waitForMail(smtp, { to: email, since, match: RESET_LINK }), RESET_LINK);

    // defaultAccount fills `account`.
    since = smtp.mails.length;
    await newClient(server, { defaultAccount: account.slug }).auth.forgotPassword({ email });
    const second = linkToken(await waitForMail(smtp, { to: email, since, match: RESET_LINK }), RESET_LINK);
    assert.notEqual(second, first);
    const anonymous = newClient(server);
    assert.equal((await anonymous.auth.verifyResetToken(first)).valid, false, 'a new link replaces the unused older one');
    assert.equal((await anonymous.auth.verifyResetToken(second)).valid, true);

    // X-Account-ID (the SDK's accountId, sent while signed out).
    since = smtp.mails.length;
    await newClient(server, { accountId: account.id }).auth.forgotPassword({ email });
    linkToken(await waitForMail(smtp, { to: email, since, match: RESET_LINK }), RESET_LINK);

    await rejectsWith(anonymous.auth.forgotPassword({ email }), ValidationError, { status: 422 });
    await rejectsWith(anonymous.auth.forgotPassword({ email: 'not an address', account: account.slug }), ValidationError);
    // An unknown account answers like an unknown address.
    const unknown = await anonymous.auth.forgotPassword({ email, account: 'no-such-account' });
    assert.equal(typeof unknown.message, 'string');
  });

  test('mail requests are limited per kind, account and address, for unknown addresses too', async () => {
    const { account, email } = await accountWithUser();
    const ghost = `ghost@${uniq('limit')}.example.com`;
    const anonymous = newClient(server, { accountId: account.id });
    for (const address of [email, ghost]) {
      for (let i = 0; i < MAIL_LIMIT; i++) await anonymous.auth.forgotPassword({ email: address });
      const limited = await rejectsWith(anonymous.auth.forgotPassword({ email: address }), RateLimitError, { status: 429 });
      assert.ok(limited.retryAfter > 0, `Retry-After: ${limited.retryAfter}`);
    }
    // Verification mails are counted apart.
    await anonymous.auth.sendVerification(email);
    await anonymous.auth.sendVerification(ghost);
  });

  test('the two templates are listed with their placeholders', async () => {
    const templates = await root.emailTemplates.list();
    const byKey = Object.fromEntries(templates.map((t) => [t.key, t]));
    assert.deepEqual(
      [...byKey.verification.placeholders].sort(),
      ['account_name', 'app_name', 'email', 'expires_at', 'token', 'verify_url'],
    );
    assert.deepEqual(
      [...byKey.reset_password.placeholders].sort(),
      ['account_name', 'app_name', 'email', 'expires_at', 'reset_url', 'token'],
    );
  });

  test('a reset lifts a login lockout', async () => {
    const { account, email } = await accountWithUser();
    let locked = null;
    for (let i = 0; i < LOCKOUT + 2 && !locked; i++) {
      const { error } = await settle(login(account.slug, email, 'Wrong-Password-00!'));
      assert.ok(error instanceof AuthenticationError || error instanceof RateLimitError, String(error));
      if (error instanceof RateLimitError) locked = error;
    }
    assert.ok(locked, `locked after ${LOCKOUT} failures`);
    await rejectsWith(login(account.slug, email, PASSWORD), RateLimitError, { status: 429 });

    const token = await resetToken(account.slug, email);
    await newClient(server).auth.resetPassword({ token, new_password: NEW_PASSWORD });
    await login(account.slug, email, NEW_PASSWORD);
  });

  test('users.resetPassword(id, {send_reset_link: true}) mails a link that works; {new_password} still sets one', async () => {
    const { account, user, email } = await accountWithUser();
    const since = smtp.mails.length;
    const reply = await root.users.resetPassword(user.id, { send_reset_link: true });
    assert.equal(reply.message, `A reset link was sent to ${email}`);
    assert.equal(reply.link, undefined, 'no link in the reply when SMTP is configured');
    const token = linkToken(await waitForMail(smtp, { to: email, since, match: RESET_LINK }), RESET_LINK);

    const anonymous = newClient(server);
    const check = await anonymous.auth.verifyResetToken(token);
    assert.equal(check.valid, true);
    assert.equal(check.email, email);
    await anonymous.auth.resetPassword({ token, new_password: NEW_PASSWORD });
    await login(account.slug, email, NEW_PASSWORD);

    const direct = 'Direct-Set-Secret-55#';
    await root.users.resetPassword(user.id, { new_password: direct });
    await login(account.slug, email, direct);
    await rejectsWith(login(account.slug, email, NEW_PASSWORD), AuthenticationError);

    // An account admin may send the link to users of their own account, not to others.
    const tenant = await registerAccount(server, 'resetter');
    const mate = `mate@${uniq('mate')}.example.com`;
    const created = await tenant.client.users.create({ email: mate, password: PASSWORD, account_id: tenant.account.id, role_id: USER });
    const mateSince = smtp.mails.length;
    await tenant.client.users.resetPassword(created.id, { send_reset_link: true });
    await waitForMail(smtp, { to: mate, since: mateSince, match: RESET_LINK });
    await refused4xx(tenant.client.users.resetPassword(user.id, { send_reset_link: true }), "another account's user");
  });

  test('an account that requires verification: login is refused until the mailed link is used', async () => {
    const { account, user, email } = await accountWithUser({ requireVerification: true });
    assert.equal(account.require_email_verification, true);
    assert.equal(account.email_verification_required, true);
    const got = await root.accounts.get(account.id);
    assert.equal(got.require_email_verification, true);
    assert.equal(got.email_verification_required, true);
    assert.equal(user.email_verified, false);
    assert.equal(user.email_verified_at, null);

    const refused = await rejectsWith(login(account.slug, email), EmailVerificationRequiredError, { status: 401 });
    assert.equal(refused.code, 'EMAIL_VERIFICATION_REQUIRED');
    // A wrong password does not tell that the address is unverified.
    await rejectsWith(login(account.slug, email, 'Wrong-Password-11!'), AuthenticationError, { message: /Invalid credentials/ });

    // sendVerification sends {email}; the account goes as X-Account-ID (the SDK's accountId).
    const anonymous = newClient(server, { accountId: account.id });
    const since = smtp.mails.length;
    const sent = await anonymous.auth.sendVerification(email);
    const forGhost = await anonymous.auth.sendVerification(`ghost@${uniq('ghost')}.example.com`);
    assert.deepEqual(sent, forGhost, 'the reply does not tell whether the address is a user');
    const token = linkToken(await waitForMail(smtp, { to: email, since, match: VERIFY_LINK }), VERIFY_LINK);
    await rejectsWith(newClient(server).auth.sendVerification(email), ValidationError, { status: 422 });

    const verified = await newClient(server).auth.verifyEmail(token);
    assert.deepEqual(verified, { message: 'Email verified', email });

    const client = await login(account.slug, email);
    assert.equal(client.user.email_verified, true);
    assert.ok(Date.parse(client.user.email_verified_at) <= Date.now());
    const listed = await root.users.get(user.id);
    assert.equal(listed.email_verified, true);
    assert.equal(listed.email_verified_at, client.user.email_verified_at);

    await badLink(newClient(server).auth.verifyEmail(token), /invalid or has expired/);

    // Back to the server default (which does not require verification).
    const reset = await root.accounts.update(account.id, { name: account.name, require_email_verification: null });
    assert.equal(reset.require_email_verification, null);
    assert.equal(reset.email_verification_required, false);
  });

  test('users.resendVerification mails the link; users.verifyEmail marks the address verified', async () => {
    const { account, user, email } = await accountWithUser({ requireVerification: true });
    const since = smtp.mails.length;
    const reply = await root.users.resendVerification(user.id);
    assert.equal(typeof reply.message, 'string');
    assert.equal(reply.link, undefined, 'no link in the reply when SMTP is configured');
    linkToken(await waitForMail(smtp, { to: email, since, match: VERIFY_LINK }), VERIFY_LINK);

    assert.deepEqual(await root.users.verifyEmail(user.id), { message: 'Email marked as verified' });
    const got = await root.users.get(user.id);
    assert.equal(got.email_verified, true);
    assert.ok(Date.parse(got.email_verified_at) <= Date.now());
    await login(account.slug, email);
    await rejectsWith(root.users.resendVerification(user.id), ConflictError, { status: 409 });

    // A new address is unverified again.
    const moved = `moved@${uniq('moved')}.example.com`;
    const updated = await root.users.update(user.id, { email: moved });
    assert.equal(updated.email_verified, false);
    assert.equal(updated.email_verified_at, null);
    await rejectsWith(login(account.slug, moved), EmailVerificationRequiredError);
  });

  test('account admins verify users of their own account only; plain users not at all', async () => {
    const tenant = await registerAccount(server, 'verifier');
    const email = `plain@${uniq('plain')}.example.com`;
    const plainUser = await tenant.client.users.create({ email, password: PASSWORD, account_id: tenant.account.id, role_id: USER });
    const since = smtp.mails.length;
    await tenant.client.users.resendVerification(plainUser.id);
    await waitForMail(smtp, { to: email, since, match: VERIFY_LINK });

    const plain = await login(tenant.account.slug, email);
    await rejectsWith(plain.users.verifyEmail(plainUser.id), AuthorizationError, { status: 403 });
    await rejectsWith(plain.users.resendVerification(plainUser.id), AuthorizationError, { status: 403 });

    const other = await accountWithUser();
    await refused4xx(tenant.client.users.verifyEmail(other.user.id), "another account's user");
    await refused4xx(tenant.client.users.resendVerification(other.user.id), "another account's user");
    assert.equal((await root.users.get(other.user.id)).email_verified, false);

    assert.deepEqual(await tenant.client.users.verifyEmail(plainUser.id), { message: 'Email marked as verified' });
    assert.equal((await tenant.client.users.get(plainUser.id)).email_verified, true);
  });

  test('resendVerificationEmail: a signed-in unverified user gets her own link', async () => {
    const { account, email } = await accountWithUser();
    const client = await login(account.slug, email);
    assert.equal(client.user.email_verified, false, 'the account does not require verification, so she is in');

    const since = smtp.mails.length;
    const reply = await client.auth.resendVerificationEmail();
    assert.equal(reply.message, `A verification link was sent to ${email}`);
    const token = linkToken(await waitForMail(smtp, { to: email, since, match: VERIFY_LINK }), VERIFY_LINK);
    assert.deepEqual(await newClient(server).auth.verifyEmail(token), { message: 'Email verified', email });

    assert.equal((await client.auth.getCurrentUser()).user.email, email, 'her session goes on');
    assert.equal((await root.users.get(client.user.id)).email_verified, true);
    const again = await client.auth.resendVerificationEmail();
    assert.equal(again.message, 'Your email address is already verified');
    await rejectsWith(newClient(server).auth.resendVerificationEmail(), AuthenticationError, { status: 401 });
  });

  test('hostile tokens: huge, empty, odd characters, used twice are 4xx, never 5xx', async () => {
    const { account, email } = await accountWithUser();
    const anonymous = newClient(server);
    const tokens = [
      'a'.repeat(2048),
      'f'.repeat(2048),
      '',
      ' ',
      '0'.repeat(64),
      'A'.repeat(64),
      'g'.repeat(64),
      "' OR '1'='1",
      'üñí€😀',
      '%00',
    ];
    for (const t of tokens) {
      const label = `token ${JSON.stringify(t.length > 20 ? `${t.slice(0, 8)}…(${t.length})` : t)}`;
      await refused4xx(anonymous.auth.resetPassword({ token: t, new_password: NEW_PASSWORD }), `resetPassword ${label}`);
      await refused4xx(anonymous.auth.verifyEmail(t), `verifyEmail ${label}`);
      const { value, error } = await settle(anonymous.auth.verifyResetToken(t));
      if (error) {
        assert.ok(error.status >= 400 && error.status < 500, `verifyResetToken ${label}: ${error.status} ${error.message}`);
      } else {
        assert.equal(value.valid, false, `verifyResetToken ${label}`);
      }
    }
    for (const t of [null, 42, ['a'], { token: 'x' }]) {
      await refused4xx(anonymous.auth.resetPassword({ token: t, new_password: NEW_PASSWORD }), `resetPassword ${JSON.stringify(t)}`);
      await refused4xx(anonymous.auth.verifyEmail(t), `verifyEmail ${JSON.stringify(t)}`);
    }
    await refused4xx(anonymous.auth.resetPassword({ new_password: NEW_PASSWORD }), 'resetPassword without a token');
    await refused4xx(
      anonymous.auth.forgotPassword({ email: `${'x'.repeat(2048)}@example.com`, account: account.slug }),
      'forgotPassword with a 2 KB address',
    );
    await refused4xx(anonymous.auth.sendVerification('y'.repeat(2048)), 'sendVerification with a 2 KB address, no account');

    // A real token, used twice at once and then again.
    const token = await resetToken(account.slug, email);
    const both = await Promise.all([
      settle(anonymous.auth.resetPassword({ token, new_password: NEW_PASSWORD })),
      settle(anonymous.auth.resetPassword({ token, new_password: 'Other-New-Secret-99$' })),
    ]);
    assert.equal(both.filter((o) => !o.error).length, 1, 'exactly one of two concurrent uses wins');
    const loser = both.find((o) => o.error).error;
    assert.equal(loser.status, 400, `${loser.status} ${loser.message}`);
    await badLink(anonymous.auth.resetPassword({ token, new_password: NEW_PASSWORD }), /invalid or has expired/);

    // A reset token is no verification token, and the other way round (a
    // reset by mail verified this user, so the verification link goes to another).
    const resetOnly = await resetToken(account.slug, email);
    await badLink(anonymous.auth.verifyEmail(resetOnly));
    const other = await accountWithUser();
    const signedIn = await login(other.account.slug, other.email);
    const since = smtp.mails.length;
    await signedIn.auth.resendVerificationEmail();
    const verifyOnly = linkToken(await waitForMail(smtp, { to: other.email, since, match: VERIFY_LINK }), VERIFY_LINK);
    await badLink(anonymous.auth.resetPassword({ token: verifyOnly, new_password: NEW_PASSWORD }));
    assert.equal((await anonymous.auth.verifyResetToken(verifyOnly)).valid, false);
    assert.equal((await root.users.get(other.user.id)).email_verified, false);
  });
});

describe('email verification required by the server default', () => {
  let server;
  let root;
  let smtp;
  before(async () => {
    smtp = await startSmtpSink();
    server = await startServer({ env: { ...smtp.env(), SNACKBASE_AUTH_REQUIRE_EMAIL_VERIFICATION: 'true' } });
    root = await rootClient(server);
  });
  after(async () => {
    await server?.stop();
    await smtp?.close();
  });

  test('register answers without tokens and mails the link; login waits for it', async () => {
    const client = newClient(server);
    const email = `reg@${uniq('reg')}.example.com`;
    const since = smtp.mails.length;
    const reply = await client.auth.register({ email, password: PASSWORD, account_name: uniq('Verify ') });
    assert.equal(typeof reply.message, 'string');
    assert.equal(reply.token, undefined);
    assert.equal(reply.refresh_token, undefined);
    assert.equal(reply.user.email, email);
    assert.equal(reply.user.email_verified, false);
    assert.equal(client.isAuthenticated, false);
    const mail = await waitForMail(smtp, { to: email, since, match: VERIFY_LINK });
    // Without SNACKBASE_EXTERNAL_URL the link's origin is the configured host
    // and port, which is :0 here (pending.md), so only its path is checked.
    const token = linkToken(mail, VERIFY_LINK, null);

    const account = await root.accounts.get(reply.account.id);
    assert.equal(account.require_email_verification, null);
    assert.equal(account.email_verification_required, true);

    await rejectsWith(client.auth.login({ account: reply.account.slug, email, password: PASSWORD }), EmailVerificationRequiredError);
    await client.auth.verifyEmail(token);
    await client.auth.login({ account: reply.account.slug, email, password: PASSWORD });
    assert.equal(client.user.email_verified, true);

    // An account may opt out of the default.
    await root.accounts.update(account.id, { name: account.name, require_email_verification: false });
    const other = `other@${uniq('other')}.example.com`;
    await root.users.create({ email: other, password: PASSWORD, account_id: account.id, role_id: USER });
    const signedIn = newClient(server);
    await signedIn.auth.login({ account: reply.account.slug, email: other, password: PASSWORD });
    assert.equal(signedIn.user.email_verified, false);
  });

  test('accepting an invitation proves the address', async () => {
    const account = await root.accounts.create({ name: uniq('Invited ') });
    const email = `inv@${uniq('inv')}.example.com`;
    const since = smtp.mails.length;
    await root.invitations.create({ email, account_id: account.id, role_id: USER });
    const mail = await waitForMail(smtp, { to: email, since, match: /invitations\/accept\?token=/ });
    const token = mail.text.match(/invitations\/accept\?token=([0-9a-f]+)/)[1];
    await newClient(server).invitations.accept(token, PASSWORD);
    const client = newClient(server);
    await client.auth.login({ account: account.slug, email, password: PASSWORD });
    assert.equal(client.user.email_verified, true);
  });
});
