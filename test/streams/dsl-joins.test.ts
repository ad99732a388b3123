// Joins through the TopologyTestDriver: stream-stream (inner, left, outer, with the non-joined
// side emitted only after its window closed), stream-table, stream-global-table, table-table
// (inner, left, outer) and the foreign-key table-table join across its two internal topics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JoinWindows, Serdes, StreamsBuilder, TopologyTestDriver } from 'wharf/streams';

const S = Serdes.String();

test('stream-stream inner join within the window, both directions, result timestamp is the max', () => {
  const b = new StreamsBuilder();
  const left = b.stream('left', { key: S, value: S });
  const right = b.stream('right', { key: S, value: S });
  left.join(right, (l, r) => `${l}+${r}`, JoinWindows.ofTimeDifferenceWithNoGrace(10)).to('out', { key: S, value: S });
  const d = new TopologyTestDriver(b.build());
  const l = d.createInputTopic('left', S, S);
  const r = d.createInputTopic('right', S, S);
  const o = d.createOutputTopic('out', S, S);
  l.pipeInput('k', 'L1', 100);
  r.pipeInput('k', 'R1', 105); // joins L1
  r.pipeInput('k', 'R2', 120); // 120 - 100 > 10: no join
  l.pipeInput('k', 'L2', 115); // joins R1? 115-105=10 yes; R2 at 120: yes
  r.pipeInput('x', 'R3', 115); // other key: nothing
  assert.deepEqual(o.readRecordsToList().map((x) => [x.value, x.timestamp]), [['L1+R1', 105], ['L2+R1', 115], ['L2+R2', 120]]);
  d.close();
});

test('stream-stream left and outer joins emit unmatched records after the window closes (not eagerly)', () => {
  const b = new StreamsBuilder();
  const left = b.stream('left', { key: S, value: S });
  const right = b.stream('right', { key: S, value: S });
  left.leftJoin(right, (l, r) => `${l}+${r ?? 'null'}`, JoinWindows.ofTimeDifferenceAndGrace(10, 0)).to('left-out', { key: S, value: S });
  left.outerJoin(right, (l, r) => `${l ?? 'null'}+${r ?? 'null'}`, JoinWindows.ofTimeDifferenceAndGrace(10, 0)).to('outer-out', { key: S, value: S });
  const d = new TopologyTestDriver(b.build());
  const l = d.createInputTopic('left', S, S);
  const r = d.createInputTopic('right', S, S);
  const lo = d.createOutputTopic('left-out', S, S);
  const oo = d.createOutputTopic('outer-out', S, S);
  l.pipeInput('a', 'La', 0);
  r.pipeInput('b', 'Rb', 1);
  assert.equal(lo.getQueueSize(), 0, 'no eager left-join result');
  assert.equal(oo.getQueueSize(), 0, 'no eager outer-join result');
  l.pipeInput('c', 'Lc', 5);
  r.pipeInput('c', 'Rc', 6); // joins
  assert.deepEqual(lo.readValuesToList(), ['Lc+Rc']);
  assert.deepEqual(oo.readValuesToList(), ['Lc+Rc']);
  l.pipeInput('z', 'Lz', 30); // stream time 30: windows of records at 0 and 1 closed
  assert.deepEqual(lo.readValuesToList(), ['La+null']);
  assert.deepEqual(oo.readValuesToList(), ['La+null', 'null+Rb']);
  d.close();
});

test('stream-table join (inner, left) and stream-global-table join by a mapped key', () => {
  const b = new StreamsBuilder();
  const users = b.table('users', { key: S, value: S });
  const regions = b.globalTable('regions', { key: S, value: S });
  const clicks = b.stream('clicks', { key: S, value: S });
  clicks.join(users, (c, u) => `${c}:${u}`).to('inner', { key: S, value: S });
  clicks.leftJoin(users, (c, u) => `${c}:${u ?? '?'}`).to('left', { key: S, value: S });
  clicks.join(regions, (_k, v) => v.split('@')[1] ?? '', (c, region) => `${c} in ${region}`).to('global', { key: S, value: S });
  const d = new TopologyTestDriver(b.build());
  const u = d.createInputTopic('users', S, S);
  const g = d.createInputTopic('regions', S, S);
  const c = d.createInputTopic('clicks', S, S);
  g.pipeInput('eu', 'Europe', 0);
  c.pipeInput('alice', 'home@eu', 1); // no user yet
  u.pipeInput('alice', 'Alice', 2);
  c.pipeInput('alice', 'cart@eu', 3);
  c.pipeInput('alice', 'x@us', 4); // no region us
  assert.deepEqual(d.createOutputTopic('inner', S, S).readValuesToList(), ['cart@eu:Alice', 'x@us:Alice']);
  assert.deepEqual(d.createOutputTopic('left', S, S).readValuesToList(), ['home@eu:?', 'cart@eu:Alice', 'x@us:Alice']);
  assert.deepEqual(d.createOutputTopic('global', S, S).readValuesToList(), ['home@eu in Europe', 'cart@eu in Europe']);
  d.close();
});

test('table-table joins: inner, left and outer recompute the row on either side', () => {
  const b = new StreamsBuilder();
  const a = b.table('a', { key: S, value: S });
  const c = b.table('c', { key: S, value: S });
  a.join(c, (x, y) => `${x}|${y}`).toStream().to('inner', { key: S, value: S });
  a.leftJoin(c, (x, y) => `${x}|${y ?? '-'}`).toStream().to('left', { key: S, value: S });
  a.outerJoin(c, (x, y) => `${x ?? '-'}|${y ?? '-'}`).toStream().to('outer', { key: S, value: S });
  const d = new TopologyTestDriver(b.build());
  const ai = d.createInputTopic('a', S, S);
  const ci = d.createInputTopic('c', S, S);
  ai.pipeInput('k', 'a1', 1);
  ci.pipeInput('k', 'c1', 2);
  ai.pipeInput('k', 'a2', 3);
  ci.pipeInput('k', null, 4);
  assert.deepEqual(d.createOutputTopic('inner', S, S).readValuesToList(), ['a1|c1', 'a2|c1', null]);
  assert.deepEqual(d.createOutputTopic('left', S, S).readValuesToList(), ['a1|-', 'a1|c1', 'a2|c1', 'a2|-']);
  assert.deepEqual(d.createOutputTopic('outer', S, S).readValuesToList(), ['a1|-', 'a1|c1', 'a2|c1', 'a2|-']);
  d.close();
});

test('foreign-key join: orders join their product; a product change updates every order; FK change moves the order', () => {
  const b = new StreamsBuilder();
  const orders = b.table('orders', { key: S, value: S }); // value: productId
  const products = b.table('products', { key: S, value: S }); // value: name
  orders.joinOnForeignKey(products, (productId) => productId, (pid, name) => `${pid}=${name}`).toStream().to('enriched', { key: S, value: S });
  orders.leftJoinOnForeignKey(products, (productId) => productId, (pid, name) => `${pid}=${name ?? '?'}`).toStream().to('enriched-left', { key: S, value: S });
  const d = new TopologyTestDriver(b.build(), { applicationId: 'fk' });
  const o = d.createInputTopic('orders', S, S);
  const p = d.createInputTopic('products', S, S);
  const out = d.createOutputTopic('enriched', S, S);
  const outLeft = d.createOutputTopic('enriched-left', S, S);
  p.pipeInput('p1', 'apple', 1);
  o.pipeInput('o1', 'p1', 2);
  o.pipeInput('o2', 'p2', 3); // no product p2 yet
  p.pipeInput('p2', 'pear', 4);
  p.pipeInput('p1', 'green apple', 5);
  o.pipeInput('o1', 'p2', 6); // o1 moves to p2
  p.pipeInput('p1', 'red apple', 7); // o1 no longer follows p1
  o.pipeInput('o2', null, 8); // o2 deleted
  assert.deepEqual(out.readKeyValuesToList(), [
    { key: 'o1', value: 'p1=apple' },
    { key: 'o2', value: null },
    { key: 'o2', value: 'p2=pear' },
    { key: 'o1', value: 'p1=green apple' },
    { key: 'o1', value: 'p2=pear' },
    { key: 'o2', value: null },
  ]);
  assert.deepEqual(outLeft.readKeyValuesToList().map((r) => r.value), ['p1=apple', 'p2=?', 'p2=pear', 'p1=green apple', 'p2=pear', null]);
  assert.ok(d.producedTopicNames().some((t) => /^fk-KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-\d{10}-topic$/.test(t)), d.producedTopicNames().join(','));
  assert.ok(d.producedTopicNames().some((t) => /^fk-KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-\d{10}-topic$/.test(t)));
  d.close();
});
