// Fetching by position: the stream thread assigns topic-partitions with a start offset and a sink;
// one fetch loop per leader sends Fetch requests for the partitions it leads and hands each
// partition's records to its sink together with the next position, which is one past the last
// batch returned, control batches and aborted batches included. Restoration ends when that
// position reaches the end offset: never by "the offset of the last record", which transaction
// markers and compaction make unreachable. In read_committed, batches of aborted transactions
// are dropped as the Java consumer drops them (the response's aborted-transaction list).
// The fetcher talks over a client (and so connections) of its own: a broker serves a
// connection's requests one at a time, and a Fetch long poll (up to maxWaitMs) on the
// connection the group and transaction requests use made each heartbeat, AddOffsetsToTxn and
// TxnOffsetCommit wait behind it (seen: TxnOffsetCommit p50 210 ms on Kafka 4.4 with a 200 ms
// long poll), as the Java consumer avoids by giving its coordinator a connection of its own.
import { Apis, type FetchResponse, type FetchResponsePartition } from './apis.js';
import type { RecordsBatch } from '@platformatic/kafka';
import type { Headers } from '../record.js';
import type { ConsumedRecord, Logger } from '../runtime/types.js';
import { ErrorCode, errorCodes, KafkaClient, responseOf } from './kafka.js';

const TRANSACTIONAL = 0x10;
const CONTROL = 0x20;
const LOG_APPEND_TIME = 0x08;

export interface FetchSink {
  /** Records of one fetch (possibly none) and the position after them. */
  onRecords(records: ConsumedRecord[], nextOffset: number, highWatermark: number, lastStableOffset: number): void;
  /** The position is outside the log; the sink chooses where to go (earliest or latest). */
  onOutOfRange(): 'earliest' | 'latest';
}

interface Assignment {
  readonly topic: string;
  readonly partition: number;
  position: number;
  sink: FetchSink;
  paused: boolean;
  /** Bumped by seek/unassign: responses for an older epoch are dropped. */
  epoch: number;
  highWatermark: number;
  lastStableOffset: number;
  /** A reset to earliest/latest is pending (resolved by ListOffsets). */
  reset: 'earliest' | 'latest' | null;
}

export interface FetcherOptions {
  readonly isolationLevel: 0 | 1;
  readonly maxWaitMs: number;
  readonly maxBytes: number;
  readonly partitionMaxBytes: number;
  readonly logger: Logger;
}

function key(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

function decodeHeaders(h: [Buffer | null, Buffer | null][]): Headers {
  if (h.length === 0) return [];
  return h.map(([k, v]) => [k ? k.toString('utf8') : '', v] as const);
}

export class Fetcher {
  private readonly assignments = new Map<string, Assignment>();
  private readonly loops = new Map<number, Promise<void>>();
  private running = true;
  private wake: (() => void) | null = null;
  private wakeSignal: Promise<void>;
  private metadataStale = true;
  private leaders = new Map<string, { node: number; epoch: number; topicId: string }>();
  /** The fetcher's own client, on the cluster of the one it was given. */
  private readonly client: KafkaClient;

  constructor(
    cluster: KafkaClient,
    private readonly opts: FetcherOptions,
  ) {
    this.client = new KafkaClient({ ...cluster.options, clientId: `${cluster.options.clientId}-fetcher` });
    this.wakeSignal = new Promise((r) => (this.wake = r));
  }

  private signal(): void {
    const w = this.wake;
    this.wakeSignal = new Promise((r) => (this.wake = r));
    w?.();
  }

  assign(topic: string, partition: number, offset: number | 'earliest' | 'latest', sink: FetchSink): void {
    const k = key(topic, partition);
    const prev = this.assignments.get(k);
    const reset = typeof offset === 'number' ? null : offset;
    this.assignments.set(k, { topic, partition, position: typeof offset === 'number' ? offset : -1, sink, paused: false, epoch: (prev?.epoch ?? 0) + 1, highWatermark: prev?.highWatermark ?? -1, lastStableOffset: prev?.lastStableOffset ?? -1, reset });
    if (!this.leaders.has(k)) this.metadataStale = true;
    this.signal();
  }

  unassign(topic: string, partition: number): void {
    this.assignments.delete(key(topic, partition));
  }

  isAssigned(topic: string, partition: number): boolean {
    return this.assignments.has(key(topic, partition));
  }

  pause(topic: string, partition: number): void {
    const a = this.assignments.get(key(topic, partition));
    if (a) a.paused = true;
  }

  resume(topic: string, partition: number): void {
    const a = this.assignments.get(key(topic, partition));
    if (a && a.paused) {
      a.paused = false;
      this.signal();
    }
  }

  position(topic: string, partition: number): number | undefined {
    return this.assignments.get(key(topic, partition))?.position;
  }

  highWatermark(topic: string, partition: number): number {
    return this.assignments.get(key(topic, partition))?.highWatermark ?? -1;
  }

  /** Starts the fetch loops (one per leader, created as partitions appear). */
  start(): void {
    void this.supervise();
  }

  private async supervise(): Promise<void> {
    while (this.running) {
      try {
        if (this.metadataStale) await this.refreshLeaders();
        await this.resolveResets();
        for (const node of new Set([...this.leaders.values()].map((l) => l.node))) {
          if (!this.loops.has(node)) {
            const loop = this.fetchLoop(node).finally(() => this.loops.delete(node));
            this.loops.set(node, loop);
          }
        }
      } catch (err) {
        this.opts.logger.warn(`fetcher: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      await Promise.race([this.wakeSignal, new Promise((r) => setTimeout(r, 500))]);
    }
  }

  private async refreshLeaders(): Promise<void> {
    const topics = [...new Set([...this.assignments.values()].map((a) => a.topic))];
    if (topics.length === 0) return;
    const meta = await this.client.metadata(topics, true);
    this.metadataStale = false;
    const next = new Map<string, { node: number; epoch: number; topicId: string }>();
    for (const a of this.assignments.values()) {
      const t = meta.topics.get(a.topic);
      const p = t?.partitions[a.partition];
      if (!t || !p || p.leader < 0) {
        this.metadataStale = true;
        continue;
      }
      next.set(key(a.topic, a.partition), { node: p.leader, epoch: p.leaderEpoch, topicId: t.id });
    }
    this.leaders = next;
  }

  /** Positions given as earliest/latest, and out-of-range ones, resolved by ListOffsets. */
  private async resolveResets(): Promise<void> {
    const pending = [...this.assignments.values()].filter((a) => a.reset !== null);
    if (pending.length === 0) return;
    const byMode = new Map<'earliest' | 'latest', Assignment[]>();
    for (const a of pending) {
      const list = byMode.get(a.reset!) ?? [];
      list.push(a);
      byMode.set(a.reset!, list);
    }
    for (const [mode, list] of byMode) {
      const offsets = await listOffsets(this.client, list, mode, this.opts.isolationLevel);
      for (const a of list) {
        const o = offsets.get(key(a.topic, a.partition));
        if (o === undefined || a.reset !== mode) continue;
        a.position = o;
        a.reset = null;
        a.epoch++;
      }
    }
    this.signal();
  }

  private async fetchLoop(node: number): Promise<void> {
    while (this.running) {
      const mine = [...this.assignments.values()].filter((a) => !a.paused && a.reset === null && a.position >= 0 && this.leaders.get(key(a.topic, a.partition))?.node === node);
      if (mine.length === 0) {
        if (![...this.leaders.values()].some((l) => l.node === node)) return;
        await Promise.race([this.wakeSignal, new Promise((r) => setTimeout(r, 200))]);
        continue;
      }
      const byTopic = new Map<string, { topicId: string; partitions: { partition: number; currentLeaderEpoch: number; fetchOffset: bigint; lastFetchedEpoch: number; partitionMaxBytes: number }[] }>();
      const sent = new Map<string, { a: Assignment; epoch: number; position: number }>();
      for (const a of mine) {
        const l = this.leaders.get(key(a.topic, a.partition))!;
        let t = byTopic.get(a.topic);
        if (!t) byTopic.set(a.topic, (t = { topicId: l.topicId, partitions: [] }));
        t.partitions.push({ partition: a.partition, currentLeaderEpoch: l.epoch, fetchOffset: BigInt(a.position), lastFetchedEpoch: -1, partitionMaxBytes: this.opts.partitionMaxBytes });
        sent.set(key(a.topic, a.partition), { a, epoch: a.epoch, position: a.position });
      }
      let response: FetchResponse;
      try {
        const conn = await this.client.connection(node);
        const fetch = await this.client.api(Apis.Fetch);
        response = await fetch.async(conn, this.opts.maxWaitMs, 1, this.opts.maxBytes, this.opts.isolationLevel, 0, -1, [...byTopic.values()], [], '');
      } catch (err) {
        const partial = responseOf(err);
        if (partial && isFetchResponse(partial)) response = partial;
        else {
          if (!this.running) return;
          this.opts.logger.debug(`fetch from broker ${node} failed: ${(err as Error).message}; ${errorCodes(err).join(',')}`);
          this.metadataStale = true;
          this.signal();
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
      }
      const topicById = new Map([...byTopic.entries()].map(([name, t]) => [t.topicId, name]));
      for (const t of response.responses) {
        const topic = topicById.get(t.topicId);
        if (topic === undefined) continue;
        for (const p of t.partitions) {
          const s = sent.get(key(topic, p.partitionIndex));
          if (!s) continue;
          const a = this.assignments.get(key(topic, p.partitionIndex));
          if (a !== s.a || a.epoch !== s.epoch || a.position !== s.position) continue;
          this.handlePartition(a, topic, p);
        }
      }
    }
  }

  private handlePartition(a: Assignment, topic: string, p: FetchResponsePartition): void {
    if (p.errorCode !== 0) {
      if (p.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
        a.reset = a.sink.onOutOfRange();
        this.signal();
      } else if (p.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER || p.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION || p.errorCode === ErrorCode.FENCED_LEADER_EPOCH || p.errorCode === ErrorCode.UNKNOWN_LEADER_EPOCH || p.errorCode === ErrorCode.UNKNOWN_TOPIC_ID || p.errorCode === ErrorCode.LEADER_NOT_AVAILABLE) {
        this.metadataStale = true;
        this.signal();
      } else {
        this.opts.logger.warn(`fetch ${topic}-${a.partition}: error code ${p.errorCode}`);
      }
      return;
    }
    a.highWatermark = Number(p.highWatermark);
    a.lastStableOffset = Number(p.lastStableOffset);
    const batches = p.records ?? [];
    const records: ConsumedRecord[] = [];
    let next = a.position;
    const aborted = this.opts.isolationLevel === 1 ? [...p.abortedTransactions].sort((x, y) => Number(x.firstOffset - y.firstOffset)) : [];
    const abortedProducers = new Set<bigint>();
    for (const b of batches) {
      const last = Number(b.firstOffset) + b.lastOffsetDelta;
      if (last < a.position) continue;
      while (aborted.length > 0 && Number(aborted[0]!.firstOffset) <= last) abortedProducers.add(aborted.shift()!.producerId);
      next = last + 1;
      if (b.attributes & CONTROL) {
        const type = b.records[0]?.key?.readInt16BE(2);
        if (type === 0) abortedProducers.delete(b.producerId);
        continue;
      }
      if (b.attributes & TRANSACTIONAL && abortedProducers.has(b.producerId)) continue;
      this.decodeBatch(topic, a.partition, b, a.position, records);
    }
    a.position = next;
    a.sink.onRecords(records, next, a.highWatermark, a.lastStableOffset);
  }

  private decodeBatch(topic: string, partition: number, b: RecordsBatch, from: number, out: ConsumedRecord[]): void {
    const base = Number(b.firstOffset);
    const logAppend = (b.attributes & LOG_APPEND_TIME) !== 0;
    const firstTs = Number(b.firstTimestamp);
    const maxTs = Number(b.maxTimestamp);
    for (const r of b.records) {
      const offset = base + r.offsetDelta;
      if (offset < from) continue;
      out.push({ topic, partition, offset, timestamp: logAppend ? maxTs : firstTs + Number(r.timestampDelta), key: r.key, value: r.value, headers: decodeHeaders(r.headers) });
    }
  }

  async close(): Promise<void> {
    this.running = false;
    this.signal();
    await Promise.allSettled([...this.loops.values()]);
    await this.client.close().catch(() => undefined);
  }
}

function isFetchResponse(x: unknown): x is FetchResponse {
  return typeof x === 'object' && x !== null && 'responses' in x && Array.isArray(x.responses);
}

/** Offsets at the start or end of partitions (end: the last stable offset in read_committed). */
export async function listOffsets(client: KafkaClient, tps: ReadonlyArray<{ topic: string; partition: number }>, mode: 'earliest' | 'latest', isolationLevel: 0 | 1): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (tps.length === 0) return out;
  const byTopic = new Map<string, number[]>();
  for (const tp of tps) {
    const l = byTopic.get(tp.topic) ?? [];
    l.push(tp.partition);
    byTopic.set(tp.topic, l);
  }
  const res = await client.admin.listOffsets({
    topics: [...byTopic.entries()].map(([name, partitions]) => ({ name, partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp: mode === 'earliest' ? -2n : -1n })) })),
    isolationLevel,
  });
  for (const t of res) for (const p of t.partitions) out.set(key(t.name, p.partitionIndex), Number(p.offset));
  return out;
}

export { key as partitionKey };
