import { useEffect, useState } from 'react';
import { Eye, Save, Send } from 'lucide-react';
import { useEmailTemplates, useSaveEmailTemplate } from '@/api/invitations';
import { ApiError, errorMessage } from '@/lib/api';
import { templateTitle } from '@/lib/email-templates';
import type { EmailTemplate } from '@/lib/types';
import { PageHeader } from '@/components/layout/PageHeader';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { FormError, FormField } from '@/components/ui/form-field';
import { Input, Textarea } from '@/components/ui/input';
import { EmptyState, ErrorState, Spinner } from '@/components/ui/states';
import { useToast } from '@/components/ui/toast';
import { EmailTabs } from './EmailTabs';
import { PreviewDialog, SendTestDialog } from './TemplateToolsDialogs';

export function EmailTemplatesPage() {
  const templates = useEmailTemplates();
  return (
    <div className="flex flex-col gap-4">
      <PageHeader title="Email templates" description="What the server sends, with {{placeholders}} filled in" />
      <EmailTabs />
      {templates.isPending ? (
        <Spinner />
      ) : templates.isError ? (
        <ErrorState error={templates.error} onRetry={() => void templates.refetch()} />
      ) : templates.data.length === 0 ? (
        <Card>
          <EmptyState title="No templates" />
        </Card>
      ) : (
        templates.data.map((t) => <TemplateEditor key={t.key} template={t} />)
      )}
    </div>
  );
}

function TemplateEditor({ template }: { template: EmailTemplate }) {
  const save = useSaveEmailTemplate();
  const toast = useToast();
  const [subject, setSubject] = useState(template.subject);
  const [body, setBody] = useState(template.body);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState('');
  const [dialog, setDialog] = useState<'preview' | 'test' | null>(null);

  useEffect(() => {
    setSubject(template.subject);
    setBody(template.body);
  }, [template]);

  const onSave = async () => {
    setErrors({});
    setFormError('');
    try {
      await save.mutateAsync({ key: template.key, subject, body });
      toast.success(`Template ${template.key} saved`);
    } catch (e) {
      if (e instanceof ApiError && e.details.length) {
        const byField: Record<string, string> = {};
        for (const d of e.details) byField[d.field] ??= d.message;
        setErrors(byField);
        if (!byField.subject && !byField.body) setFormError(e.message);
      } else {
        setFormError(errorMessage(e));
      }
    }
  };

  const dirty = subject !== template.subject || body !== template.body;
  return (
    <Card data-testid={`template-${template.key}`}>
      <CardHeader
        title={
          <span className="flex flex-wrap items-center gap-2">
            <span>{templateTitle(template.key)}</span>
            <code className="text-xs font-normal text-muted-fg">{template.key}</code>
            {template.customized ? <Badge tone="primary">customized</Badge> : <Badge>default</Badge>}
          </span>
        }
        actions={
          <>
            <Button variant="outline" onClick={() => setDialog('preview')}>
              <Eye className="h-4 w-4" /> Preview
            </Button>
            <Button variant="outline" onClick={() => setDialog('test')} title={dirty ? 'Sends the saved template; save your changes first to test them' : undefined}>
              <Send className="h-4 w-4" /> Send test
            </Button>
            <Button onClick={() => void onSave()} loading={save.isPending} disabled={!dirty}>
              <Save className="h-4 w-4" /> Save
            </Button>
          </>
        }
      />
      <div className="flex flex-col gap-4 p-4">
        <FormError message={formError} />
        <FormField label="Subject" htmlFor={`tpl-${template.key}-subject`} error={errors.subject}>
          <Input id={`tpl-${template.key}-subject`} value={subject} onChange={(e) => setSubject(e.target.value)} />
        </FormField>
        <FormField label="Body" htmlFor={`tpl-${template.key}-body`} error={errors.body}>
          <Textarea id={`tpl-${template.key}-body`} value={body} onChange={(e) => setBody(e.target.value)} rows={12} spellCheck={false} />
        </FormField>
        <div className="flex flex-wrap gap-1.5 text-xs text-muted-fg">
          Placeholders:
          {template.placeholders.map((p) => (
            <code key={p} className="rounded bg-muted px-1.5 py-0.5">{`{{${p}}}`}</code>
          ))}
        </div>
      </div>
      <PreviewDialog template={template} subject={subject} body={body} open={dialog === 'preview'} onClose={() => setDialog(null)} />
      <SendTestDialog template={template} open={dialog === 'test'} onClose={() => setDialog(null)} />
    </Card>
  );
}
