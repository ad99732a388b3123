// JetStream: publishers send unique ids with Nats-Msg-Id and wait for the PubAck, retrying a
// failed publish with the same id; a durable pull consumer and a durable push consumer (a
// deliver subject, explicit acks, flow control and idle heartbeats, read by a plain core NATS
// subscription that answers the flow-control requests itself) read while they write. The push
// reader leaves about one message in eight unacknowledged on its first delivery. Checked
// afterwards: every acknowledged id is in the stream, no id is stored twice (the retries must be
// deduplicated, across restarts too: a sample of acknowledged ids published again is answered as
// duplicates), nothing unexpected is stored, and each consumer, drained to the end, delivered
// every stored message; every message the push reader left unacknowledged was delivered again.
import { AckPolicy, StringCodec, type JetStreamClient, type JetStreamManager, type Msg, type NatsConnection } from 'nats';
import { examples, type Outcome } from '../outcome.js';
import { natsConnect } from './nats-client.js';
import { readStream } from './js-read.js';
import { retrying, within, type Workload, type WorkloadContext } from './workload.js';

const sc = StringCodec();

export function jetstreamWorkload(): Workload {
  const conns: NatsConnection[] = [];
  let stream = '';
  let subject = '';
  let jsm: JetStreamManager;
  let js: JetStreamClient;
  const attempted = new Set<string>();
  const acked = new Set<string>();
  const delivered = new Map<string, number>();
  let pubErrors = 0;
  let fetchErrors = 0;
  // The push consumer: deliveries per id, the ids left unacknowledged once, and the status
  // messages seen (the broker must send both while the reader is connected).
  const pushed = new Map<string, number>();
  const leftUnacked = new Set<string>();
  let heartbeats = 0;
  let flowControls = 0;

  async function conn(ctx: WorkloadContext, name: string): Promise<NatsConnection> {
    const nc = await retrying(() => natsConnect(ctx.target.natsUrl!, name), 90_000, `${name} connect`);
    conns.push(nc);
    return nc;
  }

  async function pullLoop(ctx: WorkloadContext, until: () => boolean): Promise<void> {
    while (!until()) {
      try {
        const c = await js.consumers.get(stream, 'pull');
        const batch = await c.fetch({ max_messages: 100, expires: 1_000 });
        for await (const m of batch) {
          const id = sc.decode(m.data);
          delivered.set(id, (delivered.get(id) ?? 0) + 1);
          m.ack();
        }
      } catch {
        fetchErrors++;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  /** One push delivery: a status message (heartbeat, flow control) or a message to ack. */
  function onPush(m: Msg, skip: () => boolean): void {
    if (m.headers && m.headers.code === 100) {
      if (/flow/i.test(m.headers.description)) {
        flowControls++;
        if (m.reply) m.respond();
      } else {
        heartbeats++;
        // A stalled consumer names, in a heartbeat, the subject its flow-control answer goes to.
        const stalled = m.headers.get('Nats-Consumer-Stalled');
        if (stalled) pushConn?.publish(stalled);
      }
      return;
    }
    const id = sc.decode(m.data);
    const n = (pushed.get(id) ?? 0) + 1;
    pushed.set(id, n);
    if (n === 1 && skip()) {
      leftUnacked.add(id);
      return;
    }
    if (m.reply) m.respond(sc.encode('+ACK'));
  }
  let pushConn: NatsConnection | undefined;

  return {
    name: 'jetstream',
    unsupported: (t) => (t.natsUrl && t.jetstream ? undefined : 'no JetStream'),
    async setup(ctx) {
      stream = `REL_${ctx.tag}`;
      subject = `rel.js.${ctx.tag}`;
      const nc = await conn(ctx, 'admin');
      jsm = await nc.jetstreamManager();
      await jsm.streams.add({ name: stream, subjects: [`${subject}.>`], duplicate_window: 120_000_000_000 });
      await jsm.consumers.add(stream, { durable_name: 'pull', ack_policy: AckPolicy.Explicit, ack_wait: 2_000_000_000 });
      const deliver = `rel.push.${ctx.tag}`;
      await jsm.consumers.add(stream, {
        durable_name: 'push', deliver_subject: deliver, ack_policy: AckPolicy.Explicit, ack_wait: 2_000_000_000,
        flow_control: true, idle_heartbeat: 500_000_000, max_ack_pending: 2_000,
      });
      js = nc.jetstream();
      pushConn = await conn(ctx, 'push');
      const rng = ctx.rng.fork('push');
      pushConn.subscribe(deliver, { callback: (err, m) => void (err || onPush(m, () => rng.chance(0.125))) });
    },
    async run(ctx) {
      const publisher = async (p: number) => {
        const nc = await conn(ctx, `publisher-${p}`);
        const pjs = nc.jetstream({ timeout: 3_000 });
        for (let n = 0; !ctx.stopped(); n++) {
          const id = `p${p}:${n}`;
          attempted.add(id);
          for (let attempt = 0; attempt < 5; attempt++) {
            try {
              await pjs.publish(`${subject}.${p}`, sc.encode(id), { msgID: id });
              acked.add(id);
              break;
            } catch {
              pubErrors++;
              await new Promise((r) => setTimeout(r, 200));
            }
          }
        }
      };
      await Promise.all([publisher(0), publisher(1), pullLoop(ctx, ctx.stopped)]);
    },
    async check(ctx, out: Outcome, destroysData) {
      out.attempted = attempted.size;
      out.acknowledged = acked.size;
      let stored: string[];
      try {
        stored = (await retrying(() => within(readStream(jsm, stream), 120_000, 'stream read'), 90_000, 'read back')).map((m) => m.data);
      } catch (err) {
        (destroysData ? out.allowed : out.violations).push(`read back failed: ${(err as Error).message}`);
        out.lost = acked.size;
        return;
      }
      const count = new Map<string, number>();
      for (const id of stored) count.set(id, (count.get(id) ?? 0) + 1);
      const lost = [...acked].filter((id) => !count.has(id));
      const dup = [...count].filter(([, c]) => c > 1).map(([id, c]) => `${id} ×${c}`);
      const unexpected = [...count.keys()].filter((id) => !attempted.has(id));
      out.lost = lost.length;
      out.duplicated = dup.length;
      out.unexpected = unexpected.length;
      if (lost.length) (destroysData ? out.allowed : out.violations).push(`lost ${lost.length} acknowledged: ${examples(lost)}`);
      if (dup.length) out.violations.push(`stored twice despite Nats-Msg-Id: ${examples(dup)}`);
      if (unexpected.length) out.violations.push(`unexpected: ${examples(unexpected)}`);
      // Dedupe after the restarts: a sample of acknowledged ids again.
      const sample = [...acked].filter((id) => count.has(id)).slice(-20);
      let notDup = 0;
      for (const id of sample) {
        try {
          const ack = await js.publish(`${subject}.${id.slice(1, id.indexOf(':'))}`, sc.encode(id), { msgID: id });
          if (!ack.duplicate) notDup++;
        } catch {
          notDup++;
        }
      }
      if (notDup) out.violations.push(`${notDup} of ${sample.length} acknowledged ids published again were not answered as duplicates`);
      // Drain the consumer: every stored message is delivered at least once.
      const deadline = Date.now() + 30_000;
      const undelivered = () => [...count.keys()].filter((id) => !delivered.has(id) && attempted.has(id));
      await pullLoop(ctx, () => undelivered().length === 0 || Date.now() > deadline);
      const never = undelivered();
      if (never.length) (destroysData ? out.allowed : out.violations).push(`the pull consumer never delivered ${never.length} stored messages: ${examples(never)}`);
      // The push consumer: delivered everything stored, and again what it left unacknowledged.
      const notPushed = () => [...count.keys()].filter((id) => !pushed.has(id) && attempted.has(id));
      const notRedelivered = () => [...leftUnacked].filter((id) => count.has(id) && (pushed.get(id) ?? 0) < 2);
      // Heartbeats come only while the consumer is idle: publishing has stopped by now.
      const pushDeadline = Date.now() + 40_000;
      while ((notPushed().length > 0 || notRedelivered().length > 0 || heartbeats === 0) && Date.now() < pushDeadline) await new Promise((r) => setTimeout(r, 200));
      const np = notPushed();
      const nr = notRedelivered();
      if (np.length) (destroysData ? out.allowed : out.violations).push(`the push consumer never delivered ${np.length} stored messages: ${examples(np)}`);
      if (nr.length) (destroysData ? out.allowed : out.violations).push(`the push consumer never redelivered ${nr.length} messages left unacknowledged: ${examples(nr)}`);
      if (heartbeats === 0) out.violations.push('the push consumer received no idle heartbeat');
      out.notes.push(`push: ${pushed.size} delivered, ${leftUnacked.size} left unacked once, ${heartbeats} heartbeats, ${flowControls} flow-control requests`);
      const redelivered = [...delivered.values()].filter((c) => c > 1).length;
      if (redelivered) out.notes.push(`${redelivered} redeliveries`);
      if (pubErrors) out.notes.push(`${pubErrors} publish attempts failed (retried with the same id)`);
    },
    async close() {
      await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
    },
  };
}
