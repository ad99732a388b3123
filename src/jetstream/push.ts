// Push consumers on the wire: deliveries to the deliver subject (one member of the queue group
// when the consumer has a deliver_group: the Router picks it), idle heartbeats
// (`NATS/1.0 100 Idle Heartbeat` with Nats-Last-Consumer / Nats-Last-Stream, and
// Nats-Consumer-Stalled while a flow-control request is unanswered), flow-control requests
// (`NATS/1.0 100 FlowControl Request` with reply `$JS.FC.<stream>.<consumer>.<token>`) and the
// clients' answers to them on `$JS.FC.>`. Interest in the deliver subject starts and stops
// delivery (push_bound).
import type { ConsumerCoordinator } from '../core/coordinators/jetstream/consumer-coordinator.js';
import type { Consumer } from '../core/coordinators/jetstream/consumer.js';
import type { Delivery, PushSink } from '../core/coordinators/jetstream/consumer-types.js';
import type { Router } from '../core/routing/router.js';
import type { StreamView } from '../core/streams/types.js';
import type { DeliveryWriter } from './deliveries.js';
import { ackPrefix } from './api/pull.js';
import { headerValue } from './front-end.js';

export const FLOW_CONTROL_PREFIX = '$JS.FC.';

export class PushTarget implements PushSink {
  private readonly prefix: string;
  private readonly fcPrefix: string;

  constructor(
    private readonly router: Router,
    private readonly writer: DeliveryWriter,
    stream: string,
    private readonly consumer: Consumer,
  ) {
    this.prefix = ackPrefix(stream, consumer.name);
    this.fcPrefix = `${FLOW_CONTROL_PREFIX}${stream}.${consumer.name}.`;
  }

  private get subject(): string {
    return this.consumer.config.deliver_subject ?? '';
  }

  size(d: Delivery): number {
    return this.writer.size(this.prefix, d, this.subject.length);
  }

  message(d: Delivery): void {
    this.writer.send(this.subject, this.prefix, d);
  }

  heartbeat(lastConsumerSeq: number, lastStreamSeq: number, stalledToken: string | undefined): void {
    const fields: Array<[string, string]> = [
      ['Nats-Last-Consumer', String(lastConsumerSeq)],
      ['Nats-Last-Stream', String(lastStreamSeq)],
    ];
    if (stalledToken !== undefined) fields.push(['Nats-Consumer-Stalled', this.fcPrefix + stalledToken]);
    this.writer.status(this.subject, undefined, 100, 'Idle Heartbeat', fields);
  }

  flowControl(token: string): void {
    this.writer.status(this.subject, this.fcPrefix + token, 100, 'FlowControl Request', []);
  }

  hasInterest(): boolean {
    const s = this.subject;
    return s !== '' && this.router.hasInterest(s);
  }

  watchInterest(fn: () => void): () => void {
    return this.router.watchInterest(this.subject, fn);
  }
}

export function pushSinkFactory(router: Router, writer: DeliveryWriter): (stream: StreamView, consumer: Consumer) => PushSink {
  return (stream, consumer) => new PushTarget(router, writer, stream.name, consumer);
}

/**
 * `$JS.FC.<stream>.<consumer>.<token>`: a client's answer to a flow-control request; its
 * Nats-Last-Stream / Nats-Last-Consumer headers acknowledge for ack_policy flow_control.
 */
export function onFlowControl(co: ConsumerCoordinator, subject: string, hdrLen = 0, msg?: Buffer): boolean {
  const t = subject.split('.');
  if (t.length < 5) return false;
  const c = co.consumer(t[2]!, t[3]!);
  if (c === undefined) return false;
  let lastStream = 0;
  let lastConsumer = 0;
  if (hdrLen > 0 && msg !== undefined && c.config.ack_policy === 'flow_control') {
    const hdr = msg.subarray(0, hdrLen);
    lastStream = Number(headerValue(hdr, 'Nats-Last-Stream') ?? 0) || 0;
    lastConsumer = Number(headerValue(hdr, 'Nats-Last-Consumer') ?? 0) || 0;
  }
  c.flowControlReply(t[t.length - 1]!, lastStream, lastConsumer);
  return true;
}
