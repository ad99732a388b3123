// A stream's persist_mode (nats-server 2.12's async persist), differentially: the same API
// requests and publishes to nats-server v2.15.2 -js and to Wharf over a raw NATS connection,
// every answer compared after normalising times and the advertised version and level: "default"
// and "" are stored as absent (`_nats.req.level` 0), "async" is kept (level 2) and takes
// publishes; an unknown or differently cased value is invalid JSON (10025); async on memory
// storage, on a replicated stream or with atomic batches is refused (10052, in nats-server's
// order); an update can change the mode neither way. Then, on Wharf alone, an async stream keeps
// its mode and its messages over a restart. (nats.js 3.4's 'streams - persist mode' checks the
// same: docs/jetstream.md 1.26.)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peerSkip } from '../support/peers.js';
import { startWharf, type RunningWharf } from '../support/wharf.js';
import { RawNats } from './support/raw-nats.js';
import { Driver, assertSameSteps, startServerPair, stepsOnEachSide, type ServerPair, type Side, type Step } from './support/driver.js';

async function scenario(d: Driver): Promise<void> {
  await d.api('create A default', '$JS.API.STREAM.CREATE.A', { name: 'A', subjects: ['a'], persist_mode: 'default' });
  await d.api('create E empty', '$JS.API.STREAM.CREATE.E', { name: 'E', subjects: ['e'], persist_mode: '' });
  await d.api('create B async', '$JS.API.STREAM.CREATE.B', { name: 'B', subjects: ['b'], persist_mode: 'async' });
  await d.api('create B async again', '$JS.API.STREAM.CREATE.B', { name: 'B', subjects: ['b'], persist_mode: 'async' });
  await d.api('create B without the mode', '$JS.API.STREAM.CREATE.B', { name: 'B', subjects: ['b'] });
  await d.api('unknown mode', '$JS.API.STREAM.CREATE.X1', { name: 'X1', subjects: ['x1'], persist_mode: 'bogus' });
  await d.api('upper case mode', '$JS.API.STREAM.CREATE.X2', { name: 'X2', subjects: ['x2'], persist_mode: 'ASYNC' });
  await d.api('async in memory', '$JS.API.STREAM.CREATE.X3', { name: 'X3', subjects: ['x3'], persist_mode: 'async', storage: 'memory', num_replicas: 3, allow_atomic: true });
  await d.api('async replicated', '$JS.API.STREAM.CREATE.X4', { name: 'X4', subjects: ['x4'], persist_mode: 'async', num_replicas: 3, allow_atomic: true });
  await d.api('async with atomic batches', '$JS.API.STREAM.CREATE.X5', { name: 'X5', subjects: ['x5'], persist_mode: 'async', allow_atomic: true });
  await d.api('async in memory with discard new schedules', '$JS.API.STREAM.CREATE.X6', { name: 'X6', subjects: ['x6'], persist_mode: 'async', storage: 'memory', allow_msg_schedules: true, discard: 'new' });
  await d.api('async with schedules and markers', '$JS.API.STREAM.CREATE.S', { name: 'S', subjects: ['s.>'], persist_mode: 'async', allow_msg_schedules: true, subject_delete_marker_ttl: 1_000_000_000 });
  await d.api('async mirror', '$JS.API.STREAM.CREATE.M', { name: 'M', persist_mode: 'async', mirror: { name: 'B' } });
  await d.api('update B to default', '$JS.API.STREAM.UPDATE.B', { name: 'B', subjects: ['b'], persist_mode: 'default' });
  await d.api('update B without the mode', '$JS.API.STREAM.UPDATE.B', { name: 'B', subjects: ['b'] });
  await d.api('update B keeping async', '$JS.API.STREAM.UPDATE.B', { name: 'B', subjects: ['b', 'b2'], persist_mode: 'async' });
  await d.api('update A to async', '$JS.API.STREAM.UPDATE.A', { name: 'A', subjects: ['a'], persist_mode: 'async' });
  await d.api('update A keeping default', '$JS.API.STREAM.UPDATE.A', { name: 'A', subjects: ['a'], persist_mode: 'default' });
  await d.pub('publish to B', 'b', null, 'one');
  await d.pub('publish to B again', 'b2', null, 'two');
  await d.api('get 2 of B', '$JS.API.STREAM.MSG.GET.B', { seq: 2 });
  await d.api('info B', '$JS.API.STREAM.INFO.B', {});
}

describe('persist_mode, Wharf against nats-server', { skip: peerSkip('nats-server') }, () => {
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

  it('keeps async and leaves the default out, with the level each needs', () => {
    const by = new Map(results.wharf.map((s) => [s.step, s.answers[0] as { config?: { persist_mode?: string; metadata?: Record<string, string> }; error?: { err_code: number; description: string } }]));
    assert.equal(by.get('create B async')?.config?.persist_mode, 'async');
    assert.equal(by.get('create B async')?.config?.metadata?.['_nats.req.level'], '2');
    assert.equal(by.get('create A default')?.config?.persist_mode, undefined);
    assert.equal(by.get('create A default')?.config?.metadata?.['_nats.req.level'], '0');
    assert.deepEqual(by.get('update B to default')?.error, { code: 500, err_code: 10052, description: 'stream configuration update can not change persist mode' });
  });
});

describe('an async persist stream over a restart of Wharf', () => {
  it('keeps its mode and its messages', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wharf-persist-mode-'));
    let w: RunningWharf | undefined;
    let nc: RawNats | undefined;
    try {
      w = await startWharf({ dataDir });
      nc = await RawNats.open(w.port);
      let d = new Driver(nc);
      await d.api('create', '$JS.API.STREAM.CREATE.P', { name: 'P', subjects: ['p'], persist_mode: 'async' });
      await d.pub('publish', 'p', null, 'kept');
      nc.close();
      await w.close();
      w = await startWharf({ dataDir });
      nc = await RawNats.open(w.port);
      d = new Driver(nc);
      await d.api('info', '$JS.API.STREAM.INFO.P', {});
      await d.api('get 1', '$JS.API.STREAM.MSG.GET.P', { seq: 1 });
      const info = d.steps[0]!.answers[0] as { config: { persist_mode?: string }; state: { messages: number } };
      assert.equal(info.config.persist_mode, 'async');
      assert.equal(info.state.messages, 1);
      const got = d.steps[1]!.answers[0] as { message: { data: string } };
      assert.equal(Buffer.from(got.message.data, 'base64').toString('utf8'), 'kept');
    } finally {
      nc?.close();
      await w?.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
