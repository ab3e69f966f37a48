import { useMemo } from 'react';
import { useAuditSettings } from '@/api/audit';
import { useCollectionNames } from '@/api/collections';
import type { AuditCollectionSetting } from '@/lib/audit-types';
import { PageHeader } from '@/components/layout/PageHeader';
import { Card } from '@/components/ui/card';
import { EmptyState, ErrorState, Spinner } from '@/components/ui/states';
import { Table, TableContainer, Th } from '@/components/ui/table';
import { AuditTabs } from './AuditTabs';
import { DisabledNotice } from './DisabledNotice';
import { SettingRow } from './SettingRow';

/** A collection the settings do not list yet is audited with the defaults. */
const defaults = (collection: string): AuditCollectionSetting => ({ collection, enabled: true, excluded_fields: [], require_signature: false });

/** Per-collection audit settings (superadmin): on/off, electronic signatures, fields left out. */
export function AuditSettingsPage() {
  const settings = useAuditSettings();
  const names = useCollectionNames();
  const rows = useMemo(() => {
    const listed = settings.data?.collections ?? [];
    const extra = (names.data?.names ?? []).filter((n) => !listed.some((c) => c.collection === n)).map(defaults);
    return [...listed, ...extra].sort((a, b) => a.collection.localeCompare(b.collection));
  }, [settings.data, names.data]);

  return (
    <div>
      <PageHeader title="Audit logs" description="What is audited per collection, and which changes need an electronic signature" />
      <AuditTabs />
      {settings.data && !settings.data.enabled && <DisabledNotice />}
      <Card>
        {settings.isPending ? (
          <Spinner />
        ) : settings.isError ? (
          <ErrorState error={settings.error} onRetry={() => void settings.refetch()} />
        ) : rows.length === 0 ? (
          <EmptyState title="No collections yet" />
        ) : (
          <TableContainer>
            <Table data-testid="audit-settings">
              <thead>
                <tr>
                  <Th>Collection</Th>
                  <Th>Audited</Th>
                  <Th>Require signature</Th>
                  <Th>Excluded fields</Th>
                  <Th />
                </tr>
              </thead>
              <tbody>
                {rows.map((s) => (
                  <SettingRow key={s.collection} setting={s} />
                ))}
              </tbody>
            </Table>
          </TableContainer>
        )}
      </Card>
      <p className="mt-3 text-xs text-muted-fg">
        A collection that requires a signature refuses record changes without the caller's password and a reason
        (<span className="font-mono">X-Signature-Password</span>, <span className="font-mono">X-Signature-Reason</span>). Excluded fields are not
        written to the trail.
      </p>
    </div>
  );
}
