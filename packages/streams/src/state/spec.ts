// How a topology declares a state store (the StoreBuilder of Kafka Streams): its kind, serdes,
// engine, and whether it is logged to a changelog and cached. `Stores` builds them for the
// Processor API; the DSL builds them from Materialized options.
import type { Serde } from '../serdes.js';

export type StoreKind = 'keyValue' | 'timestampedKeyValue' | 'window' | 'timestampedWindow' | 'session';

export interface StoreSpec<K = unknown, V = unknown> {
  readonly name: string;
  readonly kind: StoreKind;
  readonly keySerde: Serde<K> | undefined;
  readonly valueSerde: Serde<V> | undefined;
  /** On disk (LMDB under stateDir) or in process memory. */
  readonly persistent: boolean;
  readonly logging: boolean;
  /** Extra topic configs of the changelog (cleanup.policy etc. are set by kind). */
  readonly loggingConfig: Readonly<Record<string, string>>;
  readonly caching: boolean;
  /** Window and session stores: how long data is kept after stream time passes it. */
  readonly retentionMs?: number;
  readonly windowSizeMs?: number;
  /** Window stores of stream-stream joins keep every record of a key and window. */
  readonly retainDuplicates?: boolean;
  /** Internal stores whose serdes derive from the application's defaults at run time. */
  readonly resolveSerdes?: (defaults: { key: Serde<unknown> | undefined; value: Serde<unknown> | undefined }) => { key: Serde<unknown>; value: Serde<unknown> };
}

export interface StoreSupplierOptions {
  readonly name: string;
  readonly persistent: boolean;
  readonly retentionMs?: number;
  readonly windowSizeMs?: number;
  readonly retainDuplicates?: boolean;
}

/** Builder of a store for Topology.addStateStore, as Kafka Streams' StoreBuilder. */
export class StoreBuilder<K, V> {
  constructor(
    private readonly supplier: StoreSupplierOptions,
    private readonly kind: StoreKind,
    private readonly keySerde: Serde<K> | undefined,
    private readonly valueSerde: Serde<V> | undefined,
    private logging = true,
    private loggingConfig: Record<string, string> = {},
    private caching = false,
  ) {}

  get name(): string {
    return this.supplier.name;
  }

  withLoggingEnabled(config: Record<string, string> = {}): this {
    this.logging = true;
    this.loggingConfig = { ...config };
    return this;
  }

  withLoggingDisabled(): this {
    this.logging = false;
    return this;
  }

  withCachingEnabled(): this {
    this.caching = true;
    return this;
  }

  withCachingDisabled(): this {
    this.caching = false;
    return this;
  }

  build(): StoreSpec<K, V> {
    const s = this.supplier;
    return {
      name: s.name,
      kind: this.kind,
      keySerde: this.keySerde,
      valueSerde: this.valueSerde,
      persistent: s.persistent,
      logging: this.logging,
      loggingConfig: this.loggingConfig,
      caching: this.caching && !s.retainDuplicates,
      ...(s.retentionMs !== undefined ? { retentionMs: s.retentionMs } : {}),
      ...(s.windowSizeMs !== undefined ? { windowSizeMs: s.windowSizeMs } : {}),
      ...(s.retainDuplicates ? { retainDuplicates: true } : {}),
    };
  }
}

/** Store suppliers and builders, named as Kafka Streams' Stores. */
export const Stores = {
  persistentKeyValueStore: (name: string): StoreSupplierOptions => ({ name, persistent: true }),
  inMemoryKeyValueStore: (name: string): StoreSupplierOptions => ({ name, persistent: false }),
  persistentWindowStore: (name: string, retentionMs: number, windowSizeMs: number, retainDuplicates = false): StoreSupplierOptions => ({ name, persistent: true, retentionMs, windowSizeMs, retainDuplicates }),
  inMemoryWindowStore: (name: string, retentionMs: number, windowSizeMs: number, retainDuplicates = false): StoreSupplierOptions => ({ name, persistent: false, retentionMs, windowSizeMs, retainDuplicates }),
  persistentSessionStore: (name: string, retentionMs: number): StoreSupplierOptions => ({ name, persistent: true, retentionMs }),
  inMemorySessionStore: (name: string, retentionMs: number): StoreSupplierOptions => ({ name, persistent: false, retentionMs }),
  keyValueStoreBuilder: <K, V>(supplier: StoreSupplierOptions, keySerde?: Serde<K>, valueSerde?: Serde<V>) => new StoreBuilder<K, V>(supplier, 'keyValue', keySerde, valueSerde),
  timestampedKeyValueStoreBuilder: <K, V>(supplier: StoreSupplierOptions, keySerde?: Serde<K>, valueSerde?: Serde<V>) => new StoreBuilder<K, V>(supplier, 'timestampedKeyValue', keySerde, valueSerde),
  windowStoreBuilder: <K, V>(supplier: StoreSupplierOptions, keySerde?: Serde<K>, valueSerde?: Serde<V>) => new StoreBuilder<K, V>(supplier, 'window', keySerde, valueSerde),
  timestampedWindowStoreBuilder: <K, V>(supplier: StoreSupplierOptions, keySerde?: Serde<K>, valueSerde?: Serde<V>) => new StoreBuilder<K, V>(supplier, 'timestampedWindow', keySerde, valueSerde),
  sessionStoreBuilder: <K, V>(supplier: StoreSupplierOptions, keySerde?: Serde<K>, valueSerde?: Serde<V>) => new StoreBuilder<K, V>(supplier, 'session', keySerde, valueSerde),
} as const;

/** Changelog topic configs by store kind, as Kafka Streams creates them. */
export function changelogConfig(spec: StoreSpec): Record<string, string> {
  const windowed = spec.kind === 'window' || spec.kind === 'timestampedWindow' || spec.kind === 'session';
  const base: Record<string, string> = windowed
    ? { 'cleanup.policy': 'compact,delete', 'retention.ms': String((spec.retentionMs ?? 86_400_000) + 86_400_000) }
    : { 'cleanup.policy': 'compact' };
  return { ...base, ...spec.loggingConfig };
}
