// The console's JetStream page: streams (subjects, storage, retention, messages, bytes,
// sequences, consumers), their consumers with pending and ack-pending counts (the consumer
// infos the $JS.API answers with), KV buckets (the streams named KV_<bucket>) and a bucket's
// keys with their last value. A bucket's keys are read from its stream's records (subject
// $KV.<bucket>.<key>, KV-Operation header), up to a bound, newest revision winning.
// A stream is a topic: it is shown (with its consumers and bucket) to a user who may DESCRIBE
// that topic, and a bucket's keys and values to one who may READ it.
import type { JetStreamService } from '../../jetstream/service.js';
import type { GoJson } from '../../jetstream/json.js';
import { recordBatch } from '../../core/log/index.js';
import { topic, type ConsoleAccess } from './access.js';
import { ApiError, queryNumber, type ApiRoute } from './http.js';
import type { JetStreamResult, JsConsumerRow, KvBucketRow, KvKeyRow, KvKeysResult, StreamRow } from './types.js';

const KV_PREFIX = 'KV_';

type GoObject = { [key: string]: GoJson | undefined };

const asObject = (v: GoJson | undefined): GoObject => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v : {});
const num = (v: GoJson | undefined): number => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : 0);
const str = (v: GoJson | undefined): string => (typeof v === 'string' ? v : '');

export function jetStreamView(js: JetStreamService | null, access: ConsoleAccess): JetStreamResult {
  if (js === null) return { enabled: false, streams: [], consumers: [], buckets: [] };
  const ctx = js.context;
  const streams: StreamRow[] = [];
  const consumers: JsConsumerRow[] = [];
  const buckets: KvBucketRow[] = [];
  for (const s of ctx.streams.all()) {
    if (!access.may('DESCRIBE', topic(s.partition.topic.name))) continue;
    const cfg = s.config;
    streams.push({
      name: s.name,
      topic: s.partition.topic.name,
      subjects: [...(cfg.subjects ?? [])],
      storage: String(cfg.storage),
      retention: String(cfg.retention),
      messages: s.messages,
      bytes: s.bytes,
      firstSeq: s.firstSeq,
      lastSeq: s.lastSeq,
      consumers: ctx.consumers.count(s.name),
      createdAt: s.created,
    });
    for (const info of ctx.consumers.details?.(s.name) ?? []) {
      const o = asObject(info);
      const c = asObject(o['config']);
      consumers.push({
        stream: s.name,
        name: str(o['name']),
        durable: str(c['durable_name']) !== '',
        filter: str(c['filter_subject']) || (Array.isArray(c['filter_subjects']) ? c['filter_subjects'].map((x) => str(x)).join(', ') : ''),
        ackPolicy: str(c['ack_policy']),
        pending: num(o['num_pending']),
        ackPending: num(o['num_ack_pending']),
        redelivered: num(o['num_redelivered']),
        waiting: num(o['num_waiting']),
        lastDeliveredSeq: num(asObject(o['delivered'])['stream_seq']),
      });
    }
    if (s.name.startsWith(KV_PREFIX)) {
      buckets.push({ bucket: s.name.slice(KV_PREFIX.length), stream: s.name, values: s.messages, bytes: s.bytes, history: Number(cfg.max_msgs_per_subject) });
    }
  }
  return { enabled: true, streams, consumers, buckets };
}

async function kvKeys(js: JetStreamService | null, bucket: string, max: number, access: ConsoleAccess): Promise<KvKeysResult> {
  const stream = js?.context.streams.get(`${KV_PREFIX}${bucket}`);
  access.need('READ', topic(stream?.partition.topic.name ?? `${KV_PREFIX}${bucket}`));
  if (stream === undefined) throw new ApiError(404, `no KV bucket ${bucket}`);
  const part = stream.partition;
  const prefix = `$KV.${bucket}.`;
  const keys = new Map<string, KvKeyRow>();
  let at = part.logStartOffset;
  let seen = 0;
  while (at < part.highWatermark && seen < max) {
    const r = await part.read(at, 1024 * 1024);
    if (r.chunks.length === 0 || r.nextOffset <= at) break;
    const buf = r.chunks.length === 1 ? r.chunks[0]! : Buffer.concat(r.chunks);
    const batches: Buffer[] = [];
    recordBatch.forEachBatch(buf, (pos, size) => {
      batches.push(buf.subarray(pos, pos + size));
    });
    for (const b of batches) {
      if (recordBatch.batchIsControl(b)) continue;
      for (const rec of await recordBatch.decodeRecordsAsync(b)) {
        if (rec.key === null) continue;
        seen++;
        const subject = rec.key.toString('latin1');
        if (!subject.startsWith(prefix)) continue;
        const op = rec.headers.find((h) => h.key === 'KV-Operation')?.value?.toString('utf8');
        const operation = op === 'DEL' ? 'DEL' : op === 'PURGE' ? 'PURGE' : 'PUT';
        const key = subject.slice(prefix.length);
        keys.set(key, { key, revision: rec.offset + 1, value: operation === 'PUT' && rec.value !== null ? rec.value.toString('base64') : null, operation, timestamp: rec.timestamp });
      }
    }
    at = r.nextOffset;
  }
  return { bucket, keys: [...keys.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)), truncated: at < part.highWatermark };
}

export function jetStreamRoutes(js: JetStreamService | null): ApiRoute[] {
  return [
    { method: 'GET', path: '/jetstream', handle: ({ access }) => jetStreamView(js, access) },
    { method: 'GET', path: '/jetstream/kv/:bucket', handle: ({ params, query, access }) => kvKeys(js, params['bucket']!, queryNumber(query, 'max', 10_000, 1, 100_000), access) },
  ];
}
