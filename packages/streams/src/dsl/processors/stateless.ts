// The stateless DSL operators as processors: filter, map, mapValues, flatMap, flatMapValues,
// selectKey, peek/foreach, branch, pass-through (merge), the repartition filter that drops
// records without a key, and toStream. Each forwards with the input record's timestamp and
// headers, as Kafka Streams does.
import type { Processor, ProcessorContext } from '../../processor/api.js';
import type { Change, KeyValue, Record } from '../../record.js';

type Ctx = ProcessorContext<unknown, unknown>;

export function filterProcessor<K, V>(predicate: (key: K, value: V) => boolean, negate: boolean): Processor<K, V, K, V> {
  let ctx: Ctx;
  return {
    init: (c) => {
      ctx = c;
    },
    process: (r) => {
      if (predicate(r.key, r.value) !== negate) ctx.forward(r);
    },
  };
}

export function mapProcessor<K, V, KR, VR>(mapper: (key: K, value: V) => KeyValue<KR, VR>): Processor<K, V, KR, VR> {
  let ctx: Ctx;
  return {
    init: (c) => {
      ctx = c;
    },
    process: (r) => {
      const kv = mapper(r.key, r.value);
      ctx.forward(r.withKey(kv.key).withValue(kv.value));
    },
  };
}

export function mapValuesProcessor<K, V, VR>(mapper: (value: V, key: K) => VR): Processor<K, V, K, VR> {
  let ctx: Ctx;
  return {
    init: (c) => {
      ctx = c;
    },
    process: (r) => {
      ctx.forward(r.withValue(mapper(r.value, r.key)));
    },
  };
}

export function flatMapProcessor<K, V, KR, VR>(mapper: (key: K, value: V) => Iterable<KeyValue<KR, VR>>): Processor<K, V, KR, VR> {
  let ctx: Ctx;
  return {
    init: (c) => {
      ctx = c;
    },
    process: (r) => {
      for (const kv of mapper(r.key, r.value)) ctx.forward(r.withKey(kv.key).withValue(kv.value));
    },
  };
}

export function flatMapValuesProcessor<K, V, VR>(mapper: (value: V, key: K) => Iterable<VR>): Processor<K, V, K, VR> {
  let ctx: Ctx;
  return {
    init: (c) => {
      ctx = c;
    },
    process: (r) => {
      for (const v of mapper(r.value, r.key)) ctx.forward(r.withValue(v));
    },
  };
}

export function selectKeyProcessor<K, V, KR>(selector: (key: K, value: V) => KR): Processor<K, V, KR, V> {
  let ctx: Ctx;
  return {
    init: (c) => {
      ctx = c;
    },
    process: (r) => {
      ctx.forward(r.withKey(selector(r.key, r.value)));
    },
  };
}

export function peekProcessor<K, V>(action: (key: K, value: V) => void, forward: boolean): Processor<K, V, K, V> {
  let ctx: Ctx;
  return {
    init: (c) => {
      ctx = c;
    },
    process: (r) => {
      action(r.key, r.value);
      if (forward) ctx.forward(r);
    },
  };
}

/** Sends each record to the first branch whose predicate holds (child names in branch order). */
export function branchProcessor<K, V>(predicates: ReadonlyArray<((key: K, value: V) => boolean) | null>, children: () => string[]): Processor<K, V, K, V> {
  let ctx: Ctx;
  let names: string[] = [];
  return {
    init: (c) => {
      ctx = c;
      names = children();
    },
    process: (r) => {
      for (let i = 0; i < predicates.length; i++) {
        const p = predicates[i];
        if (p === null || p === undefined || p(r.key, r.value)) {
          ctx.forward(r, names[i]);
          return;
        }
      }
    },
  };
}

export function passThroughProcessor<K, V>(): Processor<K, V, K, V> {
  let ctx: Ctx;
  return {
    init: (c) => {
      ctx = c;
    },
    process: (r) => ctx.forward(r),
  };
}

/** Before a repartition sink: records with a null key cannot be partitioned and are dropped. */
export function repartitionFilterProcessor<K, V>(): Processor<K, V, K, V> {
  let ctx: Ctx;
  return {
    init: (c) => {
      ctx = c;
    },
    process: (r) => {
      if (r.key !== null && r.key !== undefined) ctx.forward(r);
    },
  };
}

/** KTable.toStream(): the new value of each change (a tombstone when the row was deleted). */
export function toStreamProcessor<K, V, KR>(mapper: ((key: K, value: V | null) => KR) | undefined): Processor<K, Change<V>, KR | K, V | null> {
  let ctx: Ctx;
  return {
    init: (c) => {
      ctx = c;
    },
    process: (r: Record<K, Change<V>>) => {
      const v = r.value.newValue;
      if (mapper) ctx.forward(r.withKey(mapper(r.key, v)).withValue(v));
      else ctx.forward(r.withValue(v));
    },
  };
}
