import { useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { MoreHorizontal, Pencil, Plus, ShieldCheck, Trash2 } from 'lucide-react';
import { useCreateRole, useDeleteRole, useRoles, useUpdateRole } from '@/api/roles';
import { errorMessage } from '@/lib/api';
import type { Role } from '@/lib/types';
import { PageHeader } from '@/components/layout/PageHeader';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { useConfirm } from '@/components/ui/confirm';
import { Dialog } from '@/components/ui/dialog';
import { DropdownContent, DropdownItem, DropdownMenu, DropdownTrigger } from '@/components/ui/dropdown';
import { FormError, FormField } from '@/components/ui/form-field';
import { Input } from '@/components/ui/input';
import { EmptyState, ErrorState, Spinner } from '@/components/ui/states';
import { Table, TableContainer, Td, Th } from '@/components/ui/table';
import { useToast } from '@/components/ui/toast';

export const BUILTIN_ROLES = ['admin', 'user', 'public'];

export function RolesPage() {
  const roles = useRoles();
  const navigate = useNavigate();
  const del = useDeleteRole();
  const confirm = useConfirm();
  const toast = useToast();
  const [editing, setEditing] = useState<Role | null>(null);
  const [creating, setCreating] = useState(false);

  const onDelete = async (r: Role) => {
    const ok = await confirm({
      title: `Delete role ${r.name}?`,
      message: 'Its permissions are deleted with it. A role still held by users cannot be deleted.',
      confirmLabel: 'Delete',
      danger: true,
    });
    if (!ok) return;
    try {
      await del.mutateAsync(r.id);
      toast.success(`Role ${r.name} deleted`);
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };

  return (
    <div>
      <PageHeader
        title="Roles"
        description="Every user has one role; its permissions decide what they may do with records"
        actions={
          <Button onClick={() => setCreating(true)}>
            <Plus className="h-4 w-4" /> New role
          </Button>
        }
      />
      <Card>
        {roles.isPending ? (
          <Spinner />
        ) : roles.isError ? (
          <ErrorState error={roles.error} onRetry={() => void roles.refetch()} />
        ) : roles.data.items.length === 0 ? (
          <EmptyState title="No roles" />
        ) : (
          <TableContainer>
            <Table data-testid="roles-table">
              <thead>
                <tr>
                  <Th>Name</Th>
                  <Th>Description</Th>
                  <Th>Collections</Th>
                  <Th className="text-right">Actions</Th>
                </tr>
              </thead>
              <tbody>
                {roles.data.items.map((r) => (
                  <tr key={r.id} data-role={r.name} className="hover:bg-muted/40">
                    <Td className="font-medium">
                      <Link to={`/roles/${r.id}`} className="hover:underline">
                        {r.name}
                      </Link>{' '}
                      {BUILTIN_ROLES.includes(r.name) && <Badge>built-in</Badge>}
                    </Td>
                    <Td className="max-w-72 truncate text-muted-fg">{r.description}</Td>
                    <Td>{r.collections_count ?? 0}</Td>
                    <Td className="text-right">
                      <DropdownMenu>
                        <DropdownTrigger asChild>
                          <Button variant="ghost" size="sm" aria-label={`Actions for ${r.name}`}>
                            <MoreHorizontal className="h-4 w-4" />
                          </Button>
                        </DropdownTrigger>
                        <DropdownContent>
                          <DropdownItem onSelect={() => setEditing(r)}>
                            <Pencil className="h-3.5 w-3.5" /> Edit
                          </DropdownItem>
                          <DropdownItem onSelect={() => navigate(`/roles/${r.id}`)}>
                            <ShieldCheck className="h-3.5 w-3.5" /> Permissions
                          </DropdownItem>
                          <DropdownItem danger onSelect={() => void onDelete(r)}>
                            <Trash2 className="h-3.5 w-3.5" /> Delete
                          </DropdownItem>
                        </DropdownContent>
                      </DropdownMenu>
                    </Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          </TableContainer>
        )}
      </Card>
      <RoleDialog open={creating} onClose={() => setCreating(false)} />
      <RoleDialog open={editing !== null} role={editing} onClose={() => setEditing(null)} />
    </div>
  );
}

function RoleDialog({ open, role, onClose }: { open: boolean; role?: Role | null; onClose: () => void }) {
  const create = useCreateRole();
  const update = useUpdateRole();
  const toast = useToast();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [error, setError] = useState('');

  useEffect(() => {
    if (!open) return;
    setName(role?.name ?? '');
    setDescription(role?.description ?? '');
    setError('');
  }, [open, role]);

  const submit = async () => {
    setError('');
    if (!name.trim()) {
      setError('A name is required');
      return;
    }
    try {
      if (role) {
        const body: { name?: string; description?: string } = { description };
        if (name.trim() !== role.name) body.name = name.trim();
        await update.mutateAsync({ id: role.id, body });
        toast.success(`Role ${name.trim()} saved`);
      } else {
        await create.mutateAsync({ name: name.trim(), description: description || undefined });
        toast.success(`Role ${name.trim()} created`);
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
      title={role ? `Edit role ${role.name}` : 'New role'}
      footer={
        <>
          <Button variant="outline" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" form="role-form" loading={create.isPending || update.isPending}>
            {role ? 'Save' : 'Create'}
          </Button>
        </>
      }
    >
      <form
        id="role-form"
        className="flex flex-col gap-4"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <FormError message={error} />
        <FormField label="Name" htmlFor="role-name">
          <Input id="role-name" value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
        </FormField>
        <FormField label="Description" htmlFor="role-description">
          <Input id="role-description" value={description} onChange={(e) => setDescription(e.target.value)} autoComplete="off" />
        </FormField>
      </form>
    </Dialog>
  );
}
