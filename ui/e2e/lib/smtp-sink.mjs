// A tiny SMTP server on 127.0.0.1 for the email journeys: it accepts every
// message and keeps its DATA, except that it refuses (550) any recipient whose
// address starts with "reject", so a failed send can be produced on demand.

import net from 'node:net';

export async function startSmtpSink() {
  const messages = [];
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
        if (verb === 'EHLO') socket.write('250-sink\r\n250 8BITMIME\r\n');
        else if (verb === 'RCPT' && /<reject/i.test(line)) socket.write('550 5.1.1 Mailbox refused by the e2e sink\r\n');
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
    env() {
      return {
        SNACKBASE_SMTP_HOST: '127.0.0.1',
        SNACKBASE_SMTP_PORT: String(srv.address().port),
        SNACKBASE_SMTP_SECURITY: 'none',
        SNACKBASE_SMTP_FROM: 'SnackBase <noreply@example.com>',
      };
    },
    close: () => new Promise((r) => srv.close(r)),
  };
}
