import { AUTH_PROVIDERS } from '@/api/configuration';
import type { ProviderCopy } from './provider-copy';
import { ProviderSettingsPage } from './ProviderSettingsPage';

const COPY: ProviderCopy = {
  category: AUTH_PROVIDERS,
  title: 'Auth providers',
  description: {
    superadmin: 'Sign-in with Google, Microsoft, GitHub or any OpenID Connect provider: system-wide, or for one account',
    admin: "Sign-in with Google, Microsoft, GitHub or any OpenID Connect provider for your account's users",
  },
  scopeLabel: 'Whose providers',
  empty: { title: 'No auth providers yet', body: 'Add one to show a “Continue with …” button on the login page.' },
  addLabel: 'Add provider',
  dialogTitle: 'Add auth provider',
  dialogDescription: 'Users sign in with this provider. Secret values are stored encrypted and never shown again.',
  nameHint: 'Shown on the login button: “Continue with …”.',
  added: 'Provider added',
  saved: 'Provider saved',
  deleted: 'Provider deleted',
  deleteMessage: 'Users can no longer sign in with this provider here. Its settings and secret are deleted.',
  deleteLabel: 'Delete provider',
};

/**
 * The OAuth / OpenID Connect login providers. The superadmin manages the
 * system-wide ones (offered to every account) and any account's; an account
 * admin their own account's, which take precedence over a system one of the
 * same provider.
 */
export function AuthProvidersPage() {
  return <ProviderSettingsPage copy={COPY} />;
}
