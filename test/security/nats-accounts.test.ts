// NATS accounts and nkeys through nats.js, with one nats-server configuration file given to Wharf
// and to the reference nats-server: accounts are separate subject spaces, a stream export reaches
// the importing account under its prefix, a service export answers requests made in the importing
// account on its local subject, an export restricted to other accounts is not importable, and nkey
// users sign the nonce of INFO (a wrong key, or a signature replayed from another connection, is
// refused).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nats from 'nats';
import { startBroker, type Broker } from '../../src/index.js';
import { ConfigError } from '../../src/config.js';
import { peerSkip } from '../support/peers.js';
import { startNatsServer } from '../support/nats-server.js';

type KeyPair = ReturnType<typeof nats.nkeys.createUser>;
const alice = nats.nkeys.createUser();
const mallory = nats.nkeys.createUser();
const ALICE_PUB = String(alice.getPublicKey());

const CONFIG = `
accounts {
  A {
    users = [ { user: a, password: a }, { nkey: ${ALICE_PUB} } ]
    exports = [ { stream: "events.>" }, { service: "svc.echo" }, { stream: "private.>", accounts: [C] } ]
  }
  B {
    users = [ { user: b, password: b } ]
    imports = [
      { stream: { account: A, subject: "events.>" }, prefix: "from_a" }
      { service: { account: A, subject: "svc.echo" }, to: "echo" }
    ]
  }
  C { users = [ { user: c, password: c } ] }
}
`;

interface Target {
  port: number;
  close(): Promise<void>;
}

async function startTarget(kind: 'wharf' | 'nats-server', config: string, dir: string): Promise<Target> {
  if (kind === 'nats-server') {
    const s = await startNatsServer({ config, monitor: false });
    return { port: s.port, close: () => s.close() };
  }
  const file = join(dir, 'accounts.conf');
  writeFileSync(file, config);
  const b: Broker = await startBroker({ host: '127.0.0.1', logLevel: 'silent', nats: { configFile: file, port: 0 }, kafka: { port: -1 }, http: { port: -1 }, storage: { engine: 'memory' } });
  return { port: b.ports.nats, close: () => b.close() };
}

/** A subscription whose messages are collected as "subject:payload". */
function collect(nc: nats.NatsConnection, subject: string): { got: string[]; sub: nats.Subscription } {
  const got: string[] = [];
  const sub = nc.subscribe(subject, { callback: (e, m) => e === null && got.push(`${m.subject}:${m.string()}`) });
  return { got, sub };
}

/** What was collected once PING round trips to every connection, twice, have passed. */
async function settled(c: { got: string[] }, ...flush: nats.NatsConnection[]): Promise<string[]> {
  for (let i = 0; i < 2; i++) for (const nc of flush) await nc.flush();
  return [...c.got];
}

/** A raw CONNECT with an nkey and a signature; what the server answers (+OK/PONG or the -ERR). */
function rawNkeyConnect(port: number, nkey: string, sign: (nonce: string) => string): Promise<{ nonce: string; answer: string }> {
  return new Promise((resolve) => {
    const sock = tcpConnect({ port, host: '127.0.0.1' });
    let text = '';
    let nonce = '';
    sock.on('data', (d) => {
      text += d.toString('latin1');
      if (nonce === '' && text.includes('\r\n')) {
        nonce = String((JSON.parse(text.slice(5, text.indexOf('\r\n'))) as { nonce?: string }).nonce ?? '');
        sock.write(`CONNECT ${JSON.stringify({ verbose: false, nkey, sig: sign(nonce) })}\r\nPING\r\n`);
      }
      if (/PONG|-ERR/.test(text)) {
        sock.destroy();
        resolve({ nonce, answer: /-ERR '([^']*)'/.exec(text)?.[1] ?? 'PONG' });
      }
    });
    sock.on('error', () => undefined);
  });
}

const sign = (kp: KeyPair, nonce: string) => Buffer.from(kp.sign(new TextEncoder().encode(nonce))).toString('base64url');

for (const kind of ['wharf', 'nats-server'] as const) {
  describe(`NATS accounts and nkeys: ${kind}`, { skip: kind === 'nats-server' ? peerSkip('nats-server') : false }, () => {
    let dir: string;
    let t: Target;
    let a: nats.NatsConnection;
    let b: nats.NatsConnection;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'wharf-accounts-'));
      t = await startTarget(kind, CONFIG, dir);
      a = await nats.connect({ servers: `127.0.0.1:${t.port}`, user: 'a', pass: 'a', reconnect: false });
      b = await nats.connect({ servers: `127.0.0.1:${t.port}`, user: 'b', pass: 'b', reconnect: false });
    });
    after(async () => {
      await Promise.allSettled([a?.close(), b?.close()]);
      await t?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('keeps accounts apart: the same subject in two accounts is two subjects', { timeout: 20_000 }, async () => {
      const inB = collect(b, 'shared.subject');
      const inA = collect(a, 'shared.subject');
      await Promise.all([a.flush(), b.flush()]);
      a.publish('shared.subject', 'from a');
      assert.deepEqual(await settled(inB, a, b), []);
      assert.deepEqual(await settled(inA, a, b), ['shared.subject:from a']);
      inA.sub.unsubscribe();
      inB.sub.unsubscribe();
    });

    it('delivers a stream export to the importing account under its prefix', { timeout: 20_000 }, async () => {
      const sub = collect(b, 'from_a.>');
      const plain = collect(b, 'events.>');
      await b.flush();
      a.publish('events.created', 'one');
      a.publish('other.thing', 'not exported');
      assert.deepEqual(await settled(sub, a, b), ['from_a.events.created:one']);
      assert.deepEqual(await settled(plain, a, b), []);
      sub.sub.unsubscribe();
      plain.sub.unsubscribe();
    });

    it('answers a request made in the importing account through the service export', { timeout: 20_000 }, async () => {
      const responder = a.subscribe('svc.echo', { callback: (_e, m) => m.respond(`echo:${m.string()}`) });
      await a.flush();
      const reply = await b.request('echo', 'hello', { timeout: 3_000 });
      assert.equal(reply.string(), 'echo:hello');
      // The exporter's own subject is not B's: nobody answers svc.echo in B.
      await assert.rejects(b.request('svc.echo', 'x', { timeout: 1_000 }), (e: nats.NatsError) => e.code === nats.ErrorCode.NoResponders || e.code === nats.ErrorCode.Timeout);
      responder.unsubscribe();
    });

    it('lets an nkey user in by its signature of the nonce, and no one else', { timeout: 20_000 }, async () => {
      const nc = await nats.connect({ servers: `127.0.0.1:${t.port}`, authenticator: nats.nkeyAuthenticator(alice.getSeed()), reconnect: false });
      // The nkey user is in account A: it sees A's subjects.
      const sub = collect(a, 'nkey.check');
      await a.flush();
      nc.publish('nkey.check', 'hi');
      assert.deepEqual(await settled(sub, nc, a), ['nkey.check:hi']);
      sub.sub.unsubscribe();
      await nc.close();
      await assert.rejects(nats.connect({ servers: `127.0.0.1:${t.port}`, authenticator: nats.nkeyAuthenticator(mallory.getSeed()), reconnect: false }), (e: nats.NatsError) => e.code === nats.ErrorCode.AuthorizationViolation);
    });

    it('refuses a signature replayed from another connection, and a key that did not sign', { timeout: 20_000 }, async () => {
      const first = await rawNkeyConnect(t.port, ALICE_PUB, (nonce) => sign(alice, nonce));
      assert.equal(first.answer, 'PONG');
      assert.ok(first.nonce.length > 0, 'INFO carries a nonce');
      const replayed = sign(alice, first.nonce);
      const second = await rawNkeyConnect(t.port, ALICE_PUB, () => replayed);
      assert.equal(second.answer, 'Authorization Violation');
      const forged = await rawNkeyConnect(t.port, ALICE_PUB, (nonce) => sign(mallory, nonce));
      assert.equal(forged.answer, 'Authorization Violation');
    });
  });
}

describe('account imports Wharf refuses at start, naming them', () => {
  const start = (accounts: string) =>
    startBroker({ host: '127.0.0.1', logLevel: 'silent', nats: { port: 0, accounts: JSON.parse(accounts) }, kafka: { port: -1 }, http: { port: -1 }, storage: { engine: 'memory' } });
  it('an import of what is not exported, or exported to other accounts only', async () => {
    await assert.rejects(
      start('{"A": {"exports": [{"kind": "stream", "subject": "x.>"}]}, "B": {"imports": [{"kind": "stream", "account": "A", "subject": "y.>"}]}}'),
      (e: Error) => e instanceof ConfigError && /account B: the stream import of "y\.>" from A: A does not export it/.test(e.message),
    );
    await assert.rejects(
      start('{"A": {"exports": [{"kind": "stream", "subject": "x.>", "accounts": ["C"]}]}, "B": {"imports": [{"kind": "stream", "account": "A", "subject": "x.>"}]}, "C": {}}'),
      (e: Error) => e instanceof ConfigError && /not authorized/.test(e.message),
    );
    await assert.rejects(start('{"B": {"imports": [{"kind": "service", "account": "Z", "subject": "q"}]}}'), /no such account/);
  });
});
