/**
 * Golden frames captured from the reference Apache Kafka 4.4 broker talking to real clients:
 * the Java producer, consumer and admin client 4.4, kcat (librdkafka), and the broker's own
 * inter-broker clients (transaction markers, partition verification). They were recorded by
 * scripts/capture-kafka-golden.ts through a loopback proxy; test/kafka/golden/index.json says
 * which api, version, header version, source and session step each file is.
 *
 * Every frame is decoded with Wharf's codec and encoded again, and must come back byte for
 * byte: field order, defaults, nullability, compact/classic encodings, tagged fields and the
 * header version rules all have to agree with what Kafka's own serializers wrote. The record
 * batches of every Produce request and Fetch response are decoded (every codec) and their
 * CRCs checked.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { decodeRequestFrame, decodeResponseFrame, encodeRequestFrame, encodeResponseFrame } from '../../src/kafka/protocol/codec.js';
import { KafkaCodecError } from '../../src/kafka/protocol/errors.js';
import { requestHeaderVersion, responseHeaderVersion } from '../../src/kafka/protocol/header.js';
import { ApiKey, apis, omittedApis, type FetchResponse, type ProduceRequest } from '../../src/kafka/protocol/messages/index.js';
import { batchCompression, batchCrcValid, batchIsControl, batchIsTransactional, decodeBatchAsync } from '../../src/core/records/batch.js';
import { compressionName } from '../../src/core/records/compression.js';
import { splitBatchesWithTail } from '../support/records.js';
import { repoRoot } from '../support/wharf.js';

interface Entry {
  file: string;
  direction: 'request' | 'response';
  apiKey: number;
  apiName: string;
  apiVersion: number;
  headerVersion: number;
  source: string;
  variant?: string;
  clientId: string | null;
  correlationId: number;
  phase: string;
}

// Resolved from the repository root, so the compiled test finds the fixtures from dist/ and
// from any other output directory.
const DIR = join(repoRoot(), 'test', 'kafka', 'golden');
const index = JSON.parse(readFileSync(join(DIR, 'index.json'), 'utf8')) as { frames: Entry[] };
const frames = index.frames;
const load = (e: Entry) => readFileSync(join(DIR, e.file));

/**
 * Frames whose version is newer than the definitions the codec was generated from. A client
 * opens every connection with ApiVersions at its own newest version, before it knows the
 * broker's; Wharf answers such a request the way Kafka answers a too-new ApiVersions (a v0
 * response with UNSUPPORTED_VERSION). Empty since the codec is generated from Kafka 4.4's own
 * definitions; the check stays so that fixtures captured from a newer Kafka land here until the
 * codec is regenerated.
 */
const BEYOND_CODEC = new Set<string>([]);

const concat = (chunks: Buffer[]) => (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));

function firstDifference(a: Buffer, b: Buffer): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return `first difference at byte ${i} of ${a.length} (re-encoded ${b.length}): captured ${a.subarray(i, i + 16).toString('hex')}, re-encoded ${b.subarray(i, i + 16).toString('hex')}`;
}

describe('golden frames from Apache Kafka 4.4 and its clients', () => {
  test('the index covers the session', () => {
    const names = new Set(frames.map((e) => e.apiName));
    for (const api of [
      'ApiVersions', 'Metadata', 'CreateTopics', 'Produce', 'Fetch', 'ListOffsets', 'FindCoordinator', 'JoinGroup', 'SyncGroup',
      'Heartbeat', 'OffsetCommit', 'OffsetFetch', 'LeaveGroup', 'InitProducerId', 'AddPartitionsToTxn', 'AddOffsetsToTxn',
      'TxnOffsetCommit', 'EndTxn', 'WriteTxnMarkers', 'DescribeConfigs', 'ConsumerGroupHeartbeat',
    ]) {
      assert.ok(names.has(api), `${api} captured`);
    }
    for (const source of ['java', 'kcat', 'broker']) assert.ok(frames.some((e) => e.source === source), `frames from ${source}`);
    for (const e of frames) {
      // Omitted (inter-broker) APIs: their flexible versions, hence header versions, are not kept.
      if (apis[e.apiKey] === undefined) continue;
      const expected = e.direction === 'request' ? requestHeaderVersion(e.apiKey, e.apiVersion) : responseHeaderVersion(e.apiKey, e.apiVersion);
      assert.equal(e.headerVersion, expected, `${e.file}: header version`);
    }
  });

  for (const e of frames) {
    test(e.file, () => {
      const wire = load(e);
      assert.equal(wire.readInt32BE(0), wire.length - 4, 'size prefix');
      const frame = wire.subarray(4);
      const api = apis[e.apiKey];
      if (api === undefined) {
        // An inter-broker API the codec leaves out (the broker's own transaction markers): it
        // must be one of the documented omissions, and its frames are not decoded.
        const omitted = omittedApis.find((o) => o.key === e.apiKey);
        assert.ok(omitted, `${e.apiName} (${e.apiKey}) is neither generated nor a documented omission`);
        assert.equal(omitted.name, e.apiName);
        assert.match(omitted.reason, /broker to broker|controller/);
        if (e.direction === 'request') {
          const req = decodeRequestFrame(frame);
          assert.equal(req.kind === 'unsupported' && req.reason, 'unknown-api');
          assert.equal(req.header.correlationId, e.correlationId);
        }
        return;
      }
      assert.equal(api.name, e.apiName);

      if (BEYOND_CODEC.has(`${e.apiName} v${e.apiVersion}`)) {
        assert.ok(e.apiVersion > api.maxVersion, `${e.apiName} v${e.apiVersion} is in the codec now: move it out of BEYOND_CODEC`);
        if (e.direction === 'request') {
          const req = decodeRequestFrame(frame);
          assert.equal(req.kind, 'unsupported');
          assert.equal(req.kind === 'unsupported' && req.reason, 'unsupported-version');
          assert.equal(req.header.correlationId, e.correlationId);
          assert.equal(req.header.clientId, e.clientId);
        } else {
          // ApiVersions responses keep the v0 header in every version.
          assert.equal(frame.readInt32BE(0), e.correlationId);
          assert.throws(() => decodeResponseFrame(frame, e.apiKey as never, e.apiVersion), KafkaCodecError);
        }
        return;
      }

      if (e.direction === 'request') {
        const req = decodeRequestFrame(frame);
        assert.equal(req.kind, 'request', `${e.file} decodes`);
        if (req.kind !== 'request') return;
        assert.deepEqual(
          [req.header.apiKey, req.header.apiVersion, req.header.correlationId, req.header.clientId],
          [e.apiKey, e.apiVersion, e.correlationId, e.clientId],
        );
        const again = encodeRequestFrame(req.header as never, req.body as never);
        assert.ok(again.equals(wire), `${e.file}: ${firstDifference(wire, again)}`);
      } else {
        const res = decodeResponseFrame(frame, e.apiKey as never, e.apiVersion);
        assert.equal(res.header.correlationId, e.correlationId);
        const again = concat(encodeResponseFrame(e.apiKey as never, e.apiVersion, res.header.correlationId, res.body as never, res.header.unknownTaggedFields));
        assert.ok(again.equals(wire), `${e.file}: ${firstDifference(wire, again)}`);
      }
    });
  }

  test('record batches of every captured Produce request: CRC, codec, records', async () => {
    const codecs = new Map<string, Set<string>>();
    const produce = frames.filter((e) => e.apiKey === ApiKey.Produce && e.direction === 'request');
    assert.ok(produce.length >= 10);
    for (const e of produce) {
      const req = decodeRequestFrame(load(e).subarray(4));
      assert.equal(req.kind, 'request');
      const body = req.kind === 'request' ? (req.body as ProduceRequest) : undefined;
      let batches = 0;
      for (const t of body!.topicData) {
        for (const p of t.partitionData) {
          assert.ok(p.records !== null, `${e.file}: records`);
          const { batches: bs, partialTail } = splitBatchesWithTail(p.records!);
          assert.equal(partialTail, 0, `${e.file}: a produce request holds whole batches`);
          for (const b of bs) {
            batches++;
            assert.ok(batchCrcValid(b), `${e.file}: CRC-32C of ${t.name}-${p.index}`);
            const d = await decodeBatchAsync(b);
            const codec = compressionName(batchCompression(b));
            const txn = batchIsTransactional(b);
            assert.equal(`${codec}${txn ? '-txn' : ''}`, e.variant, `${e.file}: variant is the batch's codec`);
            (codecs.get(e.source) ?? codecs.set(e.source, new Set()).get(e.source)!).add(codec);
            assert.equal(d.records.length, d.recordsCount);
            assert.equal(d.records.at(-1)!.offset - d.baseOffset, d.lastOffsetDelta);
            for (const r of d.records) {
              assert.ok(r.value !== null && r.value.length > 0);
              if (e.source === 'java' && !txn) {
                assert.match(r.value.toString(), new RegExp(`^value \\d+ of the ${codec} batch`));
              }
              if (e.source === 'kcat' && !txn) {
                assert.match(r.value.toString(), /^value \d+ from kcat/);
                assert.deepEqual(r.headers.map((h) => [h.key, h.value?.toString()]), [['trace', 'kcat']]);
              }
            }
          }
        }
      }
      assert.ok(batches > 0, `${e.file}: has batches`);
    }
    for (const source of ['java', 'kcat']) {
      assert.deepEqual([...(codecs.get(source) ?? [])].sort(), ['gzip', 'lz4', 'none', 'snappy', 'zstd'], `${source} batches in every codec`);
    }
  });

  test('record batches of every captured Fetch response: CRC, codec, aborted transactions', async () => {
    const fetches = frames.filter((e) => e.apiKey === ApiKey.Fetch && e.direction === 'response');
    assert.ok(fetches.length > 0);
    let total = 0;
    let aborted = 0;
    let controls = 0;
    for (const e of fetches) {
      const { body } = decodeResponseFrame(load(e).subarray(4), ApiKey.Fetch, e.apiVersion);
      for (const t of (body as FetchResponse).responses) {
        for (const p of t.partitions) {
          aborted += p.abortedTransactions?.length ?? 0;
          if (p.records === null) continue;
          const { batches } = splitBatchesWithTail(p.records); // a fetch may end in a partial batch
          for (const b of batches) {
            assert.ok(batchCrcValid(b), `${e.file}: CRC-32C`);
            const d = await decodeBatchAsync(b);
            if (batchIsControl(b)) {
              controls++;
              assert.equal(d.records.length, 1);
            }
            total += d.records.length;
          }
        }
      }
    }
    assert.ok(total > 0, 'fetched records');
    assert.ok(aborted > 0, 'a read_committed Fetch response lists an aborted transaction');
    assert.ok(controls > 0, 'transaction markers (control batches) fetched');
  });
});
