import type { SweepReport } from '@/api/storage';

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** `512 B`, `1.5 KiB`, `10 MiB`, `123 GiB` (binary units, at most one decimal). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  let value = n;
  let unit = -1;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const text = value >= 100 ? String(Math.round(value)) : value.toFixed(1).replace(/\.0$/, '');
  return `${text} ${UNITS[unit]}`;
}

const SPANS: [number, string, string][] = [
  [86_400, 'day', 'days'],
  [3600, 'h', 'h'],
  [60, 'min', 'min'],
  [1, 's', 's'],
];

/** `45 s`, `3 min`, `1 h 30 min`, `2 days`: the two largest units that are not zero. */
export function formatSeconds(total: number): string {
  if (total <= 0) return '0 s';
  const parts: string[] = [];
  let rest = Math.round(total);
  for (const [size, one, many] of SPANS) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) parts.push(`${count} ${count === 1 ? one : many}`);
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** What a sweep did: `3 objects deleted, 1 row forgotten` (objects in storage, rows of the files table). */
export function sweepSummary(run: SweepReport): string {
  if (run.error) return `Sweep failed: ${run.error}`;
  if (run.objects_deleted === 0 && run.rows_forgotten === 0) return 'Nothing to remove';
  return `${plural(run.objects_deleted, 'object', 'objects')} deleted, ${plural(run.rows_forgotten, 'row', 'rows')} forgotten`;
}
