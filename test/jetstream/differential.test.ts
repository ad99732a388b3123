// Differential test of the stream half of the $JS.API: replays the requests and publishes of
// the fixtures captured from nats-server v2.15.2 -js (scripts/capture-jetstream.ts) against
// Wharf over a raw NATS connection and compares every answer, normalised as the capture
// normalises it (plus the advertised version and API level, where Wharf differs by design).
//
// Steps on the consumer API (the consumers half) are not replayed; answers that count
// consumers are compared with the counts a stream-only broker has (noted per scenario below).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, startWharf, type RunningWharf } from '../support/wharf.js';
import { RawNats, statusOf, type RawMsg } from './support/raw-nats.js';
import { Normaliser, type Json, type RecordedMsg } from './support/normalise.js';

interface Exchange {
  step: string;
  op: 'request' | 'publish' | 'subscription' | 'ack' | 'http' | 'info';
  subject?: string;
  reply?: string | null;
  headers?: Array<[string, string]>;
  json?: Json;
  text?: string;
  replies?: RecordedMsg[];
  noReply?: boolean;
}

interface Fixture {
  scenario: string;
  exchanges: Exchange[];
}

const FIXTURES = join(repoRoot(), 'test', 'jetstream', 'fixtures');

function load(name: string): Fixture {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Fixture;
}

/** Reads whose answer a poll waited for in the capture: replayed until they match (state, not time). */
const POLLED = /^\$JS\.API\.(STREAM\.INFO|STREAM\.MSG\.GET|DIRECT\.GET)\./;

interface Plan {
  /** Broker options (by flag) besides the defaults of this test. */
  flags?: Record<string, string | number | boolean>;
  /** Steps to leave out, with the reason. */
  skip?: Record<string, string>;
  /** Adjusts an expected reply (e.g. consumer counts of a stream-only broker). */
  patch?: (step: string, r: RecordedMsg) => RecordedMsg;
  /**
   * Subscriptions the capture made (the fixtures do not record their subjects), by the step
   * that collects their messages: subscribed before the first step, compared at that step.
   */
  subscriptions?: Record<string, string>;
  /** Adjusts an answer of a monitoring endpoint (both sides), for the documented differences. */
  patchHttp?: (j: { [k: string]: Json }) => { [k: string]: Json };
}

const noConsumers = (step: string, r: RecordedMsg): RecordedMsg => {
  void step;
  if (r.json === undefined || r.json === null || typeof r.json !== 'object' || Array.isArray(r.json)) return r;
  const j = JSON.parse(JSON.stringify(r.json)) as { [k: string]: Json };
  if (typeof j['consumers'] === 'number') j['consumers'] = 0;
  const st = j['state'] as { [k: string]: Json } | undefined;
  if (st !== undefined && typeof st['consumer_count'] === 'number') st['consumer_count'] = 0;
  return { ...r, json: j };
};

const PLANS: Record<string, Plan> = {
  'no-jetstream': { flags: { jetstream: false } },
  'account-info': { patch: noConsumers },
  'stream-create': {},
  'stream-info-list': {},
  'stream-update-delete': {},
  publish: {},
  'msg-get-delete': {},
  'direct-get': {},
  purge: {},
  'api-misc': {
    skip: {
      'INFO line of the server': 'compared in the INFO test below',
      'consumer reset of an unknown stream': 'consumer API (consumers half)',
    },
  },
  'sources-mirrors': { subscriptions: { 'republished message': 'republished.>' } },
  'ttl-markers': {
    patch: noConsumers,
    subscriptions: { 'core subscribers of t.> saw the 5 publishes and no marker (markers were stored before this step)': 't.>' },
  },
  jsz: {
    patchHttp: (j) => {
      // nats-server's store syncs every 2 minutes; Wharf's fsync policy makes every append durable (0).
      const cfg = j['config'] as { [k: string]: Json };
      cfg['sync_interval'] = 0;
      j['consumers'] = 0;
      delete j['wharf'];
      for (const a of (j['account_details'] as Array<{ [k: string]: Json }> | undefined) ?? []) {
        // nats-server reports the unset reservation of the global account as a wrapped uint64.
        a['reserved_memory'] = 0;
        a['reserved_storage'] = 0;
        for (const sd of (a['stream_detail'] as Array<{ [k: string]: Json }> | undefined) ?? []) {
          delete sd['consumer_detail'];
          (sd['state'] as { [k: string]: Json })['consumer_count'] = 0;
        }
      }
      return j;
    },
  },
  advisories: { subscriptions: { 'stream advisories': '$JS.EVENT.ADVISORY.STREAM.>' }, skip: { 'API audit advisories': 'it covers the consumer requests this replay skips: compared by the consumer fixture replay, which sends them all' } },
};

async function replay(name: string, plan: Plan): Promise<string[]> {
  const fx = load(name);
  const wharf: RunningWharf = await startWharf({ serverName: 'capture', jsMaxMemory: 1024 * 1024 * 1024, jsMaxStorage: 1024 * 1024 * 1024 * 1024, ...(plan.flags ?? {}) });
  const nc = await RawNats.open(wharf.port);
  const norm = new Normaliser();
  const failures: string[] = [];
  let skippedRequests = 0;
  const subs = new Map<string, { sid: number; seen: number }>();
  for (const [step, subject] of Object.entries(plan.subscriptions ?? {})) subs.set(step, { sid: nc.sub(subject), seen: 0 });
  try {
    if (plan.flags?.['jetstream'] !== false) {
      // The capture waited for the API with two INFO requests (counted in the API statistics).
      for (let i = 0; i < 2; i++) await nc.request('$JS.API.INFO', `_INBOX.ready.${i}`, Buffer.alloc(0), null, 1, 5_000);
    }
    for (const ex of fx.exchanges) {
      const why = plan.skip?.[ex.step];
      if (why !== undefined) continue;
      if (ex.subject?.startsWith('$JS.API.CONSUMER.')) {
        skippedRequests++;
        continue;
      }
      if (ex.op === 'publish') {
        nc.pub(ex.subject!, null, Buffer.from(ex.text ?? ''), ex.headers ?? null);
        await nc.flush();
        continue;
      }
      if (ex.op === 'subscription') {
        const sub = subs.get(ex.step);
        if (sub === undefined) continue;
        const expected = (ex.replies ?? []).map((r) => norm.fixture(r));
        const all = nc.messages(sub.sid);
        await nc.waitFor(() => all.length >= sub.seen + expected.length, 5_000);
        await nc.flush();
        const actual = all.slice(sub.seen).map((m) => norm.msg(m));
        sub.seen = all.length;
        if (!same(actual, expected)) failures.push(`${name} / ${ex.step}:\n  expected ${JSON.stringify(expected)}\n  actual   ${JSON.stringify(actual)}`);
        continue;
      }
      if (ex.op === 'http') {
        const res = await fetch(`http://127.0.0.1:${wharf.httpPort}${ex.subject!}`);
        const patch = plan.patchHttp ?? ((j) => j);
        const actual = patch(norm.json((await res.json()) as Json) as { [k: string]: Json });
        const expected = patch(norm.json(JSON.parse(JSON.stringify(ex.json)) as Json) as { [k: string]: Json });
        // The consumer requests not replayed are not in Wharf's API statistics.
        for (const api of [expected['api'], ...((expected['account_details'] as Array<{ [k: string]: Json }> | undefined) ?? []).map((a) => a['api'])]) {
          const o = api as { [k: string]: Json };
          o['total'] = (o['total'] as number) - skippedRequests;
        }
        if (!same(actual, expected)) failures.push(`${name} / ${ex.step}:\n  expected ${JSON.stringify(expected)}\n  actual   ${JSON.stringify(actual)}`);
        continue;
      }
      if (ex.op !== 'request') continue;
      const payload = ex.json !== undefined ? Buffer.from(JSON.stringify(ex.json)) : Buffer.from(ex.text ?? '');
      const expected = (ex.replies ?? []).map((r) => norm.fixture(withoutSkipped(plan.patch ? plan.patch(ex.step, r) : r, skippedRequests)));
      const terminal = expected.length > 0 && expected[expected.length - 1]!.status !== undefined && expected.length > 1;
      const ask = async (): Promise<RecordedMsg[]> => {
        const got: RawMsg[] = await nc.request(ex.subject!, ex.reply!, payload, ex.headers ?? null, expected.length, ex.noReply === true ? 400 : 5_000, (g) =>
          ex.noReply === true ? false : terminal ? g.some((m) => statusOf(m) !== null) : g.length >= expected.length,
        );
        return got.map((m) => norm.msg(m));
      };
      let actual = await ask();
      if (POLLED.test(ex.subject!)) {
        const deadline = Date.now() + 8_000;
        while (!same(actual, expected) && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 100));
          actual = await ask();
        }
      }
      if (!same(actual, expected)) failures.push(`${name} / ${ex.step}:\n  expected ${JSON.stringify(expected)}\n  actual   ${JSON.stringify(actual)}`);
    }
  } finally {
    nc.close();
    await wharf.close();
  }
  return failures;
}

/** The API statistics of an account info answer without the consumer requests not replayed. */
function withoutSkipped(r: RecordedMsg, skipped: number): RecordedMsg {
  const j = r.json;
  if (skipped === 0 || j === null || typeof j !== 'object' || Array.isArray(j) || j['type'] !== 'io.nats.jetstream.api.v1.account_info_response') return r;
  const api = j['api'] as { [k: string]: Json };
  return { ...r, json: { ...j, api: { ...api, total: (api['total'] as number) - skipped } } };
}

function same(a: unknown, b: unknown): boolean {
  try {
    assert.deepStrictEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

for (const [name, plan] of Object.entries(PLANS)) {
  test(`$JS.API differential: ${name}`, { timeout: 120_000 }, async () => {
    const failures = await replay(name, plan);
    assert.equal(failures.length, 0, failures.join('\n'));
  });
}

test('INFO advertises JetStream as nats-server does (version and level are Wharf\'s own)', async () => {
  const wharf = await startWharf({ serverName: 'capture' });
  const nc = await RawNats.open(wharf.port);
  try {
    // nats-server v2.14.x: VERSION "2.14.x" (const.go), JSApiLevel 4 (jetstream_versioning.go).
    assert.equal(nc.info['jetstream'], true);
    assert.equal(nc.info['version'], '2.14.0');
    assert.equal(nc.info['api_lvl'], 4);
    assert.equal(nc.info['headers'], true);
    const info = await nc.api('$JS.API.INFO', {});
    assert.equal((info['api'] as { level?: number }).level, 4);
    // The same version and level everywhere the server names them: /varz, /jsz and the dynamic
    // metadata of stream and consumer configs (_nats.ver, _nats.level); _nats.req.level is the
    // asset's own need (4 for allow_batched, fast batch publish, 2.14).
    const varz = (await (await fetch(`http://127.0.0.1:${wharf.httpPort}/varz`)).json()) as { version: string };
    assert.equal(varz.version, '2.14.0');
    const jsz = (await (await fetch(`http://127.0.0.1:${wharf.httpPort}/jsz`)).json()) as { api: { level: number } };
    assert.equal(jsz.api.level, 4);
    const made = await nc.api('$JS.API.STREAM.CREATE.V', { name: 'V', subjects: ['v.>'], allow_batched: true });
    const md = (made['config'] as { metadata: Record<string, string> }).metadata;
    assert.deepEqual(md, { '_nats.level': '4', '_nats.req.level': '4', '_nats.ver': '2.14.0' });
    const c = await nc.api('$JS.API.CONSUMER.CREATE.V.D', { stream_name: 'V', config: { durable_name: 'D', ack_policy: 'explicit' } });
    const cmd = (c['config'] as { metadata: Record<string, string> }).metadata;
    assert.deepEqual(cmd, { '_nats.level': '4', '_nats.req.level': '0', '_nats.ver': '2.14.0' });
  } finally {
    nc.close();
    await wharf.close();
  }
});
