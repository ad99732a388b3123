// The library's Kafka client: one @platformatic/kafka Admin for metadata, connections and admin
// requests, and its versioned protocol APIs for what a stream application needs to drive itself
// (fetch by position, group membership with a custom assignor, transactional offset commits).
// Errors keep the broker's error codes so that callers decide by code, not by message.
import { Admin, ResponseError, ProtocolError, type API, type ClusterMetadata, type Connection } from '@platformatic/kafka';
import { Apis } from './apis.js';

export const ErrorCode = {
  NONE: 0,
  OFFSET_OUT_OF_RANGE: 1,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  LEADER_NOT_AVAILABLE: 5,
  NOT_LEADER_OR_FOLLOWER: 6,
  REQUEST_TIMED_OUT: 7,
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR: 16,
  ILLEGAL_GENERATION: 22,
  UNKNOWN_MEMBER_ID: 25,
  REBALANCE_IN_PROGRESS: 27,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PRODUCER_EPOCH: 47,
  CONCURRENT_TRANSACTIONS: 51,
  FENCED_LEADER_EPOCH: 74,
  UNKNOWN_LEADER_EPOCH: 75,
  MEMBER_ID_REQUIRED: 79,
  FENCED_INSTANCE_ID: 82,
  PRODUCER_FENCED: 90,
  UNKNOWN_TOPIC_ID: 100,
  OFFSET_NOT_AVAILABLE: 78,
  UNSTABLE_OFFSET_COMMIT: 88,
} as const;

/** Broker error codes carried by an error of the client (empty: not a broker error). */
export function errorCodes(err: unknown): number[] {
  const out: number[] = [];
  const visit = (e: unknown) => {
    if (e instanceof ProtocolError && typeof e.apiCode === 'number') out.push(e.apiCode);
    if (e instanceof AggregateError) for (const x of e.errors) visit(x);
  };
  visit(err);
  return out;
}

export function hasCode(err: unknown, ...codes: number[]): boolean {
  return errorCodes(err).some((c) => codes.includes(c));
}

/** The parsed response of a request that failed with per-partition errors. */
export function responseOf(err: unknown): unknown {
  return err instanceof ResponseError ? err.response : undefined;
}

export interface ClientOptions {
  clientId: string;
  bootstrapServers: string[];
  requestTimeoutMs?: number;
}

export class KafkaClient {
  readonly admin: Admin;
  private readonly coordinators = new Map<string, number>();

  constructor(readonly options: ClientOptions) {
    this.admin = new Admin({ clientId: options.clientId, bootstrapBrokers: options.bootstrapServers, timeout: options.requestTimeoutMs ?? 30_000, retries: 3, retryDelay: 200, autocreateTopics: false });
  }

  private versions: Promise<Map<number, { min: number; max: number }>> | null = null;

  /** The newest of `candidates` (one API, newest version first) that the broker serves. */
  async api<A extends unknown[], R>(candidates: ReadonlyArray<API<A, R>>): Promise<API<A, R>> {
    this.versions ??= this.admin.listApis().then((list) => new Map(list.map((a) => [a.apiKey, { min: a.minVersion, max: a.maxVersion }])));
    const served = await this.versions.catch((err: unknown) => {
      this.versions = null;
      throw err;
    });
    const first = candidates[0];
    if (!first) throw new Error('no API candidates');
    const range = served.get(first.key);
    const pick = range ? candidates.find((c) => c.version >= range.min && c.version <= range.max) : undefined;
    if (!pick) throw new Error(`the broker does not serve API ${first.key} in a version this client implements (${candidates.map((c) => c.version).join(', ')}; broker: ${range ? `${range.min}-${range.max}` : 'none'})`);
    return pick;
  }

  metadata(topics: string[], forceUpdate = false): Promise<ClusterMetadata> {
    return this.admin.metadata({ topics, forceUpdate, autocreateTopics: false });
  }

  async connection(nodeId: number): Promise<Connection> {
    let meta = this.admin.currentMetadata;
    if (!meta || !meta.brokers.has(nodeId)) meta = await this.metadata([], true);
    const broker = meta.brokers.get(nodeId);
    if (!broker) throw new Error(`broker ${nodeId} is not in the cluster metadata`);
    return this.admin.connections.get(broker);
  }

  /** The coordinator of a group (keyType 0) or transactional id (keyType 1). */
  async coordinator(key: string, keyType: 0 | 1, refresh = false): Promise<Connection> {
    const cacheKey = `${keyType}:${key}`;
    let node = refresh ? undefined : this.coordinators.get(cacheKey);
    if (node === undefined) {
      const meta = await this.metadata([]);
      const first = meta.brokers.keys().next().value;
      if (first === undefined) throw new Error('no broker in the cluster metadata');
      const conn = await this.connection(first);
      for (let attempt = 0; ; attempt++) {
        try {
          const findCoordinator = await this.api(Apis.FindCoordinator);
          const res = await findCoordinator.async(conn, keyType, [key]);
          const c = res.coordinators.find((x) => x.key === key);
          if (!c || c.errorCode !== 0) throw new Error(`FindCoordinator(${key}) failed with error ${c?.errorCode}`);
          node = c.nodeId;
          break;
        } catch (err) {
          if (attempt >= 20) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      this.coordinators.set(cacheKey, node);
    }
    return this.connection(node);
  }

  forgetCoordinator(key: string, keyType: 0 | 1): void {
    this.coordinators.delete(`${keyType}:${key}`);
  }

  close(): Promise<void> {
    return this.admin.close();
  }
}
