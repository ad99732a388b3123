// Repartition topics of the DSL: a filter dropping null keys, a sink to `<name>-repartition` and
// a source reading it back, named and numbered as Kafka Streams does (three counter values are
// used even when the names come from the user, so later generated names still match Java's).
import type { Serde } from '../serdes.js';
import type { StreamPartitioner } from '../topology/topology.js';
import type { DslContext } from './internal.js';
import { repartitionFilterProcessor } from './processors/stateless.js';

const GENERATED = /^KSTREAM.*-[0-9]{10}$/;

export interface RepartitionOptions<K, V> {
  keySerde: Serde<K> | undefined;
  valueSerde: Serde<V> | undefined;
  partitions?: number | undefined;
  partitioner?: StreamPartitioner<K, V> | undefined;
  /** KGroupedTable's repartition has no null-key filter node. */
  withFilter?: boolean;
}

/** Adds the repartition nodes after `parent`; returns the source node reading the topic back. */
export function addRepartition<K, V>(ctx: DslContext, parent: string, prefix: string, opts: RepartitionOptions<K, V>): { source: string; topic: string } {
  const topic = prefix.endsWith('-repartition') ? prefix : `${prefix}-repartition`;
  const genSink = ctx.newProcessorName('KSTREAM-SINK-');
  const genFilter = opts.withFilter === false ? '' : ctx.newProcessorName('KSTREAM-FILTER-');
  const genSource = ctx.newProcessorName('KSTREAM-SOURCE-');
  const generated = GENERATED.test(prefix);
  const sink = generated ? genSink : `${topic}-sink`;
  const filter = generated ? genFilter : `${topic}-filter`;
  const source = generated ? genSource : `${topic}-source`;
  const t = ctx.topology;
  let last = parent;
  if (opts.withFilter !== false) {
    t.addProcessor(filter, repartitionFilterProcessor, parent);
    last = filter;
  }
  t.addSinkNode(sink, topic, { keySerde: opts.keySerde, valueSerde: opts.valueSerde, partitioner: opts.partitioner }, [last], true);
  t.addSource(source, topic, { keySerde: opts.keySerde, valueSerde: opts.valueSerde }, true);
  t.repartitionTopics.set(topic, { name: topic, partitions: opts.partitions });
  return { source, topic };
}
