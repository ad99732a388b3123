// Kafka client quotas: the configured values (producer_byte_rate, consumer_byte_rate,
// request_percentage) per user, client id, or both, with their defaults (a null name), resolved
// with Kafka's precedence (user+client, user+default client, user, default user+client, default
// user+default client, default user, client, default client), and the rate sensors that decide a
// throttle as Kafka's ClientQuotaManager does: samples of one second, eleven of them, the rate
// over at least ten seconds, and a throttle of (rate - quota) / quota × window, at most the whole
// window. Clients that share a quota entity (every connection of one user, say) share a sensor.
// No wire format here: the Kafka connection records what its requests cost and answers the
// throttle in throttle_time_ms, then stops reading from the client for that long.

export const QUOTA_KEYS = ['producer_byte_rate', 'consumer_byte_rate', 'request_percentage'] as const;
export type QuotaKey = (typeof QUOTA_KEYS)[number];

/** A quota entity: which of user and client-id it names; a null name is the default entity. */
export interface QuotaEntity {
  readonly user?: string | null;
  readonly clientId?: string | null;
}

export function quotaEntityKey(e: QuotaEntity): string {
  return JSON.stringify([e.user === undefined ? 0 : e.user === null ? 1 : ['u', e.user], e.clientId === undefined ? 0 : e.clientId === null ? 1 : ['c', e.clientId]]);
}

const SAMPLES = 11;
const SAMPLE_MS = 1_000;
const MAX_THROTTLE_MS = SAMPLES * SAMPLE_MS;

/** A rate over Kafka's sample windows. */
class RateSensor {
  private readonly values = new Float64Array(SAMPLES);
  private readonly starts = new Float64Array(SAMPLES).fill(-1);
  private current = 0;

  /** Adds `value` at `now` and answers the throttle (ms) the rate calls for against `quota` (per second). */
  record(value: number, quota: number, now: number): number {
    this.roll(now);
    this.values[this.current] = this.values[this.current]! + value;
    return this.throttle(quota, now);
  }

  private roll(now: number): void {
    const start = this.starts[this.current]!;
    if (start < 0) {
      this.starts[this.current] = now;
      return;
    }
    if (now - start < SAMPLE_MS) return;
    this.current = (this.current + 1) % SAMPLES;
    this.values[this.current] = 0;
    this.starts[this.current] = now;
    // Samples older than the whole window count no more.
    for (let i = 0; i < SAMPLES; i++) {
      if (this.starts[i]! >= 0 && now - this.starts[i]! >= SAMPLES * SAMPLE_MS) {
        this.values[i] = 0;
        this.starts[i] = -1;
      }
    }
  }

  private throttle(quota: number, now: number): number {
    let total = 0;
    let oldest = now;
    for (let i = 0; i < SAMPLES; i++) {
      if (this.starts[i]! < 0) continue;
      total += this.values[i]!;
      if (this.starts[i]! < oldest) oldest = this.starts[i]!;
    }
    // Kafka's Rate.windowSize: the elapsed time, but at least samples - 1 whole windows.
    const windowMs = Math.max(now - oldest, (SAMPLES - 1) * SAMPLE_MS);
    const rate = total / (windowMs / 1000);
    if (quota <= 0 || rate <= quota) return 0;
    return Math.min(MAX_THROTTLE_MS, Math.round(((rate - quota) / quota) * windowMs));
  }
}

/** What a connection's request cost, for the quotas. */
export interface RequestCost {
  /** Bytes of a Produce request. */
  readonly produceBytes: number;
  /** Record bytes of a Fetch response (0 for a Fetch: recordFetch counted it). */
  readonly fetchBytes: number;
  /** Time the request's handler took. */
  readonly handlerMs: number;
}

export class ClientQuotas {
  private readonly entries = new Map<string, { entity: QuotaEntity; values: Map<QuotaKey, number> }>();
  private readonly sensors = new Map<string, RateSensor>();
  /** Bumped on every change: connections re-resolve their quotas. */
  version = 0;

  /** Whether any quota is configured (none: the connection skips the accounting). */
  get active(): boolean {
    return this.entries.size > 0;
  }

  entity(key: string): { entity: QuotaEntity; values: ReadonlyMap<QuotaKey, number> } | undefined {
    return this.entries.get(key);
  }

  all(): Array<{ entity: QuotaEntity; values: ReadonlyMap<QuotaKey, number> }> {
    return [...this.entries.values()];
  }

  /** Sets (a number) or removes (null) one value of an entity. */
  set(entity: QuotaEntity, key: QuotaKey, value: number | null): void {
    const k = quotaEntityKey(entity);
    let e = this.entries.get(k);
    if (value === null) {
      e?.values.delete(key);
      if (e?.values.size === 0) this.entries.delete(k);
    } else {
      if (e === undefined) this.entries.set(k, (e = { entity, values: new Map() }));
      e.values.set(key, value);
    }
    this.version++;
  }

  /** The entity whose value of `key` applies to a user and client id, with Kafka's precedence, and the value. */
  resolve(user: string, clientId: string, key: QuotaKey): { entityKey: string; quota: number } | null {
    const candidates: QuotaEntity[] = [
      { user, clientId },
      { user, clientId: null },
      { user },
      { user: null, clientId },
      { user: null, clientId: null },
      { user: null },
      { clientId },
      { clientId: null },
    ];
    for (const c of candidates) {
      const entityKey = quotaEntityKey(c);
      const v = this.entries.get(entityKey)?.values.get(key);
      // The sensor belongs to the entity as it applies: a default entity's quota is per user/client.
      if (v !== undefined) return { entityKey: `${key}|${quotaEntityKey({ ...(c.user !== undefined ? { user } : {}), ...(c.clientId !== undefined ? { clientId } : {}) })}`, quota: v };
    }
    return null;
  }

  /**
   * Records a request's cost for a user and client id and answers the throttle time (ms): the
   * largest of the byte-rate and request-time throttles.
   */
  record(user: string, clientId: string, cost: RequestCost, now = Date.now()): number {
    let throttle = 0;
    if (cost.produceBytes > 0) throttle = Math.max(throttle, this.recordOne(user, clientId, 'producer_byte_rate', cost.produceBytes, 1, now));
    if (cost.fetchBytes > 0) throttle = Math.max(throttle, this.recordOne(user, clientId, 'consumer_byte_rate', cost.fetchBytes, 1, now));
    // request_percentage n: n% of one thread's time, i.e. n × 10 ms of handler time per second.
    throttle = Math.max(throttle, this.recordOne(user, clientId, 'request_percentage', cost.handlerMs, 10, now));
    return throttle;
  }

  /**
   * A Fetch's cost, recorded before its answer is sent, as Kafka's fetch path does: the record
   * bytes it would carry against consumer_byte_rate and its handler time against
   * request_percentage. When either calls for a throttle, the fetch is answered empty (Kafka's
   * getThrottledResponse), so its bytes are taken back out of the byte rate; the throttle (ms)
   * is returned.
   */
  recordFetch(user: string, clientId: string, fetchBytes: number, handlerMs: number, now = Date.now()): number {
    const bytes = fetchBytes > 0 ? this.recordOne(user, clientId, 'consumer_byte_rate', fetchBytes, 1, now) : 0;
    const time = this.recordOne(user, clientId, 'request_percentage', handlerMs, 10, now);
    const throttle = Math.max(bytes, time);
    if (throttle > 0 && fetchBytes > 0) this.recordOne(user, clientId, 'consumer_byte_rate', -fetchBytes, 1, now);
    return throttle;
  }

  private recordOne(user: string, clientId: string, key: QuotaKey, value: number, scale: number, now: number): number {
    const q = this.resolve(user, clientId, key);
    if (q === null) return 0;
    let s = this.sensors.get(q.entityKey);
    if (s === undefined) {
      if (this.sensors.size > 100_000) this.sensors.clear();
      this.sensors.set(q.entityKey, (s = new RateSensor()));
    }
    return s.record(value, q.quota * scale, now);
  }
}
