import { describe, expect, it } from 'vitest';
import { storageInUse, storageName, storageSwitch, type StorageConfigLike } from './storage-providers';

const cfg = (id: string, over: Partial<StorageConfigLike> = {}): StorageConfigLike => ({
  id,
  display_name: id,
  enabled: true,
  is_default: false,
  priority: 0,
  ...over,
});

describe('storage in use', () => {
  it('is the environment when nothing is enabled', () => {
    expect(storageInUse([])).toBeNull();
    expect(storageInUse([cfg('a', { enabled: false })])).toBeNull();
  });

  it('takes the default, then the lowest priority, then the name', () => {
    const a = cfg('a', { display_name: 'Zeta' });
    const b = cfg('b', { display_name: 'Alpha' });
    expect(storageInUse([a, b])?.id).toBe('b');
    expect(storageInUse([a, { ...b, priority: 5 }])?.id).toBe('a');
    expect(storageInUse([{ ...a, is_default: true }, { ...b, priority: -5 }])?.id).toBe('a');
    expect(storageInUse([{ ...a, is_default: true, enabled: false }, b])?.id).toBe('b');
  });
});

describe('what a change does', () => {
  const disk = cfg('disk', { display_name: 'Disk' });
  const s3 = cfg('s3', { display_name: 'S3', priority: 10 });

  it('creating the first one switches from the environment', () => {
    const s = storageSwitch([], { kind: 'create', display_name: 'Disk' });
    expect(s.before).toBeNull();
    expect(s.after?.display_name).toBe('Disk');
    expect(s.switches).toBe(true);
  });

  it('creating one that comes later switches nothing', () => {
    expect(storageSwitch([{ ...disk, priority: -1 }], { kind: 'create', display_name: 'Other' }).switches).toBe(false);
  });

  it('disabling or deleting the one in use falls back to the next, or the environment', () => {
    expect(storageSwitch([disk, s3], { kind: 'disable', id: 'disk' }).after?.id).toBe('s3');
    const gone = storageSwitch([disk], { kind: 'delete', id: 'disk' });
    expect(gone.after).toBeNull();
    expect(gone.switches).toBe(true);
    expect(storageSwitch([disk, s3], { kind: 'delete', id: 's3' }).switches).toBe(false);
  });

  it('enabling and defaults move it', () => {
    expect(storageSwitch([{ ...disk, enabled: false }], { kind: 'enable', id: 'disk' }).after?.id).toBe('disk');
    expect(storageSwitch([disk, s3], { kind: 'default', id: 's3', on: true }).after?.id).toBe('s3');
    expect(storageSwitch([disk, { ...s3, is_default: true }], { kind: 'default', id: 's3', on: false }).after?.id).toBe('disk');
  });

  it('editing the one in use switches to its new values; another one, nothing', () => {
    expect(storageSwitch([disk, s3], { kind: 'edit', id: 'disk' }).switches).toBe(true);
    expect(storageSwitch([disk, s3], { kind: 'edit', id: 's3' }).switches).toBe(false);
  });

  it('names the storages', () => {
    expect(storageName(disk)).toBe('“Disk”');
    expect(storageName(null)).toMatch(/environment/);
  });
});
