import { describe, expect, it } from 'vitest';
import { formatBytes, formatSeconds, sweepSummary } from './storage-format';

const run = { started_at: '2026-01-01T00:00:00Z', finished_at: '2026-01-01T00:00:01Z', rows_forgotten: 0, objects_deleted: 0, error: null };

describe('storage formatting', () => {
  it('formats sizes in binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1 KiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(12345)).toBe('12.1 KiB');
    expect(formatBytes(10 * 1024 * 1024)).toBe('10 MiB');
    expect(formatBytes(123.4 * 1024 ** 3)).toBe('123 GiB');
    expect(formatBytes(1024 ** 6)).toBe('1024 PiB');
  });
  it('formats durations with their two largest units', () => {
    expect(formatSeconds(0)).toBe('0 s');
    expect(formatSeconds(45)).toBe('45 s');
    expect(formatSeconds(180)).toBe('3 min');
    expect(formatSeconds(90)).toBe('1 min 30 s');
    expect(formatSeconds(3600)).toBe('1 h');
    expect(formatSeconds(5400)).toBe('1 h 30 min');
    expect(formatSeconds(3661)).toBe('1 h 1 min');
    expect(formatSeconds(86_400)).toBe('1 day');
    expect(formatSeconds(2 * 86_400 + 7200)).toBe('2 days 2 h');
  });
  it('sums up a sweep', () => {
    expect(sweepSummary(run)).toBe('Nothing to remove');
    expect(sweepSummary({ ...run, objects_deleted: 3, rows_forgotten: 1 })).toBe('3 objects deleted, 1 row forgotten');
    expect(sweepSummary({ ...run, objects_deleted: 1, rows_forgotten: 2 })).toBe('1 object deleted, 2 rows forgotten');
    expect(sweepSummary({ ...run, objects_deleted: 1, error: 'bucket unreachable' })).toBe('Sweep failed: bucket unreachable');
  });
});
