// Shapes of the server's JSON for sign-in, sessions and the second factor
// (re-exported by ./types, where the other shapes are).

export interface AuthAccount {
  id: string;
  slug: string;
  name: string;
  created_at: string;
}

/** Whether the address was confirmed (a verification link, an accepted invitation, a reset, or an admin). */
export interface EmailVerification {
  email_verified: boolean;
  email_verified_at: string | null;
}

export interface AuthUser extends Partial<EmailVerification> {
  id: string;
  email: string;
  role: string;
  is_active: boolean;
  created_at: string;
}

export interface AuthResponse {
  token: string;
  refresh_token: string;
  expires_in: number;
  account: AuthAccount;
  user: AuthUser;
}

/** POST /users/{id}/impersonate: a token acting as the user, without refresh token. */
export interface ImpersonationResponse {
  token: string;
  expires_in: number;
  account: AuthAccount;
  user: AuthUser;
  impersonated_by: { id: string; email: string };
}

export interface TokenPair {
  token: string;
  refresh_token: string;
  expires_in: number;
}

/** The answer of the public email flows (forgot password, reset, send verification). */
export interface MessageResponse {
  message: string;
}

/** An admin's "send the link" answer; `link` only for the superadmin when no SMTP server is configured. */
export interface LinkResponse extends MessageResponse {
  link?: string | null;
}

/** GET /auth/verify-reset-token/{token}. */
export interface ResetTokenCheck {
  valid: boolean;
  expires_at: string | null;
  email: string | null;
}

/** POST /auth/verify-email. */
export interface VerifyEmailResponse extends MessageResponse {
  email: string;
}

export interface Me {
  user_id: string;
  account_id: string;
  email: string;
  role: string;
  /** Whether the server lets this caller impersonate users at all. */
  can_impersonate?: boolean;
}

/** POST /auth/login when a second factor is due: no session yet. */
export interface MfaChallenge {
  mfa_required?: boolean;
  mfa_enrollment_required?: boolean;
  mfa_token: string;
  methods: string[];
  expires_in: number;
}

/** GET /auth/totp */
export interface TotpStatus {
  enabled: boolean;
  pending: boolean;
  confirmed_at: string | null;
  recovery_codes_left: number;
}

/** POST /auth/totp/setup */
export interface TotpSetup {
  secret: string;
  otpauth_uri: string;
}

/** POST /auth/totp/confirm: the recovery codes, with a session when enrolling at login. */
export interface TotpConfirmed extends Partial<AuthResponse> {
  recovery_codes: string[];
}
