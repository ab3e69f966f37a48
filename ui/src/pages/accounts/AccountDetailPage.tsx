import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ArrowLeft, Pencil, Table2, Trash2 } from 'lucide-react';
import { useAccount, useAccountUsers } from '@/api/accounts';
import { PageHeader } from '@/components/layout/PageHeader';
import { VerifiedBadge } from '@/components/VerifiedBadge';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { Pagination } from '@/components/ui/pagination';
import { EmptyState, ErrorState, Spinner } from '@/components/ui/states';
import { Table, TableContainer, Td, Th } from '@/components/ui/table';
import { describeVerification } from '@/lib/auth-flows';
import { SYSTEM_ACCOUNT } from '@/lib/types';
import { formatDateTime } from '@/lib/utils';
import { AccountFormDialog } from './AccountFormDialog';
import { useDeleteAccountFlow } from './useDeleteAccountFlow';

export function AccountDetailPage() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const account = useAccount(id);
  const [page, setPage] = useState(1);
  const users = useAccountUsers(id, page);
  const [editing, setEditing] = useState(false);
  const deleteFlow = useDeleteAccountFlow();

  const back = (
    <Link to="/accounts" className="mb-1 inline-flex items-center gap-1 text-xs text-muted-fg hover:text-fg">
      <ArrowLeft className="h-3 w-3" /> Accounts
    </Link>
  );

  if (account.isPending) return <Spinner />;
  if (account.isError) return <ErrorState error={account.error} onRetry={() => void account.refetch()} />;
  const a = account.data;

  return (
    <div className="flex flex-col gap-4">
      <PageHeader
        back={back}
        title={a.name}
        description={
          <span>
            <span className="font-mono">{a.id}</span> · {a.slug}
          </span>
        }
        actions={
          <>
            <Button variant="outline" onClick={() => navigate(`/records?account=${a.id}`)}>
              <Table2 className="h-4 w-4" /> Records
            </Button>
            <Button variant="outline" onClick={() => setEditing(true)}>
              <Pencil className="h-4 w-4" /> Edit
            </Button>
            {a.id !== SYSTEM_ACCOUNT && (
              <Button
                variant="danger"
                onClick={() => void deleteFlow(a).then((done) => done && navigate('/accounts', { replace: true }))}
              >
                <Trash2 className="h-4 w-4" /> Delete
              </Button>
            )}
          </>
        }
      />
      <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-4">
        <Card className="p-4">
          <div className="text-xs uppercase text-muted-fg">Users</div>
          <div className="mt-1 text-2xl font-semibold" data-testid="account-user-count">
            {a.user_count}
          </div>
        </Card>
        <Card className="p-4">
          <div className="text-xs uppercase text-muted-fg">Created</div>
          <div className="mt-1 text-sm">{formatDateTime(a.created_at)}</div>
          <div className="text-xs text-muted-fg">updated {formatDateTime(a.updated_at)}</div>
        </Card>
        <Card className="p-4" data-testid="account-email-verification" data-required={String(a.email_verification_required)}>
          <div className="text-xs uppercase text-muted-fg">Verified email to sign in</div>
          <div className="mt-1 text-sm font-medium">{describeVerification(a).label}</div>
          <div className="text-xs text-muted-fg">{describeVerification(a).source}</div>
        </Card>
        <Card className="p-4">
          <div className="text-xs uppercase text-muted-fg">Collections with data</div>
          <div className="mt-1 flex flex-wrap gap-1">
            {a.collections_used.length === 0 ? (
              <span className="text-sm text-muted-fg">none</span>
            ) : (
              a.collections_used.map((c) => (
                <Link key={c} to={`/collections/${c}/records?account=${a.id}`}>
                  <Badge tone="primary">{c}</Badge>
                </Link>
              ))
            )}
          </div>
        </Card>
      </div>
      <Card>
        <CardHeader
          title="Users"
          actions={
            <Link to={`/users?account=${a.id}`} className="text-xs font-medium text-primary hover:underline">
              Manage users
            </Link>
          }
        />
        {users.isPending ? (
          <Spinner />
        ) : users.isError ? (
          <ErrorState error={users.error} />
        ) : users.data.items.length === 0 ? (
          <EmptyState title="No users in this account" />
        ) : (
          <>
            <TableContainer>
              <Table data-testid="account-users">
                <thead>
                  <tr>
                    <Th>Email</Th>
                    <Th>Role</Th>
                    <Th>Status</Th>
                    <Th>Created</Th>
                  </tr>
                </thead>
                <tbody>
                  {users.data.items.map((u) => (
                    <tr key={u.id}>
                      <Td className="max-w-64 truncate">{u.email}</Td>
                      <Td>{u.role}</Td>
                      <Td>
                        <div className="flex flex-wrap gap-1">
                          <Badge tone={u.is_active ? 'success' : 'neutral'}>{u.is_active ? 'Active' : 'Inactive'}</Badge>
                          <VerifiedBadge user={u} />
                        </div>
                      </Td>
                      <Td className="whitespace-nowrap text-muted-fg">{formatDateTime(u.created_at)}</Td>
                    </tr>
                  ))}
                </tbody>
              </Table>
            </TableContainer>
            <Pagination page={page} pageCount={users.data.total_pages} total={users.data.total} noun="users" onPage={setPage} />
          </>
        )}
      </Card>
      <AccountFormDialog open={editing} onClose={() => setEditing(false)} account={a} />
    </div>
  );
}
