import { useEffect, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { ArrowLeft, RotateCcw, Save } from 'lucide-react';
import { useCollectionRules, useSaveCollectionRules } from '@/api/collections';
import { ApiError, errorMessage } from '@/lib/api';
import {
  HAS_FIELDS,
  changedRulesUpdate,
  RULE_OPS,
  checkDraft,
  describeRule,
  isDirty,
  rulesErrors,
  toRulesDraft,
  toRulesUpdate,
  type RuleDraft,
  type RuleErrors,
  type RuleMode,
  type RuleOp,
  type RulesDraft,
} from '@/lib/collection-rules';
import { useUnsavedGuard } from '@/lib/use-unsaved-guard';
import { ExpressionError } from '@/components/ExpressionError';
import { PageHeader } from '@/components/layout/PageHeader';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { FormError, FormField } from '@/components/ui/form-field';
import { Input, Textarea } from '@/components/ui/input';
import { ErrorState, Spinner } from '@/components/ui/states';
import { useToast } from '@/components/ui/toast';
import { CollectionTabs } from './CollectionTabs';

const TITLES: Record<RuleOp, { title: string; sdk: string }> = {
  read: { title: 'Read (list and view)', sdk: 'list_rule = view_rule' },
  create: { title: 'Create', sdk: 'create_rule' },
  update: { title: 'Update', sdk: 'update_rule' },
  delete: { title: 'Delete', sdk: 'delete_rule' },
};

const MODES: { mode: RuleMode; label: string }[] = [
  { mode: 'locked', label: 'Locked' },
  { mode: 'everyone', label: 'Everyone' },
  { mode: 'rule', label: 'Rule' },
];

/** A collection's rules: the permissions of the roles `user` and `public` on it, edited as the SDK sees them. */
export function RulesPage() {
  const { name = '' } = useParams();
  const rules = useCollectionRules(name);
  const save = useSaveCollectionRules();
  const toast = useToast();
  const [draft, setDraft] = useState<RulesDraft | null>(null);
  const [errors, setErrors] = useState<Partial<Record<RuleOp, RuleErrors>>>({});
  const [formError, setFormError] = useState('');

  useEffect(() => {
    if (rules.data) setDraft(toRulesDraft(rules.data));
  }, [rules.data]);

  const dirty = useMemo(() => Boolean(rules.data && draft && isDirty(rules.data, draft)), [rules.data, draft]);
  useUnsavedGuard(dirty && !save.isPending);

  const setOp = (op: RuleOp, next: RuleDraft) => {
    setDraft((d) => (d ? { ...d, [op]: next } : d));
    setErrors((e) => {
      if (!e[op]) return e;
      const copy = { ...e };
      delete copy[op];
      return copy;
    });
  };

  const onSave = async () => {
    if (!draft) return;
    setFormError('');
    const local = checkDraft(draft);
    if (Object.keys(local).length) {
      setErrors(local);
      return;
    }
    try {
      await save.mutateAsync({ name, body: rules.data ? changedRulesUpdate(rules.data, draft) : toRulesUpdate(draft) });
      setErrors({});
      toast.success(`Rules of ${name} saved`);
    } catch (e) {
      if (e instanceof ApiError && e.details.length) {
        const { byOp, other } = rulesErrors(e.details);
        setErrors(byOp);
        setFormError(other.length ? other.join('; ') : 'Nothing was saved: fix the rule marked below.');
      } else {
        setFormError(errorMessage(e));
      }
    }
  };

  return (
    <div className="flex flex-col gap-4">
      <PageHeader
        back={
          <Link to="/collections" className="mb-1 inline-flex items-center gap-1 text-xs text-muted-fg hover:text-fg">
            <ArrowLeft className="h-3 w-3" /> Collections
          </Link>
        }
        title={name}
        description="Who may read and write this collection's records, in every account"
        actions={
          <>
            <Button variant="outline" disabled={!dirty} onClick={() => rules.data && (setDraft(toRulesDraft(rules.data)), setErrors({}), setFormError(''))}>
              <RotateCcw className="h-4 w-4" /> Reset
            </Button>
            <Button onClick={() => void onSave()} loading={save.isPending} disabled={!dirty} data-testid="save-rules">
              <Save className="h-4 w-4" /> Save rules
            </Button>
          </>
        }
      />
      <CollectionTabs name={name} />
      <p className="text-sm text-muted-fg">
          These rules are the permissions of the built-in roles <code className="rounded bg-muted px-1">user</code> and{' '}
          <code className="rounded bg-muted px-1">public</code> on this collection (the same ones the{' '}
          <Link to="/roles" className="text-primary hover:underline">
            Roles
          </Link>{' '}
          page edits). <strong>Locked</strong>: neither role may; <strong>Everyone</strong>: signed-in users and anonymous callers naming
          the account may; <strong>Rule</strong>: signed-in users whose request passes the rule may. Account admins keep full access
          either way.
      </p>
      <FormError message={formError} />
      {rules.isPending ? (
        <Spinner />
      ) : rules.isError ? (
        <ErrorState error={rules.error} onRetry={() => void rules.refetch()} />
      ) : draft ? (
        <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
          {RULE_OPS.map((op) => (
            <RuleEditor key={op} op={op} draft={draft[op]} error={errors[op]} onChange={(d) => setOp(op, d)} />
          ))}
        </div>
      ) : null}
    </div>
  );
}

function RuleEditor({ op, draft, error, onChange }: { op: RuleOp; draft: RuleDraft; error?: RuleErrors; onChange: (d: RuleDraft) => void }) {
  const id = (k: string) => `rule-${op}-${k}`;
  return (
    <Card data-testid={`rules-${op}`} data-mode={draft.mode}>
      <CardHeader title={TITLES[op].title} description={<code>{TITLES[op].sdk}</code>} />
      <div className="flex flex-col gap-3 p-4">
        <fieldset>
          <legend className="sr-only">Who may {op}</legend>
          <div className="flex flex-wrap gap-x-5 gap-y-2 text-sm" role="radiogroup">
            {MODES.map((m) => (
              <label key={m.mode} className="flex items-center gap-2">
                <input
                  type="radio"
                  name={id('mode')}
                  value={m.mode}
                  checked={draft.mode === m.mode}
                  onChange={() => onChange({ ...draft, mode: m.mode })}
                  className="h-4 w-4 accent-[var(--primary)]"
                />
                {m.label}
              </label>
            ))}
          </div>
        </fieldset>
        <p className="text-xs text-muted-fg" data-testid={`rules-${op}-summary`}>
          {describeRule(op, draft)}
          {op === 'read' && ' Lists and single reads share this one rule: the SDK’s list_rule and view_rule are saved equal.'}
        </p>
        {draft.mode === 'rule' && (
          <div className="flex flex-col gap-1.5">
            <label htmlFor={id('expression')} className="text-sm font-medium">
              Rule expression
            </label>
            <Textarea
              id={id('expression')}
              rows={2}
              value={draft.rule}
              onChange={(e) => onChange({ ...draft, rule: e.target.value })}
              placeholder={op === 'create' ? "@has_role('user')" : 'record.created_by == user.id'}
              aria-invalid={error?.rule ? true : undefined}
              spellCheck={false}
            />
            {error?.rule && (
              <ExpressionError expression={draft.rule} message={error.rule.message} position={error.rule.position} testId={`rule-${op}-error`} />
            )}
          </div>
        )}
        {draft.mode !== 'rule' && error?.rule && <p className="text-xs text-danger" role="alert">{error.rule.message}</p>}
        {HAS_FIELDS[op] && draft.mode !== 'locked' && (
          <FormField label="Fields" htmlFor={id('fields')} error={error?.fields} hint="* for every field, or names separated by commas">
            <Input id={id('fields')} value={draft.fields} onChange={(e) => onChange({ ...draft, fields: e.target.value })} className="font-mono text-xs" />
          </FormField>
        )}
      </div>
    </Card>
  );
}
