import { describe, expect, it } from 'vitest';
import { visibleNav } from './nav';

const labels = (superadmin: boolean, admin: boolean) => visibleNav(superadmin, admin).map((n) => n.label);

describe('visibleNav', () => {
  it('shows the superadmin everything enabled', () => {
    expect(labels(true, false)).toEqual(expect.arrayContaining(['Roles', 'Macros', 'Groups', 'Invitations', 'Email templates', 'Email log', 'Webhooks', 'Logs', 'Realtime', 'Storage', 'Backups', 'Jobs', 'Migrations', 'Audit logs', 'API keys', 'Auth providers', 'Email providers', 'Storage providers']));
  });
  it('shows account admins their account pages only', () => {
    expect(labels(false, true)).toEqual(['Users', 'Groups', 'Invitations', 'Records', 'Webhooks', 'Audit logs', 'API keys', 'Auth providers', 'Email providers']);
  });
  it('shows other users only records', () => {
    expect(labels(false, false)).toEqual(['Records']);
  });
});
