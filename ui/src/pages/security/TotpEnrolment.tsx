import { useEffect, useState, type FormEvent } from 'react';
import QRCode from 'qrcode';
import { Copy } from 'lucide-react';
import { confirmTotp, setupTotp } from '@/api/totp';
import { errorMessage } from '@/lib/api';
import type { TotpConfirmed, TotpSetup } from '@/lib/types';
import { copyText } from '@/lib/utils';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { FormError, FormField } from '@/components/ui/form-field';

/** The QR code of an otpauth:// URI, drawn here (the server sends only the URI). */
export function TotpQr({ uri }: { uri: string }) {
  const [src, setSrc] = useState('');
  useEffect(() => {
    let live = true;
    void QRCode.toDataURL(uri, { margin: 1, width: 192 }).then((url) => live && setSrc(url));
    return () => {
      live = false;
    };
  }, [uri]);
  return src ? (
    <img src={src} alt="QR code for the authenticator app" width={192} height={192} data-testid="totp-qr" className="rounded border border-border" />
  ) : (
    <div className="h-48 w-48 rounded border border-border" />
  );
}

/** Recovery codes, shown once, with a copy button. */
export function RecoveryCodeList({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="flex flex-col gap-3" data-testid="totp-recovery-codes">
      <p className="text-sm">
        Keep these recovery codes somewhere safe. Each one signs you in once if you lose your authenticator. They are
        shown only now.
      </p>
      <ul className="grid grid-cols-2 gap-1 rounded-md border border-border bg-muted/40 p-3 font-mono text-sm">
        {codes.map((c) => (
          <li key={c}>{c}</li>
        ))}
      </ul>
      <div className="flex gap-2">
        <Button
          type="button"
          variant="outline"
          onClick={() => void copyText(codes.join('\n')).then(() => setCopied(true))}
        >
          <Copy className="h-4 w-4" /> {copied ? 'Copied' : 'Copy codes'}
        </Button>
        <Button type="button" onClick={onDone}>
          I have saved them
        </Button>
      </div>
    </div>
  );
}

/**
 * Enrols the user: a new seed (QR and text), then a code to confirm it, then
 * the recovery codes. With `mfaToken`, an admin enrols at login (no session
 * yet) and the confirmation carries the session.
 */
export function TotpEnrolment({ mfaToken, onConfirmed }: { mfaToken?: string; onConfirmed: (res: TotpConfirmed) => void }) {
  const [setup, setSetup] = useState<TotpSetup | null>(null);
  const [code, setCode] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    setupTotp(mfaToken)
      .then((s) => live && setSetup(s))
      .catch((e) => live && setError(errorMessage(e)));
    return () => {
      live = false;
    };
  }, [mfaToken]);

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setError('');
    if (!/^\d{6}$/.test(code.replace(/\s/g, ''))) {
      setError('Enter the 6 digits your authenticator app shows');
      return;
    }
    setBusy(true);
    try {
      onConfirmed(await confirmTotp(code.replace(/\s/g, ''), mfaToken));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(e) => void onSubmit(e)} noValidate className="flex flex-col gap-4" data-testid="totp-enrolment">
      <FormError message={error} />
      {setup && (
        <>
          <p className="text-sm">Scan this code with an authenticator app, or type the key into it.</p>
          <TotpQr uri={setup.otpauth_uri} />
          <div className="text-sm">
            Key:{' '}
            <code className="break-all rounded bg-muted px-1 py-0.5 font-mono" data-testid="totp-secret">
              {setup.secret}
            </code>
          </div>
          <FormField label="Code from the app" htmlFor="totp-confirm-code">
            <Input
              id="totp-confirm-code"
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={8}
              value={code}
              onChange={(e) => setCode(e.target.value)}
            />
          </FormField>
          <Button type="submit" loading={busy}>
            Turn on two-factor authentication
          </Button>
        </>
      )}
    </form>
  );
}
