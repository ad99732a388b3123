// The delivery state of one partition for one share group (KIP-932): which records are in
// flight, who holds them and until when, how often each was delivered. Records below the
// share-partition start offset (SPSO) are done; records at or after the end offset were never
// acquired; the window between is tracked per offset in typed arrays (no object per record),
// bounded by share.partition.max.record.locks.
//   AVAILABLE    may be acquired (again)
//   ACQUIRED     held by one member until it acknowledges or its acquisition lock expires
//   ACKNOWLEDGED accepted: never delivered again
//   ARCHIVED     rejected, a gap, a control record, an aborted transaction's record, or
//                delivered as often as the delivery count limit allows
// The SPSO moves over every leading ACKNOWLEDGED/ARCHIVED offset. The state has no I/O: the
// share group coordinator reads the log, persists snapshots and answers clients.

export const RecordState = { AVAILABLE: 0, ACQUIRED: 1, ACKNOWLEDGED: 2, ARCHIVED: 4 } as const;
export type RecordStateValue = (typeof RecordState)[keyof typeof RecordState];

/** Acknowledge types on the wire and in the core: 0 gap, 1 accept, 2 release, 3 reject, 4 renew. */
export const AckType = { GAP: 0, ACCEPT: 1, RELEASE: 2, REJECT: 3, RENEW: 4 } as const;

export interface AcquiredRange {
  firstOffset: number;
  lastOffset: number;
  deliveryCount: number;
}

/** A persisted run of offsets in one state: [firstOffset, lastOffset, state, deliveryCount]. */
export type StateBatch = [number, number, number, number];

export interface SharePartitionLimits {
  lockDurationMs: number;
  deliveryCountLimit: number;
  maxInFlight: number;
}

const NO_OWNER = -1;

export class SharePartition {
  /** Share-partition start offset: everything below is done. */
  startOffset: number;
  /** First offset never acquired. */
  endOffset: number;
  /** Bumped when the state is reset by an administrator (AlterShareGroupOffsets). */
  stateEpoch: number;
  private state = new Uint8Array(64);
  private count = new Uint16Array(64);
  private deadline = new Float64Array(64);
  private owner = new Int32Array(64);
  private readonly members: string[] = [];
  private acquiredCount = 0;

  constructor(startOffset: number, stateEpoch = 0) {
    this.startOffset = startOffset;
    this.endOffset = startOffset;
    this.stateEpoch = stateEpoch;
  }

  /** Restores a persisted snapshot. */
  static restore(startOffset: number, stateEpoch: number, batches: readonly StateBatch[]): SharePartition {
    const sp = new SharePartition(startOffset, stateEpoch);
    for (const [first, last, st, dc] of batches) {
      if (last < sp.startOffset) continue;
      const from = Math.max(first, sp.startOffset);
      if (from > sp.endOffset) sp.extendTo(from);
      sp.extendTo(last + 1);
      for (let o = from; o <= last; o++) {
        const i = o - sp.startOffset;
        // An acquisition does not survive a restart: the record is available again.
        sp.state[i] = st === RecordState.ACQUIRED ? RecordState.AVAILABLE : st;
        sp.count[i] = dc;
      }
    }
    sp.advance();
    return sp;
  }

  get inFlight(): number {
    return this.endOffset - this.startOffset;
  }

  get acquired(): number {
    return this.acquiredCount;
  }

  private ensure(n: number): void {
    if (n <= this.state.length) return;
    let cap = this.state.length;
    while (cap < n) cap *= 2;
    const grow = <T extends Uint8Array | Uint16Array | Float64Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.state = grow(this.state, (k) => new Uint8Array(k));
    this.count = grow(this.count, (k) => new Uint16Array(k));
    this.deadline = grow(this.deadline, (k) => new Float64Array(k));
    this.owner = grow(this.owner, (k) => new Int32Array(k));
  }

  /** Extends the window to `end` with never-delivered AVAILABLE offsets. */
  private extendTo(end: number): void {
    if (end <= this.endOffset) return;
    const from = this.endOffset - this.startOffset;
    const to = end - this.startOffset;
    this.ensure(to);
    this.state.fill(RecordState.AVAILABLE, from, to);
    this.count.fill(0, from, to);
    this.deadline.fill(0, from, to);
    this.owner.fill(NO_OWNER, from, to);
    this.endOffset = end;
  }

  private memberIndex(memberId: string): number {
    let i = this.members.indexOf(memberId);
    if (i < 0) {
      i = this.members.indexOf('');
      if (i < 0) i = this.members.push(memberId) - 1;
      else this.members[i] = memberId;
    }
    return i;
  }

  /** The first offset that may be acquired now: an AVAILABLE one in the window, else the end. */
  nextAcquirable(): number {
    const n = this.endOffset - this.startOffset;
    for (let i = 0; i < n; i++) if (this.state[i] === RecordState.AVAILABLE) return this.startOffset + i;
    return this.endOffset;
  }

  /**
   * Acquires the offsets [first, last] of one batch that may be acquired, for `memberId`, and
   * appends the ranges to `out`. `archive` marks a batch nobody may get (a control batch, an
   * aborted transaction's batch). At most `max` records (the record_limit acquire mode; the
   * default acquires the batch whole). Returns the number of records acquired.
   */
  acquireBatch(memberId: string, first: number, last: number, archive: boolean, now: number, limits: SharePartitionLimits, out: AcquiredRange[], max = Number.MAX_SAFE_INTEGER): number {
    if (last < this.startOffset) return 0;
    const from = Math.max(first, this.startOffset);
    if (last >= this.endOffset) {
      // New records join the window only up to its bound (share.partition.max.record.locks).
      const cap = this.startOffset + limits.maxInFlight - 1;
      if (from >= this.endOffset && this.endOffset > cap) return 0;
      if (last > cap) last = Math.max(cap, this.endOffset - 1);
      this.extendTo(last + 1);
    }
    const who = this.memberIndex(memberId);
    const until = now + limits.lockDurationMs;
    let acquired = 0;
    // A range may continue the previous batch's (consecutive offsets, same delivery count).
    let run: AcquiredRange | null = out.length > 0 ? out[out.length - 1]! : null;
    for (let o = from; o <= last && acquired < max; o++) {
      const i = o - this.startOffset;
      if (this.state[i] !== RecordState.AVAILABLE) {
        run = null;
        continue;
      }
      if (archive) {
        this.state[i] = RecordState.ARCHIVED;
        run = null;
        continue;
      }
      const dc = this.count[i]! + 1;
      this.count[i] = dc;
      this.state[i] = RecordState.ACQUIRED;
      this.deadline[i] = until;
      this.owner[i] = who;
      acquired++;
      if (run !== null && run.lastOffset === o - 1 && run.deliveryCount === dc) run.lastOffset = o;
      else {
        run = { firstOffset: o, lastOffset: o, deliveryCount: dc };
        out.push(run);
      }
    }
    this.acquiredCount += acquired;
    if (archive) this.advance();
    return acquired;
  }

  /**
   * Applies one acknowledgement batch of `memberId`: one type for the range or one per offset.
   * Every offset must be ACQUIRED by the member, else nothing changes and the answer is
   * INVALID_RECORD_STATE. Returns null on success.
   */
  acknowledge(memberId: string, first: number, last: number, types: readonly number[], now: number, limits: SharePartitionLimits): 'INVALID_RECORD_STATE' | 'INVALID_REQUEST' | null {
    if (last < first || types.length === 0 || (types.length !== 1 && types.length !== last - first + 1)) return 'INVALID_REQUEST';
    for (const t of types) if (t < AckType.GAP || t > AckType.RENEW) return 'INVALID_REQUEST';
    // Offsets below the start offset are done already: acknowledging them again changes nothing.
    if (last < this.startOffset) return null;
    const skip = Math.max(0, this.startOffset - first);
    const who = this.members.indexOf(memberId);
    if (last >= this.endOffset || who < 0) return 'INVALID_RECORD_STATE';
    first += skip;
    for (let o = first; o <= last; o++) {
      const i = o - this.startOffset;
      if (this.state[i] !== RecordState.ACQUIRED || this.owner[i] !== who) return 'INVALID_RECORD_STATE';
    }
    for (let o = first; o <= last; o++) {
      const i = o - this.startOffset;
      const t = types.length === 1 ? types[0]! : types[o - first + skip]!;
      if (t === AckType.RENEW) {
        this.deadline[i] = now + limits.lockDurationMs;
        continue;
      }
      this.acquiredCount--;
      this.owner[i] = NO_OWNER;
      if (t === AckType.ACCEPT) this.state[i] = RecordState.ACKNOWLEDGED;
      else if (t === AckType.RELEASE) this.state[i] = this.count[i]! >= limits.deliveryCountLimit ? RecordState.ARCHIVED : RecordState.AVAILABLE;
      else this.state[i] = RecordState.ARCHIVED; // reject, gap
    }
    this.advance();
    return null;
  }

  /** Releases what `memberId` holds (it left or closed its session). Returns how many. */
  releaseMember(memberId: string, limits: SharePartitionLimits): number {
    const who = this.members.indexOf(memberId);
    if (who < 0) return 0;
    let n = 0;
    const size = this.endOffset - this.startOffset;
    for (let i = 0; i < size; i++) {
      if (this.state[i] === RecordState.ACQUIRED && this.owner[i] === who) {
        this.state[i] = this.count[i]! >= limits.deliveryCountLimit ? RecordState.ARCHIVED : RecordState.AVAILABLE;
        this.owner[i] = NO_OWNER;
        n++;
      }
    }
    this.acquiredCount -= n;
    this.members[who] = '';
    if (n > 0) this.advance();
    return n;
  }

  /** Ends the acquisition locks that expired by `now`. Returns how many. */
  expireLocks(now: number, limits: SharePartitionLimits): number {
    if (this.acquiredCount === 0) return 0;
    let n = 0;
    const size = this.endOffset - this.startOffset;
    for (let i = 0; i < size; i++) {
      if (this.state[i] === RecordState.ACQUIRED && this.deadline[i]! <= now) {
        this.state[i] = this.count[i]! >= limits.deliveryCountLimit ? RecordState.ARCHIVED : RecordState.AVAILABLE;
        this.owner[i] = NO_OWNER;
        n++;
      }
    }
    this.acquiredCount -= n;
    if (n > 0) this.advance();
    return n;
  }

  /** The earliest acquisition deadline, or null when nothing is acquired. */
  nextDeadline(): number | null {
    if (this.acquiredCount === 0) return null;
    let min = Number.POSITIVE_INFINITY;
    const size = this.endOffset - this.startOffset;
    for (let i = 0; i < size; i++) if (this.state[i] === RecordState.ACQUIRED && this.deadline[i]! < min) min = this.deadline[i]!;
    return min === Number.POSITIVE_INFINITY ? null : min;
  }

  /** Moves the start offset to `offset` (log start moved past it, or an administrator set it). */
  moveStartTo(offset: number): void {
    if (offset <= this.startOffset) return;
    if (offset >= this.endOffset) {
      this.startOffset = offset;
      this.endOffset = offset;
      this.acquiredCount = 0;
      return;
    }
    const drop = offset - this.startOffset;
    for (let i = 0; i < drop; i++) if (this.state[i] === RecordState.ACQUIRED) this.acquiredCount--;
    this.shift(drop);
  }

  private shift(drop: number): void {
    const size = this.endOffset - this.startOffset;
    this.state.copyWithin(0, drop, size);
    this.count.copyWithin(0, drop, size);
    this.deadline.copyWithin(0, drop, size);
    this.owner.copyWithin(0, drop, size);
    this.startOffset += drop;
  }

  private advance(): void {
    const size = this.endOffset - this.startOffset;
    let i = 0;
    while (i < size && (this.state[i] === RecordState.ACKNOWLEDGED || this.state[i] === RecordState.ARCHIVED)) i++;
    if (i > 0) this.shift(i);
  }

  /** State of one offset (tests and describe). */
  stateOf(offset: number): { state: number; deliveryCount: number } | null {
    if (offset < this.startOffset || offset >= this.endOffset) return null;
    const i = offset - this.startOffset;
    return { state: this.state[i]!, deliveryCount: this.count[i]! };
  }

  /** Records in [startOffset, highWatermark) not yet acknowledged or archived (the lag). */
  lag(highWatermark: number): number {
    let done = 0;
    const size = this.endOffset - this.startOffset;
    for (let i = 0; i < size; i++) if (this.state[i] === RecordState.ACKNOWLEDGED || this.state[i] === RecordState.ARCHIVED) done++;
    return Math.max(0, highWatermark - this.startOffset - done);
  }

  /**
   * The window as persisted runs: ACQUIRED is stored as AVAILABLE with its delivery count (an
   * acquisition does not survive a restart; the count does). Never-delivered AVAILABLE runs
   * at the end are left out.
   */
  snapshot(): StateBatch[] {
    const out: StateBatch[] = [];
    const size = this.endOffset - this.startOffset;
    let last = size;
    while (last > 0 && this.state[last - 1] === RecordState.AVAILABLE && this.count[last - 1] === 0) last--;
    let run: StateBatch | null = null;
    for (let i = 0; i < last; i++) {
      const st = this.state[i] === RecordState.ACQUIRED ? RecordState.AVAILABLE : this.state[i]!;
      const dc = this.count[i]!;
      const o = this.startOffset + i;
      if (run !== null && run[2] === st && run[3] === dc && run[1] === o - 1) run[1] = o;
      else {
        run = [o, o, st, dc];
        out.push(run);
      }
    }
    return out;
  }
}
