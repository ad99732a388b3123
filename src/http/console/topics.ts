// The console's topics: list (partitions, records, size, retention, the NATS subjects a topic
// captures and the JetStream stream it is), one topic's partitions and effective configs, and
// the admin operations the Kafka admin API offers (create, delete, alter configs, add
// partitions), made through the same log calls its handlers make, so the same checks apply
// (JetStream's topic hooks refuse what would break a stream). Each checks the user's rights as
// the Kafka request would (access.ts): topics it may not DESCRIBE are not listed, as Metadata
// leaves them out, and a topic it may not describe is a 403 whether it exists or not.
import { isLogError, type Log, type TopicInfo } from '../../core/log/index.js';
import type { JetStreamService } from '../../jetstream/service.js';
import { topic, type ConsoleAccess } from './access.js';
import { ApiError, bodyObject, optInt, optString, stringRecord, type ApiRoute } from './http.js';
import type { PartitionDetail, TopicDetail, TopicSummary } from './types.js';

export interface TopicDeps {
  log: Log;
  jetstream: JetStreamService | null;
}

/** Log errors as HTTP answers: unknown things 404, refused changes 400/409. */
export function logErrorToApi(e: unknown): never {
  if (isLogError(e)) {
    switch (e.code) {
      case 'UNKNOWN_TOPIC_OR_PARTITION':
        throw new ApiError(404, e.message);
      case 'TOPIC_ALREADY_EXISTS':
        throw new ApiError(409, e.message);
      case 'OFFSET_OUT_OF_RANGE':
        throw new ApiError(416, e.message);
      default:
        throw new ApiError(400, `${e.code}: ${e.message}`);
    }
  }
  throw e;
}

function effective(log: Log, name: string): Map<string, string> {
  return new Map(log.describeTopic(name).effectiveConfigs.map((c) => [c.name, c.value]));
}

function summary(deps: TopicDeps, t: TopicInfo, eff: Map<string, string>, access: ConsoleAccess): TopicSummary {
  let messages = 0;
  let sizeBytes = 0;
  for (let i = 0; i < t.partitions; i++) {
    try {
      const p = deps.log.partition(t.name, i);
      messages += Math.max(0, p.highWatermark - p.logStartOffset);
      sizeBytes += p.sizeBytes;
    } catch {
      // offline partition: counted as empty
    }
  }
  const stream = deps.jetstream?.context.streams.get(t.name);
  const subjectsConfig = t.configs['wharf.nats.subjects'];
  const natsSubjects = stream !== undefined ? [...(stream.config.subjects ?? [])] : subjectsConfig ? subjectsConfig.split(',').filter((s) => s !== '') : [];
  return {
    name: t.name,
    access: access.topicAccess(t.name),
    partitions: t.partitions,
    messages,
    sizeBytes,
    internal: t.internal,
    cleanupPolicy: eff.get('cleanup.policy') ?? 'delete',
    retentionMs: Number(eff.get('retention.ms') ?? -1),
    retentionBytes: Number(eff.get('retention.bytes') ?? -1),
    natsSubjects,
    stream: stream !== undefined ? stream.name : null,
    createdAt: t.createdAt,
  };
}

export function topicDetail(deps: TopicDeps, name: string, access: ConsoleAccess): TopicDetail {
  access.need('DESCRIBE', topic(name));
  const t = deps.log.topicInfo(name);
  if (t === null) throw new ApiError(404, `no topic ${name}`);
  const described = deps.log.describeTopic(name);
  const eff = new Map(described.effectiveConfigs.map((c) => [c.name, c.value]));
  const partitionDetails: PartitionDetail[] = described.partitionInfo.map((p) => ({
    partition: p.partition,
    online: p.online,
    error: p.error ?? null,
    lostRanges: p.lostRanges ?? [],
    logStartOffset: p.logStartOffset,
    logEndOffset: p.highWatermark,
    lastStableOffset: p.lastStableOffset,
    sizeBytes: p.sizeBytes,
  }));
  // Configs as DescribeConfigs shows them: to a user with DESCRIBE_CONFIGS.
  const configs = access.may('DESCRIBE_CONFIGS', topic(name)) ? described.effectiveConfigs : [];
  return { ...summary(deps, t, eff, access), topicId: t.topicId, partitionDetails, configs };
}

export function topicRoutes(deps: TopicDeps): ApiRoute[] {
  const { log } = deps;
  return [
    {
      method: 'GET',
      path: '/topics',
      handle: ({ access }) =>
        log
          .listTopics()
          .filter((t) => access.may('DESCRIBE', topic(t.name)))
          .map((t) => summary(deps, t, effective(log, t.name), access))
          .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    },
    { method: 'GET', path: '/topics/:topic', handle: ({ params, access }) => topicDetail(deps, params['topic']!, access) },
    {
      method: 'POST',
      path: '/topics',
      handle: async ({ req, access }) => {
        const o = bodyObject(req);
        const name = optString(o, 'name');
        if (name === undefined || name === '') throw new ApiError(400, 'name is required');
        if (!access.mayCreateTopic(name)) throw access.denied('CREATE', topic(name));
        const partitions = optInt(o, 'partitions', 1);
        const configs = stringRecord(o, 'configs', false) as Record<string, string>;
        try {
          await log.createTopic(name, { ...(partitions !== undefined ? { partitions } : {}), configs });
        } catch (e) {
          logErrorToApi(e);
        }
        return topicDetail(deps, name, access);
      },
    },
    {
      method: 'DELETE',
      path: '/topics/:topic',
      handle: async ({ params, access }) => {
        const name = params['topic']!;
        access.need('DELETE', topic(name));
        if (name.startsWith('__')) throw new ApiError(400, `${name} is an internal topic of the broker`);
        try {
          await log.deleteTopic(name);
        } catch (e) {
          logErrorToApi(e);
        }
        return { deleted: name };
      },
    },
    {
      method: 'PATCH',
      path: '/topics/:topic/configs',
      handle: async ({ params, req, access }) => {
        access.need('ALTER_CONFIGS', topic(params['topic']!));
        const changes = stringRecord(bodyObject(req), 'changes', true);
        try {
          await log.alterTopicConfigs(params['topic']!, changes);
        } catch (e) {
          logErrorToApi(e);
        }
        return topicDetail(deps, params['topic']!, access);
      },
    },
    {
      method: 'POST',
      path: '/topics/:topic/partitions',
      handle: async ({ params, req, access }) => {
        access.need('ALTER', topic(params['topic']!));
        const total = optInt(bodyObject(req), 'partitions', 1);
        if (total === undefined) throw new ApiError(400, 'partitions (the new total) is required');
        try {
          await log.createPartitions(params['topic']!, total);
        } catch (e) {
          logErrorToApi(e);
        }
        return topicDetail(deps, params['topic']!, access);
      },
    },
  ];
}
