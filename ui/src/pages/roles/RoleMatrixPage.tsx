import { useEffect, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import * as Popover from '@radix-ui/react-popover';
import { ArrowLeft, FlaskConical, ListChecks, Save } from 'lucide-react';
import { useCollectionByName } from '@/api/collections';
import { useBulkPermissions, usePermissionMatrix, useTestRule, validateRule } from '@/api/roles';
import { ApiError, errorMessage } from '@/lib/api';
import { useUnsavedGuard } from '@/lib/use-unsaved-guard';
import { cellErrors, cellKey, matrixDiff, toDraft, type CellDraft, type CellError, type MatrixDraft } from '@/lib/permissions';
import { OPERATIONS, type Operation, type PermissionFields, type RuleTestResult, type RuleValidation } from '@/lib/types';
import { ExpressionError } from '@/components/ExpressionError';
import { PageHeader } from '@/components/layout/PageHeader';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { FormError } from '@/components/ui/form-field';
import { Input, Label, Select, Textarea } from '@/components/ui/input';
import { ErrorState, Spinner } from '@/components/ui/states';
import { useToast } from '@/components/ui/toast';

export function RoleMatrixPage() {
  const { id = '' } = useParams();
  const roleId = Number(id);
  const matrix = usePermissionMatrix(Number.isFinite(roleId) ? roleId : undefined);
  const bulk = useBulkPermissions();
  const toast = useToast();
  const [draft, setDraft] = useState<MatrixDraft>({});
  const [errors, setErrors] = useState<Record<string, CellError>>({});
  const [formError, setFormError] = useState('');
  const [testing, setTesting] = useState<{ collection: string; rule: string } | null>(null);

  useEffect(() => {
    if (matrix.data) setDraft(toDraft(matrix.data.permissions));
  }, [matrix.data]);

  const changes = useMemo(() => (matrix.data ? matrixDiff(matrix.data.permissions, draft) : []), [matrix.data, draft]);
  useUnsavedGuard(changes.length > 0 && !bulk.isPending);

  const setCell = (collection: string, op: Operation, cell: CellDraft) => {
    setDraft((d) => ({ ...d, [collection]: { ...d[collection], [op]: cell } }));
    setErrors((e) => {
      const key = cellKey(collection, op);
      if (!(key in e)) return e;
      const next = { ...e };
      delete next[key];
      return next;
    });
  };

  const save = async () => {
    setFormError('');
    if (changes.length === 0) {
      toast.success('Nothing to save');
      return;
    }
    try {
      await bulk.mutateAsync({ roleId, updates: changes });
      setErrors({});
      toast.success(`${changes.length} permission ${changes.length === 1 ? 'change' : 'changes'} saved`);
      await matrix.refetch();
    } catch (e) {
      if (e instanceof ApiError && e.details.length) {
        const { byCell, other } = cellErrors(changes, e.details);
        setErrors(byCell);
        setFormError(other.length ? other.join('; ') : `${e.message.replace(/\.?$/, '.')} Nothing was saved.`);
      } else {
        setFormError(errorMessage(e));
      }
    }
  };

  return (
    <div className="flex flex-col gap-4">
      <PageHeader
        back={
          <Link to="/roles" className="mb-1 inline-flex items-center gap-1 text-xs text-muted-fg hover:text-fg">
            <ArrowLeft className="h-3 w-3" /> Roles
          </Link>
        }
        title={matrix.data ? `Permissions of ${matrix.data.role_name}` : 'Permissions'}
        description="A rule per collection and operation; an empty rule grants nothing. All changes are saved together, or none."
        actions={
          <Button onClick={() => void save()} loading={bulk.isPending} disabled={!matrix.data} data-testid="save-permissions">
            <Save className="h-4 w-4" /> Save{changes.length ? ` (${changes.length})` : ''}
          </Button>
        }
      />
      <FormError message={formError} />
      {matrix.isPending ? (
        <Spinner />
      ) : matrix.isError ? (
        <ErrorState error={matrix.error} onRetry={() => void matrix.refetch()} />
      ) : (
        <>
          {matrix.data.permissions.map((row) => (
            <Card key={row.collection} data-testid={`perm-row-${row.collection}`}>
              <CardHeader
                title={<span className="font-mono">{row.collection}</span>}
                description={row.collection === '*' ? 'Every collection' : undefined}
              />
              <div className="grid grid-cols-1 gap-3 p-3 md:grid-cols-2 xl:grid-cols-4">
                {OPERATIONS.map((op) =>
                  draft[row.collection] ? (
                    <RuleCell
                      key={op}
                      collection={row.collection}
                      op={op}
                      cell={draft[row.collection][op]}
                      serverError={errors[cellKey(row.collection, op)]}
                      onChange={(c) => setCell(row.collection, op, c)}
                      onTest={(rule) => setTesting({ collection: row.collection, rule })}
                    />
                  ) : null,
                )}
              </div>
            </Card>
          ))}
          <RuleTester
            collections={matrix.data.permissions.map((r) => r.collection)}
            roleName={matrix.data.role_name}
            preset={testing}
          />
        </>
      )}
    </div>
  );
}

interface CellProps {
  collection: string;
  op: Operation;
  cell: CellDraft;
  serverError?: CellError;
  onChange: (cell: CellDraft) => void;
  onTest: (rule: string) => void;
}

/** A rule input that validates as you type (debounced) against the collection. */
function RuleCell({ collection, op, cell, serverError, onChange, onTest }: CellProps) {
  const [check, setCheck] = useState<RuleValidation | null>(null);
  const rule = cell.enabled ? cell.rule : '';
  const id = `rule-${collection === '*' ? 'all' : collection}-${op}`;

  useEffect(() => {
    setCheck(null);
    if (!rule.trim()) return;
    const ctrl = new AbortController();
    const t = setTimeout(() => {
      validateRule(rule, collection === '*' ? undefined : collection, ctrl.signal)
        .then(setCheck)
        .catch(() => {});
    }, 350);
    return () => {
      clearTimeout(t);
      ctrl.abort();
    };
  }, [rule, collection]);

  const error = serverError ?? (check && !check.valid ? { message: check.error ?? 'Invalid rule', position: check.position } : null);

  return (
    <div className="flex min-w-0 flex-col gap-1.5 rounded-md border border-border p-2" data-testid={`cell-${collection}-${op}`}>
      <div className="flex items-center justify-between gap-2">
        <Label htmlFor={id} className="capitalize">
          {op}
        </Label>
        <div className="flex items-center gap-1">
          {rule.trim() && check?.valid && !serverError && <span className="text-xs text-success">valid</span>}
          {rule.trim() && (
            <Button variant="ghost" size="sm" onClick={() => onTest(rule)} aria-label={`Test ${op} rule of ${collection}`}>
              <FlaskConical className="h-3.5 w-3.5" />
            </Button>
          )}
        </div>
      </div>
      <Input
        id={id}
        value={rule}
        onChange={(e) => onChange({ ...cell, enabled: true, rule: e.target.value })}
        placeholder="no access"
        className="font-mono text-xs"
        aria-invalid={error ? true : undefined}
        aria-label={`${op} rule for ${collection}`}
        spellCheck={false}
        autoComplete="off"
      />
      {error && <ExpressionError expression={rule} message={error.message} position={error.position} testId={`${id}-error`} />}
      {op !== 'delete' && rule.trim() && (
        <FieldPicker collection={collection} fields={cell.fields} onChange={(fields) => onChange({ ...cell, fields })} label={`${op} fields of ${collection}`} />
      )}
    </div>
  );
}

function FieldPicker({ collection, fields, onChange, label }: { collection: string; fields: PermissionFields; onChange: (f: PermissionFields) => void; label: string }) {
  const [open, setOpen] = useState(false);
  const schema = useCollectionByName(collection, open && collection !== '*');
  const names = useMemo(() => schema.data?.schema.map((f) => f.name) ?? [], [schema.data]);
  const chosen = fields === '*' ? [] : fields;
  return (
    <Popover.Root open={open} onOpenChange={setOpen}>
      <Popover.Trigger asChild>
        <Button variant="outline" size="sm" className="self-start" aria-label={label}>
          <ListChecks className="h-3.5 w-3.5" /> {fields === '*' ? 'All fields' : `${fields.length} ${fields.length === 1 ? 'field' : 'fields'}`}
        </Button>
      </Popover.Trigger>
      <Popover.Portal>
        <Popover.Content align="start" sideOffset={4} className="z-50 max-h-72 w-60 overflow-y-auto rounded-md border border-border bg-card p-2 text-sm shadow-lg">
          <label className="flex items-center gap-2 py-1">
            <input type="checkbox" checked={fields === '*'} onChange={(e) => onChange(e.target.checked ? '*' : [])} />
            All fields (*)
          </label>
          {collection === '*' ? (
            <p className="text-xs text-muted-fg">Pick fields per collection.</p>
          ) : schema.isError ? (
            <p className="text-xs text-danger">{errorMessage(schema.error)}</p>
          ) : schema.isPending ? (
            <Spinner />
          ) : (
            names.map((n) => (
              <label key={n} className="flex items-center gap-2 py-1 font-mono text-xs">
                <input
                  type="checkbox"
                  checked={fields === '*' || chosen.includes(n)}
                  disabled={fields === '*'}
                  onChange={(e) => onChange(e.target.checked ? [...chosen, n] : chosen.filter((x) => x !== n))}
                />
                {n}
              </label>
            ))
          )}
        </Popover.Content>
      </Popover.Portal>
    </Popover.Root>
  );
}

function RuleTester({ collections, roleName, preset }: { collections: string[]; roleName: string; preset: { collection: string; rule: string } | null }) {
  const test = useTestRule();
  const [collection, setCollection] = useState(collections.find((c) => c !== '*') ?? '*');
  const [rule, setRule] = useState('');
  const [context, setContext] = useState(
    JSON.stringify(
      { user: { id: 'u1', email: 'u1@example.com', role: roleName, groups: [] }, account: { id: 'AA0001', slug: 'acme' }, record: { created_by: 'u1' } },
      null,
      2,
    ),
  );
  const [contextError, setContextError] = useState('');
  const [result, setResult] = useState<RuleTestResult | null>(null);

  useEffect(() => {
    if (!preset) return;
    setCollection(preset.collection);
    setRule(preset.rule);
    setResult(null);
    document.getElementById('tester-rule')?.scrollIntoView({ block: 'center' });
  }, [preset]);

  const run = async () => {
    setContextError('');
    setResult(null);
    let ctx: Record<string, unknown>;
    try {
      ctx = JSON.parse(context) as Record<string, unknown>;
    } catch (e) {
      setContextError(`Invalid JSON: ${(e as Error).message}`);
      return;
    }
    try {
      setResult(await test.mutateAsync({ rule, collection: collection === '*' ? undefined : collection, context: ctx }));
    } catch (e) {
      setContextError(errorMessage(e));
    }
  };

  return (
    <Card data-testid="rule-tester">
      <CardHeader title="Test a rule" description="Evaluate a rule against a context you write, and see why it allows or denies." />
      <div className="grid grid-cols-1 gap-3 p-3 lg:grid-cols-2">
        <div className="flex min-w-0 flex-col gap-3">
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="tester-collection">Collection</Label>
            <Select id="tester-collection" value={collection} onChange={(e) => setCollection(e.target.value)}>
              {collections.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </Select>
          </div>
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="tester-rule">Rule</Label>
            <Input id="tester-rule" value={rule} onChange={(e) => setRule(e.target.value)} className="font-mono text-xs" spellCheck={false} />
          </div>
          <Button onClick={() => void run()} loading={test.isPending} disabled={!rule.trim()} className="self-start">
            <FlaskConical className="h-4 w-4" /> Run test
          </Button>
        </div>
        <div className="flex min-w-0 flex-col gap-1.5">
          <Label htmlFor="tester-context">Context (user, account, record)</Label>
          <Textarea id="tester-context" value={context} onChange={(e) => setContext(e.target.value)} rows={9} spellCheck={false} />
          {contextError && <p className="text-xs text-danger" role="alert">{contextError}</p>}
        </div>
      </div>
      {result && (
        <div className="border-t border-border p-3 text-sm" data-testid="rule-test-result" role="status">
          <p className={result.allowed ? 'font-semibold text-success' : 'font-semibold text-danger'}>{result.allowed ? 'Allowed' : 'Denied'}</p>
          {result.evaluation_details && <p className="text-muted-fg">{result.evaluation_details}</p>}
          {result.error && <ExpressionError expression={rule} message={result.error} position={result.position} />}
        </div>
      )}
    </Card>
  );
}
