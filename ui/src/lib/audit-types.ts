// Wire shapes of the audit trail (`/api/v1/audit-logs…`).

/** One audit entry: one changed column of one change (or one auth event). */
export interface AuditLog {
  id: number;
  /** null: the system chain. */
  account_id: string | null;
  /** CREATE, UPDATE, DELETE, or an auth event (LOGIN, LOGIN_FAILED, LOGOUT, …). */
  operation: string;
  table_name: string;
  record_id: string;
  column_name: string | null;
  /** JSON text of the value; null when absent; "***" when masked. */
  old_value: string | null;
  new_value: string | null;
  user_id: string | null;
  user_email: string | null;
  user_name: string | null;
  es_username: string | null;
  es_reason: string | null;
  es_timestamp: string | null;
  ip_address: string | null;
  user_agent: string | null;
  request_id: string | null;
  occurred_at: string;
  checksum: string;
  previous_hash: string;
  extra_metadata: AuditMetadata | null;
  chain: string;
  sequence: number;
}

/** Record changes carry `change_seq` (shared by the entries of one change). */
export interface AuditMetadata {
  change_seq?: number;
  role?: string;
  impersonator?: string;
  [key: string]: unknown;
}

export interface AuditList {
  items: AuditLog[];
  total: number;
  skip: number;
  limit: number;
  audit_logging_enabled: boolean;
}

export type AuditExportFormat = 'json' | 'csv' | 'pdf';

export interface AuditChainError {
  sequence: number;
  kind: string;
  message: string;
}

export interface AuditChainReport {
  chain: string;
  account_id: string | null;
  entries: number;
  head_sequence: number;
  head_hash: string;
  checkpoints: number;
  last_checkpoint_at: string | null;
  ok: boolean;
  error: AuditChainError | null;
}

export interface AuditVerifyReport {
  ok: boolean;
  verified_at: string;
  chains: AuditChainReport[];
}

export interface AuditPublicKey {
  algorithm: 'ed25519';
  public_key: string;
}

export interface AuditCollectionSetting {
  collection: string;
  enabled: boolean;
  excluded_fields: string[];
  require_signature: boolean;
}

export interface AuditSettings {
  /** Whether audit logging is on at all (server configuration). */
  enabled: boolean;
  collections: AuditCollectionSetting[];
}

export type AuditCollectionSettingUpdate = Omit<AuditCollectionSetting, 'collection'>;
