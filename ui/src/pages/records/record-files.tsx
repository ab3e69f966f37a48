import { createContext, useContext, useMemo, useState, type ReactNode } from 'react';
import { FileText } from 'lucide-react';
import { useFileToken } from '@/api/files';
import { useSession } from '@/lib/auth';
import { isImageName, recordFileUrl } from '@/lib/record-files';

interface FilesCtx {
  collection: string;
  /** The file token for `?token=`; null while it loads. */
  token: string | null;
  /**
   * The account the files are read in when it is not the caller's own (the
   * superadmin acting in another account): sent as `?account_id=`.
   */
  account: string | null;
}

const Ctx = createContext<FilesCtx | null>(null);

/** Record file links for the page's collection, with one file token for all of them. */
export function RecordFilesProvider({ collection, accountId, hasFiles, children }: { collection: string; accountId: string | null; hasFiles: boolean; children: ReactNode }) {
  const session = useSession();
  const account = accountId === null || accountId === session?.account.id ? null : accountId;
  const token = useFileToken(hasFiles);
  const value = useMemo(() => ({ collection, token, account }), [collection, token, account]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useRecordFiles(): FilesCtx | null {
  return useContext(Ctx);
}

/** A stored name without its random suffix: `cover_k3j9x2m1qa.png` → `cover.png`. */
export function displayName(stored: string): string {
  return stored.replace(/_[a-z0-9]{10}(\.[^.]*)?$/, '$1');
}

/**
 * A 100x100 thumbnail of a record's image; a file icon when it cannot be
 * shown. It keeps the URL it first loaded for the same file (`id`), so a
 * renewed token does not load every thumbnail of the page again.
 */
function Thumb({ id, src, alt, className }: { id: string; src: string; alt: string; className: string }) {
  const [shown, setShown] = useState({ id, src, failed: false });
  // Another file, or a failed load (an expired token, say) with a newer token: load again.
  if (shown.id !== id || (shown.failed && shown.src !== src)) setShown({ id, src, failed: false });
  if (shown.failed) return <FileText className="h-4 w-4 shrink-0 text-muted-fg" aria-hidden />;
  return <img src={shown.src} alt={alt} className={className} loading="lazy" onError={() => setShown((s) => ({ ...s, failed: true }))} />;
}

/** One stored file of a record: its thumbnail (images) or name, linking to the download. */
export function StoredFile({ recordId, name, size = 'sm' }: { recordId: string; name: string; size?: 'sm' | 'md' }) {
  const ctx = useRecordFiles();
  const label = displayName(name);
  if (!ctx?.token) {
    return (
      <span className="inline-flex items-center gap-1 text-xs" title={name} data-file={name}>
        <FileText className="h-3.5 w-3.5 shrink-0 text-muted-fg" aria-hidden />
        <span className="max-w-40 truncate">{label}</span>
      </span>
    );
  }
  const href = recordFileUrl(ctx.collection, recordId, name, { token: ctx.token, account: ctx.account });
  const box = size === 'sm' ? 'h-8 w-8' : 'h-16 w-16';
  return (
    <a href={href} target="_blank" rel="noreferrer noopener" title={name} data-file={name} className="inline-flex items-center gap-1.5 text-xs text-primary hover:underline">
      {isImageName(name) ? (
        <Thumb id={`${recordId}/${name}`} src={recordFileUrl(ctx.collection, recordId, name, { token: ctx.token, account: ctx.account, thumb: '100x100' })} alt={label} className={`${box} shrink-0 rounded border border-border object-cover`} />
      ) : (
        <FileText className="h-3.5 w-3.5 shrink-0" aria-hidden />
      )}
      {(size === 'md' || !isImageName(name)) && <span className="max-w-40 truncate">{label}</span>}
    </a>
  );
}

/** A file field's value in a grid cell or the record view. */
export function FileCell({ recordId, names }: { recordId: string | undefined; names: string[] }) {
  if (!recordId) return <span>{names.join(', ')}</span>;
  return (
    <span className="inline-flex flex-wrap items-center gap-1.5">
      {names.map((n) => (
        <StoredFile key={n} recordId={recordId} name={n} />
      ))}
    </span>
  );
}
