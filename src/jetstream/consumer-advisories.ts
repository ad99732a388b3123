// Consumer advisories on $JS.EVENT.ADVISORY.CONSUMER.*, with nats-server's subjects, types and
// fields (captured: advisories, ack-protocol): created and deleted (consumer_action), pause,
// MSG_NAKED, MSG_TERMINATED, MAX_DELIVERIES, and the priority-group PINNED / UNPINNED ones.
// Each is built only when somebody listens on its subject (one sublist lookup otherwise).
import type { CoordinatorEvents } from '../core/coordinators/jetstream/consumer-coordinator.js';
import type { ReplyPath } from './reply.js';
import { goTime, parseRfc3339, type GoJson } from './json.js';
import { nuid } from './front-end.js';

const PREFIX = '$JS.EVENT.ADVISORY.CONSUMER.';
const TYPE = 'io.nats.jetstream.advisory.v1.';

export function consumerAdvisories(replies: ReplyPath, domain: string | undefined): CoordinatorEvents {
  const send = (what: string, stream: string, consumer: string, type: string, fields: { [key: string]: GoJson | undefined }): void => {
    const subject = `${PREFIX}${what}.${stream}.${consumer}`;
    if (!replies.hasInterest(subject)) return;
    replies.json(subject, { type: TYPE + type, id: nuid(), timestamp: goTime(Date.now()), stream, consumer, ...fields, domain: domain || undefined });
  };
  return {
    created: (s, c) => send('CREATED', s, c, 'consumer_action', { action: 'create' }),
    deleted: (s, c) => send('DELETED', s, c, 'consumer_action', { action: 'delete' }),
    paused: (s, c, paused, until) => send('PAUSE', s, c, 'consumer_pause', { paused, pause_until: until !== undefined && paused ? goTime(parseRfc3339(until) ?? 0) : undefined }),
    nak: (s, c, cseq, sseq, dc) => send('MSG_NAKED', s, c, 'nak', { consumer_seq: cseq, stream_seq: sseq, deliveries: dc }),
    terminated: (s, c, cseq, sseq, dc, reason) => send('MSG_TERMINATED', s, c, 'terminated', { consumer_seq: cseq, stream_seq: sseq, deliveries: dc, reason: reason || undefined }),
    maxDeliveries: (s, c, sseq, dc) => send('MAX_DELIVERIES', s, c, 'max_deliver', { stream_seq: sseq, deliveries: dc }),
    pinned: (s, c, group, pin) => send('PINNED', s, c, 'consumer_group_pinned', { group, pinned_id: pin }),
    unpinned: (s, c, group, reason) => send('UNPINNED', s, c, 'consumer_group_unpinned', { group, reason }),
  };
}
