// The serde of last resort, used where neither the topology nor the application's defaults name
// one: UTF-8 strings (and Buffers as they are), which is what keys chosen by groupBy or selectKey
// usually are. Anything else fails with a message naming the serde to give.
import type { Serde } from './serdes.js';

/**
 * The serde used where the DSL knows none and the application sets no default: UTF-8 strings
 * (and Buffers as they are), the common case of keys chosen by groupBy/selectKey. Anything else
 * fails with a message that says which serde to give.
 */
export function fallbackSerde<T>(where: string): Serde<T> {
  return {
    serialize(data: T): Buffer {
      if (typeof data === 'string') return Buffer.from(data, 'utf8');
      if (Buffer.isBuffer(data)) return data;
      throw new TypeError(`no serde for ${where}: a ${typeof data} cannot be written without one (give it in Grouped/Materialized/Produced/Repartitioned, or set defaultKeySerde/defaultValueSerde)`);
    },
    deserialize(data: Buffer): T {
      return data.toString('utf8') as T;
    },
  };
}


export interface SerdeDefaults {
  readonly key: Serde<unknown> | undefined;
  readonly value: Serde<unknown> | undefined;
}

/**
 * A serde built at run time from the application's default key or value serde (or the
 * fallback): internal topics and stores of the DSL wrap a serde the topology may not know yet
 * (a KTable repartition topic's Change serde over the default value serde, say).
 */
export class DeferredSerde<T> implements Serde<T> {
  constructor(
    readonly role: 'key' | 'value',
    readonly build: (base: Serde<unknown>) => Serde<T>,
    readonly where: string,
  ) {}

  serialize(): Buffer {
    throw new Error(`serde of ${this.where} used before the application resolved it`);
  }

  deserialize(): T {
    throw new Error(`serde of ${this.where} used before the application resolved it`);
  }

  resolve(defaults: SerdeDefaults): Serde<T> {
    return this.build((this.role === 'key' ? defaults.key : defaults.value) ?? fallbackSerde(this.where));
  }
}

/** `serde` with its default applied: deferred serdes built, a missing one the default. */
export function resolveSerde<T>(serde: Serde<T> | undefined, role: 'key' | 'value', defaults: SerdeDefaults): Serde<T> | Serde<unknown> | undefined {
  if (serde instanceof DeferredSerde) return serde.resolve(defaults);
  return serde ?? (role === 'key' ? defaults.key : defaults.value);
}

/**
 * A serde over `inner`, or deferred until the defaults are known when `inner` is undefined or
 * itself deferred. The default serdes are untyped (the application's configuration): that is
 * the one place their type is taken on trust.
 */
export function wrapSerde<I, T>(inner: Serde<I> | undefined, role: 'key' | 'value', wrap: (s: Serde<I>) => Serde<T>, where: string): Serde<T> {
  if (inner !== undefined && !(inner instanceof DeferredSerde)) return wrap(inner);
  return new DeferredSerde<T>(role, (base) => wrap((inner instanceof DeferredSerde ? inner.build(base) : base) as Serde<I>), where);
}
