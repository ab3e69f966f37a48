import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { TriangleAlert } from 'lucide-react';
import { STORAGE_PROVIDERS, type Configuration } from '@/api/configuration';
import { useStorageInfo } from '@/api/storage';
import { storageInUse, storageName, storageSwitch, type StorageChange } from '@/lib/storage-providers';
import { Badge } from '@/components/ui/badge';
import { Card, CardHeader } from '@/components/ui/card';
import type { ConfirmOptions } from '@/components/ui/confirm';
import { DefinitionRow } from '@/pages/storage/DefinitionRow';
import type { ProviderCopy } from './provider-copy';
import { ProviderSettingsPage } from './ProviderSettingsPage';

const COPY: ProviderCopy = {
  category: STORAGE_PROVIDERS,
  title: 'Storage providers',
  description: { superadmin: 'Where uploaded files are stored: a directory on this server or an S3 bucket', admin: '' },
  systemOnly: true,
  scopeLabel: 'Whose storage',
  empty: { title: 'No storage configured', body: "Files go to the environment's storage (SNACKBASE_STORAGE_*) until you add one." },
  addLabel: 'Add storage',
  dialogTitle: 'Add storage',
  dialogDescription: 'Uploads go to the enabled storage that comes first. Secret keys are stored encrypted and never shown again.',
  nameHint: 'A name for this storage in the list.',
  added: 'Storage added',
  saved: 'Storage saved',
  deleted: 'Storage deleted',
  deleteMessage: 'Its settings are deleted; the files in it are not.',
  deleteLabel: 'Delete storage',
  defaults: true,
};

/** Files are not moved when the storage changes: said on the page and in every confirmation. */
function FilesStayWarning({ children }: { children?: ReactNode }) {
  return (
    <div role="note" className="flex items-start gap-2 rounded-md border border-warn/50 bg-warn/10 px-3 py-2 text-sm" data-testid="storage-warning">
      <TriangleAlert className="mt-0.5 h-4 w-4 shrink-0 text-warn" aria-hidden />
      <div className="min-w-0">
        <strong>Switching the storage does not move files.</strong> Files uploaded before a switch stay where they were stored and
        are not served until you switch back to that storage. Copy them to the new storage yourself before switching for good.
        {children}
      </div>
    </div>
  );
}

/** The storage the server uses now: its kind (from the server) and the configuration it comes from. */
function InUseCard({ items }: { items: Configuration[] | undefined }) {
  const info = useStorageInfo();
  // The server says which configuration it uses; the rule is the fallback
  // until it has answered.
  const serverId = info.data?.configuration_id;
  const inUse: Configuration | null | undefined =
    info.data && items
      ? serverId
        ? (items.find((c) => c.id === serverId) ?? storageInUse(items))
        : null
      : items
        ? storageInUse(items)
        : undefined;
  const backend = info.data?.backend;
  return (
    <Card data-testid="storage-in-use" data-source={inUse === undefined ? '' : (inUse?.id ?? 'environment')} data-backend={backend ?? ''}>
      <CardHeader
        title="In use"
        description={
          <>
            The enabled storage that comes first (the default, then by priority, then name); none enabled: the environment's.
            Usage and the orphan sweeper are on the <Link to="/storage" className="text-primary hover:underline">Storage</Link> page.
          </>
        }
      />
      <dl className="divide-y divide-border">
        <DefinitionRow label="Kind" testId="storage-in-use-kind">
          {backend ? <Badge tone="primary">{backend === 's3' ? 'S3' : 'Local disk'}</Badge> : '…'}
        </DefinitionRow>
        <DefinitionRow label="From" testId="storage-in-use-source">
          {inUse === undefined ? '…' : inUse ? <span className="break-all">Configuration “{inUse.display_name}”</span> : "The environment's settings (SNACKBASE_STORAGE_*)"}
        </DefinitionRow>
      </dl>
      <div className="p-3">
        <FilesStayWarning />
      </div>
    </Card>
  );
}

const TITLES: Record<StorageChange['kind'], string> = {
  create: 'Add this storage?',
  edit: 'Save this storage?',
  enable: 'Enable “{name}”?',
  disable: 'Disable “{name}”?',
  default: '“{name}”: change the default?',
  delete: 'Delete “{name}”?',
};

/** Every storage change is confirmed, saying whether uploads will go elsewhere. */
function storageConfirmation(change: StorageChange, items: Configuration[]): ConfirmOptions {
  const s = storageSwitch(items, change);
  const name = change.kind === 'create' ? change.display_name : (items.find((c) => c.id === change.id)?.display_name ?? '');
  const effect =
    change.kind === 'edit' && s.switches
      ? `This is the storage in use: new uploads go to its new location.`
      : s.switches
        ? `New uploads will go to ${storageName(s.after)} instead of ${storageName(s.before)}.`
        : `The storage in use stays ${storageName(s.before)}.`;
  const label: Record<StorageChange['kind'], string> = {
    create: 'Add storage',
    edit: 'Save',
    enable: 'Enable',
    disable: 'Disable',
    default: change.kind === 'default' && !change.on ? 'Unset default' : 'Make default',
    delete: 'Delete storage',
  };
  return {
    title: TITLES[change.kind].replace('{name}', name),
    message: (
      <div className="flex flex-col gap-3" data-testid="storage-confirm" data-switches={s.switches}>
        <p>{effect}</p>
        {change.kind === 'delete' && <p>{COPY.deleteMessage}</p>}
        <FilesStayWarning />
      </div>
    ),
    confirmLabel: label[change.kind],
    danger: s.switches || change.kind === 'delete',
  };
}

/**
 * The superadmin's file storages (category storage_providers, system-wide):
 * which one is in use, the warning that switching does not move files, and
 * every change confirmed.
 */
export function StorageProvidersPage() {
  return (
    <ProviderSettingsPage
      copy={COPY}
      intro={(items) => <InUseCard items={items} />}
      confirmChange={storageConfirmation}
      badges={(c, items) =>
        storageInUse(items)?.id === c.id && (
          <Badge tone="success" className="ml-1">
            in use
          </Badge>
        )
      }
    />
  );
}
