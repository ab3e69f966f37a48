import {
  Boxes,
  Building2,
  FileClock,
  KeyRound,
  LogIn,
  LayoutDashboard,
  Mail,
  MailCheck,
  DatabaseZap,
  ShieldCheck,
  Table2,
  Users,
  UsersRound,
  Webhook,
  Code2,
  FileText,
  ScrollText,
  Radio,
  HardDrive,
  Archive,
  ListTodo,
  MailPlus,
  FolderCog,
  type LucideIcon,
} from 'lucide-react';

export interface NavItem {
  to: string;
  label: string;
  icon: LucideIcon;
  /** Only the superadmin (account SY0000) may use it. */
  superadminOnly: boolean;
  /** Only account admins (role admin) and the superadmin may use it. */
  adminOnly?: boolean;
  /**
   * False until the server has the routes and the page exists. Entries for
   * later issues are declared here so they slot in without reshuffling.
   */
  enabled: boolean;
}

export const NAV: NavItem[] = [
  { to: '/dashboard', label: 'Dashboard', icon: LayoutDashboard, superadminOnly: true, enabled: true },
  { to: '/accounts', label: 'Accounts', icon: Building2, superadminOnly: true, enabled: true },
  { to: '/users', label: 'Users', icon: Users, superadminOnly: false, adminOnly: true, enabled: true },
  { to: '/groups', label: 'Groups', icon: UsersRound, superadminOnly: false, adminOnly: true, enabled: true },
  { to: '/invitations', label: 'Invitations', icon: Mail, superadminOnly: false, adminOnly: true, enabled: true },
  { to: '/collections', label: 'Collections', icon: Boxes, superadminOnly: true, enabled: true },
  { to: '/records', label: 'Records', icon: Table2, superadminOnly: false, enabled: true },
  { to: '/roles', label: 'Roles', icon: ShieldCheck, superadminOnly: true, enabled: true },
  { to: '/macros', label: 'Macros', icon: Code2, superadminOnly: true, enabled: true },
  { to: '/email-templates', label: 'Email templates', icon: FileText, superadminOnly: true, enabled: true },
  { to: '/email-logs', label: 'Email log', icon: MailCheck, superadminOnly: true, enabled: true },
  { to: '/webhooks', label: 'Webhooks', icon: Webhook, superadminOnly: false, adminOnly: true, enabled: true },
  { to: '/logs', label: 'Logs', icon: ScrollText, superadminOnly: true, enabled: true },
  { to: '/realtime', label: 'Realtime', icon: Radio, superadminOnly: true, enabled: true },
  { to: '/storage', label: 'Storage', icon: HardDrive, superadminOnly: true, enabled: true },
  { to: '/backups', label: 'Backups', icon: Archive, superadminOnly: true, enabled: true },
  { to: '/jobs', label: 'Jobs', icon: ListTodo, superadminOnly: true, enabled: true },
  { to: '/migrations', label: 'Migrations', icon: DatabaseZap, superadminOnly: true, enabled: true },
  { to: '/audit-logs', label: 'Audit logs', icon: FileClock, superadminOnly: false, adminOnly: true, enabled: true },
  { to: '/api-keys', label: 'API keys', icon: KeyRound, superadminOnly: false, adminOnly: true, enabled: true },
  { to: '/settings/auth-providers', label: 'Auth providers', icon: LogIn, superadminOnly: false, adminOnly: true, enabled: true },
  { to: '/settings/email-providers', label: 'Email providers', icon: MailPlus, superadminOnly: false, adminOnly: true, enabled: true },
  { to: '/settings/storage-providers', label: 'Storage providers', icon: FolderCog, superadminOnly: true, enabled: true },
];

export function visibleNav(superadmin: boolean, admin = false): NavItem[] {
  return NAV.filter((n) => n.enabled && (superadmin || (!n.superadminOnly && (admin || !n.adminOnly))));
}
