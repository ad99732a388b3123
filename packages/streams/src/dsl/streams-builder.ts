// StreamsBuilder: the DSL's entry point, as Kafka Streams' StreamsBuilder. stream(), table() and
// globalTable() add sources; build() returns the Topology to run with KafkaStreams or the
// TopologyTestDriver.
import type { Serde } from '../serdes.js';
import type { StoreBuilder, StoreSpec } from '../state/spec.js';
import type { ProcessorSupplier } from '../processor/api.js';
import type { Topology } from '../topology/topology.js';
import { DslContext } from './internal.js';
import type { Consumed, Materialized } from './options.js';
import { storeGetter, tableSourceProcessor, type OldValues } from './processors/table.js';
import { KStream } from './kstream.js';
import { KTable } from './ktable.js';
import { GlobalKTable } from './global-ktable.js';

export class StreamsBuilder {
  private readonly ctx = new DslContext();
  private built = false;

  /** A stream of one or more topics (or of the topics a pattern matches when the app starts). */
  stream<K = Buffer, V = Buffer>(topics: string | string[] | RegExp, consumed: Consumed<K, V> = {}): KStream<K, V> {
    const name = consumed.name ?? this.ctx.newProcessorName('KSTREAM-SOURCE-');
    this.ctx.topology.addSource(name, topics, { keySerde: consumed.key, valueSerde: consumed.value, timestampExtractor: consumed.timestampExtractor, offsetReset: consumed.offsetReset });
    return new KStream<K, V>(this.ctx, name, consumed.key, consumed.value, false);
  }

  /** A table of a topic's latest value per key (a null value deletes the key). */
  table<K = Buffer, V = Buffer>(topic: string, consumed: Consumed<K, V> = {}, materialized: Materialized<K, V> = {}): KTable<K, V> {
    const spec = this.ctx.storeSpec(materialized, `${topic}-`, 'timestampedKeyValue', materialized.key ?? consumed.key, materialized.value ?? consumed.value);
    const source = consumed.name ?? this.ctx.newProcessorName('KSTREAM-SOURCE-');
    const tableSource = consumed.name ? `${consumed.name}-table-source` : this.ctx.newProcessorName('KTABLE-SOURCE-');
    const t = this.ctx.topology;
    t.addSource(source, topic, { keySerde: consumed.key, valueSerde: consumed.value, timestampExtractor: consumed.timestampExtractor, offsetReset: consumed.offsetReset });
    const old: OldValues = { sendOldValues: false };
    t.addProcessor(tableSource, () => tableSourceProcessor<K, V>(spec.name, old), source);
    t.addStateStore(spec, tableSource);
    return new KTable<K, V>(this.ctx, tableSource, materialized.key ?? consumed.key, materialized.value ?? consumed.value, spec.name, storeGetter<K, V>(spec.name), old);
  }

  /** A table replicated on every instance, read from all partitions of the topic. */
  globalTable<K = Buffer, V = Buffer>(topic: string, consumed: Consumed<K, V> = {}, materialized: Materialized<K, V> = {}): GlobalKTable<K, V> {
    const spec = this.ctx.storeSpec(materialized, `${topic}-`, 'timestampedKeyValue', materialized.key ?? consumed.key, materialized.value ?? consumed.value, { logging: false });
    const source = consumed.name ?? this.ctx.newProcessorName('KSTREAM-SOURCE-');
    const processor = this.ctx.newProcessorName('KTABLE-SOURCE-');
    const old: OldValues = { sendOldValues: false };
    this.ctx.topology.addGlobalStore(spec, source, { keySerde: consumed.key, valueSerde: consumed.value, timestampExtractor: consumed.timestampExtractor }, topic, processor, () => tableSourceProcessor<K, V>(spec.name, old));
    return new GlobalKTable<K, V>(spec.name, materialized.key ?? consumed.key, materialized.value ?? consumed.value);
  }

  /** Adds a store for Processor API processors in the DSL (KStream.process(supplier, storeName)). */
  addStateStore<K, V>(builder: StoreBuilder<K, V> | StoreSpec<K, V>): this {
    const spec = 'build' in builder ? builder.build() : builder;
    this.ctx.topology.addStateStore(spec);
    return this;
  }

  addGlobalStore<K, V, KIn, VIn>(builder: StoreBuilder<K, V>, topic: string, consumed: Consumed<KIn, VIn>, supplier: ProcessorSupplier<KIn, VIn, never, never>): this {
    const source = this.ctx.newProcessorName('KSTREAM-SOURCE-');
    const processor = this.ctx.newProcessorName('KTABLE-SOURCE-');
    this.ctx.topology.addGlobalStore(builder, source, { keySerde: consumed.key, valueSerde: consumed.value }, topic, processor, supplier);
    return this;
  }

  build(): Topology {
    this.built = true;
    const t = this.ctx.topology;
    t.defaultTypedStores = this.ctx.defaultTypedStores;
    return t;
  }

  /** @internal for tests */
  get isBuilt(): boolean {
    return this.built;
  }
}

export type { Serde };
