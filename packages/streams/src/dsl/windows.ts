// Window definitions, with Kafka Streams' semantics: time windows (tumbling when advance equals
// size, hopping otherwise) are [start, start + size) aligned to the epoch; sliding windows are
// [t - timeDifference, t] around records; session windows merge records closer than the
// inactivity gap; join windows bound the time difference of two joined records. Every kind has a
// grace period: a record later than window end + grace (in stream time) is dropped.
import { TopologyError } from '../errors.js';
import type { Window } from '../state/api.js';

export class TimeWindows {
  private constructor(
    readonly sizeMs: number,
    readonly advanceMs: number,
    readonly graceMs: number,
  ) {}

  static ofSizeWithNoGrace(sizeMs: number): TimeWindows {
    return TimeWindows.ofSizeAndGrace(sizeMs, 0);
  }

  static ofSizeAndGrace(sizeMs: number, graceMs: number): TimeWindows {
    if (!(sizeMs > 0)) throw new TopologyError('Window size (sizeMs) must be larger than zero.');
    if (!(graceMs >= 0)) throw new TopologyError('Grace period must not be negative.');
    return new TimeWindows(sizeMs, sizeMs, graceMs);
  }

  /** Hopping windows: a new window every advanceMs (0 < advance <= size). */
  advanceBy(advanceMs: number): TimeWindows {
    if (!(advanceMs > 0 && advanceMs <= this.sizeMs)) throw new TopologyError(`Window advancement interval should be more than zero and less than window duration which is ${this.sizeMs} ms, but given advancement interval is: ${advanceMs} ms`);
    return new TimeWindows(this.sizeMs, advanceMs, this.graceMs);
  }

  /** Windows containing the timestamp, by start time. */
  windowsFor(timestamp: number): Window[] {
    const out: Window[] = [];
    let start = Math.floor(Math.max(0, timestamp - this.sizeMs + this.advanceMs) / this.advanceMs) * this.advanceMs;
    while (start <= timestamp) {
      out.push({ start, end: start + this.sizeMs });
      start += this.advanceMs;
    }
    return out;
  }

  /** How long the window store keeps a window by default: size + grace, as Kafka Streams. */
  retentionMs(): number {
    return this.sizeMs + this.graceMs;
  }
}

export class SlidingWindows {
  private constructor(
    readonly timeDifferenceMs: number,
    readonly graceMs: number,
  ) {}

  static ofTimeDifferenceWithNoGrace(timeDifferenceMs: number): SlidingWindows {
    return SlidingWindows.ofTimeDifferenceAndGrace(timeDifferenceMs, 0);
  }

  static ofTimeDifferenceAndGrace(timeDifferenceMs: number, graceMs: number): SlidingWindows {
    if (!(timeDifferenceMs >= 0)) throw new TopologyError('Window time difference must not be negative.');
    if (!(graceMs >= 0)) throw new TopologyError('Window grace period must not be negative.');
    return new SlidingWindows(timeDifferenceMs, graceMs);
  }

  retentionMs(): number {
    return this.timeDifferenceMs * 2 + this.graceMs;
  }
}

export class SessionWindows {
  private constructor(
    readonly inactivityGapMs: number,
    readonly graceMs: number,
  ) {}

  static ofInactivityGapWithNoGrace(inactivityGapMs: number): SessionWindows {
    return SessionWindows.ofInactivityGapAndGrace(inactivityGapMs, 0);
  }

  static ofInactivityGapAndGrace(inactivityGapMs: number, graceMs: number): SessionWindows {
    if (!(inactivityGapMs > 0)) throw new TopologyError('Gap time cannot be zero or negative.');
    if (!(graceMs >= 0)) throw new TopologyError('Grace period must not be negative.');
    return new SessionWindows(inactivityGapMs, graceMs);
  }

  retentionMs(): number {
    return this.inactivityGapMs + this.graceMs;
  }
}

export class JoinWindows {
  private constructor(
    readonly beforeMs: number,
    readonly afterMs: number,
    readonly graceMs: number,
  ) {}

  static ofTimeDifferenceWithNoGrace(timeDifferenceMs: number): JoinWindows {
    return JoinWindows.ofTimeDifferenceAndGrace(timeDifferenceMs, 0);
  }

  static ofTimeDifferenceAndGrace(timeDifferenceMs: number, graceMs: number): JoinWindows {
    if (!(timeDifferenceMs >= 0)) throw new TopologyError('timeDifference must not be negative.');
    if (!(graceMs >= 0)) throw new TopologyError('Grace period must not be negative.');
    return new JoinWindows(timeDifferenceMs, timeDifferenceMs, graceMs);
  }

  /** A record of the other stream joins when its time is in [t - before, t + after]. */
  before(beforeMs: number): JoinWindows {
    return new JoinWindows(beforeMs, this.afterMs, this.graceMs);
  }

  after(afterMs: number): JoinWindows {
    return new JoinWindows(this.beforeMs, afterMs, this.graceMs);
  }

  sizeMs(): number {
    return this.beforeMs + this.afterMs;
  }

  retentionMs(): number {
    return this.sizeMs() + this.graceMs;
  }
}
