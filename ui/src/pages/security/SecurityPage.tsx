import { useState, type FormEvent } from 'react';
import { ShieldCheck } from 'lucide-react';
import { useDisableTotp, useRenewRecoveryCodes, useTotpStatus } from '@/api/totp';
import { errorMessage } from '@/lib/api';
import { isImpersonating, useSession } from '@/lib/auth';
import { formatDateTime } from '@/lib/utils';
import { PageHeader } from '@/components/layout/PageHeader';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { Input } from '@/components/ui/input';
import { FormError, FormField } from '@/components/ui/form-field';
import { ErrorState, Spinner } from '@/components/ui/states';
import { useToast } from '@/components/ui/toast';
import { useQueryClient } from '@tanstack/react-query';
import { RecoveryCodeList, TotpEnrolment } from './TotpEnrolment';

/** The signed-in user's own security settings: TOTP as a second factor. */
export function SecurityPage() {
  const session = useSession();
  const status = useTotpStatus();
  const qc = useQueryClient();
  const toast = useToast();
  const disable = useDisableTotp();
  const renew = useRenewRecoveryCodes();
  const [enrolling, setEnrolling] = useState(false);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [password, setPassword] = useState('');
  const [renewCode, setRenewCode] = useState('');
  const [error, setError] = useState('');

  if (isImpersonating(session)) {
    return (
      <div>
        <PageHeader title="Security" />
        <p className="text-sm text-muted-fg">Only the user themself manages their second factor.</p>
      </div>
    );
  }
  if (status.isPending) return <Spinner />;
  if (status.isError) return <ErrorState error={status.error} onRetry={() => void status.refetch()} />;
  const s = status.data;

  const onDisable = async (e: FormEvent) => {
    e.preventDefault();
    setError('');
    try {
      await disable.mutateAsync(password);
      setPassword('');
      toast.success('Two-factor authentication is off');
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  const onRenew = async (e: FormEvent) => {
    e.preventDefault();
    setError('');
    try {
      setCodes((await renew.mutateAsync(renewCode.trim())).recovery_codes);
      setRenewCode('');
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  return (
    <div className="flex max-w-2xl flex-col gap-4">
      <PageHeader title="Security" description={`Sign-in settings of ${session?.user.email ?? 'your user'}`} />
      <Card>
        <CardHeader
          title="Two-factor authentication (TOTP)"
          description="After the password, sign-in asks for a code from an authenticator app."
          actions={
            <span data-testid="totp-state" data-enabled={String(s.enabled)}>
              <Badge tone={s.enabled ? 'success' : 'neutral'}>{s.enabled ? 'On' : s.pending ? 'Pending' : 'Off'}</Badge>
            </span>
          }
        />
        <div className="flex flex-col gap-4 p-4">
          <FormError message={error} />
          {codes ? (
            <RecoveryCodeList codes={codes} onDone={() => setCodes(null)} />
          ) : enrolling ? (
            <TotpEnrolment
              onConfirmed={(res) => {
                setEnrolling(false);
                setCodes(res.recovery_codes);
                void qc.invalidateQueries({ queryKey: ['auth', 'totp'] });
              }}
            />
          ) : s.enabled ? (
            <>
              <p className="text-sm">
                On since {formatDateTime(s.confirmed_at)} · {s.recovery_codes_left} recovery codes left
              </p>
              <form onSubmit={(e) => void onRenew(e)} noValidate className="flex flex-wrap items-end gap-2">
                <FormField label="New recovery codes: a current code" htmlFor="totp-renew-code">
                  <Input id="totp-renew-code" autoComplete="one-time-code" value={renewCode} onChange={(e) => setRenewCode(e.target.value)} />
                </FormField>
                <Button type="submit" variant="outline" loading={renew.isPending}>
                  New recovery codes
                </Button>
              </form>
              <form onSubmit={(e) => void onDisable(e)} noValidate className="flex flex-wrap items-end gap-2">
                <FormField label="Turn off: your password" htmlFor="totp-disable-password">
                  <Input
                    id="totp-disable-password"
                    type="password"
                    autoComplete="current-password"
                    value={password}
                    onChange={(e) => setPassword(e.target.value)}
                  />
                </FormField>
                <Button type="submit" variant="danger" loading={disable.isPending}>
                  Turn off
                </Button>
              </form>
            </>
          ) : (
            <div>
              <Button onClick={() => setEnrolling(true)}>
                <ShieldCheck className="h-4 w-4" /> Set up two-factor authentication
              </Button>
            </div>
          )}
        </div>
      </Card>
    </div>
  );
}
