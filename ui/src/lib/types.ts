// Shapes of the server's JSON, as described by /openapi.json.

import type { AuditLog } from './audit-types';

export interface FieldErrorDetail {
  field: string;
  code: string;
  message: string;
  /** 0-based character offset inside a rule or filter expression. */
  position?: number | null;
}

export interface ErrorEnvelope {
  error: string;
  message: string;
  details?: FieldErrorDetail[] | null;
}

import type { EmailVerification } from './auth-types';

export * from './auth-types';

export interface Paged<T> {
  items: T[];
  total: number;
  page: number;
  page_size: number;
  total_pages: number;
}

/** Whether the account's users need a verified email to sign in. */
export interface AccountVerificationSetting {
  /** As set on the account; `null` follows the server default. */
  require_email_verification: boolean | null;
  /** Its admins must sign in with TOTP (`null`: no). */
  require_admin_mfa?: boolean | null;
  /** The setting in force (the server default where the account has none). */
  email_verification_required: boolean;
}

export interface AccountListItem extends AccountVerificationSetting {
  id: string;
  slug: string;
  name: string;
  created_at: string;
  user_count: number;
  status: string;
}

export interface AccountDetail extends AccountVerificationSetting {
  id: string;
  slug: string;
  name: string;
  created_at: string;
  updated_at: string;
  user_count: number;
  collections_used: string[];
}

export interface AccountUserItem extends EmailVerification {
  id: string;
  email: string;
  role: string;
  is_active: boolean;
  created_at: string;
}

export interface User extends EmailVerification {
  id: string;
  email: string;
  account_id: string;
  account_name: string;
  role_id: number;
  role_name: string;
  is_active: boolean;
  created_at: string;
  last_login?: string | null;
  /** Signs in with a TOTP code too. */
  totp_enabled?: boolean;
}

export interface UserList {
  total: number;
  items: User[];
}

export interface RecentRegistration {
  id: string;
  email: string;
  account_id: string;
  account_name: string;
  created_at: string;
}

export interface DashboardStats {
  total_accounts: number;
  total_users: number;
  total_collections: number;
  total_records: number;
  new_accounts_7d: number;
  new_users_7d: number;
  recent_registrations: RecentRegistration[];
  system_health: { database_status: string; storage_usage_mb: number };
  active_sessions: number;
  /** The 10 newest audit entries the caller may see (absent on servers without the audit trail). */
  recent_audit_logs?: AuditLog[];
  time_series?: { audit_by_operation?: AuditByOperation[] };
}

export interface AuditByOperation {
  date: string;
  create: number;
  update: number;
  delete: number;
}

export const FIELD_KINDS = [
  'text',
  'number',
  'boolean',
  'email',
  'url',
  'datetime',
  'json',
  'select',
  'reference',
  'file',
] as const;
export type FieldKind = (typeof FIELD_KINDS)[number];

export const ON_DELETE = ['cascade', 'set_null', 'restrict'] as const;
export type OnDelete = (typeof ON_DELETE)[number];

export const MASK_TYPES = ['email', 'ssn', 'phone', 'name', 'full', 'custom'] as const;
export type MaskType = (typeof MASK_TYPES)[number];

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface FieldOptions {
  integer?: boolean | null;
  min?: number | null;
  max?: number | null;
  min_length?: number | null;
  max_length?: number | null;
  pattern?: string | null;
  values?: string[] | null;
  multiple?: boolean | null;
  /** Files: the largest file, in bytes. */
  max_size?: number | null;
  /** Files: allowed types (`image/png`, `image/*`), checked against the sniffed type. */
  mime_types?: string[] | null;
  /** Files: thumbnail sizes offered besides `100x100`. */
  thumbs?: string[] | null;
  /** Files: downloads need a token (every record file needs one today). */
  protected?: boolean | null;
}

export interface Field {
  name: string;
  type: FieldKind;
  required: boolean;
  default: Json;
  unique: boolean;
  options?: FieldOptions | null;
  collection?: string | null;
  on_delete?: OnDelete | null;
  pii: boolean;
  mask_type?: MaskType | null;
  /** Text, email and url fields: matched by `search=` on record lists. */
  searchable?: boolean;
}

/** A field as sent to the server (create, schema change, import). */
export interface FieldInput {
  name: string;
  type: FieldKind;
  required?: boolean;
  unique?: boolean;
  default?: Json;
  options?: FieldOptions;
  collection?: string;
  on_delete?: OnDelete;
  pii?: boolean;
  mask_type?: MaskType;
  searchable?: boolean;
  renamed_from?: string;
}

export interface IndexDef {
  fields: string[];
  unique?: boolean;
}

export interface Collection {
  id: string;
  name: string;
  table_name: string;
  schema: Field[];
  indexes: IndexDef[];
  version: number;
  created_at: string;
  updated_at: string;
}

export interface CollectionListItem {
  id: string;
  name: string;
  table_name: string;
  fields_count: number;
  records_count: number;
  /** The built-in `public` role has a permission on it (anonymous callers may use it). */
  has_public_access: boolean;
  created_at: string;
}

export type Change =
  | { op: 'add_field'; field: string }
  | { op: 'rename_field'; from: string; to: string }
  | { op: 'remove_field'; field: string; values_lost: number }
  | { op: 'change_type'; field: string; from: string; to: string; values_lost: number }
  | { op: 'change_options'; field: string }
  | { op: 'backfill_default'; field: string; rows: number }
  | { op: 'add_index'; fields: string[]; unique: boolean }
  | { op: 'remove_index'; fields: string[]; unique: boolean };

export interface UpdateCollectionResponse extends Collection {
  changes: Change[];
  dry_run: boolean;
}

export interface MigrationEntry {
  id: string;
  version: number;
  operation: string;
  /** `{fields, indexes}` for a create; a list of Change for an update. */
  changes: Json;
  created_at: string;
  created_by?: string | null;
}

export interface ExportedCollection {
  name: string;
  schema: Field[];
  indexes?: IndexDef[];
  /** The collection's rules (absent: an import leaves its permissions alone). */
  rules?: CollectionRules;
}

/** Ours (`format_version`) or the JavaScript SDK's (`version`, no `format_version`): the server takes both. */
export interface ExportDocument {
  format_version?: number;
  version?: string | number;
  exported_at?: string | null;
  exported_by?: string | null;
  collections: ExportedCollection[];
}

export type ImportStrategy = 'skip' | 'error' | 'update';

export interface ImportResponse {
  /** Ours: created, updated, unchanged or skipped. */
  imported: { name: string; status: string }[];
  /** The SDK's: imported, updated or skipped, with a message. */
  collections: { name: string; status: string; message: string }[];
  migrations_created: string[];
}

export type RecordData = { [key: string]: Json };

export interface RecordItem extends RecordData {
  id: string;
  account_id: string;
  created_at: string;
  updated_at: string;
}

export interface RecordList {
  items: RecordItem[];
  skip: number;
  limit: number;
  total?: number | null;
  next_cursor?: string | null;
}

export const SYSTEM_FIELDS = [
  'id',
  'account_id',
  'created_at',
  'created_by',
  'updated_at',
  'updated_by',
] as const;

export const SYSTEM_ACCOUNT = 'SY0000';

// --- roles and permissions -------------------------------------------------

export interface Role {
  id: number;
  name: string;
  description: string | null;
  collections_count?: number;
}

export interface RoleList {
  items: Role[];
  total: number;
}

export type PermissionFields = '*' | string[];

export interface PermissionCell {
  rule: string;
  fields: PermissionFields;
}

export type Operation = 'create' | 'read' | 'update' | 'delete';
export const OPERATIONS: Operation[] = ['create', 'read', 'update', 'delete'];

export interface PermissionRow {
  collection: string;
  permission_id: number | null;
  create: PermissionCell | null;
  read: PermissionCell | null;
  update: PermissionCell | null;
  delete: PermissionCell | null;
}

export interface PermissionMatrix {
  role_id: number;
  role_name: string;
  permissions: PermissionRow[];
}

export interface RuleValidation {
  valid: boolean;
  error: string | null;
  position: number | null;
}

export interface RuleTestResult {
  allowed: boolean;
  result: unknown;
  error: string | null;
  position: number | null;
  evaluation_details: string | null;
}

// --- groups, invitations, macros, email templates ---------------------------

export interface Group {
  id: string;
  account_id: string;
  name: string;
  description: string | null;
  member_count: number;
  created_at: string;
  updated_at: string;
}

export interface GroupMember {
  user_id: string;
  email: string;
  added_at: string;
}

export interface Macro {
  id: number;
  name: string;
  description: string | null;
  sql_query?: string;
  parameters: string[];
  created_at?: string;
  updated_at?: string;
}

export interface MacroTestResult {
  success?: boolean;
  result: unknown;
  execution_time: number;
  rows_affected?: number;
}

export type InvitationStatus = 'pending' | 'accepted' | 'expired' | 'cancelled';

export interface Invitation {
  id: string;
  account_id: string;
  account_name: string;
  email: string;
  role_id: number | null;
  role_name: string | null;
  groups: string[];
  status: InvitationStatus | string;
  expires_at: string;
  accepted_at: string | null;
  created_at: string;
  email_sent: boolean;
  email_sent_at: string | null;
  /** Only for the superadmin, when no SMTP server is configured. */
  accept_url?: string | null;
}

export interface PublicInvitation {
  email: string;
  account_name: string;
  status: string;
  expires_at: string;
}

export interface EmailTemplate {
  key: string;
  subject: string;
  body: string;
  placeholders: string[];
  customized: boolean;
}

export type WebhookEvent = 'create' | 'update' | 'delete';

export interface Webhook {
  id: string;
  account_id: string;
  url: string;
  collection: string;
  events: WebhookEvent[];
  filter: string | null;
  enabled: boolean;
  headers: Record<string, string>;
  created_at: string;
  updated_at: string;
  /** Only in the response of the create call: never shown again. */
  secret?: string;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookDelivery {
  id: string;
  webhook_id: string;
  event: string;
  payload: Json;
  status: DeliveryStatus | string;
  /** Attempts made so far. */
  attempt_number: number;
  /** The receiver's HTTP status at the last attempt; null when it was not reached. */
  response_status: number | null;
  /** Always null: the server keeps no answers. */
  response_body: string | null;
  /** Why the last attempt failed. */
  error: string | null;
  /** When the next attempt is due; null unless pending. */
  next_retry_at: string | null;
  created_at: string;
  delivered_at: string | null;
}

export interface WebhookList {
  items: Webhook[];
  total: number;
}

export interface WebhookDeliveryPage {
  items: WebhookDelivery[];
  /** Every delivery of the webhook, on all pages. */
  total: number;
}

/** How a test delivery, made at once, went. */
export interface WebhookTestResult {
  success: boolean;
  /** The receiver's HTTP status; null when it was not reached. */
  status_code: number | null;
  error: string | null;
  delivery_id: string;
}

/** One API request, as the request log kept it. */
export interface RequestLog {
  id: string;
  created_at: string;
  method: string;
  /** Path and query string; secret-looking query values read `[redacted]`. */
  path: string;
  status: number;
  duration_ms: number;
  ip: string | null;
  user_agent: string | null;
  account_id: string | null;
  user_id: string | null;
  /** Who acted as `user_id` (an impersonation session). */
  impersonator_id?: string | null;
  correlation_id: string;
  error: string | null;
}

export interface LogStats {
  since: string;
  total: number;
  by_class: Record<string, number>;
  dropped: number;
}

export interface LogSettings {
  enabled: boolean;
  retention_days: number;
  default_retention_days: number;
  overridden: boolean;
}

// --- email log and template tools -------------------------------------------

export type EmailStatus = 'sent' | 'failed';

/** One message the server sent (or failed to send). */
export interface EmailLog {
  id: string;
  account_id: string | null;
  template_type: string;
  recipient_email: string;
  subject: string;
  status: EmailStatus | string;
  provider: string;
  error_message: string | null;
  /** The template's variables; tokens and links read `[redacted]`. */
  variables: Record<string, Json>;
  sent_at: string;
}

export interface EmailLogList {
  logs: EmailLog[];
  total: number;
  page: number;
  page_size: number;
}

export interface RenderedEmail {
  subject: string;
  html_body: string;
  text_body: string;
}

export interface TestEmailResult {
  status: EmailStatus | string;
  message: string;
  template_type: string;
  locale: string;
}

// --- collection rules, aggregation, migrations -------------------------------

/** A collection's rules in the SDK's shape: `null` locked, `""` everyone, else a rule for signed-in users. */
export interface CollectionRules {
  list_rule: string | null;
  view_rule: string | null;
  create_rule: string | null;
  update_rule: string | null;
  delete_rule: string | null;
  list_fields: PermissionFields;
  view_fields: PermissionFields;
  create_fields: PermissionFields;
  update_fields: PermissionFields;
}

export type CollectionRulesUpdate = Partial<CollectionRules>;

export interface AggregateResponse {
  results: Record<string, Json>[];
  total_groups: number;
}

export interface MigrationRevision {
  revision: string;
  description: string;
  isApplied: boolean;
  isDynamic: boolean;
}

export interface MigrationList {
  revisions: MigrationRevision[];
  total: number;
  currentRevision: string | null;
}

export interface MigrationHistoryItem {
  revision: string;
  description: string;
  isDynamic: boolean;
  createdAt: string;
}

/** `POST /files/token`: opens downloads (`?token=`) for `expires_in` seconds. */
export interface FileToken {
  token: string;
  expires_in: number;
}

export interface MigrationHistory {
  history: MigrationHistoryItem[];
  total: number;
}

// --- API keys ----------------------------------------------------------------

/** A key of an account (`/admin/api-keys`). */
export interface ApiKey {
  id: string;
  name: string;
  /** Masked (`sb_ak.<16>.••••`), except in the reply of the create call: the plaintext, shown once. */
  key: string;
  /** `sb_ak.<16 chars>`: what identifies the key in lists and logs. */
  prefix: string;
  account_id: string;
  role: string;
  /** The user who created it; the key acts on their behalf. */
  created_by: string;
  created_by_email: string | null;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
  /** Neither revoked nor expired. */
  is_active: boolean;
  /** The collections the key may reach; null: every collection. */
  collections?: string[] | null;
  created_at: string;
  updated_at: string;
}

export interface ApiKeyList {
  items: ApiKey[];
  total: number;
}
