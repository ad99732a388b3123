import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sublist } from '../../src/core/routing/sublist.js';
import { isValidSubject, isValidLiteralSubject, subjectMatches } from '../../src/core/routing/subject.js';
import { naiveSubjectMatch } from '../support/subject-match.js';

interface Sub {
  subject: string;
  queue: string | undefined;
  id: number;
}
let nextId = 0;
const sub = (subject: string, queue?: string): Sub => ({ subject, queue, id: nextId++ });
const ids = (subs: readonly Sub[]) => subs.map((s) => s.id).sort((a, b) => a - b);

test('subject validation follows nats-server', () => {
  for (const s of ['foo', 'foo.bar', 'foo.*', 'foo.>', '>', '*', '*.*', 'foo*.bar', 'a.*b.>', '$SYS.x']) assert.ok(isValidSubject(s), s);
  for (const s of ['', 'foo.', '.foo', 'foo..bar', 'foo.>.bar', '>.foo', 'foo bar', 'foo.\tx']) assert.ok(!isValidSubject(s), s);
  assert.ok(isValidLiteralSubject('foo.bar'));
  assert.ok(isValidLiteralSubject('foo*.b>'));
  assert.ok(!isValidLiteralSubject('foo.*'));
  assert.ok(!isValidLiteralSubject('foo.>'));
});

test('matching of literal, * and > subscriptions', () => {
  const sl = new Sublist<Sub>();
  const a = sub('foo.bar');
  const b = sub('foo.*');
  const c = sub('foo.>');
  const d = sub('>');
  const e = sub('*.bar');
  const f = sub('foo');
  for (const s of [a, b, c, d, e, f]) assert.ok(sl.insert(s));
  assert.deepEqual(ids(sl.match('foo.bar').plain), ids([a, b, c, d, e]));
  assert.deepEqual(ids(sl.match('foo.baz').plain), ids([b, c, d]));
  assert.deepEqual(ids(sl.match('foo.bar.baz').plain), ids([c, d]));
  assert.deepEqual(ids(sl.match('foo').plain), ids([d, f]));
  assert.deepEqual(ids(sl.match('x.bar').plain), ids([d, e]));
  assert.deepEqual(sl.match('foo..bar').plain, []);
  assert.equal(sl.size, 6);
});

test('invalid subjects are refused', () => {
  const sl = new Sublist<Sub>();
  for (const s of ['foo..bar', 'foo.>.bar', '', 'foo.']) assert.equal(sl.insert(sub(s)), false, s);
  assert.equal(sl.size, 0);
});

test('queue groups are grouped by name across subjects', () => {
  const sl = new Sublist<Sub>();
  const q1 = sub('job.*', 'workers');
  const q2 = sub('job.run', 'workers');
  const q3 = sub('job.run', 'auditors');
  [q1, q2, q3].forEach((s) => sl.insert(s));
  const r = sl.match('job.run');
  assert.equal(r.plain.length, 0);
  assert.deepEqual(r.queues.map(ids).sort(), [ids([q1, q2]), ids([q3])].sort());
});

test('the cache is invalidated by inserts and removes that affect a subject', () => {
  const sl = new Sublist<Sub>();
  const a = sub('a.b');
  sl.insert(a);
  assert.equal(sl.match('a.b').plain.length, 1);
  assert.equal(sl.match('a.b').plain.length, 1);
  assert.equal(sl.stats().cacheHits, 1);
  const w = sub('a.*');
  sl.insert(w);
  assert.equal(sl.match('a.b').plain.length, 2);
  sl.remove(a);
  assert.deepEqual(ids(sl.match('a.b').plain), ids([w]));
  sl.remove(w);
  assert.equal(sl.match('a.b').plain.length, 0);
  assert.equal(sl.remove(w), false);
});

test('removal prunes the trie: unique subjects churned do not accumulate', () => {
  const sl = new Sublist<Sub>();
  for (let i = 0; i < 1_000; i++) {
    const s = sub(`_INBOX.${i}.x`);
    sl.insert(s);
    sl.match(`_INBOX.${i}.x`);
    assert.ok(sl.remove(s));
  }
  assert.equal(sl.size, 0);
  assert.deepEqual([...sl.all()], []);
});

test('property: the trie agrees with a brute-force matcher', () => {
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const tokens = ['a', 'b', 'c'];
  const randomSubject = (wild: boolean) => {
    const n = 1 + rand(4);
    const parts: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = rand(wild ? 5 : 3);
      if (r === 3) parts.push('*');
      else if (r === 4 && i === n - 1) parts.push('>');
      else parts.push(tokens[rand(3)]!);
    }
    return parts.join('.');
  };
  const sl = new Sublist<Sub>();
  const live: Sub[] = [];
  for (let step = 0; step < 3_000; step++) {
    const op = rand(10);
    if (op < 4) {
      const s = sub(randomSubject(true), rand(3) === 0 ? 'q' : undefined);
      sl.insert(s);
      live.push(s);
    } else if (op < 6 && live.length > 0) {
      const [s] = live.splice(rand(live.length), 1);
      assert.ok(sl.remove(s!));
    } else {
      const subject = randomSubject(false);
      const r = sl.match(subject);
      const expected = live.filter((s) => subjectMatches(s.subject, subject));
      const got = [...r.plain, ...r.queues.flat()];
      assert.deepEqual(ids(got), ids(expected), `match ${subject}`);
    }
  }
});

test('the match cache is bounded, and a bound of 0 keeps no cache', () => {
  const bounded = new Sublist<Sub>(8);
  const none = new Sublist<Sub>(0);
  const a = sub('a.>');
  bounded.insert(a);
  none.insert(sub('a.>'));
  for (let i = 0; i < 100; i++) {
    assert.equal(bounded.match(`a.${i}`).plain.length, 1);
    assert.equal(none.match(`a.${i}`).plain.length, 1);
  }
  assert.ok(bounded.stats().cacheEntries <= 8, `${bounded.stats().cacheEntries} entries`);
  assert.equal(none.stats().cacheEntries, 0);
  assert.equal(none.stats().cacheHits, 0);
  // A removal still invalidates what the bounded cache holds.
  bounded.remove(a);
  assert.equal(bounded.match('a.1').plain.length, 0);
});

test('a full cache keeps its hot subjects under a flood of unique subjects (ack subjects, inboxes)', () => {
  const sl = new Sublist<Sub>(8);
  sl.insert(sub('a.>'));
  for (let i = 0; i < 8; i++) sl.match(`a.warm${i}`);
  sl.match('a.hot');
  sl.match('a.hot');
  const before = sl.stats().cacheHits;
  for (let i = 0; i < 1000; i++) {
    assert.equal(sl.match(`a.unique.${i}`).plain.length, 1);
    assert.equal(sl.match('a.hot').plain.length, 1);
  }
  // Unique subjects are not admitted to a full cache on their first miss, so they evict nothing.
  assert.ok(sl.stats().cacheHits - before >= 990, `${sl.stats().cacheHits - before} hits of 1000`);
  assert.ok(sl.stats().cacheEntries <= 8);
});

test('subjects with empty tokens match nothing, wildcards included', () => {
  const sl = new Sublist<Sub>();
  for (const s of ['>', 'a.*.b', 'a.>', '*.b', 'a.b']) sl.insert(sub(s));
  for (const bad of ['', '.', 'a..b', '.a.b', 'a.b.', 'a.']) assert.equal(sl.match(bad).plain.length, 0, JSON.stringify(bad));
  assert.equal(sl.match('a.x.b').plain.length, 3);
});

test('property: subjectMatches agrees with a token-by-token reference (split on both sides)', () => {
  const reference = naiveSubjectMatch;
  const tokens = ['a', 'b', 'ab', 'ba', 'abc', '*', '>', ''];
  let seed = 42;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  const make = (wild: boolean) =>
    Array.from({ length: 1 + rnd(4) }, () => tokens[rnd(wild ? tokens.length : tokens.length - 3)]!).join('.');
  for (let i = 0; i < 20_000; i++) {
    const f = make(true);
    const s = make(false);
    assert.equal(subjectMatches(f, s), reference(f, s), `${JSON.stringify(f)} vs ${JSON.stringify(s)}`);
  }
});

test('a sublist with root reject answers like one without, as subscriptions come and go', () => {
  // Router.captures looks a subject's first token up among the root's literal tokens before the
  // match cache; a root wildcard turns the shortcut off.
  const quick = new Sublist<Sub>(undefined, true);
  const plain = new Sublist<Sub>();
  const subjects = ['foo.bar', 'foo.baz.x', 'bar', '$JS.ACK.s.c.1.2.3.4.5', '_INBOX.abc.1', 'foo', 'foo.bar.baz'];
  const check = (what: string) => {
    for (const s of subjects) assert.deepEqual(ids(quick.match(s).plain), ids(plain.match(s).plain), `${what}: ${s}`);
  };
  const both = (s: Sub) => {
    quick.insert(s);
    plain.insert(s);
  };
  check('empty');
  const a = sub('foo.>');
  both(a);
  check('foo.>');
  assert.equal(quick.match('bar').plain.length, 0);
  assert.equal(quick.match('foo.bar').plain.length, 1);
  both(sub('bar'));
  check('bar');
  const w = sub('*.bar');
  both(w);
  check('*.bar');
  assert.equal(quick.match('_INBOX.baz').plain.length, 0);
  assert.equal(quick.match('xyz.bar').plain.length, 1);
  quick.remove(w);
  plain.remove(w);
  check('without *.bar');
  const all = sub('>');
  both(all);
  check('>');
  assert.equal(quick.match('_INBOX.abc.1').plain.length, 1);
});

test('a shortcut prefix answers like the ordinary match whatever else subscribes', () => {
  // The JetStream front-end declares $JS.ACK: acks are answered from the $JS.ACK.> node while
  // nothing else can match them. Every shape below must give what a plain sublist gives.
  const quick = new Sublist<Sub>();
  quick.addShortcut('$JS.ACK');
  const plain = new Sublist<Sub>();
  const subjects = ['$JS.ACK.s.c.1.2.3.4.5', '$JS.ACK.t.c.1.2.3.4.5', '$JS.ACK', '$JS.ACK.', '$JS.ACK.s..c', '$JS.API.INFO', '$JS.ACKX.a', 'foo'];
  const check = (what: string) => {
    for (const s of subjects) {
      const q = quick.match(s);
      const p = plain.match(s);
      assert.deepEqual(ids(q.plain), ids(p.plain), `${what}: ${s}`);
      assert.deepEqual(q.queues.map((g) => ids(g)), p.queues.map((g) => ids(g)), `${what}: ${s} (queues)`);
    }
  };
  const add = (s: Sub) => {
    quick.insert(s);
    plain.insert(s);
    return s;
  };
  const drop = (s: Sub) => {
    quick.remove(s);
    plain.remove(s);
  };
  check('empty');
  const js = add(sub('$JS.ACK.>'));
  check('$JS.ACK.>');
  assert.equal(quick.match('$JS.ACK.s.c.1.2.3.4.5').plain.length, 1);
  for (const other of [sub('>'), sub('$JS.>'), sub('$JS.*.s.>'), sub('$JS.ACK.s.>'), sub('$JS.ACK.*.c.>'), sub('*.ACK.>'), sub('$JS.ACK.>', 'q')]) {
    add(other);
    check(`$JS.ACK.> and ${other.subject}${other.queue ? ` (${other.queue})` : ''}`);
    drop(other);
    check(`after removing ${other.subject}`);
  }
  drop(js);
  check('nothing left');
  assert.equal(quick.match('$JS.ACK.s.c.1.2.3.4.5').plain.length, 0);
});
