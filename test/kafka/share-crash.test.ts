// Share groups (KIP-932) across SIGKILLs of the broker: a share group member made of raw
// requests (ShareGroupHeartbeat, ShareFetch, ShareAcknowledge) accepts every record it gets,
// while the Wharf process (fsync always, the default) is killed with SIGKILL and restarted on
// the same data directory and port several times, once with an acknowledgement in flight.
// What KIP-932 promises, checked at the end:
// - no record whose acceptance the broker confirmed is delivered again afterwards (records that
//   were acquired but not confirmed may be redelivered, with a delivery count of at least 2 or
//   after a restart); an acknowledgement a kill cut off may or may not have been applied;
// - none is lost: every record is accepted (confirmed, or in a cut-off acknowledgement the
//   broker applied), and the share-partition start offsets end at the end of the log.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, LOOPBACK } from '../support/net.js';
import { CrashWharf } from '../support/crash-wharf.js';
import { buildRecordBatch, decodeRecords, forEachBatch } from '../../src/core/records/batch.js';
import { RawKafka } from './support/raw-kafka.js';

const N = 1_200;
const PARTITIONS = 2;
const KILLS = 4;
const GROUP = 'crash-share';


/** Values of the records a ShareFetch partition answer acquired. */
function acquiredValues(records: Buffer, ranges: Array<{ firstOffset: bigint; lastOffset: bigint; deliveryCount: number }>): Array<{ offset: number; value: number; dc: number }> {
  const out: Array<{ offset: number; value: number; dc: number }> = [];
  forEachBatch(records, (pos, size) => {
    for (const r of decodeRecords(records.subarray(pos, pos + size))) {
      const range = ranges.find((a) => BigInt(r.offset) >= a.firstOffset && BigInt(r.offset) <= a.lastOffset);
      if (range && r.value) out.push({ offset: r.offset, value: Number(r.value.toString()), dc: range.deliveryCount });
    }
  });
  return out;
}

/** True once every share-partition start offset is at the end of the log, with no lag. */
async function done(c: RawKafka): Promise<boolean> {
  const o = await c.send(90, 1, { groups: [{ groupId: GROUP, topics: [{ topicName: 'work', partitions: Array.from({ length: PARTITIONS }, (_, p) => p) }] }] });
  return o.groups[0]!.topics[0]!.partitions.every((p) => Number(p.startOffset) === N / PARTITIONS && Number(p.lag ?? -1) === 0);
}

describe('share groups across SIGKILLs of the broker', () => {
  test(`${N} records, ${KILLS} kills: nothing confirmed is redelivered, nothing is lost`, { timeout: 240_000 }, async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wharf-share-crash-'));
    const port = await freePort();
    const wharf = new CrashWharf(dataDir, { kafkaPort: port, args: ['--group-share-record-lock-duration', '2s'] });
    /** value -> when its acceptance was confirmed (delivery index), per partition offset. */
    const confirmed = new Map<number, number>();
    const deliveries: Array<{ value: number; dc: number; at: number }> = [];
    const violations: string[] = [];
    /** Values whose acceptance was in flight at a kill: applied or not, the broker decides. */
    const uncertain = new Set<number>();
    const covered = () => confirmed.size + [...uncertain].filter((v) => !confirmed.has(v)).length;
    let deliveryIndex = 0;
    try {
      await wharf.start();
      let c = await RawKafka.connect(LOOPBACK, port);
      const created = await c.send(19, 7, { topics: [{ name: 'work', numPartitions: PARTITIONS, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5_000, validateOnly: false });
      assert.equal(created.topics[0]!.errorCode, 0);
      for (let v = 0; v < N; v += 50) {
        const r = await c.send(0, 9, { transactionalId: null, acks: -1, timeoutMs: 5_000, topicData: [{ name: 'work', partitionData: [{ index: (v / 50) % PARTITIONS, records: buildRecordBatch({ records: Array.from({ length: 50 }, (_, i) => ({ value: String(v + i) })) }) }] }] });
        assert.equal(r.responses[0]!.partitionResponses[0]!.errorCode, 0);
      }
      const cfg = await c.send(44, 1, { resources: [{ resourceType: 32, resourceName: GROUP, configs: [{ name: 'share.auto.offset.reset', configOperation: 0, value: 'earliest' }] }], validateOnly: false });
      assert.equal(cfg.responses[0]!.errorCode, 0);
      const md = await c.send(3, 12, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'work' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
      const topicId = md.topics[0]!.topicId!;

      let kills = 0;
      let member = 0;
      const killAt = [150, 400, 700, 950];
      // Until every record is confirmed accepted or was in an acknowledgement a kill cut off;
      // then until the start offsets reach the end (an uncut-off record not applied comes back).
      for (let drain = 0; covered() < N || !(await done(c)); drain++) {
        if (drain > 20) throw new Error('the start offsets never reached the end of the log');
        // (Re)join: a new member and a new share session after every restart.
        const memberId = `member-${member++}`;
        let hb = await c.send(76, 1, { groupId: GROUP, memberId, memberEpoch: 0, rackId: null, subscribedTopicNames: ['work'] }).catch((e: unknown) => {
          throw new Error(`${(e as Error).message}; broker: ${wharf.out}`);
        });
        assert.equal(hb.errorCode, 0, hb.errorMessage ?? '');
        let epoch = 0;
        let crashed = false;
        try {
          for (let round = 0; !crashed && (covered() < N ? true : round < 10); round++) {
            const f = await c.send(78, 2, { groupId: GROUP, memberId, shareSessionEpoch: epoch, maxWaitMs: 200, minBytes: 1, maxBytes: 1 << 20, maxRecords: 120, batchSize: 120, topics: epoch === 0 ? [{ topicId, partitions: Array.from({ length: PARTITIONS }, (_, p) => ({ partitionIndex: p, acknowledgementBatches: [] })) }] : [], forgottenTopicsData: [] });
            assert.equal(f.errorCode, 0, f.errorMessage ?? '');
            epoch++;
            const acks: Array<{ partitionIndex: number; acknowledgementBatches: Array<{ firstOffset: bigint; lastOffset: bigint; acknowledgeTypes: number[] }> }> = [];
            const values: number[] = [];
            for (const p of f.responses.flatMap((x) => x.partitions)) {
              if (p.acquiredRecords.length === 0) continue;
              for (const d of acquiredValues(p.records, p.acquiredRecords)) {
                const at = deliveryIndex++;
                deliveries.push({ value: d.value, dc: d.dc, at });
                if (confirmed.has(d.value)) violations.push(`value ${d.value} delivered again (delivery count ${d.dc}) after its acceptance was confirmed`);
                values.push(d.value);
              }
              acks.push({ partitionIndex: p.partitionIndex, acknowledgementBatches: p.acquiredRecords.map((a) => ({ firstOffset: a.firstOffset, lastOffset: a.lastOffset, acknowledgeTypes: [1] })) });
            }
            if (acks.length === 0) {
              if (round % 50 === 49) t.diagnostic(`idle round ${round}: ${confirmed.size} confirmed, answer ${JSON.stringify(f.responses.map((x) => x.partitions.map((p) => [p.partitionIndex, p.errorCode, p.acknowledgeErrorCode])))}`);
              if (covered() >= N) break;
              if (round > 400) {
                const o = await c.send(90, 1, { groups: [{ groupId: GROUP, topics: null }] });
                const missing = Array.from({ length: N }, (_, v) => v).filter((v) => !confirmed.has(v));
                throw new Error(`no progress at ${confirmed.size} confirmed: offsets ${JSON.stringify(o.groups[0]!.topics.map((x) => x.partitions.map((p) => [p.partitionIndex, Number(p.startOffset), Number(p.lag ?? -1)])))}, missing ${missing.slice(0, 10).join(',')}..${missing.slice(-3).join(',')}`);
              }
              hb = await c.send(76, 1, { groupId: GROUP, memberId, memberEpoch: hb.memberEpoch, rackId: null, subscribedTopicNames: null });
              continue;
            }
            // Settled into a value at once: a kill while it is in flight rejects it.
            const ack = c.send(79, 2, { groupId: GROUP, memberId, shareSessionEpoch: epoch, topics: [{ topicId, partitions: acks }] }).then(
              (r) => ({ r, e: null }),
              (e: unknown) => ({ r: null, e }),
            );
            epoch++;
            const due = kills < KILLS && confirmed.size + values.length >= killAt[kills]!;
            if (due && kills % 2 === 1) {
              // SIGKILL with the acknowledgement in flight: it may or may not have been applied.
              await wharf.kill();
              await ack;
              for (const v of values) uncertain.add(v);
              crashed = true;
              break;
            }
            const { r, e } = await ack;
            if (r === null) throw e;
            const ok = r.errorCode === 0 && r.responses.every((x) => x.partitions.every((p) => p.errorCode === 0));
            assert.ok(ok, JSON.stringify(r.responses));
            for (const v of values) confirmed.set(v, deliveryIndex);
            if (due) {
              await wharf.kill();
              crashed = true;
            }
          }
        } catch (e) {
          if (!crashed) throw new Error(`${(e as Error).message}; broker: ${wharf.out}`);
        }
        if (crashed) {
          kills++;
          t.diagnostic(`kill ${kills} after ${confirmed.size} confirmed acceptances`);
          c.close();
          await wharf.start();
          c = await RawKafka.connect(LOOPBACK, port).catch((e: unknown) => {
            throw new Error(`${(e as Error).message}: ${wharf.out}`);
          });
        }
      }
      assert.equal(kills, KILLS);
      assert.deepEqual(violations, []);
      assert.equal(covered(), N, 'every record accepted');
      const redelivered = new Set(deliveries.filter((d) => d.dc > 1).map((d) => d.value));
      t.diagnostic(`${deliveries.length} deliveries, ${redelivered.size} records delivered more than once`);
      const offsets = await c.send(90, 1, { groups: [{ groupId: GROUP, topics: [{ topicName: 'work', partitions: Array.from({ length: PARTITIONS }, (_, p) => p) }] }] });
      assert.deepEqual(
        offsets.groups[0]!.topics[0]!.partitions.map((p) => [p.partitionIndex, Number(p.startOffset), Number(p.lag ?? -1)]),
        Array.from({ length: PARTITIONS }, (_, p) => [p, N / PARTITIONS, 0]),
      );
      c.close();
    } finally {
      await wharf.kill();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
