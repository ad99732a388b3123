// Counter CRDTs (ADR-49, nats-server 2.12): on an `allow_msg_counter` stream every publish is
// an increment, `Nats-Incr: <signed integer>` with an empty payload, and the stream stores the
// subject's new total as the payload `{"val":"<total>"}` (arbitrary precision: bigint) and
// answers `{"stream","seq","val":"<total>"}`. The total is the last message of the subject plus
// the increment; nats-server reads that message from its store, Wharf's publish path is
// synchronous, so this file keeps the value of every live message of a counter stream in
// memory (by sequence; the stream drops entries as messages leave), learned from its own
// publishes, from Kafka appends and, at start, from a read of the stream.
//
// Also here: the checks of the increment header in nats-server's order (server/stream.go
// processJetStreamMsg): not an integer or combined with a rollup or an expected-* header (10171),
// not allowed (10168), a payload (10170), missing on a counter stream (10169), a last value that
// is not a counter (10172).
import { jsError } from './api-errors.js';
import type { HeaderScan } from './record-codec.js';
import type { JsApiError, StreamConfig } from './types.js';

export const INCR = 'Nats-Incr';

/** A value Go's big.Int SetString(s, 10) accepts: an optional sign and decimal digits. */
export function parseIncrement(v: string): bigint | null {
  return /^[+-]?\d+$/.test(v) ? BigInt(v) : null;
}

/**
 * The increment of a publish, or its refusal, or null when it carries none (which a counter
 * stream then refuses, after the other header checks: `missing`).
 */
export function checkIncrement(cfg: StreamConfig, scan: HeaderScan | null, dataLen: number): bigint | JsApiError | null {
  const raw = scan?.get(INCR);
  if (raw === undefined || raw === '' || scan === null) return null;
  const incr = parseIncrement(raw);
  if (incr === null) return jsError('JSMessageIncrInvalidErr');
  if (!cfg.allow_msg_counter) return jsError('JSMessageIncrDisabledErr');
  if (dataLen > 0) return jsError('JSMessageIncrPayloadErr');
  const nonEmpty = (name: string): boolean => {
    const v = scan.get(name);
    return v !== undefined && v !== '';
  };
  const isSequence = (name: string): boolean => {
    const v = scan.get(name);
    return v !== undefined && /^\d+$/.test(v);
  };
  if (
    nonEmpty('Nats-Rollup') ||
    nonEmpty('Nats-Expected-Stream') ||
    nonEmpty('Nats-Expected-Last-Msg-Id') ||
    nonEmpty('Nats-Expected-Last-Subject-Sequence-Subject') ||
    isSequence('Nats-Expected-Last-Sequence') ||
    isSequence('Nats-Expected-Last-Subject-Sequence')
  ) {
    return jsError('JSMessageIncrInvalidErr');
  }
  return incr;
}

/** The total in a stored counter payload (`{"val":"<n>"}`), or null when it is none (a broken counter). */
export function counterValueOf(payload: Buffer | null): bigint | null {
  if (payload === null || payload.length === 0) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload.toString('utf8'));
  } catch {
    return null;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  const v = (parsed as { val?: unknown }).val;
  if (v === undefined) return 0n;
  if (typeof v !== 'string') return null;
  return parseIncrement(v) ?? 0n;
}

/** The payload of a total. */
export function counterPayload(total: bigint): Buffer {
  return Buffer.from(`{"val":"${total.toString()}"}`, 'latin1');
}

/** `Nats-Counter-Sources`: the last total seen from each origin stream and subject. */
export type CounterSources = Record<string, Record<string, string>>;
export const COUNTER_SOURCES = 'Nats-Counter-Sources';

/** The sources of a stored header value, or null when there is none or it is not one. */
export function parseCounterSources(v: string | undefined): CounterSources | null {
  if (v === undefined || v === '') return null;
  try {
    const o = JSON.parse(v) as unknown;
    return o !== null && typeof o === 'object' && !Array.isArray(o) ? (o as CounterSources) : null;
  } catch {
    return null;
  }
}

/** Go's json.Marshal of the sources map: keys sorted at both levels, compact. */
function formatCounterSources(s: CounterSources): string {
  const out: CounterSources = {};
  for (const stream of Object.keys(s).sort()) {
    const inner: Record<string, string> = {};
    for (const subj of Object.keys(s[stream]!).sort()) inner[subj] = s[stream]![subj]!;
    out[stream] = inner;
  }
  return JSON.stringify(out);
}

/**
 * A sourced message arriving on a counter stream (nats-server's sourcing of counters): its
 * payload is the origin's total; the stored message adds to this stream's total the change of
 * that origin subject since the last total seen from it, with `Nats-Incr` rewritten to that change
 * and `Nats-Counter-Sources` to the totals seen. Null when the payload is no counter value.
 */
export function aggregateSourced(
  subject: string,
  headers: ReadonlyArray<readonly [string, string]>,
  data: Buffer,
  prevTotal: bigint,
  prevSources: CounterSources | null,
): { headers: Array<[string, string]>; data: Buffer; total: bigint; sources: CounterSources } | null {
  const src = headers.find(([k]) => k === 'Nats-Stream-Source')?.[1];
  const sourced = counterValueOf(data);
  if (src === undefined || sourced === null) return null;
  const fields = src.split(' ');
  const origStream = fields[0] ?? '';
  const origSubject = fields.length >= 5 ? fields[4]! : subject;
  const sources: CounterSources = {};
  for (const [k, v] of Object.entries(prevSources ?? {})) sources[k] = { ...v };
  const previous = parseIncrement(sources[origStream]?.[origSubject] ?? '0') ?? 0n;
  (sources[origStream] ??= {})[origSubject] = sourced.toString();
  const incr = sourced - previous;
  const total = prevTotal + incr;
  const out: Array<[string, string]> = [];
  let hadIncr = false;
  for (const [k, v] of headers) {
    if (k === COUNTER_SOURCES) continue;
    if (k === INCR) {
      if (!hadIncr) out.push([k, incr.toString()]);
      hadIncr = true;
      continue;
    }
    out.push([k, v]);
  }
  if (!hadIncr) out.push([INCR, incr.toString()]);
  out.push([COUNTER_SOURCES, formatCounterSources(sources)]);
  return { headers: out, data: counterPayload(total), total, sources };
}

/** The totals of the live messages of a counter stream, by sequence (null: not a counter value), and their sources. */
export class CounterValues {
  private readonly bySeq = new Map<number, bigint | null>();
  private readonly sourcesBySeq = new Map<number, CounterSources>();

  clear(): void {
    this.bySeq.clear();
    this.sourcesBySeq.clear();
  }

  setSources(seq: number, sources: CounterSources | null): void {
    if (sources === null) this.sourcesBySeq.delete(seq);
    else this.sourcesBySeq.set(seq, sources);
  }

  sourcesAt(seq: number): CounterSources | null {
    return this.sourcesBySeq.get(seq) ?? null;
  }

  set(seq: number, total: bigint | null): void {
    this.bySeq.set(seq, total);
  }

  /** The total at `seq` (0 for no message), null for a broken one, undefined when unknown. */
  at(seq: number): bigint | null | undefined {
    if (seq === 0) return 0n;
    return this.bySeq.get(seq);
  }

  /** Forgets sequences at and after `seq` (an append rolled back). */
  dropFrom(seq: number): void {
    for (const s of [...this.bySeq.keys()]) if (s >= seq) this.bySeq.delete(s);
    for (const s of [...this.sourcesBySeq.keys()]) if (s >= seq) this.sourcesBySeq.delete(s);
  }

  /** Messages left the stream: everything below `first`, and `seqs`. */
  removed(first: number, seqs: readonly number[]): void {
    for (const s of seqs) {
      this.bySeq.delete(s);
      this.sourcesBySeq.delete(s);
    }
    for (const s of this.sourcesBySeq.keys()) {
      if (s >= first) break;
      this.sourcesBySeq.delete(s);
    }
    // Sequences are inserted in ascending order (appends and the start's read), so the oldest come first.
    for (const s of this.bySeq.keys()) {
      if (s >= first) break;
      this.bySeq.delete(s);
    }
  }
}
