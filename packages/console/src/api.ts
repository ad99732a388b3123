// The typed client of the broker's console API (/console/api/...). Every shape comes from the
// broker's own declaration (src/http/console/types.ts), so a change there breaks this build
// instead of a page at run time.
import type {
  AlterConfigsRequest,
  BrowseFrom,
  BrowseResult,
  CreateTopicRequest,
  GroupDetail,
  GroupSummary,
  JetStreamResult,
  KvKeysResult,
  LoginRequest,
  NatsConnectionsResult,
  NatsSubscriptionsResult,
  Overview,
  ProduceRequest,
  ProduceResult,
  ResetOffsetsRequest,
  ResetOffsetsResult,
  SessionInfo,
  SlowConsumersResult,
  TopicDetail,
  TopicSummary,
  TransactionsResult,
} from '../../../src/http/console/types.js';

export type * from '../../../src/http/console/types.js';

const BASE = './api';

/** Dispatched on window when the API answers 401: the shell shows the login form. */
export const LOGIN_REQUIRED_EVENT = 'wharf:login-required';

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const res = await fetch(`${BASE}${path}`, {
    method,
    ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } } : {}),
    ...(signal ? { signal } : {}),
  });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    throw new ApiFailure(res.status, text || res.statusText);
  }
  if (res.status === 401 && path !== '/login') window.dispatchEvent(new Event(LOGIN_REQUIRED_EVENT));
  if (!res.ok) {
    const msg = typeof parsed === 'object' && parsed !== null && 'error' in parsed ? String((parsed as { error: unknown }).error) : res.statusText;
    throw new ApiFailure(res.status, msg);
  }
  return parsed as T;
}

const enc = encodeURIComponent;

export const api = {
  session: () => call<SessionInfo>('GET', '/session'),
  login: (req: LoginRequest) => call<SessionInfo>('POST', '/login', req),
  logout: () => call<{ loggedOut: boolean }>('POST', '/logout', {}),
  overview: () => call<Overview>('GET', '/overview'),
  topics: () => call<TopicSummary[]>('GET', '/topics'),
  topic: (name: string) => call<TopicDetail>('GET', `/topics/${enc(name)}`),
  createTopic: (req: CreateTopicRequest) => call<TopicDetail>('POST', '/topics', req),
  deleteTopic: (name: string) => call<{ deleted: string }>('DELETE', `/topics/${enc(name)}`),
  alterConfigs: (name: string, req: AlterConfigsRequest) => call<TopicDetail>('PATCH', `/topics/${enc(name)}/configs`, req),
  addPartitions: (name: string, partitions: number) => call<TopicDetail>('POST', `/topics/${enc(name)}/partitions`, { partitions }),
  browse: (topic: string, partition: number, q: { from: BrowseFrom; offset?: number; timestamp?: number; limit?: number; wait?: number }, signal?: AbortSignal) => {
    const p = new URLSearchParams({ from: q.from });
    if (q.offset !== undefined) p.set('offset', String(q.offset));
    if (q.timestamp !== undefined) p.set('timestamp', String(q.timestamp));
    if (q.limit !== undefined) p.set('limit', String(q.limit));
    if (q.wait !== undefined) p.set('wait', String(q.wait));
    return call<BrowseResult>('GET', `/topics/${enc(topic)}/partitions/${partition}/records?${p}`, undefined, signal);
  },
  produce: (topic: string, req: ProduceRequest) => call<ProduceResult>('POST', `/topics/${enc(topic)}/records`, req),
  groups: () => call<GroupSummary[]>('GET', '/groups'),
  group: (id: string) => call<GroupDetail>('GET', `/groups/${enc(id)}`),
  resetOffsets: (id: string, req: ResetOffsetsRequest) => call<ResetOffsetsResult>('POST', `/groups/${enc(id)}/reset`, req),
  deleteGroup: (id: string) => call<{ deleted: string }>('DELETE', `/groups/${enc(id)}`),
  natsConnections: (q: { sort: string; state: string; filter: string }) => call<NatsConnectionsResult>('GET', `/nats/connections?${new URLSearchParams(q)}`),
  natsSubscriptions: (filter: string) => call<NatsSubscriptionsResult>('GET', `/nats/subscriptions?${new URLSearchParams({ filter })}`),
  slowConsumers: () => call<SlowConsumersResult>('GET', '/nats/slow-consumers'),
  transactions: () => call<TransactionsResult>('GET', '/transactions'),
  jetstream: () => call<JetStreamResult>('GET', '/jetstream'),
  kvKeys: (bucket: string) => call<KvKeysResult>('GET', `/jetstream/kv/${enc(bucket)}`),
};
