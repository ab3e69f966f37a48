import type { Job, JobStatus } from '@/api/jobs';
import type { BadgeTone } from '@/components/ui/badge';
import { formatSeconds } from '@/pages/storage/storage-format';

export const STATUS_TONES: Record<JobStatus, BadgeTone> = {
  pending: 'neutral',
  running: 'primary',
  completed: 'success',
  failed: 'danger',
  retrying: 'warn',
  dead: 'danger',
};

/** Retry runs a job again with fresh attempts: only one that gave up or waits to try again. */
export function canRetry(job: Job): boolean {
  return job.status === 'dead' || job.status === 'retrying';
}

/** Cancel removes a delivery that has not been sent yet. */
export function canCancel(job: Job): boolean {
  return job.status === 'pending' || job.status === 'retrying';
}

/** `2 / 8`: attempts made of those allowed; a job that is never retried (a backup) shows its attempts only. */
export function attemptsText(job: Job): string {
  return job.max_retries > 0 ? `${job.attempt_number} / ${job.max_retries}` : String(job.attempt_number);
}

/** `250 ms`, `1.5 s`, `12 s`, `3 min 20 s`; `—` when there is none yet. */
export function durationText(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 10) return `${seconds.toFixed(1).replace(/\.0$/, '')} s`;
  return formatSeconds(seconds);
}

/** A rate of 0..1 as `12.5%` (at most one decimal); `—` when nothing has finished. */
export function percentText(rate: number | null): string {
  if (rate === null || !Number.isFinite(rate)) return '—';
  const pct = Math.round(rate * 1000) / 10;
  return `${pct}%`;
}

/** When a waiting job runs next, from `now`: `in 4 s`, `Due now`; `—` when it does not wait. */
export function nextRunText(runAt: string | null, now: number): string {
  if (!runAt) return '—';
  const at = new Date(runAt).getTime();
  if (Number.isNaN(at)) return runAt;
  const seconds = Math.ceil((at - now) / 1000);
  return seconds <= 0 ? 'Due now' : `in ${formatSeconds(seconds)}`;
}

const timeFormat = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** A timestamp to the second (retries are seconds apart); `—` when null. */
export function timeText(value: string | null): string {
  if (!value) return '—';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : timeFormat.format(d);
}
