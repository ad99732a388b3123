// Fast batch publish (ADR-50's fast ingest, nats-server 2.14) on the wire, differentially: the
// same messages, over a raw NATS connection, to nats-server v2.15.2 -js and to Wharf, each with a
// `<inbox>.<id>.<flow>.<gap>.<seq>.<op>.$FI` reply, and every message either server sends to the
// batches' inboxes compared byte for byte, in order, step by step: the first message's flow ack,
// flow acks as the interval ramps (one batch open, then two), gaps (reported; fail mode commits,
// ok mode goes on), pings, the commit's PubAck and the end of batch, a refused message mid-batch
// (`type: err`) and on the first message (answered as a single publish: an expected last
// sequence that does not match, a duplicate), a required API level, a batch gone after its
// commit, the refusals before any batch (not allowed, pattern, id, unknown), and
// the stream's state and stored headers after all of it. Each step ends with a barrier: a
// publish on the stream refused for its expected stream name, whose answer follows everything
// the stream sent for the steps before it (nats-server answers from the stream's one queue in
// order; Wharf answers refusals after the appends in flight), so a step's answers are complete
// when the barrier's comes, without waiting on the clock. The batch timeout is checked in
// test/core/fast-batch.test.ts (no message shows a fast batch is gone without changing it).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { peerSkip } from '../support/peers.js';
import { RawNats } from './support/raw-nats.js';
import { Normaliser, type Json } from './support/normalise.js';
import { startServerPair, type ServerPair, type Side } from './support/driver.js';

type Headers = Array<[string, string]>;

interface Step {
  step: string;
  /** What each inbox got in this step: `<reply token> <payload>` in arrival order. */
  answers: string[];
}

const OP = { start: 0, append: 1, commit: 2, eob: 3, ping: 4 } as const;
const norm = new Normaliser();

class FastDriver {
  readonly steps: Step[] = [];
  private readonly inbox: number;
  private seen = 0;
  private barriers = 0;
  private readonly barrierSid: number;

  constructor(readonly nc: RawNats) {
    this.inbox = nc.sub('_FI.>');
    this.barrierSid = nc.sub('_BARRIER.>');
  }

  /** Sends one message of batch `id` (`gap`: 'fail' or 'ok'; a ping or EOB has no payload). */
  async fast(step: string, id: string, seq: number, op: keyof typeof OP, opts: { subject?: string; flow?: number; gap?: string; headers?: Headers; payload?: string } = {}): Promise<string[]> {
    const reply = `_FI.${id}.${opts.flow ?? 10}.${opts.gap ?? 'fail'}.${seq}.${OP[op]}.$FI`;
    const subject = opts.subject ?? 'f.a';
    this.nc.pub(subject, reply, Buffer.from(opts.payload ?? (op === 'ping' || op === 'eob' ? '' : `${id}-${seq}`)), opts.headers ?? null);
    return this.barrier(step, subject);
  }

  /**
   * Several messages of one batch written at once, then the barrier: the later ones arrive
   * while the earlier are still on their way to Wharf's log (an end of batch or a gap then
   * commits with messages pending; nats-server has stored each before it reads the next).
   */
  async burst(step: string, id: string, msgs: Array<[number, keyof typeof OP]>, opts: { flow?: number } = {}): Promise<string[]> {
    for (const [seq, op] of msgs) {
      const reply = `_FI.${id}.${opts.flow ?? 10}.fail.${seq}.${OP[op]}.$FI`;
      this.nc.pub('f.a', reply, Buffer.from(op === 'ping' || op === 'eob' ? '' : `${id}-${seq}`), null);
    }
    return this.barrier(step, 'f.a');
  }

  /** A message with a reply subject of its own (a malformed $FI reply), outside the batches' inbox. */
  async raw(step: string, subject: string, reply: string): Promise<string[]> {
    const sid = this.nc.sub(reply);
    await this.nc.flush();
    this.nc.pub(subject, reply, Buffer.from('x'), null);
    const answers = await this.barrier(step, subject);
    answers.push(...this.nc.messages(sid).map((m) => `raw ${m.payload.toString('utf8')}`));
    this.nc.unsub(sid);
    return answers;
  }

  /** A plain publish, its PubAck recorded. */
  async pub(step: string, subject: string, headers: Headers | null): Promise<void> {
    const got = await this.nc.request(subject, `_PUB.${this.steps.length}`, Buffer.from('plain'), headers, 1, 5_000);
    assert.equal(got.length, 1, `${step}: a PubAck`);
    this.steps.push({ step, answers: [got[0]!.payload.toString('utf8')] });
  }

  async api(step: string, subject: string, body: unknown, headers: Headers | null = null): Promise<Json> {
    const got = await this.nc.request(subject, `_API.${this.steps.length}`, Buffer.from(JSON.stringify(body)), headers, 1, 5_000);
    assert.equal(got.length, 1, `${step}: one answer on ${subject}`);
    const j = JSON.parse(got[0]!.payload.toString('utf8')) as { [k: string]: Json };
    delete j['cluster'];
    delete j['ts'];
    delete j['created'];
    const a = norm.json(j);
    this.steps.push({ step, answers: [JSON.stringify(a)] });
    return a;
  }

  /** Waits for the barrier's refusal (on the stream of `subject`), then records what the inboxes got since the last step. */
  private async barrier(step: string, subject: string): Promise<string[]> {
    const n = ++this.barriers;
    this.nc.pub(`${subject.split('.')[0]}.barrier`, `_BARRIER.${n}`, Buffer.from('b'), [['Nats-Expected-Stream', 'NOPE']]);
    const got = this.nc.messages(this.barrierSid);
    assert.ok(await this.nc.waitFor(() => got.length >= n, 10_000), `${step}: the barrier's answer`);
    const msgs = this.nc.messages(this.inbox);
    const answers = msgs.slice(this.seen).map((m) => `${m.subject.split('.').slice(1, -1).join('.')} ${m.payload.toString('utf8')}`);
    this.seen = msgs.length;
    this.steps.push({ step, answers });
    return answers;
  }
}

/** The scenario, run the same way against both servers. */
async function scenario(d: FastDriver, storage: 'file' | 'memory'): Promise<void> {
  await d.api('create N without allow_batched', '$JS.API.STREAM.CREATE.N', { name: 'N', subjects: ['n.>'] });
  await d.api('create F', '$JS.API.STREAM.CREATE.F', { name: 'F', subjects: ['f.>'], allow_batched: true, allow_rollup_hdrs: true, storage });
  await d.fast('not allowed on N', 'n', 1, 'start', { subject: 'n.1' });
  await d.raw('pattern: unknown gap mode', 'f.a', '_RAW.p.10.maybe.1.0.$FI');
  await d.raw('pattern: start at 2', 'f.a', '_RAW.p.10.fail.2.0.$FI');
  await d.raw('pattern: append at 1', 'f.a', '_RAW.p.10.fail.1.1.$FI');
  await d.raw('pattern: eob at 1', 'f.a', '_RAW.p.10.fail.1.3.$FI');
  await d.raw('pattern: op 5', 'f.a', '_RAW.p.10.fail.1.5.$FI');
  await d.raw('pattern: seq 0', 'f.a', '_RAW.p.10.fail.0.4.$FI');
  await d.raw('pattern: no prefix', 'f.a', 'p.10.fail.1.0.$FI');
  await d.raw('pattern on N (not allowed first)', 'n.1', '_RAW.p.10.maybe.1.0.$FI');
  await d.fast('id of 65', 'x'.repeat(65), 1, 'start');
  await d.fast('unknown batch', 'u', 2, 'append');

  // A batch of 5, flow 2: the first message's ack, then one every 2, the commit's PubAck.
  for (let i = 1; i <= 4; i++) await d.fast(`a${i}`, 'a', i, i === 1 ? 'start' : 'append', { flow: 2 });
  await d.fast('a5 commit', 'a', 5, 'commit', { flow: 2 });
  await d.fast('a6 after the commit: unknown', 'a', 6, 'append', { flow: 2 });

  // Ping, then a ping past what was sent (a gap in fail mode: the batch commits).
  await d.fast('b1', 'b', 1, 'start');
  await d.fast('b2', 'b', 2, 'append');
  await d.fast('b ping at 2', 'b', 2, 'ping');
  await d.fast('b ping at 4: gap, commits', 'b', 4, 'ping');

  // A gap in fail mode commits what was stored; in ok mode it is reported and the batch goes on.
  await d.fast('c1', 'c', 1, 'start');
  await d.fast('c3: gap, commits', 'c', 3, 'append');
  await d.fast('d1 (gaps ok)', 'd', 1, 'start', { gap: 'ok' });
  await d.fast('d3: gap reported', 'd', 3, 'append', { gap: 'ok' });
  await d.fast('d2: behind, commits', 'd', 2, 'append', { gap: 'ok' });

  // End of batch: not stored, the PubAck names the last stored message.
  await d.fast('e1', 'e', 1, 'start');
  await d.fast('e2', 'e', 2, 'append');
  await d.fast('e3 end of batch', 'e', 3, 'eob');

  // The first message refused: answered as a single publish would be.
  await d.fast('g1 expected last sequence 99', 'g', 1, 'start', { headers: [['Nats-Expected-Last-Sequence', '99']] });
  await d.fast('g2 after: unknown', 'g', 2, 'append');
  await d.pub('plain with msg id m1', 'f.plain', [['Nats-Msg-Id', 'm1']]);
  await d.fast('h1 duplicate of m1: skipped', 'h', 1, 'start', { headers: [['Nats-Msg-Id', 'm1']] });
  await d.fast('h2 duplicate of m1, committing: a duplicate PubAck', 'h', 2, 'commit', { headers: [['Nats-Msg-Id', 'm1']] });
  await d.fast('hh1 duplicate of m1, committing at 1: a duplicate PubAck', 'hh', 1, 'commit', { headers: [['Nats-Msg-Id', 'm1']] });
  const last = (await d.api('info before i', '$JS.API.STREAM.INFO.F', {})) as { state: { last_seq: number } };
  await d.fast('i1 expected last sequence right', 'i', 1, 'start', { headers: [['Nats-Expected-Last-Sequence', String(last.state.last_seq)]] });
  await d.fast('i2 expected last sequence again (not only the first)', 'i', 2, 'append', { headers: [['Nats-Expected-Last-Sequence', String(last.state.last_seq + 1)]] });
  // Refused mid-batch: `type: err`; fail mode commits, ok mode goes on.
  await d.fast('i3 expected subject sequence wrong', 'i', 3, 'append', { headers: [['Nats-Expected-Last-Subject-Sequence', '1']] });
  await d.fast('j1 (gaps ok)', 'j', 1, 'start', { gap: 'ok' });
  await d.fast('j2 expected subject sequence wrong', 'j', 2, 'append', { gap: 'ok', headers: [['Nats-Expected-Last-Subject-Sequence', '1']] });
  await d.fast('j3 duplicate of m1: skipped', 'j', 3, 'append', { gap: 'ok', headers: [['Nats-Msg-Id', 'm1']] });
  await d.fast('j4 commit', 'j', 4, 'commit', { gap: 'ok' });

  // The required API level: refused above the server's, never stored.
  await d.fast('k1 required level 99', 'k', 1, 'start', { headers: [['Nats-Required-Api-Level', '99']] });
  await d.fast('l1 required level 1', 'l', 1, 'start', { subject: 'f.level', headers: [['Nats-Required-Api-Level', '1'], ['X-Kept', 'yes']] });
  await d.fast('l2 commit', 'l', 2, 'commit');
  await d.api('get the l1 message: no required level header', '$JS.API.STREAM.MSG.GET.F', { last_by_subj: 'f.level' });

  // The flow interval: the only batch gets what it asks (at most 500); a second starts at 1 and ramps.
  await d.fast('m1 flow 600', 'm', 1, 'start', { flow: 600 });
  await d.fast('o1 flow 8, two open', 'o', 1, 'start', { flow: 8 });
  for (let i = 2; i <= 12; i++) await d.fast(`o${i}`, 'o', i, 'append', { flow: 8 });
  await d.fast('o13 commit', 'o', 13, 'commit', { flow: 8 });
  await d.fast('m2 end', 'm', 2, 'eob', { flow: 600 });

  // Messages written at once: the commit waits for the messages still pending, and answers on its own reply.
  await d.burst('burst: 1, 2, 3 and the end of batch', 'w1', [[1, 'start'], [2, 'append'], [3, 'append'], [4, 'eob']]);
  await d.burst('burst: 1, 2 and a gap at 4', 'w2', [[1, 'start'], [2, 'append'], [4, 'append']]);
  await d.burst('burst: 1 to 6 and the commit at 7, flow 2', 'w3', [[1, 'start'], [2, 'append'], [3, 'append'], [4, 'append'], [5, 'append'], [6, 'append'], [7, 'commit']], { flow: 2 });

  // A rollup in a batch (the object store's meta message).
  await d.fast('r1', 'r', 1, 'start', { subject: 'f.r' });
  await d.fast('r2 rollup sub', 'r', 2, 'commit', { subject: 'f.r', headers: [['Nats-Rollup', 'sub']] });

  // API requests with a required level.
  await d.api('info with required level 99', '$JS.API.STREAM.INFO.F', {}, [['Nats-Required-Api-Level', '99']]);
  await d.api('info with required level abc', '$JS.API.STREAM.INFO.F', {}, [['Nats-Required-Api-Level', 'abc']]);
  await d.api('info with required level 1', '$JS.API.STREAM.INFO.F', {}, [['Nats-Required-Api-Level', '1']]);

  // A mirror may not allow batches; turning allow_batched off drops the open batches.
  await d.api('mirror with allow_batched', '$JS.API.STREAM.CREATE.M', { name: 'M', mirror: { name: 'F' }, allow_batched: true });
  await d.fast('s1', 's', 1, 'start');
  await d.api('update F without allow_batched', '$JS.API.STREAM.UPDATE.F', { name: 'F', subjects: ['f.>'], allow_rollup_hdrs: true, storage });
  await d.fast('s2 after the update: disabled', 's', 2, 'append');
  await d.api('update F with allow_batched', '$JS.API.STREAM.UPDATE.F', { name: 'F', subjects: ['f.>'], allow_rollup_hdrs: true, allow_batched: true, storage });
  await d.fast('s3 after re-enabling: unknown', 's', 3, 'append');

  await d.api('info at the end', '$JS.API.STREAM.INFO.F', {});
}

// File storage (Wharf answers after the append's fsync) and memory storage (at once): the
// answers must not depend on how long the log takes.
for (const storage of ['file', 'memory'] as const) {
  describe(`fast batch publish, Wharf against nats-server (${storage} storage)`, { skip: peerSkip('nats-server') }, () => {
    let pair: ServerPair | undefined;
    const results: Record<Side, Step[]> = { 'nats-server': [], wharf: [] };

    before(async () => {
      pair = await startServerPair();
      for (const [side, port] of pair.sides) {
        const nc = await RawNats.open(port);
        const d = new FastDriver(nc);
        await nc.flush();
        try {
          await scenario(d, storage);
        } finally {
          results[side] = d.steps;
          nc.close();
        }
      }
    });

    after(async () => {
      await pair?.close();
    });

    it('answers every step as nats-server does, byte for byte', () => {
      const expected = results['nats-server'];
      const got = results.wharf;
      for (let i = 0; i < Math.min(expected.length, got.length); i++) assert.deepEqual(got[i], expected[i], `step ${expected[i]!.step}`);
      assert.equal(got.length, expected.length);
    });

    it('acks, gaps, errors and the commit carry what the protocol says', () => {
      const by = new Map(results.wharf.map((s) => [s.step, s.answers]));
      assert.deepEqual(by.get('a1'), ['a.2.fail.1.0 {"type":"ack","seq":0,"msgs":2}']);
      assert.deepEqual(by.get('a2'), ['a.2.fail.2.1 {"type":"ack","seq":2,"msgs":2}']);
      assert.deepEqual(by.get('a5 commit'), ['a.2.fail.5.2 {"stream":"F","seq":5,"batch":"a","count":5}']);
      assert.match(by.get('a6 after the commit: unknown')![0]!, /"err_code":10208/);
      assert.match(by.get('not allowed on N')![0]!, /"err_code":10205/);
      assert.match(by.get('pattern: seq 0')![0]!, /"err_code":10206/);
      assert.match(by.get('id of 65')![0]!, /"err_code":10207/);
      assert.deepEqual(by.get('c3: gap, commits'), ['c.10.fail.3.1 {"type":"gap","last_seq":2,"seq":3}', 'c.10.fail.3.1 {"stream":"F","seq":8,"batch":"c","count":1}']);
      assert.match(by.get('hh1 duplicate of m1, committing at 1: a duplicate PubAck')!.at(-1)!, /"duplicate": true,"batch":"hh","count":1\}$/);
      assert.match(by.get('i3 expected subject sequence wrong')![0]!, /^i\.10\.fail\.3\.1 \{"type":"err","seq":3,"error":\{"code":400,"err_code":10071,/);
      assert.match(by.get('k1 required level 99')![0]!, /"err_code":10185/);
    });
  });
}
