// Kafka read-process-write (the other half of Jepsen's Kafka transactions workload, beside the
// list-append one in kafka-txn.ts): an idempotent producer writes inputs to an input topic; a
// processor consumes them in a group and, for each chunk of a batch, produces one output per
// input to an output topic and commits the consumed offsets in the same transaction
// (sendOffsets). One chunk in five is aborted on purpose and then redone, so aborted outputs and
// offsets exist to be hidden. Any error tears the processor down: a new producer with the same
// transactional id fences the old one and settles its open transaction, then a new consumer
// resumes from the committed offsets. After the window the processor drains the input, and the
// checker proves: every input in the log has exactly one output visible to a read_committed
// reader (none lost, none twice), no output without its input, and the group's committed offsets
// are the input's ends, so the offsets were committed with the outputs. The output value names
// its input's partition and offset, so a reprocessed input shows up as a duplicate. Every
// transaction the processor tried is kept in a history (which processor, which input range,
// how it ended and at which step), and a duplicate or a lost input is reported with the
// transactions that covered it, so a violation says how it came about.
import type { Consumer, Kafka as KafkaType, Producer } from 'kafkajs';
import { examples, type Outcome } from '../outcome.js';
import { partitionEnds, readToEnd } from '../../kafka/support/read-committed.js';
import { kafkaFor } from './kafka-client.js';
import { portOf, retrying, within, type Workload, type WorkloadContext } from './workload.js';

const ROLL_EVERY_SECOND = [{ name: 'segment.ms', value: '1000' }];
const PARTITIONS = 3;
const CHUNK = 8;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function kafkaRpwWorkload(): Workload {
  let kafka: KafkaType;
  let input = '';
  let output = '';
  let groupId = '';
  let feeder: Producer | undefined;
  let producer: Producer | undefined;
  let consumer: Consumer | undefined;
  /** Set by a failed transaction or a consumer crash: the processor is rebuilt. */
  let broken = false;
  let processorStop = false;
  const acked = new Map<string, number>();
  let attempted = 0;
  let sendErrors = 0;
  let rebuilds = 0;
  let aborted = 0;
  let committed = 0;
  /** The distinct errors that broke the processor, for the round's notes. */
  const failures = new Map<string, number>();
  /** Every transaction tried: processor number, input partition, offsets, outcome, time. */
  const history: Array<{ build: number; partition: number; first: number; last: number; outcome: string; at: number }> = [];
  let builds = 0;
  const t0 = Date.now();
  const coveredBy = (partition: number, offset: number) =>
    history.filter((h) => h.partition === partition && h.first <= offset && offset <= h.last).map((h) => `processor ${h.build} ${h.first}-${h.last} ${h.outcome} at ${h.at} ms`);
  const failed = (err: unknown) => {
    const what = (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).split('\n')[0]!.slice(0, 160);
    failures.set(what, (failures.get(what) ?? 0) + 1);
    broken = true;
  };

  async function teardown(): Promise<void> {
    const c = consumer;
    const p = producer;
    consumer = undefined;
    producer = undefined;
    await within(c?.disconnect() ?? Promise.resolve(), 15_000, 'consumer disconnect').catch(() => undefined);
    await within(p?.disconnect() ?? Promise.resolve(), 15_000, 'producer disconnect').catch(() => undefined);
  }

  /** Producer first (it fences the old one and settles its transaction), then the consumer. */
  async function build(ctx: WorkloadContext): Promise<void> {
    const rng = ctx.rng.fork(`rpw${rebuilds}`);
    const build = ++builds;
    const p = kafka.producer({ transactionalId: `rel-rpw-${ctx.tag}`, idempotent: true, maxInFlightRequests: 1, transactionTimeout: 10_000, allowAutoTopicCreation: false });
    producer = p;
    await within(p.connect(), 20_000, 'transactional producer connect');
    const c = kafka.consumer({ groupId, sessionTimeout: 6_000, rebalanceTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 200, readUncommitted: false, retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 1_000 } });
    consumer = c;
    c.on(c.events.CRASH, (e) => failed(e.payload.error));
    await within(c.connect(), 20_000, 'consumer connect');
    await within(c.subscribe({ topic: input, fromBeginning: true }), 20_000, 'subscribe');
    broken = false;
    await c.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, heartbeat, resolveOffset }) => {
        for (let i = 0; i < batch.messages.length && !broken && !processorStop; i += CHUNK) {
          const chunk = batch.messages.slice(i, i + CHUNK);
          const next = String(Number(chunk[chunk.length - 1]!.offset) + 1);
          const once = async (commit: boolean) => {
            const entry = { build, partition: batch.partition, first: Number(chunk[0]!.offset), last: Number(chunk[chunk.length - 1]!.offset), outcome: 'begin', at: Date.now() - t0 };
            history.push(entry);
            const step = async <T>(name: string, p: Promise<T>): Promise<T> => {
              entry.outcome = name;
              return within(p, 20_000, name);
            };
            const txn = await step('begin', p.transaction());
            try {
              // Each output goes to the partition of its input, named in the message: kafkajs
              // runs its partitioner again on every retry of a send, so keyless messages spread
              // round-robin land elsewhere on the retry, under the sequence numbers the first
              // attempt used there; the broker (as Kafka, which deduplicates by sequence range)
              // then refuses a batch of another length (OUT_OF_ORDER_SEQUENCE_NUMBER) or takes
              // one of the same length as the retry of a batch with other records, so a record
              // stored by the first attempt was stored again on another partition (a duplicate).
              await step('send', txn.send({ topic: output, acks: -1, messages: chunk.map((m) => ({ partition: batch.partition, value: `${m.value?.toString() ?? ''}@${batch.partition}:${m.offset}` })) }));
              await step('sendOffsets', txn.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] }] }));
              if (commit) await step('commit', txn.commit());
              else await step('abort', txn.abort());
              entry.outcome = commit ? 'committed' : 'aborted on purpose';
            } catch (err) {
              entry.outcome = `failed at ${entry.outcome} (${(err as Error).message?.split('\n')[0]?.slice(0, 80)})`;
              await within(txn.abort(), 5_000, 'abort').catch(() => undefined);
              throw err;
            }
          };
          try {
            if (rng.chance(0.2)) {
              await once(false);
              aborted++;
            }
            await once(true);
            committed++;
            resolveOffset(chunk[chunk.length - 1]!.offset);
            await heartbeat();
          } catch (err) {
            // The outcome of the last transaction is unknown: the consumer's position is no
            // longer trusted; the supervisor rebuilds from the committed offsets.
            failed(err);
          }
        }
      },
    });
  }

  /** Keeps a processor running until `until()`; rebuilds it after every failure. */
  async function supervise(ctx: WorkloadContext, until: () => boolean): Promise<void> {
    while (!until()) {
      if (!consumer || broken) {
        if (consumer) rebuilds++;
        await teardown();
        try {
          await build(ctx);
        } catch (err) {
          failed(err);
          await sleep(500);
        }
        continue;
      }
      await sleep(100);
    }
  }

  async function caughtUp(port: number): Promise<boolean> {
    const ends = await partitionEnds(port, input);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [t] = await admin.fetchOffsets({ groupId, topics: [input] });
      return ends.highWatermark.every((hw, p) => BigInt(t?.partitions.find((x) => x.partition === p)?.offset ?? '-1') >= hw || hw === 0n);
    } finally {
      await admin.disconnect();
    }
  }

  return {
    name: 'kafka-rpw',
    unsupported: (t) => (t.kafkaBootstrap ? undefined : 'no Kafka listener'),
    async setup(ctx) {
      kafka = kafkaFor(ctx.target.kafkaBootstrap!, `rel-rpw-${ctx.tag}`);
      input = `rel-rpw-in-${ctx.tag}`;
      output = `rel-rpw-out-${ctx.tag}`;
      groupId = `rel-rpw-group-${ctx.tag}`;
      const admin = kafka.admin();
      await retrying(() => admin.connect(), 30_000, 'admin connect');
      await admin.createTopics({
        topics: [input, output].map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1, configEntries: ROLL_EVERY_SECOND })),
        waitForLeaders: true,
      });
      await admin.disconnect();
    },
    async run(ctx) {
      const rng = ctx.rng.fork('feed');
      const feed = async () => {
        feeder = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
        await retrying(() => feeder!.connect(), 90_000, 'feeder connect');
        for (let n = 0; !ctx.stopped(); n++) {
          const value = `i${n}`;
          const partition = rng.int(0, PARTITIONS - 1);
          attempted++;
          try {
            await within(feeder.send({ topic: input, acks: -1, messages: [{ partition, value }] }), 30_000, 'send');
            acked.set(value, partition);
          } catch {
            sendErrors++;
            await sleep(100);
          }
        }
        await feeder.disconnect().catch(() => undefined);
      };
      await Promise.all([feed(), supervise(ctx, () => ctx.stopped())]);
      // Drain: the processor runs on until the group's committed offsets reach the input's ends.
      const port = portOf(ctx.target.kafkaBootstrap!);
      const deadline = Date.now() + 90_000;
      let done = false;
      await Promise.all([
        supervise(ctx, () => done || Date.now() > deadline),
        (async () => {
          while (!done && Date.now() < deadline) {
            done = await caughtUp(port).catch(() => false);
            if (!done) await sleep(500);
          }
        })(),
      ]);
      processorStop = true;
      await teardown();
    },
    async check(ctx, out: Outcome, destroysData) {
      processorStop = true;
      await teardown();
      out.attempted = attempted;
      out.acknowledged = acked.size;
      out.notes.push(`${committed} transactions committed, ${aborted} aborted on purpose, processor rebuilt ${rebuilds} times`);
      if (sendErrors) out.notes.push(`${sendErrors} input sends failed (indeterminate)`);
      if (failures.size) out.notes.push(`processor failures: ${[...failures].map(([w, n]) => `${w} ×${n}`).join('; ')}`);
      const port = portOf(ctx.target.kafkaBootstrap!);
      let redelivered = 0;
      // The input's offsets as read: a salvaged range leaves a gap, so a value's index in its
      // partition is not its offset after one (the outputs name the offsets the processor read).
      let inputOffsets = new Map<number, number[]>();
      const readBack = (topic: string) =>
        retrying(
          () => {
            const offsets = new Map<number, number[]>();
            if (topic === input) inputOffsets = offsets;
            return readToEnd(kafka, port, topic, { groupId: `rpw-check-${topic}-${Date.now()}`, timeoutMs: destroysData ? 15_000 : 60_000, onRedelivery: () => void redelivered++, offsets });
          },
          destroysData ? 20_000 : 120_000,
          `read back ${topic}`,
        );
      let inputs: Map<number, string[]>;
      let outputs: Map<number, string[]>;
      try {
        inputs = await readBack(input);
        outputs = await readBack(output);
      } catch (err) {
        (destroysData ? out.allowed : out.violations).push(`read_committed read back failed: ${(err as Error).message.split('\n')[0]}`);
        return;
      }
      if (redelivered) out.notes.push(`the read-back consumer was handed ${redelivered} records again at offsets it had read (skipped)`);
      // Where each output is in the output topic (partition:index), for the duplicates' story.
      const where = new Map<string, string[]>();
      for (const [p, vs] of outputs) vs.forEach((v, i) => where.set(v, [...(where.get(v) ?? []), `out ${p}#${i}`]));
      // Inputs in the log, by the key the processor wrote into its output: value@partition:offset.
      const inLog = new Map<string, string>();
      const inputValues = new Set<string>();
      for (const [p, vs] of inputs) vs.forEach((v, i) => (inLog.set(`${v}@${p}:${inputOffsets.get(p)?.[i] ?? i}`, v), inputValues.add(v)));
      const lostInputs = [...acked.keys()].filter((v) => !inputValues.has(v));
      const seen = new Map<string, number>();
      for (const vs of outputs.values()) for (const v of vs) seen.set(v, (seen.get(v) ?? 0) + 1);
      const unprocessed = [...inLog.keys()].filter((k) => !seen.has(k));
      const dup = [...seen].filter(([, c]) => c > 1).map(([v, c]) => `${v} ×${c}`);
      const unexpected = [...seen.keys()].filter((k) => !inLog.has(k));
      out.lost = lostInputs.length + unprocessed.length;
      out.duplicated = dup.length;
      out.unexpected = unexpected.length;
      if (lostInputs.length) (destroysData ? out.allowed : out.violations).push(`acknowledged inputs missing from the input topic: ${examples(lostInputs)}`);
      if (unprocessed.length) (destroysData ? out.allowed : out.violations).push(`inputs without an output after the drain: ${examples(unprocessed)}`);
      // Each duplicated or unprocessed input with the transactions that covered it.
      const story = (key: string) => {
        const m = /@(\d+):(\d+)$/.exec(key);
        return m ? `${key} [${(where.get(key) ?? []).join(', ')}]: ${coveredBy(Number(m[1]), Number(m[2])).join(' | ') || 'no transaction covered it'}` : key;
      };
      // A damage fault that cut acknowledged inputs out of a partition can leave the group's
      // committed offset past that partition's new end: the processor's consumer then gets
      // OFFSET_OUT_OF_RANGE and resets to the earliest offset (fromBeginning), as a Kafka client
      // does against Kafka, and processes the partition again. Those duplicates follow from the
      // destroyed bytes; a duplicate in a partition that lost no acknowledged input does not.
      const cut = new Set(lostInputs.map((v) => acked.get(v)));
      const partitionOf = (d: string) => Number(/@(\d+):\d+ ×/.exec(d)?.[1] ?? -1);
      const dupAfterCut = destroysData ? dup.filter((d) => cut.has(partitionOf(d))) : [];
      const dupOther = dup.filter((d) => !dupAfterCut.includes(d));
      if (dupAfterCut.length) out.allowed.push(`inputs processed twice in partitions that lost acknowledged inputs to the damage (the group's offset past the cut end, reset to the earliest): ${examples(dupAfterCut)}; ${dupAfterCut.slice(0, 1).map((d) => story(d.split(' ')[0]!)).join('; ')}`);
      if (dupOther.length) out.violations.push(`inputs processed twice (outputs seen twice by read_committed): ${examples(dupOther)}; ${dupOther.slice(0, 3).map((d) => story(d.split(' ')[0]!)).join('; ')}`);
      if (unprocessed.length) out.notes.push(`unprocessed: ${unprocessed.slice(0, 3).map(story).join('; ')}`);
      if (unexpected.length) (destroysData ? out.allowed : out.violations).push(`outputs with no such input (aborted or offsets wrong): ${examples(unexpected)}`);
      // Offsets committed with the outputs: the group's offsets are the input's ends.
      const ok = await caughtUp(port).catch(() => false);
      if (!ok) (destroysData ? out.allowed : out.violations).push('the group\'s committed offsets did not reach the input topic\'s ends');
    },
    async close() {
      processorStop = true;
      await teardown();
      await feeder?.disconnect().catch(() => undefined);
    },
  };
}
