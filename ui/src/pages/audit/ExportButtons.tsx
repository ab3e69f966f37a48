import { useState } from 'react';
import { Download } from 'lucide-react';
import { downloadAuditExport } from '@/api/audit';
import { errorMessage } from '@/lib/api';
import type { AuditFilters } from '@/lib/audit';
import type { AuditExportFormat } from '@/lib/audit-types';
import { Button } from '@/components/ui/button';
import { useToast } from '@/components/ui/toast';

const FORMATS: [AuditExportFormat, string][] = [
  ['json', 'JSON'],
  ['csv', 'CSV'],
  ['pdf', 'PDF'],
];

/** Signed exports of the entries matching the current filters. */
export function ExportButtons({ filters }: { filters: AuditFilters }) {
  const toast = useToast();
  const [busy, setBusy] = useState<AuditExportFormat | null>(null);

  const run = async (format: AuditExportFormat) => {
    setBusy(format);
    try {
      const name = await downloadAuditExport(format, filters);
      toast.success(`Downloaded ${name}`);
    } catch (e) {
      toast.error(errorMessage(e));
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="flex items-center gap-1" role="group" aria-label="Export">
      {FORMATS.map(([format, label]) => (
        <Button
          key={format}
          variant="outline"
          size="sm"
          loading={busy === format}
          disabled={busy !== null && busy !== format}
          onClick={() => void run(format)}
          aria-label={`Export ${label}`}
        >
          {busy !== format && <Download className="h-3.5 w-3.5" />}
          {label}
        </Button>
      ))}
    </div>
  );
}
