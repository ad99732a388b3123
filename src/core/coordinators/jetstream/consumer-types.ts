// The surface of a JetStream consumer between the core and the front-end: what a delivery
// carries (the stream message, how often it was delivered, its consumer sequence, how many
// messages are left), where deliveries and statuses go (a pull request's sink, a push consumer's
// sink), what the consumer reports (info) and the events the front-end turns into advisories.
// No wire format here: the front-end builds ack subjects, header blocks and JSON from these.
import type { StoredMessage } from '../../streams/types.js';
import type { ConsumerConfig } from './consumer-config.js';

/**
 * One delivery. The consumer passes the same object for every delivery of a run, so a sink
 * must use it (and `msg`) during the call only.
 */
export interface Delivery {
  msg: StoredMessage;
  /** Times delivered, this one included. */
  deliveries: number;
  consumerSeq: number;
  /** Messages left for this consumer after this one (the last token of the ack subject). */
  pending: number;
  /** The pin id of a pinned_client priority group (the Nats-Pin-Id header), else undefined. */
  pinId: string | undefined;
  /** Whether only headers go out (headers_only: the payload's size in Nats-Msg-Size instead). */
  headersOnly: boolean;
}

/** The statuses a pull request ends or is told with (docs/jetstream.md 2.4). */
export interface PullSink {
  /**
   * The size this delivery takes of a request's max_bytes, as nats-server counts it: the
   * subject, the ack subject, the header block and the payload as sent.
   */
  size(d: Delivery): number;
  message(d: Delivery): void;
  /** A status: 404/408/409/423/400; with `pending`, the Nats-Pending-Messages/-Bytes headers. */
  status(code: number, description: string, pending?: { msgs: number; bytes: number }): void;
  /** 100 Idle Heartbeat with Nats-Last-Consumer and Nats-Last-Stream. */
  heartbeat(lastConsumerSeq: number, lastStreamSeq: number): void;
  /** Whether the request's reply subject still has a subscriber (nats-server drops requests without interest). */
  hasInterest(): boolean;
}

/** Where a push consumer delivers (its deliver subject, through the Router). */
export interface PushSink {
  /** The size of a delivery as flow control counts it: deliver subject, ack subject, headers, payload. */
  size(d: Delivery): number;
  message(d: Delivery): void;
  /** 100 Idle Heartbeat; with `stalled`, the pending flow-control subject (Nats-Consumer-Stalled). */
  heartbeat(lastConsumerSeq: number, lastStreamSeq: number, stalledToken: string | undefined): void;
  /** 100 FlowControl Request whose reply carries `token` ($JS.FC.<stream>.<consumer>.<token>). */
  flowControl(token: string): void;
  /** Whether the deliver subject has a subscriber now. */
  hasInterest(): boolean;
  /** Calls `fn` whenever interest in the deliver subject may have changed; returns the function that stops it. */
  watchInterest(fn: () => void): () => void;
}

/** A pull request as the front-end decoded it (CONSUMER.MSG.NEXT or +NXT). */
export interface PullRequest {
  batch: number;
  /** 0 = none. */
  maxBytes: number;
  /** ns; 0 = no expiry. */
  expires: bigint;
  noWait: boolean;
  /** ns; 0 = none. */
  heartbeat: bigint;
  group?: string;
  id?: string;
  minPending?: number;
  minAckPending?: number;
  priority?: number;
  sink: PullSink;
}

export type AckVerb =
  | { kind: 'ack' }
  | { kind: 'nak'; delayMs?: number }
  | { kind: 'progress' }
  | { kind: 'term'; reason: string }
  /** +NXT: acks, then the front-end sends the pull request. */
  | { kind: 'next' }
  /** A payload that is no verb: nothing changes (an AckSync of it is still confirmed). */
  | { kind: 'unknown' };

export interface SequenceInfo {
  consumer_seq: number;
  stream_seq: number;
  /** ms; undefined until something happened. */
  last_active?: number;
}

export interface PriorityGroupState {
  group: string;
  pinned_client_id?: string;
  /** ms; 0 = Go's zero time. */
  pinned_ts: number;
}

export interface ConsumerInfo {
  stream_name: string;
  name: string;
  /** ms */
  created: number;
  config: ConsumerConfig;
  delivered: SequenceInfo;
  ack_floor: SequenceInfo;
  num_ack_pending: number;
  num_redelivered: number;
  num_waiting: number;
  num_pending: number;
  push_bound?: boolean;
  paused?: boolean;
  /** ns */
  pause_remaining?: bigint;
  /** ms: when the info was taken. */
  ts: number;
  priority_groups?: PriorityGroupState[];
}

/** What a consumer tells the outside (the front-end publishes them as advisories when somebody listens). */
export interface ConsumerEvents {
  maxDeliveries(stream: string, consumer: string, streamSeq: number, deliveries: number): void;
  nak(stream: string, consumer: string, consumerSeq: number, streamSeq: number, deliveries: number): void;
  terminated(stream: string, consumer: string, consumerSeq: number, streamSeq: number, deliveries: number, reason: string): void;
  pinned(stream: string, consumer: string, group: string, pinId: string): void;
  unpinned(stream: string, consumer: string, group: string, reason: string): void;
}

export const NO_EVENTS: ConsumerEvents = {
  maxDeliveries: () => {},
  nak: () => {},
  terminated: () => {},
  pinned: () => {},
  unpinned: () => {},
};
