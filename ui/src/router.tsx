import { createBrowserRouter, Navigate, Outlet, useLocation } from 'react-router';
import { isAdmin, isSuperadmin, useSession } from '@/lib/auth';
import { ToastProvider } from '@/components/ui/toast';
import { ConfirmProvider } from '@/components/ui/confirm';
import { AdminLayout } from '@/components/layout/AdminLayout';
import { ForbiddenPage, NotFoundPage } from '@/pages/ErrorPages';
import { SetupPage } from '@/pages/SetupPage';
import { LoginPage } from '@/pages/LoginPage';
import { ForgotPasswordPage } from '@/pages/ForgotPasswordPage';
import { ResetPasswordPage } from '@/pages/ResetPasswordPage';
import { VerifyEmailPage } from '@/pages/VerifyEmailPage';
import { DashboardPage } from '@/pages/DashboardPage';
import { AccountsPage } from '@/pages/accounts/AccountsPage';
import { AccountDetailPage } from '@/pages/accounts/AccountDetailPage';
import { UsersPage } from '@/pages/users/UsersPage';
import { CollectionsPage } from '@/pages/collections/CollectionsPage';
import { CollectionEditorPage } from '@/pages/collections/CollectionEditorPage';
import { TransferPage } from '@/pages/collections/TransferPage';
import { ApiPreviewPage } from '@/pages/collections/ApiPreviewPage';
import { RecordsIndexPage } from '@/pages/records/RecordsIndexPage';
import { RecordsPage } from '@/pages/records/RecordsPage';
import { RolesPage } from '@/pages/roles/RolesPage';
import { GroupsPage } from '@/pages/groups/GroupsPage';
import { MacrosPage } from '@/pages/macros/MacrosPage';
import { EmailTemplatesPage } from '@/pages/email/EmailTemplatesPage';
import { InvitationsPage } from '@/pages/invitations/InvitationsPage';
import { AcceptInvitationPage } from '@/pages/invitations/AcceptInvitationPage';
import { RoleMatrixPage } from '@/pages/roles/RoleMatrixPage';
import { WebhooksPage } from '@/pages/webhooks/WebhooksPage';
import { ApiKeysPage } from '@/pages/api-keys/ApiKeysPage';
import { LogsPage } from '@/pages/logs/LogsPage';
import { RealtimePage } from '@/pages/realtime/RealtimePage';
import { StoragePage } from '@/pages/storage/StoragePage';
import { BackupsPage } from '@/pages/backups/BackupsPage';
import { JobsPage } from '@/pages/jobs/JobsPage';
import { EmailLogsPage } from '@/pages/email/EmailLogsPage';
import { EmailLogDetailPage } from '@/pages/email/EmailLogDetailPage';
import { RulesPage } from '@/pages/collections/RulesPage';
import { AggregatePage } from '@/pages/records/AggregatePage';
import { MigrationsPage } from '@/pages/migrations/MigrationsPage';
import { AuthProvidersPage } from '@/pages/settings/AuthProvidersPage';
import { EmailProvidersPage } from '@/pages/settings/EmailProvidersPage';
import { StorageProvidersPage } from '@/pages/settings/StorageProvidersPage';
import { OAuthCallbackPage } from '@/pages/OAuthCallbackPage';
import { SecurityPage } from '@/pages/security/SecurityPage';
import { AuditLogsPage } from '@/pages/audit/AuditLogsPage';
import { AuditHistoryPage } from '@/pages/audit/AuditHistoryPage';
import { AuditSettingsPage } from '@/pages/audit/AuditSettingsPage';

function Providers() {
  return (
    <ToastProvider>
      <ConfirmProvider>
        <Outlet />
      </ConfirmProvider>
    </ToastProvider>
  );
}

function RequireAuth() {
  const session = useSession();
  const location = useLocation();
  if (!session) {
    const next = location.pathname + location.search;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return <AdminLayout />;
}

function RequireSuperadmin() {
  const session = useSession();
  return isSuperadmin(session) ? <Outlet /> : <ForbiddenPage />;
}

/** Account admins manage their own account; the superadmin any. */
function RequireAdmin() {
  const session = useSession();
  return isAdmin(session) ? <Outlet /> : <ForbiddenPage />;
}

function Home() {
  const session = useSession();
  return <Navigate to={isSuperadmin(session) ? '/dashboard' : '/records'} replace />;
}

export const router = createBrowserRouter(
  [
    {
      element: <Providers />,
      children: [
        { path: '/setup', element: <SetupPage /> },
        { path: '/login', element: <LoginPage /> },
        { path: '/invitations/accept', element: <AcceptInvitationPage /> },
        // The links in the server's emails: public, with or without a session.
        { path: '/forgot-password', element: <ForgotPasswordPage /> },
        { path: '/reset-password', element: <ResetPasswordPage /> },
        { path: '/verify-email', element: <VerifyEmailPage /> },
        // Where an OAuth provider sends the browser back after sign-in.
        { path: '/oauth/callback', element: <OAuthCallbackPage /> },
        {
          element: <RequireAuth />,
          children: [
            { index: true, element: <Home /> },
            { path: 'records', element: <RecordsIndexPage /> },
            { path: 'collections/:name/records', element: <RecordsPage /> },
            { path: 'collections/:name/aggregate', element: <AggregatePage /> },
            { path: 'security', element: <SecurityPage /> },
            {
              element: <RequireAdmin />,
              children: [
                { path: 'users', element: <UsersPage /> },
                { path: 'groups', element: <GroupsPage /> },
                { path: 'invitations', element: <InvitationsPage /> },
                { path: 'webhooks', element: <WebhooksPage /> },
                { path: 'api-keys', element: <ApiKeysPage /> },
                { path: 'settings/auth-providers', element: <AuthProvidersPage /> },
                { path: 'settings/email-providers', element: <EmailProvidersPage /> },
                // The server scopes an account admin to their own account.
                { path: 'audit-logs', element: <AuditLogsPage /> },
                { path: 'audit-logs/history', element: <AuditHistoryPage /> },
              ],
            },
            {
              element: <RequireSuperadmin />,
              children: [
                { path: 'dashboard', element: <DashboardPage /> },
                { path: 'accounts', element: <AccountsPage /> },
                { path: 'accounts/:id', element: <AccountDetailPage /> },
                { path: 'collections', element: <CollectionsPage /> },
                { path: 'collections/new', element: <CollectionEditorPage /> },
                { path: 'collections/transfer', element: <TransferPage /> },
                { path: 'collections/:id/edit', element: <CollectionEditorPage /> },
                { path: 'collections/:name/api', element: <ApiPreviewPage /> },
                { path: 'collections/:name/rules', element: <RulesPage /> },
                { path: 'roles', element: <RolesPage /> },
                { path: 'roles/:id', element: <RoleMatrixPage /> },
                { path: 'macros', element: <MacrosPage /> },
                { path: 'email-templates', element: <EmailTemplatesPage /> },
                { path: 'email-logs', element: <EmailLogsPage /> },
                { path: 'email-logs/:id', element: <EmailLogDetailPage /> },
                { path: 'migrations', element: <MigrationsPage /> },
                { path: 'logs', element: <LogsPage /> },
                { path: 'audit-logs/settings', element: <AuditSettingsPage /> },
                { path: 'realtime', element: <RealtimePage /> },
                { path: 'storage', element: <StoragePage /> },
                { path: 'settings/storage-providers', element: <StorageProvidersPage /> },
                { path: 'backups', element: <BackupsPage /> },
                { path: 'jobs', element: <JobsPage /> },
              ],
            },
            { path: '*', element: <NotFoundPage /> },
          ],
        },
      ],
    },
  ],
  { basename: '/admin' },
);
