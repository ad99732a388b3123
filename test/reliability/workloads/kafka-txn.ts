// Kafka transactions (after Jepsen's Kafka workload): a transactional producer writes groups of
// values to random partitions, each group one transaction that it commits, or aborts about one
// time in four. Afterwards a read_committed reader must see every committed transaction whole,
// no aborted one, and a transaction whose commit or abort failed (the outcome unknown) either
// whole or not at all; nothing unexpected, no value twice. After an error the producer is made
// anew with the same transactional id, which fences the old one and aborts what it left open.
import type { Kafka as KafkaType, Producer } from 'kafkajs';
import { examples, type Outcome } from '../outcome.js';
import { readToEnd } from '../../kafka/support/read-committed.js';
import { kafkaFor } from './kafka-client.js';
import { portOf, retrying, within, type Workload, type WorkloadContext } from './workload.js';

// Segments roll every second, so a round seals some and writes their index files: the
// corruption faults then have sealed segments and indexes to damage, not only the active tail.
const ROLL_EVERY_SECOND = [{ name: 'segment.ms', value: '1000' }];
const PARTITIONS = 3;

export function kafkaTxnWorkload(): Workload {
  let kafka: KafkaType;
  let topic = '';
  let producer: Producer | undefined;
  const txns = new Map<string, { values: string[]; fate: 'committed' | 'aborted' | 'unknown' }>();
  let errors = 0;

  async function freshProducer(ctx: WorkloadContext): Promise<Producer> {
    await producer?.disconnect().catch(() => undefined);
    const p = kafka.producer({ transactionalId: `rel-txn-${ctx.tag}`, idempotent: true, maxInFlightRequests: 1, transactionTimeout: 10_000, allowAutoTopicCreation: false });
    await retrying(() => within(p.connect(), 20_000, 'connect'), 60_000, 'transactional producer connect');
    producer = p;
    return p;
  }

  return {
    name: 'kafka-txn',
    unsupported: (t) => (t.kafkaBootstrap ? undefined : 'no Kafka listener'),
    async setup(ctx) {
      kafka = kafkaFor(ctx.target.kafkaBootstrap!, `rel-txn-${ctx.tag}`);
      topic = `rel-txn-${ctx.tag}`;
      const admin = kafka.admin();
      await retrying(() => admin.connect(), 30_000, 'admin connect');
      await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1, configEntries: ROLL_EVERY_SECOND }], waitForLeaders: true });
      await admin.disconnect();
    },
    async run(ctx) {
      const rng = ctx.rng.fork('txn');
      let p = await freshProducer(ctx);
      for (let t = 0; !ctx.stopped(); t++) {
        const id = `t${t}`;
        const values = Array.from({ length: rng.int(1, 4) }, (_, i) => `${id}:${i}`);
        const abort = rng.chance(0.25);
        const rec: { values: string[]; fate: 'committed' | 'aborted' | 'unknown' } = { values, fate: 'unknown' };
        txns.set(id, rec);
        try {
          const txn = await within(p.transaction(), 20_000, 'begin');
          for (const value of values) await within(txn.send({ topic, acks: -1, messages: [{ partition: rng.int(0, PARTITIONS - 1), value }] }), 20_000, 'send');
          if (abort) {
            await within(txn.abort(), 20_000, 'abort');
            rec.fate = 'aborted';
          } else {
            await within(txn.commit(), 20_000, 'commit');
            rec.fate = 'committed';
          }
        } catch {
          errors++;
          try {
            p = await freshProducer(ctx);
          } catch {
            await new Promise((r) => setTimeout(r, 500));
          }
        }
      }
    },
    async check(ctx, out: Outcome, destroysData) {
      await producer?.disconnect().catch(() => undefined);
      producer = undefined;
      out.attempted = txns.size;
      out.acknowledged = [...txns.values()].filter((t) => t.fate === 'committed').length;
      if (errors) out.notes.push(`${errors} transactions failed (outcome unknown)`);
      let found: Map<number, string[]>;
      try {
        found = await retrying(() => readToEnd(kafka, portOf(ctx.target.kafkaBootstrap!), topic, { groupId: `txn-check-${Date.now()}`, timeoutMs: destroysData ? 15_000 : 60_000 }), destroysData ? 20_000 : 120_000, 'read back');
      } catch (err) {
        (destroysData ? out.allowed : out.violations).push(`read_committed read back failed: ${(err as Error).message.split('\n')[0]}`);
        return;
      }
      const count = new Map<string, number>();
      for (const vs of found.values()) for (const v of vs) count.set(v, (count.get(v) ?? 0) + 1);
      const lost: string[] = [];
      const partial: string[] = [];
      const visibleAborted: string[] = [];
      for (const [id, t] of txns) {
        const seen = t.values.filter((v) => count.has(v)).length;
        if (t.fate === 'committed' && seen < t.values.length) (seen === 0 ? lost : partial).push(`${id} (${seen}/${t.values.length})`);
        if (t.fate === 'aborted' && seen > 0) visibleAborted.push(`${id} (${seen}/${t.values.length})`);
        if (t.fate === 'unknown' && seen > 0 && seen < t.values.length) partial.push(`${id} (${seen}/${t.values.length}, outcome unknown)`);
      }
      const dup = [...count].filter(([, c]) => c > 1).map(([v, c]) => `${v} ×${c}`);
      const unexpected = [...count.keys()].filter((v) => !txns.has(v.slice(0, v.indexOf(':'))));
      out.lost = lost.length;
      out.duplicated = dup.length;
      out.unexpected = unexpected.length + visibleAborted.length;
      if (lost.length) (destroysData ? out.allowed : out.violations).push(`committed transactions missing: ${examples(lost)}`);
      if (partial.length) (destroysData ? out.allowed : out.violations).push(`transactions seen in part: ${examples(partial)}`);
      if (visibleAborted.length) out.violations.push(`aborted transactions visible to read_committed: ${examples(visibleAborted)}`);
      if (dup.length) out.violations.push(`values seen twice: ${examples(dup)}`);
      if (unexpected.length) out.violations.push(`unexpected: ${examples(unexpected)}`);
    },
    async close() {
      await producer?.disconnect().catch(() => undefined);
    },
  };
}
