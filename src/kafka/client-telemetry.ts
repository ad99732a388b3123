// Client telemetry (KIP-714) as Apache Kafka 4.4 answers it without a metrics plugin: the APIs
// are not advertised (so clients do not push), and a client that asks anyway is answered by
// the client metrics manager of a broker without subscriptions. GetTelemetrySubscriptions
// gives a client instance id, a subscription id, no requested metrics and the 5-minute push
// interval; PushTelemetry is validated as Kafka validates it (terminated instance, pushes or
// asks within the interval, subscription id, compression type, size) and the metrics, which no
// plugin would receive, are dropped.
//
// One instance per client: created on its first request, forgotten when the connection that
// last used it closes, after max(60 s, 3 push intervals) without a request, or when 16384
// instances are known (the least recently used goes), as Kafka's cache bounds them.
import { randomBytes } from 'node:crypto';
import { crc32c } from '../core/records/crc32c.js';
import { CompressionType } from '../core/records/compression.js';
import { ZERO_UUID } from './context.js';
import { ErrorCode } from './errors.js';

/** ClientMetricsConfigs.DEFAULT_INTERVAL_MS: the push interval when no subscription sets one. */
export const TELEMETRY_PUSH_INTERVAL_MS = 5 * 60 * 1000;
/** Kafka's telemetry.max.bytes default (a broker option the lead may add). */
export const TELEMETRY_MAX_BYTES = 1024 * 1024;
/** Compression types Kafka accepts for pushed metrics, in its order: zstd, lz4, gzip, snappy. */
export const TELEMETRY_COMPRESSION_TYPES: readonly number[] = [CompressionType.Zstd, CompressionType.Lz4, CompressionType.Gzip, CompressionType.Snappy];
const CACHE_MAX_SIZE = 16_384;
const CACHE_EXPIRY_MS = 60_000;
/** The subscribed metrics of a client no subscription matches, as Kafka prints the empty set. */
const NO_METRICS = '[]';

/** Ids Kafka reserves (zero, and the metadata topic's 0...01): never a client instance. */
const RESERVED = new Set([ZERO_UUID, 'AAAAAAAAAAAAAAAAAAAAAQ']);

interface Instance {
  id: string;
  subscriptionId: number;
  lastGetMs: number;
  lastPushMs: number;
  terminating: boolean;
  expiresAt: number;
  connectionId: number;
}

export type SubscriptionAnswer =
  | { errorCode: typeof ErrorCode.NONE; clientInstanceId: string; subscriptionId: number; pushIntervalMs: number; telemetryMaxBytes: number }
  | { errorCode: ErrorCode; clientInstanceId: null };

/** Java's Uuid.hashCode of an id in wire form. */
function uuidHash(id: string): number {
  const b = Buffer.from(id, 'base64url');
  if (b.length !== 16) return 0;
  const h = b.readBigUInt64BE(0) ^ b.readBigUInt64BE(8);
  return Number(BigInt.asIntN(32, h >> 32n)) ^ Number(BigInt.asIntN(32, h));
}

export class ClientTelemetry {
  /** Least recently used first. */
  private readonly instances = new Map<string, Instance>();
  private readonly byConnection = new Map<number, string>();

  constructor(private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.instances.size;
  }

  /** GetTelemetrySubscriptions from connection `connectionId`; `clientInstanceId` zero asks for one. */
  subscriptions(clientInstanceId: string, connectionId: number): SubscriptionAnswer {
    const now = this.now();
    let id = clientInstanceId;
    if (id === ZERO_UUID) do id = randomBytes(16).toString('base64url'); while (this.instances.has(id) || RESERVED.has(id));
    const inst = this.instance(id, connectionId, now);
    // Kafka throttles a client that asks again within the push interval of its last request.
    if (now - Math.max(inst.lastGetMs, inst.lastPushMs) < TELEMETRY_PUSH_INTERVAL_MS) return { errorCode: ErrorCode.THROTTLING_QUOTA_EXCEEDED, clientInstanceId: null };
    inst.lastGetMs = now;
    return { errorCode: ErrorCode.NONE, clientInstanceId: id, subscriptionId: inst.subscriptionId, pushIntervalMs: TELEMETRY_PUSH_INTERVAL_MS, telemetryMaxBytes: TELEMETRY_MAX_BYTES };
  }

  /** PushTelemetry: the error Kafka answers (the metrics themselves go nowhere). */
  push(r: { clientInstanceId: string; subscriptionId: number; terminating: boolean; compressionType: number; metricsBytes: number }, connectionId: number): ErrorCode {
    if (RESERVED.has(r.clientInstanceId)) return ErrorCode.INVALID_REQUEST;
    const now = this.now();
    const inst = this.instance(r.clientInstanceId, connectionId, now);
    try {
      if (inst.terminating) return ErrorCode.INVALID_REQUEST;
      // A push right after a subscription fetch is accepted whatever the interval (clients jitter it).
      const accepted = inst.lastGetMs > inst.lastPushMs || now - inst.lastPushMs >= TELEMETRY_PUSH_INTERVAL_MS;
      if (accepted) inst.lastPushMs = now;
      else if (!r.terminating) return ErrorCode.THROTTLING_QUOTA_EXCEEDED;
      if (r.subscriptionId !== inst.subscriptionId) return ErrorCode.UNKNOWN_SUBSCRIPTION_ID;
      if (!Number.isInteger(r.compressionType) || r.compressionType < CompressionType.None || r.compressionType > CompressionType.Zstd) return ErrorCode.UNSUPPORTED_COMPRESSION_TYPE;
      if (r.metricsBytes > TELEMETRY_MAX_BYTES) return ErrorCode.TELEMETRY_TOO_LARGE;
      return ErrorCode.NONE;
    } finally {
      // Kafka records the terminating flag whatever the validation said.
      inst.terminating = r.terminating;
    }
  }

  /** The connection closed: the instance it last used is forgotten, as Kafka's disconnect listener does. */
  connectionClosed(connectionId: number): void {
    const id = this.byConnection.get(connectionId);
    if (id === undefined) return;
    this.byConnection.delete(connectionId);
    const inst = this.instances.get(id);
    if (inst && inst.connectionId === connectionId) this.instances.delete(id);
  }

  private instance(id: string, connectionId: number, now: number): Instance {
    let inst = this.instances.get(id);
    if (inst && inst.expiresAt <= now) {
      this.instances.delete(id);
      inst = undefined;
    }
    if (inst) {
      this.instances.delete(id); // most recently used goes last
    } else {
      const subscriptionId = (crc32c(Buffer.from(NO_METRICS + TELEMETRY_PUSH_INTERVAL_MS)) | 0) ^ uuidHash(id);
      inst = { id, subscriptionId, lastGetMs: 0, lastPushMs: 0, terminating: false, expiresAt: 0, connectionId };
      while (this.instances.size >= CACHE_MAX_SIZE) {
        const oldest = this.instances.keys().next().value;
        if (oldest === undefined) break;
        this.instances.delete(oldest);
      }
    }
    inst.expiresAt = now + Math.max(CACHE_EXPIRY_MS, 3 * TELEMETRY_PUSH_INTERVAL_MS);
    if (inst.connectionId !== connectionId) {
      if (this.byConnection.get(inst.connectionId) === id) this.byConnection.delete(inst.connectionId);
      inst.connectionId = connectionId;
    }
    this.byConnection.set(connectionId, id);
    this.instances.set(id, inst);
    return inst;
  }
}
