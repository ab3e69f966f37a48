import { describe, expect, it } from 'vitest';
import { checkRetention, formatDuration, localToIso, statusTone } from './log-format';

describe('log formatting', () => {
  it('colours statuses by class', () => {
    expect(statusTone(200)).toBe('success');
    expect(statusTone(304)).toBe('primary');
    expect(statusTone(404)).toBe('warn');
    expect(statusTone(503)).toBe('danger');
  });
  it('formats durations', () => {
    expect(formatDuration(1.234)).toBe('1.2 ms');
    expect(formatDuration(250.4)).toBe('250 ms');
    expect(formatDuration(1500)).toBe('1.50 s');
  });
  it('turns local times into RFC 3339, and nothing into nothing', () => {
    expect(localToIso('')).toBe('');
    expect(localToIso('not a date')).toBe('');
    expect(localToIso('2026-01-02T03:04')).toMatch(/^2026-01-0[12]T\d\d:04:00\.000Z$/);
  });
  it('checks the retention as the server does', () => {
    expect(checkRetention('7')).toEqual({ days: 7 });
    expect(checkRetention('0')).toEqual({ days: 0 });
    expect(checkRetention('-1')).toHaveProperty('error');
    expect(checkRetention('2.5')).toHaveProperty('error');
    expect(checkRetention('9999')).toHaveProperty('error');
  });
});
