import type { BadgeTone } from '@/components/ui/badge';

/** The badge tone of an HTTP status. */
export function statusTone(status: number): BadgeTone {
  if (status >= 500) return 'danger';
  if (status >= 400) return 'warn';
  if (status >= 300) return 'primary';
  return 'success';
}

/** `12.3 ms`, `1.24 s`. */
export function formatDuration(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${Math.round(ms)} ms`;
  return `${ms.toFixed(1)} ms`;
}

/** A `datetime-local` value as RFC 3339 (UTC), or '' when empty or invalid. */
export function localToIso(value: string): string {
  if (!value) return '';
  const t = new Date(value);
  return Number.isNaN(t.getTime()) ? '' : t.toISOString();
}

/** Whole days between 0 and 3650, as the server accepts; otherwise a message. */
export function checkRetention(raw: string): { days: number } | { error: string } {
  const text = raw.trim();
  if (!/^\d+$/.test(text)) return { error: 'Enter a whole number of days' };
  const days = Number(text);
  if (days > 3650) return { error: 'At most 3650 days' };
  return { days };
}
