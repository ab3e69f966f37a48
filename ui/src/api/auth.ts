// The public email flows: forgot password, reset with a link, verify an
// address. None of them needs a session.

import { useMutation, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api';
import { once } from '@/lib/auth-flows';
import type { MessageResponse, ResetTokenCheck, VerifyEmailResponse } from '@/lib/types';

export function useForgotPassword() {
  return useMutation({
    mutationFn: (body: { account: string; email: string }) =>
      api.post<MessageResponse>('/auth/forgot-password', body, { auth: false }),
  });
}

export function useResetTokenCheck(token: string) {
  return useQuery({
    queryKey: ['auth', 'reset-token', token],
    queryFn: ({ signal }) =>
      api.get<ResetTokenCheck>(`/auth/verify-reset-token/${encodeURIComponent(token)}`, { auth: false, signal }),
    enabled: Boolean(token),
    retry: false,
    // The check must not be repeated after the reset has used the token.
    staleTime: Infinity,
  });
}

export function useResetPasswordWithToken() {
  return useMutation({
    mutationFn: (body: { token: string; new_password: string }) =>
      api.post<MessageResponse>('/auth/reset-password', body, { auth: false }),
  });
}

/** Verifies an address; the token is single-use, so a second call gets the first one's answer. */
export function verifyEmail(token: string): Promise<VerifyEmailResponse> {
  return once(`verify-email:${token}`, () => api.post<VerifyEmailResponse>('/auth/verify-email', { token }, { auth: false }));
}

/** Asks for a fresh verification link (the login page, after "Email not verified"). */
export function useSendVerification() {
  return useMutation({
    mutationFn: (body: { account: string; email: string }) =>
      api.post<MessageResponse>('/auth/send-verification', body, { auth: false }),
  });
}
