// Core NATS messaging through the wire with real clients: npm `nats` 2.x and
// `@nats-io/transport-node` 3.x, plus a raw socket where the behaviour under test is the
// server's reaction to protocol a well-behaved client would never send.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import bcrypt from 'bcryptjs';
import * as nats2 from 'nats';
import * as nats3 from '@nats-io/transport-node';
import type { Broker } from '../../src/index.js';
import { startTestBroker } from '../support/broker.js';
import type { OptionsByFlag } from '../../src/config.js';
import { RawClient } from '../support/raw-client.js';
import { waitFor } from '../support/wait.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Every broker a test started: closed after the file even when a test failed half-way. */
const started = new Set<Broker>();
after(async () => {
  await Promise.all([...started].map((b) => b.close()));
});

async function broker(opts: OptionsByFlag = {}): Promise<Broker> {
  const b = await startTestBroker(opts);
  started.add(b);
  return b;
}

async function collect<T>(iter: AsyncIterable<T>, n: number, timeoutMs = 2_000): Promise<T[]> {
  const out: T[] = [];
  const timer = sleep(timeoutMs).then(() => 'timeout' as const);
  const it = iter[Symbol.asyncIterator]();
  while (out.length < n) {
    const r = await Promise.race([it.next(), timer]);
    if (r === 'timeout' || r.done) break;
    out.push(r.value);
  }
  return out;
}

describe('nats 2.x client', () => {
  let b: Broker;
  before(async () => {
    b = await broker();
  });
  after(async () => {
    await b.close();
  });

  test('publish and subscribe with * and > wildcards', async () => {
    const nc = await nats2.connect({ port: b.ports.nats });
    const star = nc.subscribe('orders.*');
    const full = nc.subscribe('orders.>');
    const exact = nc.subscribe('orders.eu.new');
    await nc.flush();
    nc.publish('orders.eu', 'a');
    nc.publish('orders.eu.new', 'b');
    nc.publish('other', 'c');
    // The PONG of the flush comes after every message the server sent this connection for the
    // publishes before it: the counts are final, over-delivery included.
    await nc.flush();
    assert.deepEqual([star.getReceived(), full.getReceived(), exact.getReceived()], [1, 2, 1], 'messages per subscription (orders.*, orders.>, orders.eu.new)');
    const [s, f, e] = await Promise.all([collect(star, 1), collect(full, 2), collect(exact, 1)]);
    assert.deepEqual(s.map((m) => m.string()), ['a']);
    assert.deepEqual(f.map((m) => m.subject), ['orders.eu', 'orders.eu.new']);
    assert.deepEqual(e.map((m) => m.string()), ['b']);
    await nc.close();
  });

  test('queue group: each message goes to exactly one member, spread over members', async () => {
    const pub = await nats2.connect({ port: b.ports.nats });
    const members = await Promise.all([0, 1, 2].map(() => nats2.connect({ port: b.ports.nats })));
    const plain = members[0]!.subscribe('work');
    const queued = members.map((nc) => nc.subscribe('work', { queue: 'workers' }));
    await Promise.all(members.map((nc) => nc.flush()));
    for (let i = 0; i < 600; i++) pub.publish('work', String(i));
    // The publisher's flush: the server has routed every message. Each member's flush: what it
    // was sent has arrived. The counts are then final, duplicates included.
    await pub.flush();
    await Promise.all(members.map((nc) => nc.flush()));
    const counts = queued.map((sub) => sub.getReceived());
    assert.equal(counts[0]! + counts[1]! + counts[2]!, 600, `per member: ${counts.join(', ')}`);
    for (const c of counts) assert.ok(c > 100, `member got ${c} of 600: not spread`);
    assert.equal(plain.getReceived(), 600, 'a plain subscription beside the group gets everything');
    await Promise.all([pub, ...members].map((nc) => nc.close()));
  });

  test('request-reply and no-responders', async () => {
    const nc = await nats2.connect({ port: b.ports.nats });
    const svc = nc.subscribe('svc.echo');
    (async () => {
      for await (const m of svc) m.respond(new TextEncoder().encode(`echo:${m.string()}`));
    })();
    const r = await nc.request('svc.echo', 'hi', { timeout: 5_000 });
    assert.equal(r.string(), 'echo:hi');
    await assert.rejects(nc.request('svc.nobody', 'hi', { timeout: 5_000 }), (err: Error & { code?: string }) => {
      assert.equal(err.code, nats2.ErrorCode.NoResponders);
      return true;
    });
    await nc.close();
  });

  test('headers travel with the message', async () => {
    const nc = await nats2.connect({ port: b.ports.nats });
    const sub = nc.subscribe('h');
    await nc.flush();
    const h = nats2.headers();
    h.set('X-Trace', 'abc');
    h.append('X-Trace', 'def');
    nc.publish('h', 'body', { headers: h });
    const [m] = await collect(sub, 1);
    assert.ok(m);
    assert.deepEqual(m.headers?.values('X-Trace'), ['abc', 'def']);
    assert.equal(m.string(), 'body');
    await nc.close();
  });

  test('echo:false keeps a connection from receiving its own messages', async () => {
    const nc = await nats2.connect({ port: b.ports.nats, noEcho: true });
    const other = await nats2.connect({ port: b.ports.nats });
    const mine = nc.subscribe('e');
    const theirs = other.subscribe('e');
    await Promise.all([nc.flush(), other.flush()]);
    nc.publish('e', 'from-nc');
    other.publish('e', 'from-other');
    // other's flush: its message was routed; nc's flush then comes after anything sent to nc.
    await other.flush();
    await nc.flush();
    assert.equal(mine.getReceived(), 1, 'the echo:false connection got one message, not its own');
    const [got, gotOther] = await Promise.all([collect(mine, 1), collect(theirs, 2)]);
    assert.deepEqual(got.map((m) => m.string()), ['from-other']);
    assert.deepEqual(gotOther.map((m) => m.string()).sort(), ['from-nc', 'from-other']);
    await Promise.all([nc.close(), other.close()]);
  });

  test('unsubscribe after max messages', async () => {
    const nc = await nats2.connect({ port: b.ports.nats });
    const sub = nc.subscribe('m', { max: 3 });
    await nc.flush();
    const conn = b.nats.connections.get(nc.info!.client_id);
    assert.ok(conn, `the server has connection ${nc.info!.client_id}`);
    assert.equal(conn.subscriptions.size, 1);
    const sentBefore = conn.outMsgs;
    for (let i = 0; i < 10; i++) nc.publish('m', String(i));
    await nc.flush();
    // nats.js drops messages past max itself: count what the server sent.
    assert.equal(conn.outMsgs - sentBefore, 3, 'the server sent three messages');
    assert.equal(conn.subscriptions.size, 0, 'and removed the subscription');
    const got = await collect(sub, 3);
    assert.deepEqual(got.map((m) => m.string()), ['0', '1', '2']);
    await nc.close();
  });

  test('payloads up to max_payload, split across reads', async () => {
    const nc = await nats2.connect({ port: b.ports.nats });
    const sub = nc.subscribe('big');
    await nc.flush();
    const big = new Uint8Array(1024 * 1024 - 100).map((_, i) => i % 251);
    nc.publish('big', big);
    const [m] = await collect(sub, 1);
    assert.ok(m);
    assert.deepEqual(Buffer.from(m.data), Buffer.from(big));
    await nc.close();
  });
});

describe('@nats-io/transport-node 3.x client', () => {
  test('pub/sub, request and no-responders', async () => {
    const b = await broker();
    const nc = await nats3.connect({ servers: `127.0.0.1:${b.ports.nats}` });
    assert.equal(nc.info?.headers, true);
    const sub = nc.subscribe('a.>');
    const svc = nc.subscribe('svc');
    (async () => {
      for await (const m of svc) m.respond(`re:${m.string()}`);
    })();
    await nc.flush();
    nc.publish('a.b.c', 'x');
    const [m] = await collect(sub, 1);
    assert.equal(m?.subject, 'a.b.c');
    const r = await nc.request('svc', 'q', { timeout: 5_000 });
    assert.equal(r.string(), 're:q');
    await assert.rejects(nc.request('none', 'q', { timeout: 5_000 }), (err: Error) => err instanceof nats3.NoRespondersError || /no responders|503/i.test(String(err)));
    await nc.close();
    await b.close();
  });
});

describe('authentication', () => {
  test('token, plain and bcrypt', async () => {
    for (const token of ['s3cret', bcrypt.hashSync('s3cret', 4)]) {
      const b = await broker({ authToken: token });
      const nc = await nats2.connect({ port: b.ports.nats, token: 's3cret' });
      await nc.flush();
      await nc.close();
      await assert.rejects(nats2.connect({ port: b.ports.nats, token: 'wrong', reconnect: false }), /Authorization Violation|AUTHORIZATION_VIOLATION/i);
      await b.close();
    }
  });

  test('user and password, plain and bcrypt', async () => {
    for (const pass of ['pw', bcrypt.hashSync('pw', 4)]) {
      const b = await broker({ user: 'alice', pass });
      const nc = await nats2.connect({ port: b.ports.nats, user: 'alice', pass: 'pw' });
      await nc.flush();
      await nc.close();
      await assert.rejects(nats2.connect({ port: b.ports.nats, user: 'alice', pass: 'nope', reconnect: false }), /Authorization Violation|AUTHORIZATION_VIOLATION/i);
      await assert.rejects(nats2.connect({ port: b.ports.nats, reconnect: false }), /Authorization Violation|AUTHORIZATION_VIOLATION/i);
      await b.close();
    }
  });

  test('INFO advertises auth_required; operations before CONNECT are refused', async () => {
    const b = await broker({ authToken: 't' });
    const c = await RawClient.connect(b.ports.nats);
    assert.ok(await c.waitFor(/"auth_required":true/));
    await c.write('PING\r\n');
    assert.ok(await c.waitFor("-ERR 'Authorization Violation'"));
    assert.ok(await c.waitClosed());
    await b.close();
  });

  test('authentication timeout', async () => {
    const b = await broker({ authToken: 't', authTimeout: 200 });
    const c = await RawClient.connect(b.ports.nats);
    assert.ok(await c.waitFor("-ERR 'Authentication Timeout'", 2_000));
    assert.ok(await c.waitClosed());
    await b.close();
  });
});

describe('protection', () => {
  test('headers are stripped for clients that did not ask for them', async () => {
    const b = await broker();
    const raw = await RawClient.connect(b.ports.nats);
    await raw.write('CONNECT {"headers":false}\r\nSUB h 1\r\nPING\r\n');
    assert.ok(await raw.waitFor('PONG'));
    const pub = await RawClient.connect(b.ports.nats);
    await pub.write('CONNECT {"headers":true}\r\nHPUB h 12 17\r\nNATS/1.0\r\n\r\nhello\r\nPING\r\n');
    assert.ok(await pub.waitFor('PONG'));
    assert.ok(await raw.waitFor('MSG h 1 5\r\nhello\r\n'));
    raw.close();
    pub.close();
    await b.close();
  });

  test('stale connection after unanswered pings', async () => {
    const b = await broker({ pingInterval: 100, maxPingsOut: 2 });
    const c = await RawClient.connect(b.ports.nats);
    await c.write('CONNECT {}\r\n');
    assert.ok(await c.waitFor("-ERR 'Stale Connection'", 3_000));
    assert.equal((c.text().match(/PING\r\n/g) ?? []).length, 2);
    assert.ok(await c.waitClosed());
    await b.close();
  });

  test('a client that answers pings stays connected', async () => {
    const b = await broker({ pingInterval: 100, maxPingsOut: 2 });
    // No reconnect: a connection the server dropped stays closed instead of being replaced.
    const nc = await nats2.connect({ port: b.ports.nats, reconnect: false });
    const cid = nc.info!.client_id;
    // A raw client connected after nc counts the server's pings and answers them. nc's ping
    // timer is older and has the same interval, so once the raw client has had five pings, nc
    // has had at least five too: two unanswered ones would have closed it as stale.
    const probe = await RawClient.connect(b.ports.nats);
    await probe.write('CONNECT {}\r\n');
    for (let n = 1; n <= 5; n++) {
      await waitFor(() => (probe.text().match(/PING\r\n/g) ?? []).length >= n || probe.closed, { what: `server PING ${n} to the probe` });
      assert.equal(probe.closed, false, `the probe was closed after ${n - 1} answered pings: ${probe.text()}`);
      await probe.write('PONG\r\n');
    }
    assert.ok(b.nats.connections.has(cid), 'the server still has the same connection');
    assert.equal(b.nats.staleConnections, 0);
    assert.equal(nc.isClosed(), false);
    probe.close();
    await nc.flush();
    await nc.close();
    await b.close();
  });

  test('maximum payload violation closes the connection', async () => {
    const b = await broker({ maxPayload: 1024 });
    const c = await RawClient.connect(b.ports.nats);
    assert.ok(await c.waitFor('"max_payload":1024'));
    await c.write('CONNECT {}\r\nPUB foo 1025\r\n');
    assert.ok(await c.waitFor("-ERR 'Maximum Payload Violation'"));
    assert.ok(await c.waitClosed());
    await b.close();
  });

  test('maximum connections', async () => {
    const b = await broker({ maxConnections: 2 });
    const a = await RawClient.connect(b.ports.nats);
    const a2 = await RawClient.connect(b.ports.nats);
    await Promise.all([a.waitFor('INFO'), a2.waitFor('INFO')]);
    const c = await RawClient.connect(b.ports.nats);
    assert.ok(await c.waitFor("-ERR 'maximum connections exceeded'"));
    assert.ok(await c.waitClosed());
    a.close();
    a2.close();
    await b.close();
  });

  test('maximum subscriptions: -ERR, connection kept', async () => {
    const b = await broker({ maxSubscriptions: 2 });
    const c = await RawClient.connect(b.ports.nats);
    await c.write('CONNECT {}\r\nSUB a 1\r\nSUB b 2\r\nSUB c 3\r\nPING\r\n');
    assert.ok(await c.waitFor('PONG'));
    assert.match(c.text(), /-ERR 'maximum subscriptions exceeded'/);
    c.close();
    await b.close();
  });

  test('slow consumer is cut off by pending bytes while a reading client keeps being served', async () => {
    const b = await broker({ maxPending: 1024 * 1024 });
    const slow = await RawClient.connect(b.ports.nats);
    await slow.write('CONNECT {}\r\nSUB flood 1\r\nPING\r\n');
    assert.ok(await slow.waitFor('PONG'));
    slow.socket.pause(); // stop reading: the kernel buffers fill, then the broker's
    const good = await nats2.connect({ port: b.ports.nats });
    const sub = good.subscribe('flood');
    await good.flush();
    const pub = await nats2.connect({ port: b.ports.nats });
    const payload = new Uint8Array(8 * 1024);
    let sent = 0;
    // Bursts of 64 KB, each flushed: a reading client never has 1 MB pending.
    while (sent < 8_000 && b.nats.slowConsumers === 0) {
      for (let k = 0; k < 8; k++, sent++) pub.publish('flood', payload);
      await pub.flush();
    }
    assert.equal(b.nats.slowConsumers, 1, 'the non-reading client was cut off');
    assert.ok(sent > 128, `cut off after ${sent} messages: before the kernel buffers could fill`);
    // The publisher flushed its last burst; the reader's flush comes after all it was sent.
    await good.flush();
    assert.equal(sub.getReceived(), sent, 'the reading subscriber got every message');
    assert.equal(good.isClosed(), false);
    assert.equal(b.nats.connections.size, 2, 'only the slow consumer was closed');
    await Promise.all([good.close(), pub.close()]);
    slow.close();
    await b.close();
  });

  test('a publisher that outruns its receivers is held back instead of the receivers being cut off', async () => {
    // nats.js's "buffers don't clobber" test, scaled to a small max_pending: one client
    // publishes a burst (32 MB) far larger than max_pending to its own subscription without yielding.
    const b = await broker({ maxPending: 4 * 1024 * 1024 });
    const nc = await nats2.connect({ port: b.ports.nats });
    const count = 32 * 1024;
    const sub = nc.subscribe('burst', { max: count });
    let received = 0;
    let inOrder = true;
    const done = (async () => {
      for await (const m of sub) {
        if (Buffer.from(m.data).readUInt32BE(0) !== received) inOrder = false;
        received++;
      }
    })();
    await nc.flush();
    for (let i = 0; i < count; i++) {
      const payload = Buffer.alloc(1024); // nats.js may keep a reference until it flushes
      payload.writeUInt32BE(i, 0);
      nc.publish('burst', payload);
    }
    // Waits on the state (every message received) with a bound far above the time it takes on
    // an idle machine (under a second), so that a loaded machine only makes it slower.
    await Promise.race([done, waitFor(() => received === count || nc.isClosed(), {
        what: 'every message of the burst',
        timeoutMs: 120_000,
        detail: () => {
          const conn = [...b.nats.connections.values()][0] as unknown as { pendingBytes?: number; sock?: { isPaused(): boolean; writableLength: number } } | undefined;
          return `received ${received}, slow consumers ${b.nats.slowConsumers}, stalls ${b.nats.stalls}, connections ${b.nats.connections.size}, broker pending ${conn?.pendingBytes}, broker socket paused ${conn?.sock?.isPaused()}, client stats ${JSON.stringify(nc.stats())}`;
        },
      })]);
    assert.equal(received, count, 'every message arrived');
    assert.ok(inOrder, 'in publish order');
    assert.equal(b.nats.slowConsumers, 0);
    // Whether a stall was needed depends on how fast this machine's client reads. Sized so that
    // the stalls (2-5 ms each, as nats-server's) are what keeps the receiver: with max_pending at
    // 1 MB they were not always enough (the receiver was cut off about once in eight runs, and
    // nats.js reconnected), at 4 MB it passed 55 runs of 55, two at a time; with the stalls
    // disabled it failed 4 runs of 8 (checked 2026-12-02).
    await nc.close();
    await b.close();
  });

  test('lame duck mode sends ldm INFO and closes clients', async () => {
    const b = await broker({ lameDuckDuration: 300, lameDuckGracePeriod: 100 });
    const c = await RawClient.connect(b.ports.nats);
    await c.write('CONNECT {"protocol":1}\r\nPING\r\n');
    assert.ok(await c.waitFor('PONG'));
    const done = b.lameDuck();
    assert.ok(await c.waitFor('"ldm":true'));
    await done;
    assert.ok(await c.waitClosed());
    await b.close();
  });
});
