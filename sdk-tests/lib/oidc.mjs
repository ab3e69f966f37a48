// A real local OpenID Connect provider for the SDK suite and the browser
// journeys: tools/oidc-mock/control.mjs (npm oauth2-mock-server, which
// enforces PKCE) as a child process, with its control API wrapped.
// Needs `npm ci` in tools/oidc-mock (scripts/sdk-ci.sh and scripts/ui-ci.sh do it).

import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const CONTROL = path.resolve(here, '..', '..', 'tools', 'oidc-mock', 'control.mjs');

/** Starts the control process; `stop()` ends it by closing its input. */
export async function startOidcMock() {
  const child = spawn(process.execPath, [CONTROL, '0'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const control = await new Promise((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`the OIDC mock exited (${code})`)));
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve(JSON.parse(line).control);
    });
  });
  const call = async (method, p, body) => {
    const res = await fetch(`${control}${p}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`OIDC mock ${method} ${p}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  return {
    /** A new provider whose users are `user` ({sub, email, email_verified}); {id, issuer}. */
    provider: (user) => call('POST', '/providers', { user }),
    setUser: (p, user) => call('PUT', `/providers/${p.id}/user`, user),
    tamper: (p, how) => call('PUT', `/providers/${p.id}/tamper`, how),
    stats: (p) => call('GET', `/providers/${p.id}/stats`),
    async stop() {
      child.stdin.end();
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
    },
  };
}

/**
 * Follows an authorization URL as a browser would (the mock approves at
 * once) and returns the `code` and `state` it redirects back with.
 */
export async function approve(authorizationUrl) {
  const res = await fetch(authorizationUrl, { redirect: 'manual' });
  if (res.status !== 302) throw new Error(`the provider answered ${res.status}`);
  const back = new URL(res.headers.get('location'));
  return { code: back.searchParams.get('code'), state: back.searchParams.get('state'), url: back };
}
