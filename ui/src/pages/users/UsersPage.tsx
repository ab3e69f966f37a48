import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { KeyRound, Link2, MailCheck, MoreHorizontal, Pencil, Plus, Send, ShieldOff, UserCheck, UserRoundCog, UserX } from 'lucide-react';
import { useAccountOptions } from '@/api/accounts';
import { useResetUserTotp } from '@/api/totp';
import {
  useCanImpersonate,
  useDeactivateUser,
  useMarkVerified,
  useResendVerification,
  useRoles,
  useUpdateUser,
  useUsers,
} from '@/api/users';
import { errorMessage } from '@/lib/api';
import { isSuperadmin, mayImpersonate, useSession } from '@/lib/auth';
import type { User } from '@/lib/types';
import { formatDateTime } from '@/lib/utils';
import { PageHeader } from '@/components/layout/PageHeader';
import { VerifiedBadge } from '@/components/VerifiedBadge';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { useConfirm } from '@/components/ui/confirm';
import { DropdownContent, DropdownItem, DropdownMenu, DropdownTrigger } from '@/components/ui/dropdown';
import { Input, Select } from '@/components/ui/input';
import { Pagination } from '@/components/ui/pagination';
import { EmptyState, ErrorState, Spinner } from '@/components/ui/states';
import { Table, TableContainer, Td, Th } from '@/components/ui/table';
import { useToast } from '@/components/ui/toast';
import { EmailLinkDialog, type EmailLink } from './EmailLinkDialog';
import { IdentitiesDialog } from './IdentitiesDialog';
import { ImpersonateDialog } from './ImpersonateDialog';
import { ResetPasswordDialog } from './ResetPasswordDialog';
import { UserFormDialog } from './UserFormDialog';

const LIMIT = 30;

export function UsersPage() {
  const session = useSession();
  const superadmin = isSuperadmin(session);
  const [params, setParams] = useSearchParams();
  // Account admins see their own account only: the server scopes the list, and
  // the URL cannot ask for another one.
  const account = superadmin ? (params.get('account') ?? '') : (session?.account.id ?? '');
  const role = params.get('role') ?? '';
  const status = params.get('status') ?? '';
  const search = params.get('q') ?? '';
  const page = Math.max(1, Number(params.get('page') ?? 1) || 1);
  const [searchInput, setSearchInput] = useState(search);
  const [editing, setEditing] = useState<User | null>(null);
  const [resetting, setResetting] = useState<User | null>(null);
  const [link, setLink] = useState<EmailLink | null>(null);
  const [impersonating, setImpersonating] = useState<User | null>(null);
  const [linked, setLinked] = useState<User | null>(null);
  const accounts = useAccountOptions(superadmin);
  // Account admins may impersonate only when the server allows it.
  const canImpersonate = useCanImpersonate(session?.user.id, !superadmin && !session?.impersonation) || superadmin;
  const roles = useRoles();
  const deactivate = useDeactivateUser();
  const update = useUpdateUser();
  const markVerified = useMarkVerified();
  const resendVerification = useResendVerification();
  const resetTotp = useResetUserTotp();
  const confirm = useConfirm();
  const toast = useToast();

  // From the live URL: the debounced search below must not undo a filter chosen meanwhile.
  const set = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(window.location.search);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === '') next.delete(k);
      else next.set(k, v);
    }
    setParams(next, { replace: true });
  };

  // Search as you type, once typing pauses.
  useEffect(() => {
    const t = setTimeout(() => {
      const live = new URLSearchParams(window.location.search).get('q') ?? '';
      if (searchInput.trim() !== live) set({ q: searchInput.trim(), page: null });
    }, 300);
    return () => clearTimeout(t);
  }, [searchInput]);

  const users = useUsers({
    account_id: account,
    role_id: role,
    is_active: status === 'active' ? 'true' : status === 'inactive' ? 'false' : '',
    search,
    skip: (page - 1) * LIMIT,
    limit: LIMIT,
    sort: '-created_at',
  });

  const onDeactivate = async (u: User) => {
    const ok = await confirm({
      title: `Deactivate ${u.email}?`,
      message: 'They can no longer sign in and their sessions end at once. You can reactivate them later.',
      confirmLabel: 'Deactivate',
      danger: true,
    });
    if (!ok) return;
    try {
      await deactivate.mutateAsync(u.id);
      toast.success(`${u.email} deactivated`);
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };

  const onReactivate = async (u: User) => {
    try {
      await update.mutateAsync({ id: u.id, body: { is_active: true } });
      toast.success(`${u.email} reactivated`);
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };

  const onMarkVerified = async (u: User) => {
    try {
      await markVerified.mutateAsync(u.id);
      toast.success(`${u.email} marked as verified`);
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };

  const onResetTotp = async (u: User) => {
    const ok = await confirm({
      title: `Reset two-factor authentication of ${u.email}?`,
      message: 'Their authenticator and recovery codes stop working; they sign in with their password alone until they set it up again.',
      confirmLabel: 'Reset',
      danger: true,
    });
    if (!ok) return;
    try {
      await resetTotp.mutateAsync(u.id);
      toast.success(`Two-factor authentication of ${u.email} reset`);
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };

  const onSendVerification = async (u: User) => {
    try {
      const res = await resendVerification.mutateAsync(u.id);
      if (res.link) setLink({ title: 'Verification link', email: u.email, url: res.link });
      else toast.success(res.message);
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };

  const pageCount = users.data ? Math.max(1, Math.ceil(users.data.total / LIMIT)) : 1;

  return (
    <div>
      <PageHeader
        title="Users"
        description={superadmin ? 'Everyone who can sign in, in every account' : `Everyone who can sign in to ${session?.account.name ?? 'your account'}`}
        actions={
          <Button onClick={() => set({ new: '1' })}>
            <Plus className="h-4 w-4" /> New user
          </Button>
        }
      />
      <Card>
        <div
          className={`grid grid-cols-1 gap-2 border-b border-border p-3 sm:grid-cols-2 ${superadmin ? 'lg:grid-cols-4' : 'lg:grid-cols-3'}`}
          role="search"
        >
          <Input
            placeholder="Search by email"
            value={searchInput}
            onChange={(e) => setSearchInput(e.target.value)}
            aria-label="Search users"
          />
          {superadmin && (
            <Select value={account} onChange={(e) => set({ account: e.target.value, page: null })} aria-label="Filter by account">
              <option value="">All accounts</option>
              {accounts.data?.items.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name} ({a.id})
                </option>
              ))}
            </Select>
          )}
          <Select value={role} onChange={(e) => set({ role: e.target.value, page: null })} aria-label="Filter by role">
            <option value="">All roles</option>
            {roles.data?.items.map((r) => (
              <option key={r.id} value={String(r.id)}>
                {r.name}
              </option>
            ))}
          </Select>
          <Select value={status} onChange={(e) => set({ status: e.target.value, page: null })} aria-label="Filter by status">
            <option value="">Any status</option>
            <option value="active">Active</option>
            <option value="inactive">Inactive</option>
          </Select>
        </div>
        {users.isPending ? (
          <Spinner />
        ) : users.isError ? (
          <ErrorState error={users.error} onRetry={() => void users.refetch()} />
        ) : users.data.items.length === 0 ? (
          <EmptyState title="No users match these filters" />
        ) : (
          <>
            <TableContainer>
              <Table data-testid="users-table">
                <thead>
                  <tr>
                    <Th>Email</Th>
                    {superadmin && <Th>Account</Th>}
                    <Th>Role</Th>
                    <Th>Status</Th>
                    <Th>Created</Th>
                    <Th>Last login</Th>
                    <Th className="text-right">Actions</Th>
                  </tr>
                </thead>
                <tbody>
                  {users.data.items.map((u) => (
                    <tr key={u.id} className="hover:bg-muted/40" data-email={u.email}>
                      <Td className="max-w-64 truncate font-medium">{u.email}</Td>
                      {superadmin && (
                        <Td className="whitespace-nowrap">
                          <Link to={`/accounts/${u.account_id}`} className="hover:underline">
                            {u.account_name}
                          </Link>
                        </Td>
                      )}
                      <Td>
                        <Badge tone={u.role_name === 'admin' ? 'primary' : 'neutral'}>{u.role_name}</Badge>
                      </Td>
                      <Td>
                        <div className="flex flex-wrap gap-1">
                          <Badge tone={u.is_active ? 'success' : 'danger'}>{u.is_active ? 'Active' : 'Inactive'}</Badge>
                          <VerifiedBadge user={u} />
                          {u.totp_enabled && (
                            <span data-testid="user-totp">
                              <Badge tone="primary" title="Signs in with a TOTP code too">
                                2FA
                              </Badge>
                            </span>
                          )}
                        </div>
                      </Td>
                      <Td className="whitespace-nowrap text-muted-fg">{formatDateTime(u.created_at)}</Td>
                      <Td className="whitespace-nowrap text-muted-fg">{formatDateTime(u.last_login)}</Td>
                      <Td className="text-right">
                        <DropdownMenu>
                          <DropdownTrigger asChild>
                            <Button variant="ghost" size="sm" aria-label={`Actions for ${u.email}`}>
                              <MoreHorizontal className="h-4 w-4" />
                            </Button>
                          </DropdownTrigger>
                          <DropdownContent>
                            <DropdownItem onSelect={() => setEditing(u)}>
                              <Pencil className="h-3.5 w-3.5" /> Edit
                            </DropdownItem>
                            <DropdownItem onSelect={() => setResetting(u)}>
                              <KeyRound className="h-3.5 w-3.5" /> Reset password
                            </DropdownItem>
                            {!u.email_verified && u.is_active && (
                              // The server mails active users only.
                              <DropdownItem onSelect={() => void onSendVerification(u)}>
                                <Send className="h-3.5 w-3.5" /> Send verification email
                              </DropdownItem>
                            )}
                            {!u.email_verified && (
                              <DropdownItem onSelect={() => void onMarkVerified(u)}>
                                <MailCheck className="h-3.5 w-3.5" /> Mark verified
                              </DropdownItem>
                            )}
                            <DropdownItem onSelect={() => setLinked(u)}>
                              <Link2 className="h-3.5 w-3.5" /> Linked logins
                            </DropdownItem>
                            {mayImpersonate(session, canImpersonate, u) && (
                              <DropdownItem onSelect={() => setImpersonating(u)}>
                                <UserRoundCog className="h-3.5 w-3.5" /> Impersonate
                              </DropdownItem>
                            )}
                            {u.totp_enabled && u.id !== session?.user.id && (
                              <DropdownItem danger onSelect={() => void onResetTotp(u)}>
                                <ShieldOff className="h-3.5 w-3.5" /> Reset two-factor
                              </DropdownItem>
                            )}
                            {u.is_active ? (
                              <DropdownItem danger onSelect={() => void onDeactivate(u)}>
                                <UserX className="h-3.5 w-3.5" /> Deactivate
                              </DropdownItem>
                            ) : (
                              <DropdownItem onSelect={() => void onReactivate(u)}>
                                <UserCheck className="h-3.5 w-3.5" /> Reactivate
                              </DropdownItem>
                            )}
                          </DropdownContent>
                        </DropdownMenu>
                      </Td>
                    </tr>
                  ))}
                </tbody>
              </Table>
            </TableContainer>
            <Pagination page={page} pageCount={pageCount} total={users.data.total} noun="users" onPage={(p) => set({ page: String(p) })} />
          </>
        )}
      </Card>
      <UserFormDialog mode="create" open={params.get('new') === '1'} onClose={() => set({ new: null })} defaultAccount={account} />
      <UserFormDialog mode="edit" open={editing !== null} onClose={() => setEditing(null)} user={editing ?? undefined} />
      <ResetPasswordDialog user={resetting} onClose={() => setResetting(null)} onLink={setLink} />
      <EmailLinkDialog link={link} onClose={() => setLink(null)} />
      <ImpersonateDialog user={impersonating} onClose={() => setImpersonating(null)} />
      <IdentitiesDialog user={linked} onClose={() => setLinked(null)} />
    </div>
  );
}
