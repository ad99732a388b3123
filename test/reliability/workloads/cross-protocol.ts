// Cross-protocol: NATS publishers (JetStream publishes with PubAcks) and Kafka producers
// (acks=all, idempotent) write to one stream, which is one topic. Afterwards a Kafka reader
// (read_committed, to the end of the partition) and the JetStream store (message by message)
// must show the same values in the same order (sequence n is offset n - 1), with every
// acknowledged value present once. Wharf only: no reference broker speaks both protocols.
import { StringCodec, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
import type { Kafka as KafkaType, Producer } from 'kafkajs';
import { examples, type Outcome } from '../outcome.js';
import { readToEnd } from '../../kafka/support/read-committed.js';
import { kafkaFor } from './kafka-client.js';
import { natsConnect } from './nats-client.js';
import { readStream } from './js-read.js';
import { portOf, retrying, within, type Workload, type WorkloadContext } from './workload.js';

const sc = StringCodec();

export function crossProtocolWorkload(): Workload {
  const conns: NatsConnection[] = [];
  let producer: Producer | undefined;
  let kafka: KafkaType;
  let stream = '';
  let subject = '';
  let jsm: JetStreamManager;
  const attempted = new Set<string>();
  const acked = new Set<string>();

  return {
    name: 'cross-protocol',
    unsupported: (t) => (t.natsUrl && t.kafkaBootstrap && t.jetstream ? undefined : 'needs NATS and Kafka on one broker'),
    async setup(ctx) {
      stream = `XP_${ctx.tag}`;
      subject = `rel.xp.${ctx.tag}`;
      const nc = await retrying(() => natsConnect(ctx.target.natsUrl!, 'xp-admin'), 30_000, 'connect');
      conns.push(nc);
      jsm = await nc.jetstreamManager();
      await jsm.streams.add({ name: stream, subjects: [`${subject}.>`] });
      kafka = kafkaFor(ctx.target.kafkaBootstrap!, `rel-xp-${ctx.tag}`);
    },
    async run(ctx) {
      const natsSide = async () => {
        const nc = await retrying(() => natsConnect(ctx.target.natsUrl!, 'xp-nats'), 90_000, 'connect');
        conns.push(nc);
        const js: JetStreamClient = nc.jetstream({ timeout: 3_000 });
        for (let n = 0; !ctx.stopped(); n++) {
          const id = `nats:${n}`;
          attempted.add(id);
          try {
            await js.publish(`${subject}.n`, sc.encode(id), { msgID: id });
            acked.add(id);
          } catch {
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      };
      const kafkaSide = async () => {
        producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
        await retrying(() => producer!.connect(), 90_000, 'producer connect');
        for (let n = 0; !ctx.stopped(); n++) {
          const id = `kafka:${n}`;
          attempted.add(id);
          try {
            await within(producer.send({ topic: stream, acks: -1, messages: [{ key: `${subject}.k`, value: id }] }), 30_000, 'send');
            acked.add(id);
          } catch {
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      };
      await Promise.all([natsSide(), kafkaSide()]);
    },
    async check(ctx, out: Outcome, destroysData) {
      await producer?.disconnect().catch(() => undefined);
      out.attempted = attempted.size;
      out.acknowledged = acked.size;
      let viaKafka: string[];
      let viaNats: string[];
      try {
        const parts = await retrying(() => readToEnd(kafka, portOf(ctx.target.kafkaBootstrap!), stream, { groupId: `xp-check-${Date.now()}`, timeoutMs: destroysData ? 15_000 : 30_000 }), destroysData ? 20_000 : 90_000, 'Kafka read');
        viaKafka = parts.get(0) ?? [];
        viaNats = (await retrying(() => within(readStream(jsm, stream), 120_000, 'stream read'), 90_000, 'JetStream read')).map((m) => m.data);
      } catch (err) {
        (destroysData ? out.allowed : out.violations).push(`read back failed: ${(err as Error).message.split('\n')[0]}`);
        return;
      }
      const count = new Map<string, number>();
      for (const v of viaKafka) count.set(v, (count.get(v) ?? 0) + 1);
      const lost = [...acked].filter((v) => !count.has(v));
      const dup = [...count].filter(([, c]) => c > 1).map(([v, c]) => `${v} ×${c}`);
      const unexpected = [...count.keys()].filter((v) => !attempted.has(v));
      out.lost = lost.length;
      out.duplicated = dup.length;
      out.unexpected = unexpected.length;
      if (lost.length) (destroysData ? out.allowed : out.violations).push(`lost ${lost.length} acknowledged: ${examples(lost)}`);
      if (dup.length) out.violations.push(`duplicated: ${examples(dup)}`);
      if (unexpected.length) out.violations.push(`unexpected: ${examples(unexpected)}`);
      const n = Math.max(viaKafka.length, viaNats.length);
      for (let i = 0; i < n; i++) {
        if (viaKafka[i] !== viaNats[i]) {
          out.violations.push(`the two protocols disagree at position ${i}: Kafka ${viaKafka[i]}, JetStream ${viaNats[i]} (lengths ${viaKafka.length} and ${viaNats.length})`);
          break;
        }
      }
    },
    async close() {
      await producer?.disconnect().catch(() => undefined);
      await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
    },
  };
}
