/**
 * Headers, framing, primitives and byte layouts written out by hand from the protocol rules
 * (not produced by this codec), so a mistake made the same way in encoder and decoder shows.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  decodeRequestFrame,
  decodeResponseFrame,
  encodeRequestFrame,
  encodeResponseFrame,
  encodeResponseFrameBuffer,
  requestBody,
} from '../../src/kafka/protocol/codec.js';
import { KafkaCodecError } from '../../src/kafka/protocol/errors.js';
import { FrameSplitter, FrameTooLargeError } from '../../src/kafka/protocol/frame.js';
import { requestHeaderVersion, responseHeaderVersion } from '../../src/kafka/protocol/header.js';
import { ApiKey, type FetchResponse, type MetadataRequest } from '../../src/kafka/protocol/messages/index.js';
import { decodeProduceRequest, encodeProduceRequest } from '../../src/kafka/protocol/messages/produce.js';
import { Reader } from '../../src/kafka/protocol/reader.js';
import { Writer } from '../../src/kafka/protocol/writer.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const str16 = (s: string) => Buffer.from([0, s.length]).toString('hex') + Buffer.from(s).toString('hex');
const compact = (s: string) => (s.length + 1).toString(16).padStart(2, '0') + Buffer.from(s).toString('hex');
/** Prefixes a frame body with its int32 size. */
function sized(body: Buffer): Buffer {
  const b = Buffer.alloc(4 + body.length);
  b.writeInt32BE(body.length, 0);
  body.copy(b, 4);
  return b;
}

describe('primitives', () => {
  test('unsigned varint, zigzag varint and varlong', () => {
    const cases: [number, string][] = [
      [0, '00'],
      [1, '01'],
      [127, '7f'],
      [128, '8001'],
      [300, 'ac02'],
      [0xffffffff, 'ffffffff0f'],
    ];
    for (const [v, h] of cases) {
      const w = new Writer();
      w.uvarint(v);
      assert.equal(w.finish().toString('hex'), h, `uvarint ${v}`);
      assert.equal(new Reader(hex(h)).uvarint(), v);
    }
    for (const [v, h] of [
      [0, '00'],
      [-1, '01'],
      [1, '02'],
      [-64, '7f'],
      [64, '8001'],
      [2147483647, 'feffffff0f'],
      [-2147483648, 'ffffffff0f'],
    ] as [number, string][]) {
      const w = new Writer();
      w.varint(v);
      assert.equal(w.finish().toString('hex'), h, `varint ${v}`);
      assert.equal(new Reader(hex(h)).varint(), v);
    }
    for (const v of [0n, -1n, 1n, 0x7fffffffffffffffn, -0x8000000000000000n, 1700000000000n]) {
      const w = new Writer();
      w.varlong(v);
      const b = w.finish();
      assert.equal(new Reader(b).varlong(), v);
      if (v >= -(2n ** 52n) && v <= 2n ** 52n) {
        const w2 = new Writer();
        w2.varlongNumber(Number(v));
        assert.ok(w2.finish().equals(b), `varlongNumber ${v} encodes like varlong`);
        assert.equal(new Reader(b).varlongNumber(), Number(v));
      }
    }
    assert.equal(new Writer().finish().length, 0);
    assert.throws(() => new Reader(hex('ffffffff1f')).uvarint(), KafkaCodecError); // > 32 bits
    assert.throws(() => new Reader(hex('80')).uvarint(), KafkaCodecError); // truncated
    assert.throws(() => new Reader(hex('ffffffffffffffffffffff')).varlongNumber(), KafkaCodecError);
  });

  test('strings, bytes and arrays: classic, compact, nullable', () => {
    const w = new Writer(1);
    w.string('hé');
    w.nullableString(null);
    w.compactString('hé');
    w.compactNullableString(null);
    w.bytes(Buffer.from([1, 2]));
    w.nullableBytes(null);
    w.compactNullableBytes(Buffer.alloc(0));
    w.arrayLength(-1, false);
    w.arrayLength(-1, true);
    w.uuid('AAAAAAAAAAAAAAAAAAAAAA');
    assert.equal(w.finish().toString('hex'), '000368c3a9' + 'ffff' + '0468c3a9' + '00' + '000000020102' + 'ffffffff' + '01' + 'ffffffff' + '00' + '00'.repeat(16));
    const r = new Reader(hex('000368c3a9ffff0468c3a900'));
    assert.equal(r.string(), 'hé');
    assert.equal(r.nullableString(), null);
    assert.equal(r.compactString(), 'hé');
    assert.equal(r.compactNullableString(), null);
    // A length beyond the input is an error, not a short read.
    assert.throws(() => new Reader(hex('0005 6162')).string(), KafkaCodecError);
    assert.throws(() => new Reader(hex('7fffffff')).arrayLength(false), KafkaCodecError);
    assert.throws(() => new Reader(hex('ffff')).string(), KafkaCodecError);
    assert.throws(() => new Writer().uuid('not-a-uuid'), KafkaCodecError);
    const u = Buffer.from('00112233445566778899aabbccddeeff', 'hex').toString('base64url');
    const w2 = new Writer();
    w2.uuid(u);
    assert.equal(new Reader(w2.finish()).uuid(), u);
  });

  test('large blobs are referenced, not copied, and the output is still one frame', () => {
    const big = Buffer.alloc(100_000, 7);
    const w = new Writer(8);
    w.int32(1);
    w.compactNullableBytes(big);
    w.int16(2);
    const chunks = w.finishChunks();
    assert.equal(chunks.length, 3);
    assert.equal(chunks[1], big);
    const all = Buffer.concat(chunks);
    const r = new Reader(all);
    assert.equal(r.int32(), 1);
    assert.ok(r.compactNullableBytes()!.equals(big));
    assert.equal(r.int16(), 2);
  });
});

describe('headers', () => {
  test('header versions, including the ApiVersions quirk', () => {
    assert.equal(requestHeaderVersion(ApiKey.Produce, 8), 1);
    assert.equal(requestHeaderVersion(ApiKey.Produce, 9), 2);
    assert.equal(requestHeaderVersion(ApiKey.ApiVersions, 3), 2);
    assert.equal(responseHeaderVersion(ApiKey.Produce, 9), 1);
    assert.equal(responseHeaderVersion(ApiKey.Produce, 8), 0);
    for (let v = 0; v <= 4; v++) assert.equal(responseHeaderVersion(ApiKey.ApiVersions, v), 0);
  });

  test('ApiVersionsRequest v3: header v2 with a classic (non-compact) client id', () => {
    const body = hex(
      '0012 0003 00000001' + // api key 18, version 3, correlation id 1
        str16('adminclient-1') + // ClientId: int16 length, even in header v2
        '00' + // header tagged fields
        compact('apache-kafka-java') +
        compact('3.7.0') +
        '00', // body tagged fields
    );
    const req = decodeRequestFrame(body);
    assert.equal(req.kind, 'request');
    if (req.kind !== 'request') return;
    assert.deepEqual(req.header, { apiKey: 18, apiVersion: 3, correlationId: 1, clientId: 'adminclient-1' });
    // v5's ClusterId and NodeId (KIP-1242) are not in v3: the decoder gives their defaults.
    assert.deepEqual(requestBody(req, ApiKey.ApiVersions), { clientSoftwareName: 'apache-kafka-java', clientSoftwareVersion: '3.7.0', clusterId: null, nodeId: -1 });
    const again = encodeRequestFrame(req.header as typeof req.header & { apiKey: 18 }, { clientSoftwareName: 'apache-kafka-java', clientSoftwareVersion: '3.7.0' });
    assert.ok(again.equals(sized(body)));
  });

  test('ApiVersionsResponse v3: flexible body behind a v0 header', () => {
    const frame = encodeResponseFrameBuffer(ApiKey.ApiVersions, 3, 1, {
      errorCode: 0,
      apiKeys: [
        { apiKey: 0, minVersion: 0, maxVersion: 11 },
        { apiKey: 18, minVersion: 0, maxVersion: 4 },
      ],
      throttleTimeMs: 0,
    });
    const want = hex(
      '00000001' + // correlation id; header v0 has no tagged-field byte
        '0000' + // error code
        '03' + // compact array of 2
        '0000 0000 000b 00' +
        '0012 0000 0004 00' +
        '00000000' + // throttle time
        '00', // no tagged fields
    );
    assert.equal(frame.toString('hex'), sized(want).toString('hex'));
    const back = decodeResponseFrame(frame.subarray(4), ApiKey.ApiVersions, 3);
    assert.equal(back.header.correlationId, 1);
    assert.equal(back.body.apiKeys.length, 2);
    assert.equal(back.body.finalizedFeaturesEpoch, -1n, 'absent tagged field decodes to its default');
  });

  test('ApiVersionsResponse v3 with tagged fields set', () => {
    const frame = encodeResponseFrameBuffer(ApiKey.ApiVersions, 3, 9, {
      errorCode: 0,
      apiKeys: [],
      throttleTimeMs: 0,
      finalizedFeaturesEpoch: 5n,
      zkMigrationReady: true,
    });
    const want = hex(
      '00000009 0000 01 00000000' +
        '02' + // two tagged fields, ascending tags
        '01 08 0000000000000005' + // tag 1 FinalizedFeaturesEpoch, 8 bytes
        '03 01 01', // tag 3 ZkMigrationReady, 1 byte
    );
    assert.equal(frame.toString('hex'), sized(want).toString('hex'));
  });

  test('response header v1 carries a tagged-field byte', () => {
    const frame = encodeResponseFrameBuffer(ApiKey.FindCoordinator, 4, 5, { throttleTimeMs: 0, coordinators: [] });
    assert.equal(frame.toString('hex'), sized(hex('00000005 00 00000000 01 00')).toString('hex'));
  });
});

describe('known request layouts', () => {
  test('MetadataRequest: null topics (all topics) in classic and compact form', () => {
    const v1 = decodeRequestFrame(hex('0003 0001 00000002' + str16('c') + 'ffffffff'));
    assert.equal(v1.kind, 'request');
    assert.equal((v1 as { body: MetadataRequest }).body.topics, null);
    const v12 = decodeRequestFrame(hex('0003 000c 00000002' + str16('c') + '00' + '00 01 00 00'));
    assert.deepEqual((v12 as { body: MetadataRequest }).body, {
      topics: null,
      allowAutoTopicCreation: true,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    // v0 has no null: encoding one is refused rather than silently sent as empty.
    assert.throws(() => encodeRequestFrame({ apiKey: ApiKey.Metadata, apiVersion: 0, correlationId: 1, clientId: null }, { topics: null }), KafkaCodecError);
  });

  test('FetchRequest v12 with a tagged ClusterId', () => {
    const body = hex(
      '0001 000c 00000007' + str16('c') + '00' +
        'ffffffff' + // ReplicaId -1
        '000001f4' + // MaxWaitMs 500
        '00000001' + // MinBytes
        '7fffffff' + // MaxBytes
        '01' + // IsolationLevel read_committed
        '00000000' + // SessionId
        'ffffffff' + // SessionEpoch
        '02' + compact('t') + // 1 topic "t"
        '02' + // 1 partition
        '00000000' + // Partition
        'ffffffff' + // CurrentLeaderEpoch
        '0000000000000064' + // FetchOffset 100
        'ffffffff' + // LastFetchedEpoch
        'ffffffffffffffff' + // LogStartOffset
        '00100000' + // PartitionMaxBytes 1 MiB
        '00' + // partition tags
        '00' + // topic tags
        '01' + // ForgottenTopicsData: empty
        '01' + // RackId ""
        '01 00 02 0263', // 1 tagged field: tag 0 ClusterId, 2 bytes, compact "c"
    );
    const req = decodeRequestFrame(body);
    assert.equal(req.kind, 'request');
    if (req.kind !== 'request') return;
    const f = requestBody(req, ApiKey.Fetch);
    assert.equal(f.clusterId, 'c');
    assert.equal(f.isolationLevel, 1);
    assert.equal(f.topics[0]!.topic, 't');
    assert.equal(f.topics[0]!.partitions[0]!.fetchOffset, 100n);
    assert.equal(f.topics[0]!.partitions[0]!.partitionMaxBytes, 1 << 20);
    assert.ok(encodeRequestFrame(req.header as typeof req.header & { apiKey: 1 }, f).equals(sized(body)));
  });

  test('ProduceRequest v3 (classic) and v9 (flexible) around a records blob', () => {
    const records = Buffer.from('0102030405', 'hex');
    const v3 = hex('ffff' + '0001' + '00001388' + '00000001' + str16('t') + '00000001' + '00000000' + '00000005' + '0102030405');
    const p3 = decodeProduceRequest(new Reader(v3), 3);
    // v13 names topics by id: in older versions the id is its default, the zero uuid.
    assert.deepEqual(p3, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: 't', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitionData: [{ index: 0, records }] }] });
    const v9 = hex('00' + '0001' + '00001388' + '02' + compact('t') + '02' + '00000000' + '06' + '0102030405' + '00' + '00' + '00');
    const p9 = decodeProduceRequest(new Reader(v9), 9);
    assert.deepEqual(p9, p3);
    const w = new Writer();
    encodeProduceRequest(w, 9, p9);
    assert.ok(w.finish().equals(v9));
  });

  test('unknown tagged fields are kept and written back', () => {
    // ProduceRequest v9 whose partition carries tag 7 (unknown to us) and body tag 9.
    const v9 = hex('00 0001 00001388 02' + compact('t') + '02 00000000 01 01 07 02 abcd 00 01 09 00');
    const p = decodeProduceRequest(new Reader(v9), 9);
    assert.deepEqual(p.topicData[0]!.partitionData[0]!.unknownTaggedFields, [{ tag: 7, data: hex('abcd') }]);
    assert.deepEqual(p.unknownTaggedFields, [{ tag: 9, data: Buffer.alloc(0) }]);
    const w = new Writer();
    encodeProduceRequest(w, 9, p);
    assert.equal(w.finish().toString('hex'), v9.toString('hex'));
  });
});

describe('request frames', () => {
  test('unsupported version and unknown api: header decoded, body not', () => {
    const tooNew = decodeRequestFrame(hex('0012 0063 0000002a' + str16('x') + '00 ffff'));
    assert.deepEqual(tooNew, {
      kind: 'unsupported',
      reason: 'unsupported-version',
      header: { apiKey: 18, apiVersion: 99, correlationId: 42, clientId: 'x' },
    });
    const unknown = decodeRequestFrame(hex('7000 0000 00000001 ffff'));
    assert.equal(unknown.kind, 'unsupported');
    assert.equal(unknown.kind === 'unsupported' && unknown.reason, 'unknown-api');
    assert.equal(unknown.header.clientId, null);
  });

  test('truncated and over-long frames are KafkaCodecErrors', () => {
    const good = hex('0003 0001 00000002' + str16('c') + 'ffffffff');
    for (let n = 0; n < good.length; n++) assert.throws(() => decodeRequestFrame(good.subarray(0, n)), KafkaCodecError, `cut at ${n}`);
    // Trailing bytes after a whole body are ignored, as Apache Kafka does.
    assert.equal(decodeRequestFrame(Buffer.concat([good, hex('00')])).kind, 'request');
  });

  test('Fetch response records are referenced in the output chunks', () => {
    const records = Buffer.alloc(64 * 1024, 1);
    const body: FetchResponse = {
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: 0,
      responses: [
        {
          topicId: Buffer.alloc(16).toString('base64url'),
          partitions: [
            { partitionIndex: 0, errorCode: 0, highWatermark: 10n, lastStableOffset: 10n, logStartOffset: 0n, abortedTransactions: null, preferredReadReplica: -1, records },
          ],
        },
      ],
    };
    const chunks = encodeResponseFrame(ApiKey.Fetch, 16, 3, body);
    assert.ok(chunks.includes(records));
    const frame = Buffer.concat(chunks);
    assert.equal(frame.readInt32BE(0), frame.length - 4);
    const back = decodeResponseFrame(frame.subarray(4), ApiKey.Fetch, 16);
    assert.ok(back.body.responses[0]!.partitions[0]!.records!.equals(records));
  });
});

describe('frame splitter', () => {
  const f1 = sized(hex('0102'));
  const f2 = sized(hex('030405'));
  const f0 = sized(Buffer.alloc(0));

  test('frames across and within chunks, byte by byte too', () => {
    const stream = Buffer.concat([f1, f0, f2]);
    for (const step of [1, 2, 3, 5, stream.length]) {
      const s = new FrameSplitter();
      const got: string[] = [];
      for (let i = 0; i < stream.length; i += step) s.push(stream.subarray(i, i + step), (f) => got.push(f.toString('hex')));
      assert.deepEqual(got, ['0102', '', '030405'], `step ${step}`);
      assert.equal(s.pending, 0);
    }
  });

  test('a lying size is refused before buffering its body', () => {
    const s = new FrameSplitter(1024);
    assert.throws(() => s.push(hex('7fffffff 00'), () => assert.fail()), FrameTooLargeError);
    const s2 = new FrameSplitter(1024);
    s2.push(hex('0000'), () => assert.fail());
    assert.throws(() => s2.push(hex('0401'), () => assert.fail()), FrameTooLargeError);
    assert.throws(() => new FrameSplitter().push(hex('ffffffff'), () => assert.fail()), /negative/);
    // Exactly at the limit is fine.
    const s3 = new FrameSplitter(3);
    const got: Buffer[] = [];
    s3.push(f2, (f) => got.push(f));
    assert.equal(got.length, 1);
  });

  test('a frame within one chunk is a view of it', () => {
    const chunk = Buffer.concat([f1, f2]);
    const got: Buffer[] = [];
    new FrameSplitter().push(chunk, (f) => got.push(f));
    assert.equal(got[0]!.buffer, chunk.buffer);
  });
});

