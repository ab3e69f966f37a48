import { useEffect, useState } from 'react';
import { Copy, Plus, RotateCw, XCircle } from 'lucide-react';
import { useGroups } from '@/api/groups';
import { useCancelInvitation, useCreateInvitation, useInvitations, useResendInvitation } from '@/api/invitations';
import { useRoles } from '@/api/roles';
import { errorMessage } from '@/lib/api';
import type { Invitation } from '@/lib/types';
import { copyText, formatDateTime } from '@/lib/utils';
import { PageHeader } from '@/components/layout/PageHeader';
import { Badge, type BadgeTone } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { useConfirm } from '@/components/ui/confirm';
import { Dialog } from '@/components/ui/dialog';
import { FormError, FormField } from '@/components/ui/form-field';
import { Input, Select } from '@/components/ui/input';
import { EmptyState, ErrorState, Spinner } from '@/components/ui/states';
import { Table, TableContainer, Td, Th } from '@/components/ui/table';
import { useToast } from '@/components/ui/toast';
import { AccountPicker } from '@/pages/records/AccountPicker';
import { useRecordAccount } from '@/pages/records/useRecordAccount';

const TONES: Record<string, BadgeTone> = { pending: 'warn', accepted: 'success', expired: 'neutral', cancelled: 'danger' };
/** Stand-ins until the role list arrives. */
const BUILTIN = [
  { id: 2, name: 'user' },
  { id: 1, name: 'admin' },
];

export function InvitationsPage() {
  const { superadmin, accountId, accounts, setAccount, ready } = useRecordAccount();
  const [status, setStatus] = useState('');
  const list = useInvitations(accountId, status, ready);
  const resend = useResendInvitation();
  const cancel = useCancelInvitation();
  const confirm = useConfirm();
  const toast = useToast();
  const [sending, setSending] = useState(false);
  const [link, setLink] = useState<Invitation | null>(null);

  const showLink = (inv: Invitation) => {
    if (inv.accept_url) setLink(inv);
  };

  const onResend = async (inv: Invitation) => {
    try {
      const res = await resend.mutateAsync(inv.id);
      toast.success(res.email_sent ? `Invitation sent again to ${inv.email}` : `Invitation renewed for ${inv.email}`);
      showLink(res);
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };

  const onCancel = async (inv: Invitation) => {
    const ok = await confirm({
      title: `Cancel the invitation of ${inv.email}?`,
      message: 'Its link stops working.',
      confirmLabel: 'Cancel invitation',
      danger: true,
    });
    if (!ok) return;
    try {
      await cancel.mutateAsync(inv.id);
      toast.success('Invitation cancelled');
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };

  return (
    <div className="flex flex-col gap-4">
      <PageHeader
        title="Invitations"
        description={superadmin ? 'Invite people to the chosen account' : 'Invite people to your account'}
        actions={
          <>
            {superadmin && <AccountPicker accounts={accounts} value={accountId} onChange={setAccount} />}
            <Button onClick={() => setSending(true)} disabled={!ready}>
              <Plus className="h-4 w-4" /> Invite
            </Button>
          </>
        }
      />
      {link?.accept_url && (
        <Card data-testid="accept-link">
          <CardHeader
            title={`Accept link for ${link.email}`}
            description="No email server is configured, so nothing was sent: give this link to the person yourself."
            actions={
              <Button variant="outline" size="sm" onClick={() => void copyText(link.accept_url ?? '').then(() => toast.success('Link copied'))}>
                <Copy className="h-3.5 w-3.5" /> Copy
              </Button>
            }
          />
          <p className="break-all p-3 font-mono text-xs" data-testid="accept-url">
            {link.accept_url}
          </p>
        </Card>
      )}
      <Card>
        <div className="flex flex-wrap gap-2 border-b border-border p-3">
          <Select value={status} onChange={(e) => setStatus(e.target.value)} aria-label="Filter by status" className="w-auto">
            <option value="">Any status</option>
            <option value="pending">Pending</option>
            <option value="accepted">Accepted</option>
            <option value="expired">Expired</option>
            <option value="cancelled">Cancelled</option>
          </Select>
        </div>
        {!ready || list.isPending ? (
          <Spinner />
        ) : list.isError ? (
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        ) : list.data.invitations.length === 0 ? (
          <EmptyState title={status ? `No ${status} invitations` : 'No invitations yet'} />
        ) : (
          <TableContainer>
            <Table data-testid="invitations-table">
              <thead>
                <tr>
                  <Th>Email</Th>
                  <Th>Role</Th>
                  <Th>Status</Th>
                  <Th>Expires</Th>
                  <Th className="text-right">Actions</Th>
                </tr>
              </thead>
              <tbody>
                {list.data.invitations.map((inv) => (
                  <tr key={inv.id} data-email={inv.email} className="hover:bg-muted/40">
                    <Td className="max-w-64 truncate font-medium">{inv.email}</Td>
                    <Td>{inv.role_name}</Td>
                    <Td>
                      <Badge tone={TONES[inv.status] ?? 'neutral'}>{inv.status}</Badge>
                    </Td>
                    <Td className="whitespace-nowrap text-muted-fg">{formatDateTime(inv.expires_at)}</Td>
                    <Td className="whitespace-nowrap text-right">
                      {inv.status !== 'accepted' && inv.status !== 'cancelled' && (
                        <Button variant="ghost" size="sm" aria-label={`Resend to ${inv.email}`} onClick={() => void onResend(inv)}>
                          <RotateCw className="h-3.5 w-3.5" />
                        </Button>
                      )}
                      {inv.status === 'pending' && (
                        <Button variant="ghost" size="sm" aria-label={`Cancel invitation of ${inv.email}`} onClick={() => void onCancel(inv)}>
                          <XCircle className="h-3.5 w-3.5" />
                        </Button>
                      )}
                    </Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          </TableContainer>
        )}
      </Card>
      <InviteDialog
        open={sending}
        onClose={() => setSending(false)}
        accountId={accountId}
        onSent={(inv) => {
          setSending(false);
          setLink(inv.accept_url ? inv : null);
        }}
      />
    </div>
  );
}

interface InviteProps {
  open: boolean;
  onClose: () => void;
  accountId: string | null;
  onSent: (inv: Invitation) => void;
}

function InviteDialog({ open, onClose, accountId, onSent }: InviteProps) {
  const create = useCreateInvitation();
  const roles = useRoles(open);
  const groups = useGroups(accountId, open);
  const toast = useToast();
  const [email, setEmail] = useState('');
  const [roleId, setRoleId] = useState('2');
  const [chosen, setChosen] = useState<string[]>([]);
  const [error, setError] = useState('');
  const roleOptions = roles.data?.items.filter((r) => r.name !== 'public') ?? BUILTIN;

  useEffect(() => {
    if (!open) return;
    setEmail('');
    setRoleId('2');
    setChosen([]);
    setError('');
  }, [open]);

  const submit = async () => {
    setError('');
    try {
      const inv = await create.mutateAsync({
        email: email.trim(),
        role_id: Number(roleId),
        groups: chosen.length ? chosen : undefined,
        account_id: accountId ?? undefined,
      });
      toast.success(inv.email_sent ? `Invitation sent to ${inv.email}` : `Invitation created for ${inv.email}`);
      onSent(inv);
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  return (
    <Dialog
      open={open}
      onClose={onClose}
      title="Invite someone"
      footer={
        <>
          <Button variant="outline" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" form="invite-form" loading={create.isPending}>
            Send invitation
          </Button>
        </>
      }
    >
      <form
        id="invite-form"
        className="flex flex-col gap-4"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <FormError message={error} />
        <FormField label="Email" htmlFor="invite-email">
          <Input id="invite-email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="off" />
        </FormField>
        <FormField label="Role" htmlFor="invite-role">
          <Select id="invite-role" value={roleId} onChange={(e) => setRoleId(e.target.value)}>
            {roleOptions.map((r) => (
              <option key={r.id} value={String(r.id)}>
                {r.name}
              </option>
            ))}
          </Select>
        </FormField>
        <fieldset className="flex flex-col gap-1.5">
          <legend className="mb-1 text-sm font-medium">Groups</legend>
          {groups.data?.length ? (
            groups.data.map((g) => (
              <label key={g.id} className="flex items-center gap-2 text-sm">
                <input
                  type="checkbox"
                  checked={chosen.includes(g.id)}
                  onChange={(e) => setChosen((c) => (e.target.checked ? [...c, g.id] : c.filter((x) => x !== g.id)))}
                />
                {g.name}
              </label>
            ))
          ) : (
            <p className="text-xs text-muted-fg">This account has no groups.</p>
          )}
        </fieldset>
      </form>
    </Dialog>
  );
}
