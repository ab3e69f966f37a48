// emailTemplates.render/sendTest/listLogs/getLog, with a tiny SMTP sink on
// 127.0.0.1 that accepts every message.

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { AuthorizationError, NotFoundError, ValidationError } from '@snackbase/sdk';

import { registerAccount, rejectsWith, rootClient } from './lib/sdk.mjs';
import { startServer } from './lib/server.mjs';

/** An SMTP server that answers 250 to everything and keeps each message's DATA. */
async function startSmtpSink() {
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
  return { port: srv.address().port, messages, close: () => new Promise((r) => srv.close(r)) };
}

describe('email templates: render, test sends, logs', () => {
  let server;
  let root;
  let smtp;
  before(async () => {
    smtp = await startSmtpSink();
    server = await startServer({
      env: {
        SNACKBASE_SMTP_HOST: '127.0.0.1',
        SNACKBASE_SMTP_PORT: String(smtp.port),
        SNACKBASE_SMTP_SECURITY: 'none',
        SNACKBASE_SMTP_FROM: 'SnackBase <noreply@example.com>',
      },
    });
    root = await rootClient(server);
  });
  after(async () => {
    await server?.stop();
    await smtp?.close();
  });

  test('render fills the variables', async () => {
    const r = await root.emailTemplates.render({
      template_type: 'invitation',
      locale: 'en',
      variables: { account_name: 'Acme', accept_url: 'https://example.com/a' },
    });
    assert.equal(r.subject, 'You are invited to Acme');
    assert.ok(r.text_body.includes('https://example.com/a'));
    assert.equal(typeof r.html_body, 'string');
    const custom = await root.emailTemplates.render({
      template_type: 'invitation', locale: 'en', variables: { n: '<b>' }, subject: 'Hi {{n}}', html_body: '<p>{{n}}</p>',
    });
    assert.equal(custom.subject, 'Hi <b>');
    assert.equal(custom.html_body, '<p>&lt;b&gt;</p>');
    await rejectsWith(root.emailTemplates.render({ template_type: 'nope', locale: 'en', variables: {} }), ValidationError);
  });

  test('sendTest goes through SMTP and is logged', async () => {
    const reply = await root.emailTemplates.sendTest('invitation', 'dest@example.com', { account_name: 'Acme', token: 'abc' });
    assert.equal(reply.status, 'sent');
    assert.equal(reply.template_type, 'invitation');
    assert.equal(reply.locale, 'en');
    assert.ok(smtp.messages.some((m) => m.includes('You are invited to Acme')));

    const logs = await root.emailTemplates.listLogs({ status_filter: 'sent', template_type: 'invitation' });
    assert.equal(logs.page, 1);
    assert.ok(logs.total >= 1);
    const entry = logs.logs.find((l) => l.recipient_email === 'dest@example.com');
    assert.ok(entry);
    assert.equal(entry.status, 'sent');
    assert.equal(entry.provider, 'smtp');
    assert.equal(entry.variables.token, '[redacted]');
    const one = await root.emailTemplates.getLog(entry.id);
    assert.equal(one.id, entry.id);
    assert.equal((await root.emailTemplates.listLogs({ status_filter: 'failed' })).total, 0);
    await rejectsWith(root.emailTemplates.getLog('no-such-log'), NotFoundError);
    await rejectsWith(root.emailTemplates.sendTest('invitation', 'not an address'), ValidationError);
  });

  test('an account admin is refused', async () => {
    const { client } = await registerAccount(server, 'mail');
    await rejectsWith(client.emailTemplates.listLogs({}), AuthorizationError, { status: 403 });
    await rejectsWith(
      client.emailTemplates.render({ template_type: 'invitation', locale: 'en', variables: {} }),
      AuthorizationError,
    );
  });
});
