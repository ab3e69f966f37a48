// Starts a real SnackBase server process for tests: the release binary on a
// free 127.0.0.1 port, run in a fresh temporary directory (its data lands in
// ./sb_data there), with the superadmin created from
// SNACKBASE_SUPERADMIN_EMAIL/PASSWORD (or, with `superadmin: false`, the
// first-run setup link read from its output). `stop()` ends the process by
// its PID and removes the directory.
//
// No npm dependencies: the admin UI's browser journeys (ui/e2e/lib/harness.mjs)
// start their server with this module too.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const ROOT_EMAIL = 'root@example.com';
export const PASSWORD = 'Correct-Horse-42!';

/** `$SNACKBASE_BIN`, else `$CARGO_TARGET_DIR/release/snackbase` (target dir default `~/.cache/snackbase/target`). */
export function defaultBinary() {
  if (process.env.SNACKBASE_BIN) return path.resolve(process.env.SNACKBASE_BIN);
  const target = process.env.CARGO_TARGET_DIR || path.join(os.homedir(), '.cache', 'snackbase', 'target');
  return path.resolve(target, 'release', 'snackbase');
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Servers still running when the test process exits (a test that threw in
// `before`, an unhandled rejection) are killed by PID rather than orphaned.
const running = new Set();
process.once('exit', () => {
  for (const pid of running) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/**
 * Starts the server and waits until `/health` answers (and, without a
 * superadmin, until the setup link is printed).
 *
 * @param {object} [options]
 * @param {string} [options.bin] the server binary (default: `defaultBinary()`)
 * @param {boolean} [options.superadmin] create root@example.com from the environment (default true)
 * @param {Record<string, string>} [options.env] extra SNACKBASE_* variables
 * @param {string[]} [options.args] extra arguments after `serve`
 */
export async function startServer({ bin = defaultBinary(), superadmin = true, env = {}, args = [] } = {}) {
  if (!fs.existsSync(bin)) throw new Error(`SnackBase binary not found at ${bin} (set SNACKBASE_BIN)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-test-'));
  // Port 0: the server binds a port the kernel picks and logs it, so two
  // servers started at once can never race for the same port.
  const child = spawn(bin, ['serve', ...args], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      SNACKBASE_HOST: '127.0.0.1',
      SNACKBASE_PORT: '0',
      SNACKBASE_LOG_FORMAT: 'console',
      SNACKBASE_LOG_LEVEL: 'WARNING',
      // Warnings only, but for the one line that tells the bound address.
      RUST_LOG: 'warn,snackbase::cli=info',
      NO_COLOR: '1',
      // Limits on, as in production, but far above what tests send from one address.
      SNACKBASE_RATE_LIMIT_ENABLED: 'true',
      SNACKBASE_RATE_LIMIT_PER_MINUTE: '100000',
      SNACKBASE_RATE_LIMIT_PER_HOUR: '1000000',
      SNACKBASE_AUTH_RATE_LIMIT_PER_MINUTE: '100000',
      SNACKBASE_LOGIN_RATE_LIMIT_PER_MINUTE: '100000',
      ...(superadmin ? { SNACKBASE_SUPERADMIN_EMAIL: ROOT_EMAIL, SNACKBASE_SUPERADMIN_PASSWORD: PASSWORD } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child.pid);
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child.pid);
      resolve({ code, signal });
    }),
  );

  const deadline = Date.now() + 30_000;
  let setupUrl = null;
  let port = null;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early (${child.exitCode}):\n${stderr}\n${stdout}`);
    const m = stderr.match(/(https?:\/\/\S+\/admin\/setup\?token=[0-9a-f]+)/);
    if (m) setupUrl = m[1];
    port ??= Number(stdout.match(/SnackBase is listening.*?127\.0\.0\.1:(\d+)/)?.[1]) || null;
    if (port) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/health`);
        if (res.ok && (superadmin || setupUrl)) break;
      } catch {
        // not answering yet
      }
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start within 30 s:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const token = setupUrl ? new URL(setupUrl).searchParams.get('token') : null;
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    port,
    dir,
    pid: child.pid,
    setupUrl,
    token,
    logs: () => stderr + stdout,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGTERM');
      const timer = setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
      }, 5000);
      await exited;
      clearTimeout(timer);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
