import { useEffect, useRef, useState } from 'react';
import { Upload, X } from 'lucide-react';
import { addFiles, formatBytes, isMultipleFile, type FileFormValue } from '@/lib/record-files';
import type { Field } from '@/lib/types';
import { cn } from '@/lib/utils';
import { Button } from '@/components/ui/button';
import { StoredFile } from './record-files';

interface Props {
  id: string;
  field: Field;
  value: FileFormValue;
  onChange: (v: FileFormValue) => void;
  /** The record being edited: its stored files are shown through their thumbnails. */
  recordId?: string;
  invalid?: boolean;
}

/** Images up to this size are previewed before upload. */
const PREVIEW_MAX = 5 * 1024 * 1024;

/**
 * A preview of an image picked in this form, as a data: URL (the console's
 * Content-Security-Policy allows `img-src 'self' data:`, not blob:).
 */
function LocalPreview({ file }: { file: File }) {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!file.type.startsWith('image/') || file.size > PREVIEW_MAX) return;
    const reader = new FileReader();
    reader.onload = () => setUrl(typeof reader.result === 'string' ? reader.result : null);
    reader.readAsDataURL(file);
    return () => reader.abort();
  }, [file]);
  if (!url) return null;
  return <img src={url} alt="" className="h-16 w-16 shrink-0 rounded border border-border object-cover" />;
}

/** A file field of a record form: a drop zone and a picker, the files kept and those added, each removable. */
export function FileInput({ id, field: f, value, onChange, recordId, invalid }: Props) {
  const picker = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const multiple = isMultipleFile(f);
  const accept = f.options?.mime_types?.join(',') || undefined;
  const add = (list: FileList | null) => {
    if (list && list.length) onChange(addFiles(f, value, Array.from(list)));
  };
  const empty = value.kept.length + value.added.length === 0;

  return (
    <div className="flex flex-col gap-2" data-testid={`file-input-${f.name}`}>
      {!empty && (
        <ul className="flex flex-col gap-1.5" aria-label={`Files of ${f.name}`}>
          {value.kept.map((name) => (
            <li key={`k:${name}`} className="flex items-center justify-between gap-2 rounded-md border border-border px-2 py-1.5" data-kept={name}>
              <span className="min-w-0 truncate">{recordId ? <StoredFile recordId={recordId} name={name} size="md" /> : name}</span>
              <Button variant="ghost" size="sm" aria-label={`Remove ${name}`} onClick={() => onChange({ ...value, kept: value.kept.filter((n) => n !== name) })}>
                <X className="h-3.5 w-3.5" />
              </Button>
            </li>
          ))}
          {value.added.map((file, i) => (
            <li key={`a:${i}:${file.name}`} className="flex items-center justify-between gap-2 rounded-md border border-dashed border-primary/60 px-2 py-1.5" data-added={file.name}>
              <span className="flex min-w-0 items-center gap-2 text-xs">
                <LocalPreview file={file} />
                <span className="truncate">{file.name}</span>
                <span className="shrink-0 text-muted-fg">{formatBytes(file.size)} · new</span>
              </span>
              <Button variant="ghost" size="sm" aria-label={`Remove ${file.name}`} onClick={() => onChange({ ...value, added: value.added.filter((_, j) => j !== i) })}>
                <X className="h-3.5 w-3.5" />
              </Button>
            </li>
          ))}
        </ul>
      )}
      <div
        className={cn(
          'flex cursor-pointer flex-col items-center justify-center gap-1 rounded-md border-2 border-dashed px-3 py-4 text-center text-sm text-muted-fg transition-colors',
          over ? 'border-primary bg-primary/5' : 'border-border hover:border-primary/60',
          invalid && 'border-danger',
        )}
        role="button"
        tabIndex={0}
        aria-labelledby={`${id}-drop`}
        data-testid={`drop-${f.name}`}
        onClick={() => picker.current?.click()}
        onKeyDown={(e) => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            picker.current?.click();
          }
        }}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          add(e.dataTransfer.files);
        }}
      >
        <Upload className="h-4 w-4" aria-hidden />
        <span id={`${id}-drop`}>
          {multiple ? 'Drop files here or click to choose' : empty ? 'Drop a file here or click to choose' : 'Drop a file here or click to replace'}
        </span>
        <input
          ref={picker}
          id={id}
          type="file"
          className="sr-only"
          multiple={multiple}
          accept={accept}
          onClick={(e) => e.stopPropagation()}
          onChange={(e) => {
            add(e.target.files);
            e.target.value = '';
          }}
        />
      </div>
    </div>
  );
}
