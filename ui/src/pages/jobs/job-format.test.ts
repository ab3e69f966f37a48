import { describe, expect, it } from 'vitest';
import type { Job } from '@/api/jobs';
import { attemptsText, canCancel, canRetry, durationText, nextRunText, percentText } from './job-format';
import { filtersFromParams, filtersToParams, jobQuery, pageCount } from './job-filters';

const dead: Job = {
  id: 'webhook-0193a3c0-0000-7000-8000-000000000001',
  queue: 'webhooks',
  handler: 'webhook.deliver',
  payload: { delivery_id: '0193a3c0-0000-7000-8000-000000000001', webhook_id: 'wh1', event: 'create' },
  status: 'dead',
  priority: 0,
  run_at: null,
  started_at: null,
  completed_at: null,
  failed_at: '2026-12-04T18:30:13Z',
  error_message: 'connection refused',
  attempt_number: 2,
  max_retries: 2,
  retry_delay_seconds: 0.2,
  created_at: '2026-12-04T18:30:12Z',
  created_by: null,
  account_id: 'AB1234',
};
const backup: Job = {
  ...dead,
  id: 'backup-snackbase-20261204T183012Z',
  queue: 'backups',
  handler: 'backup.create',
  payload: { backup_id: 'snackbase-20261204T183012Z', file_name: 'snackbase-20261204T183012Z.tar.zst', trigger: 'manual' },
  status: 'completed',
  error_message: null,
  attempt_number: 1,
  max_retries: 0,
  retry_delay_seconds: 0,
  account_id: null,
};

describe('job formatting', () => {
  it('counts attempts of those allowed', () => {
    expect(attemptsText(dead)).toBe('2 / 2');
    expect(attemptsText({ ...dead, status: 'pending', attempt_number: 0, max_retries: 8 })).toBe('0 / 8');
    expect(attemptsText(backup)).toBe('1');
  });
  it('offers Retry and Cancel only where the server allows them', () => {
    const as = (status: Job['status']) => ({ ...dead, status });
    expect(['pending', 'running', 'completed', 'failed', 'retrying', 'dead'].filter((s) => canRetry(as(s as Job['status'])))).toEqual(['retrying', 'dead']);
    expect(['pending', 'running', 'completed', 'failed', 'retrying', 'dead'].filter((s) => canCancel(as(s as Job['status'])))).toEqual(['pending', 'retrying']);
    expect(canRetry(backup)).toBe(false);
    expect(canCancel(backup)).toBe(false);
  });
  it('writes durations from milliseconds to minutes', () => {
    expect(durationText(null)).toBe('—');
    expect(durationText(0.2)).toBe('200 ms');
    expect(durationText(0.0004)).toBe('0 ms');
    expect(durationText(1.54)).toBe('1.5 s');
    expect(durationText(3)).toBe('3 s');
    expect(durationText(42)).toBe('42 s');
    expect(durationText(200)).toBe('3 min 20 s');
  });
  it('writes the failure rate as a percentage', () => {
    expect(percentText(null)).toBe('—');
    expect(percentText(0)).toBe('0%');
    expect(percentText(1)).toBe('100%');
    expect(percentText(0.125)).toBe('12.5%');
    expect(percentText(1 / 3)).toBe('33.3%');
  });
  it('says when a waiting job runs next', () => {
    const now = Date.parse('2026-12-04T18:30:00Z');
    expect(nextRunText(null, now)).toBe('—');
    expect(nextRunText('2026-12-04T18:30:04.200Z', now)).toBe('in 5 s');
    expect(nextRunText('2026-12-04T18:32:00Z', now)).toBe('in 2 min');
    expect(nextRunText('2026-12-04T18:29:59Z', now)).toBe('Due now');
    expect(nextRunText('2026-12-04T18:30:00Z', now)).toBe('Due now');
  });
});

describe('job filters in the URL', () => {
  it('reads known values and drops the rest', () => {
    expect(filtersFromParams(new URLSearchParams('status=dead&queue=webhooks&page=3'))).toEqual({ status: 'dead', queue: 'webhooks', page: 3 });
    expect(filtersFromParams(new URLSearchParams('status=bogus&queue=mail&page=-2'))).toEqual({ status: '', queue: '', page: 1 });
    expect(filtersFromParams(new URLSearchParams('page=0')).page).toBe(1);
    expect(filtersFromParams(new URLSearchParams('page=999999')).page).toBe(2001);
  });
  it('writes only what differs from the defaults and keeps other params', () => {
    const base = new URLSearchParams('job=webhook-1&page=4');
    expect(filtersToParams({ status: 'dead', queue: '', page: 1 }, base).toString()).toBe('job=webhook-1&status=dead');
    expect(filtersToParams({ status: '', queue: 'backups', page: 2 }).toString()).toBe('queue=backups&page=2');
  });
  it('asks the server for a page of 50', () => {
    expect(jobQuery({ status: 'dead', queue: '', page: 3 })).toEqual({ status: 'dead', queue: '', limit: 50, offset: 100 });
    expect(pageCount(0)).toBe(1);
    expect(pageCount(50)).toBe(1);
    expect(pageCount(51)).toBe(2);
    expect(pageCount(10_000_000)).toBe(2001);
  });
});
