// A topology: sources, processors, sinks and the stores connected to them, as Kafka Streams'
// Topology (the Processor API builds one directly, StreamsBuilder.build() builds one from the
// DSL). Internal topics (repartition topics) are named here without the application id; the
// runtime prefixes them with `<applicationId>-`.
import type { ProcessorSupplier } from '../processor/api.js';
import type { Serde } from '../serdes.js';
import type { StoreBuilder, StoreSpec } from '../state/spec.js';
import { TopologyError } from '../errors.js';
import { describeTopology, type TopologyDescription } from './describe.js';

/** Picks a record's timestamp (default: the Kafka record's timestamp). */
export type TimestampExtractor = (record: { topic: string; partition: number; offset: number; key: unknown; value: unknown; timestamp: number }, partitionTime: number) => number;

/** Picks the sink topic of each record (Kafka Streams' TopicNameExtractor). */
export type TopicNameExtractor<K, V> = (key: K, value: V, context: { topic: string | null; partition: number; offset: number }) => string;

/** Picks the partition of a record at a sink (undefined: by the serialized key's murmur2 hash). */
export type StreamPartitioner<K, V> = (topic: string, key: K, value: V, numPartitions: number) => number | undefined;

export type OffsetReset = 'earliest' | 'latest';

export interface SourceOptions<K, V> {
  keySerde?: Serde<K>;
  valueSerde?: Serde<V>;
  timestampExtractor?: TimestampExtractor;
  offsetReset?: OffsetReset;
}

export interface SinkOptions<K, V> {
  keySerde?: Serde<K>;
  valueSerde?: Serde<V>;
  partitioner?: StreamPartitioner<K, V>;
}

export interface SourceNode {
  readonly kind: 'source';
  readonly name: string;
  readonly topics: string[];
  readonly pattern: RegExp | undefined;
  /** Reads a repartition topic of this application (name without the application id). */
  readonly internal: boolean;
  readonly keySerde: Serde<unknown> | undefined;
  readonly valueSerde: Serde<unknown> | undefined;
  readonly timestampExtractor: TimestampExtractor | undefined;
  readonly offsetReset: OffsetReset | undefined;
  readonly children: string[];
  readonly parents: string[];
}

export interface ProcessorNode {
  readonly kind: 'processor';
  readonly name: string;
  readonly supplier: ProcessorSupplier<unknown, unknown, unknown, unknown>;
  readonly parents: string[];
  readonly children: string[];
  readonly stores: string[];
}

export interface SinkNode {
  readonly kind: 'sink';
  readonly name: string;
  readonly topic: string | TopicNameExtractor<unknown, unknown>;
  readonly internal: boolean;
  readonly keySerde: Serde<unknown> | undefined;
  readonly valueSerde: Serde<unknown> | undefined;
  readonly partitioner: StreamPartitioner<unknown, unknown> | undefined;
  readonly parents: string[];
  readonly children: string[];
}

export type TopologyNode = SourceNode | ProcessorNode | SinkNode;

export interface GlobalStoreSpec {
  readonly store: StoreSpec;
  readonly sourceName: string;
  readonly processorName: string;
  readonly topic: string;
}

export interface RepartitionTopicSpec {
  /** Without the application id: `<name>-repartition`. */
  readonly name: string;
  readonly partitions: number | undefined;
}

export class Topology {
  /** @internal Nodes in the order they were added. */
  readonly nodes = new Map<string, TopologyNode>();
  /** @internal */
  readonly stores = new Map<string, StoreSpec>();
  /** @internal Stores a global table or addGlobalStore reads, by store name. */
  readonly globalStores = new Map<string, GlobalStoreSpec>();
  /** @internal */
  readonly repartitionTopics = new Map<string, RepartitionTopicSpec>();
  /** @internal Groups of nodes whose source topics must have the same partition count (joins). */
  readonly copartitionGroups: string[][] = [];
  /** @internal Stores whose engine follows the application's defaultStoreType. */
  defaultTypedStores = new Set<string>();
  /** @internal Store name -> source topic used as its changelog (KTable sources, optimized). */
  readonly sourceChangelogs = new Map<string, string>();

  private checkName(name: string): void {
    if (!name) throw new TopologyError('a node needs a name');
    if (this.nodes.has(name)) throw new TopologyError(`Processor ${name} is already added.`);
  }

  private parentsOf(name: string, parents: string[]): string[] {
    if (parents.length === 0) throw new TopologyError(`Processor ${name} must have at least one parent`);
    for (const p of parents) {
      const node = this.nodes.get(p);
      if (!node) throw new TopologyError(`Parent processor ${p} is not added yet for ${name}`);
      if (node.kind === 'sink') throw new TopologyError(`Sink ${p} cannot be used a parent.`);
      if (p === name) throw new TopologyError(`Processor ${name} cannot be a predecessor of itself.`);
    }
    return [...parents];
  }

  addSource<K = unknown, V = unknown>(name: string, topics: string | string[] | RegExp, options: SourceOptions<K, V> = {}, internal = false): this {
    this.checkName(name);
    const list = topics instanceof RegExp ? [] : Array.isArray(topics) ? topics : [topics];
    if (!(topics instanceof RegExp) && list.length === 0) throw new TopologyError(`Source ${name} needs at least one topic`);
    for (const t of list) {
      for (const n of this.nodes.values()) {
        if (n.kind === 'source' && n.topics.includes(t)) throw new TopologyError(`Topic ${t} has already been registered by another source.`);
      }
    }
    this.nodes.set(name, {
      kind: 'source',
      name,
      topics: [...list],
      pattern: topics instanceof RegExp ? topics : undefined,
      internal,
      keySerde: options.keySerde,
      valueSerde: options.valueSerde,
      timestampExtractor: options.timestampExtractor,
      offsetReset: options.offsetReset,
      children: [],
      parents: [],
    });
    return this;
  }

  addProcessor<KIn, VIn, KOut, VOut>(name: string, supplier: ProcessorSupplier<KIn, VIn, KOut, VOut>, ...parentNames: string[]): this {
    this.checkName(name);
    const parents = this.parentsOf(name, parentNames);
    this.nodes.set(name, { kind: 'processor', name, supplier, parents, children: [], stores: [] });
    for (const p of parents) this.nodes.get(p)!.children.push(name);
    return this;
  }

  addSink<K, V>(name: string, topic: string | TopicNameExtractor<K, V>, options: SinkOptions<K, V> = {}, ...parentNames: string[]): this {
    return this.addSinkNode(name, topic, options, parentNames, false);
  }

  /** @internal */
  addSinkNode<K, V>(name: string, topic: string | TopicNameExtractor<K, V>, options: SinkOptions<K, V>, parentNames: string[], internal: boolean): this {
    this.checkName(name);
    const parents = this.parentsOf(name, parentNames);
    // The graph is heterogeneous: what reaches this sink has the types its parent declared.
    const partitioner = options.partitioner;
    this.nodes.set(name, {
      kind: 'sink',
      name,
      topic: typeof topic === 'string' ? topic : (k: unknown, v: unknown, c) => topic(k as K, v as V, c),
      internal,
      keySerde: options.keySerde,
      valueSerde: options.valueSerde,
      partitioner: partitioner ? (t: string, k: unknown, v: unknown, n: number) => partitioner(t, k as K, v as V, n) : undefined,
      parents,
      children: [],
    });
    for (const p of parents) this.nodes.get(p)!.children.push(name);
    return this;
  }

  addStateStore<K, V>(builder: StoreBuilder<K, V> | StoreSpec<K, V>, ...processorNames: string[]): this {
    const spec = 'build' in builder ? builder.build() : builder;
    if (this.stores.has(spec.name) || this.globalStores.has(spec.name)) throw new TopologyError(`StateStore ${spec.name} is already added.`);
    this.stores.set(spec.name, spec);
    this.connectProcessorAndStateStores(spec.name, ...processorNames);
    return this;
  }

  /** Java's connectProcessorAndStateStores(processor, stores...) takes the processor first; so does this one when given a processor. */
  connectProcessorAndStateStores(storeOrProcessor: string, ...names: string[]): this {
    if (this.stores.has(storeOrProcessor)) {
      for (const p of names) this.connect(p, storeOrProcessor);
    } else {
      for (const s of names) this.connect(storeOrProcessor, s);
    }
    return this;
  }

  private connect(processor: string, store: string): void {
    const node = this.nodes.get(processor);
    if (!node || node.kind !== 'processor') throw new TopologyError(`Processor ${processor} is not added yet.`);
    if (!this.stores.has(store) && !this.globalStores.has(store)) throw new TopologyError(`StateStore ${store} is not added yet.`);
    if (!node.stores.includes(store)) node.stores.push(store);
  }

  /** A store filled from every partition of `topic` on every instance (not part of any task). */
  addGlobalStore<K, V, KIn, VIn>(builder: StoreBuilder<K, V> | StoreSpec<K, V>, sourceName: string, options: SourceOptions<KIn, VIn>, topic: string, processorName: string, supplier: ProcessorSupplier<KIn, VIn, never, never>): this {
    const built = 'build' in builder ? builder.build() : builder;
    const spec: StoreSpec<K, V> = { ...built, logging: false };
    if (this.stores.has(spec.name) || this.globalStores.has(spec.name)) throw new TopologyError(`StateStore ${spec.name} is already added.`);
    this.addSource(sourceName, topic, options);
    this.addProcessor(processorName, supplier, sourceName);
    this.globalStores.set(spec.name, { store: spec, sourceName, processorName, topic });
    (this.nodes.get(processorName) as ProcessorNode).stores.push(spec.name);
    return this;
  }

  describe(): TopologyDescription {
    return describeTopology(this);
  }
}
