// Sources and mirrors between streams of this server (docs/jetstream.md 1.12): one internal
// reader per source, reading the origin stream from a cursor and appending to the target
// through its own append path (indexed like publishes, never fanned out to core subscribers).
//
// - A mirror keeps the origin's sequences: origin gaps (deleted sequences, a first sequence
//   above 1) become filler batches in the target, which JetStream counts as deleted and Kafka
//   consumers step over. Mirrored messages keep the origin's times (the mirror's topic is
//   CreateTime). Its subject transforms apply (an object store mirrored under another
//   bucket name rewrites $O.<origin bucket>.> to $O.<mirror bucket>.>).
// - A source appends with new sequences, its subject transforms applied, the origin's
//   Nats-Stream-Source and Nats-Expected-* headers dropped and a Nats-Stream-Source header
//   "<origin> <origin seq> <filter> <dest> <original subject> <ident>" added (nats-server's 2.10
//   form), so the cursor can be found again from the target itself.
//
// The origin is found by the registry (`lookup`): a stream of the same account by name, or, for a
// source or mirror with an `external` API prefix, the stream of the account that prefix reaches
// through the account's imports (jetstream/external-origins.ts); while there is none the reader
// waits, as nats-server's source retries its consumer create.
//
// A source or mirror with `consumer: { name, deliver_subject }` (ADR-60) is no reader of the
// origin's log: durable-sources.ts takes that consumer's deliveries instead (docs/jetstream.md 1.28).
//
// The cursor (last origin sequence appended) is recorded in __jetstream_state after each batch
// is durable; on start it is the larger of that record and what the target's last sourced
// message says, so a crash between the two appends nothing twice.
import type { Logger } from '../../log.js';
import type { Router, SubscriptionOwner } from '../routing/router.js';
import { DurableSource } from './durable-sources.js';
import type { ExtraHeader } from './record-codec.js';
import type { StreamStateStore } from './state-topic.js';
import type { Stream } from './stream-view.js';
import { subjectFilter } from './subject-filter.js';
import { startTimeMs } from './go-duration.js';
import { SubjectTransformer } from './transform.js';
import type { StreamSource, SubjectFilter } from './types.js';

const BATCH = 256;
const IDLE_POLL_MS = 1_000;

/** The header fields of a stored header block, in order. */
export function headerFields(hdr: Buffer): ExtraHeader[] {
  if (hdr.length === 0) return [];
  const out: ExtraHeader[] = [];
  const lines = hdr.toString('latin1').split('\r\n');
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.length === 0) continue;
    const c = l.indexOf(':');
    if (c <= 0) continue;
    out.push([l.slice(0, c).trim(), l.slice(c + 1).trim()]);
  }
  return out;
}

/** A source's or mirror's subject transforms applied to an origin subject: the first that matches, else the subject as it is. */
function transformed(r: Reader, subject: string): string {
  for (const t of r.transforms) {
    const to = t.apply(subject);
    if (to !== null) return to;
  }
  return subject;
}

interface Reader {
  origin: string;
  source: StreamSource;
  mirror: boolean;
  filter: SubjectFilter | null;
  transforms: SubjectTransformer[];
  /** "<filter> <dest>" of the source header. */
  iname: string;
  cursor: number;
  startSeq: number;
  startTime: string | undefined;
  wake: (() => void) | null;
}

/** The Router of the target's account, for sources through a durable consumer (durable-sources.ts). */
export interface SourcingWire {
  readonly router: Router;
  readonly owner: SubscriptionOwner;
}

export class StreamSourcing {
  private readonly readers: Reader[] = [];
  /** Sources and a mirror through a durable consumer of the origin (ADR-60). */
  private readonly durable: DurableSource[] = [];
  private running = false;
  private readonly log: Logger;

  constructor(
    private readonly target: Stream,
    private readonly lookup: (src: StreamSource) => Stream | undefined,
    private readonly state: StreamStateStore,
    logger: Logger,
    wire?: SourcingWire,
  ) {
    this.log = logger.child({ stream: target.name, component: 'sources' });
    const cfg = target.config;
    const add = (src: StreamSource, mirror: boolean): void => {
      const r = this.reader(src, mirror);
      if (src.consumer === undefined) {
        this.readers.push(r);
        return;
      }
      if (wire === undefined) {
        this.log.error({ origin: src.name }, 'a source through a durable consumer needs the router: not started');
        return;
      }
      this.durable.push(
        new DurableSource(
          {
            target,
            router: wire.router,
            owner: wire.owner,
            state,
            logger: this.log,
            lookup,
            headerFields,
            transformed: (subject) => transformed(r, subject),
            iname: r.iname,
          },
          src,
          mirror,
          r.cursor,
        ),
      );
    };
    if (cfg.mirror !== undefined) add(cfg.mirror, true);
    for (const s of cfg.sources ?? []) add(s, false);
  }

  private reader(src: StreamSource, mirror: boolean): Reader {
    const ts = src.subject_transforms ?? [];
    const transforms: SubjectTransformer[] = [];
    for (const t of ts) {
      const c = SubjectTransformer.compile(t.src, t.dest || '>');
      if (c instanceof SubjectTransformer) transforms.push(c);
    }
    const filters = ts.length > 0 ? ts.map((t) => t.src || '>') : src.filter_subject ? [src.filter_subject] : [];
    const srcPart = ts.length > 0 ? ts.map((t) => t.src || '>').join('\f') : src.filter_subject || '>';
    const destPart = ts.length > 0 ? ts.map((t) => t.dest || '>').join('\f') : '>';
    const recorded = this.state.records(this.target.topicId).sources.get(src.name) ?? 0;
    return {
      origin: src.name,
      source: src,
      mirror,
      filter: subjectFilter(filters),
      transforms,
      iname: `${srcPart} ${destPart}`,
      cursor: recorded,
      startSeq: src.opt_start_seq ?? 0,
      startTime: src.opt_start_time,
      wake: null,
    };
  }

  get active(): boolean {
    return this.readers.length > 0 || this.durable.length > 0;
  }

  /** Starts every reader (after the target's recovery). */
  start(): void {
    if (this.running || !this.active) return;
    this.running = true;
    for (const d of this.durable) d.start();
    for (const r of this.readers) {
      r.cursor = Math.max(r.cursor, this.cursorFromTarget(r));
      this.target.sourcing.cursors.set(r.origin, r.cursor);
      void this.pump(r).catch((err: unknown) => this.log.error({ err, origin: r.origin }, 'source reader stopped'));
    }
  }

  /** Wakes the readers of an origin (it appended, or it was created). */
  poke(origin: string): void {
    for (const r of this.readers) if (r.origin === origin) r.wake?.();
  }

  stop(): void {
    this.running = false;
    for (const r of this.readers) r.wake?.();
    for (const d of this.durable) d.stop();
  }

  /** The last origin sequence the target holds, from the target itself. */
  private cursorFromTarget(r: Reader): number {
    if (r.mirror) return this.target.lastSeq;
    return 0;
  }

  private async idle(r: Reader, origin: Stream | undefined): Promise<void> {
    await new Promise<void>((resolve) => {
      const off = origin?.onChange((ev) => {
        if (ev.kind === 'appended' || ev.kind === 'deleted') done();
      });
      const t = setTimeout(() => done(), IDLE_POLL_MS);
      t.unref();
      const done = (): void => {
        clearTimeout(t);
        off?.();
        r.wake = null;
        resolve();
      };
      r.wake = done;
    });
  }

  private async pump(r: Reader): Promise<void> {
    while (this.running) {
      const origin = this.lookup(r.source);
      if (origin === undefined) {
        await this.idle(r, undefined);
        continue;
      }
      let from = r.cursor + 1;
      if (r.cursor === 0) {
        if (r.startSeq > 0) from = r.startSeq;
        else if (r.startTime !== undefined) from = await origin.seqForTime(startTimeMs(r.startTime));
      }
      const msgs: Array<{ subject: string; headers: ExtraHeader[]; data: Buffer; time?: number }> = [];
      let last = r.cursor;
      for (let seq = origin.nextSeq(from, r.filter); seq !== 0 && msgs.length < BATCH; seq = origin.nextSeq(seq + 1, r.filter)) {
        const m = await origin.get(seq);
        if (m === null) continue;
        if (r.mirror) {
          // Keep the origin's sequences: a filler takes the ones the origin does not have.
          const gap = seq - (this.target.lastSeq + 1) - msgs.length;
          if (gap > 0) {
            if (msgs.length > 0) {
              this.target.appendInternal(msgs.splice(0));
            }
            this.target.appendFiller(seq - this.target.lastSeq - 1);
          }
          msgs.push({ subject: transformed(r, m.subject), headers: headerFields(m.hdr), data: m.data, time: m.time });
        } else {
          const subject = transformed(r, m.subject);
          const headers = headerFields(m.hdr).filter(([k]) => k !== 'Nats-Stream-Source' && !k.startsWith('Nats-Expected-') && !k.startsWith('Nats-Batch-'));
          headers.push(['Nats-Stream-Source', `${r.origin} ${seq} ${r.iname} ${m.subject} ${this.target.topicId.slice(0, 8)}`]);
          msgs.push({ subject, headers, data: m.data });
        }
        last = seq;
      }
      if (last === r.cursor) {
        // Nothing matched past the cursor: skip to the origin's end, then wait for appends.
        const end = origin.durableSeq;
        if (r.mirror && end > this.target.lastSeq && origin.nextSeq(from, r.filter) === 0 && end >= from) {
          this.target.appendFiller(end - this.target.lastSeq);
          await this.target.settled();
          r.cursor = end;
          this.target.sourcing.cursors.set(r.origin, end);
        }
        this.target.sourcing.active.set(r.origin, Date.now());
        this.target.sourcing.lags.set(r.origin, 0);
        await this.idle(r, origin);
        continue;
      }
      if (msgs.length > 0) this.target.appendInternal(msgs);
      await this.target.settled();
      r.cursor = last;
      this.target.sourcing.cursors.set(r.origin, last);
      this.target.sourcing.active.set(r.origin, Date.now());
      this.target.sourcing.lags.set(r.origin, origin.count(last + 1, r.filter, false));
      await this.state.setSourceCursor(this.target.topicId, r.origin, last).catch((err: unknown) => this.log.warn({ err }, 'recording the source cursor failed'));
    }
  }
}
