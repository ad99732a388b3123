// Kafka queue: producers with acks=all, one idempotent and one not, write unique values
// (`<producer>:<n>`) to the partitions of one topic, one send at a time; a consumer group reads
// them while they are written. Afterwards the checker reads every partition to its end: nothing
// acknowledged lost, no duplicate from the idempotent producer (the other one's duplicates are
// allowed and counted), nothing unexpected, each producer's acknowledged values in send order
// within a partition; and the group, resumed from its committed offsets, skipped nothing.
import type { Consumer, Kafka as KafkaType, Producer } from 'kafkajs';
import { checkQueue, type QueueHistory } from '../checkers/queue.js';
import { examples, type Outcome } from '../outcome.js';
import { readToEnd } from '../../kafka/support/read-committed.js';
import { kafkaFor } from './kafka-client.js';
import { readPartitions } from './kafka-read.js';
import { portOf, retrying, within, type Workload, type WorkloadContext } from './workload.js';

// Segments roll every second, so a round seals some and writes their index files: the
// corruption faults then have sealed segments and indexes to damage, not only the active tail.
const ROLL_EVERY_SECOND = [{ name: 'segment.ms', value: '1000' }];
const PARTITIONS = 4;

export function kafkaQueueWorkload(): Workload {
  let kafka: KafkaType;
  let topic = '';
  let groupId = '';
  const history: QueueHistory = { attempted: new Set(), acknowledged: new Map() };
  const consumed = new Map<string, number>();
  const producers: Producer[] = [];
  let consumer: Consumer | undefined;
  let errors = 0;

  async function produceLoop(ctx: WorkloadContext, name: string, idempotent: boolean): Promise<void> {
    const producer = kafka.producer({ idempotent, maxInFlightRequests: idempotent ? 1 : undefined, allowAutoTopicCreation: false });
    producers.push(producer);
    await retrying(() => producer.connect(), 90_000, `${name} connect`);
    const rng = ctx.rng.fork(name);
    for (let n = 0; !ctx.stopped(); n++) {
      const value = `${name}:${n}`;
      const partition = rng.int(0, PARTITIONS - 1);
      history.attempted.add(value);
      try {
        await within(producer.send({ topic, acks: -1, messages: [{ partition, value }] }), 30_000, 'send');
        history.acknowledged.set(value, partition);
      } catch {
        errors++;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  return {
    name: 'kafka-queue',
    unsupported: (t) => (t.kafkaBootstrap ? undefined : 'no Kafka listener'),
    async setup(ctx) {
      kafka = kafkaFor(ctx.target.kafkaBootstrap!, `rel-queue-${ctx.tag}`);
      topic = `rel-queue-${ctx.tag}`;
      groupId = `rel-queue-group-${ctx.tag}`;
      const admin = kafka.admin();
      await retrying(() => admin.connect(), 30_000, 'admin connect');
      await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1, configEntries: ROLL_EVERY_SECOND }], waitForLeaders: true });
      await admin.disconnect();
      consumer = kafka.consumer({ groupId, sessionTimeout: 6_000, heartbeatInterval: 500, maxWaitTimeInMs: 200, retry: { retries: 100, initialRetryTime: 100, maxRetryTime: 1_000 } });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const v = message.value?.toString() ?? '';
          consumed.set(v, (consumed.get(v) ?? 0) + 1);
        },
      });
    },
    async run(ctx) {
      await Promise.all([produceLoop(ctx, 'idem0', true), produceLoop(ctx, 'plain0', false)]);
    },
    async check(ctx, out: Outcome, destroysData) {
      await Promise.all(producers.map((p) => p.disconnect().catch(() => undefined)));
      out.attempted = history.attempted.size;
      out.acknowledged = history.acknowledged.size;
      if (errors) out.notes.push(`${errors} sends failed (indeterminate)`);
      const port = portOf(ctx.target.kafkaBootstrap!);
      let found: Map<number, string[]>;
      try {
        found = await retrying(() => readToEnd(kafka, port, topic, { groupId: `${groupId}-check-${Date.now()}`, timeoutMs: destroysData ? 15_000 : 30_000 }), destroysData ? 20_000 : 90_000, 'read back');
      } catch (err) {
        const msg = `read back failed: ${(err as Error).message.split('\n')[0]}`;
        if (!destroysData) {
          out.violations.push(msg);
          out.lost = history.acknowledged.size;
          return;
        }
        // After injected damage a partition may be offline: read the others one by one.
        const parts = await readPartitions(port, topic, PARTITIONS);
        found = new Map();
        const offline: number[] = [];
        for (const [p, r] of parts) {
          if ('values' in r) found.set(p, r.values);
          else offline.push(p);
        }
        const unavailable = [...history.acknowledged].filter(([, p]) => offline.includes(p)).map(([v]) => v);
        for (const v of unavailable) history.acknowledged.delete(v);
        out.lost += unavailable.length;
        out.allowed.push(`partitions ${offline.join(', ')} offline after injected damage: ${unavailable.length} acknowledged records unavailable (not served corrupt)`);
      }
      const f = checkQueue(history, found);
      out.lost += f.lost.length;
      out.unexpected = f.unexpected.length;
      out.duplicated = f.duplicated.length;
      if (f.lost.length) (destroysData ? out.allowed : out.violations).push(`lost ${f.lost.length} acknowledged: ${examples(f.lost)}`);
      if (f.unexpected.length) out.violations.push(`unexpected: ${examples(f.unexpected)}`);
      const idemDup = f.duplicated.filter((d) => d.startsWith('idem'));
      if (idemDup.length) out.violations.push(`idempotent producer duplicated: ${examples(idemDup)}`);
      if (f.duplicated.length > idemDup.length) out.allowed.push(`${f.duplicated.length - idemDup.length} duplicates of the non-idempotent producer (its retries may duplicate)`);
      const idemOrder = f.reordered.filter((d) => d.startsWith('idem'));
      if (idemOrder.length) out.violations.push(`idempotent producer out of order: ${examples(idemOrder)}`);
      if (f.reordered.length > idemOrder.length) out.allowed.push(`${f.reordered.length - idemOrder.length} reorderings of the non-idempotent producer`);
      if (f.indeterminateFound) out.notes.push(`${f.indeterminateFound} failed sends were written anyway`);
      // The group: once it has caught up, every value in the log was delivered at least once.
      const inLog = new Set<string>();
      for (const vs of found.values()) for (const v of vs) inLog.add(v);
      const deadline = Date.now() + 30_000;
      const missing = () => [...inLog].filter((v) => !consumed.has(v));
      while (missing().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      const skipped = missing();
      if (skipped.length) (destroysData ? out.allowed : out.violations).push(`the consumer group never delivered ${skipped.length} records: ${examples(skipped)}`);
      const redelivered = [...consumed.values()].filter((c) => c > 1).length;
      if (redelivered) out.notes.push(`group redelivered ${redelivered} records (at-least-once)`);
    },
    async close() {
      await consumer?.disconnect().catch(() => undefined);
      await Promise.all(producers.map((p) => p.disconnect().catch(() => undefined)));
    },
  };
}
