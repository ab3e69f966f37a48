import { CheckCircle2, X, XCircle } from 'lucide-react';
import { useAuditPublicKey } from '@/api/audit';
import type { AuditVerifyReport } from '@/lib/audit-types';
import { cn, formatDateTime } from '@/lib/utils';
import { Badge } from '@/components/ui/badge';
import { Card, CardHeader } from '@/components/ui/card';
import { Table, TableContainer, Td, Th } from '@/components/ui/table';

/** The answer of `/audit-logs/verify`: each hash chain intact or broken, and where. */
export function VerifyReport({ report, onClose }: { report: AuditVerifyReport; onClose: () => void }) {
  const key = useAuditPublicKey();
  const Icon = report.ok ? CheckCircle2 : XCircle;
  return (
    <Card
      data-testid="audit-verify"
      data-ok={String(report.ok)}
      className={cn('border-2', report.ok ? 'border-success/60' : 'border-danger/60')}
      role="status"
    >
      <CardHeader
        title={
          <span className={cn('inline-flex items-center gap-2', report.ok ? 'text-success' : 'text-danger')}>
            <Icon className="h-4 w-4" aria-hidden />
            {report.ok
              ? `Chain${report.chains.length === 1 ? '' : 's'} intact`
              : `${report.chains.filter((c) => !c.ok).length} of ${report.chains.length} chains broken`}
          </span>
        }
        description={`Verified ${formatDateTime(report.verified_at)}`}
        actions={
          <button type="button" className="cursor-pointer rounded-md p-1 text-muted-fg hover:bg-muted hover:text-fg" onClick={onClose} aria-label="Close verification">
            <X className="h-4 w-4" />
          </button>
        }
      />
      {report.chains.length === 0 ? (
        <p className="p-4 text-sm text-muted-fg">No chains to verify yet.</p>
      ) : (
        <TableContainer>
          <Table>
            <thead>
              <tr>
                <Th>Chain</Th>
                <Th>State</Th>
                <Th className="text-right">Entries</Th>
                <Th className="text-right">Head</Th>
                <Th className="text-right">Checkpoints</Th>
                <Th>Last checkpoint</Th>
                <Th>Head hash</Th>
              </tr>
            </thead>
            <tbody>
              {report.chains.map((c) => (
                <tr key={c.chain} data-chain={c.chain} data-ok={String(c.ok)}>
                  <Td className="whitespace-nowrap font-mono text-xs">
                    {c.chain}
                    {c.account_id === null && <span className="ml-1 font-sans text-muted-fg">(system)</span>}
                  </Td>
                  <Td>
                    {c.ok ? (
                      <Badge tone="success">OK</Badge>
                    ) : (
                      <div className="flex flex-col gap-1">
                        <Badge tone="danger" className="self-start">
                          Broken
                        </Badge>
                        {c.error && (
                          <span className="text-xs text-danger" data-testid="audit-verify-error">
                            at #{c.error.sequence} ({c.error.kind}): {c.error.message}
                          </span>
                        )}
                      </div>
                    )}
                  </Td>
                  <Td className="text-right tabular-nums">{c.entries}</Td>
                  <Td className="text-right tabular-nums">{c.head_sequence}</Td>
                  <Td className="text-right tabular-nums">{c.checkpoints}</Td>
                  <Td className="whitespace-nowrap text-muted-fg">{formatDateTime(c.last_checkpoint_at)}</Td>
                  <Td className="max-w-40 truncate font-mono text-xs text-muted-fg" title={c.head_hash}>
                    {c.head_hash}
                  </Td>
                </tr>
              ))}
            </tbody>
          </Table>
        </TableContainer>
      )}
      {key.data && (
        <p className="break-all px-4 py-2 text-xs text-muted-fg">
          Exports are signed with {key.data.algorithm} key <span className="font-mono">{key.data.public_key}</span>
        </p>
      )}
    </Card>
  );
}
