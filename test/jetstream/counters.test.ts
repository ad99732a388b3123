// Counter CRDTs (ADR-49) on the wire, differentially: the same publishes and API requests to
// nats-server v2.15.2 -js and to Wharf over a raw NATS connection, every answer compared after
// normalising times and the advertised version and level: the config rules of a counter
// stream, increments with their PubAck `val` (big integers, negative ones), the stored payload
// `{"val":"<n>"}`, each refusal (no increment, an invalid one, a payload, a disallowed header,
// counters not enabled), the total after the subject's last message is deleted, increments in
// an atomic batch, two counter streams sourced into a third (the totals add up,
// Nats-Counter-Sources). Then, on Wharf alone, the totals survive a restart (read back from the log).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peerSkip } from '../support/peers.js';
import { startWharf, type RunningWharf } from '../support/wharf.js';
import { RawNats } from './support/raw-nats.js';
import { Driver, assertSameSteps, startServerPair, stepsOnEachSide, type ServerPair, type Side, type Step } from './support/driver.js';

async function scenario(d: Driver): Promise<void> {
  const incr = (step: string, subject: string, by: string, extra: Array<[string, string]> = [], payload = ''): Promise<unknown> =>
    d.pub(step, subject, [['Nats-Incr', by], ...extra], payload);
  await d.api('create C', '$JS.API.STREAM.CREATE.C', { name: 'C', subjects: ['c.>'], allow_msg_counter: true });
  await d.api('counter with discard new', '$JS.API.STREAM.CREATE.X1', { name: 'X1', subjects: ['x1'], allow_msg_counter: true, discard: 'new' });
  await d.api('counter with TTLs', '$JS.API.STREAM.CREATE.X2', { name: 'X2', subjects: ['x2'], allow_msg_counter: true, allow_msg_ttl: true });
  await d.api('counter with work queue', '$JS.API.STREAM.CREATE.X3', { name: 'X3', subjects: ['x3'], allow_msg_counter: true, retention: 'workqueue' });
  await d.api('counter mirror', '$JS.API.STREAM.CREATE.X4', { name: 'X4', mirror: { name: 'C' }, allow_msg_counter: true });
  await d.api('turn counters off', '$JS.API.STREAM.UPDATE.C', { name: 'C', subjects: ['c.>'], allow_msg_counter: false });
  await d.api('create N', '$JS.API.STREAM.CREATE.N', { name: 'N', subjects: ['n.>'] });
  await d.api('turn counters on for N', '$JS.API.STREAM.UPDATE.N', { name: 'N', subjects: ['n.>'], allow_msg_counter: true });

  await incr('a +1', 'c.a', '1');
  await incr('a +5', 'c.a', '+5');
  await incr('a -10', 'c.a', '-10');
  await incr('b big', 'c.b', '99999999999999999999999999999');
  await incr('b big again', 'c.b', '99999999999999999999999999999');
  await incr('a 0', 'c.a', '0');
  await incr('invalid increment', 'c.a', 'abc');
  await incr('decimal increment', 'c.a', '1.5');
  await incr('with a payload', 'c.a', '1', [], 'p');
  await d.pub('no increment', 'c.a', null, '');
  await d.pub('no increment, other headers', 'c.a', [['X', 'y']], '');
  await incr('with expected last sequence', 'c.a', '1', [['Nats-Expected-Last-Sequence', '6']]);
  await incr('with expected subject sequence', 'c.a', '1', [['Nats-Expected-Last-Subject-Sequence', '6']]);
  await incr('with rollup', 'c.a', '1', [['Nats-Rollup', 'sub']]);
  await incr('with expected stream', 'c.a', '1', [['Nats-Expected-Stream', 'C']]);
  await incr('with a msg id', 'c.a', '2', [['Nats-Msg-Id', 'id-1']]);
  await incr('the same msg id', 'c.a', '2', [['Nats-Msg-Id', 'id-1']]);
  await incr('on a stream without counters', 'n.a', '1');
  await incr('invalid on a stream without counters', 'n.a', 'abc');
  await d.api('get 2', '$JS.API.STREAM.MSG.GET.C', { seq: 2 });
  await d.api('last of c.b', '$JS.API.STREAM.MSG.GET.C', { last_by_subj: 'c.b' });
  // The subject's last message deleted: the next increment starts from the one before.
  await d.api('delete 7', '$JS.API.STREAM.MSG.DELETE.C', { seq: 7 });
  await incr('a +100 after the delete', 'c.a', '100');
  await d.api('purge c.a', '$JS.API.STREAM.PURGE.C', { filter: 'c.a' });
  await incr('a +3 after the purge', 'c.a', '3');

  await d.api('create CB', '$JS.API.STREAM.CREATE.CB', { name: 'CB', subjects: ['cb.>'], allow_msg_counter: true, allow_atomic: true });
  await d.pub('cb +1', 'cb.a', [['Nats-Incr', '1']]);
  await d.pub('batch 1: +2', 'cb.a', [['Nats-Batch-Id', 'z'], ['Nats-Batch-Sequence', '1'], ['Nats-Incr', '2']]);
  await d.pub('batch 2: +3, commit', 'cb.a', [['Nats-Batch-Id', 'z'], ['Nats-Batch-Sequence', '2'], ['Nats-Batch-Commit', '1'], ['Nats-Incr', '3']]);
  await d.api('last of cb.a', '$JS.API.STREAM.MSG.GET.CB', { last_by_subj: 'cb.a' });
  await d.pub('batch y 1: +2', 'cb.a', [['Nats-Batch-Id', 'y'], ['Nats-Batch-Sequence', '1'], ['Nats-Incr', '2']]);
  await d.pub('batch y 2: no increment, commit', 'cb.a', [['Nats-Batch-Id', 'y'], ['Nats-Batch-Sequence', '2'], ['Nats-Batch-Commit', '1']]);
  await d.pub('cb +1 after the refused batch', 'cb.a', [['Nats-Incr', '1']]);
  await d.api('info C', '$JS.API.STREAM.INFO.C', {});

  // Sourcing counters into a counter stream: the totals of two origins add up.
  await d.api('create SRC1', '$JS.API.STREAM.CREATE.SRC1', { name: 'SRC1', subjects: ['s1.>'], allow_msg_counter: true });
  await d.api('create SRC2', '$JS.API.STREAM.CREATE.SRC2', { name: 'SRC2', subjects: ['s2.>'], allow_msg_counter: true });
  await d.api('create AGG', '$JS.API.STREAM.CREATE.AGG', {
    name: 'AGG',
    allow_msg_counter: true,
    sources: [
      { name: 'SRC1', subject_transforms: [{ src: 's1.>', dest: 'agg.>' }] },
      { name: 'SRC2', subject_transforms: [{ src: 's2.>', dest: 'agg.>' }] },
    ],
  });
  const steps: Array<[string, string]> = [['s1.a', '5'], ['s2.a', '3'], ['s1.a', '2'], ['s2.a', '-10']];
  for (let i = 0; i < steps.length; i++) {
    const [subject, by] = steps[i]!;
    await incr(`${subject} ${by}`, subject, by);
    await untilSeq(d.nc, 'AGG', i + 1);
    await d.api(`AGG after ${subject} ${by}`, '$JS.API.STREAM.MSG.GET.AGG', { last_by_subj: 'agg.a' });
  }
}

/** Polls STREAM.INFO (not recorded) until the stream's last sequence is `seq`. */
async function untilSeq(nc: RawNats, stream: string, seq: number): Promise<void> {
  const end = Date.now() + 15_000;
  for (let n = 0; ; n++) {
    const got = await nc.request(`$JS.API.STREAM.INFO.${stream}`, `_P.${n}.${Math.random()}`, Buffer.from('{}'), null, 1, 5_000);
    const info = JSON.parse(got[0]!.payload.toString('utf8')) as { state: { last_seq: number } };
    if (info.state.last_seq >= seq) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${stream} to reach ${seq}: ${JSON.stringify(info.state)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('counters, Wharf against nats-server', { skip: peerSkip('nats-server') }, () => {
  let pair: ServerPair | undefined;
  const results: Record<Side, Step[]> = { 'nats-server': [], wharf: [] };

  before(async () => {
    pair = await startServerPair('', {});
    Object.assign(results, await stepsOnEachSide(pair, scenario));
  });

  after(async () => {
    await pair?.close();
  });

  it('answers every step as nats-server does', () => {
    assertSameSteps(results);
  });

  it('keeps big totals and answers them in the PubAck', () => {
    const by = new Map(results.wharf.map((s) => [s.step, s.answers[0]]));
    assert.deepEqual(by.get('a -10'), { stream: 'C', seq: 3, val: '-4' });
    assert.deepEqual(by.get('b big again'), { stream: 'C', seq: 5, val: '199999999999999999999999999998' });
    assert.equal((by.get('no increment') as { error: { err_code: number } }).error.err_code, 10169);
  });
});

describe('counters survive a restart of Wharf', () => {
  it('the next increment after a restart adds to the stored total', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wharf-counter-restart-'));
    let w: RunningWharf | undefined;
    let nc: RawNats | undefined;
    try {
      w = await startWharf({ dataDir });
      nc = await RawNats.open(w.port);
      let d = new Driver(nc);
      await d.api('create', '$JS.API.STREAM.CREATE.R', { name: 'R', subjects: ['r.>'], allow_msg_counter: true });
      for (let i = 0; i < 5; i++) await d.pub(`+7 ${i}`, 'r.a', [['Nats-Incr', '7']]);
      await d.pub('+1 on r.b', 'r.b', [['Nats-Incr', '1']]);
      nc.close();
      await w.close();
      w = await startWharf({ dataDir });
      nc = await RawNats.open(w.port);
      d = new Driver(nc);
      assert.deepEqual(await d.pub('+1 after the restart', 'r.a', [['Nats-Incr', '1']]), { stream: 'R', seq: 7, val: '36' });
      assert.deepEqual(await d.pub('+1 on r.b after the restart', 'r.b', [['Nats-Incr', '1']]), { stream: 'R', seq: 8, val: '2' });
    } finally {
      nc?.close();
      await w?.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
