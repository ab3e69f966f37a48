import { useState } from 'react';
import { Link } from 'react-router';
import { ArrowLeft, Download } from 'lucide-react';
import { useCollectionNames, useCollections, useExportCollections } from '@/api/collections';
import { errorMessage } from '@/lib/api';
import { downloadJson } from '@/lib/utils';
import { PageHeader } from '@/components/layout/PageHeader';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { Checkbox } from '@/components/ui/input';
import { useToast } from '@/components/ui/toast';
import { ImportPanel } from './ImportPanel';

export function TransferPage() {
  const toast = useToast();
  const list = useCollections({ page: 1, page_size: 100, sort_by: 'name', sort_order: 'asc', search: '' });
  const names = useCollectionNames();
  const exporter = useExportCollections();
  const [picked, setPicked] = useState<string[]>([]);

  const onExport = async () => {
    try {
      const doc = await exporter.mutateAsync(picked);
      downloadJson('snackbase-collections.json', doc);
      toast.success(`Exported ${doc.collections.length} collection${doc.collections.length === 1 ? '' : 's'}`);
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };

  const toggle = (id: string) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id]));

  return (
    <div className="flex flex-col gap-4">
      <PageHeader
        back={
          <Link to="/collections" className="mb-1 inline-flex items-center gap-1 text-xs text-muted-fg hover:text-fg">
            <ArrowLeft className="h-3 w-3" /> Collections
          </Link>
        }
        title="Export and import"
        description="Move collection schemas between servers as JSON. Records are not included."
      />
      <Card>
        <CardHeader title="Export" description={picked.length ? `${picked.length} selected` : 'All collections, or pick some'} />
        <div className="flex flex-col gap-3 p-4">
          <div className="flex flex-wrap gap-x-5 gap-y-2">
            {list.data?.items.map((c) => (
              <label key={c.id} className="flex items-center gap-2 text-sm">
                <Checkbox checked={picked.includes(c.id)} onChange={() => toggle(c.id)} />
                {c.name}
              </label>
            ))}
            {list.data?.items.length === 0 && <span className="text-sm text-muted-fg">No collections to export.</span>}
          </div>
          <div>
            <Button onClick={() => void onExport()} loading={exporter.isPending} disabled={list.data?.items.length === 0}>
              <Download className="h-4 w-4" /> Download JSON
            </Button>
          </div>
        </div>
      </Card>
      <ImportPanel existing={names.data?.names ?? []} />
    </div>
  );
}
