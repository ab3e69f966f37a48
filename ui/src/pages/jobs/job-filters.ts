import { JOB_QUEUES, JOB_STATUSES, type JobQuery, type JobQueue, type JobStatus } from '@/api/jobs';

export const PAGE_SIZE = 50;
/** The server passes over at most 100 000 jobs. */
const MAX_OFFSET = 100_000;
const LAST_PAGE = Math.floor(MAX_OFFSET / PAGE_SIZE) + 1;

/** The list's filters and page, as kept in the URL (`status`, `queue`, `page`). */
export interface JobFilters {
  status: JobStatus | '';
  queue: JobQueue | '';
  /** 1-based. */
  page: number;
}

function oneOf<T extends string>(values: readonly T[], raw: string | null): T | '' {
  return (values as readonly string[]).includes(raw ?? '') ? (raw as T) : '';
}

/** Reads the filters from URL search params; anything unknown falls back to no filter or page 1. */
export function filtersFromParams(params: URLSearchParams): JobFilters {
  const raw = params.get('page')?.trim() ?? '';
  const page = /^\d+$/.test(raw) ? Math.min(Math.max(1, Number(raw)), LAST_PAGE) : 1;
  return {
    status: oneOf(JOB_STATUSES, params.get('status')),
    queue: oneOf(JOB_QUEUES, params.get('queue')),
    page,
  };
}

/** Writes the filters into search params, leaving out defaults; other params of `base` (the open job) stay. */
export function filtersToParams(f: JobFilters, base?: URLSearchParams): URLSearchParams {
  const next = new URLSearchParams(base);
  const values: [string, string][] = [
    ['status', f.status],
    ['queue', f.queue],
    ['page', f.page > 1 ? String(f.page) : ''],
  ];
  for (const [k, v] of values) {
    if (v) next.set(k, v);
    else next.delete(k);
  }
  return next;
}

export function hasFilters(f: JobFilters): boolean {
  return f.status !== '' || f.queue !== '';
}

/** What the list asks the server for. */
export function jobQuery(f: JobFilters): JobQuery {
  return { status: f.status, queue: f.queue, limit: PAGE_SIZE, offset: (f.page - 1) * PAGE_SIZE };
}

/** Pages of `total` jobs (at least one, at most as far as the server pages). */
export function pageCount(total: number): number {
  return Math.min(Math.max(1, Math.ceil(total / PAGE_SIZE)), LAST_PAGE);
}
