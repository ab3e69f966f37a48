import type { ConfigCategory } from '@/api/configuration';

/** What a settings page of one configuration category says and offers. */
export interface ProviderCopy {
  category: ConfigCategory;
  title: string;
  /** The page's description for the superadmin and for an account admin. */
  description: { superadmin: string; admin: string };
  /** Configurations exist only system-wide (no choice of account). */
  systemOnly?: boolean;
  /** The accessible name of the superadmin's account choice. */
  scopeLabel: string;
  empty: { title: string; body: string };
  /** The page's add button and the dialog's submit button. */
  addLabel: string;
  dialogTitle: string;
  dialogDescription: string;
  nameHint: string;
  /** Toasts. */
  added: string;
  saved: string;
  deleted: string;
  deleteMessage: string;
  deleteLabel: string;
  /** Rows can be made the default of the category. */
  defaults?: boolean;
}
