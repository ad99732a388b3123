// Atomic batch publish (ADR-50) on the wire, differentially: the same publishes, over a raw
// NATS connection, to nats-server v2.15.2 -js and to Wharf, and every answer compared after
// normalising times and the advertised version and level: the empty reply of a staged message,
// the commit's PubAck with `batch` and `count`, the stored headers, and each refusal (not
// allowed without allow_atomic, sequence missing, a batch not started at 1, a gap, too large,
// an id over 64 characters, an unknown commit value, Nats-Expected-Last-Msg-Id, a duplicate
// message id, an expected last sequence past the first message, an expected subject sequence on
// a subject the batch wrote, a commit by "eob", too many open batches, an abandoned batch).
// After the refusals the stream's state must be what the accepted batches alone made: nothing
// of a refused batch is stored. A batch abandoned by its timeout is waited for by its advisory
// (state), not by the clock.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { peerSkip } from '../support/peers.js';
import { RawNats } from './support/raw-nats.js';
import type { Json } from './support/normalise.js';
import { Driver, assertSameSteps, startServerPair, type ServerPair, type Side, type Step } from './support/driver.js';

/** The scenario, run the same way against both servers. */
async function scenario(d: Driver, waitAbandoned: () => Promise<void>): Promise<void> {
  await d.api('create N without allow_atomic', '$JS.API.STREAM.CREATE.N', { name: 'N', subjects: ['n.>'] });
  await d.api('create B', '$JS.API.STREAM.CREATE.B', { name: 'B', subjects: ['b.>'], allow_atomic: true, allow_rollup_hdrs: true });
  await d.batch('not allowed on N', 'a', 1, 'n.1', [], '1');

  await d.batch('a1 staged', 'a', 1, 'b.1');
  await d.batch('a2 staged', 'a', 2, 'b.2', [['Nats-Msg-Id', 'm-a2']]);
  await d.batch('a3 commit', 'a', 3, 'b.3', [], '1');
  await d.api('get 1', '$JS.API.STREAM.MSG.GET.B', { seq: 1 });
  await d.api('get 3', '$JS.API.STREAM.MSG.GET.B', { seq: 3 });

  await d.batch('sequence missing', 'b', null, 'b.1');
  await d.batch('not started at 1', 'c', 2, 'b.1');
  await d.batch('unknown batch past the limit', 'c', 1001, 'b.1');
  await d.batch('d1', 'd', 1, 'b.1');
  await d.batch('d3: gap', 'd', 3, 'b.1');
  await d.batch('d4: batch gone', 'd', 4, 'b.1', [], '1');
  await d.batch('id of 65', 'x'.repeat(65), 1, 'b.1');
  await d.batch('id of 64 commits', 'y'.repeat(64), 1, 'b.1', [], '1');
  await d.batch('commit value 2', 'e', 1, 'b.1', [], '2');
  await d.batch('f1 with expected last msg id', 'f', 1, 'b.1', [['Nats-Expected-Last-Msg-Id', 'm-a2']]);
  await d.batch('f2 commit: unsupported header', 'f', 2, 'b.1', [], '1');
  await d.batch('g1 msg id', 'g', 1, 'b.1', [['Nats-Msg-Id', 'g']]);
  await d.batch('g2 same msg id', 'g', 2, 'b.2', [['Nats-Msg-Id', 'g']], '1');
  await d.batch('h1 msg id of the window', 'h', 1, 'b.1', [['Nats-Msg-Id', 'm-a2']], '1');
  await d.batch('i1 expected last seq 4', 'i', 1, 'b.1', [['Nats-Expected-Last-Sequence', '4']]);
  await d.batch('i2 expected last seq 5: only the first may', 'i', 2, 'b.1', [['Nats-Expected-Last-Sequence', '5']], '1');
  await d.batch('j1 expected last seq 9: wrong', 'j', 1, 'b.1', [['Nats-Expected-Last-Sequence', '9']], '1');
  await d.batch('k1 expected last seq 4', 'k', 1, 'b.k', [['Nats-Expected-Last-Sequence', '4']]);
  await d.batch('k2 expected subject seq of b.z', 'k', 2, 'b.z', [['Nats-Expected-Last-Subject-Sequence', '0']]);
  await d.batch('k3 commit', 'k', 3, 'b.k2', [], '1');
  await d.batch('l1', 'l', 1, 'b.l');
  await d.batch('l2 expected subject seq of b.l: written by the batch', 'l', 2, 'b.l', [['Nats-Expected-Last-Subject-Sequence', '0']], '1');
  await d.batch('m1', 'm', 1, 'b.m');
  await d.batch('m2 rollup sub of b.m: written by the batch', 'm', 2, 'b.m', [['Nats-Rollup', 'sub']], '1');
  await d.batch('o1', 'o', 1, 'b.o');
  await d.batch('o2 rollup all past the first', 'o', 2, 'b.o2', [['Nats-Rollup', 'all']], '1');
  await d.batch('p1', 'p', 1, 'b.p');
  await d.batch('p2', 'p', 2, 'b.p');
  await d.batch('p3 commit by eob', 'p', 3, 'b.p', [], 'eob', '');
  await d.api('get 9: the last of p', '$JS.API.STREAM.MSG.GET.B', { seq: 9 });
  await d.batch('q1 commit by eob at 1', 'q', 1, 'b.q', [], 'eob');
  await d.batch('r1 required api level 99', 'r', 1, 'b.r', [['Nats-Required-Api-Level', '99']]);
  await d.batch('s1 required api level 0', 's', 1, 'b.s', [['Nats-Required-Api-Level', '0']], '1');
  await d.api('get 10: no required level header', '$JS.API.STREAM.MSG.GET.B', { seq: 10 });
  await d.pub('a plain publish after the refusals', 'b.plain', null, 'z');
  await d.api('info', '$JS.API.STREAM.INFO.B', {});

  // Too many open batches: 50 per stream.
  for (let i = 0; i < 50; i++) {
    const a = await d.batch(`open ${i}`, `open-${i}`, 1, 'b.open');
    assert.equal(a, '<empty>');
  }
  d.steps.splice(d.steps.length - 50, 50);
  await d.batch('the 51st open batch', 'open-50', 1, 'b.open');

  // Abandoned after its timeout (1 s here): the advisory says so, then the batch is unknown.
  await d.batch('t1', 't', 1, 'b.t');
  await waitAbandoned();
  await d.batch('t2 after the timeout', 't', 2, 'b.t', [], '1');
  await d.api('info at the end', '$JS.API.STREAM.INFO.B', {});
}


describe('atomic batch publish, Wharf against nats-server', { skip: peerSkip('nats-server') }, () => {
  let pair: ServerPair | undefined;
  const results: Record<Side, Step[]> = { 'nats-server': [], wharf: [] };
  const advisories: Record<Side, Json[]> = { 'nats-server': [], wharf: [] };

  before(async () => {
    pair = await startServerPair(', limits { batch { timeout: "1s" } }', { jsBatchTimeout: 1000 });
    for (const [k, port] of pair.sides) {
      const nc = await RawNats.open(port);
      const adv = nc.sub('$JS.EVENT.ADVISORY.STREAM.BATCH_ABANDONED.>');
      await nc.flush();
      const d = new Driver(nc);
      const abandonedBefore = (): number => nc.messages(adv).filter((m) => m.payload.includes('"batch":"t"')).length;
      await scenario(d, async () => {
        assert.ok(await nc.waitFor(() => abandonedBefore() > 0, 10_000), `${k}: the abandoned advisory of batch t`);
      });
      results[k] = d.steps;
      advisories[k] = nc.messages(adv).map((m) => {
        const j = JSON.parse(m.payload.toString('utf8')) as { [key: string]: Json };
        delete j['id'];
        delete j['timestamp'];
        return j;
      });
      nc.close();
    }
  });

  after(async () => {
    await pair?.close();
  });

  it('answers every step as nats-server does', () => {
    assertSameSteps(results);
  });

  it('the commit acks the batch, staged messages get an empty reply, refusals store nothing', () => {
    const by = new Map(results.wharf.map((s) => [s.step, s.answers[0]]));
    assert.equal(by.get('a1 staged'), '<empty>');
    assert.deepEqual(by.get('a3 commit'), { stream: 'B', seq: 3, batch: 'a', count: 3 });
    assert.deepEqual(by.get('p3 commit by eob'), { stream: 'B', seq: 9, batch: 'p', count: 2 });
    assert.equal((by.get('not allowed on N') as { error: { err_code: number } }).error.err_code, 10174);
    assert.equal((by.get('d3: gap') as { error: { err_code: number } }).error.err_code, 10176);
    const info = by.get('info at the end') as { state: { messages: number; last_seq: number } };
    assert.equal(info.state.last_seq, 11);
    assert.equal(info.state.messages, 11);
  });

  it('sends the BATCH_ABANDONED advisories nats-server sends', () => {
    // Timers that expire together fire in no set order on nats-server: compare as sets.
    const sorted = (a: Json[]): string[] => a.map((x) => JSON.stringify(x)).sort();
    assert.deepEqual(sorted(advisories.wharf), sorted(advisories['nats-server']));
    assert.ok(advisories.wharf.some((a) => (a as { reason?: string }).reason === 'timeout'));
  });
});
