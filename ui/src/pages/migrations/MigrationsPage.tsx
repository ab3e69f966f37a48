import { useMigrationHistory, useMigrations } from '@/api/migrations';
import { formatDateTime } from '@/lib/utils';
import { PageHeader } from '@/components/layout/PageHeader';
import { Badge } from '@/components/ui/badge';
import { Card, CardHeader } from '@/components/ui/card';
import { EmptyState, ErrorState, Spinner } from '@/components/ui/states';
import { Table, TableContainer, Td, Th } from '@/components/ui/table';

/** What shaped the database: the embedded SQL migrations and the collection schema changes (read-only). */
export function MigrationsPage() {
  const list = useMigrations();
  const history = useMigrationHistory();
  const applied = new Map(history.data?.history.map((h) => [h.revision, h.createdAt]) ?? []);
  return (
    <div className="flex flex-col gap-4">
      <PageHeader
        title="Migrations"
        description={
          list.data?.currentRevision ? (
            <>
              Current revision: <code data-testid="current-revision">{list.data.currentRevision}</code>
            </>
          ) : (
            'The database’s migrations and collection schema changes'
          )
        }
      />
      <Card>
        <CardHeader
          title="Revisions"
          description="Embedded migrations run at start; collection schema changes run when a schema is saved. Both are applied by the server, not from here."
        />
        {list.isPending ? (
          <Spinner />
        ) : list.isError ? (
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        ) : list.data.revisions.length === 0 ? (
          <EmptyState title="No revisions" />
        ) : (
          <TableContainer>
            <Table data-testid="migrations-table">
              <thead>
                <tr>
                  <Th>Revision</Th>
                  <Th>Description</Th>
                  <Th>Kind</Th>
                  <Th>Applied</Th>
                </tr>
              </thead>
              <tbody>
                {list.data.revisions.map((r) => (
                  <tr key={r.revision} data-revision={r.revision} data-dynamic={r.isDynamic}>
                    <Td className="max-w-64 truncate font-mono text-xs">{r.revision}</Td>
                    <Td>{r.description}</Td>
                    <Td>{r.isDynamic ? <Badge tone="primary">schema change</Badge> : <Badge>embedded</Badge>}</Td>
                    <Td className="whitespace-nowrap text-muted-fg">
                      {r.isApplied ? (applied.has(r.revision) ? formatDateTime(applied.get(r.revision)) : 'yes') : <Badge tone="warn">pending</Badge>}
                    </Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          </TableContainer>
        )}
      </Card>
    </div>
  );
}
