// Async value mappers (mapValuesAsync, flatMapValuesAsync): the function runs concurrently for
// different keys and one at a time per key, so results of one key leave in input order. The
// task counts work in flight: a commit waits for it (offsets never pass a record whose result
// is not produced yet) and the stream thread stops feeding the task while the limit is reached.
import type { Processor, ProcessorContext } from '../../processor/api.js';
import type { Record } from '../../record.js';
import { taskOf, type StreamTask } from '../../runtime/task.js';

function keyIdentity(key: unknown): unknown {
  if (Buffer.isBuffer(key)) return 'b:' + key.toString('latin1');
  if (typeof key === 'object' && key !== null) return 'j:' + JSON.stringify(key);
  return key;
}

export function asyncMapValuesProcessor<K, V, VR>(mapper: (value: V, key: K) => Promise<VR>): Processor<K, V, K, VR> {
  return asyncProcessor<K, V, VR, VR>(mapper, (out, emit) => emit(out));
}

export function asyncFlatMapValuesProcessor<K, V, VR>(mapper: (value: V, key: K) => Promise<Iterable<VR>>): Processor<K, V, K, VR> {
  return asyncProcessor<K, V, Iterable<VR>, VR>(mapper, (out, emit) => {
    for (const v of out) emit(v);
  });
}

function asyncProcessor<K, V, O, VR>(mapper: (value: V, key: K) => Promise<O>, deliver: (out: O, emit: (v: VR) => void) => void): Processor<K, V, K, VR> {
  let task: StreamTask;
  let ctx: ProcessorContext<K, VR>;
  let node = '';
  const chains = new Map<unknown, Promise<void>>();
  return {
    init: (c) => {
      ctx = c;
      task = taskOf(c);
      node = task.currentNodeName();
    },
    process: (r: Record<K, V>) => {
      const id = keyIdentity(r.key);
      const meta = task.currentMetadata();
      const prev = chains.get(id);
      task.asyncTracker.begin();
      const run = async () => {
        const out = await mapper(r.value, r.key);
        task.runAs(node, meta, r.timestamp, () => deliver(out, (v) => ctx.forward(r.withValue(v))));
      };
      const p = (prev ? prev.then(run) : run()).then(
        () => task.asyncTracker.end(),
        (err: unknown) => task.asyncTracker.end(err ?? new Error('async mapper failed')),
      );
      chains.set(id, p);
      void p.then(() => {
        if (chains.get(id) === p) chains.delete(id);
      });
    },
  };
}
