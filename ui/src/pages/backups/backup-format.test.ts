import { describe, expect, it } from 'vitest';
import type { Backup } from '@/api/backups';
import { contentsText, isRunning, keepText, scheduleText, sizeText } from './backup-format';

const done: Backup = {
  id: 'snackbase-20261204T183012Z',
  file_name: 'snackbase-20261204T183012Z.tar.zst',
  status: 'completed',
  trigger: 'manual',
  started_at: '2026-12-04T18:30:12Z',
  finished_at: '2026-12-04T18:30:13Z',
  size_bytes: 1536,
  database_bytes: 1024 * 1024,
  files_count: 2,
  files_bytes: 3072,
  verified: true,
  error: null,
  sha256: 'ab'.repeat(32),
};
const running: Backup = { ...done, status: 'running', finished_at: null, size_bytes: null, database_bytes: null, files_count: null, files_bytes: null, verified: false, sha256: null };

describe('backup formatting', () => {
  it('says how often backups run', () => {
    expect(scheduleText(0)).toBe('Not scheduled');
    expect(scheduleText(3600)).toBe('Every hour');
    expect(scheduleText(6 * 3600)).toBe('Every 6 hours');
    expect(scheduleText(24 * 3600)).toBe('Every 24 hours');
    expect(scheduleText(5400)).toBe('Every 1 h 30 min');
    expect(scheduleText(600)).toBe('Every 10 min');
  });
  it('says how many are kept', () => {
    expect(keepText(7)).toBe('The newest 7');
    expect(keepText(1)).toBe('The newest one');
  });
  it('shows the size once the archive exists', () => {
    expect(sizeText(done)).toBe('1.5 KiB');
    expect(sizeText(running)).toBe('—');
    expect(contentsText(done)).toBe('Database 1 MiB, files 3 KiB');
    expect(contentsText({ ...done, database_bytes: null })).toBe('Files 3 KiB');
    expect(contentsText(running)).toBeUndefined();
  });
  it('knows when one runs', () => {
    expect(isRunning([done])).toBe(false);
    expect(isRunning([running, done])).toBe(true);
    expect(isRunning([])).toBe(false);
  });
});
