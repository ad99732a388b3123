// JetStream advisories on $JS.EVENT.ADVISORY.> as nats-server publishes them (fixture
// advisories): the stream actions (created, updated, deleted) of streams changed by either
// protocol, built only when somebody listens (one sublist lookup otherwise). The consumers half
// publishes its own (consumer actions, pause, nak, terminated, max deliveries) through
// `publishAdvisory`.
import type { StreamRegistry } from '../core/streams/stream-registry.js';
import { nuid } from './front-end.js';
import type { GoJson } from './json.js';
import { goTime } from './json.js';
import type { ReplyPath } from './reply.js';

const PREFIX = '$JS.EVENT.ADVISORY';

/** Publishes an advisory `{type, id, timestamp, ...fields}` on `subject` when somebody listens. */
export function publishAdvisory(replies: ReplyPath, subject: string, type: string, fields: () => { [key: string]: GoJson | undefined }): void {
  if (!replies.hasInterest(subject)) return;
  replies.json(subject, { type: `io.nats.jetstream.advisory.v1.${type}`, id: nuid(), timestamp: goTime(Date.now()), ...fields() });
}

/** Follows the registry and sends the stream action advisories. Returns the function that stops. */
export function streamAdvisories(streams: StreamRegistry, replies: ReplyPath, domain: string | undefined): () => void {
  return streams.onChange((ev) => {
    const name = ev.stream.name;
    const [kind, action] = ev.kind === 'created' ? ['CREATED', 'create'] : ev.kind === 'updated' ? ['UPDATED', 'modify'] : ['DELETED', 'delete'];
    publishAdvisory(replies, `${PREFIX}.STREAM.${kind}.${name}`, 'stream_action', () => ({
      stream: name,
      action,
      domain: domain !== undefined && domain !== '' ? domain : undefined,
    }));
  });
}

/** `$JS.EVENT.ADVISORY.STREAM.BATCH_ABANDONED.<stream>`: an open atomic batch was dropped (timeout, gap, too large, unsupported). */
export function batchAbandonedAdvisory(replies: ReplyPath, stream: string, batch: string, reason: string, domain: string | undefined): void {
  publishAdvisory(replies, `${PREFIX}.STREAM.BATCH_ABANDONED.${stream}`, 'stream_batch_abandoned', () => ({
    stream,
    domain: domain !== undefined && domain !== '' ? domain : undefined,
    batch,
    reason,
  }));
}
