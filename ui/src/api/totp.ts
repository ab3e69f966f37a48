// TOTP as a second factor: the signed-in user's enrolment (or an admin's at
// login, with the login's mfa_token instead of a session), and an
// administrator's reset of a user's.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api';
import type { TotpConfirmed, TotpSetup, TotpStatus } from '@/lib/types';

const KEY = ['auth', 'totp'];

export function useTotpStatus() {
  return useQuery({
    queryKey: KEY,
    queryFn: ({ signal }) => api.get<TotpStatus>('/auth/totp', { signal }),
  });
}

function useInvalidateTotp() {
  const qc = useQueryClient();
  return () => void qc.invalidateQueries({ queryKey: KEY });
}

/** A new seed to scan; with `mfaToken`, for an admin enrolling at login. */
export function setupTotp(mfaToken?: string): Promise<TotpSetup> {
  return mfaToken
    ? api.post<TotpSetup>('/auth/totp/setup', { mfa_token: mfaToken }, { auth: false })
    : api.post<TotpSetup>('/auth/totp/setup', {});
}

/** Confirms the enrolment with a code; returns the recovery codes (and a session at login). */
export function confirmTotp(code: string, mfaToken?: string): Promise<TotpConfirmed> {
  return mfaToken
    ? api.post<TotpConfirmed>('/auth/totp/confirm', { code, mfa_token: mfaToken }, { auth: false })
    : api.post<TotpConfirmed>('/auth/totp/confirm', { code });
}

export function useSetupTotp() {
  const invalidate = useInvalidateTotp();
  return useMutation({ mutationFn: () => setupTotp(), onSuccess: invalidate });
}

export function useConfirmTotp() {
  const invalidate = useInvalidateTotp();
  return useMutation({ mutationFn: (code: string) => confirmTotp(code), onSuccess: invalidate });
}

export function useDisableTotp() {
  const invalidate = useInvalidateTotp();
  return useMutation({
    mutationFn: (password: string) => api.post<TotpStatus>('/auth/totp/disable', { password }),
    onSuccess: invalidate,
  });
}

export function useRenewRecoveryCodes() {
  const invalidate = useInvalidateTotp();
  return useMutation({
    mutationFn: (code: string) => api.post<{ recovery_codes: string[] }>('/auth/totp/recovery-codes', { code }),
    onSuccess: invalidate,
  });
}

/** An administrator turns a user's TOTP off (a lost authenticator). */
export function useResetUserTotp() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (userId: string) => api.del<void>(`/users/${encodeURIComponent(userId)}/totp`),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['users'] }),
  });
}
