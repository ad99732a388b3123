// The monitoring port's security: with credentials on the NATS port, every endpoint but /healthz
// requires the same credentials (basic auth with a NATS user, or a bearer token), a wrong or
// missing login is a 401 that names the scheme; HTTPS with the NATS port's certificate; without
// NATS credentials (or with --http-auth false) monitoring stays as nats-server serves it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { startBroker, type Broker } from '../../src/index.js';
import type { BrokerConfig } from '../../src/config.js';
import { makeTestCerts } from '../support/certs.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

function get(port: number, path: string, headers: Record<string, string> = {}, tls?: { ca: Buffer }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const opts = { host: '127.0.0.1', port, path, headers, ...(tls ? { ca: tls.ca, servername: 'localhost' } : {}) };
    const req = (tls ? httpsRequest : httpRequest)(opts, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

const basic = (user: string, pass: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` });

async function withBroker(config: BrokerConfig, f: (b: Broker) => Promise<void>): Promise<void> {
  const b = await startBroker({ host: '127.0.0.1', logLevel: 'silent', kafka: { port: -1 }, storage: { engine: 'memory' }, ...config, nats: { port: 0, ...config.nats }, http: { port: 0, ...config.http } });
  try {
    await f(b);
  } finally {
    await b.close();
  }
}

describe('monitoring behind the NATS credentials', () => {
  it('requires a NATS user\'s login for every endpoint but /healthz', { timeout: 20_000 }, async () => {
    await withBroker({ nats: { users: [{ user: 'ops', password: 'ops-pw' }, { user: 'app', password: 'app-pw' }] } }, async (b) => {
      const port = b.ports.http;
      const none = await get(port, '/varz');
      assert.equal(none.status, 401);
      assert.equal(none.headers['www-authenticate'], 'Basic realm="wharf"');
      assert.equal((await get(port, '/connz', basic('ops', 'wrong'))).status, 401);
      assert.equal((await get(port, '/connz', basic('nobody', 'ops-pw'))).status, 401);
      assert.equal((await get(port, '/connz', { authorization: 'Bearer ops-pw' })).status, 401);
      assert.equal((await get(port, '/varz', basic('ops', 'ops-pw'))).status, 200);
      assert.equal((await get(port, '/subsz', basic('app', 'app-pw'))).status, 200);
      // Unknown paths give nothing away without a login either.
      assert.equal((await get(port, '/nope')).status, 401);
      assert.equal((await get(port, '/healthz')).status, 200);
    });
  });

  it('takes the NATS token as a bearer token', { timeout: 20_000 }, async () => {
    await withBroker({ nats: { authToken: 's3cret' } }, async (b) => {
      assert.equal((await get(b.ports.http, '/varz')).status, 401);
      assert.equal((await get(b.ports.http, '/varz', { authorization: 'Bearer nope' })).status, 401);
      assert.equal((await get(b.ports.http, '/varz', { authorization: 'Bearer s3cret' })).status, 200);
    });
  });

  it('stays open without NATS credentials, or with --http-auth false', { timeout: 20_000 }, async () => {
    await withBroker({}, async (b) => assert.equal((await get(b.ports.http, '/varz')).status, 200));
    await withBroker({ nats: { authToken: 't' }, http: { auth: false } }, async (b) => assert.equal((await get(b.ports.http, '/varz')).status, 200));
  });

  it('serves HTTPS with the NATS port\'s certificate', { timeout: 20_000 }, async () => {
    const certs = makeTestCerts();
    try {
      await withBroker({ nats: { tlsCert: certs.serverCert, tlsKey: certs.serverKey }, http: { tls: true } }, async (b) => {
        assert.equal((await get(b.ports.http, '/varz', {}, { ca: readFileSync(certs.caCert) })).status, 200);
        await assert.rejects(get(b.ports.http, '/varz'), 'plain HTTP on the HTTPS port gets no answer');
      });
    } finally {
      certs.remove();
    }
  });
});
