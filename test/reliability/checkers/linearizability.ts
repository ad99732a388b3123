// A linearizability checker for histories of one object (Wing & Gong's search with Lowe's
// memoisation, the algorithm Porcupine implements): the history is linearizable when some order
// of its operations, each placed between its call and its return, is legal for the sequential
// model. An operation whose outcome is unknown (a timeout) has no return: it may take effect at
// any point after its call, or never (placed after every other operation, where nothing sees it).
// The search is exponential in the worst case; histories are checked per key, and a search that
// exceeds its step budget says so instead of answering. The memo (which operations are placed,
// and the model's state) keeps the placed set as a packed bitset with an incremental hash, so a
// step costs O(1) plus O(n/32) for a new entry: a set rebuilt and encoded at every step (as
// before) made each step O(n), and a kv round of a few thousand operations with many unknown
// outcomes (disk-full) took many minutes to check.
export interface Operation<I, O> {
  call: number;
  /** Infinity when the outcome is unknown. */
  ret: number;
  input: I;
  /** undefined when the outcome is unknown. */
  output: O | undefined;
  client: number;
}

export interface Model<S, I, O> {
  init(): S;
  /** The states that applying `input` with `output` (undefined: outcome unknown) may lead to; none if illegal. */
  step(state: S, input: I, output: O | undefined): S[];
  key(state: S): string;
}

export type Verdict = { ok: true } | { ok: false; reason: string } | { ok: 'unknown'; reason: string };

interface Entry {
  op: number;
  isCall: boolean;
  time: number;
  match: Entry | undefined;
  prev: Entry | undefined;
  next: Entry | undefined;
}

export function checkLinearizable<S, I, O>(model: Model<S, I, O>, ops: Operation<I, O>[], budget = 2_000_000): Verdict {
  if (ops.length === 0) return { ok: true };
  const events: Entry[] = [];
  ops.forEach((o, i) => {
    const call: Entry = { op: i, isCall: true, time: o.call, match: undefined, prev: undefined, next: undefined };
    const ret: Entry = { op: i, isCall: false, time: o.ret, match: undefined, prev: undefined, next: undefined };
    call.match = ret;
    events.push(call, ret);
  });
  // Calls before returns at equal times: operations that touch are concurrent.
  events.sort((a, b) => a.time - b.time || (a.isCall === b.isCall ? 0 : a.isCall ? -1 : 1));
  const head: Entry = { op: -1, isCall: false, time: -Infinity, match: undefined, prev: undefined, next: undefined };
  let prev = head;
  for (const e of events) {
    prev.next = e;
    e.prev = prev;
    prev = e;
  }
  const lift = (e: Entry) => {
    e.prev!.next = e.next;
    if (e.next) e.next.prev = e.prev;
    const m = e.match!;
    m.prev!.next = m.next;
    if (m.next) m.next.prev = m.prev;
  };
  const unlift = (e: Entry) => {
    const m = e.match!;
    m.prev!.next = m;
    if (m.next) m.next.prev = m;
    e.prev!.next = e;
    if (e.next) e.next.prev = e;
  };
  const memo = new PlacedSets(ops.length);
  const stack: { entry: Entry; prevState: S; alts: S[]; index: number }[] = [];
  let state = model.init();
  let entry = head.next;
  let steps = 0;
  let deepest = 0;
  /** Places `e`'s operation with the first alternative from `from` not seen before; false if none. */
  const place = (e: Entry, alts: S[], from: number): boolean => {
    if (from >= alts.length) return false;
    memo.flip(e.op);
    for (let i = from; i < alts.length; i++) {
      if (!memo.add(model.key(alts[i]!))) continue;
      stack.push({ entry: e, prevState: state, alts, index: i });
      state = alts[i]!;
      lift(e);
      deepest = Math.max(deepest, stack.length);
      return true;
    }
    memo.flip(e.op);
    return false;
  };
  while (head.next !== undefined) {
    if (++steps > budget) return { ok: 'unknown', reason: `search budget of ${budget} steps exhausted at depth ${stack.length} of ${ops.length}` };
    if (entry === undefined) throw new Error('linearizability search fell off the history');
    if (entry.isCall) {
      const o = ops[entry.op]!;
      if (place(entry, model.step(state, o.input, o.output), 0)) entry = head.next;
      else entry = entry.next;
    } else {
      // A return whose operation could not be placed: undo the last choice, try its next alternative.
      const top = stack.pop();
      if (!top) return { ok: false, reason: `no legal order: at most ${deepest} of ${ops.length} operations could be placed` };
      state = top.prevState;
      memo.flip(top.entry.op);
      unlift(top.entry);
      if (place(top.entry, top.alts, top.index + 1)) entry = head.next;
      else entry = top.entry.next;
    }
  }
  return { ok: true };
}

/**
 * The memo of the search: (set of placed operations, model state) pairs seen. The current set is
 * a packed bitset with a 64-bit hash kept up to date as operations are placed and lifted back
 * (each operation has two random 32-bit words, XORed in and out); entries with the same hash and
 * state are told apart by comparing their bitsets, so the memo is exact.
 */
class PlacedSets {
  private readonly bits: Uint32Array;
  private readonly r1: Uint32Array;
  private readonly r2: Uint32Array;
  private h1 = 0;
  private h2 = 0;
  private readonly seen = new Map<string, Uint32Array[]>();

  constructor(n: number) {
    this.bits = new Uint32Array(Math.ceil(n / 32));
    this.r1 = new Uint32Array(n);
    this.r2 = new Uint32Array(n);
    // A fixed xorshift stream: the same history always searches the same way.
    let x = 0x9e3779b9;
    const next = () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return x >>> 0;
    };
    for (let i = 0; i < n; i++) {
      this.r1[i] = next();
      this.r2[i] = next();
    }
  }

  /** Places or lifts operation `op` in the current set. */
  flip(op: number): void {
    this.bits[op >>> 5]! ^= 1 << (op & 31);
    this.h1 ^= this.r1[op]!;
    this.h2 ^= this.r2[op]!;
  }

  /** Records (current set, `stateKey`); false when it was seen before. */
  add(stateKey: string): boolean {
    const key = `${this.h1}.${this.h2}|${stateKey}`;
    const list = this.seen.get(key);
    if (list === undefined) {
      this.seen.set(key, [this.bits.slice()]);
      return true;
    }
    for (const b of list) if (equal(b, this.bits)) return false;
    list.push(this.bits.slice());
    return true;
  }
}

function equal(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
