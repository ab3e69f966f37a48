// A control server for local OpenID Connect providers (oauth2-mock-server),
// used by SnackBase's integration tests, SDK suite and browser journeys.
//
//   node tools/oidc-mock/control.mjs [port]
// prints one JSON line {"control": "http://127.0.0.1:PORT"} once it listens.
//
// POST /providers {user?}           -> {id, issuer}: a new provider on its own port
// PUT  /providers/:id/user {sub, email, email_verified, name}
//                                   -> the identity its next ID tokens carry
// PUT  /providers/:id/tamper {nonce?, iss?, aud?, exp_offset?, token_error?}
//                                   -> bends its next token responses (null clears a field)
// POST /providers/:id/rotate        -> restarts it on the same port and issuer with a new
//                                      signing key (the old key leaves its JWKS)
// GET  /providers/:id/stats         -> {token_requests, authorize_requests}
// POST /github {user, emails, client_secret?} -> {id, base_url}: a GitHub stand-in
//      (no real GitHub runs locally): /login/oauth/authorize approves at once,
//      /login/oauth/access_token checks the client secret, the code (single use)
//      and the PKCE S256 verifier and, like GitHub, answers a refusal with 200
//      and an `error` field; /user and /user/emails need the access token.
// It listens on 127.0.0.1 only and exits when its standard input closes.
import crypto from 'node:crypto';
import http from 'node:http';
import { OAuth2Server } from 'oauth2-mock-server';

const providers = new Map();
let nextKid = 1;

async function startServer(entry, port) {
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256', { kid: `key-${nextKid++}` });
  await server.start(port, '127.0.0.1');
  server.issuer.url = entry.issuer ?? `http://127.0.0.1:${server.address().port}`;
  const service = server.service;
  service.on('beforeAuthorizeRedirect', () => {
    entry.stats.authorize_requests += 1;
  });
  service.on('beforeTokenSigning', (token) => {
    const p = token.payload;
    p.sub = entry.user.sub;
    if (entry.user.email !== undefined) p.email = entry.user.email;
    if (entry.user.email_verified !== undefined) p.email_verified = entry.user.email_verified;
    if (entry.user.name !== undefined) p.name = entry.user.name;
    const t = entry.tamper;
    if (t.nonce !== undefined && 'nonce' in p) p.nonce = t.nonce;
    if (t.iss !== undefined) p.iss = t.iss;
    if (t.aud !== undefined && typeof p.aud === 'string') p.aud = t.aud;
    if (t.exp_offset !== undefined) p.exp = Math.floor(Date.now() / 1000) + t.exp_offset;
  });
  service.on('beforeResponse', (response) => {
    entry.stats.token_requests += 1;
    if (entry.tamper.token_error) {
      response.statusCode = 400;
      response.body = { error: entry.tamper.token_error, error_description: 'refused by the test' };
    }
  });
  service.on('beforeUserinfo', (response) => {
    response.body = { ...entry.user };
  });
  return server;
}

async function createProvider(body) {
  const entry = {
    user: { sub: 'user-1', email: 'oidc.user@example.com', email_verified: true, ...(body.user ?? {}) },
    tamper: {},
    stats: { token_requests: 0, authorize_requests: 0 },
  };
  entry.server = await startServer(entry, 0);
  entry.port = entry.server.address().port;
  entry.issuer = entry.server.issuer.url;
  providers.set(String(entry.port), entry);
  return { id: String(entry.port), issuer: entry.issuer };
}

const githubs = new Map();

function readBody(req) {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (c) => { data += c; });
    req.on('end', () => resolve(data));
  });
}

async function createGithub(body) {
  const gh = {
    user: body.user ?? { id: 4242, login: 'octo' },
    emails: body.emails ?? [{ email: 'octo@example.com', primary: true, verified: true }],
    secret: body.client_secret ?? 'test-secret',
    codes: new Map(),
    tokens: new Set(),
    stats: { token_requests: 0, authorize_requests: 0 },
  };
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const json = (status, value) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') {
      gh.stats.authorize_requests += 1;
      const code = crypto.randomUUID();
      gh.codes.set(code, {
        challenge: url.searchParams.get('code_challenge'),
        method: url.searchParams.get('code_challenge_method'),
        redirect_uri: url.searchParams.get('redirect_uri'),
      });
      const back = new URL(url.searchParams.get('redirect_uri'));
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.toString() });
      return res.end();
    }
    if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
      gh.stats.token_requests += 1;
      const form = new URLSearchParams(await readBody(req));
      let secret = form.get('client_secret');
      const basic = req.headers.authorization?.match(/^Basic (.+)$/);
      if (basic) secret = decodeURIComponent(Buffer.from(basic[1], 'base64').toString().split(':')[1] ?? '');
      const grant = gh.codes.get(form.get('code'));
      gh.codes.delete(form.get('code'));
      const verifier = form.get('code_verifier') ?? '';
      const derived = crypto.createHash('sha256').update(verifier).digest('base64url');
      if (secret !== gh.secret) return json(200, { error: 'incorrect_client_credentials' });
      if (!grant || grant.method !== 'S256' || grant.challenge !== derived || grant.redirect_uri !== form.get('redirect_uri')) {
        return json(200, { error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' });
      }
      const token = `gho_${crypto.randomUUID().replaceAll('-', '')}`;
      gh.tokens.add(token);
      return json(200, { access_token: token, token_type: 'bearer', scope: 'read:user,user:email' });
    }
    const bearer = req.headers.authorization?.replace(/^(Bearer|token) /, '');
    if (!gh.tokens.has(bearer)) return json(401, { message: 'Bad credentials' });
    if (req.method === 'GET' && url.pathname === '/user') return json(200, gh.user);
    if (req.method === 'GET' && url.pathname === '/user/emails') return json(200, gh.emails);
    return json(404, { message: 'Not Found' });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const id = String(server.address().port);
  gh.server = server;
  githubs.set(id, gh);
  return { id, base_url: `http://127.0.0.1:${id}` };
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (c) => { data += c; });
    req.on('end', () => {
      try { resolve(data ? JSON.parse(data) : {}); } catch (e) { reject(e); }
    });
  });
}

const control = http.createServer(async (req, res) => {
  const send = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  try {
    const parts = new URL(req.url, 'http://x').pathname.split('/').filter(Boolean);
    const body = req.method === 'GET' ? {} : await readJson(req);
    if (parts[0] === 'github' && parts.length === 1 && req.method === 'POST') return send(201, await createGithub(body));
    if (parts[0] === 'github' && parts[2] === 'stats') return send(200, githubs.get(parts[1])?.stats ?? {});
    if (parts[0] === 'github' && parts[2] === 'user' && req.method === 'PUT') {
      const gh = githubs.get(parts[1]);
      gh.user = body.user ?? gh.user;
      gh.emails = body.emails ?? gh.emails;
      return send(200, {});
    }
    if (parts[0] !== 'providers') return send(404, { error: 'not found' });
    if (parts.length === 1 && req.method === 'POST') return send(201, await createProvider(body));
    const entry = providers.get(parts[1]);
    if (!entry) return send(404, { error: 'no such provider' });
    switch (`${req.method} ${parts[2]}`) {
      case 'PUT user':
        entry.user = { ...body };
        return send(200, entry.user);
      case 'PUT tamper':
        for (const [k, v] of Object.entries(body)) {
          if (v === null) delete entry.tamper[k]; else entry.tamper[k] = v;
        }
        return send(200, entry.tamper);
      case 'POST rotate':
        await entry.server.stop();
        entry.server = await startServer(entry, entry.port);
        return send(200, { issuer: entry.issuer });
      case 'GET stats':
        return send(200, entry.stats);
      default:
        return send(404, { error: 'not found' });
    }
  } catch (e) {
    send(500, { error: String(e && e.stack || e) });
  }
});

control.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ control: `http://127.0.0.1:${control.address().port}` })}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
