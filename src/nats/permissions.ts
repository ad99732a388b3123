// The NATS front-end's one permission check point: every PUB/HPUB and every SUB of a client
// whose principal carries permissions is decided here, with nats-server's rules (the subject
// lists are core's SubjectPermissions; what is per connection lives here: the reply subjects
// that allow_responses lets the client answer). A client without permissions has no
// ClientPermissions at all, so the connection skips the check with one null test and the
// allow-all hot path costs nothing.
import type { Principal } from '../core/security/principal.js';
import { SubjectPermissions } from '../core/security/subject-permissions.js';

/** nats-server's replyPermLimit and replyPruneTime: how often granted replies are swept. */
const REPLY_PRUNE_COUNT = 4096;
const REPLY_PRUNE_MS = 1_000;

/** A reply subject the client may publish to: when it was granted, how often it was used. */
interface ReplyGrant {
  granted: number;
  uses: number;
}

export class ClientPermissions {
  /** The decision point for a principal; null when it may do everything. */
  static of(principal: Principal): ClientPermissions | null {
    return principal.permissions === undefined ? null : new ClientPermissions(SubjectPermissions.of(principal.permissions));
  }

  /** Reply subjects of delivered messages (allow_responses); null when responses are not granted. */
  private readonly replies: Map<string, ReplyGrant> | null;
  private repliesSincePrune = 0;
  private lastReplyPrune = Date.now();

  private constructor(readonly rules: SubjectPermissions) {
    this.replies = rules.responses === undefined ? null : new Map();
  }

  /** Whether deliveries carrying a reply subject must be reported through replyReceived(). */
  get tracksReplies(): boolean {
    return this.replies !== null;
  }

  mayPublish(subject: string): boolean {
    if (!this.rules.restrictsPublish || this.rules.publishAllowed(subject)) return true;
    return this.replies !== null && this.useReply(subject);
  }

  maySubscribe(subject: string, queue: string | undefined): boolean {
    return this.rules.subscribeAllowed(subject, queue);
  }

  /** The filter a new subscription's deliveries must pass, or null when none can be denied. */
  deliveryFilter(subject: string, queue: string | undefined): SubjectPermissions | null {
    return this.rules.filtersDelivery(subject, queue) ? this.rules : null;
  }

  /** A message with a reply subject was delivered to the client: it may answer it. */
  replyReceived(reply: string): void {
    const replies = this.replies;
    if (replies === null) return;
    // As nats-server: only replies the lists do not allow already are tracked (and this check
    // counts as a use of a reply that is already granted).
    if (this.mayPublish(reply)) return;
    const now = Date.now();
    replies.set(reply, { granted: now, uses: 0 });
    if (++this.repliesSincePrune > REPLY_PRUNE_COUNT || now - this.lastReplyPrune > REPLY_PRUNE_MS) this.pruneReplies(now);
  }

  private useReply(subject: string): boolean {
    const grant = this.replies!.get(subject);
    if (grant === undefined) return false;
    const { maxMsgs, expiresMs } = this.rules.responses!;
    grant.uses++;
    if ((maxMsgs > 0 && grant.uses > maxMsgs) || (expiresMs > 0 && Date.now() - grant.granted > expiresMs)) {
      this.replies!.delete(subject);
      return false;
    }
    return true;
  }

  private pruneReplies(now: number): void {
    const { maxMsgs, expiresMs } = this.rules.responses!;
    for (const [reply, grant] of this.replies!) {
      if ((maxMsgs > 0 && grant.uses >= maxMsgs) || (expiresMs > 0 && now - grant.granted > expiresMs)) this.replies!.delete(reply);
    }
    this.repliesSincePrune = 0;
    this.lastReplyPrune = now;
  }
}
