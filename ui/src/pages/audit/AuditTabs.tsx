import { LinkTabs } from '@/components/ui/link-tabs';

/** Entries and (superadmin) per-collection settings. */
export function AuditTabs() {
  return (
    <div className="mb-4">
      <LinkTabs
        label="Audit logs"
        tabs={[
          { to: '/audit-logs', label: 'Entries', end: true },
          { to: '/audit-logs/settings', label: 'Settings' },
        ]}
      />
    </div>
  );
}
