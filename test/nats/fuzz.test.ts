// Protocol fuzzing: random, mutated and truncated NATS protocol input (seeded PRNG, bounded in
// count and time) fed over many connections to a Wharf broker running as a child process,
// while a well-behaved client (nats.js) keeps making requests. The broker must stay up and
// keep serving that client throughout and afterwards.
//
// WHARF_FUZZ_SEED=n reproduces a run (the seed is printed on failure);
// WHARF_FUZZ_CONNECTIONS / WHARF_FUZZ_SECONDS bound the work (defaults 2000 / 15).
// WHARF_NATS_SUBJECT=nats-server fuzzes the reference server instead (checks the harness).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect as natsConnect, type NatsConnection } from 'nats';
import { peerSkip } from '../support/peers.js';
import { RawClient } from '../support/raw-client.js';
import { sleep } from '../support/net.js';
import { spawnWharf } from '../support/wharf.js';
import { startNatsServer } from '../support/nats-server.js';
import { subjectKind } from '../support/targets.js';

// ---------------------------------------------------------------------------------------------
// Seeded PRNG (mulberry32) and generators

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Gen {
  constructor(readonly rnd: () => number) {}
  int(n: number): number {
    return Math.floor(this.rnd() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.rnd() < p;
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}

const SUBJECTS = ['foo', 'foo.bar', 'foo.*', 'foo.>', '>', '*', 'a.b.c.d.e.f', 'foo..bar', '.foo', 'foo.', '', ' ', 'x\ty', 'ü.ß', '*foo', 'foo.>.bar', '_INBOX.x', 'fuzz.data', 'a'.repeat(300)];
const NUMBERS = ['0', '1', '2', '5', '16', '-1', '-0', '1048576', '1048577', '4294967296', '9007199254740993', '99999999999999999999999', 'abc', '', '0x10', '1e3', ' 3'];
const OPS = ['PUB', 'HPUB', 'SUB', 'UNSUB', 'PING', 'PONG', 'CONNECT', 'MSG', 'HMSG', 'INFO', '+OK', '-ERR', 'pub', 'sub', 'Ping', 'P', 'PU', 'CONN', 'X'];
const JSON_VALUES: unknown[] = [true, false, null, 0, 1, 2, -1, 1e308, 'x', '', [], {}, [1, [2]], { a: { b: {} } }];
const CONNECT_KEYS = ['verbose', 'pedantic', 'echo', 'headers', 'no_responders', 'protocol', 'lang', 'version', 'name', 'user', 'pass', 'auth_token', 'tls_required', 'sig', 'jwt', 'nkey'];

function validLine(g: Gen): string {
  const s = g.pick(['foo', 'foo.bar', 'fuzz.data', 'a.b']);
  switch (g.int(7)) {
    case 0: {
      const p = g.bytes(g.int(40)).toString('latin1');
      return `PUB ${s} ${p.length}\r\n${p}\r\n`;
    }
    case 1: {
      const h = 'NATS/1.0\r\nK: v\r\n\r\n';
      const p = 'x'.repeat(g.int(20));
      return `HPUB ${s} ${g.chance(0.5) ? 'r.' + g.int(9) + ' ' : ''}${h.length} ${h.length + p.length}\r\n${h}${p}\r\n`;
    }
    case 2:
      return `SUB ${g.pick(SUBJECTS.slice(0, 7))}${g.chance(0.3) ? ' q' + g.int(3) : ''} ${g.int(50)}\r\n`;
    case 3:
      return `UNSUB ${g.int(50)}${g.chance(0.5) ? ' ' + g.int(5) : ''}\r\n`;
    case 4:
      return 'PING\r\n';
    case 5:
      return 'PONG\r\n';
    default: {
      const o: Record<string, unknown> = {};
      for (const k of CONNECT_KEYS) if (g.chance(0.3)) o[k] = g.chance(0.5) ? g.pick(JSON_VALUES) : true;
      return `CONNECT ${JSON.stringify(o)}\r\n`;
    }
  }
}

function randomLine(g: Gen): string {
  const parts = [g.pick(OPS)];
  const n = g.int(5);
  for (let i = 0; i < n; i++) parts.push(g.chance(0.5) ? g.pick(SUBJECTS) : g.pick(NUMBERS));
  const sep = g.pick([' ', ' ', '\t', '  ', ' \t ']);
  let line = parts.join(sep) + g.pick(['\r\n', '\r\n', '\n', '\r', '']);
  if (g.chance(0.3)) line += g.bytes(g.int(30)).toString('latin1') + '\r\n';
  return line;
}

function mutate(g: Gen, s: string): string {
  const b = Buffer.from(s, 'latin1');
  switch (g.int(7)) {
    case 0: // truncate
      return b.subarray(0, g.int(b.length + 1)).toString('latin1');
    case 1: {
      // flip some bytes
      for (let i = 0, n = 1 + g.int(3); i < n && b.length; i++) b[g.int(b.length)] = g.int(256);
      return b.toString('latin1');
    }
    case 2: // insert garbage
      return s.slice(0, g.int(s.length + 1)) + g.bytes(1 + g.int(10)).toString('latin1') + s.slice(g.int(s.length + 1));
    case 3: // drop CR or LF
      return s.replace(g.chance(0.5) ? /\r/g : /\n/g, '');
    case 4: // huge control line
      return s.replace(' ', ' ' + 'z'.repeat(3000 + g.int(3000)) + ' ');
    case 5: // swap size for a random number
      return s.replace(/ \d+\r\n/, ` ${g.pick(NUMBERS)}\r\n`);
    default:
      return s.toUpperCase();
  }
}

/** One fuzz session: bytes to send, as chunks. */
function session(g: Gen): Buffer[] {
  const pieces: string[] = [];
  if (g.chance(0.7)) pieces.push(validLine(g).startsWith('CONNECT') ? validLine(g) : 'CONNECT {"verbose":false,"protocol":1,"headers":true}\r\n');
  const n = 1 + g.int(12);
  for (let i = 0; i < n; i++) {
    const kind = g.int(10);
    if (kind < 4) pieces.push(validLine(g));
    else if (kind < 7) pieces.push(mutate(g, validLine(g)));
    else if (kind < 9) pieces.push(randomLine(g));
    else pieces.push(g.bytes(1 + g.int(200)).toString('latin1'));
  }
  const all = Buffer.from(pieces.join(''), 'latin1');
  // Split into random TCP writes.
  const chunks: Buffer[] = [];
  let at = 0;
  while (at < all.length) {
    const len = 1 + g.int(Math.min(all.length - at, g.chance(0.2) ? 3 : 200));
    chunks.push(all.subarray(at, at + len));
    at += len;
  }
  return chunks;
}

// ---------------------------------------------------------------------------------------------

const SEED = Number(process.env.WHARF_FUZZ_SEED ?? 0x5eed) >>> 0;
const CONNECTIONS = Number(process.env.WHARF_FUZZ_CONNECTIONS ?? 2000);
const SECONDS = Number(process.env.WHARF_FUZZ_SECONDS ?? 15);
const CONCURRENCY = 24;

interface Server {
  port: number;
  alive(): boolean;
  output(): string;
  close(): Promise<void>;
}

async function startServer(): Promise<Server> {
  if (subjectKind() === 'nats-server') {
    const s = await startNatsServer();
    return { port: s.port, alive: () => s.process.exitCode === null && s.process.signalCode === null, output: s.output, close: () => s.close() };
  }
  const w = await spawnWharf(['--log-level', 'warn']);
  return { port: w.port, alive: () => w.process.exitCode === null && w.process.signalCode === null, output: w.output, close: () => w.close() };
}

describe(`NATS protocol fuzzing (${subjectKind()}, seed ${SEED})`, { skip: subjectKind() === 'nats-server' ? peerSkip('nats-server') : false }, () => {
  let server: Server;
  let responder: NatsConnection;
  let client: NatsConnection;

  before(async () => {
    server = await startServer();
    const opts = { servers: `nats://127.0.0.1:${server.port}`, reconnect: false, name: 'fuzz-health' };
    responder = await natsConnect(opts);
    client = await natsConnect(opts);
    const sub = responder.subscribe('fuzz.health');
    void (async () => {
      for await (const m of sub) m.respond(m.data);
    })();
    await responder.flush();
  });

  after(async () => {
    await Promise.allSettled([client?.close(), responder?.close()]);
    await server?.close();
  });

  it('stays up and keeps serving a well-behaved client while fed random protocol input', async (t) => {
    const g = new Gen(mulberry32(SEED));
    const sessions = Array.from({ length: CONNECTIONS }, () => ({ chunks: session(g), gap: g.int(3), linger: g.int(4) === 0 ? 50 + g.int(100) : 0 }));
    const deadline = Date.now() + SECONDS * 1000;
    const failures: string[] = [];
    let healthOk = 0;
    let done = false;

    // The well-behaved client: a request every 20 ms for the whole run, each answered in time.
    const health = (async () => {
      let n = 0;
      while (!done) {
        const payload = new TextEncoder().encode(`health-${n++}`);
        try {
          const reply = await client.request('fuzz.health', payload, { timeout: 3_000 });
          if (new TextDecoder().decode(reply.data) !== `health-${n - 1}`) failures.push(`request ${n - 1}: wrong reply`);
          else healthOk++;
        } catch (err) {
          failures.push(`request ${n - 1}: ${(err as Error).message}`);
          if (failures.length > 5) return;
        }
        await sleep(20);
      }
    })();

    let next = 0;
    let sent = 0;
    let closedByServer = 0;
    // The run lasts SECONDS, but never ends before MIN_SESSIONS were sent: on a loaded machine it
    // takes longer instead of testing less.
    const MIN_SESSIONS = Math.min(CONNECTIONS, 50);
    async function worker() {
      while (next < sessions.length && (Date.now() < deadline || next < MIN_SESSIONS) && server.alive()) {
        const s = sessions[next++]!;
        let c: RawClient;
        try {
          c = await RawClient.connect(server.port, '127.0.0.1', 3_000);
        } catch (err) {
          failures.push(`fuzz connect failed: ${(err as Error).message}`);
          return;
        }
        try {
          await c.writeChunks(s.chunks, s.gap);
          sent++;
          if (s.linger) await c.waitQuiet(20, s.linger);
          if (c.closed) closedByServer++;
        } finally {
          c.close();
        }
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    done = true;
    await health;

    const ctx = `seed ${SEED}, ${sent} fuzz sessions sent, ${closedByServer} closed by the server, ${healthOk} health requests ok`;
    t.diagnostic(ctx);
    assert.ok(server.alive(), `the broker died (${ctx}):\n${server.output().slice(-4000)}`);
    assert.deepEqual(failures, [], `the well-behaved client was not served (${ctx})`);
    assert.ok(sent >= MIN_SESSIONS, `only ${sent} fuzz sessions were sent, ${MIN_SESSIONS} expected (${ctx})`);
    assert.ok(healthOk > 0, ctx);

    // Afterwards: a fresh client still gets every message of a burst.
    const fresh = await natsConnect({ servers: `nats://127.0.0.1:${server.port}`, reconnect: false });
    try {
      const sub = fresh.subscribe('fuzz.after', { max: 200 });
      await fresh.flush();
      for (let i = 0; i < 200; i++) client.publish('fuzz.after', new TextEncoder().encode(String(i)));
      await client.flush();
      const got: string[] = [];
      const timer = setTimeout(() => sub.unsubscribe(), 5_000);
      for await (const m of sub) got.push(new TextDecoder().decode(m.data));
      clearTimeout(timer);
      assert.deepEqual(got, Array.from({ length: 200 }, (_, i) => String(i)), ctx);
    } finally {
      await fresh.close();
    }
  });
});
