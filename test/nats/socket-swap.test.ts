// NatsConnection.replaceSocket, as the NATS TLS upgrade will use it: the server greets in plain
// text, then both ends start TLS on the same TCP connection and the protocol goes on inside it.
// The test drives the server side by hand (Wharf has no TLS listener yet): it wraps the
// connection's socket in a node:tls server socket with a self-signed certificate made by the
// openssl command, swaps it in, and checks that a payload begun in plain text is completed over
// TLS (parser state kept), that output queued before the swap goes out encrypted (outbound
// buffer kept), and that closing the TLS socket closes the connection.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket, connect as tlsConnect } from 'node:tls';
import type { Broker } from '../../src/index.js';
import type { NatsConnection } from '../../src/nats/connection.js';
import { startTestBroker } from '../support/broker.js';
import { LOOPBACK } from '../support/net.js';

/** Collects what a socket receives and lets a test wait for a text in it. */
class Received {
  text = '';
  private wake: (() => void) | undefined;
  readonly onData = (d: Buffer): void => {
    this.text += d.toString('latin1');
    this.wake?.();
  };
  async waitFor(needle: string, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.text.includes(needle)) {
      const left = deadline - Date.now();
      assert.ok(left > 0, `timed out waiting for ${JSON.stringify(needle)}; received ${JSON.stringify(this.text)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }
}

async function until(what: string, condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    assert.ok(Date.now() < deadline, `timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('NatsConnection.replaceSocket: plain text, then TLS on the same TCP connection', () => {
  let dir: string;
  let key: Buffer;
  let cert: Buffer;
  let broker: Broker;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wharf-tls-'));
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost',
        '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      { stdio: 'ignore' },
    );
    key = readFileSync(join(dir, 'key.pem'));
    cert = readFileSync(join(dir, 'cert.pem'));
    broker = await startTestBroker();
  });

  after(async () => {
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the parser state and the queued output, then talks over TLS and closes with it', async () => {
    const plain: Socket = netConnect({ host: LOOPBACK, port: broker.ports.nats });
    const clear = new Received();
    plain.on('data', clear.onData);
    await clear.waitFor('\r\n');
    assert.match(clear.text, /^INFO \{/);
    const conn: NatsConnection | undefined = [...broker.nats.connections.values()].at(-1);
    assert.ok(conn, 'the server registered the connection');

    const before = 'CONNECT {"verbose":false,"pedantic":false,"protocol":1}\r\nSUB foo 1\r\nPING\r\n';
    plain.write(before);
    await clear.waitFor('PONG\r\n');
    // Half a message in plain text: the server's parser holds it when the socket is swapped.
    const partial = 'PUB foo 5\r\nhe';
    plain.write(partial);
    const sent = before.length + partial.length;
    await until('the server has read the partial PUB', () => conn.socket.bytesRead === sent);
    plain.off('data', clear.onData);
    const clearBefore = clear.text;

    // Output queued in the same event as the swap must go out on the new socket.
    conn.sendInfo();
    const plainSocket = conn.socket;
    conn.replaceSocket(new TLSSocket(plainSocket, { isServer: true, key, cert }));
    assert.notEqual(conn.socket, plainSocket);

    const secure = tlsConnect({ socket: plain, ca: cert, servername: 'localhost' });
    const enc = new Received();
    secure.on('data', enc.onData);
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    secure.write('llo\r\nPING\r\n');
    await enc.waitFor('PONG\r\n');
    assert.match(enc.text, /^INFO \{[^\r]*\}\r\nMSG foo 1 5\r\nhello\r\nPONG\r\n$/, 'the queued INFO, the completed message and the PONG, over TLS');
    assert.equal(clear.text, clearBefore, 'nothing more in plain text after the swap');

    // Still a working connection: publish and receive again inside TLS.
    enc.text = '';
    secure.write('PUB foo 3\r\nabc\r\nPING\r\n');
    await enc.waitFor('PONG\r\n');
    assert.equal(enc.text, 'MSG foo 1 3\r\nabc\r\nPONG\r\n');

    // Closing the TLS socket closes the connection once, as the client closing it.
    secure.end();
    await until('the server dropped the connection', () => !broker.nats.connections.has(conn.cid));
    assert.equal(conn.closeReason, 'Client Closed');
  });
});
