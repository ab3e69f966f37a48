import { Info } from 'lucide-react';
import { EMAIL_PROVIDERS } from '@/api/configuration';
import { isSuperadmin, useSession } from '@/lib/auth';
import type { ProviderCopy } from './provider-copy';
import { ProviderSettingsPage } from './ProviderSettingsPage';

const COPY: ProviderCopy = {
  category: EMAIL_PROVIDERS,
  title: 'Email providers',
  description: {
    superadmin: 'The SMTP server mail goes out through: system-wide, or for one account',
    admin: "The SMTP server your account's mail goes out through",
  },
  scopeLabel: 'Whose email providers',
  empty: { title: 'No email providers yet', body: 'Add an SMTP server; until then mail follows the order above.' },
  addLabel: 'Add email provider',
  dialogTitle: 'Add email provider',
  dialogDescription: 'Mail is sent through this SMTP server. The password is stored encrypted and never shown again.',
  nameHint: 'A name for this server in the list.',
  added: 'Email provider added',
  saved: 'Email provider saved',
  deleted: 'Email provider deleted',
  deleteMessage: 'Mail falls back to the next server in the order above. Its settings and password are deleted.',
  deleteLabel: 'Delete email provider',
};

/** Which SMTP server a mail uses: the account's, else the system's, else the environment's. */
function FallbackOrder({ superadmin }: { superadmin: boolean }) {
  return (
    <div className="flex items-start gap-2 rounded-md border border-border bg-card px-3 py-2 text-sm" data-testid="email-fallback">
      <Info className="mt-0.5 h-4 w-4 shrink-0 text-muted-fg" aria-hidden />
      <div className="min-w-0">
        <p className="font-medium">Which SMTP server a mail goes through</p>
        <ol className="mt-1 list-decimal pl-5 text-muted-fg">
          <li>the account's own SMTP server, if it has an enabled one;</li>
          <li>else the enabled system-wide one;</li>
          <li>
            else the server's environment settings (<code className="text-xs">SNACKBASE_SMTP_*</code>), if any.
          </li>
        </ol>
        <p className="mt-1 text-muted-fg">
          A change applies to the next mail, without a restart.{' '}
          {superadmin
            ? 'Mail of no account (test sends from Email templates) starts at the system-wide server.'
            : "Your account's server must be a public host, not localhost or a private address."}
        </p>
      </div>
    </div>
  );
}

/**
 * The SMTP servers (category email_providers). The superadmin manages the
 * system-wide one and any account's; an account admin their own account's.
 */
export function EmailProvidersPage() {
  const superadmin = isSuperadmin(useSession());
  return <ProviderSettingsPage copy={COPY} intro={() => <FallbackOrder superadmin={superadmin} />} />;
}
