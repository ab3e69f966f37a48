// Which file storage the server uses, as the server decides it
// (configuration/active.rs): the enabled system storage configuration, the
// default one first, then by priority (lower first), then display name;
// none enabled: the environment's SNACKBASE_STORAGE_*. And what a change in
// the storage configurations does to it, for the confirmations.

export interface StorageConfigLike {
  id: string;
  display_name: string;
  enabled: boolean;
  is_default: boolean;
  priority: number;
}

/** The id a configuration not saved yet goes by. */
export const NEW_CONFIGURATION = '';

function compare(a: StorageConfigLike, b: StorageConfigLike): number {
  if (a.is_default !== b.is_default) return a.is_default ? -1 : 1;
  if (a.priority !== b.priority) return a.priority - b.priority;
  if (a.display_name !== b.display_name) return a.display_name < b.display_name ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The configuration in use; null: the environment's storage. */
export function storageInUse<T extends StorageConfigLike>(configs: readonly T[]): T | null {
  const enabled = configs.filter((c) => c.enabled);
  enabled.sort(compare);
  return enabled[0] ?? null;
}

export type StorageChange =
  | { kind: 'create'; display_name: string }
  | { kind: 'edit'; id: string }
  | { kind: 'enable' | 'disable' | 'delete'; id: string }
  | { kind: 'default'; id: string; on: boolean };

/** The configurations as they will be after the change (a new one: enabled, priority 0, not the default). */
export function afterChange(configs: readonly StorageConfigLike[], change: StorageChange): StorageConfigLike[] {
  switch (change.kind) {
    case 'create':
      return [...configs, { id: NEW_CONFIGURATION, display_name: change.display_name, enabled: true, is_default: false, priority: 0 }];
    case 'edit':
      return [...configs];
    case 'delete':
      return configs.filter((c) => c.id !== change.id);
    case 'enable':
    case 'disable':
      return configs.map((c) => (c.id === change.id ? { ...c, enabled: change.kind === 'enable' } : c));
    case 'default':
      return configs.map((c) => ({ ...c, is_default: c.id === change.id ? change.on : change.on ? false : c.is_default }));
  }
}

export interface StorageSwitch {
  /** The configuration in use now (null: the environment). */
  before: StorageConfigLike | null;
  /** The one in use after the change. */
  after: StorageConfigLike | null;
  /** Whether uploads go somewhere else afterwards. */
  switches: boolean;
}

export function storageSwitch(configs: readonly StorageConfigLike[], change: StorageChange): StorageSwitch {
  const before = storageInUse(configs);
  const after = storageInUse(afterChange(configs, change));
  // Saving new values for the configuration in use (another directory or bucket) switches too.
  const edited = change.kind === 'edit' && before !== null && before.id === change.id;
  return { before, after, switches: edited || (before?.id ?? null) !== (after?.id ?? null) };
}

/** How a storage is named in sentences. */
export function storageName(c: StorageConfigLike | null): string {
  return c ? `“${c.display_name}”` : "the environment's storage (SNACKBASE_STORAGE_*)";
}
