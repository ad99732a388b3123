// NATS operator (JWT) mode with the memory resolver, differentially: one configuration file
// (operator JWT, resolver: MEMORY, resolver_preload) given to Wharf and to the reference
// nats-server, the same CONNECT attempts over raw TCP (the nonce of INFO signed as a client
// does), and the same lines back: a valid user gets in with its JWT's permissions, and each
// bypass attempt is refused the same way — an expired JWT, an account the operator did not sign,
// a nonce signed by another key, a revoked user, one connection past the account's limit; a user
// signed by an account's signing key gets in, accounts are separate subject spaces joined by
// their JWTs' exports and imports, and a connection is closed when its JWT expires. nats.js
// logs in with a creds file.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nats from 'nats';
import { startBroker, type Broker } from '../../src/index.js';
import { peerSkip } from '../support/peers.js';
import { startNatsServer } from '../support/nats-server.js';
import { accountJwt, credsFile, operatorJwt, userJwt, type NatsKeyPair } from '../support/nats-jwt.js';
import { waitFor } from '../support/wait.js';
import { decodeNatsJwt } from '../../src/core/security/nats-jwt.js';

const { nkeys } = nats;
const op = nkeys.createOperator();
const accA = nkeys.createAccount();
const accB = nkeys.createAccount();
const accC = nkeys.createAccount();
const accASigner = nkeys.createAccount();
const stranger = nkeys.createAccount();
const pub = (k: NatsKeyPair) => String(k.getPublicKey());
const now = () => Math.floor(Date.now() / 1000);

const alice = nkeys.createUser();
const bob = nkeys.createUser();
const carol = nkeys.createUser();
const revokedUser = nkeys.createUser();
const delegated = nkeys.createUser();

const OPERATOR = operatorJwt(op);
const ACCOUNTS: Record<string, string> = {
  [pub(accA)]: accountJwt(op, accA, 'A', {
    signing_keys: [pub(accASigner)],
    exports: [{ name: 'events', subject: 'events.>', type: 'stream' }],
    revocations: { [pub(revokedUser)]: now() + 60 },
  }),
  [pub(accB)]: accountJwt(op, accB, 'B', { imports: [{ name: 'events', subject: 'events.>', account: pub(accA), type: 'stream' }] }),
  [pub(accC)]: accountJwt(op, accC, 'C', { limits: { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: 1, leaf: -1 } }),
};
const CONFIG = `operator: ${OPERATOR}
resolver: MEMORY
resolver_preload: {
${Object.entries(ACCOUNTS).map(([k, v]) => `  ${k}: ${v}`).join('\n')}
}
`;

const JWTS = {
  alice: userJwt(accA, alice, 'alice', { pub: { allow: ['a.>', 'events.>'] }, sub: { allow: ['a.>', '_INBOX.>'] } }),
  bob: userJwt(accB, bob, 'bob'),
  carol: userJwt(accC, carol, 'carol'),
  expired: userJwt(accA, alice, 'alice', {}, { exp: now() - 60 }),
  stranger: userJwt(stranger, alice, 'alice'),
  revoked: userJwt(accA, revokedUser, 'revoked'),
  delegated: userJwt(accASigner, delegated, 'delegated', { issuer_account: pub(accA) }),
  undelegated: userJwt(accASigner, delegated, 'delegated'),
};

/** A raw NATS client: reads INFO, sends CONNECT signed with `signer`, collects the lines it gets. */
class RawNats {
  lines: string[] = [];
  /** What CONNECT + PING got: PONG, or an -ERR. */
  greeting: string[] = [];
  /** The first INFO's JSON. */
  info: string | null = null;
  closed = false;
  private buf = '';
  private constructor(private readonly sock: Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf += d.toString('latin1');
      let i: number;
      while ((i = this.buf.indexOf('\r\n')) >= 0) {
        const line = this.buf.slice(0, i);
        // The INFO after CONNECT (connect_info) differs between servers by nature: left out.
        if (!line.startsWith('INFO ')) this.lines.push(line);
        else this.info ??= line.slice(5);
        this.buf = this.buf.slice(i + 2);
      }
    });
    sock.on('close', () => (this.closed = true));
    sock.on('error', () => undefined);
  }

  static async login(port: number, jwt: string, signer: NatsKeyPair): Promise<RawNats> {
    const sock = tcpConnect({ host: '127.0.0.1', port });
    const c = new RawNats(sock);
    await waitFor(() => c.info !== null || c.closed, { what: 'INFO' });
    const info = JSON.parse(c.info ?? '{}') as { nonce?: string };
    const sig = Buffer.from(signer.sign(Buffer.from(info.nonce ?? ''))).toString('base64url');
    c.send(`CONNECT ${JSON.stringify({ jwt, sig, verbose: false, pedantic: false, protocol: 1, headers: true, no_responders: true, lang: 'raw', version: '0' })}\r\nPING\r\n`);
    c.greeting = await c.until((l) => l === 'PONG' || l.startsWith('-ERR'));
    return c;
  }

  send(text: string): void {
    if (!this.closed) this.sock.write(text);
  }

  /** Waits for a line `accept` takes (or the close), and returns the lines so far, emptied. */
  async until(accept: (line: string) => boolean): Promise<string[]> {
    await waitFor(() => this.lines.some(accept) || this.closed, { what: 'a line', timeoutMs: 10_000 });
    const out = this.lines;
    this.lines = [];
    return out;
  }

  /** Sends PING and returns the lines before (and with) the PONG. */
  async ping(): Promise<string[]> {
    this.send('PING\r\n');
    return this.until((l) => l === 'PONG' || l.startsWith('-ERR'));
  }

  close(): void {
    this.sock.destroy();
  }
}

interface Target {
  port: number;
  close(): Promise<void>;
}

async function startTarget(kind: 'wharf' | 'nats-server', dir: string): Promise<Target> {
  if (kind === 'nats-server') {
    const s = await startNatsServer({ config: CONFIG, monitor: false });
    return { port: s.port, close: () => s.close() };
  }
  const file = join(dir, 'operator.conf');
  writeFileSync(file, CONFIG);
  const b: Broker = await startBroker({ host: '127.0.0.1', logLevel: 'silent', nats: { configFile: file, port: 0 }, kafka: { port: -1 }, http: { port: -1 }, storage: { engine: 'memory' } });
  return { port: b.ports.nats, close: () => b.close() };
}

/** Every scenario's lines, in order, against one target. */
async function scenarios(port: number): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  const login = async (name: string, jwt: string, signer: NatsKeyPair): Promise<RawNats> => {
    const c = await RawNats.login(port, jwt, signer);
    out[name] = c.greeting;
    return c;
  };
  const attempt = async (name: string, jwt: string, signer: NatsKeyPair): Promise<void> => {
    const c = await RawNats.login(port, jwt, signer);
    out[name] = c.greeting;
    c.close();
  };
  const a = await login('alice logs in', JWTS.alice, alice);
  a.send('SUB a.> 1\r\nPUB a.one 2\r\nhi\r\n');
  out['alice within her permissions'] = (await a.ping()).filter((l) => l !== 'hi');
  a.send('PUB b.one 2\r\nhi\r\nSUB b.> 2\r\n');
  out['alice outside her permissions'] = await a.ping();
  await attempt('an expired user JWT', JWTS.expired, alice);
  await attempt('an account the operator did not sign', JWTS.stranger, alice);
  await attempt('the nonce signed by another key', JWTS.alice, bob);
  await attempt('a revoked user', JWTS.revoked, revokedUser);
  await attempt('a signing key without issuer_account', JWTS.undelegated, delegated);
  const d = await login('a signing key of the account', JWTS.delegated, delegated);
  d.close();
  const b = await login('bob logs in', JWTS.bob, bob);
  b.send('SUB events.> 1\r\nSUB a.> 2\r\n');
  await b.ping();
  a.send('PUB events.x 3\r\nhey\r\nPUB a.two 3\r\nhey\r\n');
  await a.ping();
  out['streams cross accounts by export and import only'] = (await b.ping()).filter((l) => l.startsWith('MSG') || l === 'PONG');
  const c1 = await login('the first connection of account C', JWTS.carol, carol);
  await attempt('one connection past the account limit', JWTS.carol, carol);
  c1.close();
  for (const c of [a, b]) c.close();
  return out;
}

describe('NATS JWT decoding', () => {
  it('verifies v2 tokens over header and claims, v1 tokens ("alg":"ed25519") over the claims part', () => {
    const v2 = operatorJwt(op);
    assert.equal(decodeNatsJwt(v2, 'operator').sub, pub(op));
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const claims = b64({ iss: pub(op), sub: pub(op), type: 'operator', nats: {} });
    const v1 = `${b64({ typ: 'jwt', alg: 'ed25519' })}.${claims}.${Buffer.from(op.sign(Buffer.from(claims))).toString('base64url')}`;
    assert.equal(decodeNatsJwt(v1, 'operator').sub, pub(op));
    // A v1 header on a v2 signature (or the reverse) does not verify.
    const [, c2, s2] = v2.split('.');
    assert.throws(() => decodeNatsJwt(`${b64({ typ: 'jwt', alg: 'ed25519' })}.${c2}.${s2}`, 'operator'), /signature/);
    assert.throws(() => decodeNatsJwt(operatorJwt(op).replace(/\.[^.]*$/, '.' + Buffer.alloc(64).toString('base64url')), 'operator'), /signature/);
  });
});

describe('NATS operator mode (JWT, memory resolver)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'wharf-jwt-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('decides every login and subject as nats-server does with the same file', { skip: peerSkip('nats-server'), timeout: 60_000 }, async () => {
    const results: Record<string, Record<string, string[]>> = {};
    for (const kind of ['nats-server', 'wharf'] as const) {
      const t = await startTarget(kind, dir);
      try {
        results[kind] = await scenarios(t.port);
      } finally {
        await t.close();
      }
    }
    assert.deepEqual(results.wharf, results['nats-server']);
    // What was compared, so that a change on both sides does not go unnoticed.
    const w = results.wharf!;
    assert.deepEqual(w['alice outside her permissions'], [`-ERR 'Permissions Violation for Publish to "b.one"'`, `-ERR 'Permissions Violation for Subscription to "b.>"'`, 'PONG']);
    for (const k of ['an expired user JWT', 'an account the operator did not sign', 'the nonce signed by another key', 'a revoked user', 'a signing key without issuer_account']) {
      assert.deepEqual(w[k], ["-ERR 'Authorization Violation'"], k);
    }
    assert.deepEqual(w['one connection past the account limit'], ["-ERR 'maximum account active connections exceeded'"]);
    assert.deepEqual(w['streams cross accounts by export and import only'], ['MSG events.x 1 3', 'PONG']);
  });

  it('closes a connection when its user JWT expires, and lets nats.js in with a creds file', { timeout: 30_000 }, async () => {
    const t = await startTarget('wharf', dir);
    try {
      const short = await RawNats.login(t.port, userJwt(accA, alice, 'alice', {}, { exp: now() + 2 }), alice);
      assert.deepEqual(short.greeting, ['PONG']);
      assert.deepEqual(await short.until((l) => l.startsWith('-ERR')), ["-ERR 'User Authentication Expired'"]);
      await waitFor(() => short.closed, { what: 'the close' });
      const nc = await nats.connect({ servers: `127.0.0.1:${t.port}`, authenticator: nats.credsAuthenticator(new TextEncoder().encode(credsFile(JWTS.bob, bob))) });
      const sub = nc.subscribe('x', { max: 1 });
      nc.publish('x', 'over creds');
      for await (const m of sub) assert.equal(m.string(), 'over creds');
      await nc.close();
    } finally {
      await t.close();
    }
  });
});
