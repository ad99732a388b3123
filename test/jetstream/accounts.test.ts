// JetStream per NATS account, through nats.js with one nats-server configuration file given to
// Wharf and to the reference nats-server v2.15.2 (the same scenario against both): each account
// with JetStream has its own $JS.API namespace and streams (two accounts each have a stream
// ORDERS and never see each other's messages, consumers, acks or advisories), an account
// without JetStream gets 10039, a `jetstream { … }` block's limits are the account's (INFO,
// 10027, 10028, 10026), and permissions on the $JS.API subjects are ordinary publish
// permissions (a user allowed only STREAM.INFO cannot create a stream). Wharf only: which Kafka
// topic each account's stream is, a topic created over Kafka with wharf.nats.account, and each
// account's streams and consumers coming back after kill -9.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nats from 'nats';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type Broker } from '../../src/index.js';
import { peerSkip } from '../support/peers.js';
import { startNatsServer } from '../support/nats-server.js';
import { waitFor } from '../support/wait.js';
import { freePort, LOOPBACK, waitForNatsInfo } from '../support/net.js';
import { repoRoot } from '../support/wharf.js';
import { runNats } from '../support/natscli.js';
import { accountJwt, credsFile, operatorJwt, userJwt, type NatsKeyPair } from '../support/nats-jwt.js';

const sc = nats.StringCodec();

export const ACCOUNTS_CONFIG = (storeDir: string): string => `
jetstream { store_dir: "${storeDir}" }
accounts {
  A {
    jetstream: enabled
    users = [
      { user: a, password: a }
      { user: ro, password: ro, permissions: { publish: ["$JS.API.INFO", "$JS.API.STREAM.INFO.>", "$JS.API.STREAM.NAMES"], subscribe: ["_INBOX.>"] } }
    ]
  }
  B { jetstream: enabled, users = [ { user: b, password: b } ] }
  C {
    jetstream { max_mem: 1M, max_file: 10M, max_streams: 2, max_consumers: 1 }
    users = [ { user: c, password: c } ]
  }
  D { users = [ { user: d, password: d } ] }
}
`;

interface Target {
  port: number;
  broker: Broker | null;
  close(): Promise<void>;
}

async function startTarget(kind: 'wharf' | 'nats-server', dir: string): Promise<Target> {
  const config = ACCOUNTS_CONFIG(join(dir, 'store'));
  if (kind === 'nats-server') {
    const s = await startNatsServer({ config, monitor: false });
    return { port: s.port, broker: null, close: () => s.close() };
  }
  const file = join(dir, 'accounts.conf');
  writeFileSync(file, config);
  const b = await startBroker({ host: '127.0.0.1', logLevel: 'silent', nats: { configFile: file, port: 0 }, kafka: { port: 0 }, http: { port: -1 } });
  return { port: b.ports.nats, broker: b, close: () => b.close() };
}

interface ApiAnswer {
  error?: { code: number; err_code: number; description: string };
  [key: string]: unknown;
}

async function api(nc: nats.NatsConnection, subject: string, body: unknown = undefined): Promise<ApiAnswer> {
  const r = await nc.request(subject, body === undefined ? new Uint8Array(0) : sc.encode(JSON.stringify(body)), { timeout: 5_000 });
  return JSON.parse(sc.decode(r.data)) as ApiAnswer;
}

for (const kind of ['wharf', 'nats-server'] as const) {
  describe(`JetStream per account: ${kind}`, { skip: kind === 'nats-server' ? peerSkip('nats-server') : false }, () => {
    let dir: string;
    let t: Target;
    const conns: Record<string, nats.NatsConnection> = {};
    const as = (user: string): nats.NatsConnection => conns[user]!;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'wharf-js-accounts-'));
      t = await startTarget(kind, dir);
      for (const u of ['a', 'b', 'c', 'd', 'ro']) conns[u] = await nats.connect({ servers: `127.0.0.1:${t.port}`, user: u, pass: u, reconnect: false });
    });
    after(async () => {
      await Promise.allSettled(Object.values(conns).map((nc) => nc.close()));
      await t?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('gives each account its own streams: ORDERS in A and ORDERS in B are two streams', { timeout: 30_000 }, async () => {
      const ja = await as('a').jetstreamManager();
      const jb = await as('b').jetstreamManager();
      await ja.streams.add({ name: 'ORDERS', subjects: ['orders.>'] });
      await jb.streams.add({ name: 'ORDERS', subjects: ['orders.>'] });
      const pa = as('a').jetstream();
      const pb = as('b').jetstream();
      for (let i = 0; i < 3; i++) await pa.publish('orders.new', sc.encode(`a${i}`));
      await pb.publish('orders.new', sc.encode('b0'));
      assert.equal((await ja.streams.info('ORDERS')).state.messages, 3);
      assert.equal((await jb.streams.info('ORDERS')).state.messages, 1);
      // Direct get by sequence of B's stream answers B's message.
      assert.equal(sc.decode((await jb.streams.getMessage('ORDERS', { seq: 1 })).data), 'b0');
      assert.equal(sc.decode((await ja.streams.getMessage('ORDERS', { seq: 1 })).data), 'a0');
      // A consumer of B's stream reads B's messages only, and its acks reach B's consumer.
      await jb.consumers.add('ORDERS', { durable_name: 'worker', ack_policy: nats.AckPolicy.Explicit });
      const c = await pb.consumers.get('ORDERS', 'worker');
      const m = await c.next({ expires: 3_000 });
      assert.ok(m !== null);
      assert.equal(sc.decode(m.data), 'b0');
      assert.equal(await m.ackAck(), true);
      const info = await jb.consumers.info('ORDERS', 'worker');
      assert.equal(info.ack_floor.stream_seq, 1);
      assert.equal(info.num_pending, 0);
      // A has no consumer named worker; its stream is untouched.
      await assert.rejects(ja.consumers.info('ORDERS', 'worker'), /consumer not found/);
      const names = async (nc: nats.NatsConnection): Promise<unknown> => (await api(nc, '$JS.API.STREAM.NAMES'))['streams'];
      assert.deepEqual(await names(as('a')), ['ORDERS']);
      assert.deepEqual(await names(as('b')), ['ORDERS']);
    });

    it('lists each account its own streams in natscli with user and password', { timeout: 30_000, skip: peerSkip('nats') }, async () => {
      const url = `nats://127.0.0.1:${t.port}`;
      for (const u of ['a', 'b']) {
        const r = await runNats(url, ['--user', u, '--password', u, 'stream', 'ls', '--names']);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.stdout.split('\n').map((l) => l.trim()).filter((l) => l.length > 0), ['ORDERS']);
      }
      const d = await runNats(url, ['--user', 'd', '--password', 'd', 'account', 'info']);
      assert.match(d.stdout + d.stderr, /Could not obtain account information:\s+JetStream not enabled for account \(10039\)/);
    });

    it("sends an account's advisories in that account only", { timeout: 30_000 }, async () => {
      const seenA: string[] = [];
      const seenB: string[] = [];
      const subA = as('a').subscribe('$JS.EVENT.ADVISORY.STREAM.CREATED.>', { callback: (_e, m) => seenA.push(m.subject) });
      const subB = as('b').subscribe('$JS.EVENT.ADVISORY.STREAM.CREATED.>', { callback: (_e, m) => seenB.push(m.subject) });
      await Promise.all([as('a').flush(), as('b').flush()]);
      const jb = await as('b').jetstreamManager();
      await jb.streams.add({ name: 'ONLYB', subjects: ['onlyb.>'] });
      await waitFor(() => seenB.length === 1, { timeoutMs: 10_000, what: 'the advisory in B' });
      for (let i = 0; i < 2; i++) await Promise.all([as('a').flush(), as('b').flush()]);
      assert.deepEqual(seenB, ['$JS.EVENT.ADVISORY.STREAM.CREATED.ONLYB']);
      assert.deepEqual(seenA, []);
      subA.unsubscribe();
      subB.unsubscribe();
    });

    it('answers 10039 to an account without JetStream', { timeout: 20_000 }, async () => {
      const info = await api(as('d'), '$JS.API.INFO');
      assert.equal(info['type'], 'io.nats.jetstream.api.v1.account_info_response');
      assert.deepEqual(info.error, { code: 503, err_code: 10039, description: 'JetStream not enabled for account' });
      const create = await api(as('d'), '$JS.API.STREAM.CREATE.X', { name: 'X', subjects: ['x'] });
      assert.equal(create['type'], 'io.nats.jetstream.api.v1.stream_create_response');
      assert.equal(create.error?.err_code, 10039);
      // nats.js reads the 503 status of the error as "JetStream not enabled".
      await assert.rejects(as('d').jetstreamManager(), (e: nats.NatsError) => e.code === '503');
    });

    it("reports and enforces an account's jetstream { } limits", { timeout: 30_000 }, async () => {
      const info = await api(as('c'), '$JS.API.INFO');
      assert.deepEqual(info['limits'], {
        max_memory: 1_000_000,
        max_storage: 10_000_000,
        max_streams: 2,
        max_consumers: 1,
        max_ack_pending: -1,
        memory_max_stream_bytes: -1,
        storage_max_stream_bytes: -1,
        max_bytes_required: false,
      });
      const mem = await api(as('c'), '$JS.API.STREAM.CREATE.M', { name: 'M', subjects: ['m'], storage: 'memory', max_bytes: 2_000_000 });
      assert.deepEqual(mem.error, { code: 500, err_code: 10028, description: 'insufficient memory resources available' });
      const file = await api(as('c'), '$JS.API.STREAM.CREATE.F', { name: 'F', subjects: ['f'], max_bytes: 20_000_000 });
      assert.equal(file.error?.err_code, 10047);
      for (const n of ['S1', 'S2']) assert.equal((await api(as('c'), `$JS.API.STREAM.CREATE.${n}`, { name: n, subjects: [n.toLowerCase()] })).error, undefined);
      const third = await api(as('c'), '$JS.API.STREAM.CREATE.S3', { name: 'S3', subjects: ['s3'] });
      assert.deepEqual(third.error, { code: 400, err_code: 10027, description: 'maximum number of streams reached' });
      const c1 = await api(as('c'), '$JS.API.CONSUMER.CREATE.S1.one', { stream_name: 'S1', config: { name: 'one', ack_policy: 'explicit' } });
      assert.equal(c1.error, undefined);
      // The account's max_consumers bounds each stream (nats-server applies it per stream).
      const c2 = await api(as('c'), '$JS.API.CONSUMER.CREATE.S1.two', { stream_name: 'S1', config: { name: 'two', ack_policy: 'explicit' } });
      assert.deepEqual(c2.error, { code: 400, err_code: 10026, description: 'maximum consumers limit reached' });
      const c3 = await api(as('c'), '$JS.API.CONSUMER.CREATE.S2.three', { stream_name: 'S2', config: { name: 'three', ack_policy: 'explicit' } });
      assert.equal(c3.error, undefined);
      const after = await api(as('c'), '$JS.API.INFO');
      assert.equal(after['streams'], 2);
      assert.equal(after['consumers'], 2);
      // Account A has no limits: all -1.
      const a = await api(as('a'), '$JS.API.INFO');
      assert.equal((a['limits'] as Record<string, unknown>)['max_streams'], -1);
    });

    it('applies publish permissions to $JS.API subjects: STREAM.INFO allowed, STREAM.CREATE denied', { timeout: 20_000 }, async () => {
      const ro = await nats.connect({ servers: `127.0.0.1:${t.port}`, user: 'ro', pass: 'ro', reconnect: false });
      try {
        const info = await api(ro, '$JS.API.STREAM.INFO.ORDERS');
        assert.equal((info['config'] as Record<string, unknown>)['name'], 'ORDERS');
        await assert.rejects(
          api(ro, '$JS.API.STREAM.CREATE.NOPE', { name: 'NOPE', subjects: ['nope'] }),
          (e: nats.NatsError) => e.code === nats.ErrorCode.PermissionsViolation && e.message.includes('Permissions Violation for Publish to "$JS.API.STREAM.CREATE.NOPE"'),
        );
        const names = await api(as('a'), '$JS.API.STREAM.NAMES');
        assert.deepEqual(names['streams'], ['ORDERS'], 'the denied create made no stream');
      } finally {
        await ro.close();
      }
    });

    if (kind === 'wharf') {
      it('keeps the data plane contract: stream S of account A is Kafka topic A.S, the global account has none', { timeout: 20_000 }, () => {
        const log = t.broker!.log;
        assert.ok(log.hasTopic('A.ORDERS'));
        assert.ok(log.hasTopic('B.ORDERS'));
        assert.ok(!log.hasTopic('ORDERS'), 'no global stream ORDERS');
        assert.equal(log.topicInfo('A.ORDERS')!.configs['wharf.nats.account'], 'A');
        // Unlike nats-server, the global account keeps JetStream with accounts configured (docs/jetstream.md 1.20).
        assert.notEqual(t.broker!.jetstream, null);
      });

      it('makes a topic created over Kafka with wharf.nats.account a stream of that account', { timeout: 30_000 }, async () => {
        const kafka = new Kafka({ clientId: 'js-accounts', brokers: [`127.0.0.1:${t.broker!.ports.kafka}`], logLevel: logLevel.NOTHING });
        const admin = kafka.admin();
        await admin.connect();
        try {
          await admin.createTopics({ topics: [{ topic: 'B.FROMKAFKA', numPartitions: 1, configEntries: [{ name: 'wharf.nats.subjects', value: 'fk.>' }, { name: 'wharf.nats.account', value: 'B' }] }] }).catch((e: unknown) => {
            throw new Error(`create B.FROMKAFKA: ${JSON.stringify((e as { errors?: unknown }).errors ?? String(e))}`);
          });
          // A topic of account B not named B.<stream>, and a topic of an account without JetStream: refused.
          const invalidConfig = (e: unknown): boolean => ((e as { errors?: Array<{ type?: string }> }).errors ?? []).some((x) => x.type === 'INVALID_CONFIG');
          await assert.rejects(admin.createTopics({ topics: [{ topic: 'WRONG', numPartitions: 1, configEntries: [{ name: 'wharf.nats.subjects', value: 'w.>' }, { name: 'wharf.nats.account', value: 'B' }] }] }), invalidConfig);
          await assert.rejects(admin.createTopics({ topics: [{ topic: 'D.X', numPartitions: 1, configEntries: [{ name: 'wharf.nats.subjects', value: 'dx.>' }, { name: 'wharf.nats.account', value: 'D' }] }] }), invalidConfig);
          assert.ok(!t.broker!.log.hasTopic('WRONG') && !t.broker!.log.hasTopic('D.X'));
        } finally {
          await admin.disconnect();
        }
        const jb = await as('b').jetstreamManager();
        const ja = await as('a').jetstreamManager();
        await as('b').jetstream().publish('fk.one', sc.encode('over nats'));
        assert.equal((await jb.streams.info('FROMKAFKA')).state.messages, 1);
        await assert.rejects(ja.streams.info('FROMKAFKA'), /stream not found/);
      });
    }
  });
}

describe('JetStream per account across kill -9', () => {
  it("brings each account's streams and consumers back with their account", { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wharf-js-accounts-crash-'));
    const file = join(dir, 'accounts.conf');
    writeFileSync(file, ACCOUNTS_CONFIG(join(dir, 'store')));
    const port = await freePort();
    let child: ChildProcess | null = null;
    let out = '';
    const start = async (): Promise<void> => {
      const main = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
      const c = spawn(process.execPath, [main, '--nats-config', file, '--host', LOOPBACK, '--port', String(port), '--http-port', '-1', '--kafka-port', '-1', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      c.stdout!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
      c.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
      await waitForNatsInfo(port, 30_000, () => (c.exitCode !== null ? `wharf exited: ${out}` : undefined));
    };
    const kill9 = async (): Promise<void> => {
      const c = child!;
      const gone = new Promise<void>((r) => c.once('exit', () => r()));
      c.kill('SIGKILL');
      await gone;
    };
    const connectAs = (u: string): Promise<nats.NatsConnection> => nats.connect({ servers: `127.0.0.1:${port}`, user: u, pass: u, reconnect: false });
    try {
      await start();
      {
        const a = await connectAs('a');
        const b = await connectAs('b');
        await (await a.jetstreamManager()).streams.add({ name: 'ORDERS', subjects: ['orders.>'] });
        const jb = await b.jetstreamManager();
        await jb.streams.add({ name: 'ORDERS', subjects: ['orders.>'] });
        for (let i = 0; i < 2; i++) await a.jetstream().publish('orders.a', sc.encode(`a${i}`));
        for (let i = 0; i < 3; i++) await b.jetstream().publish('orders.b', sc.encode(`b${i}`));
        await jb.consumers.add('ORDERS', { durable_name: 'worker', ack_policy: nats.AckPolicy.Explicit });
        const m = await (await b.jetstream().consumers.get('ORDERS', 'worker')).next({ expires: 3_000 });
        assert.ok(m !== null && (await m.ackAck()), 'the first message of B acked and confirmed');
        await Promise.allSettled([a.close(), b.close()]);
      }
      await kill9();
      await start();
      const a = await connectAs('a');
      const b = await connectAs('b');
      try {
        const ja = await a.jetstreamManager();
        const jb = await b.jetstreamManager();
        assert.equal((await ja.streams.info('ORDERS')).state.messages, 2);
        assert.equal((await jb.streams.info('ORDERS')).state.messages, 3);
        const names = async (jsm: nats.JetStreamManager, s: string): Promise<string[]> => (await jsm.consumers.list(s).next()).map((c) => c.name);
        assert.deepEqual(await names(jb, 'ORDERS'), ['worker']);
        assert.deepEqual(await names(ja, 'ORDERS'), [], "B's consumer is not A's");
        const info = await jb.consumers.info('ORDERS', 'worker');
        assert.equal(info.ack_floor.stream_seq, 1, 'the confirmed ack survived');
        assert.equal(info.num_pending, 2);
        const m = await (await b.jetstream().consumers.get('ORDERS', 'worker')).next({ expires: 3_000 });
        assert.equal(m === null ? null : sc.decode(m.data), 'b1');
      } finally {
        await Promise.allSettled([a.close(), b.close()]);
      }
      // A second crash: the records of B's consumer were kept by the first recovery (A's coordinator leaves them alone).
      await kill9();
      await start();
      const b2 = await connectAs('b');
      try {
        const info = await (await b2.jetstreamManager()).consumers.info('ORDERS', 'worker');
        assert.equal(info.ack_floor.stream_seq, 1);
      } finally {
        await b2.close();
      }
    } finally {
      if (child !== null) await kill9().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const IMPORT_CONFIG = (storeDir: string): string => `
jetstream { store_dir: "${storeDir}" }
accounts {
  A {
    jetstream: enabled
    users = [ { user: a, password: a } ]
    exports = [ { service: "$JS.API.>" }, { service: "$JS.ACK.>" }, { stream: "deliver.>" } ]
  }
  B {
    users = [ { user: b, password: b } ]
    imports = [
      { service: { account: A, subject: "$JS.API.>" }, to: "JSA.API.>" }
      { service: { account: A, subject: "$JS.ACK.>" } }
      { stream: { account: A, subject: "deliver.>" } }
    ]
  }
}
`;

for (const kind of ['wharf', 'nats-server'] as const) {
  describe(`JetStream of another account through a service import of $JS.API.>: ${kind}`, { skip: kind === 'nats-server' ? peerSkip('nats-server') : false }, () => {
    let dir: string;
    let stop: () => Promise<void>;
    let a: nats.NatsConnection;
    let b: nats.NatsConnection;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'wharf-js-import-'));
      const config = IMPORT_CONFIG(join(dir, 'store'));
      let port: number;
      if (kind === 'nats-server') {
        const s = await startNatsServer({ config, monitor: false });
        port = s.port;
        stop = () => s.close();
      } else {
        const file = join(dir, 'import.conf');
        writeFileSync(file, config);
        const br = await startBroker({ host: '127.0.0.1', logLevel: 'silent', nats: { configFile: file, port: 0 }, kafka: { port: -1 }, http: { port: -1 } });
        port = br.ports.nats;
        stop = () => br.close();
      }
      a = await nats.connect({ servers: `127.0.0.1:${port}`, user: 'a', pass: 'a', reconnect: false });
      b = await nats.connect({ servers: `127.0.0.1:${port}`, user: 'b', pass: 'b', reconnect: false });
    });
    after(async () => {
      await Promise.allSettled([a?.close(), b?.close()]);
      await stop?.();
      rmSync(dir, { recursive: true, force: true });
    });

    it("manages, reads and acks account A's stream from account B under the import's prefix", { timeout: 30_000 }, async () => {
      const ja = await a.jetstreamManager();
      await ja.streams.add({ name: 'SHARED', subjects: ['shared.>'] });
      for (let i = 0; i < 3; i++) await a.jetstream().publish('shared.x', sc.encode(`m${i}`));
      const jb = await b.jetstreamManager({ apiPrefix: 'JSA.API' });
      assert.equal((await jb.streams.info('SHARED')).state.messages, 3);
      // B's own $JS.API is that of an account without JetStream.
      assert.equal((await api(b, '$JS.API.INFO')).error?.err_code, 10039);
      await jb.consumers.add('SHARED', { durable_name: 'fromb', ack_policy: nats.AckPolicy.Explicit });
      const js = b.jetstream({ apiPrefix: 'JSA.API' });
      const c = await js.consumers.get('SHARED', 'fromb');
      const m = await c.next({ expires: 3_000 });
      assert.ok(m !== null);
      assert.equal(sc.decode(m.data), 'm0');
      // The ack goes through the $JS.ACK.> import to A's consumer.
      assert.equal(await m.ackAck(), true);
      const info = await ja.consumers.info('SHARED', 'fromb');
      assert.equal(info.ack_floor.stream_seq, 1);
    });

    it("delivers a push consumer of A's stream to B through the deliver subject's stream import", { timeout: 30_000 }, async () => {
      const got: string[] = [];
      const sub = b.subscribe('deliver.b', { callback: (_e, m) => got.push(sc.decode(m.data)) });
      await b.flush();
      const jb = await b.jetstreamManager({ apiPrefix: 'JSA.API' });
      await jb.consumers.add('SHARED', { durable_name: 'pushb', deliver_subject: 'deliver.b', ack_policy: nats.AckPolicy.None });
      await waitFor(() => got.length === 3, { timeoutMs: 10_000, what: 'three deliveries in B' });
      assert.deepEqual(got, ['m0', 'm1', 'm2']);
      sub.unsubscribe();
    });
  });
}

// Operator mode: the JetStream limits of an account JWT (nats.limits: mem_storage, disk_storage,
// streams, consumer, …) enable JetStream for that account; an account JWT without them has none.
const jwtOp = nats.nkeys.createOperator();
const jwtSys = nats.nkeys.createAccount();
const jwtJs = nats.nkeys.createAccount();
const jwtNoJs = nats.nkeys.createAccount();
const jwtUser = nats.nkeys.createUser();
const jwtUser2 = nats.nkeys.createUser();
const jwtTiered = nats.nkeys.createAccount();
const jwtUser3 = nats.nkeys.createUser();
const pubKey = (k: NatsKeyPair): string => String(k.getPublicKey());
const BASE_LIMITS = { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 };
const JWT_ACCOUNTS: Record<string, string> = {
  [pubKey(jwtSys)]: accountJwt(jwtOp, jwtSys, 'SYS'),
  [pubKey(jwtJs)]: accountJwt(jwtOp, jwtJs, 'JS', { limits: { ...BASE_LIMITS, mem_storage: -1, disk_storage: 1_000_000, streams: 1, consumer: -1, max_ack_pending: 500 } }),
  [pubKey(jwtNoJs)]: accountJwt(jwtOp, jwtNoJs, 'NOJS'),
  // As nats.js 3.x's 'jsm - account limits' gives them: by tier.
  [pubKey(jwtTiered)]: accountJwt(jwtOp, jwtTiered, 'TIERED', { limits: { ...BASE_LIMITS, tiered_limits: { R1: { disk_storage: 1024 * 1024, consumer: -1, streams: -1 } } } }),
};
const JWT_CONFIG = (storeDir: string): string => `operator: ${operatorJwt(jwtOp, { system_account: pubKey(jwtSys) })}
resolver: MEMORY
resolver_preload: {
${Object.entries(JWT_ACCOUNTS).map(([k, v]) => `  ${k}: ${v}`).join('\n')}
}
jetstream { store_dir: "${storeDir}" }
`;

for (const kind of ['wharf', 'nats-server'] as const) {
  describe(`JetStream limits of account JWTs (operator mode): ${kind}`, { skip: kind === 'nats-server' ? peerSkip('nats-server') : false }, () => {
    let dir: string;
    let stop: () => Promise<void>;
    let port: number;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'wharf-js-jwt-'));
      const config = JWT_CONFIG(join(dir, 'store'));
      if (kind === 'nats-server') {
        const s = await startNatsServer({ config, monitor: false });
        port = s.port;
        stop = () => s.close();
      } else {
        const file = join(dir, 'op.conf');
        writeFileSync(file, config);
        const br = await startBroker({ host: '127.0.0.1', logLevel: 'silent', nats: { configFile: file, port: 0 }, kafka: { port: -1 }, http: { port: -1 } });
        port = br.ports.nats;
        stop = () => br.close();
      }
    });
    after(async () => {
      await stop?.();
      rmSync(dir, { recursive: true, force: true });
    });

    const connectCreds = (signer: NatsKeyPair, user: NatsKeyPair): Promise<nats.NatsConnection> =>
      nats.connect({ servers: `127.0.0.1:${port}`, reconnect: false, authenticator: nats.credsAuthenticator(new TextEncoder().encode(credsFile(userJwt(signer, user, 'u'), user))) });

    it('enables JetStream with the JWT limits and reports and enforces them', { timeout: 30_000 }, async () => {
      const nc = await connectCreds(jwtJs, jwtUser);
      try {
        const info = await api(nc, '$JS.API.INFO');
        assert.equal(info.error, undefined);
        assert.deepEqual(info['limits'], {
          max_memory: -1,
          max_storage: 1_000_000,
          max_streams: 1,
          max_consumers: -1,
          max_ack_pending: 500,
          memory_max_stream_bytes: -1,
          storage_max_stream_bytes: -1,
          max_bytes_required: false,
        });
        assert.equal((await api(nc, '$JS.API.STREAM.CREATE.ONE', { name: 'ONE', subjects: ['one'] })).error, undefined);
        assert.equal((await api(nc, '$JS.API.STREAM.CREATE.TWO', { name: 'TWO', subjects: ['two'] })).error?.err_code, 10027);
      } finally {
        await nc.close();
      }
    });

    it('shows the JWT limits in natscli with a creds file', { timeout: 30_000, skip: peerSkip('nats') }, async () => {
      const creds = join(dir, 'js.creds');
      writeFileSync(creds, credsFile(userJwt(jwtJs, jwtUser, 'u'), jwtUser));
      const r = await runNats(`nats://127.0.0.1:${port}`, ['--creds', creds, 'account', 'info']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Streams: \d+ of 1\b/);
      assert.match(r.stdout, /Storage: .* of 977 KiB/);
    });

    it('reports tiered JWT limits under tiers.R1, with zeros as the account\'s own limits', { timeout: 20_000 }, async () => {
      const nc = await connectCreds(jwtTiered, jwtUser3);
      try {
        assert.equal((await api(nc, '$JS.API.STREAM.CREATE.T', { name: 'T', subjects: ['t'] })).error, undefined);
        const info = await api(nc, '$JS.API.INFO');
        assert.equal(info.error, undefined);
        const zeros = { max_memory: 0, max_storage: 0, max_streams: 0, max_consumers: 0, max_ack_pending: 0, memory_max_stream_bytes: 0, storage_max_stream_bytes: 0, max_bytes_required: false };
        assert.deepEqual(info['limits'], zeros);
        assert.deepEqual(info['tiers'], {
          R1: {
            memory: 0,
            storage: 0,
            reserved_memory: 0,
            reserved_storage: 0,
            streams: 1,
            consumers: 0,
            limits: { ...zeros, max_storage: 1024 * 1024, max_streams: -1, max_consumers: -1, max_ack_pending: -1, memory_max_stream_bytes: -1, storage_max_stream_bytes: -1 },
          },
        });
        assert.equal(info['streams'], 1);
      } finally {
        await nc.close();
      }
    });

    it('answers 10039 to an account JWT without JetStream limits', { timeout: 20_000 }, async () => {
      const nc = await connectCreds(jwtNoJs, jwtUser2);
      try {
        assert.equal((await api(nc, '$JS.API.INFO')).error?.err_code, 10039);
      } finally {
        await nc.close();
      }
    });
  });
}

for (const kind of ['wharf', 'nats-server'] as const) {
  describe(`/jsz with accounts: ${kind}`, { skip: kind === 'nats-server' ? peerSkip('nats-server') : false }, () => {
    it('lists each account with JetStream, its usage and its reservations', { timeout: 30_000 }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'wharf-js-jsz-'));
      const config = ACCOUNTS_CONFIG(join(dir, 'store'));
      let port: number;
      let http: number;
      let stop: () => Promise<void>;
      if (kind === 'nats-server') {
        const s = await startNatsServer({ config });
        port = s.port;
        http = s.httpPort!;
        stop = () => s.close();
      } else {
        const file = join(dir, 'jsz.conf');
        writeFileSync(file, config);
        const br = await startBroker({ host: '127.0.0.1', logLevel: 'silent', nats: { configFile: file, port: 0 }, kafka: { port: -1 }, http: { port: 0 } });
        port = br.ports.nats;
        http = br.ports.http;
        stop = () => br.close();
      }
      const nc = await nats.connect({ servers: `127.0.0.1:${port}`, user: 'a', pass: 'a', reconnect: false });
      try {
        await (await nc.jetstreamManager()).streams.add({ name: 'Z', subjects: ['z'] });
        await nc.jetstream().publish('z', sc.encode('x'));
        const res = await fetch(`http://127.0.0.1:${http}/jsz?accounts=true`, { headers: { authorization: `Basic ${Buffer.from('a:a').toString('base64')}` } });
        const text = await res.text();
        assert.equal(res.status, 200, text);
        // Reservations are up to 2^64 - 1: compared as text.
        const body = JSON.parse(text) as { accounts: number; streams: number; messages: number; account_details: Array<{ name: string; storage: number }> };
        // Wharf's global account keeps JetStream beside the accounts' (docs/jetstream.md 1.20); nats-server's has none.
        const names = kind === 'wharf' ? ['$G', 'A', 'B', 'C'] : ['A', 'B', 'C'];
        assert.equal(body.accounts, names.length);
        assert.equal(body.streams, 1);
        assert.equal(body.messages, 1);
        assert.deepEqual(body.account_details.map((d) => d.name).sort(), names);
        assert.ok(body.account_details.find((d) => d.name === 'A')!.storage > 0);
        assert.match(text, /"reserved_memory": 1000000,/, "C's max_mem");
        assert.match(text, /"reserved_storage": 18446744073709551615,/, "A's unlimited file storage");
      } finally {
        await nc.close();
        await stop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
