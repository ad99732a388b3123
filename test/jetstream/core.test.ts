// Unit tests of the pieces under the stream API that clients see through it only indirectly:
// Go-compatible JSON (nats-server's decode errors, checked by hand against v2.15.2), Go
// durations of Nats-TTL and marker headers, the subject index, the deleted set, subject
// collisions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeGo, goJson, goJsonIndent, goTime } from '../../src/jetstream/json.js';
import { StreamConfigRequest, StreamInfoRequest } from '../../src/jetstream/api/schemas.js';
import { formatGoDuration, parseMessageTtl } from '../../src/core/streams/go-duration.js';
import { SubjectIndex } from '../../src/core/streams/subject-index.js';
import { DeletedSet } from '../../src/core/streams/deleted-set.js';
import { subjectFilter, subjectIsSubset, subjectsCollide } from '../../src/core/streams/subject-filter.js';
import { SubjectTransformer } from '../../src/core/streams/transform.js';

const decodeError = (body: string): string => {
  const r = decodeGo(body, StreamConfigRequest, { strict: true });
  assert.equal(r.ok, false, `expected an error for ${body}`);
  return r.ok ? '' : r.error;
};

test("Go JSON decoding: nats-server's error texts", () => {
  assert.equal(decodeError('{"name":"X","max_msgs":"a"}'), 'json: cannot unmarshal string into Go struct field StreamConfigRequest.StreamConfig.max_msgs of type int64');
  assert.equal(decodeError('{"name":"X","consumer_limits":{"max_ack_pending":"a"}}'), 'json: cannot unmarshal string into Go struct field StreamConsumerLimits.StreamConfig.consumer_limits.max_ack_pending of type int');
  assert.equal(decodeError('{"name":"X","max_age":"a"}'), 'json: cannot unmarshal string into Go struct field StreamConfigRequest.StreamConfig.max_age of type time.Duration');
  assert.equal(decodeError('{"name":"X","subjects":"a"}'), 'json: cannot unmarshal string into Go struct field StreamConfigRequest.StreamConfig.subjects of type []string');
  assert.equal(decodeError('{"name":"X","mirror":{"name":1}}'), 'json: cannot unmarshal number into Go struct field StreamSource.StreamConfig.mirror.name of type string');
  assert.equal(decodeError('{bad'), "invalid character 'b' looking for beginning of object key string at offset 2");
  assert.equal(decodeError('[1]'), 'json: cannot unmarshal array into Go value of type server.StreamConfigRequest');
  assert.equal(decodeError('"x"'), 'json: cannot unmarshal string into Go value of type server.StreamConfigRequest');
  assert.equal(decodeError('{"name":"X","max_msgs":1.5}'), 'json: cannot unmarshal number 1.5 into Go struct field StreamConfigRequest.StreamConfig.max_msgs of type int64');
  assert.equal(decodeError('{"name":'), 'unexpected EOF');
  assert.equal(decodeError('{"name":"UNK","not_a_field":42}'), 'json: unknown field "not_a_field"');
  const info = decodeGo('{"subjects_filter":1}', StreamInfoRequest, { strict: true });
  assert.deepEqual(info, { ok: false, error: 'json: cannot unmarshal number into Go struct field JSApiStreamInfoRequest.subjects_filter of type string' });
  // Non-strict mode drops unknown fields; int64 nanoseconds keep every digit.
  const ok = decodeGo('{"name":"X","max_age":31536000000000000,"x":1}', StreamConfigRequest, { strict: false });
  assert.deepEqual(ok, { ok: true, value: { name: 'X', max_age: 31536000000000000n } });
});

test('Go JSON encoding: key order, bigint, HTML escaping, times, indentation', () => {
  assert.equal(goJson({ b: 1, a: 'x<y>&z', n: 123456789012345678901n, skip: undefined, t: [] }), '{"b":1,"a":"x\\u003cy\\u003e\\u0026z","n":123456789012345678901,"t":[]}');
  assert.equal(goTime(0), '0001-01-01T00:00:00Z');
  assert.equal(goTime(Date.UTC(2024, 4, 1, 10, 0, 0, 120)), '2024-05-01T10:00:00.12Z');
  assert.equal(goTime(Date.UTC(2024, 4, 1, 10, 0, 0, 0)), '2024-05-01T10:00:00Z');
  assert.equal(goJsonIndent({ a: { b: [1, 2] }, c: {} }), '{\n  "a": {\n    "b": [\n      1,\n      2\n    ]\n  },\n  "c": {}\n}');
});

test('Go durations: Nats-TTL values and marker TTLs', () => {
  assert.equal(parseMessageTtl('1s'), 1);
  assert.equal(parseMessageTtl('1m30s'), 90);
  assert.equal(parseMessageTtl('1'), 1);
  assert.equal(parseMessageTtl('never'), -1);
  assert.equal(parseMessageTtl('500ms'), null);
  assert.equal(parseMessageTtl('soon'), null);
  assert.equal(parseMessageTtl('0'), null);
  assert.equal(formatGoDuration(60_000_000_000n), '1m0s');
  assert.equal(formatGoDuration(5_000_000_000n), '5s');
  assert.equal(formatGoDuration(3_600_000_000_000n), '1h0m0s');
  assert.equal(formatGoDuration(1_500_000_000n), '1.5s');
  assert.equal(formatGoDuration(100_000_000n), '100ms');
});

test('subject index: per-subject chains through deletes, prefix removal, counts, truncation', () => {
  const ix = new SubjectIndex();
  ix.reset(1);
  const subjects = ['a', 'b', 'a', 'c', 'a', 'b'];
  subjects.forEach((s, i) => ix.add(i + 1, s, 10, 1000 + i));
  assert.deepEqual([ix.messages, ix.bytes, ix.numSubjects], [6, 60, 3]);
  assert.deepEqual([ix.firstOf('a'), ix.lastOf('a'), ix.countOf('a')], [1, 5, 3]);
  assert.equal(ix.remove(3), true);
  assert.equal(ix.remove(3), false);
  assert.equal(ix.nextOfSubject(1), 5, 'the chain skips the deleted sequence');
  assert.equal(ix.remove(5), true);
  assert.deepEqual([ix.lastOf('a'), ix.countOf('a')], [1, 1], 'the last of a subject moves back');
  const fa = subjectFilter(['a']);
  const fab = subjectFilter(['a', 'b']);
  assert.equal(ix.count(1, fab, false), 3);
  assert.equal(ix.count(2, fab, false), 2);
  assert.equal(ix.count(1, null, true), 3);
  assert.equal(ix.nextLive(2, fa), 0);
  assert.equal(ix.nextLive(2, subjectFilter(['b'])), 2);
  assert.deepEqual(ix.deletedList(), [3, 5]);
  const left: number[] = [];
  assert.equal(ix.advanceFirst(4, (s) => left.push(s)), 2);
  assert.deepEqual(left, [1, 2]);
  assert.deepEqual([ix.first, ix.messages, ix.numSubjects], [4, 2, 2]);
  assert.deepEqual(ix.deletedList(), [5]);
  ix.add(7, 'c', 10, 2000);
  ix.truncate(7);
  assert.deepEqual([ix.last, ix.lastOf('c'), ix.countOf('c')], [6, 4, 1]);
  ix.addGap(7, 9, 3000);
  assert.equal(ix.isLive(8), false);
  assert.deepEqual(ix.deletedList(), [5, 7, 8, 9]);
});

test('deleted set: bitmap pages, prefix drop', () => {
  const d = new DeletedSet();
  for (const s of [3, 70_000, 140_000, 5]) d.add(s);
  assert.equal(d.size, 4);
  assert.equal(d.has(70_000), true);
  assert.equal(d.bytes, 3 * 8192);
  d.dropBelow(100_000);
  assert.deepEqual(d.list(1, 1e9), [140_000]);
  assert.equal(d.bytes, 8192);
  d.dropFrom(1);
  assert.equal(d.size, 0);
});

test('subject collisions, subsets and stream transforms', () => {
  assert.equal(subjectsCollide('orders.*', 'orders.new'), true);
  assert.equal(subjectsCollide('orders.>', 'orders'), false);
  assert.equal(subjectsCollide('a.*.c', 'a.b.>'), true);
  assert.equal(subjectsCollide('a.*', 'b.*'), false);
  assert.equal(subjectIsSubset('$JS.EVENT.ADVISORY.>', '$JS.EVENT.>'), true);
  assert.equal(subjectIsSubset('$JS.>', '$JS.EVENT.>'), false);
  const t = SubjectTransformer.compile('in.*', 'out.{{wildcard(1)}}');
  assert.ok(t instanceof SubjectTransformer);
  assert.equal(t.apply('in.x'), 'out.x');
  assert.equal(t.apply('other.x'), null);
  const r = SubjectTransformer.compile('rep.>', 'republished.>');
  assert.ok(r instanceof SubjectTransformer);
  assert.equal(r.apply('rep.a.b'), 'republished.a.b');
});
