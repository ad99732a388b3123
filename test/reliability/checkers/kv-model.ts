// The sequential model of one JetStream KV key, for the linearizability checker: a value and
// its revision. put and update (create-or-compare-and-set on an expected revision) return the
// new revision; get returns the value and revision, or nothing. Revisions are stream sequences,
// shared by every key of the bucket, so a write's revision need only exceed the last one seen.
// A write whose outcome is unknown leaves the revision unknown until a read or write tells it.
import { checkLinearizable, type Model, type Operation, type Verdict } from './linearizability.js';

export type KvInput = { f: 'get' } | { f: 'put'; value: string } | { f: 'update'; value: string; expect: number };
/** get: the value and revision read (null: no value); put/update: ok with revision, or refused. */
export type KvOutput = { value: string | null; rev: number } | { ok: true; rev: number } | { ok: false };

export interface KvState {
  value: string | null;
  /** -1: unknown (after a write whose outcome is unknown). */
  rev: number;
}

export const kvModel: Model<KvState, KvInput, KvOutput> = {
  init: () => ({ value: null, rev: 0 }),
  key: (s) => `${s.rev}:${s.value}`,
  step(s, input, output) {
    if (input.f === 'get') {
      if (output === undefined || !('value' in output)) return [s]; // unknown reads constrain nothing
      if (output.value !== s.value) return [];
      if (s.rev !== -1 && output.rev !== s.rev) return [];
      return [{ value: s.value, rev: output.rev }];
    }
    const applied: KvState = { value: input.value, rev: -1 };
    const known = s.rev !== -1;
    const matches = input.f === 'put' || (known && s.rev === input.expect);
    const mayMatch = input.f === 'put' || !known || s.rev === input.expect;
    if (output === undefined) {
      // Unknown outcome: applied (revision unknown) if its condition may have held, or not at all.
      if (matches) return [applied];
      return mayMatch ? [applied, s] : [s];
    }
    if (!('ok' in output)) return [];
    if (output.ok) {
      if (!mayMatch) return [];
      if (known && output.rev <= s.rev) return [];
      return [{ value: input.value, rev: output.rev }];
    }
    // Refused: only an update whose expected revision did not match may be refused.
    if (input.f === 'put') return [];
    return !known || s.rev !== input.expect ? [s] : [];
  },
};

type KvOp = Operation<KvInput, KvOutput>;

/**
 * Checks one key's history, first with the writes of unknown outcome narrowed down, which the
 * plain search cannot do and which decides most histories of a round under disk-full (hundreds
 * of unknown writes: the plain search ran out of its budget on every key). Values are unique:
 * - an unknown write whose value a get returned took effect before that get returned: its
 *   return may be set to the earliest such get's (every legal order has it there anyway);
 * - an unknown write whose value nobody read may be taken as never applied: if the history
 *   without them is linearizable, so is the history (they go last, where nothing sees them).
 * The second narrowing only proves; when that search does not succeed, the verdict is the one
 * of the history with only the first (equivalent to the original).
 */
export function checkKvHistory(ops: KvOp[], budget?: number): Verdict {
  const readAt = new Map<string, number>();
  for (const o of ops) {
    if (o.input.f !== 'get' || o.output === undefined || !('value' in o.output) || o.output.value === null) continue;
    const v = o.output.value;
    readAt.set(v, Math.min(readAt.get(v) ?? Infinity, o.ret));
  }
  const unknownWrite = (o: KvOp) => o.output === undefined && o.input.f !== 'get';
  const tightened = ops.map((o) => {
    if (!unknownWrite(o) || o.input.f === 'get') return o;
    const at = readAt.get(o.input.value);
    return at === undefined ? o : { ...o, ret: Math.max(o.call, at) };
  });
  const seen = tightened.filter((o) => !(unknownWrite(o) && o.input.f !== 'get' && !readAt.has(o.input.value)));
  if (seen.length < tightened.length && checkLinearizable(kvModel, seen, budget).ok === true) return { ok: true };
  return checkLinearizable(kvModel, tightened, budget);
}
