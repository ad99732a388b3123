// CONSUMER.MSG.NEXT: pull requests. The body is a JSApiConsumerGetNextRequest, a plain number
// (a batch size that waits without expiry) or empty (one message); a bad body is
// `400 Bad Request - <Go's error>`. Each request gets a sink that writes its deliveries to the
// request's reply subject (stream subject on the MSG line, the ack subject as reply) and its
// statuses with nats-server's texts and Nats-Pending-Messages / Nats-Pending-Bytes headers.
// A request to a consumer that does not exist gets no-responders (the route declines it), as
// from nats-server, whose MSG.NEXT subscription is per consumer.
import type { ConsumerCoordinator } from '../../core/coordinators/jetstream/consumer-coordinator.js';
import type { Delivery, PullRequest, PullSink } from '../../core/coordinators/jetstream/consumer-types.js';
import type { Router } from '../../core/routing/router.js';
import type { ApiRoute } from '../api-table.js';
import type { DeliveryWriter } from '../deliveries.js';
import { decodeGo } from '../json.js';
import { GET_NEXT_REQUEST } from '../consumer-json.js';

export class PullReplySink implements PullSink {
  constructor(
    private readonly router: Router,
    private readonly writer: DeliveryWriter,
    private readonly reply: string,
    private readonly ackPrefix: string,
  ) {}

  size(d: Delivery): number {
    return this.writer.size(this.ackPrefix, d, d.msg.subject.length);
  }

  message(d: Delivery): void {
    this.writer.send(this.reply, this.ackPrefix, d);
  }

  status(code: number, description: string, pending?: { msgs: number; bytes: number }): void {
    const fields: Array<[string, string]> = pending === undefined ? [] : [
      ['Nats-Pending-Messages', String(pending.msgs)],
      ['Nats-Pending-Bytes', String(pending.bytes)],
    ];
    this.writer.status(this.reply, undefined, code, description, fields);
  }

  heartbeat(lastConsumerSeq: number, lastStreamSeq: number): void {
    this.writer.status(this.reply, undefined, 100, 'Idle Heartbeat', [
      ['Nats-Last-Consumer', String(lastConsumerSeq)],
      ['Nats-Last-Stream', String(lastStreamSeq)],
    ]);
  }

  hasInterest(): boolean {
    return this.router.hasInterest(this.reply);
  }
}

export type PullRequestParse = { ok: true; req: Omit<PullRequest, 'sink'> } | { ok: false; error: string };

/** Decodes a pull request body as nats-server's nextReqFromMsg does. */
export function parsePullRequest(body: Buffer): PullRequestParse {
  const text = body.toString('utf8').trim();
  const base = { batch: 1, maxBytes: 0, expires: 0n, noWait: false, heartbeat: 0n };
  if (text.length === 0) return { ok: true, req: base };
  if (text[0] !== '{') {
    // A plain number is a batch size; anything else is one message.
    if (/^[+-]?\d+$/.test(text)) return { ok: true, req: { ...base, batch: Number(text) } };
    return { ok: true, req: base };
  }
  const d = decodeGo(text, GET_NEXT_REQUEST, { strict: false });
  if (!d.ok) return { ok: false, error: d.error };
  const v = d.value;
  const req: Omit<PullRequest, 'sink'> = {
    batch: typeof v.batch === 'number' ? v.batch : 0,
    maxBytes: typeof v.max_bytes === 'number' ? v.max_bytes : 0,
    expires: typeof v.expires === 'bigint' ? v.expires : 0n,
    noWait: v.no_wait === true,
    heartbeat: typeof v.idle_heartbeat === 'bigint' ? v.idle_heartbeat : 0n,
  };
  if (typeof v.group === 'string') req.group = v.group;
  if (typeof v.id === 'string') req.id = v.id;
  if (typeof v.min_pending === 'number') req.minPending = v.min_pending;
  if (typeof v.min_ack_pending === 'number') req.minAckPending = v.min_ack_pending;
  if (typeof v.priority === 'number') req.priority = v.priority;
  return { ok: true, req };
}

/** The ack subject prefix of a consumer's deliveries. */
export function ackPrefix(stream: string, consumer: string): string {
  return `$JS.ACK.${stream}.${consumer}.`;
}

export function pullRoute(co: ConsumerCoordinator, router: Router, writer: DeliveryWriter): ApiRoute {
  return {
    pattern: 'CONSUMER.MSG.NEXT.*.*',
    type: 'consumer_getnext_response',
    concurrent: true,
    counted: false,
    accepts: (tokens) => co.consumer(tokens[3]!, tokens[4]!) !== undefined,
    handle(req) {
      const reply = req.reply;
      if (reply === undefined) return;
      const stream = req.tokens[3]!;
      const name = req.tokens[4]!;
      const c = co.consumer(stream, name);
      if (c === undefined) return;
      const sink = new PullReplySink(router, writer, reply, ackPrefix(stream, name));
      const p = parsePullRequest(req.data);
      if (!p.ok) {
        sink.status(400, `Bad Request - ${p.error}`);
        return;
      }
      c.pull({ ...p.req, sink });
    },
  };
}
