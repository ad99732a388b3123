// What the DSL classes share while building: the topology, the node and store name counter
// (Kafka Streams' InternalStreamsBuilder numbering, so names like KSTREAM-SOURCE-0000000000 and
// KSTREAM-AGGREGATE-STATE-STORE-0000000003 match a Java topology's), and the store specs
// Materialized options turn into.
import type { Serde } from '../serdes.js';
import { Topology } from '../topology/topology.js';
import type { StoreKind, StoreSpec } from '../state/spec.js';
import type { Materialized, StoreType } from './options.js';
export { fallbackSerde } from '../serde-fallback.js';

export class DslContext {
  readonly topology = new Topology();
  private index = 0;
  /** Stores whose engine follows the application's defaultStoreType (resolved at start). */
  readonly defaultTypedStores = new Set<string>();

  newProcessorName(prefix: string): string {
    return prefix + String(this.index++).padStart(10, '0');
  }

  newStoreName(prefix: string): string {
    return `${prefix}STATE-STORE-${String(this.index++).padStart(10, '0')}`;
  }

  /** Store spec from Materialized options (no storeName: generated from `prefix`). */
  storeSpec(m: StoreOptions | undefined, prefix: string, kind: StoreKind, keySerde: Serde<unknown> | undefined, valueSerde: Serde<unknown> | undefined, extra: Partial<StoreSpec> = {}): StoreSpec {
    const name = m?.storeName ?? this.newStoreName(prefix);
    return this.storeSpecNamed(name, m, kind, keySerde, valueSerde, extra);
  }

  storeSpecNamed(name: string, m: StoreOptions | undefined, kind: StoreKind, keySerde: Serde<unknown> | undefined, valueSerde: Serde<unknown> | undefined, extra: Partial<StoreSpec> = {}): StoreSpec {
    if (m?.storeType === undefined) this.defaultTypedStores.add(name);
    return {
      name,
      kind,
      keySerde,
      valueSerde,
      persistent: (m?.storeType ?? 'persistent') === 'persistent',
      logging: m?.logging ?? true,
      loggingConfig: m?.loggingConfig ?? {},
      caching: m?.caching ?? true,
      ...(m?.retentionMs !== undefined ? { retentionMs: m.retentionMs } : {}),
      ...extra,
    };
  }
}

/** The store settings of Materialized (its serdes are passed apart, already chosen). */
export type StoreOptions = Pick<Materialized<unknown, unknown>, 'storeName' | 'storeType' | 'logging' | 'loggingConfig' | 'caching' | 'retentionMs'>;

export function storeTypeOf(t: StoreType | undefined): boolean {
  return (t ?? 'persistent') === 'persistent';
}

/** Key equality of the DSL (KTable groupBy, joins): same primitive, same bytes, or same JSON. */
export function sameKey(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) return JSON.stringify(a) === JSON.stringify(b);
  return false;
}
