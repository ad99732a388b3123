// Share sessions (KIP-932): the broker remembers, per share group member, the partitions its
// ShareFetch requests named, so that later requests name only what changed (new partitions in
// Topics, dropped ones in ForgottenTopicsData). A session is opened by epoch 0, continued by
// the epoch the broker expects next (1, 2, ...; after 2^31-1 comes 1), and closed by epoch -1,
// which also releases every record the member still holds in the session's partitions.
// Errors: SHARE_SESSION_NOT_FOUND (no session for the member), INVALID_SHARE_SESSION_EPOCH (the
// wrong epoch), SHARE_SESSION_LIMIT_REACHED (the cache is full: group.share.max.share.sessions,
// 2000 in Kafka 4.4, sessions of members that left are removed with them).
// This module knows sessions; acquiring and acknowledging records is the core's.

export const SHARE_SESSION_CACHE_SLOTS = 2000;
export const SHARE_INITIAL_EPOCH = 0;
export const SHARE_FINAL_EPOCH = -1;
const MAX_INT32 = 0x7fffffff;

export function nextShareEpoch(epoch: number): number {
  return epoch === MAX_INT32 ? 1 : epoch + 1;
}

/** A partition of a session, by topic id (wire form) and the name it resolved to. */
export interface SessionPartition {
  topicId: string;
  topic: string | null;
  partition: number;
}

export class ShareSession {
  /** Partitions in the order they were added. */
  readonly partitions = new Map<string, SessionPartition>();
  /** The epoch the next request must carry. */
  epoch = nextShareEpoch(SHARE_INITIAL_EPOCH);
  /**
   * ShareFetch requests that fetched in this session: the partition a fetch asks first (the
   * round-robin rotation). Counted apart from the epoch, which ShareAcknowledge advances too.
   */
  fetches = 0;

  constructor(
    readonly groupId: string,
    readonly memberId: string,
  ) {}

  add(p: SessionPartition): void {
    const k = `${p.topicId}\u0000${p.partition}`;
    if (!this.partitions.has(k)) this.partitions.set(k, p);
  }

  remove(topicId: string, partition: number): SessionPartition | undefined {
    const k = `${topicId}\u0000${partition}`;
    const p = this.partitions.get(k);
    this.partitions.delete(k);
    return p;
  }
}

const sessionKey = (groupId: string, memberId: string): string => `${groupId}\u0000${memberId}`;

export class ShareSessionCache {
  private readonly sessions = new Map<string, ShareSession>();

  constructor(readonly maxEntries = SHARE_SESSION_CACHE_SLOTS) {}

  get size(): number {
    return this.sessions.size;
  }

  get(groupId: string, memberId: string): ShareSession | undefined {
    return this.sessions.get(sessionKey(groupId, memberId));
  }

  /**
   * A new session for the member (replacing its old one), or null when the cache is full of
   * sessions of live members (`live` tells; sessions of members that left are evicted first).
   */
  open(groupId: string, memberId: string, live: (groupId: string, memberId: string) => boolean = () => true): ShareSession | null {
    const k = sessionKey(groupId, memberId);
    if (!this.sessions.has(k) && this.sessions.size >= this.maxEntries) {
      for (const [sk, s] of this.sessions) {
        if (live(s.groupId, s.memberId)) continue;
        this.sessions.delete(sk);
        break;
      }
      if (this.sessions.size >= this.maxEntries) return null;
    }
    const s = new ShareSession(groupId, memberId);
    this.sessions.set(k, s);
    return s;
  }

  close(groupId: string, memberId: string): ShareSession | undefined {
    const k = sessionKey(groupId, memberId);
    const s = this.sessions.get(k);
    this.sessions.delete(k);
    return s;
  }
}
