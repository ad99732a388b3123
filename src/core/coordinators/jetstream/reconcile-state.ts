// A durable consumer's saved state checked against its stream when both are recovered at start.
// A stream can come back shorter than its consumers remember: a torn tail cut from its log after
// a crash, or damage that truncated it (docs/storage.md "Recovery"). Its next messages then take
// the sequences the cut gave back (a sequence is an offset + 1, and the log's offsets stay
// contiguous), so a consumer resuming after its saved delivered sequence would never deliver
// them. nats-server (2.14 on, consumer.go reconcileStateWithStream) handles the same case for
// its R1 consumers, and this is its rule on Wharf's snapshot form (docs/jetstream.md, "A stream
// shorter than its consumers"):
//   - only when the last delivered stream sequence is past the stream's last sequence L, and the
//     consumer has delivered something (a start past L that nothing was delivered from is the
//     consumer's config: opt_start_seq may name a sequence not stored yet);
//   - when the ack floor is past L too, it comes down to L, and every pending and
//     redelivery entry goes (they name messages that are no longer there);
//   - otherwise the pending (and over-max-deliver) entries past L go;
//   - the delivered pair then becomes the highest pending entry's (its messages after it are
//     delivered again: at least once), or, with nothing pending, the ack floor's.
// The consumer sequence is not set back further than nats-server sets it.
import type { ConsumerSnapshot } from './consumer-state-store.js';

/**
 * The state a consumer resumes from when its stream's last sequence is `lastSeq`, or null when
 * the saved state is not ahead of the stream (nothing to change).
 */
export function reconcileWithStream(s: ConsumerSnapshot, lastSeq: number): ConsumerSnapshot | null {
  // A consumer that never delivered (consumer sequence 0) is where it was created: a start past
  // the stream's end is its config's (opt_start_seq may name a sequence not stored yet).
  if (s.delivered.sseq <= lastSeq || s.delivered.cseq === 0) return null;
  const lowest = s.pending.length > 0 ? s.pending[0]! : null;
  let floorStream = lowest === null ? s.delivered.sseq : lowest[0] - 1;
  let floorConsumer = lowest === null ? s.delivered.cseq : lowest[1] - 1;
  let pending = s.pending;
  let exceeded = s.exceeded;
  if (floorStream > lastSeq) {
    floorStream = lastSeq;
    floorConsumer = s.delivered.cseq;
    pending = [];
    exceeded = [];
  }
  pending = pending.filter(([sseq]) => sseq <= lastSeq);
  exceeded = exceeded.filter(([sseq]) => sseq <= lastSeq);
  let delivered: ConsumerSnapshot['delivered'];
  if (pending.length === 0) delivered = { cseq: Math.max(0, floorConsumer), sseq: Math.max(0, floorStream) };
  else {
    let sseq = 0;
    let cseq = 0;
    for (const [ps, pc] of pending) {
      sseq = Math.max(sseq, ps);
      cseq = Math.max(cseq, pc);
    }
    delivered = { cseq, sseq };
  }
  return { ...s, delivered, pending, exceeded };
}
