// Subject mapping, differential: the same `mappings` table is given to the reference
// nats-server v2.15.2 (in its config file) and to Wharf (Router.setMappings), the same raw
// protocol is published to both, and what a subscriber to '>' receives must be the same:
// every transform function on a few subjects each, {{partition()}} over thousands of subjects
// (so the hash is the same, bytes included), and weighted mappings checked statistically on a
// large sample. Refused tables are compared with `nats-server -t`, error texts included.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type Broker } from '../../src/broker.js';
import { configFromFlags } from '../../src/config.js';
import { SubjectMapping, SubjectMappingError, type MappingTable, type SubjectMappingOptions } from '../../src/core/routing/subject-mapping.js';
import { peerSkip, requirePeer } from '../support/peers.js';
import { RawClient } from '../support/raw-client.js';
import { LOOPBACK } from '../support/net.js';
import { startNatsServer, type RunningNatsServer } from '../support/nats-server.js';
import { resolveOptions } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { Router } from '../../src/core/routing/router.js';
import { NatsServer } from '../../src/nats/server.js';
import { UserPasswordAuthenticator, type UserEntry } from '../../src/nats/auth.js';
import { natsServerUsersConfig } from './permission-targets.js';

/** nats-server config text holding a mappings table (JSON is a subset of its format). */
const mappingsConfig = (table: MappingTable, extra = '') => `mappings: ${JSON.stringify(table)}\n${extra}`;

interface Server {
  port: number;
  close(): Promise<void>;
}

async function startReference(table: MappingTable, extra = ''): Promise<Server> {
  const s: RunningNatsServer = await startNatsServer({ config: mappingsConfig(table, extra), monitor: false });
  return { port: s.port, close: () => s.close() };
}

async function startSubject(table: MappingTable, options: SubjectMappingOptions = {}): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-mapping-'));
  const broker: Broker = await startBroker(configFromFlags({ host: LOOPBACK, port: 0, httpPort: -1, kafkaPort: -1, logLevel: 'silent', dataDir }));
  broker.router.setMappings(table, options);
  return {
    port: broker.ports.nats,
    close: async () => {
      await broker.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const CONNECT = 'CONNECT {"verbose":false,"pedantic":false,"protocol":1,"headers":true,"no_responders":true}\r\n';

/** Opens a client that subscribes to '>' (and waits until the server confirmed it). */
async function subscriber(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  await c.write(CONNECT + 'SUB > 1\r\nPING\r\n');
  assert.ok(await c.waitFor('PONG\r\n', 5_000), 'no PONG after SUB');
  c.take();
  return c;
}

/** Sends PING and waits for its PONG (one more than received so far). */
async function roundTrip(c: RawClient): Promise<void> {
  const pongs = c.text().split('PONG\r\n').length - 1;
  await c.write('PING\r\n');
  // A protocol-1 client may get an INFO after its first PONG, so the PONG need not come last.
  assert.ok(await c.waitFor(new RegExp(`(?:PONG\r\n[^]*?){${pongs + 1}}`), 20_000), 'no PONG');
}

/**
 * Publishes each subject once (payload: its index) from one connection, then returns, for each,
 * the subjects the '>' subscriber received it on (in order). Subjects are byte strings.
 */
async function publishAll(port: number, subjects: readonly string[]): Promise<string[][]> {
  const sub = await subscriber(port);
  const pub = await RawClient.connect(port);
  try {
    await pub.write(CONNECT);
    for (let i = 0; i < subjects.length; i += 500) {
      let batch = '';
      for (let j = i; j < Math.min(i + 500, subjects.length); j++) batch += `PUB ${subjects[j]} ${String(j).length}\r\n${j}\r\n`;
      await pub.write(batch);
    }
    // The publisher's PONG follows its messages; the subscriber's PONG follows their deliveries.
    await roundTrip(pub);
    await roundTrip(sub);
    const got: string[][] = subjects.map(() => []);
    const re = /MSG (\S+) 1 (\d+)\r\n(\d+)\r\n/g;
    const text = sub.text();
    for (let m = re.exec(text); m !== null; m = re.exec(text)) got[Number(m[3])]!.push(m[1]!);
    assert.ok(!text.includes('-ERR'), `server error: ${text.slice(text.indexOf('-ERR'), text.indexOf('-ERR') + 80)}`);
    return got;
  } finally {
    sub.close();
    pub.close();
  }
}

/** UTF-8 text as the bytes it is on the wire (one char per byte). */
const bytes = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

/** A deterministic word generator for many different subjects. */
function words(seed: number) {
  const alphabet = ['a', 'b', 'c', 'x', 'y', 'z', '0', '1', '9', '-', '_', 'é', 'ß', '€', '💡', 'Q'];
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    let w = '';
    const len = 1 + (s % 12);
    for (let i = 0; i < len; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      w += alphabet[s >>> 28]!;
    }
    return bytes(w);
  };
}

// Sources never overlap: nats-server tries mappings in Go's map iteration order (random), so an
// overlap would make it disagree with itself.
const TABLE: MappingTable = {
  'lit.a': 'lit.b',
  'w1.*.*': 'w1o.$2.$1',
  'w2.*.>': 'w2o.{{wildcard(1)}}.>',
  'w3.>': 'w3o.>',
  'fw.>': '>',
  'z.*.*': 'zo.$0.{{wildcard(-1)}}.$2.{{ Wildcard ( 1 ) }}',
  'p1.*': 'p1o.{{partition(16)}}.$1',
  'p2.*.*': 'p2o.{{partition(10,2,1)}}.{{partition(3,1)}}.{{partition(1000, 2)}}',
  'p3.*': 'p3o.{{partition(-7,1)}}.{{partition(0)}}.{{Partition(2147483647)}}',
  's1.*': 's1o.{{splitFromLeft(1,3)}}',
  's2.*': 's2o.{{SplitFromRight(1,2)}}',
  's3.*': 's3o.{{sliceFromLeft(1,3)}}',
  's4.*': 's4o.{{SliceFromRight(1,3)}}',
  's5.*': 's5o.{{split(1,-)}}',
  's6.*': 's6o.{{split(1,)}}',
  's7.*.*': 's7o.{{left(1,2)}}.{{right(2,2)}}',
  'q.*b': 'qo',
  'grüße.*': 'hallo.$1',
  'cl.*': [
    { destination: 'clmain.$1', weight: 100 },
    { destination: 'cleast.$1', weight: 100, cluster: 'east' },
  ],
};

const SAMPLE_SUBJECTS = [
  'lit.a', 'lit.a.b', 'lit', 'lit.c',
  'w1.a.b', 'w1.a', 'w1.a.b.c', 'w1.*.x', 'w1.a.>',
  'w2.a.b', 'w2.a.b.c.d', 'w2.a',
  'w3.a', 'w3.a.b.c', 'w3',
  'fw.x', 'fw.x.y.z',
  'z.a.b',
  's1.12345', 's1.12', 's1.123', 's1.' + bytes('ééé'),
  's2.12345', 's2.1', 's2.' + bytes('€x'),
  's3.1234567890', 's3.123', 's3.1', 's3.' + bytes('ab€'),
  's4.1234567890', 's4.123456', 's4.12',
  's5.-abc-def--ghi-', 's5.abc-def', 's5.---', 's5.-', 's5.abc',
  's6.abc', 's6.' + bytes('aé€💡'), 's6.a\xffb', 's6.\xe2\x82',
  's7.abcdef.uvwxyz', 's7.a.b', 's7.' + bytes('éé.€€'),
  'q.*b', 'q.zzz', 'q.b', 'q.zzz.y',
  bytes('grüße.welt'), 'grüße.x',
  'cl.1',
  'nomatch', 'nomatch.a.b', '$SYS.x', '_INBOX.abc',
];

describe('subject mapping vs nats-server v2.15.2', { skip: peerSkip('nats-server') }, () => {
  let reference: Server;
  let subject: Server;
  before(async () => {
    [reference, subject] = await Promise.all([startReference(TABLE), startSubject(TABLE)]);
  });
  after(async () => {
    await Promise.all([reference?.close(), subject?.close()]);
  });

  it('routes each sample subject to the same destination', async () => {
    const [want, got] = await Promise.all([publishAll(reference.port, SAMPLE_SUBJECTS), publishAll(subject.port, SAMPLE_SUBJECTS)]);
    const show = (r: string[][]) => SAMPLE_SUBJECTS.map((s, i) => `${s} -> ${r[i]!.join(',') || '<nothing>'}`);
    assert.deepEqual(show(got), show(want));
    // Sanity: the mappings did something on the reference.
    assert.deepEqual(want[SAMPLE_SUBJECTS.indexOf('w1.a.b')], ['w1o.b.a']);
  });

  it('partitions 6000 subjects exactly as nats-server does', async () => {
    const next = words(7);
    const subjects: string[] = [];
    for (let i = 0; i < 2000; i++) subjects.push(`p1.${next()}`, `p2.${next()}.${next()}`, `p3.${next()}`);
    const [want, got] = await Promise.all([publishAll(reference.port, subjects), publishAll(subject.port, subjects)]);
    assert.equal(want.filter((r) => r.length === 1).length, subjects.length, 'the reference delivered each once');
    const diffs = subjects.flatMap((s, i) => (want[i]![0] === got[i]![0] ? [] : [`${s}: nats-server ${want[i]![0]}, wharf ${got[i]![0]}`]));
    assert.deepEqual(diffs.slice(0, 10), []);
    // And the partitions are spread: all 16 of p1 are used.
    const p1 = new Set(want.filter((r) => r[0]!.startsWith('p1o.')).map((r) => r[0]!.split('.')[1]));
    assert.equal(p1.size, 16);
    // The core's answer is the wire's.
    const core = SubjectMapping.parse(TABLE);
    assert.deepEqual(subjects.slice(0, 300).map((s) => core.map(s)), want.slice(0, 300).map((r) => r[0]));
  });
});

describe('weighted subject mapping vs nats-server v2.15.2 (statistical)', { skip: peerSkip('nats-server') }, () => {
  const WEIGHTED: MappingTable = {
    'wt.*': [
      { destination: 'wta.$1', weight: 30 },
      { destination: 'wtb.$1', weight: '50%' },
    ],
    // The source listed itself: the other half is lost.
    loss: [
      { destination: 'kept', weight: 40 },
      { destination: 'loss', weight: 10 },
    ],
    'rnd.*': 'rnd.{{random(4)}}.$1',
  };
  const N = 20_000;
  let reference: Server;
  let subject: Server;
  before(async () => {
    [reference, subject] = await Promise.all([startReference(WEIGHTED), startSubject(WEIGHTED)]);
  });
  after(async () => {
    await Promise.all([reference?.close(), subject?.close()]);
  });

  /** Share of each received subject among N publishes of `published` (lost ones under ''). */
  async function shares(port: number, published: string): Promise<Map<string, number>> {
    const got = await publishAll(port, new Array<string>(N).fill(published));
    const counts = new Map<string, number>();
    for (const r of got) {
      assert.ok(r.length <= 1, `delivered ${r.length} times`);
      const k = r[0] ?? '';
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    return counts;
  }
  /** Within 5 binomial standard deviations of N·p (a false alarm about once in 1.7 million). */
  function near(counts: Map<string, number>, key: string, p: number, who: string) {
    const n = counts.get(key) ?? 0;
    const sd = Math.sqrt(N * p * (1 - p));
    assert.ok(Math.abs(n - N * p) <= 5 * sd, `${who}: ${key} got ${n} of ${N}, expected about ${N * p}`);
  }

  for (const [published, expected] of [
    ['wt.x', { 'wta.x': 0.3, 'wtb.x': 0.5, 'wt.x': 0.2 }],
    ['loss', { kept: 0.4, loss: 0.1, '': 0.5 }],
    ['rnd.q', { 'rnd.0.q': 0.25, 'rnd.1.q': 0.25, 'rnd.2.q': 0.25, 'rnd.3.q': 0.25 }],
  ] as const) {
    it(`${published}: ${JSON.stringify(expected)}`, async () => {
      const [want, got] = await Promise.all([shares(reference.port, published), shares(subject.port, published)]);
      for (const [who, counts] of [['nats-server', want], ['wharf', got]] as const) {
        assert.deepEqual([...counts.keys()].sort(), Object.keys(expected).sort(), `${who} received other subjects`);
        for (const [key, p] of Object.entries(expected)) near(counts, key, p, who);
      }
    });
  }
});

describe('cluster-scoped mappings vs nats-server v2.15.2 in a cluster of one', { skip: peerSkip('nats-server') }, () => {
  const CLUSTERED: MappingTable = {
    'cl.*': [
      { destination: 'clmain.$1', weight: 100 },
      { destination: 'cleast.$1', weight: 100, cluster: 'east' },
    ],
    'only.*': [{ destination: 'west.$1', weight: 100, cluster: 'west' }],
  };
  let reference: Server;
  let subject: Server;
  before(async () => {
    [reference, subject] = await Promise.all([
      startReference(CLUSTERED, 'cluster { name: "east", listen: "127.0.0.1:-1" }'),
      startSubject(CLUSTERED, { clusterName: 'east' }),
    ]);
  });
  after(async () => {
    await Promise.all([reference?.close(), subject?.close()]);
  });

  it("applies the server's cluster's destinations, and the unscoped ones elsewhere", async () => {
    const subjects = ['cl.1', 'only.2'];
    const [want, got] = await Promise.all([publishAll(reference.port, subjects), publishAll(subject.port, subjects)]);
    assert.deepEqual(want, [['cleast.1'], ['only.2']]);
    assert.deepEqual(got, want);
  });
});

describe('a literal mapping alone vs nats-server v2.15.2', { skip: peerSkip('nats-server') }, () => {
  // nats-server tokenizes the subject only when a mapping is passed over: the first mapping,
  // literal and matched, sees no tokens, so partition() hashes "" there.
  const ALONE: MappingTable = { lit: 'bar.{{partition(10)}}.{{partition(1000)}}' };
  let reference: Server;
  let subject: Server;
  before(async () => {
    [reference, subject] = await Promise.all([startReference(ALONE), startSubject(ALONE)]);
  });
  after(async () => {
    await Promise.all([reference?.close(), subject?.close()]);
  });

  it('partitions the same way', async () => {
    const [want, got] = await Promise.all([publishAll(reference.port, ['lit']), publishAll(subject.port, ['lit'])]);
    assert.deepEqual(want, [[`bar.${0x811c9dc5 % 10}.${0x811c9dc5 % 1000}`]]);
    assert.deepEqual(got, want);
  });
});

describe('no responders on a mapped subject vs nats-server v2.15.2', { skip: peerSkip('nats-server') }, () => {
  const TABLE503: MappingTable = { 'req.*': 'svc.$1' };
  let reference: Server;
  let subject: Server;
  before(async () => {
    [reference, subject] = await Promise.all([startReference(TABLE503), startSubject(TABLE503)]);
  });
  after(async () => {
    await Promise.all([reference?.close(), subject?.close()]);
  });

  async function request(port: number): Promise<string> {
    const c = await RawClient.connect(port);
    try {
      await c.write(CONNECT + 'SUB _INBOX.r 9\r\nPUB req.x _INBOX.r 0\r\n\r\n');
      await roundTrip(c);
      return (/HMSG[^\r]*\r\n[^]*?\r\n\r\n/.exec(c.text()) ?? ['<no status>'])[0];
    } finally {
      c.close();
    }
  }

  it(
    'the 503 names the mapped subject',
    async () => {
      const [want, got] = await Promise.all([request(reference.port), request(subject.port)]);
      assert.match(want, /Nats-Subject: svc\.x\r\n/);
      assert.equal(got, want);
    },
  );
});

describe('publish permissions on a mapped subject vs nats-server v2.15.2', { skip: peerSkip('nats-server') }, () => {
  // nats-server maps in its parser, before processInboundClientMsg checks publish permissions:
  // the permission applies to the mapped subject.
  const TABLE_PERMS: MappingTable = { 'in.*': 'out.$1', 'blocked.*': 'secret.$1' };
  const USERS: UserEntry[] = [
    { user: 'alice', pass: 'a', permissions: { publish: { allow: ['out.>', 'secret.>', 'plain'], deny: ['secret.>'] } } },
    { user: 'bob', pass: 'b' },
  ];
  let reference: Server;
  let subject: Server;
  before(async () => {
    const ref = startNatsServer({ config: natsServerUsersConfig(USERS) + mappingsConfig(TABLE_PERMS), monitor: false });
    const wharf = (async (): Promise<Server> => {
      const options = resolveOptions({ host: LOOPBACK, nats: { port: 0 }, logLevel: 'silent' });
      const server = new NatsServer(options.nats, new Router({ mappings: TABLE_PERMS }), createLogger('silent'), new UserPasswordAuthenticator(USERS));
      await server.listen();
      return { port: server.port, close: () => server.close() };
    })();
    [reference, subject] = await Promise.all([ref.then((r) => ({ port: r.port, close: () => r.close() })), wharf]);
  });
  after(async () => {
    await Promise.all([reference?.close(), subject?.close()]);
  });

  async function transcript(port: number): Promise<{ alice: string[]; bob: string[] }> {
    const bob = await RawClient.connect(port);
    const alice = await RawClient.connect(port);
    try {
      await bob.write('CONNECT {"verbose":false,"user":"bob","pass":"b"}\r\nSUB > 1\r\n');
      await roundTrip(bob);
      await alice.write('CONNECT {"verbose":false,"user":"alice","pass":"a"}\r\n' + ['in.x', 'blocked.y', 'plain'].map((s) => `PUB ${s} 2\r\nhi\r\n`).join(''));
      await roundTrip(alice);
      await roundTrip(bob);
      const lines = (c: RawClient) => c.text().split('\r\n').filter((l) => l.startsWith('MSG ') || l.startsWith('-ERR'));
      return { alice: lines(alice), bob: lines(bob) };
    } finally {
      alice.close();
      bob.close();
    }
  }

  it(
    'checks the mapped subject',
    async () => {
      const [want, got] = await Promise.all([transcript(reference.port), transcript(subject.port)]);
      assert.deepEqual(want, { alice: [`-ERR 'Permissions Violation for Publish to "secret.y"'`], bob: ['MSG out.x 1 2', 'MSG plain 1 2'] });
      assert.deepEqual(got, want);
    },
  );
});

describe('refused mapping tables vs nats-server v2.15.2 -t', { skip: peerSkip('nats-server') }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-mapping-conf-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;

  /** The errors `nats-server -t` reports for a config holding the table (positions removed). */
  function referenceErrors(table: MappingTable): Promise<string[]> {
    const file = join(dir, `m${n++}.conf`);
    writeFileSync(file, mappingsConfig(table));
    return new Promise((resolve) => {
      execFile(requirePeer('nats-server'), ['-c', file, '-t'], (err, stdout, stderr) => {
        if (!err) return resolve([]);
        const lines = stderr
          .replace(/^nats-server: /, '')
          .split('\n')
          .map((l) => l.replace(/^.*?:\d+:\d+: /, '').trim())
          .filter((l) => l !== '');
        resolve(lines.sort());
      });
    });
  }
  function subjectErrors(table: MappingTable): string[] {
    try {
      SubjectMapping.parse(table);
      return [];
    } catch (err) {
      assert.ok(err instanceof SubjectMappingError);
      return [...err.errors].sort();
    }
  }

  const TABLES: MappingTable[] = [
    { 'foo.*': 'bar.$2' },
    { 'foo.*': 'bar.*' },
    { 'foo.*': 'bar.$1.>' },
    { 'foo.>': 'bar' },
    { 'foo.*': 'x.{{unknown(1)}}' },
    { 'foo.*': 'x.{{wildcard()}}' },
    { 'foo.*': 'x.{{wildcard(1,2)}}' },
    { 'foo.*': 'x.{{wildcard(a)}}' },
    { 'foo.*': 'x.{{partition()}}' },
    { 'foo.*': 'x.{{partition(2147483648,1)}}' },
    { 'foo.*': 'x.{{random()}}' },
    { 'foo.*': 'x.{{random(1,2)}}' },
    { 'foo.*': 'x.{{split(1)}}' },
    { 'foo.*': 'x.{{split(1,a b)}}' },
    { 'foo.*': 'x.{{splitFromLeft(1)}}' },
    { 'foo.*': 'x.{{sliceFromRight(1,2,3)}}' },
    { 'foo.*': 'x.{{left(1,99999999999)}}' },
    { 'foo.*': 'x.{{ wildcard5) }}' },
    { foo: 'x.{{wildcard(1)}}' },
    { foo: 'x.{{split(1,-)}}' },
    { 'foo.*': 'y..z' },
    { 'foo.*': 'r.>.s' },
    { 'foo.*': 'w. $1' },
    { 'foo..': 'a', 'b c': 'd' },
    { 'f.*': [{ destination: 'a.$1', weight: 60 }, { destination: 'b.$1', weight: '50%' }] },
    { 'f.*': [{ destination: 'a.$1', weight: 10 }, { destination: 'a.$1', weight: 10 }] },
    { 'f.*': [{ destination: 'a.$1', weight: 101 }] },
    { 'f.*': [{ destination: 'a.$1', weight: -1 }] },
    { 'f.*': [{ destination: 'a.$1', weight: 'half' }] },
    { 'f.*': [{ destination: 'a.$1', weight: 50.5 }] },
    { 'f.*': [{ destination: 'a.$1', weight: 60, cluster: 'e' }, { destination: 'b.$1', weight: 60, cluster: 'e' }] },
    JSON.parse('{"f.*":[{"destination":"a.$1"}]}') as MappingTable,
    JSON.parse('{"f.*":[{"destination":"a.$1","weight":10,"x":1}]}') as MappingTable,
    JSON.parse('{"f.*":["x"],"g.*":7,"h.*":true}') as MappingTable,
    // Accepted by both.
    { 'f.*': [{ destination: 'a.$1', weight: 60, cluster: 'e' }, { destination: 'b.$1', weight: 60 }] },
    { 'f.*': 'x.{{left(1,2)}}.{{right(1,2)}}.{{random(5)}}.$0.$-1' },
    { 'f.*': 'x.$foo.{{}}' },
  ];

  for (const table of TABLES) {
    it(JSON.stringify(table), async () => {
      assert.deepEqual(subjectErrors(table), await referenceErrors(table));
    });
  }

  it('an empty destination: nats-server accepts it (and panics on the first publish), Wharf refuses it', async () => {
    const table = { foo: '' };
    assert.deepEqual(await referenceErrors(table), []);
    assert.deepEqual(subjectErrors(table), ['Error adding mapping for "foo" to "" : invalid mapping destination: invalid transform']);
  });
});
