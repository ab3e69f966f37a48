import { useEffect, useState } from 'react';
import { Pencil, Plus, Trash2, UserMinus, UserPlus } from 'lucide-react';
import { useAddGroupMember, useCreateGroup, useDeleteGroup, useGroupMembers, useGroups, useRemoveGroupMember, useUpdateGroup } from '@/api/groups';
import { useUsers } from '@/api/users';
import { errorMessage } from '@/lib/api';
import type { Group } from '@/lib/types';
import { cn, formatDateTime } from '@/lib/utils';
import { PageHeader } from '@/components/layout/PageHeader';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { useConfirm } from '@/components/ui/confirm';
import { Dialog } from '@/components/ui/dialog';
import { FormError, FormField } from '@/components/ui/form-field';
import { Input, Select } from '@/components/ui/input';
import { EmptyState, ErrorState, Spinner } from '@/components/ui/states';
import { useToast } from '@/components/ui/toast';
import { AccountPicker } from '@/pages/records/AccountPicker';
import { useRecordAccount } from '@/pages/records/useRecordAccount';

export function GroupsPage() {
  const { superadmin, accountId, accounts, setAccount, ready } = useRecordAccount();
  const groups = useGroups(accountId, ready);
  const del = useDeleteGroup();
  const confirm = useConfirm();
  const toast = useToast();
  const [selected, setSelected] = useState<string | null>(null);
  const [editing, setEditing] = useState<Group | null>(null);
  const [creating, setCreating] = useState(false);

  useEffect(() => setSelected(null), [accountId]);
  const current = groups.data?.find((g) => g.id === selected) ?? null;

  const onDelete = async (g: Group) => {
    const ok = await confirm({
      title: `Delete group ${g.name}?`,
      message: 'Its members stay; rules that name the group stop matching them.',
      confirmLabel: 'Delete',
      danger: true,
    });
    if (!ok) return;
    try {
      await del.mutateAsync(g.id);
      toast.success(`Group ${g.name} deleted`);
      if (selected === g.id) setSelected(null);
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };

  return (
    <div className="flex flex-col gap-4">
      <PageHeader
        title="Groups"
        description={superadmin ? 'Groups of the chosen account' : 'Groups of your account; rules see them as user.groups'}
        actions={
          <>
            {superadmin && <AccountPicker accounts={accounts} value={accountId} onChange={setAccount} />}
            <Button onClick={() => setCreating(true)} disabled={!ready}>
              <Plus className="h-4 w-4" /> New group
            </Button>
          </>
        }
      />
      <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
        <Card>
          <CardHeader title="Groups" />
          {!ready || groups.isPending ? (
            <Spinner />
          ) : groups.isError ? (
            <ErrorState error={groups.error} onRetry={() => void groups.refetch()} />
          ) : groups.data.length === 0 ? (
            <EmptyState title="No groups yet" />
          ) : (
            <ul className="flex flex-col divide-y divide-border" data-testid="groups-list">
              {groups.data.map((g) => (
                <li key={g.id} data-group={g.name} className={cn('flex items-center gap-2 px-3 py-2', selected === g.id && 'bg-accent')}>
                  <button type="button" className="min-w-0 flex-1 cursor-pointer text-left" onClick={() => setSelected(g.id)}>
                    <span className="block truncate font-medium">{g.name}</span>
                    <span className="block truncate text-xs text-muted-fg">
                      {g.member_count} {g.member_count === 1 ? 'member' : 'members'}
                      {g.description ? ` · ${g.description}` : ''}
                    </span>
                  </button>
                  <Button variant="ghost" size="sm" aria-label={`Edit ${g.name}`} onClick={() => setEditing(g)}>
                    <Pencil className="h-3.5 w-3.5" />
                  </Button>
                  <Button variant="ghost" size="sm" aria-label={`Delete ${g.name}`} onClick={() => void onDelete(g)}>
                    <Trash2 className="h-3.5 w-3.5" />
                  </Button>
                </li>
              ))}
            </ul>
          )}
        </Card>
        {current ? (
          <Members group={current} superadmin={superadmin} />
        ) : (
          <Card>
            <EmptyState title="Pick a group to see its members" />
          </Card>
        )}
      </div>
      <GroupDialog open={creating} onClose={() => setCreating(false)} accountId={accountId} />
      <GroupDialog open={editing !== null} group={editing} onClose={() => setEditing(null)} accountId={accountId} />
    </div>
  );
}

function Members({ group, superadmin }: { group: Group; superadmin: boolean }) {
  const members = useGroupMembers(group.id);
  const add = useAddGroupMember();
  const remove = useRemoveGroupMember();
  const toast = useToast();
  const [userId, setUserId] = useState('');
  // Account admins list their own account's users (the server scopes it).
  const users = useUsers({
    account_id: superadmin ? group.account_id : '',
    role_id: '',
    is_active: 'true',
    search: '',
    skip: 0,
    limit: 100,
    sort: 'email',
  });
  const candidates = (users.data?.items ?? []).filter((u) => !members.data?.some((m) => m.user_id === u.id));

  const onAdd = async () => {
    if (!userId.trim()) return;
    try {
      await add.mutateAsync({ groupId: group.id, userId: userId.trim() });
      toast.success('Member added');
      setUserId('');
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };

  return (
    <Card data-testid="group-members">
      <CardHeader title={`Members of ${group.name}`} />
      <form
        className="flex min-w-0 gap-2 border-b border-border p-3"
        onSubmit={(e) => {
          e.preventDefault();
          void onAdd();
        }}
      >
        {!users.isError ? (
          <Select
            value={userId}
            onChange={(e) => setUserId(e.target.value)}
            aria-label="User to add"
            className="min-w-0 flex-1"
            disabled={!users.isSuccess}
          >
            <option value="">{users.isSuccess ? 'Choose a user…' : 'Loading users…'}</option>
            {candidates.map((u) => (
              <option key={u.id} value={u.id}>
                {u.email}
              </option>
            ))}
          </Select>
        ) : (
          <Input value={userId} onChange={(e) => setUserId(e.target.value)} placeholder="User id" aria-label="User to add" className="min-w-0 flex-1 font-mono text-xs" />
        )}
        <Button type="submit" variant="outline" loading={add.isPending} disabled={!userId}>
          <UserPlus className="h-4 w-4" /> Add
        </Button>
      </form>
      {members.isPending ? (
        <Spinner />
      ) : members.isError ? (
        <ErrorState error={members.error} />
      ) : members.data.length === 0 ? (
        <EmptyState title="No members yet" />
      ) : (
        <ul className="flex flex-col divide-y divide-border" data-testid="members-list">
          {members.data.map((m) => (
            <li key={m.user_id} className="flex items-center gap-2 px-3 py-2" data-email={m.email}>
              <div className="min-w-0 flex-1">
                <span className="block truncate text-sm">{m.email}</span>
                <span className="block text-xs text-muted-fg">added {formatDateTime(m.added_at)}</span>
              </div>
              <Button
                variant="ghost"
                size="sm"
                aria-label={`Remove ${m.email}`}
                onClick={() =>
                  void remove
                    .mutateAsync({ groupId: group.id, userId: m.user_id })
                    .then(() => toast.success(`${m.email} removed`))
                    .catch((e: unknown) => toast.error(errorMessage(e)))
                }
              >
                <UserMinus className="h-3.5 w-3.5" />
              </Button>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function GroupDialog({ open, group, onClose, accountId }: { open: boolean; group?: Group | null; onClose: () => void; accountId: string | null }) {
  const create = useCreateGroup();
  const update = useUpdateGroup();
  const toast = useToast();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [error, setError] = useState('');

  useEffect(() => {
    if (!open) return;
    setName(group?.name ?? '');
    setDescription(group?.description ?? '');
    setError('');
  }, [open, group]);

  const submit = async () => {
    setError('');
    if (!name.trim()) {
      setError('A name is required');
      return;
    }
    try {
      if (group) {
        await update.mutateAsync({ id: group.id, body: { name: name.trim(), description } });
        toast.success(`Group ${name.trim()} saved`);
      } else {
        await create.mutateAsync({ name: name.trim(), description: description || undefined, account_id: accountId ?? undefined });
        toast.success(`Group ${name.trim()} created`);
      }
      onClose();
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={group ? `Edit group ${group.name}` : 'New group'}
      footer={
        <>
          <Button variant="outline" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" form="group-form" loading={create.isPending || update.isPending}>
            {group ? 'Save' : 'Create'}
          </Button>
        </>
      }
    >
      <form
        id="group-form"
        className="flex flex-col gap-4"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <FormError message={error} />
        <FormField label="Name" htmlFor="group-name">
          <Input id="group-name" value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
        </FormField>
        <FormField label="Description" htmlFor="group-description">
          <Input id="group-description" value={description} onChange={(e) => setDescription(e.target.value)} autoComplete="off" />
        </FormField>
      </form>
    </Dialog>
  );
}
