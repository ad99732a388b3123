// JetStream KV: clients read and write a few keys (get, put, and update with the revision they
// last saw, which is a compare-and-set), recording each operation's call and return time and its
// outcome; a timeout leaves the outcome unknown. The history of each key must be linearizable
// (checkers/linearizability.ts with the KV model), and afterwards every key holds a value its
// history can explain. Reads that fail are dropped: they observed nothing.
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { StringCodec, type KV, type NatsConnection } from 'nats';
import { checkKvHistory, type KvInput, type KvOutput } from '../checkers/kv-model.js';
import type { Operation } from '../checkers/linearizability.js';
import type { Outcome } from '../outcome.js';
import { natsConnect } from './nats-client.js';
import { retrying, within, type Workload, type WorkloadContext } from './workload.js';

const sc = StringCodec();
const KEYS = 4;
const CLIENTS = 3;

export function kvWorkload(): Workload {
  const conns: NatsConnection[] = [];
  let bucket = '';
  const history = new Map<string, Operation<KvInput, KvOutput>[]>();
  let attempted = 0;
  let completed = 0;
  let unknown = 0;

  async function client(ctx: WorkloadContext, c: number): Promise<void> {
    const nc = await retrying(() => natsConnect(ctx.target.natsUrl!, `kv-${c}`), 90_000, 'kv connect');
    conns.push(nc);
    const kv: KV = await retrying(() => nc.jetstream({ timeout: 2_000 }).views.kv(bucket), 90_000, 'kv open');
    const rng = ctx.rng.fork(`kv-${c}`);
    const seen = new Map<string, number>();
    for (let n = 0; !ctx.stopped(); n++) {
      const key = `k${rng.int(0, KEYS - 1)}`;
      const roll = rng.next();
      const input: KvInput =
        roll < 0.5 ? { f: 'get' } : roll < 0.7 ? { f: 'put', value: `c${c}-${n}` } : { f: 'update', value: `c${c}-${n}`, expect: seen.get(key) ?? 0 };
      const op: Operation<KvInput, KvOutput> = { call: performance.now(), ret: Infinity, input, output: undefined, client: c };
      attempted++;
      try {
        if (input.f === 'get') {
          const e = await within(kv.get(key), 3_000, 'get');
          op.output = e && e.operation === 'PUT' ? { value: sc.decode(e.value), rev: e.revision } : { value: null, rev: e?.revision ?? 0 };
          if (e) seen.set(key, e.revision);
        } else if (input.f === 'put') {
          const rev = await within(kv.put(key, sc.encode(input.value)), 3_000, 'put');
          op.output = { ok: true, rev };
          seen.set(key, rev);
        } else {
          try {
            const rev = await within(input.expect === 0 ? kv.create(key, sc.encode(input.value)) : kv.update(key, sc.encode(input.value), input.expect), 3_000, 'update');
            op.output = { ok: true, rev };
            seen.set(key, rev);
          } catch (err) {
            const msg = (err as Error).message;
            if (!/wrong last sequence|key exists/i.test(msg)) throw err;
            op.output = { ok: false };
          }
        }
        op.ret = performance.now();
        completed++;
      } catch {
        unknown++;
        if (input.f === 'get') continue; // observed nothing
        await new Promise((r) => setTimeout(r, 100));
      }
      let list = history.get(key);
      if (!list) history.set(key, (list = []));
      list.push(op);
    }
  }

  return {
    name: 'kv',
    unsupported: (t) => (t.natsUrl && t.jetstream ? undefined : 'no JetStream'),
    async setup(ctx) {
      bucket = `rel_${ctx.tag}`;
      const nc = await retrying(() => natsConnect(ctx.target.natsUrl!, 'kv-admin'), 30_000, 'kv connect');
      conns.push(nc);
      await nc.jetstream().views.kv(bucket, { history: 1 });
    },
    async run(ctx) {
      await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(ctx, c)));
    },
    async check(_ctx, out: Outcome, destroysData) {
      out.attempted = attempted;
      out.acknowledged = completed;
      if (unknown) out.notes.push(`${unknown} operations with an unknown outcome`);
      let slowest = 0;
      for (const [key, ops] of history) {
        const t0 = performance.now();
        const v = checkKvHistory(ops);
        slowest = Math.max(slowest, performance.now() - t0);
        if (v.ok === true) continue;
        if (v.ok === 'unknown') out.notes.push(`key ${key}: ${v.reason}`);
        else (destroysData ? out.allowed : out.violations).push(`key ${key}: ${ops.length} operations not linearizable: ${v.reason}`);
        if (process.env.WHARF_RELIABILITY_DUMP) writeFileSync(`${process.env.WHARF_RELIABILITY_DUMP}-${key}.json`, JSON.stringify(ops));
        if (v.ok === false) out.unexpected++;
      }
      if (slowest > 1_000) out.notes.push(`the slowest key took ${(slowest / 1000).toFixed(1)} s to check`);
      out.notes.push(`${[...history.values()].reduce((a, h) => a + h.length, 0)} operations checked on ${history.size} keys`);
    },
    async close() {
      await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
    },
  };
}
