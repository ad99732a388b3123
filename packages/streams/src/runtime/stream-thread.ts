// The stream thread: the loop that runs this instance's tasks over Kafka. It keeps group
// membership (cooperative, through the stream assignor), restores stores from their changelogs
// by consumer position before a task processes, keeps standby replicas up to date, feeds fetched
// records to tasks in batches, produces their output and commits: at_least_once with
// OffsetCommit after the output is acknowledged, exactly_once_v2 with one transaction holding
// the output, the changelog writes and the input offsets (TxnOffsetCommit with the group's
// generation, so a zombie of an older generation is fenced).
import { Producer, type MessageToProduce } from '@platformatic/kafka';
import { Apis } from '../client/apis.js';
import { join } from 'node:path';
import type { ResolvedConfig } from '../config.js';
import { StreamsError, TaskMigratedError } from '../errors.js';
import type { StateStore } from '../state/api.js';
import { InMemoryBytesStore, type BytesStore } from '../state/bytes-store.js';
import { LmdbBytesStore } from '../state/lmdb-store.js';
import type { StoreSpec } from '../state/spec.js';
import type { Topology } from '../topology/topology.js';
import type { Subtopology } from '../topology/plan.js';
import { ErrorCode, errorCodes, hasCode, type KafkaClient } from '../client/kafka.js';
import { Fetcher, listOffsets, partitionKey } from '../client/fetcher.js';
import { PRODUCER_RETRIES, producerRetryDelay } from '../client/producer-retries.js';
import { assignTasks, type TaskInfo } from './assignor.js';
import type { Assignment, Subscription, TopicPartitions } from './group-protocol.js';
import { GroupMember, type Generation } from './membership.js';
import type { TopicPlan } from './internal-topics.js';
import { StreamTask } from './task.js';
import type { ConsumedRecord, Logger, OutgoingRecord, TaskEnvironment } from './types.js';
import { TaskMetrics } from './metrics.js';

type Transaction = Awaited<ReturnType<Producer['beginTransaction']>>;

/** Changelog records have keys; a keyless one (not written by a store) is skipped. */
function keyed(records: ConsumedRecord[]): { key: Buffer; value: Buffer | null; timestamp: number }[] {
  const out: { key: Buffer; value: Buffer | null; timestamp: number }[] = [];
  for (const r of records) if (r.key !== null) out.push({ key: r.key, value: r.value, timestamp: r.timestamp });
  return out;
}

interface ActiveTask {
  readonly task: StreamTask;
  state: 'restoring' | 'running';
  /** Changelog partitions still restoring: key -> end offset to reach. */
  restoring: Map<string, number>;
  metrics: TaskMetrics;
}

interface StandbyTask {
  readonly task: StreamTask;
}

interface QueuedAssignment {
  readonly active: string[];
  readonly standby: string[];
  readonly done: (revokedAny: boolean) => void;
  readonly fail: (err: unknown) => void;
}

interface UserData {
  v: number;
  processId: string;
  active: string[];
  standby: string[];
  followup?: boolean;
}

function parseUserData(b: Buffer): UserData | null {
  if (b.length === 0) return null;
  try {
    const x: unknown = JSON.parse(b.toString('utf8'));
    if (typeof x !== 'object' || x === null) return null;
    const o = x as { [k: string]: unknown };
    const strings = (v: unknown) => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);
    return { v: typeof o.v === 'number' ? o.v : 0, processId: typeof o.processId === 'string' ? o.processId : '', active: strings(o.active), standby: strings(o.standby), followup: o.followup === true };
  } catch {
    return null;
  }
}

export type ThreadState = 'STARTING' | 'PARTITIONS_ASSIGNED' | 'RUNNING' | 'PENDING_SHUTDOWN' | 'DEAD';

export interface ThreadDeps {
  readonly config: ResolvedConfig;
  readonly topology: Topology;
  readonly subs: Subtopology[];
  readonly plan: TopicPlan;
  readonly client: KafkaClient;
  readonly logger: Logger;
  readonly processId: string;
  readonly appDir: string;
  readonly globalStores: Map<string, StateStore>;
  readonly sinkPartitions: Map<string, number>;
  readonly onStateChange: (state: ThreadState) => void;
  readonly onError: (err: unknown) => void;
  /** Processes pending global-table updates (called between batches). */
  readonly pollGlobal: () => void;
}

export class StreamThread {
  private readonly cfg: ResolvedConfig;
  private readonly eos: boolean;
  private readonly fetcher: Fetcher;
  private readonly member: GroupMember;
  private producer: Producer;
  private tx: Transaction | null = null;
  private readonly transactionalId: string;
  readonly active = new Map<string, ActiveTask>();
  readonly standby = new Map<string, StandbyTask>();
  private pendingOut: OutgoingRecord[] = [];
  /**
   * The produce request in flight, if any: the loop processes the next batch while the broker
   * acknowledges the previous one (the wait the profile showed as most of the loop's time), and
   * sends the next only once it is acknowledged, so that at most one request of this thread is
   * ever outstanding and a retried request cannot be overtaken. Commit, revocation and close
   * wait for it; its error is thrown at the next send or commit.
   */
  private inflight: Promise<void> | null = null;
  private sendError: { error: unknown } | null = null;
  private readonly queued: QueuedAssignment[] = [];
  private lastCommit = Date.now();
  private lastPurge = Date.now();
  private commitRequested = false;
  private committed = new Map<string, number>();
  /** Next offset of each changelog partition this instance wrote or restored to. */
  private readonly changelogNext = new Map<string, number>();
  private wake: (() => void) | null = null;
  private running = true;
  private loopDone: Promise<void> | null = null;
  private readonly env: TaskEnvironment;
  state: ThreadState = 'STARTING';
  private storesOpen = 0;

  constructor(private readonly deps: ThreadDeps) {
    this.cfg = deps.config;
    this.eos = this.cfg.processingGuarantee === 'exactly_once_v2';
    this.transactionalId = `${this.cfg.applicationId}-${deps.processId}-1`;
    this.fetcher = new Fetcher(deps.client, { isolationLevel: this.eos ? 1 : 0, maxWaitMs: 200, maxBytes: 50 * 1024 * 1024, partitionMaxBytes: 1024 * 1024, logger: deps.logger });
    this.producer = this.newProducer();
    this.member = new GroupMember(
      deps.client,
      { groupId: this.cfg.applicationId, groupInstanceId: this.cfg.groupInstanceId, sessionTimeoutMs: this.cfg.sessionTimeoutMs, rebalanceTimeoutMs: this.cfg.rebalanceTimeoutMs, heartbeatIntervalMs: this.cfg.heartbeatIntervalMs, logger: deps.logger },
      {
        subscription: () => this.subscription(),
        assign: (members) => this.assign(members),
        onAssigned: (a, g) => this.onAssigned(a, g),
        onLost: (reason) => this.onLost(reason),
      },
    );
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const thread = this;
    this.env = {
      applicationId: this.cfg.applicationId,
      collector: { send: (r) => this.pendingOut.push(r) },
      topicName: (name, internal) => (internal ? `${this.cfg.applicationId}-${name}` : name),
      partitionsFor: (topic) => deps.plan.partitions.get(topic) ?? deps.sinkPartitions.get(topic) ?? 0,
      openStore: (taskId, spec) => this.openStore(taskId, spec),
      get cacheBytesPerStore() {
        return Math.floor(thread.cfg.cacheMaxBytes / Math.max(1, thread.storesOpen));
      },
      defaultKeySerde: this.cfg.defaultKeySerde,
      defaultValueSerde: this.cfg.defaultValueSerde,
      deserializationHandler: this.cfg.deserializationExceptionHandler,
      wallClock: () => Date.now(),
      logger: deps.logger,
      globalStore: (name) => deps.globalStores.get(name),
      requestCommit: () => {
        this.commitRequested = true;
      },
    };
  }

  private newProducer(): Producer {
    return new Producer({
      clientId: `${this.cfg.clientId}-producer`,
      bootstrapBrokers: this.cfg.bootstrapServers,
      idempotent: true,
      acks: -1,
      autocreateTopics: true,
      timeout: this.eos ? this.cfg.transactionTimeoutMs : 30_000,
      retries: PRODUCER_RETRIES,
      retryDelay: producerRetryDelay,
      // InitProducerId must say "new producer" (-1/-1): @platformatic/kafka sends 0/0 by default,
      // which a coordinator that knows this transactional id answers with PRODUCER_FENCED.
      producerId: -1n,
      producerEpoch: -1,
      ...(this.eos ? { transactionalId: this.transactionalId } : {}),
    });
  }

  private openStore(taskId: string, spec: StoreSpec): BytesStore {
    this.storesOpen++;
    const persistent = this.deps.topology.defaultTypedStores.has(spec.name) ? this.cfg.defaultStoreType === 'persistent' : spec.persistent;
    if (!persistent) return new InMemoryBytesStore();
    return new LmdbBytesStore(join(this.deps.appDir, taskId), spec.name);
  }

  /** The generation commits use (null while the group rebalances). */
  generation(): Generation | null {
    return this.member.stableGeneration();
  }

  get rebalances(): number {
    return this.member.rebalances;
  }

  private setState(s: ThreadState): void {
    if (this.state === s) return;
    this.state = s;
    this.deps.onStateChange(s);
  }

  start(): void {
    this.fetcher.start();
    this.member.start();
    this.loopDone = this.loop();
  }

  private signal(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  // ---- group protocol -------------------------------------------------------------------

  private subscription(): Subscription {
    const topics = new Set<string>();
    for (const sub of this.deps.subs) if (!sub.global) for (const s of sub.sources) for (const t of s.topics) topics.add(s.internal ? `${this.cfg.applicationId}-${t}` : t);
    const owned = new Map<string, number[]>();
    for (const a of this.active.values()) {
      for (const tp of a.task.inputPartitions) {
        const l = owned.get(tp.topic) ?? [];
        l.push(tp.partition);
        owned.set(tp.topic, l);
      }
    }
    const userData: UserData = { v: 1, processId: this.deps.processId, active: [...this.active.keys()], standby: [...this.standby.keys()] };
    return { topics: [...topics], userData: Buffer.from(JSON.stringify(userData)), ownedPartitions: [...owned.entries()].map(([topic, partitions]) => ({ topic, partitions })) };
  }

  private taskInfos(): TaskInfo[] {
    const out: TaskInfo[] = [];
    for (const sub of this.deps.subs) {
      if (sub.global) continue;
      const n = this.deps.plan.tasksPerSubtopology.get(sub.id) ?? 0;
      const topics = sub.sources.flatMap((s) => s.topics.map((t) => (s.internal ? `${this.cfg.applicationId}-${t}` : t)));
      for (let p = 0; p < n; p++) {
        out.push({ id: `${sub.id}_${p}`, stateful: sub.stores.length > 0, partitions: topics.filter((t) => (this.deps.plan.partitions.get(t) ?? 0) > p).map((topic) => ({ topic, partition: p })) });
      }
    }
    return out;
  }

  private async assign(members: { memberId: string; subscription: Subscription }[]): Promise<Map<string, Assignment>> {
    const infos = members.map((m) => {
      const ud = parseUserData(m.subscription.userData);
      return { memberId: m.memberId, processId: ud?.processId ?? m.memberId, active: ud?.active ?? [], standby: ud?.standby ?? [] };
    });
    const result = assignTasks(this.taskInfos(), infos, this.cfg.numStandbyReplicas);
    const out = new Map<string, Assignment>();
    for (const m of infos) {
      const a = result.members.get(m.memberId) ?? { active: [], standby: [], partitions: [] };
      const ud: UserData = { v: 1, processId: m.processId, active: a.active, standby: a.standby, followup: result.followup };
      out.set(m.memberId, { partitions: a.partitions, userData: Buffer.from(JSON.stringify(ud)) });
    }
    this.deps.logger.debug(`assignment: ${[...out.entries()].map(([m, a]) => `${m}: ${parseUserData(a.userData)?.active.join(',')}`).join(' | ')}${result.followup ? ' (follow-up round)' : ''}`);
    return out;
  }

  private onAssigned(assignment: Assignment, _generation: Generation): Promise<boolean> {
    const ud = parseUserData(assignment.userData);
    const activeIds = ud?.active ?? fromPartitions(assignment.partitions);
    if (!this.running) return Promise.resolve(false);
    return new Promise<boolean>((resolve, reject) => {
      this.queued.push({ active: activeIds, standby: ud?.standby ?? [], done: (revoked) => resolve(revoked || ud?.followup === true), fail: reject });
      this.signal();
    });
  }

  private async onLost(reason: string): Promise<void> {
    this.deps.logger.warn(`lost the tasks of this instance (${reason}): closing them without committing`);
    await this.loseAll();
  }

  // ---- tasks ------------------------------------------------------------------------------

  private async applyAssignment(q: QueuedAssignment): Promise<void> {
    this.setState('PARTITIONS_ASSIGNED');
    const wantActive = new Set(q.active);
    const wantStandby = new Set(q.standby);
    const revoked = [...this.active.keys()].filter((id) => !wantActive.has(id));
    if (revoked.length > 0) {
      // Commit everything first (one transaction holds all tasks' work), then let go.
      await this.commit(true);
      for (const id of revoked) this.closeActive(id, true);
    }
    for (const id of [...this.standby.keys()]) {
      if (!wantStandby.has(id) || wantActive.has(id)) {
        if (wantActive.has(id)) continue;
        this.closeStandby(id);
      }
    }
    for (const id of wantActive) if (!this.active.has(id)) await this.createActive(id);
    for (const id of wantStandby) if (!this.standby.has(id) && !this.active.has(id)) await this.createStandby(id);
    q.done(revoked.length > 0);
  }

  private parseTaskId(id: string): { sub: Subtopology; partition: number } {
    const [s, p] = id.split('_');
    const sub = this.deps.subs.find((x) => x.id === Number(s));
    if (!sub || sub.global || !Number.isInteger(Number(p))) throw new StreamsError(`unknown task ${id}`);
    return { sub, partition: Number(p) };
  }

  private async createActive(id: string): Promise<void> {
    let task: StreamTask;
    const fromStandby = this.standby.get(id);
    if (fromStandby) {
      // A standby becomes active: its stores are (nearly) current.
      this.standby.delete(id);
      task = fromStandby.task;
      for (const cl of task.changelogPartitions()) this.fetcher.unassign(cl.topic, cl.partition);
    } else {
      const { sub, partition } = this.parseTaskId(id);
      task = new StreamTask(this.deps.topology, sub, partition, this.env);
      task.openStores();
    }
    const a: ActiveTask = { task, state: 'restoring', restoring: new Map(), metrics: new TaskMetrics(id) };
    this.active.set(id, a);
    await this.startRestore(a, fromStandby !== undefined);
  }

  /** Where a store's changelog is replayed from: its checkpoint (wiped without one), or 0. */
  private restoreStart(task: StreamTask, store: string, topic: string, partition: number, keepPosition: boolean): number {
    const k = partitionKey(topic, partition);
    if (keepPosition && this.changelogNext.has(k)) return this.changelogNext.get(k)!;
    const s = task.stores.get(store)!;
    const cp = s.bytes.readCheckpoint().get(k);
    if (s.bytes.persistent) {
      if (cp === undefined) s.bytes.wipe();
      // Under exactly_once_v2 the checkpoint only holds while the task is closed cleanly: drop it
      // now, so that a crash before the next clean close wipes the store instead of trusting it.
      else if (this.eos) s.bytes.writeCheckpoint(new Map());
    }
    return cp ?? 0;
  }

  private async startRestore(a: ActiveTask, keepPositions: boolean): Promise<void> {
    const cls = a.task.changelogPartitions();
    if (cls.length === 0) return this.startProcessing(a);
    const ends = await listOffsets(this.deps.client, cls, 'latest', this.eos ? 1 : 0);
    for (const cl of cls) {
      const k = partitionKey(cl.topic, cl.partition);
      const start = this.restoreStart(a.task, cl.store, cl.topic, cl.partition, keepPositions);
      const end = ends.get(k) ?? 0;
      this.changelogNext.set(k, start);
      if (start >= end) continue;
      a.restoring.set(k, end);
      const store = a.task.stores.get(cl.store)!;
      this.fetcher.assign(cl.topic, cl.partition, start, {
        onRecords: (records, next) => {
          if (this.active.get(a.task.id) !== a) return;
          store.restore(keyed(records));
          this.changelogNext.set(k, next);
          a.metrics.restored += records.length;
          if (next >= (a.restoring.get(k) ?? Infinity)) {
            a.restoring.delete(k);
            this.fetcher.unassign(cl.topic, cl.partition);
            this.signal();
          }
        },
        onOutOfRange: () => {
          store.bytes.wipe();
          return 'earliest';
        },
      });
    }
    if (a.restoring.size === 0) await this.startProcessing(a);
  }

  private async startProcessing(a: ActiveTask): Promise<void> {
    a.task.initProcessors();
    const inputs = a.task.inputPartitions;
    const committed = await this.committedOffsets(inputs);
    for (const tp of inputs) {
      const k = partitionKey(tp.topic, tp.partition);
      const c = committed.get(k);
      const source = a.task.sub.sources.find((s) => s.topics.some((t) => (s.internal ? `${this.cfg.applicationId}-${t}` : t) === tp.topic));
      const reset = source?.offsetReset ?? this.cfg.autoOffsetReset;
      if (c !== undefined) {
        a.task.setPosition(tp.topic, tp.partition, c);
        this.committed.set(k, c);
      }
      this.fetcher.assign(tp.topic, tp.partition, c ?? reset, {
        onRecords: (records: ConsumedRecord[]) => {
          if (this.active.get(a.task.id) !== a) return;
          if (records.length > 0) {
            a.task.addRecords(tp.topic, tp.partition, records);
            if (a.task.bufferedFor(tp.topic, tp.partition) >= this.cfg.bufferedRecordsPerPartition) this.fetcher.pause(tp.topic, tp.partition);
            this.signal();
          }
        },
        onOutOfRange: () => reset,
      });
    }
    a.state = 'running';
    this.signal();
  }

  private async committedOffsets(tps: { topic: string; partition: number }[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (tps.length === 0) return out;
    const byTopic = new Map<string, number[]>();
    for (const tp of tps) {
      const l = byTopic.get(tp.topic) ?? [];
      l.push(tp.partition);
      byTopic.set(tp.topic, l);
    }
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.deps.client.admin.listConsumerGroupOffsets({ groups: [{ groupId: this.cfg.applicationId, topics: [...byTopic.entries()].map(([name, partitions]) => ({ name, partitionIndexes: partitions })) }], requireStable: true });
        for (const g of res) for (const t of g.topics) for (const p of t.partitions) if (p.committedOffset >= 0n) out.set(partitionKey(t.name, p.partitionIndex), Number(p.committedOffset));
        return out;
      } catch (err) {
        // UNSTABLE_OFFSET_COMMIT: a transaction with offsets of this group is still open.
        if (attempt > 600 || !hasCode(err, ErrorCode.UNSTABLE_OFFSET_COMMIT, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.NOT_COORDINATOR)) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  private async createStandby(id: string): Promise<void> {
    const { sub, partition } = this.parseTaskId(id);
    if (sub.stores.length === 0) return;
    const task = new StreamTask(this.deps.topology, sub, partition, this.env);
    task.openStores();
    const s: StandbyTask = { task };
    this.standby.set(id, s);
    for (const cl of task.changelogPartitions()) {
      const k = partitionKey(cl.topic, cl.partition);
      const start = this.restoreStart(task, cl.store, cl.topic, cl.partition, false);
      this.changelogNext.set(k, start);
      const store = task.stores.get(cl.store)!;
      this.fetcher.assign(cl.topic, cl.partition, start, {
        onRecords: (records, next) => {
          if (this.standby.get(id) !== s) return;
          store.restore(keyed(records));
          this.changelogNext.set(k, next);
        },
        onOutOfRange: () => {
          store.bytes.wipe();
          return 'earliest';
        },
      });
    }
  }

  private closeStandby(id: string): void {
    const s = this.standby.get(id);
    if (!s) return;
    this.standby.delete(id);
    for (const cl of s.task.changelogPartitions()) this.fetcher.unassign(cl.topic, cl.partition);
    this.checkpoint(s.task);
    s.task.close(true);
    this.storesOpen -= s.task.stores.size;
  }

  /** Persistent stores record the changelog offset their content reflects. */
  private checkpoint(task: StreamTask): void {
    for (const cl of task.changelogPartitions()) {
      const s = task.stores.get(cl.store)!;
      if (!s.bytes.persistent) continue;
      const k = partitionKey(cl.topic, cl.partition);
      const next = this.changelogNext.get(k);
      if (next !== undefined) s.bytes.writeCheckpoint(new Map([[k, next]]));
    }
  }

  private closeActive(id: string, clean: boolean): void {
    const a = this.active.get(id);
    if (!a) return;
    this.active.delete(id);
    for (const tp of a.task.inputPartitions) {
      this.fetcher.unassign(tp.topic, tp.partition);
      this.committed.delete(partitionKey(tp.topic, tp.partition));
    }
    for (const cl of a.task.changelogPartitions()) this.fetcher.unassign(cl.topic, cl.partition);
    if (clean) {
      for (const s of a.task.stores.values()) s.flush();
      this.checkpoint(a.task);
    }
    a.task.close(clean);
    this.storesOpen -= a.task.stores.size;
  }

  private async loseAll(): Promise<void> {
    await this.abandonSends();
    if (this.tx) {
      const tx = this.tx;
      this.tx = null;
      await tx.abort().catch(() => undefined);
    }
    this.pendingOut = [];
    for (const id of [...this.active.keys()]) this.closeActive(id, false);
    for (const id of [...this.standby.keys()]) this.closeStandby(id);
  }

  // ---- processing, producing, committing ---------------------------------------------------

  private async loop(): Promise<void> {
    try {
      while (this.running) {
        const q = this.queued.shift();
        if (q) {
          try {
            await this.applyAssignment(q);
          } catch (err) {
            q.fail(err);
            throw err;
          }
          continue;
        }
        let worked = false;
        for (const a of this.active.values()) {
          if (a.state === 'restoring' && a.restoring.size === 0) {
            await this.startProcessing(a);
            worked = true;
          }
        }
        if (this.queued.length === 0 && this.active.size > 0 && [...this.active.values()].every((a) => a.state === 'running')) this.setState('RUNNING');
        else if (this.queued.length === 0 && this.active.size === 0 && this.member.stableGeneration()) this.setState('RUNNING');
        this.deps.pollGlobal();
        for (const a of this.active.values()) {
          if (a.state !== 'running') continue;
          a.task.checkAsyncError();
          if (!a.task.hasAsyncCapacity(this.cfg.maxAsyncInFlight)) continue;
          const t0 = performance.now();
          const n = a.task.process(this.cfg.maxRecordsPerTaskIteration, this.cfg.maxAsyncInFlight);
          if (n > 0) {
            worked = true;
            a.metrics.recordBatch(n, performance.now() - t0);
            for (const tp of a.task.inputPartitions) if (a.task.bufferedFor(tp.topic, tp.partition) < this.cfg.bufferedRecordsPerPartition / 2) this.fetcher.resume(tp.topic, tp.partition);
          }
          if (a.task.punctuateWallClock(Date.now())) worked = true;
        }
        if (this.pendingOut.length > 0) {
          await this.startSend();
          worked = true;
        }
        const now = Date.now();
        if ((this.commitRequested || now - this.lastCommit >= this.cfg.commitIntervalMs) && this.member.stableGeneration()) {
          await this.commit(false);
          this.lastCommit = Date.now();
          this.commitRequested = false;
        }
        if (!worked && this.running && this.queued.length === 0) {
          await new Promise<void>((resolve) => {
            const t = setTimeout(() => {
              this.wake = null;
              resolve();
            }, Math.max(1, Math.min(100, this.cfg.commitIntervalMs - (Date.now() - this.lastCommit))));
            this.wake = () => {
              clearTimeout(t);
              resolve();
            };
          });
        }
      }
    } catch (err) {
      if (this.running) {
        this.running = false;
        this.deps.onError(err);
      }
    }
  }

  private async ensureTx(): Promise<Transaction> {
    if (!this.tx) this.tx = await this.producer.beginTransaction();
    return this.tx;
  }

  /** Sends what the tasks emitted, after the request in flight (if any) is acknowledged. */
  private async startSend(): Promise<void> {
    if (this.inflight) await this.inflight;
    this.throwSendError();
    if (this.pendingOut.length === 0) return;
    const batch = this.pendingOut;
    this.pendingOut = [];
    // One object per record, filled in place (the profile showed the conditional spreads'
    // temporaries as garbage-collector time).
    const messages = new Array<MessageToProduce>(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const r = batch[i]!;
      const m: MessageToProduce = { topic: r.topic, timestamp: BigInt(r.timestamp) };
      if (r.partition !== undefined) m.partition = r.partition;
      if (r.key !== null) m.key = r.key;
      if (r.value !== null) m.value = r.value;
      if (r.headers.length > 0) m.headers = new Map(r.headers.map(([k, v]) => [Buffer.from(k, 'utf8'), v ?? Buffer.alloc(0)]));
      messages[i] = m;
    }
    let sent: ReturnType<Producer['send']>;
    try {
      sent = this.eos ? (await this.ensureTx()).send({ messages }) : this.producer.send({ messages });
    } catch (err) {
      throw this.migratedOr(err);
    }
    const settled: Promise<void> = sent.then(
      (res) => this.noteChangelogOffsets(batch, res.offsets ?? []),
      (err: unknown) => {
        this.sendError ??= { error: this.migratedOr(err) };
      },
    ).finally(() => {
      if (this.inflight === settled) this.inflight = null;
    });
    this.inflight = settled;
  }

  private throwSendError(): void {
    const e = this.sendError;
    if (!e) return;
    this.sendError = null;
    throw e.error;
  }

  /** Sends everything emitted so far and waits until the broker has acknowledged it. */
  private async flushSends(): Promise<void> {
    while (this.pendingOut.length > 0) await this.startSend();
    if (this.inflight) await this.inflight;
    this.throwSendError();
  }

  /** Waits for the request in flight and forgets its outcome (the work is being thrown away). */
  private async abandonSends(): Promise<void> {
    if (this.inflight) await this.inflight;
    this.sendError = null;
  }

  private noteChangelogOffsets(batch: OutgoingRecord[], offsets: { topic: string; partition: number; offset: bigint }[]): void {
    const counts = new Map<string, number>();
    for (const r of batch) if (r.partition !== undefined && r.topic.endsWith('-changelog')) counts.set(partitionKey(r.topic, r.partition), (counts.get(partitionKey(r.topic, r.partition)) ?? 0) + 1);
    for (const o of offsets) {
      const k = partitionKey(o.topic, o.partition);
      const n = counts.get(k);
      if (n !== undefined) this.changelogNext.set(k, Math.max(this.changelogNext.get(k) ?? 0, Number(o.offset) + n));
    }
  }

  private migratedOr(err: unknown): unknown {
    if (hasCode(err, ErrorCode.PRODUCER_FENCED, ErrorCode.INVALID_PRODUCER_EPOCH, ErrorCode.ILLEGAL_GENERATION, ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.FENCED_INSTANCE_ID, ErrorCode.REBALANCE_IN_PROGRESS)) {
      return new TaskMigratedError(`tasks migrated: ${(err as Error).message} (${errorCodes(err).join(',')})`);
    }
    return err;
  }

  /** Commits every running task; forced commits (before a revocation) run even when idle. */
  private async commit(force: boolean): Promise<void> {
    const gen = this.member.stableGeneration();
    if (!gen) return;
    try {
      for (const a of this.active.values()) {
        if (a.state !== 'running') continue;
        await a.task.drainAsync();
        a.task.flush();
      }
      await this.flushSends();
      const offsets = new Map<string, { topic: string; partition: number; offset: number }>();
      for (const a of this.active.values()) {
        if (a.state !== 'running') continue;
        for (const [k, o] of a.task.committableOffsets()) if (this.committed.get(k) !== o.offset) offsets.set(k, o);
      }
      if (this.eos) {
        if (!this.tx && offsets.size === 0) return;
        const tx = await this.ensureTx();
        if (offsets.size > 0) await this.sendOffsetsToTransaction(gen, offsets);
        await tx.commit();
        this.tx = null;
      } else if (offsets.size > 0) {
        await this.commitOffsets(gen, offsets);
      }
      for (const [k, o] of offsets) this.committed.set(k, o.offset);
      if (!this.eos) for (const a of this.active.values()) this.checkpoint(a.task);
      await this.maybePurge(offsets, force);
    } catch (err) {
      const e = this.migratedOr(err);
      if (e instanceof TaskMigratedError) {
        this.deps.logger.warn(`${e.message}: rejoining`);
        await this.loseAll();
        if (hasCode(err, ErrorCode.PRODUCER_FENCED, ErrorCode.INVALID_PRODUCER_EPOCH)) {
          await closeProducer(this.producer);
          this.producer = this.newProducer();
        }
        this.member.requestRejoin();
        return;
      }
      throw e;
    }
  }

  private topicsOf(offsets: Map<string, { topic: string; partition: number; offset: number }>): { name: string; partitions: { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; committedMetadata: string | null }[] }[] {
    const byTopic = new Map<string, { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; committedMetadata: string | null }[]>();
    for (const o of offsets.values()) {
      const l = byTopic.get(o.topic) ?? [];
      l.push({ partitionIndex: o.partition, committedOffset: BigInt(o.offset), committedLeaderEpoch: -1, committedMetadata: null });
      byTopic.set(o.topic, l);
    }
    return [...byTopic.entries()].map(([name, partitions]) => ({ name, partitions }));
  }

  private async commitOffsets(gen: Generation, offsets: Map<string, { topic: string; partition: number; offset: number }>): Promise<void> {
    const conn = await this.deps.client.coordinator(this.cfg.applicationId, 0);
    await (await this.deps.client.api(Apis.OffsetCommit)).async(conn, this.cfg.applicationId, gen.generationId, gen.memberId, gen.groupInstanceId, this.topicsOf(offsets));
  }

  private async sendOffsetsToTransaction(gen: Generation, offsets: Map<string, { topic: string; partition: number; offset: number }>): Promise<void> {
    const pid = this.producer.producerId;
    const epoch = this.producer.producerEpoch;
    if (pid === undefined || epoch === undefined) throw new StreamsError('the transactional producer has no producer id');
    for (let attempt = 0; ; attempt++) {
      try {
        const txc = await this.deps.client.coordinator(this.transactionalId, 1);
        await (await this.deps.client.api(Apis.AddOffsetsToTxn)).async(txc, this.transactionalId, pid, epoch, this.cfg.applicationId);
        break;
      } catch (err) {
        if (attempt < 50 && hasCode(err, ErrorCode.CONCURRENT_TRANSACTIONS, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)) {
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        if (attempt < 50 && hasCode(err, ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE)) {
          this.deps.client.forgetCoordinator(this.transactionalId, 1);
          continue;
        }
        throw err;
      }
    }
    const gc = await this.deps.client.coordinator(this.cfg.applicationId, 0);
    const topics = this.topicsOf(offsets).map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, committedOffset: p.committedOffset, committedLeaderEpoch: -1, committedMetadata: null })) }));
    await (await this.deps.client.api(Apis.TxnOffsetCommit)).async(gc, this.transactionalId, this.cfg.applicationId, pid, epoch, gen.generationId, gen.memberId, gen.groupInstanceId, topics);
  }

  /** Deletes committed records of repartition topics (they are read once). */
  private async maybePurge(offsets: Map<string, { topic: string; partition: number; offset: number }>, force: boolean): Promise<void> {
    if (!force && Date.now() - this.lastPurge < this.cfg.repartitionPurgeIntervalMs) return;
    this.lastPurge = Date.now();
    const repartition = new Set(this.deps.plan.internal.filter((t) => t.kind === 'repartition').map((t) => t.name));
    const byTopic = new Map<string, { partition: number; offset: bigint }[]>();
    for (const [k, offset] of this.committed) {
      const [topic, partition] = k.split('\u0000') as [string, string];
      if (!repartition.has(topic)) continue;
      const l = byTopic.get(topic) ?? [];
      l.push({ partition: Number(partition), offset: BigInt(offset) });
      byTopic.set(topic, l);
    }
    void offsets;
    if (byTopic.size === 0) return;
    try {
      await this.deps.client.admin.deleteRecords({ topics: [...byTopic.entries()].map(([name, partitions]) => ({ name, partitions })) });
    } catch (err) {
      this.deps.logger.warn(`purging repartition topics: ${(err as Error).message} ${errorCodes(err).join(',')}`);
    }
  }

  /** Metrics of the active tasks. */
  taskMetrics(): TaskMetrics[] {
    const out: TaskMetrics[] = [];
    for (const a of this.active.values()) {
      let lag = 0;
      for (const tp of a.task.inputPartitions) {
        const hw = this.fetcher.highWatermark(tp.topic, tp.partition);
        const pos = a.task.committableOffsets().get(partitionKey(tp.topic, tp.partition))?.offset ?? this.committed.get(partitionKey(tp.topic, tp.partition)) ?? 0;
        if (hw >= 0) lag += Math.max(0, hw - pos);
      }
      a.metrics.lag = lag;
      a.metrics.state = a.state;
      out.push(a.metrics);
    }
    return out;
  }

  /** Stores of a name across the running active tasks (interactive queries). */
  storesNamed(name: string): StateStore[] {
    const out: StateStore[] = [];
    for (const a of this.active.values()) {
      if (a.state !== 'running') continue;
      const s = a.task.stores.get(name);
      if (s) out.push(s);
    }
    return out;
  }

  async close(): Promise<void> {
    this.setState('PENDING_SHUTDOWN');
    const wasRunning = this.running;
    this.running = false;
    this.signal();
    await this.loopDone?.catch(() => undefined);
    if (wasRunning) {
      try {
        await this.commit(true);
      } catch (err) {
        this.deps.logger.warn(`final commit failed: ${(err as Error).message}`);
      }
    }
    await this.abandonSends();
    if (this.tx) await this.tx.abort().catch(() => undefined);
    this.tx = null;
    for (const id of [...this.active.keys()]) this.closeActive(id, wasRunning);
    for (const id of [...this.standby.keys()]) this.closeStandby(id);
    // An assignment the loop will not apply any more: the member must not wait for it.
    for (const q of this.queued.splice(0)) q.done(false);
    await this.member.close();
    await this.fetcher.close();
    await closeProducer(this.producer);
    this.setState('DEAD');
  }
}

/** Closes a producer without waiting for in-flight work (it is being replaced or the app stops). */
function closeProducer(p: Producer): Promise<void> {
  return new Promise((resolve) => p.close(true, () => resolve()));
}

function fromPartitions(tps: TopicPartitions[]): string[] {
  void tps;
  return [];
}
