import { useState } from 'react';
import { Link, useParams } from 'react-router';
import * as Tabs from '@radix-ui/react-tabs';
import { ArrowLeft, Copy } from 'lucide-react';
import { useCollectionByName } from '@/api/collections';
import { buildSnippets } from '@/lib/snippets';
import { copyText } from '@/lib/utils';
import { PageHeader } from '@/components/layout/PageHeader';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { EmptyState, ErrorState, Spinner } from '@/components/ui/states';
import { useToast } from '@/components/ui/toast';

function CodeBlock({ code, label }: { code: string; label: string }) {
  const toast = useToast();
  return (
    <div className="relative">
      <pre className="overflow-x-auto rounded-md bg-muted p-3 pr-12 font-mono text-xs leading-relaxed" aria-label={label}>
        {code}
      </pre>
      <Button
        variant="ghost"
        size="sm"
        className="absolute right-1 top-1 bg-muted"
        aria-label={`Copy ${label}`}
        onClick={() => void copyText(code).then(() => toast.success('Copied'))}
      >
        <Copy className="h-3.5 w-3.5" />
      </Button>
    </div>
  );
}

export function ApiPreviewPage() {
  const { name = '' } = useParams();
  const collection = useCollectionByName(name);
  const [lang, setLang] = useState<'curl' | 'js'>('curl');

  const back = (
    <Link to={`/collections/${name}/records`} className="mb-1 inline-flex items-center gap-1 text-xs text-muted-fg hover:text-fg">
      <ArrowLeft className="h-3 w-3" /> {name} records
    </Link>
  );

  if (collection.isPending) return <Spinner />;
  if (collection.isError) return <ErrorState error={collection.error} />;
  if (!collection.data) return <EmptyState title={`No collection named “${name}”`} />;

  const snippets = buildSnippets(window.location.origin, collection.data.name, collection.data.schema, true);

  return (
    <div>
      <PageHeader
        back={back}
        title={`API preview: ${collection.data.name}`}
        description="Requests an app makes for this collection. A signed-in user acts inside their own account; the superadmin names one with X-Account-ID."
      />
      <Tabs.Root value={lang} onValueChange={(v) => setLang(v === 'js' ? 'js' : 'curl')}>
        <Tabs.List className="mb-3 inline-flex rounded-md border border-border bg-card p-0.5" aria-label="Language">
          {(['curl', 'js'] as const).map((l) => (
            <Tabs.Trigger
              key={l}
              value={l}
              className="cursor-pointer rounded px-3 py-1 text-sm text-muted-fg data-[state=active]:bg-muted data-[state=active]:text-fg"
            >
              {l === 'curl' ? 'curl' : 'JavaScript'}
            </Tabs.Trigger>
          ))}
        </Tabs.List>
        {(['curl', 'js'] as const).map((l) => (
          <Tabs.Content key={l} value={l} className="flex flex-col gap-3">
            {snippets.map((s) => (
              <Card key={s.id} className="p-4" data-testid={`snippet-${s.id}`}>
                <div className="mb-2 flex flex-wrap items-center gap-2">
                  <Badge tone={s.method === 'GET' ? 'success' : s.method === 'DELETE' ? 'danger' : 'primary'}>{s.method}</Badge>
                  <span className="text-sm font-medium">{s.title}</span>
                  <code className="min-w-0 break-all font-mono text-xs text-muted-fg">{s.path}</code>
                </div>
                <CodeBlock code={l === 'curl' ? s.curl : s.js} label={`${s.title} (${l})`} />
              </Card>
            ))}
          </Tabs.Content>
        ))}
      </Tabs.Root>
      <Card className="mt-4 p-4 text-sm">
        <h2 className="font-semibold">List parameters</h2>
        <ul className="mt-2 list-inside list-disc text-muted-fg">
          <li>
            <code>skip</code>, <code>limit</code> (up to 100) or <code>cursor</code> with the <code>next_cursor</code> of the last page
          </li>
          <li>
            <code>sort=-created_at,title</code>: a minus sorts descending
          </li>
          <li>
            <code>fields=title,views</code> picks fields; <code>expand=author</code> embeds referenced records
          </li>
          <li>
            <code>field=value</code> keeps records whose field equals the value; <code>count=false</code> skips the total
          </li>
        </ul>
      </Card>
    </div>
  );
}
