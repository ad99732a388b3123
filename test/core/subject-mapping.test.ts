// Subject mapping in the core, without a wire: the transform functions and their edge cases as
// nats-server's own tests pin them (server/subject_transform_test.go), the errors of refused
// tables, weighted draws with a seeded generator, the bounded cache, and the router applying
// mappings on publish() but not on route(). What nats-server does on the wire with the same
// tables is compared in test/nats/mapping.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SubjectMapping, SubjectMappingError, type MappingTable } from '../../src/core/routing/subject-mapping.js';
import { fnv1a } from '../../src/core/routing/subject-transform.js';
import { Router, type RoutedSubscription, type SubscriptionOwner } from '../../src/core/routing/router.js';

const map = (table: MappingTable, subject: string) => SubjectMapping.parse(table).map(subject);

function refusal(table: MappingTable): readonly string[] {
  try {
    SubjectMapping.parse(table);
  } catch (err) {
    assert.ok(err instanceof SubjectMappingError, String(err));
    return err.errors;
  }
  assert.fail(`accepted ${JSON.stringify(table)}`);
}

/** A deterministic uniform generator (mulberry32), for weighted draws. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('subject transforms', () => {
  // [source, destination, published, expected]: nats-server's TestSubjectTransforms cases.
  const cases: [string, string, string, string][] = [
    ['>', 'prefix.>', 'foo', 'prefix.foo'],
    ['foo', 'bar', 'foo', 'bar'],
    ['foo.*.bar.*.baz', 'req.$2.$1', 'foo.A.bar.B.baz', 'req.B.A'],
    ['foo.*.bar.*.baz', 'req.{{wildcard(2)}}.{{wildcard(1)}}', 'foo.A.bar.B.baz', 'req.B.A'],
    ['baz.>', 'my.pre.>', 'baz.1.2.3', 'my.pre.1.2.3'],
    ['baz.>', 'foo.bar.>', 'baz.1.2.3', 'foo.bar.1.2.3'],
    ['*', 'foo.bar.$1', 'foo', 'foo.bar.foo'],
    ['*', '{{splitfromleft(1,3)}}', '12345', '123.45'],
    ['*', '{{SplitFromRight(1,3)}}', '12345', '12.345'],
    ['*', '{{SliceFromLeft(1,3)}}', '1234567890', '123.456.789.0'],
    ['*', '{{SliceFromRight(1,3)}}', '1234567890', '1.234.567.890'],
    ['*', '{{split(1,-)}}', '-abc-def--ghi-', 'abc.def.ghi'],
    ['*', '{{split(1,-)}}', 'abc-def--ghi-', 'abc.def.ghi'],
    ['*.*', '{{split(2,-)}}.{{splitfromleft(1,2)}}', 'foo.-abc-def--ghij-', 'abc.def.ghij.fo.o'],
    ['*', '{{right(1,1)}}', '1234', '4'],
    ['*', '{{right(1,3)}}', '1234', '234'],
    ['*', '{{right(1,6)}}', '1234', '1234'],
    ['*', '{{left(1,1)}}', '1234', '1'],
    ['*', '{{left(1,3)}}', '1234', '123'],
    ['*', '{{left(1,6)}}', '1234', '1234'],
    ['*', 'bar.{{partition(0)}}', 'baz', 'bar.0'],
    ['*', 'bar.{{partition(10, 0)}}', 'foo', 'bar.3'],
    ['*.*', 'bar.{{partition(10)}}', 'foo.bar', 'bar.6'],
    ['*', 'bar.{{partition(10)}}', 'foo', 'bar.3'],
    ['*', 'bar.{{partition(10)}}', 'baz', 'bar.0'],
    ['*', 'bar.{{partition(10)}}', 'qux', 'bar.9'],
    ['*', 'bar.{{random(0)}}', 'qux', 'bar.0'],
    // Beyond nats-server's table: spacing, case, $0, the fwc tail, split without pieces.
    ['a.*.*', 'b.{{ Wildcard ( 2 ) }}.$0.$1', 'a.x.y', 'b.y.a.x'],
    ['a.*.>', 'b.$1.>', 'a.x.y.z', 'b.x.y.z'],
    ['a.>', '>', 'a.x.y', 'x.y'],
    ['a.*', 'b.{{split(1,-)}}.c', 'a.---', 'b..c'],
    ['a.*', 'b.{{splitFromLeft(1,0)}}.{{sliceFromRight(1,9)}}', 'a.xyz', 'b.xyz.xyz'],
    ['a.*.*', '{{partition(7,2,1)}}', 'a.k.l', String(fnv1a(0x811c9dc5, 'lk') % 7)],
  ];
  for (const [src, dest, subject, want] of cases) {
    it(`${src} -> ${dest}: ${subject} is ${want}`, () => assert.equal(map({ [src]: dest }, subject), want));
  }

  it('FNV-1a 32 is the reference hash', () => {
    // Published test vectors of FNV-1a 32.
    assert.equal(fnv1a(0x811c9dc5, ''), 0x811c9dc5);
    assert.equal(fnv1a(0x811c9dc5, 'a'), 0xe40c292c);
    assert.equal(fnv1a(0x811c9dc5, 'foobar'), 0xbf9cf968);
  });

  it('partition hashes the bytes of a UTF-8 subject', () => {
    const subject = Buffer.from('ü.€', 'utf8').toString('latin1');
    const want = fnv1a(0x811c9dc5, Buffer.from('ü.€', 'utf8').toString('latin1')) % 1000;
    assert.equal(map({ '*.*': 'p.{{partition(1000)}}' }, subject), `p.${want}`);
  });

  it('a partition count that is negative wraps as uint32, as in Go', () => {
    const h = fnv1a(0x811c9dc5, 'a.x');
    assert.equal(map({ 'a.*': '{{partition(-1)}}' }, 'a.x'), String(h % 0xffffffff));
  });

  it('a literal source met first hashes no tokens (nats-server tokenizes on a miss only)', () => {
    const empty = 0x811c9dc5 % 10;
    assert.equal(map({ lit: 'bar.{{partition(10)}}' }, 'lit'), `bar.${empty}`);
    // Behind another mapping, the subject is tokenized, so the whole subject is hashed.
    assert.equal(map({ other: 'x', lit: 'bar.{{partition(10)}}' }, 'lit'), `bar.${fnv1a(0x811c9dc5, 'lit') % 10}`);
  });

  it('a literal source token that starts with * matches any token, as in nats-server', () => {
    const m = SubjectMapping.parse({ 'a.*b': 'hit' });
    assert.equal(m.map('a.*b'), 'hit');
    assert.equal(m.map('a.zzz'), 'hit');
    assert.equal(m.map('a.b.c'), 'a.b.c');
  });

  it('a published wildcard token matches only a wildcard of the source', () => {
    const m = SubjectMapping.parse({ 'a.*': 'b.$1', 'c.x': 'd' });
    assert.equal(m.map('a.*'), 'b.*');
    assert.equal(m.map('a.>'), 'a.>');
    assert.equal(m.map('c.*'), 'c.*');
  });

  it('split with an empty delimiter splits UTF-8 sequences, invalid bytes one by one', () => {
    const bytes = Buffer.concat([Buffer.from('aé', 'utf8'), Buffer.from([0xff]), Buffer.from('€', 'utf8')]).toString('latin1');
    const want = ['a', 'é', '\xff', '€'].map((s) => (s === '\xff' ? s : Buffer.from(s, 'utf8').toString('latin1'))).join('.');
    assert.equal(map({ '*': '{{split(1,)}}' }, bytes), want);
  });

  it('first matching source wins, in table order', () => {
    const m = SubjectMapping.parse({ 'a.*': 'first.$1', 'a.b': 'second' });
    assert.equal(m.map('a.b'), 'first.b');
    assert.equal(m.map('a.c'), 'first.c');
  });

  it('non-ASCII mappings are given as text and match the bytes the front-end decodes', () => {
    const m = SubjectMapping.parse({ 'grüße.*': 'hallo.$1' });
    assert.equal(m.map(Buffer.from('grüße.x', 'utf8').toString('latin1')), 'hallo.x');
  });

  it('a subject that maps to nothing is returned as is', () => {
    const m = SubjectMapping.parse({ 'a.*': 'b.$1' });
    const s = 'other.subject';
    assert.equal(m.map(s), s);
    assert.equal(m.map('a'), 'a');
    assert.equal(m.map('a.b.c'), 'a.b.c');
  });
});

describe('refused tables', () => {
  const cases: [MappingTable, string][] = [
    [{ 'foo.*': 'bar.*' }, 'Error adding mapping for "foo.*" to "bar.*" : invalid subject'],
    [{ 'foo.*': 'bar.$2' }, 'Error adding mapping for "foo.*" to "bar.$2" : invalid mapping destination: wildcard index out of range in $2: [2]'],
    [{ 'foo.*': 'bar.$1.>' }, 'Error adding mapping for "foo.*" to "bar.$1.>" : invalid subject'],
    [{ 'foo.>': 'bar.baz' }, 'Error adding mapping for "foo.>" to "bar.baz" : invalid subject'],
    [{ 'foo.*': 'f.{{unimplemented(1)}}' }, 'Error adding mapping for "foo.*" to "f.{{unimplemented(1)}}" : invalid mapping destination: unknown function in {{unimplemented(1)}}'],
    [{ 'foo.*': 'f.{{wildcard()}}' }, 'Error adding mapping for "foo.*" to "f.{{wildcard()}}" : invalid mapping destination: not enough arguments passed to the function in {{wildcard()}}'],
    [{ 'foo.*': 'f.{{wildcard(1,2)}}' }, 'Error adding mapping for "foo.*" to "f.{{wildcard(1,2)}}" : invalid mapping destination: too many arguments passed to the function in {{wildcard(1,2)}}'],
    [{ 'foo.*': 'f.{{wildcard(x)}}' }, 'Error adding mapping for "foo.*" to "f.{{wildcard(x)}}" : invalid mapping destination: function argument is invalid or in the wrong format in {{wildcard(x)}}'],
    [{ 'foo.*': 'f.{{partition(2147483648)}}' }, 'Error adding mapping for "foo.*" to "f.{{partition(2147483648)}}" : invalid mapping destination: function argument is invalid or in the wrong format in {{partition(2147483648)}}'],
    [{ 'foo.*': 'f.{{split(1,a b)}}' }, 'Error adding mapping for "foo.*" to "f.{{split(1,a b)}}" : invalid mapping destination: function argument is invalid or in the wrong format in {{split(1,a b)}}'],
    [{ 'foo.*': 'f.{{left(1)}}' }, 'Error adding mapping for "foo.*" to "f.{{left(1)}}" : invalid mapping destination: not enough arguments passed to the function in {{left(1)}}'],
    [{ foo: 'bla.{{wildcard(1)}}' }, 'Error adding mapping for "foo" to "bla.{{wildcard(1)}}" : invalid mapping destination: wildcard index out of range in {{wildcard(1)}}'],
    [{ foo: 'bla.{{split(1,-)}}' }, 'Error adding mapping for "foo" to "bla.{{split(1,-)}}" : invalid mapping destination: wildcard index out of range in {{split(1,-)}}'],
    [{ 'x.*': 'y..z' }, 'Error adding mapping for "x.*" to "y..z" : invalid mapping destination: invalid transform'],
    [{ 'q.*': 'r.>.s' }, 'Error adding mapping for "q.*" to "r.>.s" : invalid mapping destination: invalid transform in s'],
    [{ 'w.*': 'w. $1' }, 'Error adding mapping for "w.*" to "w. $1" : invalid mapping destination: invalid transform'],
    [{ foo: '' }, 'Error adding mapping for "foo" to "" : invalid mapping destination: invalid transform'],
    [{ 'foo..': 'a' }, 'Subject "foo.." is not a valid subject'],
    [{ 'b c': 'd' }, 'Subject "b c" is not a valid subject'],
    [{ 'f.*': [{ destination: 'a.$1', weight: 60 }, { destination: 'b.$1', weight: '50%' }] }, 'Error adding mapping for "f.*" : total weight needs to be <= 100'],
    [{ 'f.*': [{ destination: 'a.$1', weight: 10 }, { destination: 'a.$1', weight: 10 }] }, 'Error adding mapping for "f.*" : duplicate entry for "a.$1"'],
    [{ 'f.*': [{ destination: 'a.$1', weight: 150 }] }, 'Invalid weight 150 for mapping destination'],
    [{ 'f.*': [{ destination: 'a.$1', weight: -1 }] }, 'Invalid weight -1 for mapping destination'],
    [{ 'f.*': [{ destination: 'a.$1', weight: 'half' }] }, 'Invalid weight "half" for mapping destination'],
    [{ 'f.*': [{ destination: 'a.$1', weight: 50.5 }] }, 'Unknown entry type for weight of 50.5'],
  ];
  for (const [table, error] of cases) {
    it(error, () => assert.deepEqual(refusal(table), [error]));
  }

  it('missing weights, unknown fields and non-object entries, as nats-server reports them', () => {
    assert.deepEqual(refusal(JSON.parse('{"f.*":[{"destination":"a.$1"}]}') as MappingTable), ['Missing weight for mapping destination "a.$1"']);
    assert.deepEqual(refusal(JSON.parse('{"f.*":[{"destination":"a.$1","weight":10,"x":1}]}') as MappingTable), ['Unknown field "x" for mapping destination']);
    assert.deepEqual(refusal(JSON.parse('{"f.*":[7]}') as MappingTable), ['Expected an entry for the mapping destination']);
  });

  it('reports every problem of a table at once', () => {
    assert.deepEqual(refusal({ 'a.*': 'b.$3', ok: 'fine', 'c d': 'e' }), [
      'Error adding mapping for "a.*" to "b.$3" : invalid mapping destination: wildcard index out of range in $3: [3]',
      'Subject "c d" is not a valid subject',
    ]);
  });
});

describe('weighted mappings', () => {
  const N = 100_000;
  function shares(table: MappingTable, subject: string, options = {}) {
    const m = SubjectMapping.parse(table, { random: seeded(42), ...options });
    const counts = new Map<string, number>();
    for (let i = 0; i < N; i++) {
      const s = m.map(subject);
      counts.set(s, (counts.get(s) ?? 0) + 1);
    }
    return counts;
  }
  /** Within 5 standard deviations of the binomial expectation. */
  function near(count: number | undefined, p: number) {
    const sd = Math.sqrt(N * p * (1 - p));
    assert.ok(Math.abs((count ?? 0) - N * p) <= 5 * sd + 1, `${count} is not near ${N * p}`);
  }

  it('splits by weight, the rest keeping its subject', () => {
    const c = shares({ 'w.*': [{ destination: 'a.$1', weight: 30 }, { destination: 'b.$1', weight: '50%' }] }, 'w.x');
    assert.deepEqual([...c.keys()].sort(), ['a.x', 'b.x', 'w.x']);
    near(c.get('a.x'), 0.3);
    near(c.get('b.x'), 0.5);
    near(c.get('w.x'), 0.2);
  });

  it('listing the source itself makes the rest a loss (mapped to no subject)', () => {
    const c = shares({ loss: [{ destination: 'kept', weight: 40 }, { destination: 'loss', weight: 10 }] }, 'loss');
    near(c.get('kept'), 0.4);
    near(c.get('loss'), 0.1);
    near(c.get(''), 0.5);
  });

  it('a weight of 0 is never drawn; 100 in total leaves nothing to the source', () => {
    const c = shares({ 'z.*': [{ destination: 'never.$1', weight: 0 }, { destination: 'a.$1', weight: 25 }, { destination: 'b.$1', weight: 75 }] }, 'z.q');
    assert.deepEqual([...c.keys()].sort(), ['a.q', 'b.q']);
    near(c.get('a.q'), 0.25);
  });

  it('cluster-scoped destinations apply only on a server of that cluster', () => {
    const table: MappingTable = {
      'c.*': [
        { destination: 'main.$1', weight: 100 },
        { destination: 'east.$1', weight: 100, cluster: 'east' },
      ],
    };
    assert.deepEqual([...shares(table, 'c.1').keys()], ['main.1']);
    assert.deepEqual([...shares(table, 'c.1', { clusterName: 'west' }).keys()], ['main.1']);
    assert.deepEqual([...shares(table, 'c.1', { clusterName: 'east' }).keys()], ['east.1']);
    // Only cluster-scoped destinations: elsewhere the subject is kept.
    assert.deepEqual([...shares({ 'd.*': [{ destination: 'e.$1', weight: 50, cluster: 'east' }] }, 'd.1').keys()], ['d.1']);
    // Weights are totalled per cluster.
    assert.deepEqual(
      refusal({ 'c.*': [{ destination: 'x.$1', weight: 60, cluster: 'e' }, { destination: 'y.$1', weight: 60, cluster: 'e' }] }),
      ['Error adding mapping for "c.*" : total weight needs to be <= 100'],
    );
  });

  it('random() draws every value in range', () => {
    const c = shares({ 'r.*': 'r.{{random(6)}}.$1' }, 'r.x');
    assert.deepEqual([...c.keys()].sort(), ['r.0.x', 'r.1.x', 'r.2.x', 'r.3.x', 'r.4.x', 'r.5.x']);
  });
});

describe('the cache', () => {
  it('is bounded and keeps answers right after evictions', () => {
    const m = SubjectMapping.parse({ 'a.*': 'b.{{partition(5,1)}}.$1' }, { cacheSize: 16 });
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 1000; i++) {
        assert.equal(m.map(`a.${i}`), `b.${fnv1a(0x811c9dc5, String(i)) % 5}.${i}`);
        assert.equal(m.map(`miss.${i}`), `miss.${i}`);
        assert.ok(m.cacheEntries <= 16, `cache grew to ${m.cacheEntries}`);
      }
    }
    assert.ok(m.cacheEntries > 0);
  });
});

describe('the router', () => {
  class Owner implements SubscriptionOwner {
    readonly echo = true;
  }
  function collector(router: Router, subject: string) {
    const got: string[] = [];
    const sub: RoutedSubscription = {
      subject,
      queue: undefined,
      owner: new Owner(),
      deliver: (s: string) => {
        got.push(s);
      },
    };
    router.subscriptions.insert(sub);
    return got;
  }

  it('maps what clients publish, and not what the broker routes itself', () => {
    const router = new Router({ mappings: { 'in.*': 'out.$1' } });
    const got = collector(router, '>');
    const msg = Buffer.from('x');
    assert.equal(router.publish('in.a', undefined, 0, msg, null), 1);
    assert.equal(router.route('in.b', undefined, 0, msg, null), 1);
    router.publish('other', undefined, 0, msg, null);
    assert.deepEqual(got, ['out.a', 'in.b', 'other']);
    assert.equal(router.mapSubject('in.z'), 'out.z');
  });

  it('keeps its mappings when a new table is refused, and drops them on an empty one', () => {
    const router = new Router();
    assert.equal(router.mappings, null);
    router.setMappings({ 'a.*': 'b.$1' });
    assert.throws(() => router.setMappings({ 'a.*': 'b.$2' }), SubjectMappingError);
    assert.equal(router.mapSubject('a.x'), 'b.x');
    router.setMappings({});
    assert.equal(router.mappings, null);
    assert.equal(router.mapSubject('a.x'), 'a.x');
  });

  it('refuses a bad table at construction', () => {
    assert.throws(() => new Router({ mappings: { 'a b': 'c' } }), /Subject "a b" is not a valid subject/);
  });
});
