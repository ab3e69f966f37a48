// A tiny SMTP server on 127.0.0.1 that accepts every message, for tests that
// read what the server mails, and a reader for the plain-text messages it
// keeps (headers, transfer encodings, links).

import net from 'node:net';

/**
 * Starts the sink. `messages` holds each message's DATA as sent (dot-stuffing
 * undone); `mails` the same with its envelope recipients: `{rcpt: [addr], raw}`.
 */
export async function startSmtpSink() {
  const messages = [];
  const mails = [];
  const srv = net.createServer((socket) => {
    let buffer = '';
    let data = null;
    let rcpt = [];
    socket.write('220 sink ESMTP\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let i;
      while ((i = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (data !== null) {
          if (line === '.') {
            const raw = data.join('\r\n');
            messages.push(raw);
            mails.push({ rcpt, raw });
            data = null;
            rcpt = [];
            socket.write('250 OK queued\r\n');
          } else {
            data.push(line.startsWith('..') ? line.slice(1) : line);
          }
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') socket.write('250-sink\r\n250 8BITMIME\r\n');
        else if (verb === 'RCPT') {
          const m = line.match(/<([^>]*)>/);
          if (m) rcpt.push(m[1].toLowerCase());
          socket.write('250 OK\r\n');
        } else if (verb === 'DATA') {
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
    mails,
    /** The server environment that sends mail here. */
    env: () => ({
      SNACKBASE_SMTP_HOST: '127.0.0.1',
      SNACKBASE_SMTP_PORT: String(srv.address().port),
      SNACKBASE_SMTP_SECURITY: 'none',
      SNACKBASE_SMTP_FROM: 'SnackBase <noreply@example.com>',
    }),
    close: () => new Promise((r) => srv.close(r)),
  };
}

function decodeQuotedPrintable(text) {
  const s = text.replace(/=\r?\n/g, '');
  const bytes = [];
  for (let i = 0; i < s.length; i++) {
    const hex = s.slice(i + 1, i + 3);
    if (s[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(s[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`) in a header. */
function decodeWords(value) {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?[^?]+\?([bBqQ])\?([^?]*)\?=/g, (_, enc, text) =>
      enc.toLowerCase() === 'b'
        ? Buffer.from(text, 'base64').toString('utf8')
        : decodeQuotedPrintable(text.replace(/_/g, ' ')),
    );
}

/** A single-part message: `{headers (lower-case names), to, subject, text}` with the body decoded. */
export function parseMail(raw) {
  const sep = raw.indexOf('\r\n\r\n');
  const head = (sep < 0 ? raw : raw.slice(0, sep)).replace(/\r\n[ \t]+/g, ' ');
  let text = sep < 0 ? '' : raw.slice(sep + 4);
  const headers = {};
  for (const line of head.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const encoding = (headers['content-transfer-encoding'] ?? '').toLowerCase();
  if (encoding === 'base64') text = Buffer.from(text.replace(/\s+/g, ''), 'base64').toString('utf8');
  else if (encoding === 'quoted-printable') text = decodeQuotedPrintable(text);
  return { headers, to: decodeWords(headers.to ?? ''), subject: decodeWords(headers.subject ?? ''), text, raw };
}

/**
 * Waits for a message to `to` (envelope recipient) among those received from
 * index `since` on, whose decoded text matches `match` (optional); returns it
 * parsed. Throws after `timeout` ms.
 */
export async function waitForMail(sink, { to, since = 0, match, timeout = 5000 }) {
  const deadline = Date.now() + timeout;
  for (;;) {
    for (const mail of sink.mails.slice(since)) {
      if (!mail.rcpt.includes(to.toLowerCase())) continue;
      const parsed = parseMail(mail.raw);
      if (!match || match.test(parsed.text)) return parsed;
    }
    if (Date.now() > deadline) {
      const seen = sink.mails.slice(since).map((m) => m.rcpt.join(','));
      throw new Error(`no mail to ${to} matching ${match} within ${timeout} ms (got mail to: ${seen.join('; ') || 'nobody'})`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The messages to `to` received from index `since` on. */
export function mailsTo(sink, to, since = 0) {
  return sink.mails.slice(since).filter((m) => m.rcpt.includes(to.toLowerCase()));
}
