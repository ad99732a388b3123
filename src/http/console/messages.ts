// The console's message browser and producer. Browsing reads stored batches of one partition
// from the beginning, the end, an offset or a timestamp (the log's time index), decodes them
// (any codec) and returns records with key, value and headers as base64, the NATS subject of
// captured topics and streams (the record key), and the offset to ask for next; with wait=ms a
// request at the end of the log waits for new records (the app's live tail long-polls). A
// produced message is one record batch appended through the partition's own checks, as a
// Kafka producer's would be (a JetStream stream's append check runs first). Browsing needs READ
// on the topic (as Fetch), producing WRITE (as Produce).
import type { Log, LogPartition } from '../../core/log/index.js';
import { recordBatch } from '../../core/log/index.js';
import { topic as topicResource } from './access.js';
import { ApiError, bodyObject, optInt, optString, queryNumber, type ApiRoute } from './http.js';
import { logErrorToApi } from './topics.js';
import type { BrowseFrom, BrowseResult, BrowsedRecord, ProduceResult } from './types.js';
import type { JetStreamService } from '../../jetstream/service.js';

export interface MessageDeps {
  log: Log;
  jetstream: JetStreamService | null;
}

const MAX_LIMIT = 500;
const MAX_WAIT_MS = 30_000;
const READ_BYTES = 1024 * 1024;
const FROM: ReadonlySet<string> = new Set<BrowseFrom>(['beginning', 'end', 'offset', 'timestamp']);

function partitionOf(log: Log, topic: string, partition: string): LogPartition {
  const index = Number(partition);
  if (!Number.isSafeInteger(index) || index < 0) throw new ApiError(400, `partition must be a whole number, got ${partition}`);
  try {
    return log.partition(topic, index);
  } catch (e) {
    return logErrorToApi(e);
  }
}

/** Whether records of the topic are NATS messages (their key is the subject). */
function capturesNats(deps: MessageDeps, topic: string): boolean {
  if (deps.jetstream?.context.streams.get(topic) !== undefined) return true;
  const configs = deps.log.topicInfo(topic)?.configs ?? {};
  return configs['wharf.nats.subjects'] !== undefined && configs['wharf.nats.subjects'] !== '';
}

async function startOffset(part: LogPartition, from: BrowseFrom, q: URLSearchParams, limit: number): Promise<number> {
  const start = part.logStartOffset;
  const end = part.highWatermark;
  switch (from) {
    case 'beginning':
      return start;
    case 'end':
      return Math.max(start, end - limit);
    case 'offset':
      return Math.min(Math.max(queryNumber(q, 'offset', start, -1), start), end);
    case 'timestamp': {
      const ts = queryNumber(q, 'timestamp', 0);
      const found = await part.offsetForTimestamp(ts);
      return found === null ? end : Math.max(found.offset, start);
    }
  }
}

export async function browse(deps: MessageDeps, topic: string, partition: string, q: URLSearchParams): Promise<BrowseResult> {
  const part = partitionOf(deps.log, topic, partition);
  const fromRaw = q.get('from') ?? 'beginning';
  if (!FROM.has(fromRaw)) throw new ApiError(400, `from must be one of ${[...FROM].join(', ')}`);
  const limit = queryNumber(q, 'limit', 50, 1, MAX_LIMIT);
  const wait = queryNumber(q, 'wait', 0, 0, MAX_WAIT_MS);
  const first = await startOffset(part, fromRaw as BrowseFrom, q, limit);
  if (wait > 0 && first >= part.highWatermark) await part.waitForData(first, wait);
  const subjects = capturesNats(deps, topic);
  const records: BrowsedRecord[] = [];
  let at = first;
  try {
    while (records.length < limit && at < part.highWatermark) {
      const r = await part.read(at, READ_BYTES);
      if (r.chunks.length === 0 || r.nextOffset <= at) break;
      const buf = r.chunks.length === 1 ? r.chunks[0]! : Buffer.concat(r.chunks);
      // Batches of this read, decoded after the walk (decoding may be asynchronous).
      const pending: Buffer[] = [];
      recordBatch.forEachBatch(buf, (pos, size) => {
        if (records.length >= limit) return false;
        const batch = buf.subarray(pos, pos + size);
        if (recordBatch.batchIsControl(batch)) return;
        pending.push(batch);
      });
      for (const batch of pending) {
        const transactional = recordBatch.batchIsTransactional(batch);
        for (const rec of await recordBatch.decodeRecordsAsync(batch)) {
          if (rec.offset < first || records.length >= limit) continue;
          records.push({
            partition: part.index,
            offset: rec.offset,
            timestamp: rec.timestamp,
            key: rec.key === null ? null : rec.key.toString('base64'),
            value: rec.value === null ? null : rec.value.toString('base64'),
            headers: rec.headers.map((h) => ({ key: h.key, value: h.value === null ? null : h.value.toString('base64') })),
            subject: subjects && rec.key !== null ? rec.key.toString('utf8') : null,
            transactional,
          });
        }
      }
      at = r.nextOffset;
    }
  } catch (e) {
    logErrorToApi(e);
  }
  const next = records.length > 0 ? records[records.length - 1]!.offset + 1 : Math.max(first, Math.min(at, part.highWatermark));
  return { topic, partition: part.index, records, nextOffset: next, logStartOffset: part.logStartOffset, logEndOffset: part.highWatermark };
}

/** Kafka's default partitioner for keyed records: murmur2 of the key, positive, modulo the partitions. */
export function murmur2(data: Buffer): number {
  const m = 0x5bd1e995;
  const seed = 0x9747b28c;
  let h = (seed ^ data.length) | 0;
  const n = data.length & ~3;
  for (let i = 0; i < n; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = data.length & 3;
  if (rest === 3) h ^= data[n + 2]! << 16;
  if (rest >= 2) h ^= data[n + 1]! << 8;
  if (rest >= 1) {
    h ^= data[n]!;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

function decodeField(v: string | undefined, encoding: string, name: string): Buffer | null {
  if (v === undefined) return null;
  if (encoding === 'text') return Buffer.from(v, 'utf8');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw new ApiError(400, `${name} is not base64`);
  return Buffer.from(v, 'base64');
}

export async function produce(deps: MessageDeps, topic: string, body: Record<string, unknown>, counter: { next: number }): Promise<ProduceResult> {
  const info = deps.log.topicInfo(topic);
  if (info === null) throw new ApiError(404, `no topic ${topic}`);
  const encoding = optString(body, 'encoding') ?? 'text';
  if (encoding !== 'text' && encoding !== 'base64') throw new ApiError(400, 'encoding must be text or base64');
  const key = decodeField(optString(body, 'key'), encoding, 'key');
  const value = decodeField(optString(body, 'value'), encoding, 'value');
  const rawHeaders = body['headers'] ?? [];
  if (!Array.isArray(rawHeaders)) throw new ApiError(400, 'headers must be an array of {key, value}');
  const headers = rawHeaders.map((h: unknown, i) => {
    if (typeof h !== 'object' || h === null) throw new ApiError(400, `headers[${i}] must be an object`);
    const o = h as Record<string, unknown>;
    const k = optString(o, 'key');
    if (k === undefined || k === '') throw new ApiError(400, `headers[${i}].key is required`);
    return { key: k, value: decodeField(optString(o, 'value'), encoding, `headers[${i}].value`) };
  });
  let partition = optInt(body, 'partition', 0);
  if (partition === undefined) partition = key !== null ? (murmur2(key) & 0x7fffffff) % info.partitions : counter.next++ % info.partitions;
  if (partition >= info.partitions) throw new ApiError(400, `topic ${topic} has ${info.partitions} partitions`);
  const part = partitionOf(deps.log, topic, String(partition));
  const timestamp = Date.now();
  const batch = await recordBatch.buildRecordBatchAsync({ records: [{ key, value, headers, timestamp }] });
  try {
    const refused = await part.appendCheck?.check(batch);
    if (refused) throw refused;
    const out = await part.append(batch);
    return { topic, partition, offset: out.baseOffset, timestamp: out.logAppendTime >= 0 ? out.logAppendTime : timestamp };
  } catch (e) {
    return logErrorToApi(e);
  }
}

export function messageRoutes(deps: MessageDeps): ApiRoute[] {
  const counter = { next: 0 };
  return [
    {
      method: 'GET',
      path: '/topics/:topic/partitions/:partition/records',
      handle: ({ params, query, access }) => {
        access.need('READ', topicResource(params['topic']!));
        return browse(deps, params['topic']!, params['partition']!, query);
      },
    },
    {
      method: 'POST',
      path: '/topics/:topic/records',
      handle: ({ params, req, access }) => {
        access.need('WRITE', topicResource(params['topic']!));
        return produce(deps, params['topic']!, bodyObject(req), counter);
      },
    },
  ];
}
