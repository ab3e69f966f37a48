// End-to-end harness: starts the real SnackBase binary on a fresh data
// directory and a free port, drives Debian's Chromium with playwright-core,
// and saves screenshots under <repo>/target/ui-screenshots/.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

import { PASSWORD, ROOT_EMAIL, startServer as startSnackBase } from '../../../sdk-tests/lib/server.mjs';

export { PASSWORD, ROOT_EMAIL };

const here = path.dirname(fileURLToPath(import.meta.url));
export const UI_DIR = path.resolve(here, '..', '..');
export const REPO = path.resolve(UI_DIR, '..');
export const SCREENSHOTS = path.join(REPO, 'target', 'ui-screenshots');
export const BIN = process.env.SNACKBASE_BIN || path.join(REPO, 'target', 'release', 'snackbase');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/**
 * Starts the server (see sdk-tests/lib/server.mjs, shared with the SDK suite).
 * With `superadmin: true` it is created from the environment; otherwise the
 * test completes first-run setup with `setupUrl`.
 */
export async function startServer({ superadmin = true, env = {} } = {}) {
  const args = process.env.E2E_UI_DIR ? ['--ui-dir', path.resolve(process.env.E2E_UI_DIR)] : [];
  return startSnackBase({ bin: BIN, superadmin, env, args });
}

/** A Chromium with its own fresh profile; close() removes the profile. */
export async function launchBrowser({ width = 1280, height = 800, colorScheme = 'light' } = {}) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
    viewport: { width, height },
    colorScheme,
    acceptDownloads: true,
  });
  context.setDefaultTimeout(10_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  return {
    context,
    page,
    problems,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page, name, { fullPage = false } = {}) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  return file;
}

/** A tiny API client for preparing data the journey is not about. */
export function apiClient(base) {
  let token = null;
  const call = async (method, p, body, headers = {}) => {
    const res = await fetch(`${base}/api/v1${p}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    const json = text ? JSON.parse(text) : undefined;
    if (!res.ok) throw new Error(`${method} ${p} → ${res.status}: ${text}`);
    return json;
  };
  return {
    async login(account = 'system', email = ROOT_EMAIL, password = PASSWORD) {
      const res = await call('POST', '/auth/login', { account, email, password });
      token = res.token;
      return res;
    },
    get: (p, h) => call('GET', p, undefined, h),
    post: (p, b, h) => call('POST', p, b, h),
    put: (p, b, h) => call('PUT', p, b, h),
    patch: (p, b, h) => call('PATCH', p, b, h),
    del: (p, b, h) => call('DELETE', p, b, h),
  };
}

/** Signs in through the login form. */
export async function uiLogin(page, base, { account = 'system', email = ROOT_EMAIL, password = PASSWORD } = {}) {
  await page.goto(`${base}/admin/login`);
  await page.locator('#account').fill(account);
  await page.locator('#email').fill(email);
  await page.locator('#password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.endsWith('/login'));
}

/** The page must not scroll sideways (tables may scroll inside their box). */
export async function horizontalOverflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

export async function toast(page, text) {
  try {
    await page.locator('[data-toast]').filter({ hasText: text }).first().waitFor();
  } catch (e) {
    await screenshot(page, `failed-toast-${text.replace(/[^a-z0-9]+/gi, '-').slice(0, 40)}`).catch(() => {});
    throw e;
  }
}

/** Follows a link of the sidebar. */
export async function navTo(page, name) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();
}
