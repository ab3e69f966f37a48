import { Link } from 'react-router';
import type { StorageInfo, StorageLimits } from '@/api/storage';
import { Badge } from '@/components/ui/badge';
import { Card, CardHeader } from '@/components/ui/card';
import { DefinitionRow, None } from './DefinitionRow';
import { formatBytes, formatSeconds } from './storage-format';

/**
 * Where files live. The S3 keys are shown exactly as the server sends them
 * (it redacts them), never anything else.
 */
export function BackendCard({ info }: { info: StorageInfo }) {
  const { local, s3 } = info;
  return (
    <Card data-testid="storage-backend" data-backend={info.backend}>
      <CardHeader
        title="Backend"
        description={
          <>
            The kind in use; the settings shown are the SNACKBASE_STORAGE_* environment variables. A configuration under{' '}
            <Link to="/settings/storage-providers" className="text-primary hover:underline">
              Storage providers
            </Link>{' '}
            replaces them, without a restart
          </>
        }
      />
      <dl className="divide-y divide-border">
        <DefinitionRow label="Kind" testId="storage-backend-kind">
          <Badge tone="primary">{info.backend === 's3' ? 'S3' : 'Local disk'}</Badge>
        </DefinitionRow>
        {local && (
          <DefinitionRow label="Path" testId="storage-local-path">
            <span className="break-all font-mono text-xs">{local.path}</span>
          </DefinitionRow>
        )}
        {s3 && (
          <>
            <DefinitionRow label="Bucket" testId="storage-s3-bucket">
              <span className="break-all font-mono text-xs">{s3.bucket}</span>
            </DefinitionRow>
            <DefinitionRow label="Region">{s3.region}</DefinitionRow>
            <DefinitionRow label="Endpoint" testId="storage-s3-endpoint">
              {s3.endpoint ? <span className="break-all font-mono text-xs">{s3.endpoint}</span> : <None>AWS</None>}
            </DefinitionRow>
            <DefinitionRow label="Path-style URLs">{s3.force_path_style ? 'Yes' : 'No'}</DefinitionRow>
            <DefinitionRow label="Access key ID" testId="storage-s3-access-key">
              {s3.access_key_id ? <span className="font-mono text-xs">{s3.access_key_id}</span> : <None>Not set (instance credentials)</None>}
            </DefinitionRow>
            <DefinitionRow label="Secret access key" testId="storage-s3-secret">
              {s3.secret_access_key ? <span className="font-mono text-xs">{s3.secret_access_key}</span> : <None>Not set</None>}
            </DefinitionRow>
          </>
        )}
      </dl>
    </Card>
  );
}

/** What an upload may be, and how long a file token lasts. */
export function LimitsCard({ limits }: { limits: StorageLimits }) {
  return (
    <Card data-testid="storage-limits">
      <CardHeader title="Limits" description="Server-wide; a file field may allow less. The types apply to POST /files/upload" />
      <dl className="divide-y divide-border">
        <DefinitionRow label="Max file size" testId="storage-max-size">
          {formatBytes(limits.max_file_size)}
        </DefinitionRow>
        <DefinitionRow label="Allowed types">
          {limits.allowed_mime_types.length === 0 ? (
            <None>Any type</None>
          ) : (
            <div className="flex flex-wrap gap-1" data-testid="storage-mime-types">
              {limits.allowed_mime_types.map((t) => (
                <span key={t} className="rounded bg-muted px-1.5 py-0.5 font-mono text-xs" data-mime={t}>
                  {t}
                </span>
              ))}
            </div>
          )}
        </DefinitionRow>
        <DefinitionRow label="File token lifetime" testId="storage-token-lifetime">
          {formatSeconds(limits.file_token_seconds)}
        </DefinitionRow>
      </dl>
    </Card>
  );
}
