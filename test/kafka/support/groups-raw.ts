// A minimal Kafka client over the project's codec, for tests that need exact requests: group
// members that misbehave (stop heartbeating), retried produce batches, fencing scenarios.
import { connect, type Socket } from 'node:net';
import { encodeRequestFrame, decodeResponseFrame } from '../../../src/kafka/protocol/codec.js';
import { FrameSplitter } from '../../../src/kafka/protocol/frame.js';
import type { RequestByKey, ResponseByKey } from '../../../src/kafka/protocol/messages/index.js';
import { encodeConsumerProtocolSubscription } from '../../../src/kafka/protocol/messages/consumer-protocol-subscription.js';
import { Writer } from '../../../src/kafka/protocol/writer.js';

export class RawKafkaClient {
  private correlation = 1;
  private readonly waiting = new Map<number, { key: number; version: number; resolve: (b: unknown) => void; reject: (e: Error) => void }>();
  private readonly splitter = new FrameSplitter();

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk) =>
      this.splitter.push(chunk, (frame) => {
        const id = frame.readInt32BE(0);
        const w = this.waiting.get(id);
        if (!w) return;
        this.waiting.delete(id);
        try {
          w.resolve(decodeResponseFrame(frame, w.key as keyof ResponseByKey, w.version).body);
        } catch (e) {
          w.reject(e as Error);
        }
      }),
    );
    socket.on('close', () => {
      for (const w of this.waiting.values()) w.reject(new Error('connection closed'));
      this.waiting.clear();
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawKafkaClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host }, () => {
        s.off('error', reject);
        resolve(new RawKafkaClient(s));
      });
      s.once('error', reject);
    });
  }

  request<K extends keyof RequestByKey & keyof ResponseByKey>(apiKey: K, apiVersion: number, body: RequestByKey[K]): Promise<ResponseByKey[K]> {
    const correlationId = this.correlation++;
    const frame = encodeRequestFrame({ apiKey, apiVersion, correlationId, clientId: 'raw-test' }, body);
    return new Promise((resolve, reject) => {
      this.waiting.set(correlationId, { key: apiKey, version: apiVersion, resolve: resolve as (b: unknown) => void, reject });
      this.socket.write(frame);
    });
  }

  /** Joins a group as a consumer subscribed to `topic` (two-step join), syncs with an empty assignment. */
  async joinAndSync(groupId: string, topic: string, opts: { sessionTimeoutMs: number; rebalanceTimeoutMs: number; instanceId?: string }): Promise<{ memberId: string; generationId: number }> {
    const w = new Writer(64);
    w.int16(0);
    encodeConsumerProtocolSubscription(w, 0, { topics: [topic], userData: null });
    const metadata = w.finish();
    const req = (memberId: string): RequestByKey[11] => ({
      groupId,
      sessionTimeoutMs: opts.sessionTimeoutMs,
      rebalanceTimeoutMs: opts.rebalanceTimeoutMs,
      memberId,
      groupInstanceId: opts.instanceId ?? null,
      protocolType: 'consumer',
      protocols: [{ name: 'RoundRobinAssigner', metadata }, { name: 'range', metadata }],
      reason: null,
    });
    let j = await this.request(11, 7, req(''));
    if (j.errorCode === 79) j = await this.request(11, 7, req(j.memberId));
    if (j.errorCode !== 0) throw new Error(`JoinGroup failed with ${j.errorCode}`);
    const assignments = j.members.map((m) => ({ memberId: m.memberId, assignment: Buffer.alloc(0) }));
    const s = await this.request(14, 5, { groupId, generationId: j.generationId, memberId: j.memberId, groupInstanceId: opts.instanceId ?? null, protocolType: 'consumer', protocolName: j.protocolName, assignments });
    if (s.errorCode !== 0) throw new Error(`SyncGroup failed with ${s.errorCode}`);
    return { memberId: j.memberId, generationId: j.generationId };
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.destroy();
    });
  }
}

/** Waits until Metadata v12 shows `name` with every partition led (a topic just created). */
export async function waitTopicReady(c: RawKafkaClient, name: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const md = await c.request(3, 12, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    const t = md.topics[0]!;
    if (t.errorCode === 0 && t.partitions.length > 0 && t.partitions.every((p) => p.errorCode === 0 && p.leaderId >= 0)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`topic ${name} never became ready`);
}
