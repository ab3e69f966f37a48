import { useState } from 'react';
import { Upload } from 'lucide-react';
import { useExportCollections, useImportCollections } from '@/api/collections';
import { errorMessage } from '@/lib/api';
import { diffDocuments, parseExportDocument, type CollectionDiff } from '@/lib/schema-diff';
import type { ExportDocument, ImportStrategy } from '@/lib/types';
import { Badge, type BadgeTone } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { Select, Textarea } from '@/components/ui/input';
import { FormError, FormField } from '@/components/ui/form-field';
import { useToast } from '@/components/ui/toast';

const OUTCOME: Record<CollectionDiff['outcome'], [string, BadgeTone]> = {
  create: ['will be created', 'success'],
  update: ['will be updated', 'warn'],
  skip: ['exists: skipped', 'neutral'],
  unchanged: ['unchanged', 'neutral'],
  conflict: ['exists: import fails', 'danger'],
};

export function ImportPanel({ existing }: { existing: string[] }) {
  const toast = useToast();
  const current = useExportCollections();
  const importer = useImportCollections();
  const [text, setText] = useState('');
  const [strategy, setStrategy] = useState<ImportStrategy>('skip');
  const [error, setError] = useState('');
  const [doc, setDoc] = useState<ExportDocument | null>(null);
  const [base, setBase] = useState<ExportDocument | null>(null);
  const [result, setResult] = useState<{ name: string; status: string; message?: string }[] | null>(null);

  const review = async (source = text) => {
    setError('');
    setResult(null);
    const parsed = parseExportDocument(source);
    if ('error' in parsed) {
      setDoc(null);
      setError(parsed.error);
      return;
    }
    try {
      const now = await current.mutateAsync([]);
      setBase(now);
      setDoc(parsed.doc);
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  const onFile = async (file: File | undefined) => {
    if (!file) return;
    const content = await file.text();
    setText(content);
    await review(content);
  };

  const onImport = async () => {
    if (!doc) return;
    setError('');
    try {
      const res = await importer.mutateAsync({ data: doc, strategy });
      setResult(res.imported.map((r, i) => ({ ...r, message: res.collections[i]?.message })));
      setDoc(null);
      toast.success(`Import done: ${res.imported.map((i) => `${i.name} ${i.status}`).join(', ')}`);
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  const diff = doc && base ? diffDocuments(doc, base, strategy) : [];

  return (
    <Card>
      <CardHeader title="Import" description={`Paste or upload an export. ${existing.length} collections exist here.`} />
      <div className="flex flex-col gap-4 p-4">
        <FormError message={error} />
        <FormField label="Export JSON" htmlFor="import-json">
          <Textarea
            id="import-json"
            rows={8}
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              setDoc(null);
            }}
            placeholder='{"format_version": 1, "collections": [...]}'
          />
        </FormField>
        <div className="flex flex-wrap items-end gap-3">
          <label className="inline-flex cursor-pointer items-center gap-2 rounded-md border border-input px-3 py-2 text-sm hover:bg-muted">
            <Upload className="h-4 w-4" /> Upload file
            <input type="file" accept="application/json,.json" className="sr-only" onChange={(e) => void onFile(e.target.files?.[0])} />
          </label>
          <FormField label="When a collection exists" htmlFor="import-strategy">
            <Select id="import-strategy" value={strategy} onChange={(e) => setStrategy(e.target.value as ImportStrategy)}>
              <option value="skip">Skip it</option>
              <option value="update">Update its schema</option>
              <option value="error">Fail the whole import</option>
            </Select>
          </FormField>
          <Button variant="outline" onClick={() => void review()} disabled={!text.trim()} loading={current.isPending}>
            Review changes
          </Button>
        </div>
        {doc && (
          <div className="flex flex-col gap-3" data-testid="import-diff">
            <h3 className="text-sm font-semibold">What this import changes</h3>
            {diff.map((d) => (
              <div key={d.name} className="rounded-md border border-border p-3 text-sm" data-collection={d.name}>
                <div className="flex flex-wrap items-center gap-2">
                  <span className="font-medium">{d.name}</span>
                  <Badge tone={OUTCOME[d.outcome][1]}>{OUTCOME[d.outcome][0]}</Badge>
                </div>
                {d.status !== 'unchanged' && (
                  <ul className="mt-2 flex flex-col gap-1 text-xs">
                    {d.fields.map((f) => (
                      <li key={`${f.kind}-${f.name}`}>
                        <span className={f.kind === 'added' ? 'text-success' : f.kind === 'removed' ? 'text-danger' : 'text-warn'}>
                          {f.kind === 'added' ? '+' : f.kind === 'removed' ? '−' : '~'} {f.name}
                        </span>
                        {f.details.length > 0 && <span className="ml-2 font-mono text-muted-fg">{f.details.join('; ')}</span>}
                        {d.outcome === 'update' && (f.kind === 'removed' || f.details.some((x) => x.startsWith('type'))) && (
                          <span className="ml-2 text-muted-fg">(refused if it holds values)</span>
                        )}
                      </li>
                    ))}
                    {d.indexes.added.map((ix) => (
                      <li key={`+${ix}`} className="text-success">+ index {ix}</li>
                    ))}
                    {d.indexes.removed.map((ix) => (
                      <li key={`-${ix}`} className="text-danger">− index {ix}</li>
                    ))}
                    {d.rules.map((r) => (
                      <li key={`rule-${r}`} className="font-mono text-warn">
                        ~ {r}
                      </li>
                    ))}
                  </ul>
                )}
              </div>
            ))}
            <div>
              <Button onClick={() => void onImport()} loading={importer.isPending} data-testid="run-import">
                Import {doc.collections.length} collection{doc.collections.length === 1 ? '' : 's'}
              </Button>
            </div>
          </div>
        )}
        {result && (
          <div className="rounded-md border border-success/40 bg-success/10 p-3 text-sm" role="status" data-testid="import-result">
            {result.map((r) => (
              <div key={r.name}>
                {r.name}: <strong>{r.status}</strong>
                {r.message && <span className="ml-2 text-xs text-muted-fg"> {r.message}</span>}
              </div>
            ))}
          </div>
        )}
      </div>
    </Card>
  );
}
