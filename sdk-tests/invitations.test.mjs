// invitations: create, list (status filter), getPublic, accept, resend,
// cancel. The server has no SMTP server here, so the superadmin's create and
// resend replies carry the accept link, which holds the token.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuthorizationError, ConflictError, NotFoundError, ValidationError } from '@snackbase/sdk';

import { newClient, PASSWORD, registerAccount, rejectsWith, rootClient, uniq } from './lib/sdk.mjs';
import { startServer } from './lib/server.mjs';

const tokenOf = (invitation) => {
  assert.ok(invitation.accept_url, 'the superadmin gets the accept link when no SMTP server is configured');
  return new URL(invitation.accept_url).searchParams.get('token') ?? invitation.accept_url.split('/').pop();
};

describe('invitations', () => {
  let server;
  let root;
  let tenant;
  before(async () => {
    server = await startServer();
    root = await rootClient(server);
    tenant = await registerAccount(server, 'inv');
  });
  after(async () => {
    await server?.stop();
  });

  test('create, getPublic, accept: the invitee signs in with the invited role and groups', async () => {
    const group = await tenant.client.groups.create({ name: uniq('newbies') });
    const email = `new@${uniq('inv')}.example.com`;
    const invitation = await root.invitations.create({ email, role_id: 1, account_id: tenant.account.id, groups: [group.id] });
    assert.equal(invitation.email, email);
    assert.equal(invitation.account_id, tenant.account.id);
    assert.equal(invitation.status, 'pending');
    assert.equal(invitation.role_id, 1);
    assert.ok(Date.parse(invitation.expires_at) > Date.now());
    const token = tokenOf(invitation);

    // Anyone holding the token may look at it.
    const anonymous = newClient(server);
    const pub = await anonymous.invitations.getPublic(token);
    assert.equal(pub.email, email);
    assert.equal(pub.account_name, tenant.account.name);
    assert.equal(pub.is_valid, true);
    assert.equal(pub.expires_at, invitation.expires_at);
    assert.equal(pub.invited_by_name, 'root@example.com');
    await rejectsWith(anonymous.invitations.getPublic('not-a-token'), NotFoundError, { status: 404 });

    await rejectsWith(anonymous.invitations.accept(token, 'weak'), ValidationError);
    const accepted = await anonymous.invitations.accept(token, PASSWORD);
    assert.equal(accepted.user.email, email);
    assert.equal(accepted.user.role, 'admin');
    assert.equal(accepted.account.id, tenant.account.id);
    assert.equal(typeof accepted.token, 'string');
    assert.equal(anonymous.isAuthenticated, false, 'the SDK does not store the reply of accept');

    const invitee = newClient(server);
    await invitee.auth.login({ account: tenant.account.slug, email, password: PASSWORD });
    assert.equal(invitee.user.role, 'admin');
    assert.equal((await tenant.client.groups.get(group.id)).member_count, 1);

    // The token is spent.
    assert.equal((await anonymous.invitations.getPublic(token)).is_valid, false);
    await rejectsWith(anonymous.invitations.accept(token, PASSWORD), NotFoundError);
    const listed = await tenant.client.invitations.list({ status_filter: 'accepted' });
    assert.ok(listed.invitations.some((i) => i.email === email && i.status === 'accepted'));
  });

  test('an account admin invites into their own account; duplicates are ConflictErrors', async () => {
    const email = `mate@${uniq('mate')}.example.com`;
    const invitation = await tenant.client.invitations.create({ email });
    assert.equal(invitation.account_id, tenant.account.id);
    assert.equal(invitation.role_id, 2, 'the user role by default');
    assert.equal(invitation.accept_url, undefined, 'only the superadmin sees the link');
    await rejectsWith(tenant.client.invitations.create({ email }), ConflictError, { status: 409 });
    await rejectsWith(tenant.client.invitations.create({ email: tenant.email }), ConflictError);
    await rejectsWith(tenant.client.invitations.create({ email: 'not-an-email' }), ValidationError);
    await rejectsWith(tenant.client.invitations.create({ email: `p@${uniq('p')}.example.com`, role_id: 3 }), ValidationError);

    const pending = await tenant.client.invitations.list({ status_filter: 'pending' });
    assert.ok(pending.invitations.some((i) => i.id === invitation.id));
    assert.equal(pending.total, pending.invitations.length);
    await rejectsWith(tenant.client.invitations.list({ status_filter: 'bogus' }), ValidationError);
  });

  test('resend issues a new token; the old one stops working', async () => {
    const email = `again@${uniq('again')}.example.com`;
    const first = await root.invitations.create({ email, account_id: tenant.account.id });
    const oldToken = tokenOf(first);
    const resent = await root.invitations.resend(first.id);
    const newToken = tokenOf(resent);
    assert.notEqual(newToken, oldToken);
    assert.equal(resent.id, first.id);
    const anonymous = newClient(server);
    await rejectsWith(anonymous.invitations.getPublic(oldToken), NotFoundError);
    assert.equal((await anonymous.invitations.getPublic(newToken)).email, email);
    // An account admin may resend too (the link goes by mail).
    const byAdmin = await tenant.client.invitations.resend(first.id);
    assert.equal(byAdmin.status, 'pending');
    await rejectsWith(tenant.client.invitations.resend('00000000-0000-4000-8000-000000000000'), NotFoundError);
  });

  test('cancel ends an invitation; a cancelled one cannot be accepted or resent', async () => {
    const email = `bye@${uniq('bye')}.example.com`;
    const invitation = await root.invitations.create({ email, account_id: tenant.account.id });
    const token = tokenOf(invitation);
    assert.deepEqual(await tenant.client.invitations.cancel(invitation.id), { success: true });
    const cancelled = await tenant.client.invitations.list({ status_filter: 'cancelled' });
    assert.deepEqual(
      cancelled.invitations.filter((i) => i.id === invitation.id).map((i) => i.status),
      ['cancelled'],
    );
    const anonymous = newClient(server);
    assert.equal((await anonymous.invitations.getPublic(token)).is_valid, false);
    await rejectsWith(anonymous.invitations.accept(token, PASSWORD), NotFoundError);
    await rejectsWith(tenant.client.invitations.resend(invitation.id), ConflictError);
  });

  test('plain users neither invite nor see invitations', async () => {
    const email = `plain@${uniq('plain')}.example.com`;
    await tenant.client.users.create({ email, password: PASSWORD, account_id: tenant.account.id, role_id: 2 });
    const plain = newClient(server);
    await plain.auth.login({ account: tenant.account.slug, email, password: PASSWORD });
    await rejectsWith(plain.invitations.create({ email: `x@${uniq('x')}.example.com` }), AuthorizationError, { status: 403 });
    await rejectsWith(plain.invitations.list(), AuthorizationError);
  });
});
