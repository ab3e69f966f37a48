import {
  Boxes,
  Building2,
  FileClock,
  KeyRound,
  LayoutDashboard,
  Mail,
  ShieldCheck,
  Table2,
  Users,
  UsersRound,
  Webhook,
  Code2,
  type LucideIcon,
} from 'lucide-react';

export interface NavItem {
  to: string;
  label: string;
  icon: LucideIcon;
  /** Only the superadmin (account SY0000) may use it. */
  superadminOnly: boolean;
  /**
   * False until the server has the routes and the page exists. Entries for
   * later issues are declared here so they slot in without reshuffling.
   */
  enabled: boolean;
}

export const NAV: NavItem[] = [
  { to: '/dashboard', label: 'Dashboard', icon: LayoutDashboard, superadminOnly: true, enabled: true },
  { to: '/accounts', label: 'Accounts', icon: Building2, superadminOnly: true, enabled: true },
  { to: '/users', label: 'Users', icon: Users, superadminOnly: true, enabled: true },
  { to: '/groups', label: 'Groups', icon: UsersRound, superadminOnly: false, enabled: false },
  { to: '/invitations', label: 'Invitations', icon: Mail, superadminOnly: false, enabled: false },
  { to: '/collections', label: 'Collections', icon: Boxes, superadminOnly: true, enabled: true },
  { to: '/records', label: 'Records', icon: Table2, superadminOnly: false, enabled: true },
  { to: '/roles', label: 'Roles', icon: ShieldCheck, superadminOnly: true, enabled: false },
  { to: '/macros', label: 'Macros', icon: Code2, superadminOnly: true, enabled: false },
  { to: '/webhooks', label: 'Webhooks', icon: Webhook, superadminOnly: false, enabled: false },
  { to: '/audit-logs', label: 'Audit logs', icon: FileClock, superadminOnly: true, enabled: false },
  { to: '/api-keys', label: 'API keys', icon: KeyRound, superadminOnly: true, enabled: false },
];

export function visibleNav(superadmin: boolean): NavItem[] {
  return NAV.filter((n) => n.enabled && (superadmin || !n.superadminOnly));
}
