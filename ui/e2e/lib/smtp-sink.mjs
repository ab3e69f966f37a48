// A tiny SMTP server on 127.0.0.1 for the email journeys: it accepts every
// message and keeps its DATA, except that it refuses (550) any recipient whose
// address starts with "reject", so a failed send can be produced on demand.
// With `{ auth: true }` it also offers AUTH PLAIN, keeps each login in
// `logins` and accepts it (235), or refuses it (535) when `password` is given
// and differs. Nothing here sets the server's SNACKBASE_SMTP_* variables:
// pass `env()` to the server for that, or configure the sink in the UI.

import net from 'node:net';

/**
 * The text of a stored message: headers unfolded, then the body decoded from
 * quoted-printable or base64 when its Content-Transfer-Encoding says so.
 */
export function messageText(raw) {
  const split = raw.indexOf('\r\n\r\n');
  const head = split >= 0 ? raw.slice(0, split) : raw;
  let body = split >= 0 ? raw.slice(split + 4) : '';
  const encoding = /^content-transfer-encoding:\s*(\S+)/im.exec(head)?.[1]?.toLowerCase();
  if (encoding === 'quoted-printable') {
    const bytes = Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h) => String.fromCharCode(parseInt(h, 16))), 'latin1');
    body = bytes.toString('utf8');
  } else if (encoding === 'base64') {
    body = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  }
  return `${head.replace(/\r\n[ \t]+/g, ' ')}\r\n\r\n${body}`;
}

export async function startSmtpSink({ auth = false, password = null } = {}) {
  const messages = [];
  /** `{ username, password }` of each AUTH PLAIN seen (auth: true). */
  const logins = [];
  const srv = net.createServer((socket) => {
    let buffer = '';
    let data = null;
    socket.write('220 sink ESMTP\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let i;
      while ((i = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (data !== null) {
          if (line === '.') {
            messages.push(data.join('\r\n'));
            data = null;
            socket.write('250 OK queued\r\n');
          } else {
            data.push(line.startsWith('..') ? line.slice(1) : line);
          }
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') socket.write(auth ? '250-sink\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n' : '250-sink\r\n250 8BITMIME\r\n');
        else if (verb === 'AUTH' && auth) {
          // AUTH PLAIN <base64 of "authzid\0user\0password">
          const [, user = '', pass = ''] = Buffer.from(line.split(' ')[2] ?? '', 'base64').toString('utf8').split('\0');
          logins.push({ username: user, password: pass });
          socket.write(password === null || pass === password ? '235 2.7.0 Authentication successful\r\n' : '535 5.7.8 Authentication failed\r\n');
        } else if (verb === 'RCPT' && /<reject/i.test(line)) socket.write('550 5.1.1 Mailbox refused by the e2e sink\r\n');
        else if (verb === 'DATA') {
          data = [];
          socket.write('354 End data with <CR><LF>.<CR><LF>\r\n');
        } else if (verb === 'QUIT') socket.end('221 Bye\r\n');
        else socket.write('250 OK\r\n');
      }
    });
    socket.on('error', () => {});
  });
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return {
    port: srv.address().port,
    messages,
    logins,
    env() {
      return {
        SNACKBASE_SMTP_HOST: '127.0.0.1',
        SNACKBASE_SMTP_PORT: String(srv.address().port),
        SNACKBASE_SMTP_SECURITY: 'none',
        SNACKBASE_SMTP_FROM: 'SnackBase <noreply@example.com>',
      };
    },
    /**
     * Waits for a message whose decoded text matches `test` (a RegExp or a
     * predicate) among those received from index `since` on; returns its text.
     */
    async waitFor(test, { since = 0, timeout = 10_000 } = {}) {
      const ok = typeof test === 'function' ? test : (t) => test.test(t);
      const deadline = Date.now() + timeout;
      for (;;) {
        const found = messages.slice(since).map(messageText).find(ok);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no message matched ${test} within ${timeout} ms (${messages.length} received)`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    close: () => new Promise((r) => srv.close(r)),
  };
}
