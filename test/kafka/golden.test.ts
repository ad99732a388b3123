/**
 * Golden bytes produced by another implementation, kafka-python 3.0.12 (whose protocol classes
 * are also built from Kafka's JSON definitions, independently of ours, and whose record batch
 * builder is hand-written): requests and a response encoded with their headers, and record
 * batches in all five codecs. Captured once with `pip install kafka-python lz4 zstandard
 * python-snappy`; goldens captured from Apache Kafka's own broker and clients come later.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeRequestFrame, encodeRequestFrame, encodeResponseFrameBuffer } from '../../src/kafka/protocol/codec.js';
import { ApiKey } from '../../src/kafka/protocol/messages/index.js';
import { batchCompression, batchCrcValid, buildRecordBatch, decodeBatchAsync } from '../../src/core/records/batch.js';

const hex = (s: string) => Buffer.from(s, 'hex');
function sized(body: Buffer): Buffer {
  const b = Buffer.alloc(4 + body.length);
  b.writeInt32BE(body.length, 0);
  body.copy(b, 4);
  return b;
}

const REQUESTS: { name: string; bytes: string; body: unknown }[] = [
  {
    name: 'ApiVersionsRequest v3',
    bytes: '001200030000000700026b70000d6b61666b612d707974686f6e04332e3000',
    // ClusterId and NodeId are v5 fields: a v3 body decodes with their defaults.
    body: { clientSoftwareName: 'kafka-python', clientSoftwareVersion: '3.0', clusterId: null, nodeId: -1 },
  },
  {
    name: 'MetadataRequest v12 (uuid, compact string, flexible booleans)',
    bytes: '0003000c0000000700026b70000200000000000000000000000000000000076f726465727300000100',
    body: {
      topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'orders' }],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: true,
    },
  },
  {
    name: 'MetadataRequest v4 (null topics)',
    bytes: '000300040000000700026b70ffffffff01',
    body: { topics: null, allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false },
  },
];

// Record batch v2, three records: no key, value 'value-i ' x 20, header n=i, timestamps
// 1700000000000 + i, producer id/epoch/sequence -1, partition leader epoch 0.
const BATCHES: Record<number, string> = {
  1: '00000000000000000000007900000000021d9d34d90001000000020000018bcfe568000000018bcfe56802ffffffffff'
    + 'ffffffffffffffffff000000031f8b08001496086b02ffbbc6c4c0c0c07880a92c31a73455d74061b0d24c4c794c06d7'
    + '98189898e08e355418ac34c8b18640c7b2b0c01d6ba430586990638d000b3dec9207020000',
  2: '0000000000000000000000990000000002c6d3bbec0002000000020000018bcfe568000000018bcfe56802ffffffffff'
    + 'ffffffffffffffffff0000000382534e415050590000000001000000010000005487043cd60200000001c00276616c75'
    + '652d3020fe0800fe08005e08002402026e0230d60200020215ad00310dadfe0800fe080046080001ad1431d602000404'
    + '15ad00320dadfe0800fe08004608001002026e0232',
  3: '00000000000000000000008c0000000002337918430003000000020000018bcfe568000000018bcfe56802ffffffffff'
    + 'ffffffffffffffffff0000000304224d1868400702000000000000ce44000000ff01d60200000001c00276616c75652d'
    + '3020080085a502026e0230d602000202ad001331ad000f08007f00ad006531d602000404ad001332ad000f08007f5002'
    + '026e023200000000',
  4: '000000000000000000000079000000000265dd314f0004000000020000018bcfe568000000018bcfe56802ffffffffff'
    + 'ffffffffffffffffff0000000328b52ffd600701f501007402d60200000001c00276616c75652d302002026e0230d602'
    + '0002023131d6020004043202026e023208000f4001e40baa40000f4001f2859902a98c2a4b',
};

// DefaultRecordBatchBuilder, uncompressed: keys, null key, null value, headers, producer state.
const PLAIN_BATCH =
  '00000000000000000000006200000000028d691dca0000000000020000018bcfe568000000018bcfe56805000000000000002a'
  + '000300000064000000031a000000046b310a68656c6c6f002c000a02010c6e6f206b6579020a74726163650661626316000604'
  + '046b330102026801';

describe('golden bytes from kafka-python', () => {
  for (const g of REQUESTS) {
    test(g.name, () => {
      const frame = hex(g.bytes);
      const req = decodeRequestFrame(frame);
      assert.equal(req.kind, 'request');
      if (req.kind !== 'request') return;
      assert.equal(req.header.correlationId, 7);
      assert.equal(req.header.clientId, 'kp');
      assert.deepStrictEqual(req.body, g.body);
      assert.equal(encodeRequestFrame(req.header as never, req.body as never).toString('hex'), sized(frame).toString('hex'));
    });
  }

  test('ApiVersionsResponse v3 with a tagged FinalizedFeaturesEpoch', () => {
    const frame = encodeResponseFrameBuffer(ApiKey.ApiVersions, 3, 7, {
      errorCode: 0,
      apiKeys: [{ apiKey: 0, minVersion: 0, maxVersion: 11 }],
      throttleTimeMs: 0,
      finalizedFeaturesEpoch: 5n,
    });
    assert.equal(frame.subarray(4).toString('hex'), '0000000700000200000000000b00000000000101080000000000000005');
  });

  test('uncompressed record batch, byte for byte', () => {
    const t0 = 1700000000000;
    const b = buildRecordBatch({
      partitionLeaderEpoch: 0,
      producerId: 42,
      producerEpoch: 3,
      baseSequence: 100,
      baseTimestamp: t0,
      records: [
        { key: Buffer.from('k1'), value: Buffer.from('hello') },
        { timestamp: t0 + 5, key: null, value: Buffer.from('no key'), headers: [{ key: 'trace', value: Buffer.from('abc') }] },
        { timestamp: t0 + 3, key: Buffer.from('k3'), value: null, headers: [{ key: 'h', value: null }] },
      ],
    });
    assert.equal(b.toString('hex'), PLAIN_BATCH);
  });

  for (const [codec, h] of Object.entries(BATCHES)) {
    test(`compressed record batch, codec ${codec}`, async () => {
      const batch = hex(h);
      assert.ok(batchCrcValid(batch));
      assert.equal(batchCompression(batch), Number(codec));
      const d = await decodeBatchAsync(batch);
      assert.equal(d.records.length, 3);
      assert.equal(d.maxTimestamp, 1700000000002);
      d.records.forEach((r, i) => {
        assert.equal(r.offset, i);
        assert.equal(r.timestamp, 1700000000000 + i);
        assert.equal(r.key, null);
        assert.equal(r.value!.toString(), `value-${i} `.repeat(20));
        assert.deepEqual(r.headers, [{ key: 'n', value: Buffer.from(String(i)) }]);
      });
    });
  }
});
