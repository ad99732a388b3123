// Global tables and stores: every instance reads all partitions of a global topic into its own
// copy of the store, fully before the stream tasks start (restoration by position up to the end
// offset seen at start), then keeps following the topic. The topic is the store's changelog.
import type { ResolvedConfig } from '../config.js';
import type { StateStore } from '../state/api.js';
import { InMemoryBytesStore } from '../state/bytes-store.js';
import type { Topology } from '../topology/topology.js';
import type { Subtopology } from '../topology/plan.js';
import type { KafkaClient } from '../client/kafka.js';
import { Fetcher, listOffsets, partitionKey } from '../client/fetcher.js';
import { StreamTask } from './task.js';
import type { Logger, TaskEnvironment } from './types.js';

export class GlobalState {
  readonly stores = new Map<string, StateStore>();
  private readonly tasks: StreamTask[] = [];
  private readonly fetcher: Fetcher;

  constructor(
    private readonly topology: Topology,
    private readonly subs: Subtopology[],
    private readonly cfg: ResolvedConfig,
    private readonly client: KafkaClient,
    private readonly logger: Logger,
  ) {
    this.fetcher = new Fetcher(client, { isolationLevel: cfg.processingGuarantee === 'exactly_once_v2' ? 1 : 0, maxWaitMs: 200, maxBytes: 50 * 1024 * 1024, partitionMaxBytes: 1024 * 1024, logger });
  }

  get empty(): boolean {
    return !this.subs.some((s) => s.global);
  }

  async start(): Promise<void> {
    const globals = this.subs.filter((s) => s.global);
    if (globals.length === 0) return;
    const env: TaskEnvironment = {
      applicationId: this.cfg.applicationId,
      collector: { send: () => undefined },
      topicName: (name) => name,
      partitionsFor: () => 0,
      openStore: () => new InMemoryBytesStore(),
      cacheBytesPerStore: 0,
      defaultKeySerde: this.cfg.defaultKeySerde,
      defaultValueSerde: this.cfg.defaultValueSerde,
      deserializationHandler: this.cfg.deserializationExceptionHandler,
      wallClock: () => Date.now(),
      logger: this.logger,
      globalStore: (name) => this.stores.get(name),
      requestCommit: () => undefined,
    };
    const topics = globals.flatMap((g) => g.sourceTopics);
    const meta = await this.client.metadata(topics, true);
    const counts = new Map<string, number>();
    for (const t of topics) counts.set(t, meta.topics.get(t)?.partitionsCount ?? 0);
    const waits: Promise<void>[] = [];
    for (const sub of globals) {
      const task = new StreamTask(this.topology, sub, -1, env, counts);
      task.openStores();
      for (const [name, s] of task.stores) this.stores.set(name, s);
      task.initProcessors();
      this.tasks.push(task);
      const tps = task.inputPartitions;
      const ends = await listOffsets(this.client, tps, 'latest', this.cfg.processingGuarantee === 'exactly_once_v2' ? 1 : 0);
      for (const tp of tps) {
        const end = ends.get(partitionKey(tp.topic, tp.partition)) ?? 0;
        waits.push(
          new Promise<void>((resolve) => {
            if (end <= 0) resolve();
            this.fetcher.assign(tp.topic, tp.partition, 'earliest', {
              onRecords: (records, next) => {
                if (records.length > 0) {
                  task.addRecords(tp.topic, tp.partition, records);
                  task.process(Number.MAX_SAFE_INTEGER);
                  task.flush();
                }
                if (next >= end) resolve();
              },
              onOutOfRange: () => 'earliest',
            });
          }),
        );
      }
    }
    this.fetcher.start();
    await Promise.all(waits);
  }

  async close(): Promise<void> {
    await this.fetcher.close();
    for (const t of this.tasks) t.close(true);
  }
}
