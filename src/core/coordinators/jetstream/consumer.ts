// One JetStream consumer: its delivery cursor, pending acknowledgements and redeliveries, the pull
// requests waiting on it or its push target, flow control, idle heartbeats, pause, priority groups
// (pinned client, overflow, prioritized), replay and rate limits, and num_pending — as
// nats-server v2.15.2's consumer behaves (server/consumer.go), with state changes journalled for
// the durable store (consumer-state-store.ts) when the consumer is durable.
//
// Deliveries run in a pump that wakes on events (new messages, a pull request, an ack that frees
// max_ack_pending, a redelivery falling due, interest in the deliver subject, a flow-control
// answer) and reads runs of messages with one StreamView.readMany each; every delivery goes
// synchronously to a sink that writes it through the Router into the receiver's outbound buffer,
// so one event's deliveries leave in one coalesced write, with no promise per message.
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../../log.js';
import type { StoredMessage, StreamEvent, StreamView, SubjectFilter } from '../../streams/types.js';
import { subjectFilter } from '../../streams/subject-filter.js';
import { startTimeMs } from '../../streams/go-duration.js';
import { filtersOf, goDuration, isPush, setStaticMetadata, type ConsumerConfig } from './consumer-config.js';
import type { ConsumerJournal, ConsumerSnapshot, JournalOwner } from './consumer-state-store.js';
import type { AckVerb, ConsumerEvents, ConsumerInfo, Delivery, PullRequest, PushSink } from './consumer-types.js';
import { PendingAcks } from './pending-acks.js';
import { WaitingQueue, type WaitingRequest } from './waiting-queue.js';

const NS_PER_MS = 1_000_000n;
/** What the reused delivery holds before its first message. */
const NO_MESSAGE: StoredMessage = Object.freeze({ seq: 0, subject: '', hdr: Buffer.alloc(0), data: Buffer.alloc(0), time: 0 });
/** Flow control: the window a push consumer may have outstanding (nats-server's JsFlowControlMaxPending). */
const FC_MAX_PENDING = 32 * 1024 * 1024;
/** Messages one scan may pass before the pump looks at its other work again. */
const RUN = 256;
/** nats-server fires the redelivery timer 1 ms after the due time, so bursts share a tick. */
const ACK_WAIT_DELAY = 1;

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
function randomId(n: number): string {
  let s = '';
  for (const b of randomBytes(n)) s += ALPHABET[b % 62];
  return s;
}

function ms(ns: bigint | undefined): number {
  return ns === undefined ? 0 : Number(ns / NS_PER_MS);
}

/** What the coordinator gives a consumer. */
export interface ConsumerHost {
  readonly stream: StreamView;
  readonly events: ConsumerEvents;
  readonly logger: Logger;
  /** The consumer's journal when it is durable (file stream, durable name, not mem_storage), else null. */
  readonly journal: ConsumerJournal | null;
  /** Acknowledgements that became durable (interest and work-queue retention); resolves once what they free is removed. */
  acked(c: Consumer, seqs: readonly number[]): Promise<void>;
  /** The consumer was inactive for its inactive_threshold: the coordinator deletes it. */
  inactive(c: Consumer): void;
}

/** Where a new consumer starts, or the state it recovers. */
export type ConsumerStart = { kind: 'new'; start: number; lpsResume?: number } | { kind: 'recovered'; start: number; state: ConsumerSnapshot | null; lpsResume?: number };

export class Consumer implements JournalOwner {
  config: ConsumerConfig;
  private filter: SubjectFilter | null;
  /** Next stream sequence to look at. */
  private sseq: number;
  /** Next consumer (delivery) sequence. */
  private dseq = 1;
  /** Stream sequence of the last delivery (reported as delivered.stream_seq). */
  private dlvSseq: number;
  private readonly acks = new PendingAcks();
  private ldt = 0;
  private lat = 0;
  private npc = 0;
  private npcDirty = true;
  private readonly waiting: WaitingQueue | null;
  private push: PushSink | null = null;
  private active = false;
  private unwatch: (() => void) | null = null;
  /** last_per_subject: the sequences still to deliver first, and where to go on afterwards. */
  private lss: number[] | null = null;
  private lssResume = 0;
  // Flow control.
  private pbytes = 0;
  private maxpb = 0;
  private fcToken: string | undefined;
  private fcsz = 0;
  // Priority groups.
  private pinId: string | undefined;
  private pinnedTs = 0;
  private pinTimer: NodeJS.Timeout | null = null;
  // Replay original and rate limit.
  private replayUntil = 0;
  private replayLastTs = 0;
  private replayLastAt = 0;
  private rateNextAt = 0;
  // Timers.
  private ackTimer: NodeJS.Timeout | null = null;
  private ackTimerAt = 0;
  private waitTimer: NodeJS.Timeout | null = null;
  private waitTimerAt = 0;
  private hbTimer: NodeJS.Timeout | null = null;
  private pauseTimer: NodeJS.Timeout | null = null;
  private inactiveTimer: NodeJS.Timeout | null = null;
  private delayTimer: NodeJS.Timeout | null = null;
  /** ms: last pull request or delivery (inactivity of pull consumers). */
  private lastActivity = Date.now();
  // Pump.
  private pumping = false;
  private pumpAgain = false;
  private kickQueued = false;
  private closed = false;
  /** The durable cursor of an ack-none consumer: deliveries up to it count as acknowledged for retention. */
  private durableDelivered = 0;
  private readonly unlisten: () => void;
  private readonly d: Delivery = { msg: NO_MESSAGE, deliveries: 1, consumerSeq: 0, pending: 0, pinId: undefined, headersOnly: false };

  constructor(
    private readonly host: ConsumerHost,
    readonly name: string,
    config: ConsumerConfig,
    readonly created: number,
    start: ConsumerStart,
  ) {
    this.config = config;
    this.filter = subjectFilter(filtersOf(config));
    this.sseq = start.start;
    this.dlvSseq = start.start - 1;
    this.d.headersOnly = config.headers_only === true;
    this.waiting = isPush(config) ? null : new WaitingQueue(config.max_waiting ?? 0, config.priority_policy === 'prioritized');
    if (start.kind === 'recovered' && start.state !== null) this.restore(start.state);
    if (config.deliver_policy === 'last_per_subject' && start.lpsResume !== undefined && start.lpsResume > 0) {
      const seqs = host.stream.lastSeqs(this.filter).filter((s) => s >= this.sseq && s <= start.lpsResume!);
      if (seqs.length > 0) {
        this.lss = seqs;
        this.lssResume = start.lpsResume;
      } else if (this.sseq <= start.lpsResume) {
        this.sseq = start.lpsResume + 1;
      }
    }
    if (config.replay_policy === 'original') this.replayUntil = host.stream.lastSeq;
    if (config.flow_control === true) this.maxpb = Math.max(1, Math.floor(FC_MAX_PENDING / 16));
    this.durableDelivered = this.dlvSseq;
    this.unlisten = host.stream.onChange((ev) => this.onStreamEvent(ev));
    this.schedulePause();
    this.armInactivity();
    if (this.acks.pending.size > 0) this.armAckTimer(Date.now());
  }

  get stream(): StreamView {
    return this.host.stream;
  }

  get isPull(): boolean {
    return this.waiting !== null;
  }

  get filters(): readonly string[] {
    return filtersOf(this.config);
  }

  /** Binds the push sink (push consumers); delivery starts when its subject has interest. */
  bindPush(sink: PushSink): void {
    this.push = sink;
    this.unwatch = sink.watchInterest(() => this.interestChanged());
    this.active = sink.hasInterest();
    // The first delivery waits for the next turn of the event loop: a new consumer's CREATE reply
    // is written first, in a socket write of its own (nats.go's Subscribe with a context waits
    // for that reply while its callback may cancel the context after some messages; messages
    // riding in the reply's write win that race: test/jetstream/push-create-order.test.ts).
    if (this.active) setImmediate(() => this.kick());
    this.armHeartbeat();
    this.armInactivity();
  }

  private interestChanged(): void {
    if (this.push === null || this.closed) return;
    const now = this.push.hasInterest();
    if (now === this.active) return;
    this.active = now;
    if (now) {
      this.lastActivity = Date.now();
      this.kick();
    }
    this.armInactivity();
  }

  // ------------------------------------------------------------------ stream events

  private onStreamEvent(ev: StreamEvent): void {
    if (this.closed) return;
    switch (ev.kind) {
      case 'appended':
        if (!this.npcDirty && this.lss === null && ev.first >= this.sseq) {
          if (this.filter === null) this.npc += ev.last - ev.first + 1;
          else {
            for (let s = ev.first; s <= ev.last; s++) {
              const subj = this.host.stream.subjectOf(s);
              if (subj !== null && this.filter.matches(subj)) this.npc++;
            }
          }
        } else {
          this.npcDirty = true;
        }
        this.kick();
        return;
      case 'removed': {
        this.npcDirty = true;
        let changed = this.acks.dropBelow(ev.firstSeq) > 0;
        for (const s of ev.seqs) {
          if (this.acks.pending.has(s) || this.acks.exceeded.has(s)) {
            this.acks.ack(s);
            changed = true;
          }
        }
        if (this.sseq < ev.firstSeq) {
          this.sseq = ev.firstSeq;
          if (this.dlvSseq < ev.firstSeq - 1) this.dlvSseq = ev.firstSeq - 1;
        }
        if (changed) this.kick();
        return;
      }
      case 'updated':
        this.npcDirty = true;
        return;
      case 'deleted':
        return;
    }
  }

  // ------------------------------------------------------------------ num_pending

  private numPending(): number {
    if (this.npcDirty) {
      const st = this.host.stream;
      if (this.lss !== null) this.npc = this.lss.length + (this.lssResume < st.lastSeq ? st.count(this.lssResume + 1, this.filter, false) : 0);
      else this.npc = this.sseq > st.lastSeq ? 0 : st.count(this.sseq, this.filter, false);
      this.npcDirty = false;
    }
    return this.npc < 0 ? 0 : this.npc;
  }

  // ------------------------------------------------------------------ pull requests

  /** A pull request (CONSUMER.MSG.NEXT, or +NXT). Statuses go to the request's sink. */
  pull(req: PullRequest): void {
    const sink = req.sink;
    if (this.closed) return;
    if (this.waiting === null) {
      sink.status(409, 'Consumer is push based');
      return;
    }
    const cfg = this.config;
    const batch = req.batch;
    if (req.heartbeat > 0n && req.heartbeat * 2n > req.expires) {
      sink.status(400, 'Bad Request - heartbeat value too large');
      return;
    }
    if ((cfg.max_batch ?? 0) > 0 && batch > cfg.max_batch!) {
      sink.status(409, `Exceeded MaxRequestBatch of ${cfg.max_batch}`);
      return;
    }
    if (req.expires > 0n && (cfg.max_expires ?? 0n) > 0n && req.expires > cfg.max_expires!) {
      sink.status(409, `Exceeded MaxRequestExpires of ${goDuration(cfg.max_expires!)}`);
      return;
    }
    if (req.maxBytes > 0 && (cfg.max_bytes ?? 0) > 0 && req.maxBytes > cfg.max_bytes!) {
      sink.status(409, `Exceeded MaxRequestMaxBytes of ${cfg.max_bytes}`);
      return;
    }
    const policy = cfg.priority_policy ?? 'none';
    const hasGroupFields = req.group !== undefined || req.id !== undefined || (req.minPending ?? 0) !== 0 || (req.minAckPending ?? 0) !== 0 || (req.priority ?? 0) !== 0;
    if (hasGroupFields) {
      if (((req.minPending ?? 0) !== 0 || (req.minAckPending ?? 0) !== 0) && policy !== 'overflow') {
        sink.status(400, 'Bad Request - Not a Overflow Priority consumer');
        return;
      }
      if ((req.id ?? '') !== '' && policy !== 'pinned_client') {
        sink.status(400, 'Bad Request - Not a Pinned Client Priority consumer');
        return;
      }
      if ((req.priority ?? 0) < 0 || (req.priority ?? 0) > 9) {
        sink.status(400, 'Bad Request - Priority must be between 0 and 9');
        return;
      }
    }
    if (policy !== 'none') {
      if (req.group === undefined || req.group === '') {
        sink.status(400, 'Bad Request - Priority Group missing');
        return;
      }
      if (!(cfg.priority_groups ?? []).includes(req.group)) {
        sink.status(400, 'Bad Request - Invalid Priority Group');
        return;
      }
      if (this.pinId !== undefined) {
        if (req.id === this.pinId) this.armPinTimer(req.group);
        else if ((req.id ?? '') !== '') {
          sink.status(423, 'Nats-Pin-Id mismatch');
          return;
        }
      }
    }
    const now = Date.now();
    this.lastActivity = now;
    const expires = req.expires > 0n ? now + ms(req.expires) : 0;
    if (req.noWait) {
      const msgs = this.numPending() + (this.acks.hasRedeliveries ? 1 : 0);
      if (msgs === 0 && expires === 0) {
        sink.status(404, 'No Messages');
        return;
      }
      if (msgs > 0 && msgs < this.waiting.batchPending()) {
        sink.status(408, 'Requests Pending');
        return;
      }
    }
    const hb = ms(req.heartbeat);
    const wr: WaitingRequest = {
      n: batch,
      b: req.maxBytes,
      d: 0,
      expires,
      hb,
      hbAt: hb > 0 ? now + hb : 0,
      noWait: req.noWait,
      group: req.group,
      pinId: req.id !== undefined && req.id !== '' ? req.id : undefined,
      minPending: req.minPending ?? 0,
      minAckPending: req.minAckPending ?? 0,
      priority: req.priority ?? 0,
      received: now,
      sink,
    };
    if (!this.waiting.add(wr)) {
      // With heartbeats the client waits for them instead of retrying in a hot loop.
      if (hb === 0) sink.status(409, 'Exceeded MaxWaiting');
      return;
    }
    this.armWaitTimer();
    this.armInactivity();
    this.kick();
  }

  /** Expires requests, sends their heartbeats, drops those without interest (nats-server's processWaiting). */
  private processWaiting(eos: boolean): void {
    const q = this.waiting;
    if (q === null || q.length === 0) return;
    const now = Date.now();
    for (const wr of [...q.all()]) {
      const expired = wr.expires > 0 && now >= wr.expires;
      if ((eos && wr.noWait) || expired) {
        if (expired) {
          wr.sink.status(408, 'Request Timeout', { msgs: wr.n, bytes: wr.b });
          q.remove(wr);
          continue;
        }
        if (wr.expires === 0 || wr.d > 0) {
          wr.sink.status(404, 'No Messages');
          q.remove(wr);
          continue;
        }
      }
      if (!wr.sink.hasInterest()) {
        q.remove(wr);
        continue;
      }
      if (wr.hbAt > 0 && now >= wr.hbAt) {
        wr.sink.heartbeat(this.dseq - 1, this.sseq - 1);
        wr.hbAt = now + wr.hb;
      }
    }
    this.armWaitTimer();
  }

  private armWaitTimer(): void {
    const q = this.waiting;
    if (q === null) return;
    let at = 0;
    for (const wr of q.all()) {
      if (wr.expires > 0 && (at === 0 || wr.expires < at)) at = wr.expires;
      if (wr.hbAt > 0 && (at === 0 || wr.hbAt < at)) at = wr.hbAt;
    }
    if (at === 0) {
      if (this.waitTimer !== null) clearTimeout(this.waitTimer);
      this.waitTimer = null;
      this.waitTimerAt = 0;
      return;
    }
    if (this.waitTimer !== null && this.waitTimerAt <= at) return;
    if (this.waitTimer !== null) clearTimeout(this.waitTimer);
    this.waitTimerAt = at;
    this.waitTimer = setTimeout(
      () => {
        this.waitTimer = null;
        this.waitTimerAt = 0;
        if (this.closed) return;
        this.processWaiting(false);
        this.armInactivity();
        this.kick();
      },
      Math.max(1, at - Date.now()),
    );
    this.waitTimer.unref?.();
  }

  /**
   * The waiting request that takes the next delivery (nats-server's nextWaiting), or null.
   * Requests that cannot take it are answered and removed on the way.
   */
  private pickRequest(d: Delivery, pendingBefore: number, now: number): WaitingRequest | null {
    const q = this.waiting!;
    const policy = this.config.priority_policy ?? 'none';
    const list = q.all();
    let i = 0;
    while (i < list.length) {
      const wr = list[i]!;
      if (wr.expires > 0 && now >= wr.expires) {
        wr.sink.status(408, 'Request Timeout', { msgs: wr.n, bytes: wr.b });
        q.remove(wr);
        continue;
      }
      let assigned = false;
      if (policy === 'pinned_client') {
        if (this.pinId === undefined) {
          if (wr.pinId === undefined) {
            this.assignPin(wr);
            assigned = true;
          } else {
            wr.sink.status(423, 'Nats-Wrong-Pin-Id', { msgs: wr.n, bytes: wr.b });
            q.remove(wr);
            continue;
          }
        } else if (wr.pinId !== this.pinId) {
          if (wr.pinId === undefined) {
            i++;
            continue;
          }
          wr.sink.status(423, 'Nats-Wrong-Pin-Id', { msgs: wr.n, bytes: wr.b });
          q.remove(wr);
          continue;
        }
        d.pinId = this.pinId;
      } else if (policy === 'overflow' && (wr.minPending > 0 || wr.minAckPending > 0)) {
        const ok = (wr.minPending > 0 && wr.minPending <= pendingBefore) || (wr.minAckPending > 0 && wr.minAckPending <= this.acks.pending.size);
        if (!ok) {
          i++;
          continue;
        }
      }
      if (wr.b > 0) {
        const sz = wr.sink.size(d);
        if (sz > wr.b) {
          wr.sink.status(409, 'Message Size Exceeds MaxBytes', { msgs: wr.n, bytes: wr.b });
          if (assigned) this.unassignPin();
          q.remove(wr);
          continue;
        }
      }
      if (!wr.sink.hasInterest()) {
        if (assigned) this.unassignPin();
        q.remove(wr);
        continue;
      }
      return wr;
    }
    return null;
  }

  // ------------------------------------------------------------------ priority groups

  private assignPin(wr: WaitingRequest): void {
    if (wr.group === undefined) return;
    this.pinId = randomId(22);
    this.pinnedTs = Date.now();
    wr.pinId = this.pinId;
    this.armPinTimer(wr.group);
    this.host.events.pinned(this.stream.name, this.name, wr.group, this.pinId);
  }

  private unassignPin(): void {
    this.pinId = undefined;
    this.pinnedTs = 0;
    if (this.pinTimer !== null) clearTimeout(this.pinTimer);
    this.pinTimer = null;
  }

  private armPinTimer(group: string): void {
    if (this.pinTimer !== null) clearTimeout(this.pinTimer);
    const ttl = ms(this.config.priority_timeout);
    if (ttl <= 0) return;
    this.pinTimer = setTimeout(() => {
      this.pinTimer = null;
      if (this.closed || this.pinId === undefined) return;
      this.unassignPin();
      this.host.events.unpinned(this.stream.name, this.name, group, 'timeout');
      this.kick();
    }, ttl);
    this.pinTimer.unref?.();
  }

  /** CONSUMER.UNPIN: false when the group is not one of the consumer's. */
  unpin(group: string): boolean {
    if (!(this.config.priority_groups ?? []).includes(group)) return false;
    if (this.pinId !== undefined) {
      this.unassignPin();
      this.host.events.unpinned(this.stream.name, this.name, group, 'admin');
      this.kick();
    }
    return true;
  }

  // ------------------------------------------------------------------ the pump

  private kick(): void {
    if (this.kickQueued || this.closed) return;
    this.kickQueued = true;
    queueMicrotask(() => {
      this.kickQueued = false;
      void this.pump();
    });
  }

  private async pump(): Promise<void> {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        await this.run();
      } while (this.pumpAgain && !this.closed);
    } catch (err) {
      this.host.logger.error({ err, stream: this.stream.name, consumer: this.name }, 'JetStream consumer delivery failed');
    } finally {
      this.pumping = false;
    }
  }

  private paused(now: number): boolean {
    const until = this.pauseUntilMs();
    return until > 0 && now < until;
  }

  private hasTarget(): boolean {
    if (this.push !== null) return this.active && (this.maxpb === 0 || this.pbytes <= this.maxpb);
    return this.waiting !== null && this.waiting.length > 0;
  }

  private atMaxAckPending(): boolean {
    const max = this.config.max_ack_pending ?? 0;
    return this.config.ack_policy !== 'none' && max > 0 && this.acks.pending.size >= max;
  }

  /** Delivers what can be delivered now. */
  private async run(): Promise<void> {
    const st = this.host.stream;
    let blockedByAckPending = false;
    for (;;) {
      if (this.closed || this.paused(Date.now()) || this.delayTimer !== null) return;
      if (this.waiting !== null) this.expireRequests();
      if (!this.hasTarget()) {
        // The last request may just have left: the inactivity clock runs again.
        if (this.inactiveTimer === null) this.armInactivity();
        return;
      }
      // Redeliveries first.
      if (this.acks.hasRedeliveries) {
        const seq = this.acks.nextRedelivery();
        if (!this.acks.pending.has(seq)) continue;
        const dc = this.acks.deliveryCount(seq) + 1;
        const max = this.config.max_deliver;
        if (max > 0 && dc > max) {
          this.exceed(seq, dc - 1);
          continue;
        }
        const m = await st.get(seq);
        if (this.closed) return;
        if (m === null) {
          // Removed from the stream meanwhile: nothing left to redeliver.
          this.resolve(seq);
          continue;
        }
        if (!this.acks.pending.has(seq)) continue;
        if (!this.offer(m, dc)) {
          this.acks.requeue(seq);
          return;
        }
        continue;
      }
      if (this.atMaxAckPending()) {
        blockedByAckPending = true;
        break;
      }
      if (this.lss !== null) {
        const seq = this.lss[0]!;
        const m = await st.get(seq);
        if (this.closed) return;
        if (this.lss === null || this.lss[0] !== seq) continue;
        if (m !== null && !this.offer(m, 1)) return;
        this.lss.shift();
        if (this.lss.length === 0) {
          this.lss = null;
          if (this.sseq <= this.lssResume) this.sseq = this.lssResume + 1;
          this.npcDirty = true;
        }
        continue;
      }
      // Nothing readable at or after the cursor (lastSeq may count appends still in flight: the
      // cursor stays, and their `appended` event wakes the pump).
      const next = st.nextSeq(this.sseq, this.filter);
      if (next === 0) break;
      let refused = false;
      // No waiting request could take the message (pinned to another client, below its overflow
      // thresholds, no interest left): looking again would find the same, so the pump stops until
      // an event (a new request, an unpin, an ack) kicks it. Looping here would never yield.
      let untaken = false;
      const budget = this.waiting !== null ? Math.min(RUN, Math.max(1, this.waiting.batchPending())) : RUN;
      const took = await st.readMany(next, this.filter, budget, (m) => {
        if (this.closed || !this.hasTarget() || this.atMaxAckPending() || this.acks.hasRedeliveries || m.seq < this.sseq) {
          refused = true;
          return false;
        }
        if (!this.paceAllows(m)) {
          refused = true;
          return false;
        }
        if (!this.offer(m, 1)) {
          refused = true;
          untaken = true;
          return false;
        }
        return true;
      });
      if (this.closed) return;
      if (refused) {
        if (this.atMaxAckPending()) blockedByAckPending = true;
        if (untaken || !this.hasTarget() || blockedByAckPending || this.delayTimer !== null) break;
        continue;
      }
      if (took === 0) break;
    }
    // Out of messages (or held by max_ack_pending): one-shot requests end here.
    if (this.waiting !== null) {
      this.processWaiting(!blockedByAckPending);
      if (this.inactiveTimer === null && this.waiting.length === 0) this.armInactivity();
    }
  }

  private expireRequests(): void {
    const q = this.waiting!;
    if (q.length === 0) return;
    const now = Date.now();
    for (const wr of [...q.all()]) {
      if (wr.expires > 0 && now >= wr.expires) {
        wr.sink.status(408, 'Request Timeout', { msgs: wr.n, bytes: wr.b });
        q.remove(wr);
      }
    }
  }

  /** Replay original and rate limit: whether `m` may go now (else a timer wakes the pump). */
  private paceAllows(m: StoredMessage): boolean {
    const now = Date.now();
    if (this.replayUntil > 0) {
      if (m.seq > this.replayUntil) this.replayUntil = 0;
      else if (this.replayLastTs > 0) {
        const due = this.replayLastAt + (m.time - this.replayLastTs);
        if (due - now > 1) {
          this.delay(due - now);
          return false;
        }
      }
    }
    const bps = this.config.rate_limit_bps ?? 0;
    if (bps > 0 && this.rateNextAt > now) {
      this.delay(this.rateNextAt - now);
      return false;
    }
    return true;
  }

  private delay(waitMs: number): void {
    if (this.delayTimer !== null) return;
    this.delayTimer = setTimeout(() => {
      this.delayTimer = null;
      this.kick();
    }, waitMs);
    this.delayTimer.unref?.();
  }

  /**
   * Offers one message to the consumer's target and, when taken, records the delivery. `dc` is
   * the delivery count this delivery has (1 for a first delivery).
   */
  private offer(m: StoredMessage, dc: number): boolean {
    const d = this.d;
    const first = dc === 1;
    const pendingBefore = this.numPending();
    d.msg = m;
    d.deliveries = dc;
    d.consumerSeq = this.dseq;
    d.pending = first ? Math.max(0, pendingBefore - 1) : pendingBefore;
    d.pinId = undefined;
    const now = Date.now();
    let wr: WaitingRequest | null = null;
    let size = 0;
    if (this.push !== null) {
      if (!this.active) return false;
      size = this.push.size(d);
    } else {
      wr = this.pickRequest(d, pendingBefore, now);
      if (wr === null) return false;
      if (wr.b > 0) size = wr.sink.size(d);
    }
    // Taken: record it.
    const dseq = this.dseq++;
    if (first) {
      this.npc--;
      if (m.seq >= this.sseq) this.sseq = m.seq + 1;
    }
    if (m.seq > this.dlvSseq) this.dlvSseq = m.seq;
    const tracked = this.config.ack_policy !== 'none';
    const count = this.acks.delivered(m.seq, dseq, now, m.subject, tracked);
    this.ldt = now;
    const j = this.host.journal;
    if (tracked) {
      if (j !== null) {
        j.dlv.push(m.seq, dseq, count, now);
        if (count === 1) j.subj.push(m.subject);
        j.touch();
      }
      this.armAckTimer(now);
    } else if (j !== null) {
      j.cur = [dseq, this.dlvSseq];
      j.touch();
    } else {
      this.durableDelivered = this.dlvSseq;
    }
    if (this.replayUntil > 0) {
      this.replayLastTs = m.time;
      this.replayLastAt = now;
    }
    if (wr !== null) {
      wr.sink.message(d);
      wr.n--;
      wr.d++;
      let done = wr.n <= 0;
      if (wr.b > 0) {
        wr.b -= size;
        if (wr.b <= 0) done = true;
      }
      if (done) {
        this.waiting!.remove(wr);
        if (wr.n <= 0 && wr.b > 0) wr.sink.status(409, 'Batch Completed', { msgs: 0, bytes: wr.b });
      } else {
        this.waiting!.toBack(wr);
        if (wr.hb > 0) wr.hbAt = now + wr.hb;
      }
      this.lastActivity = now;
    } else {
      const push = this.push!;
      push.message(d);
      if (this.maxpb > 0) {
        this.pbytes += size;
        if (this.fcToken === undefined && this.pbytes > this.maxpb / 2) this.sendFlowControl();
        // Acknowledged by flow control: at max_ack_pending a request goes out at once (nats-server's needFlowControl).
        else if (this.fcToken === undefined && this.config.ack_policy === 'flow_control' && this.atMaxAckPending()) this.sendFlowControl();
        else if (this.fcToken !== undefined && this.pbytes - this.fcsz >= this.maxpb) this.fcsz += size;
      }
      this.armHeartbeat();
    }
    const bps = this.config.rate_limit_bps ?? 0;
    if (bps > 0) this.rateNextAt = Math.max(now, this.rateNextAt) + ((size || m.data.length) * 8 * 1000) / bps;
    if (!tracked && this.host.journal === null && this.stream.config.retention !== 'limits') void this.host.acked(this, [m.seq]);
    return true;
  }

  // ------------------------------------------------------------------ flow control and heartbeats

  private sendFlowControl(): void {
    if (this.push === null) return;
    this.fcToken = randomId(4);
    this.fcsz = this.pbytes;
    this.push.flowControl(this.fcToken);
  }

  /**
   * The client answered the flow-control request with `token`. With ack_policy flow_control the
   * answer acknowledges (like an ack-all) up to the Nats-Last-Stream / Nats-Last-Consumer
   * sequences its headers carry (processFlowControl in nats-server 2.14).
   */
  flowControlReply(token: string, lastStreamSeq = 0, lastConsumerSeq = 0): void {
    if (token !== this.fcToken) return;
    if (this.maxpb < FC_MAX_PENDING) this.maxpb = Math.min(FC_MAX_PENDING, this.maxpb * 2);
    this.pbytes = Math.max(0, this.pbytes - this.fcsz);
    this.fcToken = undefined;
    this.fcsz = 0;
    if (this.config.ack_policy === 'flow_control' && lastStreamSeq > 0 && !this.closed) this.processAck(lastStreamSeq, Math.max(0, lastConsumerSeq));
    this.kick();
  }

  private armHeartbeat(): void {
    const hb = ms(this.config.idle_heartbeat);
    if (this.push === null || hb <= 0 || this.closed) return;
    if (this.hbTimer !== null) {
      this.hbTimer.refresh();
      return;
    }
    this.hbTimer = setInterval(() => {
      if (this.closed || this.push === null) return;
      if (this.active) {
        this.push.heartbeat(this.dseq - 1, this.sseq - 1, this.fcToken);
        // Acknowledged by flow control: an idle consumer asks too, so the ack floor moves up.
        if (this.config.ack_policy === 'flow_control' && this.acks.pending.size > 0 && this.fcToken === undefined) this.sendFlowControl();
      }
    }, hb);
    this.hbTimer.unref?.();
  }

  // ------------------------------------------------------------------ acknowledgements

  /**
   * An acknowledgement from the ack subject: stream sequence, consumer sequence and delivery
   * count as the subject carries them. `confirm`, when given, is called once the ack is durable
   * (the empty reply of an AckSync).
   */
  ack(sseq: number, dseq: number, dc: number, verb: AckVerb, confirm: ((ok: boolean) => void) | null): void {
    if (this.closed) {
      confirm?.(false);
      return;
    }
    // ack_policy flow_control takes no acks on the ack subject (nats-server does not subscribe it):
    // flow-control answers acknowledge.
    if (this.config.ack_policy === 'flow_control') {
      confirm?.(false);
      return;
    }
    const j = this.host.journal;
    let removal: Promise<void> | null = null;
    switch (verb.kind) {
      case 'ack':
      case 'next':
        removal = this.processAck(sseq, dseq);
        break;
      case 'term':
        removal = this.processAck(sseq, dseq);
        this.host.events.terminated(this.stream.name, this.name, dseq, sseq, dc, verb.reason);
        break;
      case 'nak': {
        const p = this.acks.pending.get(sseq);
        if (p === undefined || dseq <= this.floorConsumerSeq() || dseq >= this.dseq) break;
        this.host.events.nak(this.stream.name, this.name, dseq, sseq, dc);
        if (verb.delayMs !== undefined && verb.delayMs > 0) {
          const now = Date.now();
          p.ts = now - this.ackWaitFor(sseq) + verb.delayMs;
          if (j !== null) {
            j.ts.push(sseq, p.ts);
            j.touch();
          }
          this.armAckTimer(now, 10);
        } else {
          this.acks.enqueue(sseq);
          this.kick();
        }
        break;
      }
      case 'unknown':
        break;
      case 'progress': {
        const p = this.acks.pending.get(sseq);
        if (p === undefined) break;
        p.ts = Date.now();
        if (j !== null) {
          j.ts.push(sseq, p.ts);
          j.touch();
        }
        break;
      }
    }
    if (confirm !== null) {
      if (j !== null) j.whenDurable(confirm);
      else if (removal !== null) removal.then(() => confirm(true), () => confirm(false));
      else queueMicrotask(() => confirm(true));
    }
  }

  /** Applies an ack; for a consumer without journal, returns the retention removal it caused. */
  private processAck(sseq: number, dseq: number): Promise<void> | null {
    const policy = this.config.ack_policy;
    if (policy === 'none') return null;
    let removal: Promise<void> | null = null;
    const wasFull = this.atMaxAckPending();
    const j = this.host.journal;
    const now = Date.now();
    if (policy === 'explicit') {
      if (!this.acks.ack(sseq)) return null;
      this.lat = now;
      if (j !== null) {
        j.acks.push(sseq);
        j.lastAck = now;
        j.touch();
      } else {
        removal = this.host.acked(this, [sseq]);
      }
    } else {
      if (sseq <= this.floorStreamSeq() && dseq <= this.floorConsumerSeq()) return null;
      const removed: number[] = [];
      this.acks.ackUpTo(sseq, removed);
      this.lat = now;
      if (j !== null) {
        if (removed.length > 0) j.acks.push(...removed);
        j.ackAll = Math.max(j.ackAll, sseq);
        j.lastAck = now;
        j.touch();
      } else if (removed.length > 0) {
        removal = this.host.acked(this, removed);
      }
    }
    if (wasFull || this.acks.hasRedeliveries) this.kick();
    if (this.acks.pending.size === 0) this.disarmAckTimer();
    return removal;
  }

  /** A message that left the stream while pending: forget it. */
  private resolve(seq: number): void {
    this.acks.ack(seq);
  }

  private exceed(seq: number, deliveries: number): void {
    this.acks.exceed(seq);
    this.host.events.maxDeliveries(this.stream.name, this.name, seq, deliveries);
    const j = this.host.journal;
    if (j !== null) {
      j.max.push(seq);
      j.touch();
    } else {
      void this.host.acked(this, [seq]);
    }
  }

  private floorStreamSeq(): number {
    if (this.config.ack_policy === 'none') return this.dlvSseq;
    const low = this.acks.lowestUnresolved();
    return low === null ? this.dlvSseq : low.sseq - 1;
  }

  private floorConsumerSeq(): number {
    if (this.config.ack_policy === 'none') return this.dseq - 1;
    const low = this.acks.lowestUnresolved();
    return low === null ? this.dseq - 1 : low.dseq - 1;
  }

  /** ack_wait in ms, converted once per value (a BigInt division per delivery showed in profiles). */
  private ackWaitMs(): number {
    const ns = this.config.ack_wait;
    if (ns !== this.ackWaitNs || !this.ackWaitKnown) {
      this.ackWaitNs = ns;
      this.ackWaitKnown = true;
      this.ackWaitMsValue = ms(ns);
    }
    return this.ackWaitMsValue;
  }

  private ackWaitNs: bigint | undefined = undefined;
  private ackWaitKnown = false;
  private ackWaitMsValue = 0;

  private ackWaitFor(sseq: number): number {
    const backoff = this.config.backoff;
    if (backoff !== undefined && backoff.length > 0) {
      const i = Math.min(this.acks.deliveryCount(sseq) - 1, backoff.length - 1);
      return ms(backoff[Math.max(0, i)]);
    }
    return this.ackWaitMs();
  }

  private armAckTimer(now: number, inMs?: number): void {
    // ack_policy flow_control has no ack wait: what is pending waits for a flow-control answer
    // (or a CONSUMER.RESET by the sourcing stream), never for a redelivery timer.
    if (this.config.ack_policy === 'flow_control') return;
    const wait = inMs ?? this.ackWaitMs();
    const backoff = this.config.backoff;
    let first = wait;
    if (inMs === undefined && backoff !== undefined && backoff.length > 0) first = ms(backoff[0]);
    const at = now + Math.max(1, first) + ACK_WAIT_DELAY;
    if (this.ackTimer !== null && this.ackTimerAt <= at) return;
    this.disarmAckTimer();
    this.ackTimerAt = at;
    this.ackTimer = setTimeout(() => {
      this.ackTimer = null;
      this.ackTimerAt = 0;
      this.checkPending();
    }, at - now);
    this.ackTimer.unref?.();
  }

  private disarmAckTimer(): void {
    if (this.ackTimer !== null) clearTimeout(this.ackTimer);
    this.ackTimer = null;
    this.ackTimerAt = 0;
  }

  /** Redelivery: pending messages past their ack wait go to the redelivery queue (or over max_deliver). */
  private checkPending(): void {
    if (this.closed) return;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    const expired: number[] = [];
    const max = this.config.max_deliver;
    for (const [seq, p] of this.acks.pending) {
      const deadline = this.ackWaitFor(seq);
      const elapsed = now - p.ts;
      if (elapsed >= deadline) {
        if (this.acks.queued(seq)) continue;
        const dc = this.acks.deliveryCount(seq);
        if (max > 0 && dc >= max) expired.push(-seq);
        else expired.push(seq);
      } else if (deadline - elapsed < next) {
        next = deadline - elapsed;
      }
    }
    let queued = false;
    for (const s of expired) {
      if (s < 0) this.exceed(-s, this.acks.deliveryCount(-s));
      else {
        this.acks.enqueue(s);
        queued = true;
      }
    }
    if (queued || expired.length > 0) this.kick();
    if (this.acks.pending.size > 0 && Number.isFinite(next)) this.armAckTimer(now, next);
  }

  // ------------------------------------------------------------------ pause, reset, inactivity

  private pauseUntilMs(): number {
    const p = this.config.pause_until;
    if (p === undefined) return 0;
    const t = Date.parse(p);
    return Number.isFinite(t) ? t : 0;
  }

  /** Sets or clears pause_until (the config is replaced). Returns whether the consumer is paused now. */
  pause(untilIso: string | undefined): boolean {
    const cfg: ConsumerConfig = { ...this.config };
    if (untilIso === undefined) delete cfg.pause_until;
    else cfg.pause_until = untilIso;
    setStaticMetadata(cfg);
    this.config = cfg;
    this.schedulePause();
    this.kick();
    return this.paused(Date.now());
  }

  private schedulePause(): void {
    if (this.pauseTimer !== null) clearTimeout(this.pauseTimer);
    this.pauseTimer = null;
    const until = this.pauseUntilMs();
    const now = Date.now();
    if (until <= now) return;
    // setTimeout takes at most 2^31-1 ms; a far deadline is re-armed when that passes.
    const wait = Math.min(until - now, 0x7fffffff);
    this.pauseTimer = setTimeout(() => {
      this.pauseTimer = null;
      if (this.pauseUntilMs() > Date.now()) this.schedulePause();
      else this.kick();
    }, wait);
    this.pauseTimer.unref?.();
  }

  /** Replaces the config on an update (what may change was checked by the coordinator). */
  update(cfg: ConsumerConfig): void {
    const rebind = this.push !== null && cfg.deliver_subject !== this.config.deliver_subject;
    this.config = cfg;
    if (rebind) {
      // A push consumer moved to another deliver subject: follow that one's interest.
      this.unwatch?.();
      this.unwatch = this.push!.watchInterest(() => this.interestChanged());
      this.interestChanged();
    }
    this.filter = subjectFilter(filtersOf(cfg));
    this.d.headersOnly = cfg.headers_only === true;
    this.npcDirty = true;
    this.schedulePause();
    this.armInactivity();
    this.kick();
  }

  /**
   * CONSUMER.RESET: back to `seq` (0: the ack floor + 1). Returns the sequence it was reset to,
   * or an error text for invalid resets.
   */
  async reset(seq: number): Promise<number | string> {
    const cfg = this.config;
    let target = seq;
    if (target === 0) target = this.floorStreamSeq() + 1;
    else if (cfg.deliver_policy === 'all') {
      /* always allowed */
    } else if (cfg.deliver_policy === 'by_start_sequence') {
      if (target < (cfg.opt_start_seq ?? 0)) return 'below start seq';
    } else if (cfg.deliver_policy === 'by_start_time') {
      const t = startTimeMs(cfg.opt_start_time ?? '');
      const min = await this.stream.seqForTime(Number.isFinite(t) ? t : 0);
      if (target < min) return 'below start time';
    } else {
      return 'not allowed';
    }
    if (target <= 0) target = 1;
    this.acks.clear();
    this.lss = null;
    this.sseq = target;
    this.dseq = 1;
    this.dlvSseq = target - 1;
    this.ldt = 0;
    this.lat = 0;
    this.npcDirty = true;
    this.disarmAckTimer();
    const j = this.host.journal;
    if (j !== null) {
      j.snapshotWanted = true;
      j.touch();
    }
    this.kick();
    return target;
  }

  /** When the consumer was last active: its last request or delivery, or when its last waiting request left. */
  private lastActive(): number {
    return Math.max(this.lastActivity, this.waiting?.emptiedAt ?? 0);
  }

  /**
   * Pull consumers: activity is a waiting request or a recent one (the threshold counts from the
   * moment the last waiting request left, so a client re-pulling after an expiry keeps it); push:
   * interest in the deliver subject.
   */
  private armInactivity(): void {
    const threshold = ms(this.config.inactive_threshold);
    if (this.inactiveTimer !== null) clearTimeout(this.inactiveTimer);
    this.inactiveTimer = null;
    if (threshold <= 0 || this.closed) return;
    if (this.push !== null && this.active) return;
    if (this.waiting !== null && this.waiting.length > 0) return;
    const wait = Math.max(1, this.lastActive() + threshold - Date.now());
    this.inactiveTimer = setTimeout(() => {
      this.inactiveTimer = null;
      if (this.closed) return;
      if (this.push !== null && this.active) return;
      if (this.waiting !== null && this.waiting.length > 0) return;
      if (Date.now() - this.lastActive() < threshold) {
        this.armInactivity();
        return;
      }
      this.host.inactive(this);
    }, wait);
    this.inactiveTimer.unref?.();
  }

  // ------------------------------------------------------------------ state and info

  /** The sequence this consumer's durable acks cover for retention: whether `seq` (with `subject`) needs nothing more from it. */
  doneWith(seq: number, subject: string): boolean {
    if (this.filter !== null && !this.filter.matches(subject)) return true;
    const j = this.host.journal;
    if (this.config.ack_policy === 'none') return seq <= (j === null ? this.dlvSseq : this.durableDelivered);
    if (seq > this.dlvSseq || seq >= this.sseq) return false;
    if (this.acks.pending.has(seq)) return false;
    if (j !== null && (j.acks.includes(seq) || seq <= j.ackAll)) return false;
    return true;
  }

  /** Whether this consumer's filter takes `subject` (interest retention at append). */
  wants(subject: string): boolean {
    return this.filter === null || this.filter.matches(subject);
  }

  info(): ConsumerInfo {
    const now = Date.now();
    if (this.waiting !== null) this.processWaiting(false);
    const cfg = this.config;
    const st = this.host.stream;
    let np = this.numPending();
    if (this.sseq > st.lastSeq && this.lss === null) np = 0;
    const info: ConsumerInfo = {
      stream_name: st.name,
      name: this.name,
      created: this.created,
      config: cfg,
      delivered: { consumer_seq: this.dseq - 1, stream_seq: this.dlvSseq, ...(this.ldt > 0 ? { last_active: this.ldt } : {}) },
      ack_floor: { consumer_seq: this.floorConsumerSeq(), stream_seq: this.floorStreamSeq(), ...(this.lat > 0 ? { last_active: this.lat } : {}) },
      num_ack_pending: this.acks.pending.size,
      num_redelivered: cfg.max_deliver === 1 ? 0 : this.acks.redelivered,
      num_waiting: this.waiting?.length ?? 0,
      num_pending: np,
      ts: now,
    };
    if (this.push !== null && this.active) info.push_bound = true;
    const until = this.pauseUntilMs();
    if (until > now) {
      info.paused = true;
      info.pause_remaining = BigInt(until - now) * NS_PER_MS;
    }
    if ((cfg.priority_groups?.length ?? 0) > 0) {
      info.priority_groups = [{ group: cfg.priority_groups![0]!, ...(this.pinId !== undefined ? { pinned_client_id: this.pinId } : {}), pinned_ts: this.pinnedTs }];
    }
    return info;
  }

  /** Waits until every change journalled so far is durable (INFO after plain acks reflects them). */
  settled(): Promise<void> {
    const j = this.host.journal;
    if (j === null) return Promise.resolve();
    return new Promise((resolve) => j.whenDurable(() => resolve()));
  }

  snapshot(): ConsumerSnapshot {
    const pending: ConsumerSnapshot['pending'] = [];
    for (const [sseq, p] of this.acks.pending) pending.push([sseq, p.dseq, p.ts, this.acks.deliveryCount(sseq), p.subject]);
    const exceeded: ConsumerSnapshot['exceeded'] = [];
    for (const [sseq, dseq] of this.acks.exceeded) exceeded.push([sseq, dseq, this.acks.deliveryCount(sseq)]);
    return { delivered: { cseq: this.dseq - 1, sseq: this.dlvSseq }, pending, exceeded, lastDelivered: this.ldt, lastAck: this.lat };
  }

  private restore(s: ConsumerSnapshot): void {
    const st = this.host.stream;
    this.dseq = s.delivered.cseq + 1;
    this.dlvSseq = s.delivered.sseq;
    this.sseq = Math.max(s.delivered.sseq + 1, st.firstSeq);
    this.ldt = s.lastDelivered;
    this.lat = s.lastAck;
    const first = st.firstSeq;
    for (const [sseq, dseq, ts, dc, subject] of s.pending) {
      if (sseq < first) continue;
      this.acks.restore(sseq, dseq, ts, subject || (st.subjectOf(sseq) ?? ''), dc);
    }
    for (const [sseq, dseq, dc] of s.exceeded) {
      if (sseq < first) continue;
      this.acks.exceeded.set(sseq, dseq);
      if (dc > 1) this.acks.deliveries.set(sseq, dc);
    }
  }

  /** Called by the store once a commit holding this consumer's changes is durable. */
  durable(acks: readonly number[], _ackAllUpTo: number, deliveredUpTo: number): Promise<void> | void {
    const before = this.durableDelivered;
    if (deliveredUpTo > before) this.durableDelivered = deliveredUpTo;
    if (this.stream.config.retention === 'limits') return;
    if (this.config.ack_policy === 'none') {
      // Deliveries count as acknowledgements: what this commit made durable may now go.
      if (deliveredUpTo <= before) return;
      const seqs: number[] = [];
      for (let s = Math.max(before + 1, this.stream.firstSeq); s <= deliveredUpTo; s++) seqs.push(s);
      return seqs.length > 0 ? this.host.acked(this, seqs) : undefined;
    }
    if (acks.length > 0) return this.host.acked(this, acks);
  }

  /** The delivery that a pull run or push stream is at, for the coordinator's retention scan after an ack-none commit. */
  get deliveredSeq(): number {
    return this.dlvSseq;
  }

  /**
   * The broker is shutting down: every waiting pull request gets `409 Server Shutdown` with its
   * pending counts, as nats-server sends before it closes its connections (clients report
   * ErrServerShutdown and keep their consume running over the reconnect). Returns how many.
   */
  signalShutdown(): number {
    if (this.closed || this.waiting === null) return 0;
    const left = this.waiting.clear();
    for (const wr of left) wr.sink.status(409, 'Server Shutdown', { msgs: wr.n, bytes: wr.b });
    return left.length;
  }

  /** Stops everything: waiting requests get 409 Consumer Deleted when `deleted`. */
  close(deleted: boolean): void {
    if (this.closed) return;
    this.closed = true;
    this.unlisten();
    this.unwatch?.();
    for (const t of [this.ackTimer, this.waitTimer, this.pauseTimer, this.inactiveTimer, this.delayTimer, this.pinTimer]) if (t !== null) clearTimeout(t);
    if (this.hbTimer !== null) clearInterval(this.hbTimer);
    if (this.waiting !== null) {
      const left = this.waiting.clear();
      if (deleted) for (const wr of left) wr.sink.status(409, 'Consumer Deleted');
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
