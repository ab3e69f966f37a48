import { useEffect, useMemo, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { ArrowLeft, Play, Plus, X } from 'lucide-react';
import { useCollectionByName } from '@/api/collections';
import { useAggregate, type AggregateParams } from '@/api/records';
import { ApiError } from '@/lib/api';
import {
  AGG_FUNCS,
  checkAggregate,
  fieldsFor,
  formatAggValue,
  functionsParam,
  groupableFields,
  parseFunctions,
  resultColumns,
  type AggFunc,
  type AggSpec,
} from '@/lib/aggregate';
import { canReadSchemas, useSession } from '@/lib/auth';
import type { Field } from '@/lib/types';
import { ExpressionError } from '@/components/ExpressionError';
import { PageHeader } from '@/components/layout/PageHeader';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { FormError } from '@/components/ui/form-field';
import { Input, Label, Select } from '@/components/ui/input';
import { EmptyState, ErrorState, Spinner } from '@/components/ui/states';
import { Table, TableContainer, Td, Th } from '@/components/ui/table';
import { CollectionTabs } from '../collections/CollectionTabs';
import { AccountPicker } from './AccountPicker';
import { useRecordAccount } from './useRecordAccount';

const splitList = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

/** Counts, sums, averages, minima and maxima of a collection's records, per group (GET …/aggregate). */
export function AggregatePage() {
  const { name = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const { superadmin, accountId, accounts, setAccount, ready } = useRecordAccount();
  const readsSchemas = canReadSchemas(useSession());
  const collection = useCollectionByName(name, readsSchemas);
  const schema = collection.data?.schema ?? null;

  // The applied query lives in the URL, so a reload or a shared link shows the same result.
  const applied: AggregateParams | null = params.get('functions')
    ? {
        functions: params.get('functions') ?? '',
        group_by: params.get('group_by') ?? '',
        filter: params.get('filter') ?? '',
        having: params.get('having') ?? '',
      }
    : null;
  const result = useAggregate(name, accountId, ready ? applied : null);

  const [specs, setSpecs] = useState<AggSpec[]>(() => {
    const parsed = parseFunctions(params.get('functions') ?? '');
    return parsed.length ? parsed : [{ func: 'count', field: '' }];
  });
  const [groupBy, setGroupBy] = useState<string[]>(() => splitList(params.get('group_by') ?? ''));
  const [filter, setFilter] = useState(params.get('filter') ?? '');
  const [having, setHaving] = useState(params.get('having') ?? '');
  const [localError, setLocalError] = useState('');

  useEffect(() => setLocalError(''), [specs, groupBy]);

  const run = () => {
    const problem = schema ? checkAggregate(groupBy, specs, schema) : specs.length ? null : 'Choose at least one function';
    if (problem) {
      setLocalError(problem);
      return;
    }
    const next = new URLSearchParams(params);
    const set = (k: string, v: string) => (v ? next.set(k, v) : next.delete(k));
    set('functions', functionsParam(specs));
    set('group_by', groupBy.join(','));
    set('filter', filter.trim());
    set('having', having.trim());
    setParams(next, { replace: true });
    if (applied && next.toString() === params.toString()) void result.refetch();
  };

  const details = result.error instanceof ApiError && result.error.status === 422 ? result.error.details : [];
  const exprError = (field: string) => details.find((d) => d.field === field) ?? null;
  const otherError =
    result.error instanceof ApiError && result.error.status === 422
      ? details.filter((d) => d.field !== 'filter' && d.field !== 'having').map((d) => d.message).join('; ') ||
        (details.length ? '' : result.error.message)
      : '';
  const columns = useMemo(
    () => (applied ? resultColumns(splitList(applied.group_by), parseFunctions(applied.functions)) : []),
    [applied?.functions, applied?.group_by],
  );

  return (
    <div className="flex flex-col gap-4">
      <PageHeader
        back={
          <Link to={superadmin ? '/collections' : '/records'} className="mb-1 inline-flex items-center gap-1 text-xs text-muted-fg hover:text-fg">
            <ArrowLeft className="h-3 w-3" /> {superadmin ? 'Collections' : 'Records'}
          </Link>
        }
        title={name}
        description="Counts, sums, averages, minima and maxima of the records you may read"
        actions={superadmin && <AccountPicker accounts={accounts} value={accountId} onChange={setAccount} />}
      />
      <CollectionTabs name={name} accountId={accountId} />
      <Card>
        <CardHeader title="Query" description="Each group is one row; without a group field, one row for all matching records." />
        <form
          className="flex flex-col gap-4 p-4"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            run();
          }}
        >
          <div className="flex flex-col gap-2">
            <Label>Functions</Label>
            {specs.map((s, i) => (
              <FunctionRow
                key={i}
                index={i}
                spec={s}
                schema={schema}
                onChange={(n) => setSpecs((all) => all.map((x, j) => (j === i ? n : x)))}
                onRemove={specs.length > 1 ? () => setSpecs((all) => all.filter((_, j) => j !== i)) : undefined}
              />
            ))}
            <div>
              <Button variant="outline" size="sm" onClick={() => setSpecs((all) => [...all, defaultSpec(schema)])} disabled={specs.length >= 10}>
                <Plus className="h-3.5 w-3.5" /> Add function
              </Button>
            </div>
          </div>
          <div className="flex flex-col gap-2">
            <Label>Group by</Label>
            {groupBy.map((g, i) => (
              <div key={i} className="flex min-w-0 gap-2">
                <FieldChoice
                  value={g}
                  options={schema ? groupableFields(schema) : null}
                  label={`Group by field ${i + 1}`}
                  onChange={(v) => setGroupBy((all) => all.map((x, j) => (j === i ? v : x)))}
                />
                <Button variant="ghost" size="sm" aria-label={`Remove group field ${i + 1}`} onClick={() => setGroupBy((all) => all.filter((_, j) => j !== i))}>
                  <X className="h-3.5 w-3.5" />
                </Button>
              </div>
            ))}
            <div>
              <Button
                variant="outline"
                size="sm"
                disabled={groupBy.length >= 5}
                onClick={() => setGroupBy((all) => [...all, (schema ? groupableFields(schema) : []).find((f) => !all.includes(f)) ?? ''])}
              >
                <Plus className="h-3.5 w-3.5" /> Add group field
              </Button>
            </div>
          </div>
          <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
            <div className="flex min-w-0 flex-col gap-1.5">
              <Label htmlFor="agg-filter">Filter</Label>
              <Input id="agg-filter" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="status != 'draft'" className="font-mono text-xs" spellCheck={false} autoComplete="off" aria-invalid={exprError('filter') ? true : undefined} />
              {exprError('filter') ? (
                <ExpressionError expression={applied?.filter ?? ''} message={exprError('filter')!.message} position={exprError('filter')!.position} testId="agg-filter-error" />
              ) : (
                <p className="text-xs text-muted-fg">Which records count, as in the records list</p>
              )}
            </div>
            <div className="flex min-w-0 flex-col gap-1.5">
              <Label htmlFor="agg-having">Having</Label>
              <Input id="agg-having" value={having} onChange={(e) => setHaving(e.target.value)} placeholder="count() > 5 && sum(total) >= 100" className="font-mono text-xs" spellCheck={false} autoComplete="off" aria-invalid={exprError('having') ? true : undefined} />
              {exprError('having') ? (
                <ExpressionError expression={applied?.having ?? ''} message={exprError('having')!.message} position={exprError('having')!.position} testId="agg-having-error" />
              ) : (
                <p className="text-xs text-muted-fg">Which groups are kept: aggregates compared with numbers</p>
              )}
            </div>
          </div>
          <FormError message={localError || otherError} />
          <div>
            <Button type="submit" loading={result.isFetching} disabled={!ready}>
              <Play className="h-4 w-4" /> Run
            </Button>
          </div>
        </form>
      </Card>
      {applied && (
        <Card>
          <CardHeader
            title="Result"
            description={
              result.data
                ? result.data.total_groups > result.data.results.length
                  ? `${result.data.total_groups} groups; the first ${result.data.results.length} shown`
                  : `${result.data.total_groups} ${result.data.total_groups === 1 ? 'group' : 'groups'}`
                : undefined
            }
          />
          {!ready || result.isPending ? (
            <Spinner />
          ) : result.isError ? (
            details.length ? <EmptyState title="Fix the query to see a result" /> : <ErrorState error={result.error} onRetry={() => void result.refetch()} />
          ) : result.data.results.length === 0 ? (
            <EmptyState title="No groups match" />
          ) : (
            <TableContainer>
              <Table data-testid="aggregate-table">
                <thead>
                  <tr>
                    {columns.map((c) => (
                      <Th key={c} className="font-mono normal-case">
                        {c}
                      </Th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {result.data.results.map((row, i) => (
                    <tr key={i}>
                      {columns.map((c) => (
                        <Td key={c} data-col={c} className={typeof row[c] === 'number' ? 'text-right tabular-nums' : undefined}>
                          {formatAggValue(row[c])}
                        </Td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </Table>
            </TableContainer>
          )}
        </Card>
      )}
    </div>
  );
}

function defaultSpec(schema: Field[] | null): AggSpec {
  const num = schema?.find((f) => f.type === 'number');
  return num ? { func: 'sum', field: num.name } : { func: 'count', field: '' };
}

function FunctionRow({
  index,
  spec,
  schema,
  onChange,
  onRemove,
}: {
  index: number;
  spec: AggSpec;
  schema: Field[] | null;
  onChange: (s: AggSpec) => void;
  onRemove?: () => void;
}) {
  const options = schema ? fieldsFor(spec.func, schema) : null;
  return (
    <div className="flex min-w-0 gap-2">
      <Select
        value={spec.func}
        aria-label={`Function ${index + 1}`}
        className="w-28 shrink-0"
        onChange={(e) => {
          const func = e.target.value as AggFunc;
          const allowed = schema ? fieldsFor(func, schema) : null;
          const field = allowed && !allowed.includes(spec.field) ? (allowed[0] ?? '') : spec.field;
          onChange({ func, field });
        }}
      >
        {AGG_FUNCS.map((f) => (
          <option key={f} value={f}>
            {f}
          </option>
        ))}
      </Select>
      <FieldChoice value={spec.field} options={options} label={`Field of function ${index + 1}`} onChange={(field) => onChange({ ...spec, field })} allRows={spec.func === 'count'} />
      {onRemove && (
        <Button variant="ghost" size="sm" aria-label={`Remove function ${index + 1}`} onClick={onRemove}>
          <X className="h-3.5 w-3.5" />
        </Button>
      )}
    </div>
  );
}

/** A field picker from the schema, or a text input when the schema is not readable (plain users). */
function FieldChoice({
  value,
  options,
  label,
  onChange,
  allRows,
}: {
  value: string;
  options: string[] | null;
  label: string;
  onChange: (v: string) => void;
  allRows?: boolean;
}) {
  if (!options) {
    return <Input value={value} onChange={(e) => onChange(e.target.value.trim())} aria-label={label} placeholder={allRows ? 'all rows' : 'field'} className="min-w-0 flex-1 sm:max-w-xs" />;
  }
  return (
    <Select value={value} onChange={(e) => onChange(e.target.value)} aria-label={label} className="min-w-0 flex-1 sm:max-w-xs">
      {options.length === 0 && <option value="">no field fits</option>}
      {options.map((o) => (
        <option key={o} value={o}>
          {o === '' ? 'all rows' : o}
        </option>
      ))}
    </Select>
  );
}
