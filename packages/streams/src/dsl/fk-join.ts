// Foreign-key table-table join, built as Kafka Streams builds it: the left table registers each
// row's foreign key on a subscription topic partitioned like the right table; the right side
// keeps the subscriptions in a store and answers on a response topic partitioned like the left
// table, once per subscription and again whenever the right row changes; the left side accepts a
// response only if it was computed for the row's current value (a hash of its bytes), so stale
// answers of a changed row are dropped. The two topics' value formats are this library's own.
import { createHash } from 'node:crypto';
import type { Processor, ProcessorContext } from '../processor/api.js';
import { Record, type Change } from '../record.js';
import type { KeyValueStore } from '../state/api.js';
import type { Serde } from '../serdes.js';
import { taskOf } from '../runtime/task.js';
import { StreamsError } from '../errors.js';
import { sameKey } from './internal.js';
import type { Materialized, TableJoined } from './options.js';
import { storeGetter, TupleForwarder, type OldValues, type ValueGetterSupplier } from './processors/table.js';
import { DeferredSerde, wrapSerde } from '../serde-fallback.js';
import { KTable } from './ktable.js';

type Ctx = ProcessorContext<unknown, unknown>;

/** 0: left row gone, answer with null; 1: old key of a moved row, no answer; 2: subscribe and answer. */
type Instruction = 0 | 1 | 2;

interface Subscription<K> {
  readonly instruction: Instruction;
  readonly hash: Buffer | null;
  readonly primaryKey: K;
}

interface Response<VO> {
  readonly hash: Buffer | null;
  readonly value: VO | null;
}

function subscriptionSerde<K>(pk: Serde<K>): Serde<Subscription<K>> {
  return {
    serialize(s, topic) {
      const k = pk.serialize(s.primaryKey, topic);
      return Buffer.concat([Buffer.from([0, s.instruction, s.hash ? 1 : 0]), s.hash ?? Buffer.alloc(0), k]);
    },
    deserialize(b, topic) {
      const instruction = b[1];
      if (instruction !== 0 && instruction !== 1 && instruction !== 2) throw new TypeError(`bad subscription instruction ${instruction}`);
      const hasHash = b[2] === 1;
      const hash = hasHash ? b.subarray(3, 19) : null;
      return { instruction, hash, primaryKey: pk.deserialize(b.subarray(hasHash ? 19 : 3), topic) };
    },
  };
}

function responseSerde<VO>(vs: Serde<VO>): Serde<Response<VO>> {
  return {
    serialize(r, topic) {
      const v = r.value === null ? null : vs.serialize(r.value, topic);
      return Buffer.concat([Buffer.from([0, r.hash ? 1 : 0]), r.hash ?? Buffer.alloc(0), Buffer.from([v ? 1 : 0]), v ?? Buffer.alloc(0)]);
    },
    deserialize(b, topic) {
      let at = 2;
      const hash = b[1] === 1 ? b.subarray(at, (at += 16)) : null;
      const hasValue = b[at++] === 1;
      return { hash, value: hasValue ? vs.deserialize(b.subarray(at), topic) : null };
    },
  };
}

/** Subscription store key: [int32 fk length][fk bytes][pk bytes]; prefix-scanned by foreign key. */
interface SubKey<KO, K> {
  readonly fk: KO;
  readonly pk: K;
}

function subKeySerde<KO, K>(fk: Serde<KO>, pk: Serde<K>): Serde<SubKey<KO, K>> {
  return {
    serialize(k, topic) {
      const f = fk.serialize(k.fk, topic);
      const len = Buffer.allocUnsafe(4);
      len.writeInt32BE(f.length);
      return Buffer.concat([len, f, pk.serialize(k.pk, topic)]);
    },
    deserialize(b, topic) {
      const n = b.readInt32BE(0);
      return { fk: fk.deserialize(b.subarray(4, 4 + n), topic), pk: pk.deserialize(b.subarray(4 + n), topic) };
    },
  };
}

function fkPrefix(fkBytes: Buffer): Buffer {
  const len = Buffer.allocUnsafe(4);
  len.writeInt32BE(fkBytes.length);
  return Buffer.concat([len, fkBytes]);
}

function hashOf(bytes: Buffer): Buffer {
  return createHash('md5').update(bytes).digest();
}

export function foreignKeyJoin<K, V, KO, VO, VR>(left: KTable<K, V>, right: KTable<KO, VO>, foreignKey: (value: V) => KO | null, joiner: (value: V, other: VO | null, key: K) => VR, leftJoin: boolean, options: TableJoined<K, KO> & Materialized<K, VR>): KTable<K, VR> {
  const ctx = left.ctx;
  const t = ctx.topology;
  const regName = ctx.newProcessorName('KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-');
  const regTopic = `${options.name ?? regName}-topic`;
  const regSink = ctx.newProcessorName('KTABLE-SINK-');
  const regSource = ctx.newProcessorName('KTABLE-SOURCE-');
  const subStore = ctx.newStoreName('KTABLE-FK-JOIN-SUBSCRIPTION-');
  const subProc = ctx.newProcessorName('KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-');
  const rightProc = ctx.newProcessorName('KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-');
  const respName = ctx.newProcessorName('KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-');
  const respTopic = `${options.name ? options.name + '-response' : respName}-topic`;
  const respSink = ctx.newProcessorName('KTABLE-SINK-');
  const respSource = ctx.newProcessorName('KTABLE-SOURCE-');
  const resolver = ctx.newProcessorName('KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-RESOLVER-PROCESSOR-');
  const output = options.name ?? ctx.newProcessorName('KTABLE-FK-JOIN-OUTPUT-');

  const pkSerde = left.keySerde;
  const fkSerde = right.keySerde;
  const leftValueSerde = left.valueSerde;
  const subSerde = wrapSerde(pkSerde, 'key', (s) => subscriptionSerde(s), `topic ${regTopic}`);
  const respValueSerde = wrapSerde(right.valueSerde, 'value', (s) => responseSerde(s), `topic ${respTopic}`);
  const leftGetter = left.valueGetter();
  const rightGetter = right.valueGetter();
  left.enableSendingOldValues();

  // Left side: registrations (and direct results when the foreign key is null or the row is gone).
  const registration = (): Processor<K, Change<V>, unknown, unknown> => {
    let c: Ctx;
    let valueSerde: Serde<V>;
    return {
      init: (x) => {
        c = x;
        valueSerde = taskOf(x).serdeFor(leftValueSerde, 'value', `the values of the left table of ${regName}`);
      },
      process: (r) => {
        const nv = r.value.newValue;
        const ov = r.value.oldValue;
        const newFk = nv === null ? null : foreignKey(nv);
        const oldFk = ov === null ? null : foreignKey(ov);
        if (oldFk !== null && oldFk !== undefined && (newFk === null || newFk === undefined || !sameKey(oldFk, newFk))) {
          c.forward(new Record(oldFk, { instruction: 1, hash: null, primaryKey: r.key }, r.timestamp), regSink);
        }
        if (nv === null) {
          c.forward(new Record(r.key, { newValue: null, oldValue: null }, r.timestamp), output);
          return;
        }
        if (newFk === null || newFk === undefined) {
          c.forward(new Record(r.key, { newValue: leftJoin ? joiner(nv, null, r.key) : null, oldValue: null }, r.timestamp), output);
          return;
        }
        c.forward(new Record(newFk, { instruction: 2, hash: hashOf(valueSerde.serialize(nv, regTopic)), primaryKey: r.key }, r.timestamp), regSink);
      },
    };
  };
  t.addProcessor(regName, registration, left.nodeName);
  t.addSinkNode(regSink, regTopic, { keySerde: fkSerde, valueSerde: subSerde, partitioner: options.otherPartitioner }, [regName], true);
  t.addSource(regSource, regTopic, { keySerde: fkSerde, valueSerde: subSerde }, true);
  t.repartitionTopics.set(regTopic, { name: regTopic, partitions: undefined });

  // Right side: the subscription store, answered now and on each change of the right row.
  const subKey = fkSerde && pkSerde ? subKeySerde(fkSerde, pkSerde) : new DeferredSerde<SubKey<KO, K>>('key', (d) => subKeySerde((fkSerde ?? d) as Serde<KO>, (pkSerde ?? d) as Serde<K>), `store ${subStore}`);
  const subValue: Serde<Buffer> = { serialize: (b) => b, deserialize: (b) => b };
  t.addProcessor(subProc, (): Processor<KO, Subscription<K>, K, Response<VO>> => {
    let c: ProcessorContext<K, Response<VO>>;
    let store: KeyValueStore<SubKey<KO, K>, Buffer>;
    let get: ReturnType<ValueGetterSupplier<KO, VO>['create']>;
    return {
      init: (x) => {
        c = x;
        store = x.getKeyValueStore<SubKey<KO, K>, Buffer>(subStore);
        get = rightGetter.create(x as Ctx);
      },
      process: (r) => {
        if (r.key === null || r.key === undefined) return;
        const s = r.value;
        if (s.instruction === 2 && s.hash) store.put({ fk: r.key, pk: s.primaryKey }, s.hash);
        else store.delete({ fk: r.key, pk: s.primaryKey });
        if (s.instruction === 1) return;
        const rv = get(r.key);
        c.forward(new Record(s.primaryKey, { hash: s.hash, value: rv?.value ?? null }, Math.max(r.timestamp, rv?.timestamp ?? -1)), respSink);
      },
    };
  }, regSource);
  t.addProcessor(rightProc, (): Processor<KO, Change<VO>, K, Response<VO>> => {
    let c: ProcessorContext<K, Response<VO>>;
    let store: KeyValueStore<SubKey<KO, K>, Buffer>;
    let fk: Serde<KO>;
    return {
      init: (x) => {
        c = x;
        store = x.getKeyValueStore<SubKey<KO, K>, Buffer>(subStore);
        fk = taskOf(x).serdeFor(fkSerde, 'key', `the keys of the right table of ${regName}`);
      },
      process: (r) => {
        if (r.key === null || r.key === undefined) return;
        for (const e of store.prefixScan(fkPrefix(fk.serialize(r.key, regTopic)))) {
          c.forward(new Record(e.key.pk, { hash: e.value, value: r.value.newValue }, r.timestamp), respSink);
        }
      },
    };
  }, right.nodeName);
  t.addStateStore(ctx.storeSpecNamed(subStore, { caching: false }, 'keyValue', subKey, subValue, { caching: false }), subProc, rightProc);
  for (const s of rightGetter.stores) t.connectProcessorAndStateStores(subProc, s);
  t.addSinkNode(respSink, respTopic, { keySerde: pkSerde, valueSerde: respValueSerde, partitioner: options.partitioner }, [subProc, rightProc], true);
  t.addSource(respSource, respTopic, { keySerde: pkSerde, valueSerde: respValueSerde }, true);
  t.repartitionTopics.set(respTopic, { name: respTopic, partitions: undefined });

  // Left side: accept answers computed for the row's current value.
  t.addProcessor(resolver, (): Processor<K, Response<VO>, K, Change<VR>> => {
    let c: ProcessorContext<K, Change<VR>>;
    let get: ReturnType<ValueGetterSupplier<K, V>['create']>;
    let valueSerde: Serde<V>;
    return {
      init: (x) => {
        c = x;
        get = leftGetter.create(x as Ctx);
        valueSerde = taskOf(x).serdeFor(leftValueSerde, 'value', `the values of the left table of ${regName}`);
      },
      process: (r) => {
        const cur = get(r.key);
        if (!cur || !r.value.hash) return;
        if (!hashOf(valueSerde.serialize(cur.value, regTopic)).equals(r.value.hash)) return;
        const rv = r.value.value;
        const result = rv === null && !leftJoin ? null : joiner(cur.value, rv, r.key);
        c.forward(new Record(r.key, { newValue: result, oldValue: null }, Math.max(r.timestamp, cur.timestamp)));
      },
    };
  }, respSource);
  for (const s of leftGetter.stores) t.connectProcessorAndStateStores(resolver, s);

  // The result table (materialized when asked).
  const old: OldValues = { sendOldValues: false };
  let storeName: string | null = null;
  if (options.storeName !== undefined || options.storeType !== undefined) storeName = ctx.storeSpec(options, 'KTABLE-FK-JOIN-OUTPUT-', 'timestampedKeyValue', pkSerde, options.value).name;
  const outStore = storeName;
  t.addProcessor(output, (): Processor<K, Change<VR>, K, Change<VR>> => {
    let c: ProcessorContext<K, Change<VR>>;
    let fwd: TupleForwarder<K, VR> | null = null;
    let store: KeyValueStore<K, { value: VR; timestamp: number }> | null = null;
    return {
      init: (x) => {
        c = x;
        if (outStore) {
          const s = x.getTimestampedKeyValueStore<K, VR>(outStore);
          store = s;
          fwd = new TupleForwarder(x as Ctx, s, old);
        }
      },
      process: (r) => {
        if (store && fwd) {
          const prev = store.get(r.key);
          store.put(r.key, r.value.newValue === null ? null : { value: r.value.newValue, timestamp: r.timestamp });
          fwd.maybeForward(r.key, r.value.newValue, prev?.value ?? null, r.timestamp, r);
          return;
        }
        c.forward(r);
      },
    };
  }, resolver, regName);
  if (outStore) t.addStateStore(ctx.storeSpecNamed(outStore, options, 'timestampedKeyValue', pkSerde, options.value), output);
  t.copartitionGroups.push([regSource, right.nodeName]);
  t.copartitionGroups.push([respSource, left.nodeName]);
  const getter = outStore ? storeGetter<K, VR>(outStore) : fkResultGetter<K, VR>();
  return new KTable<K, VR>(ctx, output, pkSerde, options.value, outStore, getter, old);
}

/** An unmaterialized FK join result cannot be looked up (its right side lives in another task). */
function fkResultGetter<K, VR>(): ValueGetterSupplier<K, VR> {
  return {
    stores: [],
    create: () => () => {
      throw new StreamsError('the result of a foreign-key join must be materialized (give it a storeName) to be joined or looked up');
    },
  };
}
