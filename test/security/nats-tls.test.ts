// TLS on the NATS port, one nats-server configuration file given to Wharf and to the reference
// nats-server: INFO says tls_required, the handshake follows INFO (or precedes it with
// handshake_first), nats.js connects over it, a plaintext client is cut off, client certificates
// are required and verified (verify) and name the user (verify_and_map, with that user's
// permissions). Then certificate reload (Wharf's SIGHUP) without dropping connected clients.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nats from 'nats';
import { startBroker, type Broker } from '../../src/index.js';
import { makeTestCerts, type TestCerts } from '../support/certs.js';
import { peerSkip } from '../support/peers.js';
import { startNatsServer } from '../support/nats-server.js';

interface Target {
  port: number;
  close(): Promise<void>;
}

async function startTarget(kind: 'wharf' | 'nats-server', config: string, dir: string): Promise<Target> {
  if (kind === 'nats-server') {
    const s = await startNatsServer({ config, monitor: false, readyOnLog: config.includes('handshake_first') });
    return { port: s.port, close: () => s.close() };
  }
  const file = join(dir, `wharf-${Math.random().toString(36).slice(2)}.conf`);
  writeFileSync(file, config);
  const b: Broker = await startBroker({ host: '127.0.0.1', logLevel: 'silent', nats: { configFile: file, port: 0 }, kafka: { port: -1 }, http: { port: -1 }, storage: { engine: 'memory' } });
  return { port: b.ports.nats, close: () => b.close() };
}

/** The INFO line a server greets with, read over plain TCP. */
function plainInfo(port: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const sock = tcpConnect({ port, host: '127.0.0.1' });
    let text = '';
    sock.on('data', (d) => {
      text += d.toString('latin1');
      const end = text.indexOf('\r\n');
      if (end > 0) {
        sock.destroy();
        resolve(JSON.parse(text.slice(5, end)) as Record<string, unknown>);
      }
    });
    sock.on('error', reject);
  });
}

/** A client that reads INFO and then goes on in plain text: does the server cut it off without a PONG? */
function plaintextAfterInfo(port: number): Promise<'closed' | 'answered'> {
  return new Promise((resolve) => {
    const sock = tcpConnect({ port, host: '127.0.0.1' });
    let text = '';
    let sent = false;
    sock.on('data', (d) => {
      text += d.toString('latin1');
      if (!sent && text.includes('\r\n')) {
        sent = true;
        sock.write('CONNECT {"verbose":false}\r\nPING\r\n');
      }
      if (text.includes('PONG')) {
        sock.destroy();
        resolve('answered');
      }
    });
    sock.on('error', () => undefined);
    sock.on('close', () => resolve(text.includes('PONG') ? 'answered' : 'closed'));
  });
}

/** Connects, echoes one message and closes: 'ok', the error code, or 'no answer' when the client waits forever. */
async function tryConnect(port: number, opts: Partial<nats.ConnectionOptions>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('no answer'), 6_000)));
  try {
    return await Promise.race([attempt(port, opts), gaveUp]);
  } finally {
    clearTimeout(timer);
  }
}

async function attempt(port: number, opts: Partial<nats.ConnectionOptions>): Promise<string> {
  try {
    const nc = await nats.connect({ servers: `localhost:${port}`, reconnect: false, timeout: 3_000, ...opts });
    const sub = nc.subscribe('tls.echo', { max: 1 });
    nc.publish('tls.echo', 'hi');
    for await (const m of sub) assert.equal(m.string(), 'hi');
    await nc.close();
    return 'ok';
  } catch (e) {
    return (e as nats.NatsError).code ?? (e as Error).message;
  }
}

for (const kind of ['wharf', 'nats-server'] as const) {
  describe(`TLS on the NATS port: ${kind}`, { skip: kind === 'nats-server' ? peerSkip('nats-server') : false }, () => {
    let certs: TestCerts;
    let dir: string;
    let alice: [string, string];
    let bob: [string, string];
    before(() => {
      certs = makeTestCerts();
      dir = mkdtempSync(join(tmpdir(), 'wharf-natstls-'));
      alice = certs.client('/O=Acme/CN=alice', 'alice');
      bob = certs.client('/O=Acme/CN=bob', 'bob');
    });
    after(() => {
      certs?.remove();
      rmSync(dir, { recursive: true, force: true });
    });
    const tlsBlock = (extra: string) => `tls {\n  cert_file: "${certs.serverCert}"\n  key_file: "${certs.serverKey}"\n  ca_file: "${certs.caCert}"\n${extra}\n}\n`;

    it('says tls_required, serves nats.js over TLS after INFO and cuts off a plaintext client', { timeout: 30_000 }, async () => {
      const t = await startTarget(kind, tlsBlock(''), dir);
      try {
        const info = await plainInfo(t.port);
        assert.equal(info.tls_required, true);
        assert.equal(info.tls_verify, undefined);
        assert.equal(await tryConnect(t.port, { tls: { caFile: certs.caCert } }), 'ok');
        assert.equal(await plaintextAfterInfo(t.port), 'closed');
      } finally {
        await t.close();
      }
    });

    it('a TLS client on a plaintext port gets nowhere', { timeout: 30_000 }, async () => {
      const t = await startTarget(kind, 'port: 4222\n', dir);
      try {
        const outcome = await new Promise<string>((resolve) => {
          const s = tlsConnect({ port: t.port, host: '127.0.0.1', ca: readFileSync(certs.caCert), servername: 'localhost' });
          s.on('secureConnect', () => resolve('handshake completed'));
          s.on('error', () => resolve('refused'));
          s.on('close', () => resolve('refused'));
        });
        assert.equal(outcome, 'refused');
      } finally {
        await t.close();
      }
    });

    it('verify: a certificate from the CA is required, a stranger\'s is refused', { timeout: 30_000 }, async () => {
      const t = await startTarget(kind, tlsBlock('  verify: true'), dir);
      try {
        assert.equal((await plainInfo(t.port)).tls_verify, true);
        assert.equal(await tryConnect(t.port, { tls: { caFile: certs.caCert, certFile: alice[0], keyFile: alice[1] } }), 'ok');
        assert.notEqual(await tryConnect(t.port, { tls: { caFile: certs.caCert } }), 'ok');
        assert.notEqual(await tryConnect(t.port, { tls: { caFile: certs.caCert, certFile: certs.strangerCert, keyFile: certs.strangerKey } }), 'ok');
      } finally {
        await t.close();
      }
    });

    it('verify_and_map: the certificate names the user, whose permissions apply; an unknown subject is refused', { timeout: 30_000 }, async () => {
      const conf = `${tlsBlock('  verify_and_map: true')}authorization {\n  users = [\n    { user: "CN=alice,O=Acme", permissions: { publish: "tls.>", subscribe: "tls.>" } }\n  ]\n}\n`;
      const t = await startTarget(kind, conf, dir);
      try {
        assert.equal(await tryConnect(t.port, { tls: { caFile: certs.caCert, certFile: alice[0], keyFile: alice[1] } }), 'ok');
        assert.equal(await tryConnect(t.port, { tls: { caFile: certs.caCert, certFile: bob[0], keyFile: bob[1] } }), nats.ErrorCode.AuthorizationViolation);
        // Alice may not publish outside tls.>.
        const nc = await nats.connect({ servers: `localhost:${t.port}`, reconnect: false, tls: { caFile: certs.caCert, certFile: alice[0], keyFile: alice[1] } });
        const errors: string[] = [];
        const seen = (async () => {
          for await (const s of nc.status()) if (s.type === nats.Events.Error) return errors.push(String(s.data));
        })();
        nc.publish('other', 'x');
        await Promise.race([seen, new Promise((r) => setTimeout(r, 3_000))]);
        assert.deepEqual(errors, [nats.ErrorCode.PermissionsViolation]);
        await nc.close();
      } finally {
        await t.close();
      }
    });

    it('handshake_first: the handshake comes before INFO', { timeout: 30_000 }, async () => {
      const t = await startTarget(kind, tlsBlock('  handshake_first: true'), dir);
      try {
        assert.equal(await tryConnect(t.port, { tls: { caFile: certs.caCert, handshakeFirst: true } }), 'ok');
        assert.notEqual(await tryConnect(t.port, { tls: { caFile: certs.caCert }, timeout: 1_500 }), 'ok');
      } finally {
        await t.close();
      }
    });
  });
}

describe('TLS certificate reload on the NATS port', () => {
  it('new handshakes get the new certificate, connected clients stay connected', { timeout: 30_000 }, async () => {
    const certs = makeTestCerts();
    const next = makeTestCerts();
    const dir = mkdtempSync(join(tmpdir(), 'wharf-natstls-'));
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    copyFileSync(certs.serverCert, cert);
    copyFileSync(certs.serverKey, key);
    const broker = await startBroker({ host: '127.0.0.1', logLevel: 'silent', nats: { port: 0, tlsCert: cert, tlsKey: key }, kafka: { port: -1 }, http: { port: -1 }, storage: { engine: 'memory' } });
    const fingerprint = () =>
      new Promise<string>((resolve, reject) => {
        const raw = tcpConnect({ port: broker.ports.nats, host: '127.0.0.1' });
        raw.once('data', () => {
          const s = tlsConnect({ socket: raw, rejectUnauthorized: false, servername: 'localhost' });
          s.on('secureConnect', () => {
            resolve(s.getPeerX509Certificate()!.fingerprint256);
            s.destroy();
          });
          s.on('error', reject);
        });
      });
    try {
      const nc = await nats.connect({ servers: `localhost:${broker.ports.nats}`, reconnect: false, tls: { caFile: certs.caCert } });
      const before = await fingerprint();
      copyFileSync(next.serverCert, cert);
      copyFileSync(next.serverKey, key);
      broker.reloadTls();
      const afterReload = await fingerprint();
      assert.notEqual(afterReload, before);
      // The client connected before the reload still works.
      const sub = nc.subscribe('still.here', { max: 1 });
      nc.publish('still.here', 'yes');
      for await (const m of sub) assert.equal(m.string(), 'yes');
      assert.equal(nc.isClosed(), false);
      // A client trusting only the new CA connects now.
      const fresh = await nats.connect({ servers: `localhost:${broker.ports.nats}`, reconnect: false, tls: { caFile: next.caCert } });
      await fresh.close();
      // A broken file keeps the old certificate.
      writeFileSync(cert, 'not a certificate');
      assert.throws(() => broker.reloadTls(), /not usable|certificate/);
      assert.equal(await fingerprint(), afterReload);
      await nc.close();
    } finally {
      await broker.close();
      certs.remove();
      next.remove();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
