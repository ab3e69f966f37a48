import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { Eye, Send } from 'lucide-react';
import { useRenderEmailTemplate, useSendTestEmail } from '@/api/email';
import { ApiError, errorMessage } from '@/lib/api';
import { templateTitle } from '@/lib/email-templates';
import type { EmailTemplate, RenderedEmail, TestEmailResult } from '@/lib/types';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { FormError, FormField } from '@/components/ui/form-field';
import { Input } from '@/components/ui/input';
import { useToast } from '@/components/ui/toast';

type Vars = Record<string, string>;

/** One input per placeholder; empty ones are left out (they render empty). */
function VariablesEditor({ template, idPrefix, values, onChange }: { template: EmailTemplate; idPrefix: string; values: Vars; onChange: (v: Vars) => void }) {
  return (
    <fieldset className="grid grid-cols-1 gap-3 sm:grid-cols-2">
      <legend className="mb-2 text-sm font-medium">Placeholder values</legend>
      {template.placeholders.map((p) => (
        <FormField key={p} label={<code className="text-xs">{`{{${p}}}`}</code>} htmlFor={`${idPrefix}-${p}`}>
          <Input id={`${idPrefix}-${p}`} value={values[p] ?? ''} onChange={(e) => onChange({ ...values, [p]: e.target.value })} />
        </FormField>
      ))}
    </fieldset>
  );
}

const filled = (v: Vars) => Object.fromEntries(Object.entries(v).filter(([, x]) => x !== ''));

/** Renders the template as edited (saved or not) with sample values, without sending it. */
export function PreviewDialog({ template, subject, body, open, onClose }: { template: EmailTemplate; subject: string; body: string; open: boolean; onClose: () => void }) {
  const render = useRenderEmailTemplate();
  const [values, setValues] = useState<Vars>({});
  const [rendered, setRendered] = useState<RenderedEmail | null>(null);
  const [error, setError] = useState('');

  const run = async () => {
    setError('');
    try {
      setRendered(await render.mutateAsync({ template_type: template.key, variables: filled(values), subject, text_body: body }));
    } catch (e) {
      setRendered(null);
      setError(e instanceof ApiError && e.details.length ? e.details.map((d) => d.message).join('; ') : errorMessage(e));
    }
  };

  useEffect(() => {
    if (open) void run();
    // Render once on opening; then on demand.
  }, [open]);

  return (
    <Dialog
      open={open}
      onClose={onClose}
      size="lg"
      title={`Preview: ${templateTitle(template.key)}`}
      description="The subject and body as edited, with the values below; nothing is sent or saved"
      footer={
        <Button onClick={() => void run()} loading={render.isPending}>
          <Eye className="h-4 w-4" /> Render
        </Button>
      }
    >
      <div className="flex flex-col gap-4">
        <VariablesEditor template={template} idPrefix={`preview-${template.key}`} values={values} onChange={setValues} />
        <FormError message={error} />
        {rendered && (
          <div className="flex flex-col gap-2" data-testid="email-preview">
            <p className="text-sm">
              <span className="text-muted-fg">Subject: </span>
              <strong data-testid="email-preview-subject">{rendered.subject}</strong>
            </p>
            <pre className="max-h-72 overflow-auto whitespace-pre-wrap rounded-md border border-border bg-muted/40 p-3 font-mono text-xs" data-testid="email-preview-body">
              {rendered.text_body}
            </pre>
          </div>
        )}
      </div>
    </Dialog>
  );
}

/** Sends the saved template, with the values given, to one address through the server's SMTP; the attempt is logged. */
export function SendTestDialog({ template, open, onClose }: { template: EmailTemplate; open: boolean; onClose: () => void }) {
  const send = useSendTestEmail();
  const toast = useToast();
  const [recipient, setRecipient] = useState('');
  const [values, setValues] = useState<Vars>({});
  const [recipientError, setRecipientError] = useState('');
  const [formError, setFormError] = useState('');
  const [result, setResult] = useState<TestEmailResult | null>(null);

  useEffect(() => {
    if (open) {
      setResult(null);
      setFormError('');
      setRecipientError('');
    }
  }, [open]);

  const onSend = async () => {
    setFormError('');
    setRecipientError('');
    setResult(null);
    if (!recipient.trim()) {
      setRecipientError('Enter the address to send the test to');
      return;
    }
    try {
      const res = await send.mutateAsync({ key: template.key, recipient_email: recipient.trim(), variables: filled(values) });
      setResult(res);
      if (res.status === 'sent') toast.success(res.message);
      else toast.error(res.message);
    } catch (e) {
      if (e instanceof ApiError && e.details.length) {
        const r = e.details.find((d) => d.field === 'recipient_email');
        if (r) setRecipientError(r.message);
        const rest = e.details.filter((d) => d.field !== 'recipient_email').map((d) => d.message);
        if (rest.length) setFormError(rest.join('; '));
      } else {
        setFormError(errorMessage(e));
      }
    }
  };

  return (
    <Dialog
      open={open}
      onClose={onClose}
      size="lg"
      title={`Send a test: ${templateTitle(template.key)}`}
      description="The saved template goes out through the server's SMTP settings; sent or failed, it appears in the email log"
      footer={
        <Button onClick={() => void onSend()} loading={send.isPending}>
          <Send className="h-4 w-4" /> Send test
        </Button>
      }
    >
      <form
        className="flex flex-col gap-4"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void onSend();
        }}
      >
        <FormField label="Recipient" htmlFor={`test-${template.key}-recipient`} error={recipientError}>
          <Input
            id={`test-${template.key}-recipient`}
            type="email"
            value={recipient}
            onChange={(e) => setRecipient(e.target.value)}
            placeholder="you@example.com"
            aria-invalid={recipientError ? true : undefined}
          />
        </FormField>
        <VariablesEditor template={template} idPrefix={`test-${template.key}`} values={values} onChange={setValues} />
        <FormError message={formError} />
        {result && (
          <div className="flex flex-wrap items-center gap-2 text-sm" role="status" data-testid="test-email-result" data-status={result.status}>
            <Badge tone={result.status === 'sent' ? 'success' : 'danger'}>{result.status}</Badge>
            <span>{result.message}</span>
            <Link to={`/email-logs?template=${encodeURIComponent(template.key)}`} className="text-primary hover:underline">
              See the email log
            </Link>
          </div>
        )}
        <button type="submit" hidden />
      </form>
    </Dialog>
  );
}
