import { useEffect, useState } from 'react';
import { FlaskConical, Plus, Save, Trash2 } from 'lucide-react';
import { useAccountOptions } from '@/api/accounts';
import { useDeleteMacro, useMacros, useSaveMacro, useTestMacro } from '@/api/macros';
import { ApiError, errorMessage } from '@/lib/api';
import type { Macro, MacroTestResult } from '@/lib/types';
import { SYSTEM_ACCOUNT } from '@/lib/types';
import { cn } from '@/lib/utils';
import { PageHeader } from '@/components/layout/PageHeader';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { useConfirm } from '@/components/ui/confirm';
import { FormError, FormField } from '@/components/ui/form-field';
import { Input, Select, Textarea } from '@/components/ui/input';
import { EmptyState, ErrorState, Spinner } from '@/components/ui/states';
import { useToast } from '@/components/ui/toast';

/** Parameter names typed as "a, b" → ["a", "b"]. */
export function parseParams(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function MacrosPage() {
  const macros = useMacros();
  const [selected, setSelected] = useState<number | 'new' | null>(null);
  const current = selected === 'new' ? null : (macros.data?.find((m) => m.id === selected) ?? null);

  return (
    <div className="flex flex-col gap-4">
      <PageHeader
        title="Macros"
        description="Named read-only SQL queries that rules call as @name(…)"
        actions={
          <Button onClick={() => setSelected('new')}>
            <Plus className="h-4 w-4" /> New macro
          </Button>
        }
      />
      <div className="grid grid-cols-1 gap-4 lg:grid-cols-[18rem_1fr]">
        <Card>
          <CardHeader title="Macros" />
          {macros.isPending ? (
            <Spinner />
          ) : macros.isError ? (
            <ErrorState error={macros.error} onRetry={() => void macros.refetch()} />
          ) : macros.data.length === 0 ? (
            <EmptyState title="No macros yet" />
          ) : (
            <ul className="flex flex-col divide-y divide-border" data-testid="macros-list">
              {macros.data.map((m) => (
                <li key={m.id}>
                  <button
                    type="button"
                    onClick={() => setSelected(m.id)}
                    className={cn('w-full cursor-pointer px-3 py-2 text-left hover:bg-muted', selected === m.id && 'bg-accent')}
                  >
                    <span className="block truncate font-mono text-sm">@{m.name}({m.parameters.join(', ')})</span>
                    {m.description && <span className="block truncate text-xs text-muted-fg">{m.description}</span>}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </Card>
        {selected === null ? (
          <Card>
            <EmptyState title="Pick a macro, or create one" />
          </Card>
        ) : (
          <MacroEditor key={String(selected)} macro={current} onSaved={(m) => setSelected(m.id)} onDeleted={() => setSelected(null)} />
        )}
      </div>
    </div>
  );
}

function MacroEditor({ macro, onSaved, onDeleted }: { macro: Macro | null; onSaved: (m: Macro) => void; onDeleted: () => void }) {
  const save = useSaveMacro();
  const del = useDeleteMacro();
  const confirm = useConfirm();
  const toast = useToast();
  const [name, setName] = useState(macro?.name ?? '');
  const [description, setDescription] = useState(macro?.description ?? '');
  const [params, setParams] = useState(macro?.parameters.join(', ') ?? '');
  const [sql, setSql] = useState(macro?.sql_query ?? 'SELECT COUNT(*) FROM {posts} WHERE created_by = :user_id');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState('');

  const onSave = async () => {
    setErrors({});
    setFormError('');
    try {
      const saved = await save.mutateAsync({
        id: macro?.id,
        body: { name: name.trim(), description: description || undefined, sql_query: sql, parameters: parseParams(params) },
      });
      toast.success(`Macro ${saved.name} saved`);
      onSaved(saved);
    } catch (e) {
      if (e instanceof ApiError && e.details.length) {
        const byField: Record<string, string> = {};
        for (const d of e.details) byField[d.field] ??= d.message;
        setErrors(byField);
        const known = ['name', 'sql_query', 'parameters', 'description'];
        const rest = e.details.filter((d) => !known.includes(d.field));
        if (rest.length) setFormError(rest.map((d) => d.message).join('; '));
      } else {
        setFormError(errorMessage(e));
      }
    }
  };

  const onDelete = async () => {
    if (!macro) return;
    const ok = await confirm({
      title: `Delete macro ${macro.name}?`,
      message: 'Rules that call it are refused when saved again, and deny until changed.',
      confirmLabel: 'Delete',
      danger: true,
    });
    if (!ok) return;
    try {
      await del.mutateAsync(macro.id);
      toast.success(`Macro ${macro.name} deleted`);
      onDeleted();
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };

  return (
    <div className="flex min-w-0 flex-col gap-4">
      <Card>
        <CardHeader
          title={macro ? `@${macro.name}` : 'New macro'}
          actions={
            <>
              {macro && (
                <Button variant="outline" onClick={() => void onDelete()} aria-label="Delete macro">
                  <Trash2 className="h-4 w-4" />
                </Button>
              )}
              <Button onClick={() => void onSave()} loading={save.isPending}>
                <Save className="h-4 w-4" /> Save
              </Button>
            </>
          }
        />
        <form
          className="flex flex-col gap-4 p-4"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void onSave();
          }}
        >
          <FormError message={formError} />
          <div className="grid grid-cols-1 gap-4 sm:grid-cols-2">
            <FormField label="Name" htmlFor="macro-name" error={errors.name}>
              <Input id="macro-name" value={name} onChange={(e) => setName(e.target.value)} className="font-mono" autoComplete="off" />
            </FormField>
            <FormField label="Parameters" htmlFor="macro-params" error={errors.parameters} hint="Comma-separated; used as :name in the query">
              <Input id="macro-params" value={params} onChange={(e) => setParams(e.target.value)} className="font-mono" autoComplete="off" />
            </FormField>
          </div>
          <FormField label="Description" htmlFor="macro-description" error={errors.description}>
            <Input id="macro-description" value={description} onChange={(e) => setDescription(e.target.value)} autoComplete="off" />
          </FormField>
          <FormField
            label="SQL"
            htmlFor="macro-sql"
            error={errors.sql_query}
            hint="One SELECT returning one column. Read collections as {name}; :user_id and :account_id are the caller's."
          >
            <Textarea id="macro-sql" value={sql} onChange={(e) => setSql(e.target.value)} rows={5} spellCheck={false} aria-invalid={!!errors.sql_query} />
          </FormField>
        </form>
      </Card>
      {macro && <MacroTester macro={macro} />}
    </div>
  );
}

function MacroTester({ macro }: { macro: Macro }) {
  const test = useTestMacro();
  const accounts = useAccountOptions();
  const [values, setValues] = useState<string[]>(macro.parameters.map(() => ''));
  const [account, setAccount] = useState('');
  const [result, setResult] = useState<MacroTestResult | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    if (account || !accounts.data) return;
    setAccount(accounts.data.items.find((a) => a.id !== SYSTEM_ACCOUNT)?.id ?? SYSTEM_ACCOUNT);
  }, [account, accounts.data]);

  const run = async () => {
    setError('');
    setResult(null);
    // Numbers stay numbers: '5' → 5; anything else is text.
    const parameters = values.map((v) => (v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : v));
    try {
      setResult(await test.mutateAsync({ id: macro.id, parameters, account_id: account || undefined }));
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  return (
    <Card data-testid="macro-tester">
      <CardHeader title="Test" description="Runs the saved query, read-only, as you in the account you pick." />
      <div className="flex flex-col gap-3 p-4">
        <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
          <FormField label="Account" htmlFor="macro-test-account">
            <Select id="macro-test-account" value={account} onChange={(e) => setAccount(e.target.value)}>
              {accounts.data?.items.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name} ({a.id})
                </option>
              ))}
            </Select>
          </FormField>
          {macro.parameters.map((p, i) => (
            <FormField key={p} label={`:${p}`} htmlFor={`macro-test-${p}`}>
              <Input
                id={`macro-test-${p}`}
                value={values[i] ?? ''}
                onChange={(e) => setValues((vs) => vs.map((v, j) => (j === i ? e.target.value : v)))}
                className="font-mono"
              />
            </FormField>
          ))}
        </div>
        <Button onClick={() => void run()} loading={test.isPending} className="self-start">
          <FlaskConical className="h-4 w-4" /> Run test
        </Button>
        {error && (
          <p role="alert" className="text-sm text-danger">
            {error}
          </p>
        )}
        {result && (
          <div role="status" data-testid="macro-test-result" className="rounded-md bg-muted p-3 text-sm">
            Result: <span className="font-mono font-semibold">{JSON.stringify(result.result)}</span>
            <span className="text-muted-fg"> · {result.execution_time} ms</span>
          </div>
        )}
      </div>
    </Card>
  );
}
