// The JSON shapes of the console's API (/console/api/...): the one contract between the
// broker's handlers (this folder) and the browser app (packages/console), which imports these
// types only. Numbers are JSON numbers (offsets and timestamps stay below 2^53); times are ms
// since the epoch; binary values travel as base64.

export interface ApiErrorBody {
  error: string;
}

/** Who is logged in (GET /session, and the answer of POST /login). */
export interface SessionUser {
  name: string;
  /** The Kafka ACL principal the broker decides for: "User:alice", "User:ANONYMOUS". */
  principal: string;
  /** The NATS account of a NATS user; null for a Kafka-only (SASL) user. */
  account: string | null;
  /** How the user logged in: a NATS user or token, a Kafka PLAIN or SCRAM user, or no login. */
  source: 'anonymous' | 'nats' | 'kafka-plain' | 'kafka-scram';
}

/** The rights that belong to no one resource (per-resource ones come with each topic and group). */
export interface ConsoleRights {
  /** CREATE on the cluster: the app offers "New topic". */
  createTopics: boolean;
  /** DESCRIBE on the cluster: every group, every NATS account. */
  describeCluster: boolean;
}

export interface SessionInfo {
  /** Whether the API needs a login (the broker has credentials configured). */
  loginRequired: boolean;
  /** null: not logged in (the app shows its login form). */
  user: SessionUser | null;
  rights: ConsoleRights | null;
  /** Whether ACLs decide (false: every logged-in user may do everything). */
  acls: boolean;
}

export interface LoginRequest {
  user: string;
  password: string;
}

/** The user's rights on one topic, as the authorizer decides them. */
export interface TopicAccess {
  read: boolean;
  write: boolean;
  delete: boolean;
  /** ALTER: add partitions. */
  alter: boolean;
  describeConfigs: boolean;
  alterConfigs: boolean;
}

/** The user's rights on one group. */
export interface GroupAccess {
  /** READ: reset offsets (with READ on each topic). */
  read: boolean;
  delete: boolean;
}

export interface ListenerInfo {
  protocol: 'nats' | 'kafka' | 'http';
  host: string;
  port: number;
  /** What a client is given: nats://host:port, host:port for Kafka bootstrap, http://host:port/. */
  url: string;
  /** A Kafka listener's security protocol (PLAINTEXT, SASL_SSL, ...), HTTPS, or null. */
  security: string | null;
}

/** Cumulative counters; the app turns two samples into rates. */
export interface TrafficTotals {
  natsMsgsIn: number;
  natsMsgsOut: number;
  natsBytesIn: number;
  natsBytesOut: number;
  kafkaBytesIn: number;
  kafkaBytesOut: number;
  kafkaRequests: number;
  /** Bytes appended to every partition (both protocols, internal topics excluded). */
  logBytesIn: number;
  /** Records appended (sum of log end offsets of non-internal topics). */
  logRecordsIn: number;
  /** Bytes read from partitions by consumers. */
  logBytesOut: number;
  /** Offsets read from partitions by consumers. */
  logRecordsOut: number;
}

export interface Overview {
  version: string;
  serverId: string;
  serverName: string;
  clusterId: string;
  startedAt: number;
  now: number;
  uptimeMs: number;
  listeners: ListenerInfo[];
  connections: { nats: number; kafka: number };
  totals: TrafficTotals;
  storage: { engine: string; location: string; usedBytes: number; topics: number; partitions: number; fsync: string };
  health: { status: 'ok' | 'degraded'; offlinePartitions: string[] };
  counts: { topics: number; groups: number; streams: number; openTransactions: number; slowConsumers: number; subscriptions: number };
  process: { rssBytes: number; heapUsedBytes: number; cpuPercent: number };
  jetstream: boolean;
}

export interface TopicSummary {
  name: string;
  /** What the user may do with it. */
  access: TopicAccess;
  partitions: number;
  /** Records held: sum over partitions of log end - log start (compaction may hold fewer). */
  messages: number;
  sizeBytes: number;
  internal: boolean;
  cleanupPolicy: string;
  retentionMs: number;
  retentionBytes: number;
  /** NATS subjects the topic captures (wharf.nats.subjects, a JetStream stream's subjects), else []. */
  natsSubjects: string[];
  /** The JetStream stream the topic is, or null. */
  stream: string | null;
  createdAt: number;
}

export interface PartitionDetail {
  partition: number;
  online: boolean;
  error: string | null;
  /** Offset ranges storage recovery cut out as damaged (docs/storage.md, "Recovery"); empty when none. */
  lostRanges: Array<{ from: number; to: number }>;
  logStartOffset: number;
  logEndOffset: number;
  lastStableOffset: number;
  sizeBytes: number;
}

export interface ConfigEntry {
  name: string;
  value: string;
  isDefault: boolean;
}

export interface TopicDetail extends TopicSummary {
  topicId: string;
  partitionDetails: PartitionDetail[];
  configs: ConfigEntry[];
}

export interface CreateTopicRequest {
  name: string;
  partitions?: number;
  configs?: Record<string, string>;
}

export interface AlterConfigsRequest {
  /** A config set to null returns to its default. */
  changes: Record<string, string | null>;
}

export interface AddPartitionsRequest {
  /** The new total. */
  partitions: number;
}

export type BrowseFrom = 'beginning' | 'end' | 'offset' | 'timestamp';

export interface BrowsedHeader {
  key: string;
  /** base64, or null for a null header value. */
  value: string | null;
}

export interface BrowsedRecord {
  partition: number;
  offset: number;
  timestamp: number;
  /** base64, or null for a null key. */
  key: string | null;
  /** base64, or null for a tombstone. */
  value: string | null;
  headers: BrowsedHeader[];
  /** The NATS subject the record is seen on (captured topics and streams: the key), else null. */
  subject: string | null;
  /** True for records of a transaction (read uncommitted). */
  transactional: boolean;
}

export interface BrowseResult {
  topic: string;
  partition: number;
  records: BrowsedRecord[];
  /** The offset to ask for next (live tail). */
  nextOffset: number;
  logStartOffset: number;
  logEndOffset: number;
}

export interface ProduceRequest {
  /** Default: by the key's hash (murmur2, as Kafka's producers), or 0 without a key. */
  partition?: number;
  key?: string | null;
  value?: string | null;
  /** How key and value are given: as text (UTF-8) or base64. */
  encoding?: 'text' | 'base64';
  headers?: Array<{ key: string; value: string | null }>;
}

export interface ProduceResult {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
}

export interface GroupSummary {
  groupId: string;
  /** What the user may do with it. */
  access: GroupAccess;
  /** classic (JoinGroup/SyncGroup) or consumer (KIP-848). */
  type: string;
  protocolType: string;
  state: string;
  members: number;
  /** Sum of the lag of its partitions, records. */
  lag: number;
  /** Largest lag in time over its partitions, ms (null when unknown). */
  maxLagMs: number | null;
  topics: string[];
}

export interface GroupMember {
  memberId: string;
  instanceId: string | null;
  clientId: string;
  clientHost: string;
  /** topic -> partitions assigned. */
  assignment: Array<{ topic: string; partitions: number[] }>;
}

export interface GroupPartitionLag {
  topic: string;
  partition: number;
  /** null: assigned to a member but nothing committed yet (as kafka-consumer-groups shows "-"). */
  committed: number | null;
  logStartOffset: number;
  logEndOffset: number;
  /** null with committed null: unknown until the group commits. */
  lag: number | null;
  lagMs: number | null;
  /** Member owning the partition now, or null. */
  owner: string | null;
}

export interface GroupDetail extends GroupSummary {
  protocol: string;
  coordinatorEpoch: number | null;
  membersDetail: GroupMember[];
  offsets: GroupPartitionLag[];
}

export type ResetTo = 'earliest' | 'latest' | 'timestamp' | 'offset';

export interface ResetOffsetsRequest {
  to: ResetTo;
  /** Only this topic (default: every topic the group has offsets for). */
  topic?: string;
  /** Only these partitions of `topic`. */
  partitions?: number[];
  /** For to = timestamp, ms since the epoch. */
  timestamp?: number;
  /** For to = offset. */
  offset?: number;
}

export interface ResetOffsetsResult {
  groupId: string;
  offsets: Array<{ topic: string; partition: number; offset: number; error: string | null }>;
}

export interface NatsConnectionRow {
  cid: number;
  name: string;
  ip: string;
  port: number;
  lang: string;
  version: string;
  start: number;
  lastActivity: number;
  uptimeMs: number;
  rttMs: number;
  pendingBytes: number;
  inMsgs: number;
  outMsgs: number;
  inBytes: number;
  outBytes: number;
  subscriptions: number;
  subjects: string[];
  closed: boolean;
  reason: string | null;
  stop: number | null;
}

export interface NatsConnectionsResult {
  total: number;
  connections: NatsConnectionRow[];
}

export interface NatsSubscriptionRow {
  subject: string;
  queue: string | null;
  sid: string;
  cid: number;
  msgs: number;
  max: number | null;
}

export interface NatsSubscriptionsResult {
  total: number;
  subscriptions: NatsSubscriptionRow[];
  stats: { subscriptions: number; cacheEntries: number; matches: number; cacheHitRate: number };
}

export interface SlowConsumersResult {
  /** Cut off since start. */
  total: number;
  /** Recently closed connections whose reason was Slow Consumer. */
  recent: NatsConnectionRow[];
  /** Open connections with bytes pending now, most first. */
  pending: NatsConnectionRow[];
}

export interface TransactionRow {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  state: string;
  startedAt: number | null;
  ageMs: number | null;
  timeoutMs: number;
  partitions: Array<{ topic: string; partitions: number[] }>;
}

export interface ProducerRow {
  topic: string;
  partition: number;
  producerId: number;
  epoch: number;
  lastSequence: number;
  lastTimestamp: number;
  /** First offset of its open transaction on this partition, or null. */
  openTransactionOffset: number | null;
}

export interface TransactionsResult {
  transactions: TransactionRow[];
  producers: ProducerRow[];
}

export interface StreamRow {
  name: string;
  topic: string;
  subjects: string[];
  storage: string;
  retention: string;
  messages: number;
  bytes: number;
  firstSeq: number;
  lastSeq: number;
  consumers: number;
  createdAt: number;
}

export interface JsConsumerRow {
  stream: string;
  name: string;
  durable: boolean;
  filter: string;
  ackPolicy: string;
  /** Messages of the stream not yet delivered to it. */
  pending: number;
  /** Delivered, waiting for their ack. */
  ackPending: number;
  redelivered: number;
  waiting: number;
  lastDeliveredSeq: number;
}

export interface KvBucketRow {
  bucket: string;
  stream: string;
  values: number;
  bytes: number;
  history: number;
}

export interface JetStreamResult {
  enabled: boolean;
  streams: StreamRow[];
  consumers: JsConsumerRow[];
  buckets: KvBucketRow[];
}

export interface KvKeyRow {
  key: string;
  revision: number;
  /** base64 of the value, or null when the last operation deleted or purged the key. */
  value: string | null;
  operation: 'PUT' | 'DEL' | 'PURGE';
  timestamp: number;
}

export interface KvKeysResult {
  bucket: string;
  keys: KvKeyRow[];
  /** True when the bucket holds more records than one listing reads. */
  truncated: boolean;
}
