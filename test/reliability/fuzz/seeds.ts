// Writes the seed corpora of the fuzz targets into test/reliability/fuzz/corpus/<target>/ (kept
// in the repository): valid inputs the fuzzer mutates from, so that it starts past the first
// checks. Kafka requests come from the captured frames of real clients (test/kafka/golden),
// record batches from those captures and from the batch builder, JetStream requests from the
// captured nats-server exchanges (test/jetstream/fixtures), NATS and config inputs are written
// here. Run: node dist/test/reliability/fuzz/seeds.js (fuzz.ts runs it when a corpus is empty).
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildRecordBatch } from '../../../src/core/records/batch.js';
import { CompressionType } from '../../../src/core/records/compression.js';
import { decodeRequestFrame } from '../../../src/kafka/protocol/codec.js';
import { requestHeaderVersion } from '../../../src/kafka/protocol/header.js';
import { apis, type ApiDescriptor } from '../../../src/kafka/protocol/messages/index.js';
import { repoRoot } from '../../support/wharf.js';
import { API_SUBJECTS } from './targets/jetstream-api.js';

export function corpusDir(target: string): string {
  return join(repoRoot(), 'test', 'reliability', 'fuzz', 'corpus', target);
}

function put(target: string, data: Buffer): void {
  const dir = corpusDir(target);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `seed-${createHash('sha1').update(data).digest('hex').slice(0, 16)}`), data);
}

const table: ApiDescriptor[] = apis.filter((a): a is ApiDescriptor => a !== undefined);

function kafkaSeeds(): void {
  const golden = join(repoRoot(), 'test', 'kafka', 'golden');
  for (const f of readdirSync(golden).filter((n) => n.includes('-request-') && n.endsWith('.bin'))) {
    const frame = readFileSync(join(golden, f)).subarray(4);
    let req;
    try {
      req = decodeRequestFrame(frame);
    } catch {
      continue;
    }
    if (req.kind !== 'request') continue;
    const api = req.api;
    const index = table.findIndex((a) => a.key === api.key);
    // The body starts after the header: key, version, correlation id, client id, and tags in v2.
    const clientIdLen = frame.readInt16BE(8);
    let at = 10 + Math.max(0, clientIdLen);
    if (requestFlexible(api, req.header.apiVersion)) at += 1; // no header tags in the captures
    put('kafka-request', Buffer.concat([Buffer.from([index, req.header.apiVersion - api.minVersion]), frame.subarray(at)]));
    if (api.key === 0) {
      const body = req.body as { topicData: { partitionData: { records: Buffer | null }[] }[] };
      for (const t of body.topicData) for (const p of t.partitionData) if (p.records) put('record-batch', Buffer.concat([Buffer.from([0]), p.records]));
    }
  }
}

function requestFlexible(api: ApiDescriptor, version: number): boolean {
  return requestHeaderVersion(api.key, version) === 2;
}

function batchSeeds(): void {
  const now = 1_700_000_000_000;
  const shapes = [
    { records: [{ value: 'v' }] },
    { records: [{ key: 'k', value: 'v', headers: [{ key: 'h', value: 'x' }] }, { key: null, value: null }] },
    { records: Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: `value-${i}`, timestamp: now + i })), producerId: 7, producerEpoch: 1, baseSequence: 0 },
    { records: [{ value: 'txn' }], producerId: 9, producerEpoch: 0, baseSequence: 3, transactional: true },
    { records: [{ value: 'z'.repeat(200) }], compression: CompressionType.Gzip },
  ];
  for (const s of shapes) {
    const b = buildRecordBatch({ baseTimestamp: now, ...s });
    put('record-batch', Buffer.concat([Buffer.from([0]), b]));
    put('record-batch', Buffer.concat([Buffer.from([0]), b, b]));
  }
}

function natsSeeds(): void {
  const lines = [
    'CONNECT {"verbose":false,"pedantic":false,"tls_required":false,"name":"fz","lang":"go","version":"1.0","protocol":1,"headers":true}\r\nPING\r\n',
    'SUB foo 1\r\nSUB bar q 2\r\nPUB foo 5\r\nhello\r\nPUB foo reply 0\r\n\r\nUNSUB 1 10\r\nPING\r\n',
    'HPUB foo 22 27\r\nNATS/1.0\r\nA: b\r\n\r\nhello\r\nPONG\r\n',
    'HPUB foo reply 12 12\r\nNATS/1.0\r\n\r\n\r\n+OK\r\n-ERR \'x\'\r\nINFO {}\r\n',
    'pub  foo\t3\nabc\nsub a.* 9\n',
  ];
  for (const l of lines) {
    put('nats-parser', Buffer.concat([Buffer.from([0, 7, 40]), Buffer.from(l, 'latin1')]));
    put('nats-parser', Buffer.concat([Buffer.from([1, 200, 3]), Buffer.from(l, 'latin1')]));
  }
}

function jetstreamSeeds(): void {
  const dir = join(repoRoot(), 'test', 'jetstream', 'fixtures');
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    let doc: { exchanges?: { op?: string; subject?: string; json?: unknown; data?: string }[] };
    try {
      doc = JSON.parse(readFileSync(join(dir, f), 'utf8')) as typeof doc;
    } catch {
      continue;
    }
    for (const e of doc.exchanges ?? []) {
      if (e.op !== 'request' || typeof e.subject !== 'string' || !e.subject.startsWith('$JS.API.')) continue;
      const payload = Buffer.from(e.json !== undefined ? JSON.stringify(e.json) : (e.data ?? ''), 'utf8');
      const tokens = e.subject.slice('$JS.API.'.length).split('.');
      const index = API_SUBJECTS.findIndex((s) => {
        const st = s.split('.');
        return st.length === tokens.length && st.every((t, i) => i >= 2 || t === tokens[i]);
      });
      if (index >= 0) put('jetstream-api', Buffer.concat([Buffer.from([index]), payload]));
      put('jetstream-json', Buffer.concat([Buffer.from([payload.length & 0xff]), payload]));
    }
  }
}

function configSeeds(): void {
  const configs = [
    { port: 4222, 'kafka-port': 9092, 'data-dir': './d', fsync: 'interval', 'fsync-interval': '500ms' },
    { nats: { port: 0, maxPayload: '1MB' }, kafka: { port: -1 }, storage: { engine: 'memory' } },
    { 'max-pending': '64MB', 'write-deadline': '10s', mappings: { 'a.*': 'b.$1' }, 'log-level': 'warn' },
    { user: 'u', pass: 'p', 'auth-timeout': 2, 'ping-interval': '2m', 'max-pings-out': 2 },
    { jetstream: true, 'js-max-memory': '1GB', 'js-domain': 'hub', 'group-max-size': 10 },
    // Refused ones: the parser must answer these with a ConfigError.
    { port: 'not a port' },
    { 'fsync-interval': '-1s', nats: { nope: 1 } },
  ];
  for (const c of configs) put('config', Buffer.from(JSON.stringify(c)));
}

export function writeSeeds(): void {
  kafkaSeeds();
  batchSeeds();
  natsSeeds();
  jetstreamSeeds();
  configSeeds();
}

if (process.argv[1]?.endsWith('seeds.js')) writeSeeds();
